#!/usr/bin/env bash
# The accuracy benchmark (tests/integration/accuracy.rs) alone, on a release build: recall and
# false alarms overall, by provider and by syntax, and every miss and false alarm (secrets shortened
# to 4 characters). The report is printed and saved to a results file.
# Usage: benches/accuracy.sh [RESULTS_FILE]
#   (default: WORKDIR/accuracy-DATE.txt, WORKDIR defaulting to /tmp/keysweep-accuracy-bench)
set -euo pipefail
cd "$(dirname "$0")/.."

WORKDIR=${WORKDIR:-/tmp/keysweep-accuracy-bench}
results=${1:-$WORKDIR/accuracy-$(date +%Y%m%d-%H%M%S).txt}
mkdir -p "$(dirname "$results")"

# The test prints its report on stdout; cargo's own progress goes to stderr.
cargo test --locked --release --test integration accuracy -- --nocapture --test-threads 1 \
    | tee "$results"
echo "accuracy: report saved to $results" >&2
