#!/usr/bin/env bash
# The Action's scan step. Picks what to scan from the event (or the `mode` input), makes sure the
# checkout holds the commits that needs, runs keysweep once, and turns its reports into what
# GitHub shows: annotations on the diff (one `::error`, `::warning` or `::notice` line per finding,
# by severity), a job summary, the SARIF file, and the outputs `findings` and `sarif`.
#
# The checkout may be a pull request from anyone: every file this step writes is under
# RUNNER_TEMP unless the user's `sarif` input names a place, and then never through a link.
set -uo pipefail

fail() {
    echo "::error title=keysweep::$*"
    echo "findings=" >> "$GITHUB_OUTPUT"
    echo "sarif=" >> "$GITHUB_OUTPUT"
    exit 2
}
all_zeros() { case "$1" in "" | *[!0]*) return 1 ;; *) return 0 ;; esac; }
has_commit() { git cat-file -e "$1^{commit}" 2>/dev/null; }

# A shallow checkout lacks the parents a range needs: fetch the history.
unshallow() {
    if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
        echo "::notice title=keysweep::the checkout is shallow, so keysweep fetches its history; set fetch-depth: 0 on actions/checkout to save this step"
        git fetch --quiet --no-tags --unshallow origin ||
            fail "cannot fetch the history of this shallow checkout: set fetch-depth: 0 on actions/checkout"
    fi
}

# Fetches a commit the range needs if the checkout lacks it; says whether it is there now.
fetch_commit() {
    has_commit "$1" || git fetch --quiet --no-tags origin "$1" 2>/dev/null
    has_commit "$1"
}

