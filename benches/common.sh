# shellcheck shell=bash
# Shared setup of the benchmark scripts: progress on fd 3, errors, installing tools with apt, and
# timing a command.
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

# need_gnu_time: installs GNU time when missing (measure reads the peak RSS from it).
need_gnu_time() {
    if [ ! -x /usr/bin/time ]; then
        log "installing GNU time"
        apt_install time || die "GNU time (/usr/bin/time) is required: apt-get install time"
    fi
}

# build_keysweep SRC: builds SRC (release) and copies the binary to $WORKDIR/bin/keysweep, a
# private copy (a concurrent build in the same target dir must not swap the binary mid-run). Sets
# KS to it and makes WORKDIR absolute.
build_keysweep() {
    log "building keysweep (release)"
    mkdir -p "$WORKDIR/bin"
    WORKDIR=$(cd "$WORKDIR" && pwd)
    KS=$WORKDIR/bin/keysweep
    (cd "$1" && cargo build --release --quiet && cp "${CARGO_TARGET_DIR:-target}/release/keysweep" "$KS")
}

# measure LABEL CMD...: runs CMD once under GNU time, appends "LABEL wall_us peak_rss_kib cpu_s"
# to $TIMES (RES and TIMES are set by the script). Exit status 1 is accepted: keysweep's
# "findings", ripgrep's "no match".
measure() {
    local label=$1 t0 t1 rc=0 rss cpu
    shift
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$RES/time.txt" "$@" || rc=$?
    t1=$(date +%s%N)
    if [ "$rc" -gt 1 ]; then
        cat "$RES/time.txt" >&3
        die "$label exited with status $rc"
    fi
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$RES/time.txt")
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$RES/time.txt")
    printf '%s\t%d\t%d\t%s\n' "$label" $(((t1 - t0) / 1000)) "$rss" "$cpu" >>"$TIMES"
    log "$(printf '%-18s %7.3f s, %7.2f s CPU, %7d KiB peak RSS' "$label" \
        "$(echo "$t1 $t0" | awk '{print ($1 - $2) / 1e9}')" "$cpu" "$rss")"
}

command -v python3 >/dev/null || die "python3 is required"
command -v cargo >/dev/null || die "cargo is required"
