#!/usr/bin/env bash
# Side-by-side 4D-STEM benchmark: Condenser against the machine's read ceiling, the hand-tuned C kernels and the
# Python peers of ../shared/baselines, on the same uint16 file in the page cache, one and all cores.
#
#   bench/scripts/fourd-bench.sh [FILE] [SY SX DY DX]      (default: /tmp/condenser-bench/fourd_4g.raw, 512 256 128 128)
#
# Makes the file if absent (fourd.py make), keeps its pages mapped while it runs (c/holder.c), and prints one JSON
# line per measurement. Every measurement is a fresh process with one pass, as a command-line user runs it, except the
# "condenser-*" lines of `condenser bench fourd`, which repeat passes with the mapping kept. Needs gcc, jq, Debian's
# python3-numpy and python3-numba.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
baselines=$(cd "$here/../shared/baselines" && pwd)
file=${1:-/tmp/condenser-bench/fourd_4g.raw}
shape=(${2:-512} ${3:-256} ${4:-128} ${5:-128})
work=$(dirname "$file")
mkdir -p "$work"
cores=$(nproc)

if [[ ! -s "$file" ]]; then
  /usr/bin/python3 "$baselines/fourd.py" make "$file" --shape "${shape[@]}" >&2
fi
for tool in ring com readmax holder; do
  [[ -x "$work/$tool" ]] || gcc -O3 -march=native -fopenmp "$baselines/c/$tool.c" -o "$work/$tool" -lm
done
[[ -x "$work/readbw" ]] || gcc -O3 -march=native -fopenmp "$baselines/readbw.c" -o "$work/readbw"
"$here/condenser" --version >/dev/null # builds artifacts/cli (ReadyToRun) when a source changed
condenser() { dotnet "$here/artifacts/cli/condenser.dll" "$@"; }

"$work/holder" "$file" & holder=$!
trap 'kill $holder 2>/dev/null || true' EXIT
cat "$file" > /dev/null
sleep 1
raw=(--shape "$(IFS=,; echo "${shape[*]}")" --dtype uint16 --nav-dims 2)
center=$(awk -v h="${shape[2]}" -v w="${shape[3]}" 'BEGIN { printf "%.1f:%.1f", (h - 1) / 2, (w - 1) / 2 }')
for t in 1 "$cores"; do
  "$work/readmax" "$file" xor "$t" 1
  "$work/readbw" "$file" "$t" 1
  # The C kernels both ways: over a fresh mapping, and with IO=pread into per-thread buffers.
  "$work/ring" "$file" vlist "$t" 1 | sed 's/^{/{"io": "mapped", /'
  IO=pread "$work/ring" "$file" vlist "$t" 1 | sed 's/^{/{"io": "pread", /'
  "$work/com" "$file" avx "$t" 1 | sed 's/^{/{"io": "mapped", /'
  IO=pread "$work/com" "$file" avx "$t" 1 | sed 's/^{/{"io": "pread", /'
  /usr/bin/python3 "$baselines/fourd.py" run "$file" --shape "${shape[@]}" --method numba --threads "$t"
  /usr/bin/python3 "$baselines/fourd.py" run "$file" --shape "${shape[@]}" --method numba-com --threads "$t"
  # End to end, fresh processes: the first run of a file (its identity hashed inside the pass), then a repeated run
  # (identity from the hash cache). A private cache folder makes the first run a first run.
  export CONDENSER_CACHE="$work/cache-$t"
  rm -rf "$CONDENSER_CACHE"
  for run in first repeated; do
    condenser virtual-image "$file" "${raw[@]}" --annulus "$(( shape[2] / 4 )):$(( shape[2] / 2 ))" --center "$center" \
      --workers "$t" -o "$work/vi.emd" --json | jq -c "{method: \"condenser-virtual-image-$run\", threads: $t, elapsed_s, pass_s, gb_per_s, io, e2e_gb_per_s: (.bytes_read / .elapsed_s / 1e9)}"
  done
  rm -rf "$CONDENSER_CACHE"
  for run in first repeated; do
    condenser com "$file" "${raw[@]}" --center "$center" --workers "$t" -o "$work/com.emd" --json \
      | jq -c "{method: \"condenser-com-$run\", threads: $t, elapsed_s, pass_s, gb_per_s, io, e2e_gb_per_s: (.bytes_read / .elapsed_s / 1e9)}"
  done
  condenser bench fourd "$file" "${raw[@]}" --workers "$t" --repeats 3
done
