#!/usr/bin/env bash
# Organisation-scale benchmark (issue 20): the histories of many repositories, and one large
# history, scanned whole and in 2 and 4 shards, then merged.
#
# Usage: benches/org.sh REPOS_DIR REPO WORKDIR
#   REPOS_DIR  a folder of repositories (`--repos-under`), e.g. 200 made by benches/gen_repo.py:
#              for i in $(seq 1 200); do python3 benches/gen_repo.py DIR/r$i --commits 2500 \
#                  --seed $i --target-mb 4; done
#   REPO       one large repository split by blob id (`--history --shard`), e.g. a clone of git/git
#   WORKDIR    binary, reports and results (default /tmp/keysweep-org-bench)
# Each shard runs alone on all cores, one after another, as it would on its own machine: its wall
# time is what a matrix job or a pod takes, the largest one the run's critical path. `--no-cache`
# everywhere: every run reads everything. Prints a Markdown table, also saved as
# WORKDIR/results/summary.md.
set -euo pipefail

REPOS_DIR=${1:?usage: benches/org.sh REPOS_DIR REPO [WORKDIR]}
REPO=${2:?usage: benches/org.sh REPOS_DIR REPO [WORKDIR]}
WORKDIR=${3:-/tmp/keysweep-org-bench}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# shellcheck source=benches/common.sh
source "$SRC/benches/common.sh"
need_gnu_time
build_keysweep "$SRC"
RES=$WORKDIR/results
TIMES=$RES/times.tsv
rm -rf "$RES"
mkdir -p "$RES"
: >"$TIMES"

# split NAME N SCAN-ARGS...: N shards of the scan, each timed, then their merge.
split() {
    local name=$1 n=$2 i
    shift 2
    for i in $(seq 1 "$n"); do
        measure "$name $i/$n" "$KS" -q scan --history --no-cache "$@" --shard "$i/$n" \
            --format json -o "$RES/$name-$n-$i.json" --audit "$RES/$name-$n-$i.audit.jsonl"
    done
    measure "$name merge $n" "$KS" -q merge "$RES/$name-$n-"*.json "$RES/$name-$n-"*.audit.jsonl -o "$RES/$name-$n-merged.json"
}

count_repos=$(find "$REPOS_DIR" -mindepth 1 -maxdepth 1 -type d | wc -l)
log "$count_repos repositories under $REPOS_DIR; $(du -sh "$REPOS_DIR" | cut -f1) on disk"
measure "repos whole" "$KS" -q scan --history --no-cache --repos-under "$REPOS_DIR" \
    --format json -o "$RES/repos-whole.json" --audit "$RES/repos-whole.audit.jsonl"
split repos 2 --repos-under "$REPOS_DIR"
split repos 4 --repos-under "$REPOS_DIR"
measure "repo whole" "$KS" -q scan --history --no-cache --format json -o "$RES/repo-whole.json" \
    --audit "$RES/repo-whole.audit.jsonl" "$REPO"
split repo 2 "$REPO"
split repo 4 "$REPO"

python3 - "$RES" "$TIMES" "$count_repos" "$REPO" <<'PY' | tee "$RES/summary.md"
import json, sys, collections
res, times, count, repo = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rows = {}
for line in open(times):
    label, wall_us, rss, cpu = line.rstrip("\n").split("\t")
    rows[label] = (int(wall_us) / 1e6, int(rss) / 1024, float(cpu))

def located(path):
    doc = json.load(open(path))
    return sorted((f.get("repository"), f["fingerprint"], f["path"], f["line"], f["column"],
                   (f.get("commit") or {}).get("id")) for f in doc["findings"]), doc

print(f"| input | shards | each shard's wall time (s) | slowest shard (s) | peak RSS, largest shard (MiB) | merge (s) | merge peak RSS (MiB) | findings | same as one run |")
print("|---|---|---|---|---|---|---|---|---|")
for name, what in [("repos", f"{count} generated repositories"), ("repo", repo)]:
    whole, _ = located(f"{res}/{name}-whole.json")
    w = rows[f"{name} whole"]
    print(f"| {what} | 1 | {w[0]:.1f} | {w[0]:.1f} | {w[1]:.0f} | | | {len(whole)} | |")
    for n in (2, 4):
        shards = [rows[f"{name} {i}/{n}"] for i in range(1, n + 1)]
        merge = rows[f"{name} merge {n}"]
        merged, doc = located(f"{res}/{name}-{n}-merged.json")
        same = "yes" if merged == whole and doc["coverage"]["complete"] else "NO"
        print(f"| {what} | {n} | {', '.join(f'{s[0]:.1f}' for s in shards)} | {max(s[0] for s in shards):.1f} "
              f"| {max(s[1] for s in shards):.0f} | {merge[0]:.2f} | {merge[1]:.0f} | {len(merged)} | {same} |")
PY
