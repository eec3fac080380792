#!/usr/bin/env bash
# keysweep incremental history benchmark: a `--history` scan after one new commit, with the
# history cache an earlier scan left, against a full scan of the same history (`--no-cache`).
#
# Usage: benches/incremental.sh REPO [WORKDIR]
#   REPO     a git repository (not modified: a clone sharing its objects gets the new commit)
#   WORKDIR  binaries, the clone and results (default /tmp/keysweep-incremental-bench)
# Environment: RUNS (timed runs of each scan, default 3).
# Prints a Markdown table (wall median, peak RSS, blobs scanned and from the cache) and checks
# that both scans report the same findings (fingerprint, path, line, column, commit).
set -euo pipefail

REPO=${1:?usage: benches/incremental.sh REPO [WORKDIR]}
WORKDIR=${2:-/tmp/keysweep-incremental-bench}
RUNS=${RUNS:-3}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# shellcheck source=benches/common.sh
source "$SRC/benches/common.sh"
command -v git >/dev/null || die "git is required"
need_gnu_time

build_keysweep "$SRC"
RES=$WORKDIR/results
rm -rf "$RES" "$WORKDIR/clone"
mkdir -p "$RES"
TIMES=$RES/times.tsv

log "cloning $REPO (objects shared, no checkout)"
git clone -q --shared --no-checkout "$REPO" "$WORKDIR/clone"
CLONE=$WORKDIR/clone
CACHE=$CLONE/.git/keysweep/history.cache

log "first scan: the whole history, leaving the cache"
"$KS" scan --history "$CLONE" --format json -o "$RES/first.json" 2>"$RES/first.stderr" || [ $? -eq 1 ] ||
    { cat "$RES/first.stderr" >&3; die "keysweep failed on $CLONE"; }
cp "$CACHE" "$RES/cache.saved"

log "one new commit adding a file with a token"
token="ghp_$(python3 -c 'import random; r = random.Random(7); print("".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(36)))')"
git -C "$CLONE" read-tree HEAD
blob=$(printf 'GITHUB_TOKEN=%s\n' "$token" | git -C "$CLONE" hash-object -w --stdin)
git -C "$CLONE" update-index --add --cacheinfo "100644,$blob,leaked-by-bench.env"
tree=$(git -C "$CLONE" write-tree)
commit=$(git -C "$CLONE" -c user.name=bench -c user.email=bench@example.com commit-tree "$tree" -p HEAD -m "bench: one new commit")
git -C "$CLONE" update-ref HEAD "$commit"

for ((i = 1; i <= RUNS; i++)); do
    cp "$RES/cache.saved" "$CACHE"
    measure incremental "$KS" scan --history "$CLONE" --format json -o "$RES/incremental.json" 2>>"$RES/incremental.stderr"
    measure full "$KS" scan --history --no-cache "$CLONE" --format json -o "$RES/full.json" 2>>"$RES/full.stderr"
done

python3 - "$RES" <<'PY'
import json, statistics, sys
res = sys.argv[1]
rows = {}
for line in open(f"{res}/times.tsv"):
    label, wall_us, rss, cpu = line.split("\t")
    rows.setdefault(label, []).append((int(wall_us) / 1e6, int(rss) / 1024))
def found(name):
    report = json.load(open(f"{res}/{name}.json"))
    keys = sorted((f["fingerprint"], f["path"], f["line"], f["column"], (f.get("commit") or {}).get("id"))
                  for f in report["findings"])
    return report["stats"], keys
inc_stats, inc = found("incremental")
full_stats, full = found("full")
print("| scan after one new commit | wall (median) | peak RSS (max) | blobs scanned | blobs from the cache |")
print("| --- | --- | --- | --- | --- |")
for label, stats in (("incremental", inc_stats), ("full", full_stats)):
    walls = [w for w, _ in rows[label]]
    print(f"| {label} | {statistics.median(walls):.2f} s | {max(r for _, r in rows[label]):.0f} MiB "
          f"| {stats['blobs_scanned']:,} | {stats.get('blobs_cached', 0):,} |")
print()
print(f"Same findings: {'yes' if inc == full else 'NO'} ({len(inc)} and {len(full)}, by fingerprint, place and commit)")
sys.exit(0 if inc == full else 1)
PY
