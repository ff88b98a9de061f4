#!/usr/bin/env bash
# The HTTP benchmark of creditpolicy serve (a benchmark, not a test: CI does not run it).
#
# Over loopback only, bounded in time, in one run:
#   1. the HTTP ceiling: wrk (keep-alive, closed loop) against a minimal Kestrel endpoint answering a fixed 200
#      (bench/HttpCeiling), and against POST /v1/decisions with a 'use' case on 5 grants (bench/use-5-grants.json);
#   2. latency at 80% of the decisions/s measured in 1: hey at a fixed request rate (-q per worker), p50/p99;
#   3. batches: POST /v1/decisions/batch against 'creditpolicy sweep' on the same generated cases, per case.
# Each measurement runs RUNS times, alternating; the table gives medians. Needs wrk, hey and curl
# (apt-get install -y wrk hey curl). Usage: bash bench/http.sh   (RUNS=5 DURATION=15 bash bench/http.sh to change)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
WORKERS=${WORKERS:-8}
BATCH_CASES=${BATCH_CASES:-50000}

for tool in wrk hey curl; do
  command -v "$tool" >/dev/null || { echo "bench/http.sh needs $tool: apt-get install -y wrk hey curl" >&2; exit 2; }
done

echo "building (Release)..." >&2
dotnet build src/CreditPolicy.Cli -c Release -v quiet -nologo >/dev/null
dotnet build bench/HttpCeiling -c Release -v quiet -nologo >/dev/null
CLI=src/CreditPolicy.Cli/bin/Release/net10.0/CreditPolicy.Cli.dll
CEILING=bench/HttpCeiling/bin/Release/net10.0/HttpCeiling.dll
CASE=bench/use-5-grants.json

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Starts a server on a free loopback port and prints its address once it listens.
start() {
  local name=$1; shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 600); do
    if grep -q 'listening on' "$work/$name.out"; then
      grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/$name.out" | head -n 1
      return
    fi
    sleep 0.1
  done
  echo "$name did not start:" >&2; cat "$work/$name.err" >&2; exit 1
}

