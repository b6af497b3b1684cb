#!/usr/bin/env bash
# End to end, as a user waits: a virtual image of one 4D-STEM scan three ways, side by side in one run —
#   the numba baseline (../shared/baselines/fourd.py, numba-parallel annulus over the raw file),
#   the CLI (`condenser virtual-image` on the same scan as an EMD file, a fresh process),
#   the library (POST /api/datasets/{id}/analyses on a running server, until the job's result is a record).
# Usage: bench/scripts/library-job-bench.sh [SY SX DY DX]   (default 128 128 128 128: 512 MiB of uint16)
# Needs /usr/bin/python3 with numpy, numba and h5py, and curl.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
baselines=$root/../shared/baselines
shape=("${@:-128 128 128 128}"); read -r -a shape <<< "${shape[*]}"
work=$(mktemp -d /tmp/condenser-jobbench.XXXX); trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
raw=$work/scan.raw; emd=$work/scan.emd; data=$work/library
inner=$(( shape[2] / 8 )); outer=$(( shape[2] / 4 ))
/usr/bin/python3 "$baselines/fourd.py" make "$raw" --shape "${shape[@]}" >&2
/usr/bin/python3 - "$raw" "$emd" "${shape[@]}" <<'PY'
import sys, numpy as np, h5py
raw, emd, *shape = sys.argv[1:]; shape = tuple(int(s) for s in shape)
data = np.memmap(raw, dtype=np.uint16, mode="r", shape=shape)
with h5py.File(emd, "w") as f:
    g = f.create_group("4DSTEM_experiment/data/datacubes/datacube_0"); g.attrs["emd_group_type"] = 1
    d = g.create_dataset("data", shape, dtype=np.uint16)
    for y in range(shape[0]): d[y] = data[y]
    for k, n in enumerate(shape): g.create_dataset(f"dim{k + 1}", data=np.arange(n, dtype=float))
PY
cli=$root/condenser
$cli info "$emd" > /dev/null   # builds the CLI once, outside the timings
cat "$raw" "$emd" > /dev/null  # both in the page cache for every contender
center=$(/usr/bin/python3 -c "print(((${shape[2]}) - 1) / 2)")  # the baseline's default centre, (DY - 1) / 2
now() { date +%s.%N; }
t0=$(now); /usr/bin/python3 "$baselines/fourd.py" run "$raw" --shape "${shape[@]}" --method numba --inner $inner --outer $outer --threads "$(nproc)" > "$work/numba.json"; t1=$(now)
echo "{\"contender\": \"numba baseline (raw)\", \"elapsed_s\": $(echo "$t1 - $t0" | bc), \"result\": $(cat "$work/numba.json")}"
t0=$(now); CONDENSER_CACHE=$work/cache $cli virtual-image "$emd" --annulus $inner:$outer --center $center:$center -o "$work/vi.emd" --json > "$work/cli.json"; t1=$(now)
echo "{\"contender\": \"condenser virtual-image (EMD, fresh process)\", \"elapsed_s\": $(echo "$t1 - $t0" | bc), \"result\": $(cat "$work/cli.json")}"

token=$($cli users add ada --role contributor --project p --data "$data" | grep -Eo '[A-Za-z0-9_-]{32,}' | tail -1)
t0=$(now); $cli ingest "$emd" --data "$data" --project p --json > "$work/ingest.json"; t1=$(now)
echo "{\"contender\": \"condenser ingest (EMD, before the job)\", \"elapsed_s\": $(echo "$t1 - $t0" | bc)}"
id=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d=d[0] if isinstance(d,list) else d; print((d.get("files") or [d])[0]["ids"][0])' "$work/ingest.json")
port=$(( 20000 + RANDOM % 20000 ))
$cli serve --data "$data" --urls "http://127.0.0.1:$port" > "$work/server.log" 2>&1 & server=$!
until curl -sf "http://127.0.0.1:$port/api/health" > /dev/null; do sleep 0.2; done
t0=$(now)
job=$(curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "{\"analysis\": \"virtual-image\", \"parameters\": {\"inner\": $inner, \"outer\": $outer, \"center\": [$center, $center]}}" "http://127.0.0.1:$port/api/datasets/$id/analyses" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -sfN -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/jobs/$job/events" > "$work/events.txt"
t1=$(now)
state=$(grep '^data: ' "$work/events.txt" | tail -1 | cut -c7- | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["state"], j["records"])')
echo "{\"contender\": \"library job (POST until the result is a record)\", \"elapsed_s\": $(echo "$t1 - $t0" | bc), \"state\": \"$state\"}"
