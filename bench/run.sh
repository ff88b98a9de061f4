#!/usr/bin/env bash
# The performance table of docs/performance.md (and README), in one run on this machine: a benchmark, not a test (CI
# does not run it). Every figure is printed beside a baseline measured in the same run, because absolute figures on a
# shared machine drift from one run to the next.
#
#   1. decisions (BenchmarkDotNet, in process): refund on 1 grant and use on 5 and 50 grants, three ways: the
#      hand-written oracle (the baseline), the compiled path CreditPolicyEngine.Decide uses, the same decision before
#      its record is read (the record's share), and RulesEngine's stock ExecuteAllRulesAsync; then use on 5 to 30,000
#      grants (is the cost linear in grants?);
#   2. sweep (whole process): a generated book of SWEEP_CASES cases (distinct accounts, every request type) with
#      --parallel 1 and --parallel 2, cases/s and peak RSS, medians of RUNS runs;
#   3. start-up (whole process): `evaluate` of examples/use.json, the tool as packed (ReadyToRun) and as a plain
#      build, against a console program that prints one line (the floor of any .NET command here), medians of
#      STARTS runs.
#
# Usage: bash bench/run.sh            (about 15 minutes)
#        QUICK=1 bash bench/run.sh    (BenchmarkDotNet's short job and smaller runs: about 5 minutes, rougher)
# Variables: RUNS (3), SWEEP_CASES (200000), STARTS (11), QUICK, KEEP (keep the work directory and say where).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

RUNS=${RUNS:-3}
SWEEP_CASES=${SWEEP_CASES:-200000}
STARTS=${STARTS:-11}
if [[ -n "${QUICK:-}" ]]; then
  RUNS=${RUNS_QUICK:-1}; SWEEP_CASES=${SWEEP_CASES_QUICK:-50000}; STARTS=5
  BDN=(--job short)
else
  BDN=(--launchCount 1 --warmupCount 3 --iterationCount 10)
fi

work=$(mktemp -d)
if [[ -n "${KEEP:-}" ]]; then trap 'echo "kept $work (BenchmarkDotNet logs and reports, the book, the raw timings)" >&2' EXIT; else trap 'rm -rf "$work"' EXIT; fi

echo "building (Release), packing the tool..." >&2
dotnet build src/CreditPolicy.Cli -c Release -v quiet -nologo >/dev/null
dotnet build tests/CreditPolicy.Benchmarks -c Release -v quiet -nologo >/dev/null
dotnet pack src/CreditPolicy.Cli -c Release -o "$work/packages" -v quiet -nologo >/dev/null
dotnet pack src/CreditPolicy.Cli -c Release -o "$work/packages-plain" -v quiet -nologo -p:PublishReadyToRun=false -p:Version=0.0.0-plain >/dev/null
dotnet tool install CreditPolicy.Cli --tool-path "$work/tool" --add-source "$work/packages" >/dev/null
dotnet tool install CreditPolicy.Cli --version 0.0.0-plain --tool-path "$work/tool-plain" --add-source "$work/packages-plain" >/dev/null
mkdir -p "$work/floor" && cat > "$work/floor/floor.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>disable</ImplicitUsings></PropertyGroup></Project>
XML
echo 'System.Console.WriteLine("{}");' > "$work/floor/Program.cs"
dotnet build "$work/floor" -c Release -o "$work/floor/out" -v quiet -nologo >/dev/null
CLI=(dotnet src/CreditPolicy.Cli/bin/Release/net10.0/CreditPolicy.Cli.dll)

echo "1/3 decisions (BenchmarkDotNet)..." >&2
dotnet run -c Release --no-build --project tests/CreditPolicy.Benchmarks -- \
  --filter '*DecisionBenchmarks.Refund*' '*DecisionBenchmarks.Use5_*' '*DecisionBenchmarks.Use50_*' '*ScalingBenchmarks*' \
  "${BDN[@]}" --exporters csv --artifacts "$work/BenchmarkDotNet.Artifacts" >"$work/bdn.log" 2>&1 || { cat "$work/bdn.log" >&2; exit 1; }
if grep -q "executed benchmarks: 0" "$work/bdn.log" || grep -q "Exception" "$work/bdn.log"; then
  grep -B2 -A8 "Exception" "$work/bdn.log" >&2; echo "BenchmarkDotNet failed: see above" >&2; exit 1
fi

echo "2/3 sweep of $SWEEP_CASES generated cases, $RUNS runs each..." >&2
"${CLI[@]}" generate --rules rules --count "$SWEEP_CASES" --seed 7 --out "$work/book.ndjson" 2>/dev/null
for run in $(seq "$RUNS"); do
  for p in 1 2; do
    /usr/bin/time -f "$p %e %M" -a -o "$work/sweep.txt" "${CLI[@]}" sweep --rules rules --cases "$work/book.ndjson" --out "$work/decisions.ndjson" --parallel "$p" 2>/dev/null
  done
done

