#!/usr/bin/env bash
# keysweep against other secret scanners and ripgrep on one folder: wall time, peak memory, CPU,
# and on the throughput corpus how many of the planted secrets each one reports.
#
# Usage: [PEERS=1] [GITLEAKS=…] [KINGFISHER=…] [TREE=DIR] benches/peers.sh [SIZE_MB] [WORKDIR]
#   The folder is the generated throughput corpus (benches/throughput.sh SIZE_MB WORKDIR makes it
#   and the keysweep binary), or TREE, any folder (real code: README names the snapshots measured).
#   PEERS=1 installs and runs the scanners the package registries have, in WORKDIR/peers:
#   ripsecrets (crates.io), detect-secrets (PyPI), secretlint with its recommended rules (npm).
#   GITLEAKS and KINGFISHER name binaries of those (not in any registry here). Each is optional.
#   ripgrep searching the same bytes for 8 token prefixes is always run: the cost of reading the
#   bytes with a literal search (with all of keysweep's ~3,900 keywords, case-insensitive, it is
#   slower than keysweep: benches/throughput.sh measures that).
# Environment: RUNS (timed runs per tool, default 3; the slow Python and Node.js scanners run
#   once when the folder is over 64 MB), SEED (corpus seed, default 1).
# Planted secrets count as found when the tool's report holds the secret's text.
set -euo pipefail

SIZE_MB=${1:-256}
WORKDIR=${2:-/tmp/keysweep-bench}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=$WORKDIR/corpus-${SIZE_MB}mb-seed$SEED
PLANTED=$CORPUS/planted.jsonl
if [ -n "${TREE:-}" ]; then
    TREE=$(cd "$TREE" && pwd)
    PLANTED=/dev/null
else
    TREE=$CORPUS/tree
fi
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

BYTES=$(find "$TREE" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
SLOW_RUNS=$RUNS
if [ "$BYTES" -gt 64000000 ]; then SLOW_RUNS=1; fi

# The registries' scanners, installed once into WORKDIR/peers.
PEERS_DIR=$WORKDIR/peers-bin
if [ "${PEERS:-}" = 1 ]; then
    mkdir -p "$PEERS_DIR"
    if [ ! -x "$PEERS_DIR/cargo/bin/ripsecrets" ]; then
        log "installing ripsecrets from crates.io"
        cargo install --quiet --root "$PEERS_DIR/cargo" ripsecrets
    fi
    if [ ! -x "$PEERS_DIR/venv/bin/detect-secrets" ]; then
        log "installing detect-secrets from PyPI"
        python3 -m venv "$PEERS_DIR/venv"
        "$PEERS_DIR/venv/bin/pip" install --quiet detect-secrets
    fi
    if [ ! -x "$PEERS_DIR/node/node_modules/.bin/secretlint" ]; then
        command -v npm >/dev/null || die "npm is required for secretlint (PEERS=1)"
        log "installing secretlint from npm"
        mkdir -p "$PEERS_DIR/node"
        (cd "$PEERS_DIR/node" && npm init -y >/dev/null &&
            npm install --silent secretlint @secretlint/secretlint-rule-preset-recommend >/dev/null)
    fi
    echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' >"$PEERS_DIR/node/.secretlintrc.json"
    RIPSECRETS=$PEERS_DIR/cargo/bin/ripsecrets
    DETECT_SECRETS=$PEERS_DIR/venv/bin/detect-secrets
    SECRETLINT=$PEERS_DIR/node/node_modules/.bin/secretlint
fi

# ripgrep with 8 literal token prefixes.
command -v rg >/dev/null || die "ripgrep is required (benches/throughput.sh installs it)"
printf '%s\n' AKIA ghp_ xoxb- glpat- sk_live_ SCW -----BEGIN eyJhbGci >"$RES/literals.txt"
RG_KEYWORDS=$RES/literals.txt

tools=(keysweep ripgrep)
run_keysweep() { "$KS" scan "$TREE" --format json -o "$1"; }
# Counts matching lines per file: every byte is read and searched, little is printed.
run_ripgrep() { rg --no-ignore --hidden -F -f "$RG_KEYWORDS" -c "$TREE" >"$1" || [ $? -eq 1 ]; }
if [ -n "${RIPSECRETS:-}" ]; then
    tools+=(ripsecrets)
    # Exit status 1 means secrets found.
    run_ripsecrets() { "$RIPSECRETS" "$TREE" >"$1" || [ $? -eq 1 ]; }
fi
if [ -n "${DETECT_SECRETS:-}" ]; then
    tools+=(detect-secrets)
    # Its report holds hashes, not secrets: planted secrets are not counted for it.
    run_detect-secrets() { (cd "$TREE" && "$DETECT_SECRETS" scan --all-files .) >"$1"; }
fi
if [ -n "${SECRETLINT:-}" ]; then
    tools+=(secretlint)
    # Exit status 1 means secrets found.
    run_secretlint() {
        "$SECRETLINT" --secretlintrc "$(dirname "$SECRETLINT")/../../.secretlintrc.json" \
            --format json "$TREE/**/*" >"$1" || [ $? -eq 1 ]
    }
fi
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
export KS TREE RG_KEYWORDS GITLEAKS="${GITLEAKS:-}" KINGFISHER="${KINGFISHER:-}" \
    RIPSECRETS="${RIPSECRETS:-}" DETECT_SECRETS="${DETECT_SECRETS:-}" SECRETLINT="${SECRETLINT:-}"
export -f "${tools[@]/#/run_}"
for tool in "${tools[@]}"; do
    runs=$RUNS
    case $tool in detect-secrets | secretlint) runs=$SLOW_RUNS ;; esac
    for _ in $(seq "$runs"); do
        measure "$tool" bash -c "run_$tool \"\$0\" >/dev/null 2>&1" "$RES/$tool.json"
    done
done

echo "$TREE: $BYTES bytes in $(find "$TREE" -type f | wc -l) files; $(nproc) cores"
python3 - "$TIMES" "$PLANTED" "$RES" "$BYTES" "${tools[@]}" <<'PY'
import json, statistics, sys
times_path, planted_path, res, size, *tools = sys.argv[1:]
size = int(size)
rows = {}
for line in open(times_path):
    label, wall_us, rss, cpu = line.split("\t")
    rows.setdefault(label, []).append((int(wall_us) / 1e6, int(rss), float(cpu)))
planted = [json.loads(l)["secret"] for l in open(planted_path)]
print(f"| tool | runs | wall median (best) | MB/s (median) | CPU s (median) | peak RSS (median) | planted found |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for tool in tools:
    r = rows[tool]
    walls = sorted(w for w, _, _ in r)
    wall = statistics.median(walls)
    report = open(f"{res}/{tool}.json", encoding="utf-8", errors="replace").read()
    found = sum(1 for s in planted if s in report or json.dumps(s)[1:-1] in report)
    counted = "n/a" if not planted or tool in ("ripgrep", "detect-secrets") else f"{found}/{len(planted)}"
    print(f"| {tool} | {len(r)} | {wall:.2f} s ({walls[0]:.2f}) | {size / wall / 1e6:.0f} | "
          f"{statistics.median(c for _, _, c in r):.1f} | {int(statistics.median(m for _, m, _ in r)) // 1024} MiB | {counted} |")
PY
