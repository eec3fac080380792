#!/usr/bin/env bash
# keysweep soak test: a folder tree of at least 5 GB and a git repository of at least 100,000
# commits, each scanned at two sizes to show that memory stays flat as the input grows. Reports
# wall time, peak RSS and findings per run.
#
# Usage: benches/soak.sh [TREE_GB] [COMMITS] [WORKDIR]
#   TREE_GB  size of the large tree in GB (default 5.2: 20 copies of the 258 MB throughput corpus)
#   COMMITS  commits of the large repository (default 100000; the small one is a third of it)
#   WORKDIR  default /tmp/keysweep-soak
# Environment: THROUGHPUT_DIR reuses benches/throughput.sh's WORKDIR (and its corpus).
# The tree is the throughput corpus (benches/gen_corpus.py, made by benches/throughput.sh)
# repeated under copy-N/ folders as hard links: every copy is a distinct path that keysweep reads
# and scans in full, and the disk holds one copy. The small tree is a quarter of the copies. The
# page cache holds the corpus (24 GiB of RAM here): the figures are of keysweep, not of the disk.
# The repository is benches/gen_repo.py's, measured by benches/history.sh (RUNS=1).
set -euo pipefail

TREE_GB=${1:-5.2}
COMMITS=${2:-100000}
WORKDIR=${3:-/tmp/keysweep-soak}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO/benches
# shellcheck source=benches/common.sh disable=SC1091
source "$BENCH/common.sh"
mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
RES=$WORKDIR/results
mkdir -p "$RES"
TIMES=$RES/times.tsv
: >"$TIMES"

# --- Tree -------------------------------------------------------------------------------------
THROUGHPUT=${THROUGHPUT_DIR:-$WORKDIR/throughput}
log "building keysweep and the 256 MB corpus (benches/throughput.sh in $THROUGHPUT, one run)"
RUNS=1 "$BENCH/throughput.sh" 256 "$THROUGHPUT" >/dev/null
KS=$THROUGHPUT/bin/keysweep
CORPUS=$THROUGHPUT/corpus-256mb-seed1/tree
corpus_bytes=$(find "$CORPUS" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
copies=$(awk -v gb="$TREE_GB" -v b="$corpus_bytes" 'BEGIN {n = int(gb * 1e9 / b + 0.999); print (n < 4 ? 4 : n)}')
TREE=$WORKDIR/tree
for n in $(seq "$copies"); do
    [ -d "$TREE/copy-$n" ] || { mkdir -p "$TREE" && cp -al "$CORPUS" "$TREE/copy-$n"; }
done
small=$((copies / 4))

tree_run() { # label copies folder...
    local label=$1 n=$2 findings
    shift 2
    measure "$label" "$KS" scan "$@" --format json -o "$RES/$label.json"
    findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$RES/$label.json")
    echo "$label $n $((corpus_bytes * n)) $findings" >>"$RES/tree.txt"
}
: >"$RES/tree.txt"
small_folders=()
for n in $(seq "$small"); do small_folders+=("$TREE/copy-$n"); done
tree_run tree-small "$small" "${small_folders[@]}"
tree_run tree-large "$copies" "$TREE"

# --- History ----------------------------------------------------------------------------------
log "history: $COMMITS commits (benches/history.sh --generate, RUNS=1)"
RUNS=1 "$BENCH/history.sh" --generate "$COMMITS" "$WORKDIR/history" >"$RES/history.md"

# --- Report -----------------------------------------------------------------------------------
{
    echo "## keysweep soak"
    echo
    echo "| input | size | wall | MB/s | peak RSS | findings |"
    echo "| --- | --- | --- | --- | --- | --- |"
    while read -r label n bytes findings; do
        read -r _ wall_us rss _ < <(grep "^$label	" "$TIMES")
        awk -v l="$label" -v n="$n" -v b="$bytes" -v w="$wall_us" -v r="$rss" -v f="$findings" 'BEGIN {
            printf "| %s (%d copies) | %.2f GB | %.1f s | %.0f | %d MiB | %d |\n", l, n, b / 1e9, w / 1e6, b / w, r / 1024, f }'
    done <"$RES/tree.txt"
    echo
    echo "History (benches/history.sh, full output in $RES/history.md):"
    echo
    cat "$RES/history.md"
} | tee "$RES/summary.md"