SERVE=$(start serve dotnet "$CLI" serve --rules rules --urls http://127.0.0.1:0)
CEIL=$(start ceiling dotnet "$CEILING" --urls http://127.0.0.1:0)
echo "serve at $SERVE, ceiling at $CEIL" >&2

# The case must be decided (a permit with allocations) before it is worth measuring.
curl -sf -H 'Content-Type: application/json' --data-binary @"$CASE" "$SERVE/v1/decisions" | grep -q '"outcome":"permit","reasons":\[{"rule":"use-draws-credits"' \
  || { echo "the benchmark case is not decided as expected" >&2; exit 1; }

cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$CASE", "rb"); wrk.body = f:read("*a"); f:close()
EOF

# wrk: requests/s with keep-alive; fails the run on any non-2xx answer or socket error.
wrk_rate() {
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$work/post.lua" "$1")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then echo "$out" >&2; echo "wrk saw errors against $1" >&2; exit 1; fi
  awk '/Requests\/sec:/ {print $2}' <<<"$out"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "warming up..." >&2
wrk -t2 -c"$CONNECTIONS" -d3s -s "$work/post.lua" "$CEIL/" >/dev/null
wrk -t2 -c"$CONNECTIONS" -d3s -s "$work/post.lua" "$SERVE/v1/decisions" >/dev/null

: >"$work/ceiling.rates"; : >"$work/decision.rates"
for run in $(seq 1 "$RUNS"); do
  echo "throughput run $run/$RUNS..." >&2
  wrk_rate "$CEIL/" >>"$work/ceiling.rates"
  wrk_rate "$SERVE/v1/decisions" >>"$work/decision.rates"
done
ceiling=$(median <"$work/ceiling.rates")
decisions=$(median <"$work/decision.rates")

# Latency at a fixed rate: 80% of the decisions/s just measured, spread over WORKERS keep-alive connections.
target=$(awk -v d="$decisions" 'BEGIN {printf "%d", d * 0.8}')
per_worker=$(awk -v t="$target" -v w="$WORKERS" 'BEGIN {printf "%d", t / w}')
: >"$work/p50"; : >"$work/p99"; : >"$work/achieved"
for run in $(seq 1 "$RUNS"); do
  echo "latency run $run/$RUNS at $target/s..." >&2
  out=$(hey -z "${DURATION}s" -c "$WORKERS" -q "$per_worker" -m POST -T application/json -D "$CASE" "$SERVE/v1/decisions")
  if ! grep -qE '^\s+\[200\]' <<<"$out" || grep -qE '^\s+\[[^2][0-9][0-9]\]|Error distribution' <<<"$out"; then echo "$out" >&2; echo "hey saw errors" >&2; exit 1; fi
  awk '/ 50% in / {print $3 * 1000}' <<<"$out" >>"$work/p50"
  awk '/ 99% in / {print $3 * 1000}' <<<"$out" >>"$work/p99"
  awk '/Requests\/sec:/ {print $2}' <<<"$out" >>"$work/achieved"
done

# Batches: the same generated cases through POST /v1/decisions/batch and through sweep (its own rate, without start-up).
dotnet "$CLI" generate --count "$BATCH_CASES" --seed 1 --out "$work/cases.ndjson"
: >"$work/batch.rates"; : >"$work/sweep.rates"
for run in $(seq 1 "$RUNS"); do
  echo "batch run $run/$RUNS ($BATCH_CASES cases)..." >&2
  seconds=$(curl -sf -o "$work/batch.out" -w '%{time_total}' -H 'Content-Type: application/x-ndjson' --data-binary @"$work/cases.ndjson" "$SERVE/v1/decisions/batch")
  [ "$(wc -l <"$work/batch.out")" -eq "$BATCH_CASES" ] || { echo "the batch answered $(wc -l <"$work/batch.out") lines of $BATCH_CASES" >&2; exit 1; }
  awk -v n="$BATCH_CASES" -v s="$seconds" 'BEGIN {printf "%.0f\n", n / s}' >>"$work/batch.rates"
  dotnet "$CLI" sweep --cases "$work/cases.ndjson" --out "$work/sweep.out" --rules rules 2>"$work/sweep.err"
  grep -o '([0-9]* per second)' "$work/sweep.err" | tr -dc '0-9\n' >>"$work/sweep.rates"
  cmp -s "$work/batch.out" "$work/sweep.out" || { echo "the batch's lines differ from sweep's" >&2; exit 1; }
done
batch=$(median <"$work/batch.rates")
sweep=$(median <"$work/sweep.rates")

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
cat <<EOF

HTTP benchmark, $(date -u +%Y-%m-%d), $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, .NET $(dotnet --version), Release;
medians of $RUNS runs of ${DURATION} s; wrk -t2 -c$CONNECTIONS (keep-alive); hey -c$WORKERS at a fixed rate; load generator and servers share the cores.

| measurement | median | runs | ratio |
|---|---|---|---|
| fixed 200 from Kestrel (HTTP ceiling), requests/s | $(printf '%.0f' "$ceiling") | $(paste -sd' ' "$work/ceiling.rates") | 1 |
| POST /v1/decisions, use on 5 grants, decisions/s | $(printf '%.0f' "$decisions") | $(paste -sd' ' "$work/decision.rates") | $(awk -v a="$decisions" -v b="$ceiling" 'BEGIN {printf "%.2f of the ceiling (target >= 0.50)", a / b}') |
| at $target/s (80% of decisions/s): achieved/s | $(median <"$work/achieved") | $(paste -sd' ' "$work/achieved") | |
| at $target/s: p50 latency, ms | $(median <"$work/p50") | $(paste -sd' ' "$work/p50") | |
| at $target/s: p99 latency, ms | $(median <"$work/p99") | $(paste -sd' ' "$work/p99") | target < 5 ms |
| POST /v1/decisions/batch, $BATCH_CASES generated cases, cases/s | $batch | $(paste -sd' ' "$work/batch.rates") | $(awk -v a="$batch" -v b="$sweep" 'BEGIN {printf "%.2f of sweep (target >= 1.00)", a / b}') |
| creditpolicy sweep, same cases, cases/s | $sweep | $(paste -sd' ' "$work/sweep.rates") | 1 |
EOF
