#!/usr/bin/env bash
# The Action's build step: reuse the cached keysweep when it was built from the same key, else
# build it with cargo (from the action's own checkout, or the `version` ref of its repository).
set -euo pipefail

bin="$KEYSWEEP_ROOT/bin/keysweep"
stamp="$KEYSWEEP_ROOT/build-key"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$BUILD_KEY" ] && "$bin" --version >/dev/null; then
    echo "keysweep: using the cached build, $("$bin" --version)"
else
    if ! command -v cargo >/dev/null; then
        echo "::error title=keysweep::cargo is not installed on this runner: add a step with dtolnay/rust-toolchain@stable before keysweep (GitHub's hosted Ubuntu and macOS runners have cargo)"
        exit 2
    fi
    if [ -n "${VERSION:-}" ]; then
        cargo install --locked --force --root "$KEYSWEEP_ROOT" \
            --git "https://github.com/${GITHUB_ACTION_REPOSITORY:?}" --rev "$VERSION" keysweep
    else
        cargo install --locked --force --root "$KEYSWEEP_ROOT" --path "$GITHUB_ACTION_PATH"
    fi
    printf '%s\n' "$BUILD_KEY" > "$stamp"
fi
echo "bin=$bin" >> "$GITHUB_OUTPUT"
