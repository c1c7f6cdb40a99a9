#!/usr/bin/env bash
# The end-to-end benchmark in one run, one table: generate N events (default 1,000,000) as a fleet of 100 hosts,
# convert each form to ECS NDJSON, ingest the JSON into DuckDB, run three hunts over it, ingest ~N EVTX records built
# from the corpus, and read the EVTX corpus beside evtxexport. Release build, the real CLI, wall time and peak RSS from /usr/bin/time.
#   bench/run.sh [N]          (BENCH_DIR=/path keeps the generated data there)
set -euo pipefail
N=${1:-1000000}
HOSTS=100
PER=$(( (N + HOSTS - 1) / HOSTS ))
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${BENCH_DIR:-$(mktemp -d /tmp/sysmon-bench.XXXXXX)}
mkdir -p "$WORK"
echo "building (Release) ..." >&2
dotnet build -c Release "$ROOT/app/Sysmon.Elastic/Sysmon.Elastic.csproj" -nologo -v q >/dev/null
# As the container runs it (Dockerfile; README, the speed paragraph); BENCH_RUNTIME_DEFAULTS=1 measures the runtime's own tiering.
[ "${BENCH_RUNTIME_DEFAULTS:-0}" = 1 ] || export DOTNET_TC_CallCountingDelayMs=0
CLI=(dotnet "$ROOT/app/Sysmon.Elastic/bin/Release/net10.0/sysmon-elastic.dll")

ROWS=()
# run NAME EVENTS TARGET_PER_S COMMAND...: wall seconds and peak RSS of one run; EVENTS may be "-" (not a rate).
run() {
  local name=$1 events=$2 target=$3; shift 3
  echo "  $name ..." >&2
  /usr/bin/time -o "$WORK/time.txt" -f "%e %M" "$@" >"$WORK/last.out" 2>"$WORK/last.err" || {
    local code=$?; [ $code -le 1 ] || { echo "$name failed ($code):" >&2; tail -5 "$WORK/last.err" >&2; exit 1; }; }
  read -r secs kb < <(tail -1 "$WORK/time.txt") # a non-zero exit adds a line before the figures
  ROWS+=("$name|$events|$secs|$(( kb / 1024 ))|$target")
}

echo "generating $((PER * HOSTS)) events per form into $WORK ..." >&2
for fmt in json xml text; do
  run "generate $fmt" "$((PER * HOSTS))" - "${CLI[@]}" generate --hosts $HOSTS --events-per-host-per-day $PER --seed 1 \
      --format $fmt --scenario intrusion -o "$WORK/$fmt"
done
EVENTS=$(cat "$WORK"/json/WKS-*.json | wc -l)
# The generator's budget is per host and day; boots and the first day's coverage add a little: count what was written.
for i in 0 1 2; do IFS='|' read -r name _ rest <<<"${ROWS[$i]}"; ROWS[$i]="$name|$EVENTS|$rest"; done

run "convert json" "$EVENTS" 150000 "${CLI[@]}" convert "$WORK"/json/WKS-* -o /dev/null
run "convert xml" "$EVENTS" 60000 "${CLI[@]}" convert "$WORK"/xml/WKS-* -o /dev/null
run "convert text" "$EVENTS" 150000 "${CLI[@]}" convert "$WORK"/text/WKS-* --host bench -o /dev/null

rm -f "$WORK/bench.duckdb" "$WORK/bench.duckdb.wal"
printf '{"feeds":[{"name":"bench","url":"%s","format":"plain"}]}\n' "$WORK/json/feed.txt" > "$WORK/feeds.json"
"${CLI[@]}" feeds update --feeds "$WORK/feeds.json" --store "duckdb:$WORK/bench.duckdb" >/dev/null 2>&1
run "ingest json -> DuckDB" "$EVENTS" 100000 "${CLI[@]}" ingest "$WORK"/json/WKS-* --store "duckdb:$WORK/bench.duckdb" --dead-letter "$WORK/dl.ndjson"
for hunt in hash-stats rare-executables blacklisted-connections; do
  run "hunt $hunt" - "<1 s" "${CLI[@]}" hunt $hunt --store "duckdb:$WORK/bench.duckdb" --format csv