# Sets `sarif` to the absolute path of the user's `sarif` input. A relative one is in the
# checkout, where a pull request can commit links: each of its folders must be a real folder
# (created if missing), never a link, and it must not leave the checkout.
resolve_sarif() {
    local given=$1 dir part
    local -a parts
    case "$given" in
        /*)
            mkdir -p "$(dirname "$given")" || fail "sarif: cannot create the folder of $given"
            sarif=$given
            return
            ;;
    esac
    dir=$PWD
    IFS=/ read -r -a parts <<< "$(dirname "$given")"
    for part in ${parts[@]+"${parts[@]}"}; do
        case "$part" in
            "" | .) continue ;;
            ..) fail "sarif: $given leaves the checkout; give a path inside it, or an absolute one" ;;
        esac
        dir="$dir/$part"
        if [ -L "$dir" ]; then
            fail "sarif: $dir is a symbolic link (committed in the checkout?); keysweep writes no report through a link: use a real folder, or leave sarif empty for a file under RUNNER_TEMP"
        fi
        [ -d "$dir" ] || mkdir "$dir" || fail "sarif: cannot create the folder $dir"
    done
    sarif="$dir/$(basename "$given")"
}

git rev-parse --git-dir >/dev/null 2>&1 ||
    fail "$(pwd) is not a git repository: run actions/checkout (with fetch-depth: 0) before keysweep"

mode=${MODE:-auto}
if [ "$mode" = auto ]; then
    case "${EVENT_NAME:-}" in
        pull_request | pull_request_target) mode="pr" ;;
        push) mode="push" ;;
        schedule | workflow_dispatch) mode="history" ;;
        *) mode="files" ;;
    esac
fi

scope=()
case "$mode" in
    pr)
        if [ -z "${PR_BASE:-}" ] || [ -z "${PR_HEAD:-}" ]; then
            fail "mode pr needs a pull_request event; this is a ${EVENT_NAME:-unknown} event"
        fi
        unshallow
        for commit in "$PR_BASE" "$PR_HEAD"; do
            fetch_commit "$commit" ||
                fail "commit $commit of the pull request is not in the checkout and cannot be fetched: set fetch-depth: 0 on actions/checkout"
        done
        echo "keysweep: scanning the pull request's commits, $PR_BASE..$PR_HEAD"
        scope=(--range "$PR_BASE..$PR_HEAD")
        ;;
    push)
        after=${PUSH_AFTER:-}
        [ -n "$after" ] || after=$(git rev-parse HEAD)
        if all_zeros "$after"; then
            echo "keysweep: the push deleted a branch; nothing to scan"
            { echo "findings=0"; echo "sarif="; } >> "$GITHUB_OUTPUT"
            exit 0
        fi
        unshallow
        fetch_commit "$after" || fail "the pushed commit $after cannot be fetched"
        default="refs/remotes/origin/${DEFAULT_BRANCH:-main}"
        if [ -n "${PUSH_BEFORE:-}" ] && ! all_zeros "$PUSH_BEFORE" && fetch_commit "$PUSH_BEFORE"; then
            echo "keysweep: scanning the pushed commits, $PUSH_BEFORE..$after"
            scope=(--range "$PUSH_BEFORE..$after")
        elif has_commit "$default" && [ "$(git rev-parse "$default")" != "$after" ]; then
            # A new branch, or a force push whose old tip is gone: what it adds to the default branch.
            echo "keysweep: scanning what the pushed branch adds to ${DEFAULT_BRANCH:-main}, $default..$after"
            scope=(--range "$default..$after")
        else
            echo "keysweep: first push of the default branch: scanning the whole history"
            scope=(--history)
        fi
        ;;
    history)
        unshallow
        echo "keysweep: scanning the whole history"
        scope=(--history)
        ;;
    files)
        echo "keysweep: scanning the checked-out files"
        ;;
    *)
        fail "unknown mode '$mode': use auto, pr, push, history or files"
        ;;
esac

read -r -a extra <<< "${ARGS:-}"
temp=${RUNNER_TEMP:-/tmp}
reports=$(mktemp -d "$temp/keysweep.XXXXXX") || fail "cannot create a folder under $temp"
annotations="$reports/annotations.txt"
summary="$reports/summary.md"
if [ -n "${SARIF:-}" ]; then
    resolve_sarif "$SARIF"
else
    # Kept after this step, for upload-sarif; the runner empties RUNNER_TEMP after the job.
    sarif_dir=$(mktemp -d "$temp/keysweep-sarif.XXXXXX") || fail "cannot create a folder under $temp"
    sarif="$sarif_dir/keysweep.sarif"
fi

# The flags after the user's win: exit status 0 (clean), 1 (findings), 3 (the scan had errors)
# or anything else (keysweep could not run).
"${KEYSWEEP:-keysweep}" scan ${scope[@]+"${scope[@]}"} ${extra[@]+"${extra[@]}"} \
    --exit-code 1 --format github --output "$annotations" \
    --report "markdown=$summary" --report "sarif=$sarif" .
status=$?

case "$status" in
    0 | 1 | 3) ;;
    2) fail "keysweep stopped with exit status 2 (it could not run: a bad flag in args, a broken config, a report path it refused): see its message above" ;;
    *) fail "keysweep stopped with exit status $status: see its message above" ;;
esac
# Status 0, 1 or 3: the reports are written; show them even when the scan had errors.
count=0
if [ -f "$annotations" ]; then
    cat "$annotations"
    count=$(grep -cE '^::(error|warning|notice) ' "$annotations")
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$summary" ]; then
    cat "$summary" >> "$GITHUB_STEP_SUMMARY"
fi
{
    echo "findings=$count"
    echo "sarif=$sarif"
} >> "$GITHUB_OUTPUT"
rm -rf "$reports"

if [ "$status" -eq 3 ]; then
    echo "::error title=keysweep::keysweep stopped with exit status 3 (the scan had errors: unreadable files, corrupt git objects, or nothing could be scanned), so secrets may be missing from this report: see its messages above"
    exit 3
fi
if [ "$status" -eq 1 ] && [ "${FAIL_ON_FINDINGS:-true}" != false ]; then
    echo "keysweep: $count finding$([ "$count" -eq 1 ] || echo s). Revoke each at its provider, then remove it from the code and the history (see the job summary); set fail-on-findings: false to report without failing."
    exit 1
fi
exit 0
