#!/usr/bin/env bash
# keysweep git-history benchmark: `keysweep scan --history` against the cost of just inflating
# every object (`git cat-file --batch-all-objects --batch`) on a large repository.
#
# Usage: benches/history.sh [REPO | --generate N_COMMITS] [WORKDIR]
#   REPO         a git repository to scan (not modified); its planted-secret manifest, if any,
#                is REPO.planted.jsonl or $PLANTED
#   --generate N generate one with N commits (benches/gen_repo.py) in WORKDIR, reused while its
#                commit count, seed and generator are unchanged (default: --generate 30000)
#   WORKDIR      binaries, generated repositories and results (default /tmp/keysweep-history-bench)
# Environment: RUNS (timed runs per command, default 3), SEED (generator seed, default 1),
#              PLANTED (manifest of planted secrets for a given REPO).
# Measures, alternating: cat-file (sha order and --unordered), `git rev-list --all --objects`
# (the tree walk alone), keysweep on all cores; then keysweep --threads 1 once, and keysweep on a
# smaller repository (the first third of the default branch) for peak RSS against size.
# Prints a Markdown summary (wall best/median, CPU, MB/s and blobs/s, peak RSS, keysweep/cat-file
# ratio, blob coverage against git, planted secrets found, attribution checks, machine), also
# saved as WORKDIR/results/summary.md. Timings: wall clock around `/usr/bin/time -v`.
set -euo pipefail

if [ "${1:-}" = "--generate" ]; then
    GEN_COMMITS=${2:?--generate needs a commit count}
    shift 2
    REPO=
