#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), two at a time (the machine's cores), and
# copies what crashes into tests/fuzz-regressions/TARGET/, which `cargo test` replays.
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
# Needs the nightly toolchain and cargo-fuzz (installed here when missing: cargo install
# --locked cargo-fuzz). The working corpus is fuzz/corpus/TARGET (not committed); it starts from
# seeds taken from the repository (pattern files, the README config, fixtures, reports).
set -euo pipefail

SECONDS_EACH=${1:-600}
shift || true
FUZZ=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$FUZZ")
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(load_config load_patterns scan_bytes parse_state write_reports)
JOBS=${JOBS:-2}

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
rustup run nightly rustc --version >/dev/null ||
    { echo "fuzz/run.sh: the nightly toolchain is needed (rustup toolchain install nightly)" >&2; exit 2; }

seed() { # seed TARGET: starting inputs from the repository
    local dir=$FUZZ/corpus/$1
    mkdir -p "$dir"
    case $1 in
        load_patterns) cp "$REPO"/patterns/*.toml "$dir/" ;;
        load_config)
            awk '/^```toml$/ {on = 1; n++; next} /^```$/ {on = 0} on {print > (d "/readme-" n ".toml")}' \
                d="$dir" "$REPO/README.md" ;;
        scan_bytes | write_reports)
            find "$REPO/fixtures" "$REPO/tests/fixtures/golden-tree" -type f -size -64k \
                -exec cp --backup=numbered -t "$dir" {} + ;;
        parse_state)
            printf '\000' | cat - "$REPO/tests/golden/scan.json" > "$dir/baseline.json"
            printf '\001{"event":"batch"}\n{"bad' > "$dir/journal-torn.jsonl" ;;
    esac
}

cd "$FUZZ"
# Debug assertions on (-a): an arithmetic overflow is a crash too.
cargo +nightly fuzz build -a
summary=$FUZZ/artifacts/summary.txt
mkdir -p "$FUZZ/artifacts"
: > "$summary"
run_one() {
    local target=$1 log=$FUZZ/artifacts/$1.log
    seed "$target"
    # -max_total_time bounds the run; -timeout marks an input taking over 10 s as a hang.
    cargo +nightly fuzz run -a "$target" "$FUZZ/corpus/$target" -- \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 -max_len=262144 \
        -print_final_stats=1 > "$log" 2>&1 || true
    local runs crashes
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    crashes=$(find "$FUZZ/artifacts/$target" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) 2>/dev/null | wc -l)
    echo "$target: ${SECONDS_EACH}s, $runs executions, $crashes crashing inputs" >> "$summary"
    if [ "$crashes" -gt 0 ]; then
        mkdir -p "$REPO/tests/fuzz-regressions/$target"
        find "$FUZZ/artifacts/$target" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
            -exec cp -t "$REPO/tests/fuzz-regressions/$target" {} +
    fi
}
running=0
for target in "${targets[@]}"; do
    run_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
cat "$summary"
