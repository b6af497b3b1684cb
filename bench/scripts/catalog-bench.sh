#!/usr/bin/env bash
# The library's figures in the README: 100,000 synthetic records on SQLite and on PostgreSQL — search and similarity
# latency, small-file ingest rate — then `condenser serve` on each under an open-loop load of 1,000 requests/s.
# Needs a local PostgreSQL where the role in $PG may create databases (as .ci/run sets up).
set -euo pipefail
cd "$(dirname "$0")/../.."
PG="${PG:-Host=127.0.0.1;Username=condenser;Password=condenser}"
RECORDS="${RECORDS:-100000}"
dotnet build src/Condenser.Cli -c Release -o artifacts/bench-cli -nologo -v quiet >&2
cli="dotnet artifacts/bench-cli/condenser.dll"
work="$(mktemp -d /tmp/condenser-catalog-bench.XXXX)"
db="condenser_bench_$$"
PGPASSWORD=condenser psql -h 127.0.0.1 -U condenser -d postgres -qc "create database $db" >/dev/null
trap 'pkill -f "condenser.dll serve --data $work" || true; PGPASSWORD=condenser psql -h 127.0.0.1 -U condenser -d postgres -qc "drop database if exists $db with (force)" >/dev/null; rm -rf "$work"' EXIT

echo "== SQLite"; $cli bench catalog --records "$RECORDS" --data "$work/sqlite"
echo "== PostgreSQL"; $cli bench catalog --records "$RECORDS" --data "$work/pg" --db "$PG;Database=$db"

load() {
  $cli serve --data "$work/$1" ${2:+--db "$2"} --urls "http://127.0.0.1:$3" >"$work/$1.log" 2>&1 &
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$3/api/health" >/dev/null && break; sleep 0.2; done
  for run in 1 2 3; do $cli bench load "http://127.0.0.1:$3" --rate 1000 --seconds 20; done
  kill %1; wait || true
}
echo "== load, SQLite"; load sqlite "" 5181
echo "== load, PostgreSQL"; load pg "$PG;Database=$db" 5182