else
    REPO=${1:-}
    GEN_COMMITS=30000
    [ $# -gt 0 ] && shift
fi
WORKDIR=${1:-/tmp/keysweep-history-bench}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$SRC/benches

# shellcheck source=benches/common.sh
source "$BENCH/common.sh"
command -v git >/dev/null || die "git is required"
need_gnu_time

# --- Build ------------------------------------------------------------------------------------
build_keysweep "$SRC"
"$KS" scan --help | grep -q -- '--history' || die "this keysweep has no \`scan --history\` yet"

# --- Repositories -----------------------------------------------------------------------------
if [ -z "$REPO" ]; then
    REPO=$WORKDIR/repo-${GEN_COMMITS}c-seed$SEED
    stamp="commits=$GEN_COMMITS seed=$SEED generator=$(cat "$BENCH/gen_repo.py" "$BENCH/gen_corpus.py" | sha256sum | cut -c1-16)"
    if [ "$(cat "$REPO.complete" 2>/dev/null)" != "$stamp" ] || [ ! -d "$REPO/.git" ]; then
        log "generating a repository of $GEN_COMMITS commits in $REPO (a few minutes)"
        rm -f "$REPO.complete"
        python3 "$BENCH/gen_repo.py" "$REPO" --commits "$GEN_COMMITS" --seed "$SEED"
        echo "$stamp" >"$REPO.complete"
    else
        log "reusing the repository in $REPO"
    fi
fi
[ -d "$REPO" ] || die "no such repository: $REPO"
REPO=$(cd "$REPO" && pwd)
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "not a git repository: $REPO"
PLANTED=${PLANTED:-$REPO.planted.jsonl}
[ -f "$PLANTED" ] || PLANTED=

# A smaller repository: the default branch cut at a third of its first-parent history (a bare
# clone with that one ref, repacked), to show how peak RSS grows with the history.
branch=$(git -C "$REPO" symbolic-ref --short -q HEAD || echo main)
fp_count=$(git -C "$REPO" rev-list --first-parent --count "$branch")
cut=$(git -C "$REPO" rev-list --first-parent "$branch" --skip=$((fp_count - fp_count / 3)) -1)
SMALL=$WORKDIR/small-$(basename "$REPO").git
if [ "$(cat "$SMALL/.cut" 2>/dev/null)" != "$cut" ]; then
    log "making the smaller repository $SMALL ($branch at $(git -C "$REPO" rev-parse --short "$cut"))"
    rm -rf "$SMALL"
    git clone -q --bare --no-local "$REPO" "$SMALL"
    git -C "$SMALL" for-each-ref --format='delete %(refname)' | git -C "$SMALL" update-ref --stdin
    git -C "$SMALL" update-ref "refs/heads/$branch" "$cut"
    git -C "$SMALL" symbolic-ref HEAD "refs/heads/$branch"
    git -C "$SMALL" -c gc.reflogExpire=now reflog expire --all --expire=now
    git -C "$SMALL" repack -adq
    git -C "$SMALL" prune --expire=now
    echo "$cut" >"$SMALL/.cut"
fi

RES=$WORKDIR/results
rm -rf "$RES"
mkdir -p "$RES"
log "counting commits and blobs"
python3 "$BENCH/history_report.py" count "$REPO" >"$RES/repo.json"
python3 "$BENCH/history_report.py" count "$SMALL" >"$RES/repo-small.json"

# --- Commands ---------------------------------------------------------------------------------
# The report goes to a regular file: `-o /dev/null` would have keysweep chmod /dev/null to 0600.
# --no-cache: every run reads the whole history (benches/incremental.sh measures the cache).
ks_cmd=("$KS" scan --history --no-cache "$REPO" --format json -o "$RES/report.json")
ks_small_cmd=("$KS" scan --history --no-cache "$SMALL" --format json -o "$RES/report-small.json")
cf_cmd=(git -C "$REPO" cat-file --batch-all-objects --batch)
cfu_cmd=(git -C "$REPO" cat-file --batch-all-objects --batch --unordered)
rl_cmd=(git -C "$REPO" rev-list --all --objects)

TIMES=$RES/times.tsv

log "warming the page cache"
gitdir=$(git -C "$REPO" rev-parse --absolute-git-dir)
find "$gitdir/objects" "$(git -C "$SMALL" rev-parse --absolute-git-dir)/objects" -type f -print0 |
    xargs -0 cat >/dev/null
"${cf_cmd[@]}" >/dev/null
"${ks_cmd[@]}" 2>"$RES/keysweep.stderr" || [ $? -eq 1 ] || { cat "$RES/keysweep.stderr" >&3; die "keysweep failed on $REPO"; }

cpu_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
read -r busy0 all0 < <(cpu_ticks)
for ((i = 1; i <= RUNS; i++)); do
    measure catfile "${cf_cmd[@]}" >/dev/null
    measure keysweep "${ks_cmd[@]}" 2>>"$RES/keysweep.stderr"
    measure catfile_unordered "${cfu_cmd[@]}" >/dev/null
    measure revlist "${rl_cmd[@]}" >/dev/null
done
cp "$RES/report.json" "$RES/report-all-cores.json"
measure keysweep_t1 "${ks_cmd[@]}" --threads 1 2>>"$RES/keysweep.stderr"
measure keysweep_small "${ks_small_cmd[@]}" 2>>"$RES/keysweep.stderr"
read -r busy1 all1 < <(cpu_ticks)
load="$load -> $(cut -d' ' -f1-3 /proc/loadavg)"
cp "$RES/report-all-cores.json" "$RES/report.json"

# --- Report -----------------------------------------------------------------------------------
python3 "$BENCH/history_report.py" summary \
    --results "$RES" --repo "$REPO" --small "$SMALL" --planted "$PLANTED" \
    --nproc "$(nproc)" --busy-ticks $((busy1 - busy0)) --all-ticks $((all1 - all0)) --load "$load" \
    --ks-cmd "target/release/keysweep scan --history --no-cache REPO --format json -o REPORT" \
    --ks-version "$("$KS" --version) ($(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$SRC" diff --quiet HEAD 2>/dev/null || echo '+dirty'))" \
    --git-version "$(git --version)" | tee "$RES/summary.md"
