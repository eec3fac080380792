#!/usr/bin/env bash
# keysweep against other secret scanners on the throughput corpus (benches/throughput.sh makes it):
# wall time, peak memory, findings, and how many of the planted secrets each one reports.
#
# Usage: GITLEAKS=/path/to/gitleaks KINGFISHER=/path/to/kingfisher benches/peers.sh [SIZE_MB] [WORKDIR]
#   Each peer is optional: a tool whose variable is unset is left out. None is installed by this
#   script (they are not in apt; see README "Comparison" for where the measured builds came from).
# Environment: RUNS (timed runs per tool, default 3), SEED (corpus seed, default 1).
# Planted secrets count as found when the tool's JSON report holds the secret's text.
set -euo pipefail

SIZE_MB=${1:-256}
WORKDIR=${2:-/tmp/keysweep-bench}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=$WORKDIR/corpus-${SIZE_MB}mb-seed$SEED
TREE=$CORPUS/tree
KS=$WORKDIR/bin/keysweep
if [ ! -d "$TREE" ] || [ ! -x "$KS" ]; then
    echo "peers.sh: run benches/throughput.sh $SIZE_MB $WORKDIR first (it builds keysweep and the corpus)" >&2
    exit 2
fi

# shellcheck source=benches/common.sh disable=SC1091
source "$REPO/benches/common.sh"
RES=$WORKDIR/peers
rm -rf "$RES"
mkdir -p "$RES"
TIMES=$RES/times.tsv
: >"$TIMES"

tools=(keysweep)
run_keysweep() { "$KS" scan "$TREE" --format json -o "$1"; }
if [ -n "${GITLEAKS:-}" ]; then
    tools+=(gitleaks)
    # Exit status 1 means leaks found; measure() accepts it.
    run_gitleaks() {
        "$GITLEAKS" dir "$TREE" --no-banner --log-level error --exit-code 1 \
            --report-format json --report-path "$1"
    }
fi
if [ -n "${KINGFISHER:-}" ]; then
    tools+=(kingfisher)
    # No validation (no network here), no git history (the corpus is a folder), every match kept.
    run_kingfisher() {
        "$KINGFISHER" scan "$TREE" --no-validate --git-history none --no-update-check \
            --format json --output "$1" || [ $? -eq 200 ] # 200: findings
    }
fi

# GNU time runs programs, not shell functions: each run is a bash that calls the function.
export KS TREE GITLEAKS="${GITLEAKS:-}" KINGFISHER="${KINGFISHER:-}"
export -f "${tools[@]/#/run_}"
for tool in "${tools[@]}"; do
    for _ in $(seq "$RUNS"); do
        measure "$tool" bash -c "run_$tool \"\$0\" >/dev/null 2>&1" "$RES/$tool.json"
    done
done

python3 - "$TIMES" "$CORPUS/planted.jsonl" "$RES" "$(find "$TREE" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')" "${tools[@]}" <<'PY'
import json, statistics, sys
times_path, planted_path, res, size, *tools = sys.argv[1:]
size = int(size)
rows = {}
for line in open(times_path):
    label, wall_us, rss, cpu = line.split("\t")
    rows.setdefault(label, []).append((int(wall_us) / 1e6, int(rss), float(cpu)))
planted = [json.loads(l)["secret"] for l in open(planted_path)]
print(f"| tool | wall best / median | MB/s (best) | CPU s | peak RSS | planted found | report size |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for tool in tools:
    r = rows[tool]
    walls = sorted(w for w, _, _ in r)
    report = open(f"{res}/{tool}.json", encoding="utf-8", errors="replace").read()
    found = sum(1 for s in planted if s in report or json.dumps(s)[1:-1] in report)
    print(f"| {tool} | {walls[0]:.2f} / {statistics.median(walls):.2f} s | {size / walls[0] / 1e6:.0f} | "
          f"{min(c for _, _, c in r):.1f} | {max(m for _, m, _ in r) // 1024} MiB | {found}/{len(planted)} | "
          f"{len(report) // 1024} KiB |")
PY
