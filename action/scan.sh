#!/usr/bin/env bash
# The Action's scan step. Picks what to scan from the event (or the `mode` input), makes sure the
# checkout holds the commits that needs, runs keysweep once, and turns its reports into what
# GitHub shows: annotations on the diff (one `::error` line per finding), a job summary, the
# SARIF file, and the outputs `findings` and `sarif`.
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
reports=$(mktemp -d "${RUNNER_TEMP:-/tmp}/keysweep.XXXXXX")
annotations="$reports/annotations.txt"
summary="$reports/summary.md"
sarif=${SARIF:-keysweep.sarif}
mkdir -p "$(dirname "$sarif")"

# The flags after the user's win: exit status 0 (clean), 1 (findings) or anything else (error).
"${KEYSWEEP:-keysweep}" scan ${scope[@]+"${scope[@]}"} ${extra[@]+"${extra[@]}"} \
    --exit-code 1 --format github --output "$annotations" \
    --report "markdown=$summary" --report "sarif=$sarif" .
status=$?

count=0
if [ -f "$annotations" ]; then
    cat "$annotations"
    count=$(grep -c '^::error ' "$annotations")
fi
if [ "$status" -gt 1 ]; then
    fail "keysweep stopped with exit status $status: see its message above"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$summary" ]; then
    cat "$summary" >> "$GITHUB_STEP_SUMMARY"
fi
{
    echo "findings=$count"
    echo "sarif=$sarif"
} >> "$GITHUB_OUTPUT"
rm -rf "$reports"

if [ "$count" -gt 0 ] && [ "${FAIL_ON_FINDINGS:-true}" != false ]; then
    echo "keysweep: $count secrets found. Revoke each at its provider, then remove it from the code and the history (see the job summary); set fail-on-findings: false to report without failing."
    exit 1
fi
exit 0