done

CORPUS="$ROOT/../shared/corpus/evtx"
if [ -d "$CORPUS" ]; then
  # EVTX at scale: the corpus' well-filled Sysmon chunks repeated to ~N records (~1.3 KB each), each repetition's
  # records renumbered so that the store keeps every one.
  dotnet run -c Release --project "$ROOT/bench/Sysmon.Bench" -- evtx-file "$WORK/unique.evtx" $(( N / 770 + 1 )) unique >/dev/null
  rm -f "$WORK/evtx.duckdb" "$WORK/evtx.duckdb.wal"
  run "ingest evtx -> DuckDB" - 100000 "${CLI[@]}" ingest "$WORK/unique.evtx" --store "duckdb:$WORK/evtx.duckdb" --dead-letter "$WORK/dl-evtx.ndjson"
  STORED=$(grep -o 'ingested [0-9,]* events' "$WORK/last.err" | tr -dc 0-9)
  IFS='|' read -r name _ rest <<<"${ROWS[-1]}"; ROWS[-1]="$name|$STORED|$rest"
  rm -f "$WORK/unique.evtx"
fi
if [ -d "$CORPUS" ] && command -v evtxexport >/dev/null; then
  # ~128 MB of the corpus' Sysmon chunks behind one header (built by the bench project), read by both tools.
  dotnet run -c Release --project "$ROOT/bench/Sysmon.Bench" -- evtx-file "$WORK/bench.evtx" >/dev/null
  "${CLI[@]}" convert "$WORK/bench.evtx" -o "$WORK/evtx.ndjson" >/dev/null 2>&1 || true
  RECORDS=$(wc -l < "$WORK/evtx.ndjson"); rm -f "$WORK/evtx.ndjson"
  run "EVTX 128 MB: sysmon-elastic convert" "$RECORDS" - "${CLI[@]}" convert "$WORK/bench.evtx" -o /dev/null
  run "EVTX 128 MB: evtxexport -f xml" "$RECORDS" - evtxexport -f xml "$WORK/bench.evtx"
else
  echo "  (no ../shared/corpus/evtx or no evtxexport: EVTX comparison skipped)" >&2
fi

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(dotnet --version | sed 's/^/.NET SDK /'), $(date -u +%Y-%m-%d)"
printf '%-38s %10s %8s %12s %9s %10s\n' "step" "events" "seconds" "events/s" "RSS MB" "vs target"
for row in "${ROWS[@]}"; do
  IFS='|' read -r name events secs mb target <<<"$row"
  if [ "$events" = "-" ]; then rate="-"; else rate=$(awk -v e="$events" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? e / s : 0) }'); fi
  ratio="-"
  if [[ "$target" =~ ^[0-9]+$ ]] && [ "$rate" != "-" ]; then ratio=$(awk -v r="$rate" -v t="$target" 'BEGIN { printf "%.2fx", r / t }'); fi
  if [ "$target" = "<1 s" ]; then ratio=$(awk -v s="$secs" 'BEGIN { print (s < 1 ? "met" : "missed") }'); fi
  printf '%-38s %10s %8s %12s %9s %10s\n' "$name" "$events" "$secs" "$rate" "$mb" "$ratio"
done
ours=""; theirs=""
for row in "${ROWS[@]}"; do
  IFS='|' read -r name _ secs _ _ <<<"$row"
  [[ "$name" == *"sysmon-elastic convert"* ]] && ours=$secs
  [[ "$name" == *"evtxexport"* ]] && theirs=$secs
done
if [ -n "$ours" ] && [ -n "$theirs" ]; then
  awk -v o="$ours" -v t="$theirs" 'BEGIN { printf "EVTX: sysmon-elastic convert (EVTX to ECS) is %.1fx the speed of evtxexport (EVTX to XML)\n", t / o }'
fi
