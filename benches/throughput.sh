#!/usr/bin/env bash
# keysweep throughput benchmark: keysweep against ripgrep (searching the same bytes for the same
# prefilter keywords, the practical limit) on a generated source-like corpus with planted secrets.
#
# Usage: benches/throughput.sh [SIZE_MB] [WORKDIR]
#   SIZE_MB  corpus size in MB of 10^6 bytes (default 256)
#   WORKDIR  where the corpus, binaries and results go (default /tmp/keysweep-bench); the corpus
#            is reused while its size, seed and generator are unchanged
# Environment: RUNS (timed runs per tool, default 5), SEED (corpus seed, default 1).
# Prints a Markdown summary (wall time best/median, MB/s, peak RSS, keysweep/ripgrep ratio,
# planted secrets found per kind, machine), also saved as WORKDIR/results/summary.md.
# Timings: wall clock around `/usr/bin/time -v`, which gives the peak RSS.
set -euo pipefail

SIZE_MB=${1:-256}
WORKDIR=${2:-/tmp/keysweep-bench}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO/benches

# shellcheck source=benches/common.sh
source "$BENCH/common.sh"
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
if ! command -v rg >/dev/null; then
    log "installing ripgrep"
    apt_install ripgrep || cargo install --locked ripgrep
fi
need_gnu_time

# --- Build ------------------------------------------------------------------------------------
build_keysweep "$REPO"

# --- Corpus -----------------------------------------------------------------------------------
CORPUS=$WORKDIR/corpus-${SIZE_MB}mb-seed$SEED
TREE=$CORPUS/tree
stamp="size=$SIZE_MB seed=$SEED generator=$(sha256sum "$BENCH/gen_corpus.py" | cut -c1-16)"
if [ "$(cat "$CORPUS/.complete" 2>/dev/null)" != "$stamp" ]; then
    log "generating a $SIZE_MB MB corpus in $CORPUS"
    rm -rf "$CORPUS"
    python3 "$BENCH/gen_corpus.py" "$CORPUS" --size-mb "$SIZE_MB" --seed "$SEED"
    echo "$stamp" >"$CORPUS/.complete"
else
    log "reusing the corpus in $CORPUS"
fi
tree_bytes=$(find "$TREE" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')

# --- Keywords and commands --------------------------------------------------------------------
RES=$WORKDIR/results
rm -rf "$RES"
mkdir -p "$RES"
"$KS" patterns list --format json >"$RES/patterns.json"
python3 "$BENCH/bench_report.py" keywords "$RES/patterns.json" >"$RES/kw.txt"
[ -s "$RES/kw.txt" ] || die "no pattern has keywords: nothing for ripgrep to search"

# The report goes to a regular file: `-o /dev/null` would have keysweep chmod /dev/null to 0600
# (it tightens the mode of an existing output file), which fails or breaks /dev/null.
ks_cmd=("$KS" scan "$TREE" --format json -o "$RES/report.json")
rg_cmd=(rg --no-ignore --hidden -i -F -f "$RES/kw.txt" -c "$TREE")

# --- Measure ----------------------------------------------------------------------------------
TIMES=$RES/times.tsv

log "warming the page cache"
find "$TREE" -type f -print0 | xargs -0 cat >/dev/null
"${ks_cmd[@]}" >/dev/null 2>&1 || [ $? -eq 1 ] || die "keysweep failed on the corpus"
"${rg_cmd[@]}" >/dev/null || [ $? -eq 1 ] || die "ripgrep failed on the corpus"

# CPU ticks (busy, all) of the whole machine: other processes running during the timed runs
# (a concurrent build or test suite) skew the figures, and the summary says so.
cpu_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
read -r busy0 all0 < <(cpu_ticks)
# keysweep and ripgrep alternate, so that a passing disturbance hits both alike.
for ((i = 1; i <= RUNS; i++)); do
    measure keysweep "${ks_cmd[@]}" 2>>"$RES/keysweep.stderr"
    measure ripgrep "${rg_cmd[@]}" >/dev/null
done
cp "$RES/report.json" "$RES/report-all-cores.json"
measure keysweep_t1 "${ks_cmd[@]}" --threads 1 2>>"$RES/keysweep.stderr"
measure ripgrep_j1 "${rg_cmd[@]}" -j1 >/dev/null
read -r busy1 all1 < <(cpu_ticks)
cp "$RES/report-all-cores.json" "$RES/report.json"

# --- Report -----------------------------------------------------------------------------------
python3 "$BENCH/bench_report.py" summary \
    --results "$RES" --planted "$CORPUS/planted.jsonl" --tree "$TREE" \
    --tree-bytes "$tree_bytes" --rg-files "$(rg --files --no-ignore --hidden "$TREE" | wc -l)" \
    --keywords "$(wc -l <"$RES/kw.txt")" --nproc "$(nproc)" --size-mb "$SIZE_MB" \
    --busy-ticks $((busy1 - busy0)) --all-ticks $((all1 - all0)) \
    --ks-cmd "target/release/keysweep scan TREE --format json -o REPORT" \
    --rg-cmd "rg --no-ignore --hidden -i -F -f kw.txt -c TREE > /dev/null" \
    --ks-version "$("$KS" --version) ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo '+dirty'))" \
    --rg-version "$(rg --version | head -1)" | tee "$RES/summary.md"
