# shellcheck shell=bash
# Shared setup of the benchmark scripts: progress on fd 3, errors, and installing tools with apt.
# Source it after `set -euo pipefail`.

exec 3>&2 # progress goes to fd 3 so that timed commands' own output can be silenced
log() { printf '>> %s\n' "$*" >&3; }
die() { printf '%s: %s\n' "$(basename "$0")" "$*" >&3; exit 2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}
apt_updated=
apt_install() {
    command -v apt-get >/dev/null || return 1
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq || return 1; apt_updated=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v python3 >/dev/null || die "python3 is required"
command -v cargo >/dev/null || die "cargo is required"
