#!/usr/bin/env python3
"""Helpers of benches/history.sh (Python 3 standard library and the git command only).

    history_report.py count REPO                 JSON: commits, refs, blobs (stored, reachable)
    history_report.py summary --results DIR ...  the Markdown summary of a history benchmark run

`summary` reads DIR/times.tsv (label, wall microseconds, peak RSS KiB, CPU seconds; one line a
run), DIR/report.json (keysweep's JSON report of the last all-cores run on the full repository),
DIR/report-small.json (of the smaller repository), DIR/repo.json and DIR/repo-small.json (from
`count`) and the manifest of planted secrets, and prints speed, memory and correctness figures.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from collections import Counter, defaultdict

sys.dont_write_bytecode = True  # no __pycache__ in benches/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_report import KIND_PATTERN_IDS, machine  # noqa: E402

MB = 1_000_000


def git(repo: str, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], input=input, check=True,
                          stdout=subprocess.PIPE).stdout


def batch_check(repo: str, names: list[str]) -> list[tuple[str, str, int] | None]:
    """(type, id, size) of each object name, None where it does not resolve."""
    if not names:
        return []
    out = git(repo, "cat-file", "--batch-check=%(objecttype) %(objectname) %(objectsize)",
              input="".join(n + "\n" for n in names).encode()).decode().splitlines()
    res = []
    for line in out:
        parts = line.split()
        res.append((parts[0], parts[1], int(parts[2])) if len(parts) == 3 and parts[-1] != "missing"
                   and parts[-1] != "ambiguous" else None)
    return res


def count(repo: str) -> dict:
    """Commits, refs, and the blobs stored and reachable from refs (count and bytes)."""
    commits = int(git(repo, "rev-list", "--all", "--count"))
    refs = git(repo, "for-each-ref", "--format=%(refname)").decode().split()
    kinds = Counter(re.sub(r"^(refs/[^/]+)/.*", r"\1", r) for r in refs)
    stored = {"blobs": 0, "bytes": 0, "objects": 0}
    out = git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)")
    for line in out.split(b"\n"):
        if line:
            t, s = line.split()
            stored["objects"] += 1
            if t == b"blob":
                stored["blobs"] += 1
                stored["bytes"] += int(s)
    rl = subprocess.Popen(["git", "-C", repo, "rev-list", "--all", "--objects", "--no-object-names"],
                          stdout=subprocess.PIPE)
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch-check=%(objecttype) %(objectsize)"],
                         stdin=rl.stdout, stdout=subprocess.PIPE, check=True).stdout
    if rl.wait() != 0:
        raise SystemExit("git rev-list --all --objects failed")
    reach = {"blobs": 0, "bytes": 0, "objects": 0, "trees": 0}
    for line in out.split(b"\n"):
        if line:
            t, s = line.split()
            reach["objects"] += 1
            if t == b"blob":
                reach["blobs"] += 1
                reach["bytes"] += int(s)
            elif t == b"tree":
                reach["trees"] += 1
    gitdir = git(repo, "rev-parse", "--absolute-git-dir").decode().strip()
    pack = sum(os.path.getsize(os.path.join(gitdir, "objects/pack", f))
               for f in os.listdir(os.path.join(gitdir, "objects/pack")) if f.endswith(".pack"))
    return {"repo": repo, "commits": commits, "refs": len(refs), "ref_kinds": dict(kinds),
            "stored": stored, "reachable": reach, "pack_bytes": pack}


# ---------------------------------------------------------------------------------------------
# Correctness
# ---------------------------------------------------------------------------------------------

def commit_id(f: dict) -> str | None:
    c = f.get("commit")
    return c.get("id") if isinstance(c, dict) else c


def planted_rows(report: dict, planted: list[dict]):
    """Per kind: planted, found (path and secret), same commit, same blob; unreachable found."""
    by_secret = defaultdict(list)
    for f in report["findings"]:
        by_secret[f["secret"]].append(f)
    rows: dict[str, Counter] = {}
    used = set()
    missed = []
    for p in planted:
        if not p.get("reachable", True):
            continue
        row = rows.setdefault(p["kind"], Counter())
        row["planted"] += 1
        hits = [f for f in by_secret.get(p["secret"], []) if f["path"] == p["path"]]
        hits += [f for s, fs in by_secret.items() if s != p["secret"] and p["secret"] in s
                 for f in fs if f["path"] == p["path"]]
        for f in by_secret.get(p["secret"], []):
            used.add(id(f))
        if hits:
            row["found"] += 1
            if p.get("commit") and any(commit_id(f) == p["commit"] for f in hits):
                row["commit"] += 1
            if p.get("blob_id") and any(f.get("blob_id") == p["blob_id"] for f in hits):
                row["blob"] += 1
            for f in hits:
                used.add(id(f))
        else:
            missed.append(p)
    unreachable = [p for p in planted if not p.get("reachable", True)]
    leaked = [p for p in unreachable if p["secret"] in by_secret]
    return rows, used, missed, unreachable, leaked


def attribution(repo: str, findings: list[dict]) -> dict:
    """Checks each finding's (commit, path, blob_id): that commit:path is that blob, and whether
    the commit introduced the blob there (no parent has the same blob at that path)."""
    keyed = {}
    for f in findings:
        c = commit_id(f)
        if c and f.get("path") and f.get("blob_id"):
            keyed[(c, f["path"], f["blob_id"])] = None
    keys = list(keyed)
    res = Counter(checked=len(keys), missing_fields=sum(
        1 for f in findings if not (commit_id(f) and f.get("path") and f.get("blob_id"))))
    if not keys:
        return res
    got = batch_check(repo, [f"{c}:{p}" for c, p, _ in keys])
    commits = sorted({c for c, _, _ in keys})
    parents = {}
    out = git(repo, "rev-list", "--no-walk", "--stdin", "--parents",
              input="".join(c + "\n" for c in commits).encode()).decode().split("\n")
    for line in out:
        if line:
            ids = line.split()
            parents[ids[0]] = ids[1:]
    pnames = [(i, f"{par}:{p}") for i, (c, p, _) in enumerate(keys) for par in parents.get(c, [])]
    pgot = batch_check(repo, [n for _, n in pnames])
    in_parent = set()
    for (i, _), g in zip(pnames, pgot):
        if g is not None and g[1] == keys[i][2]:
            in_parent.add(i)
    for i, ((c, p, b), g) in enumerate(zip(keys, got)):
        if g is None:
            res["path_not_in_commit"] += 1
        elif g[1] != b:
            res["blob_mismatch"] += 1
        else:
            res["consistent"] += 1
            if i not in in_parent:
                res["introducing_commit"] += 1
    return res


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------

def summary(a) -> None:
    times = defaultdict(list)
    own_cpu = 0.0
    with open(os.path.join(a.results, "times.tsv")) as f:
        for line in f:
            label, micros, rss, cpu = line.split()
            times[label].append((int(micros) / 1e6, int(rss), float(cpu)))
            own_cpu += float(cpu)
    load = lambda name: json.load(open(os.path.join(a.results, name)))  # noqa: E731
    report, repo = load("report.json"), load("repo.json")
    small = load("repo-small.json") if os.path.exists(os.path.join(a.results, "repo-small.json")) else None
    report_small = load("report-small.json") if small else None
    planted = []
    if a.planted and os.path.exists(a.planted):
        with open(a.planted) as f:
            planted = [json.loads(l) for l in f if l.strip()]
    st = report["stats"]
    scanned, blobs = st["bytes_scanned"], st["blobs_scanned"]

    def fig(label):
        runs = times.get(label)
        if not runs:
            return None
        walls = [w for w, _, _ in runs]
        return {"n": len(runs), "best": min(walls), "median": statistics.median(walls),
                "rss": max(r for _, r, _ in runs), "cpu": statistics.median(c for _, _, c in runs)}

    out = []
    w = out.append
    reach, stored = repo["reachable"], repo["stored"]
    w(f"## keysweep history scan: {os.path.basename(a.repo.rstrip('/'))}\n")
    w(f"Repository: {a.repo} — {repo['commits']:,} commits, {repo['refs']} refs "
      f"({', '.join(f'{k}: {v}' for k, v in sorted(repo['ref_kinds'].items()))}), "
      f"{reach['blobs']:,} distinct blobs reachable from refs ({reach['bytes'] / MB:.1f} MB), "
      f"{stored['blobs']:,} blobs stored ({stored['bytes'] / MB:.1f} MB), "
      f"{stored['objects']:,} objects in {repo['pack_bytes'] / MB:.1f} MB of packs. MB = 10^6 bytes.\n")

    hz = os.sysconf("SC_CLK_TCK")
    core_seconds = a.all_ticks / hz
    other = max(0.0, a.busy_ticks / hz - own_cpu)
    if core_seconds and other / core_seconds > 0.05:
        w(f"**Warning:** other processes used {other:.1f} of the {core_seconds:.1f} core-seconds "
          f"of the timed runs ({100 * other / core_seconds:.0f}%; load average {a.load}); the "
          "figures are skewed. Run again on a quiet machine.\n")
    else:
        w(f"Other processes used {other:.1f} of {core_seconds:.1f} core-seconds during the timed "
          f"runs (quiet machine; load average {a.load}).\n")

    cols = [("catfile", "git cat-file --batch-all-objects --batch"),
            ("catfile_unordered", "… --unordered"),
            ("revlist", "git rev-list --all --objects"),
            ("keysweep", f"keysweep ({a.nproc} threads)"),
            ("keysweep_t1", "keysweep --threads 1 (+ tree walker)")]
    cols = [(k, name, fig(k)) for k, name, in cols if fig(k)]
    w("| figure | " + " | ".join(name for _, name, _ in cols) + " |")
    w("| --- |" + " --- |" * len(cols))
    w("| runs | " + " | ".join(str(c["n"]) for _, _, c in cols) + " |")
    w("| wall, best (s) | " + " | ".join(f"{c['best']:.2f}" for _, _, c in cols) + " |")
    w("| wall, median (s) | " + " | ".join(f"{c['median']:.2f}" for _, _, c in cols) + " |")
    w("| CPU user+sys, median (s) | " + " | ".join(f"{c['cpu']:.2f}" for _, _, c in cols) + " |")
    w("| blob MB/s, median | " + " | ".join(
        f"{reach['bytes'] / MB / c['median']:.0f}" if k.startswith("catfile")
        else f"{scanned / MB / c['median']:.0f}" if k.startswith("keysweep") else "–"
        for k, _, c in cols) + " |")
    w("| blobs/s, median | " + " | ".join(
        f"{reach['blobs'] / c['median']:,.0f}" if k.startswith("catfile")
        else f"{blobs / c['median']:,.0f}" if k.startswith("keysweep") else "–"
        for k, _, c in cols) + " |")
    w("| peak RSS (MiB) | " + " | ".join(f"{c['rss'] / 1024:.1f}" for _, _, c in cols) + " |")
    figs = {k: c for k, _, c in cols}
    w("")
    if "keysweep" in figs and "catfile" in figs:
        ks, cf = figs["keysweep"], figs["catfile"]
        w(f"keysweep / cat-file wall time: **{ks['median'] / cf['median']:.2f}x** (median), "
          f"{ks['best'] / cf['best']:.2f}x (best)"
          + (f"; / cat-file --unordered: {ks['median'] / figs['catfile_unordered']['median']:.2f}x"
             if "catfile_unordered" in figs else "")
          + (f"; --threads 1 / cat-file: {figs['keysweep_t1']['median'] / cf['median']:.2f}x"
             if "keysweep_t1" in figs else "") + ".")
        w("cat-file inflates every stored object (commits, trees, blobs) on one thread; keysweep "
          "must also walk every commit's tree, and scan the blob bytes.")
    w(f"keysweep's own stats: blobs_scanned {blobs:,}, bytes_scanned {scanned:,} "
      f"({scanned / MB:.1f} MB), skipped {st.get('skipped', '?')}, errors {st.get('errors', '?')}, "
      f"duration_ms {st.get('duration_ms', '?'):,}.\n")

    # Coverage
    w("### Coverage\n")
    ok_blobs = blobs == reach["blobs"]
    w("| figure | keysweep | git | match |")
    w("| --- | --- | --- | --- |")
    w(f"| distinct blobs | {blobs:,} scanned + {st.get('skipped', 0):,} skipped | {reach['blobs']:,} "
      f"reachable from refs ({stored['blobs']:,} stored) | "
      f"{'yes' if ok_blobs else '**no** (' + format(blobs - reach['blobs'], '+,') + ')'} |")
    w(f"| blob bytes | {scanned:,} | {reach['bytes']:,} | "
      f"{'yes' if scanned == reach['bytes'] else '**no** (' + format(scanned - reach['bytes'], '+,') + ')'} |")
    w("\nkeysweep's `skipped` counts submodules (gitlinks, not blobs) and blobs over --max-file-size; "
      "git's count is `git rev-list --all --objects | git cat-file --batch-check`, blobs only "
      "(refs/notes included).")

    # Memory
    if small and report_small:
        ss = report_small["stats"]
        fs = fig("keysweep_small")
        fk = figs.get("keysweep")
        w("\n### Memory against repository size\n")
        w("| repository | commits | reachable blobs | blob MB | keysweep wall (s) | peak RSS (MiB) |")
        w("| --- | --- | --- | --- | --- | --- |")
        w(f"| {os.path.basename(a.small.rstrip('/'))} (first third of the default branch) | "
          f"{small['commits']:,} | {small['reachable']['blobs']:,} | "
          f"{small['reachable']['bytes'] / MB:.1f} | {fs['median']:.2f} | {fs['rss'] / 1024:.1f} |")
        w(f"| full | {repo['commits']:,} | {reach['blobs']:,} | {reach['bytes'] / MB:.1f} | "
          f"{fk['median']:.2f} | {fk['rss'] / 1024:.1f} |")
        db = reach["blobs"] - small["reachable"]["blobs"]
        dc = repo["commits"] - small["commits"]
        drss = (fk["rss"] - fs["rss"]) * 1024
        if db > 0 and dc > 0:
            w(f"\nPeak RSS grows by {drss / 2**20:.1f} MiB for {dc:,} more commits and {db:,} more "
              f"blobs: {drss / db:.0f} bytes per added blob, {drss / dc:.0f} bytes per added commit. "
              f"The smaller repository's scan: {ss['blobs_scanned']:,} blobs, "
              f"{ss['bytes_scanned'] / MB:.1f} MB.")
        if "keysweep_t1" in figs:
            w(f"With --threads 1: {figs['keysweep_t1']['rss'] / 1024:.1f} MiB.")

    # Correctness
    w("\n### Planted secrets found\n")
    findings = report["findings"]
    if planted:
        rows, used, missed, unreachable, leaked = planted_rows(report, planted)
        w("| kind | found (path + secret) / planted | same commit as planted | same blob as planted |")
        w("| --- | --- | --- | --- |")
        tot = Counter()
        for kind in sorted(rows):
            r = rows[kind]
            tot.update(r)
            w(f"| {kind} | {r['found']} / {r['planted']} | {r['commit']} | {r['blob']} |")
        w(f"| **all** | **{tot['found']} / {tot['planted']}** | {tot['commit']} | {tot['blob']} |")
        if missed:
            w("\nMissed: " + "; ".join(f"{p['kind']} in {p['path']} ({p.get('placement')}, branch "
                                        f"{p.get('branch')}, commit {str(p.get('commit'))[:10]})"
                                        for p in missed[:10]) + (" …" if len(missed) > 10 else ""))
        if unreachable:
            w(f"\nSecrets in blobs no ref reaches: {len(unreachable)}; reported: {len(leaked)} "
              f"({'as it should: none' if not leaked else '**these must not be scanned**'}).")
        other = Counter(f["rule_id"] for f in findings if id(f) not in used)
    else:
        w("No manifest of planted secrets (REPO.planted.jsonl): correctness not checked.")
        other = Counter(f["rule_id"] for f in findings)
    w(f"\nFindings in the report: {len(findings):,}; not a planted secret: {sum(other.values()):,}"
      + (" (" + ", ".join(f"{r}: {n}" for r, n in other.most_common(8)) + ")" if other else "")
      + (". The generated repository's files are real source files (crates, Python's standard "
         "library), whose test data holds some real-looking keys." if planted else "."))
    dup = Counter((f.get("blob_id"), f["rule_id"], f["secret"], f.get("line"), f.get("column"))
                  for f in findings)
    dups = sum(n - 1 for n in dup.values() if n > 1)
    at = attribution(a.repo, findings)
    w(f"\nAttribution of each finding (commit, path, blob_id) checked with git: "
      f"{at['consistent']:,} of {at['checked']:,} consistent (commit:path is that blob)"
      + (f", **{at['blob_mismatch']} with another blob at commit:path**" if at["blob_mismatch"] else "")
      + (f", **{at['path_not_in_commit']} whose path is not in the commit**" if at["path_not_in_commit"] else "")
      + (f", **{at['missing_fields']} findings lacking commit, path or blob_id**" if at["missing_fields"] else "")
      + f"; {at['introducing_commit']:,} attributed to a commit that introduced the blob at that path "
      f"(no parent has it there). Same secret reported twice in one blob at one place: {dups}.")

    m = machine()
    w("\n### Machine\n")
    w("| nproc | CPU | RAM | kernel | keysweep | git |")
    w("| --- | --- | --- | --- | --- | --- |")
    w(f"| {m['nproc']} | {m['cpu']} | {m['ram']} | {m['kernel']} | {a.ks_version} | {a.git_version} |")
    w(f"\nCommand: `{a.ks_cmd}` (exit 1 = findings, expected). Timings: wall clock around "
      "`/usr/bin/time -v` (peak RSS), page cache warm, runs alternating.")
    print("\n".join(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("count")
    c.add_argument("repo")
    s = sub.add_parser("summary")
    for opt in ("results", "repo", "ks-cmd", "ks-version", "git-version", "load"):
        s.add_argument("--" + opt, required=True)
    s.add_argument("--planted", default="")
    s.add_argument("--small", default="")
    for opt in ("nproc", "busy-ticks", "all-ticks"):
        s.add_argument("--" + opt, type=int, required=True)
    a = ap.parse_args()
    if a.cmd == "count":
        json.dump(count(a.repo), sys.stdout, indent=1)
        print()
    else:
        summary(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
