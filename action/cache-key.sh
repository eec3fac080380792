#!/usr/bin/env bash
# The Action's first step: where keysweep is installed, and the cache key of that build. The key
# names the runner, Cargo.lock and every source file (or the `version` input), so a cache hit is
# the binary these sources build; `restore` keeps the cargo registry warm across changes.
set -euo pipefail

hash() {
    if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi | cut -c1-16
}

cd "$GITHUB_ACTION_PATH"
lock=$(hash < Cargo.lock)
if [ -n "${VERSION:-}" ]; then
    sources=$(printf '%s' "$VERSION" | hash)
else
    sources=$(find Cargo.toml build.rs src patterns -type f -print0 | LC_ALL=C sort -z |
        xargs -0 cat | hash)
fi
prefix="keysweep-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-$lock"
{
    echo "root=$HOME/.keysweep-action"
    echo "key=$prefix-$sources"
    echo "restore=$prefix-"
} >> "$GITHUB_OUTPUT"