echo "3/3 start-up, $STARTS runs each..." >&2
mkdir -p "$work/empty" && cp examples/use.json "$work/empty/"
for run in $(seq "$STARTS"); do
  for which in floor tool tool-plain; do
    case $which in
      floor) cmd=(dotnet "$work/floor/out/floor.dll") ;;
      *) cmd=("$work/$which/creditpolicy" evaluate use.json) ;;
    esac
    start=$(date +%s%N)
    (cd "$work/empty" && "${cmd[@]}" >/dev/null 2>&1)
    echo "$which $(( ($(date +%s%N) - start) / 1000000 ))" >> "$work/start.txt"
  done
done

python3 - "$work" "$SWEEP_CASES" <<'PY'
import csv, glob, os, statistics, sys, platform, datetime, subprocess
work, cases = sys.argv[1], int(sys.argv[2])

def ns(text):
    parts = text.replace(",", "").split()
    if len(parts) != 2: return None  # NA: the benchmark failed (its log is in BenchmarkDotNet's output)
    return float(parts[0]) * {"ns": 1, "μs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}[parts[1]]

def size(text):
    parts = text.replace(",", "").split()
    if len(parts) != 2: return 0
    return float(parts[0]) * {"B": 1, "KB": 1024, "MB": 1024 ** 2}[parts[1]]

rows = {}
for path in glob.glob(os.path.join(work, "BenchmarkDotNet.Artifacts", "results", "*-report.csv")):
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = r["Method"] + (":" + r["Grants"] if r.get("Grants") else "")
            if ns(r["Median"]) is not None: rows[key] = (ns(r["Median"]), size(r["Allocated"]))

if not any(k.endswith("_Compiled") for k in rows): sys.exit("no decision benchmark results in BenchmarkDotNet's reports")

def t(n): return f"{n / 1000:,.2f} µs" if n >= 1000 else f"{n:,.0f} ns"

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"# {datetime.date.today()}, {cpu}, {os.cpu_count()} cores, .NET {subprocess.run(['dotnet', '--version'], capture_output=True, text=True).stdout.strip()} SDK, Release")
print()
print("| decision | oracle (baseline) | compiled | ratio | decisions/s | allocated | record not read | its ratio | its allocated | stock RulesEngine |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for label, name in (("`refund`, 1 grant", "Refund"), ("`use`, 5 grants", "Use5"), ("`use`, 50 grants", "Use50")):
    o, c = rows.get(name + "_Oracle"), rows.get(name + "_Compiled")
    w, s = rows.get(name + "_CompiledWithoutRecord"), rows.get(name + "_StockRulesEngine")
    if not (o and c): continue
    wcols = f"{t(w[0])} | {w[0] / o[0]:.1f}× | {w[1]:,.0f} B" if w else "| |"
    print(f"| {label} | {t(o[0])} | {t(c[0])} | {c[0] / o[0]:.1f}× | {1e9 / c[0]:,.0f} | {c[1]:,.0f} B | {wcols} | {t(s[0]) if s else ''} |")
print()
scaling = sorted(((int(k.split(":")[1]), v) for k, v in rows.items() if k.startswith("Use:")), key=lambda x: x[0])
if scaling:
    print("| `use` on | median | per grant | allocated |")
    print("|---:|---:|---:|---:|")
    for g, (m, a) in scaling:
        print(f"| {g:,} grants | {t(m)} | {m / g:,.0f} ns | {a / 1024:,.1f} KB |")
    print()

sweep = {}
for line in open(os.path.join(work, "sweep.txt")):
    parts = line.split()
    if len(parts) == 3 and parts[0] in ("1", "2"):
        sweep.setdefault(parts[0], []).append((float(parts[1]), int(parts[2])))
print(f"| sweep, {cases:,} generated cases | median wall | cases/s | peak RSS |")
print("|---|---:|---:|---:|")
rates = {}
for p in ("1", "2"):
    walls = [w for w, _ in sweep.get(p, [])]
    if not walls: continue
    wall = statistics.median(walls); rates[p] = cases / wall
    print(f"| `--parallel {p}` | {wall:.2f} s | {rates[p]:,.0f} | {max(r for _, r in sweep[p]) / 1024:,.0f} MB |")
if "1" in rates and "2" in rates:
    print(f"| `--parallel 2` / `--parallel 1` | | {rates['2'] / rates['1']:.2f}× | |")
print()

starts = {}
for line in open(os.path.join(work, "start.txt")):
    which, ms = line.split(); starts.setdefault(which, []).append(int(ms))
floor = statistics.median(starts["floor"])
print("| start-up: `evaluate examples/use.json` | median wall | against the floor |")
print("|---|---:|---:|")
print(f"| a .NET console program printing one line (the floor) | {floor:.0f} ms | 1.0× |")
for which, label in (("tool", "the installed tool (packed ReadyToRun)"), ("tool-plain", "the same tool packed without ReadyToRun")):
    m = statistics.median(starts[which]); print(f"| {label} | {m:.0f} ms | {m / floor:.1f}× |")
PY
