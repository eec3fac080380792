#!/usr/bin/env bash
# keysweep startup benchmark: what a pre-commit hook pays on every commit. A one-file scan and a
# `--staged` scan of a small repository, against ripgrep on the same file and, with PEERS=1 (after
# `PEERS=1 benches/peers.sh`, which installs them), the registries' scanners on the same file.
#
# Usage: [PEERS=1] benches/startup.sh [WORKDIR]
#   WORKDIR  binaries and results (default /tmp/keysweep-bench, as benches/peers.sh)
# Environment: RUNS (timed runs of each command, default 30).
# Prints a Markdown table: wall median and spread over RUNS runs (hyperfine), peak RSS median
# (GNU time, 5 runs).
set -euo pipefail

WORKDIR=${1:-/tmp/keysweep-bench}
RUNS=${RUNS:-30}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# shellcheck source=benches/common.sh disable=SC1091
source "$SRC/benches/common.sh"
command -v git >/dev/null || die "git is required"
need_gnu_time
if ! command -v hyperfine >/dev/null; then
    log "installing hyperfine"
    apt_install hyperfine || cargo install --locked hyperfine
fi
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
build_keysweep "$SRC"

RES=$WORKDIR/startup
rm -rf "$RES"
mkdir -p "$RES"
# One ordinary source file, and a repository of 20 files with three changes staged.
ONE=$RES/one.py
printf 'import os\n\n\ndef main():\n    print(os.environ.get("HOME"))\n' >"$ONE"
HOOK=$RES/repo
git init -q "$HOOK"
for i in $(seq 20); do seq 1 200 >"$HOOK/f$i.txt"; done
git -C "$HOOK" add .
git -C "$HOOK" -c user.name=b -c user.email=b@example.com commit -qm init
for i in 1 2 3; do echo "change $i" >>"$HOOK/f$i.txt"; done
git -C "$HOOK" add .

names=("keysweep scan FILE" "keysweep scan --staged" "ripgrep AKIA FILE")
cmds=("$KS scan $ONE" "cd $HOOK && $KS scan --staged" "rg AKIA $ONE")
if [ "${PEERS:-}" = 1 ]; then
    PEERS_DIR=$WORKDIR/peers-bin
    [ -x "$PEERS_DIR/cargo/bin/ripsecrets" ] || die "run PEERS=1 benches/peers.sh first: it installs the peers"
    names+=("ripsecrets FILE" "detect-secrets scan FILE" "secretlint FILE")
    cmds+=("$PEERS_DIR/cargo/bin/ripsecrets $ONE"
        "$PEERS_DIR/venv/bin/detect-secrets scan $ONE"
        "$PEERS_DIR/node/node_modules/.bin/secretlint --secretlintrc $PEERS_DIR/node/.secretlintrc.json $ONE")
fi

# Exit status 1 (findings, or ripgrep's no match) is a normal outcome here.
hyperfine --shell=bash --warmup 3 --runs "$RUNS" -i --export-json "$RES/hyperfine.json" \
    "${cmds[@]}" >"$RES/hyperfine.txt"
for i in "${!cmds[@]}"; do
    for _ in 1 2 3 4 5; do
        /usr/bin/time -q -f '%M' -o "$RES/rss.txt" -a bash -c "${cmds[$i]}" >/dev/null 2>&1 || true
    done
    echo "$i $(tail -5 "$RES/rss.txt" | sort -n | sed -n 3p)" >>"$RES/rss-median.txt"
done

echo "$(nproc) cores; $RUNS runs each after 3 warm-up runs"
python3 - "$RES/hyperfine.json" "$RES/rss-median.txt" "${names[@]}" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
rss = dict(line.split() for line in open(sys.argv[2]))
names = sys.argv[3:]
print("| command | wall median | min – max | peak RSS (median) |")
print("| --- | --- | --- | --- |")
for i, (name, r) in enumerate(zip(names, runs)):
    print(f"| {name} | {r['median'] * 1000:.1f} ms | {r['min'] * 1000:.1f} – {r['max'] * 1000:.1f} ms | "
          f"{int(rss[str(i)]) // 1024} MiB |")
PY
