#!/usr/bin/env python3
"""Helpers of benches/throughput.sh (Python 3 standard library only).

    bench_report.py keywords PATTERNS_JSON        all prefilter keywords, one a line
    bench_report.py summary --results DIR ...     the Markdown table of a benchmark run

`summary` reads DIR/times.tsv (label, wall microseconds, peak RSS KiB, CPU seconds; one line a run),
DIR/report.json (keysweep's JSON report of the last all-cores run), DIR/patterns.json and the
corpus manifest planted.jsonl, and prints throughput, ratio, correctness and machine figures.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
from collections import Counter, defaultdict

MB = 1_000_000

# Which pattern ids stand for a planted kind (used only to tell "no pattern" from "missed").
KIND_PATTERN_IDS = {
    "scaleway_access_key": r"scaleway.*access",
    "scaleway_secret_key": r"scaleway.*secret",
    "github_classic_token": r"github.*(classic|ghp)|^github[._](pat|token|personal_access_token)$",
    "aws_access_key_id": r"aws.*(access.?key.?id|key.?id|akia|access.?key$)",
    "slack_bot_token": r"slack.*bot",
    "scalr_token": r"scalr",
}


def keywords(patterns_json: str) -> None:
    with open(patterns_json) as f:
        words = {w for p in json.load(f) for w in p.get("keywords") or []}
    # ripgrep reads one literal per line: a keyword holding a line break (netrc's "\nlogin ")
    # is searched by its text without the whitespace, which matches at least as often.
    words = sorted({w.strip() if ("\n" in w or "\r" in w) else w for w in words} - {""})
    sys.stdout.write("".join(w + "\n" for w in words))


def machine() -> dict:
    cpu, mem = "unknown", "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
        with open("/proc/meminfo") as f:
            kib = next(int(l.split()[1]) for l in f if l.startswith("MemTotal"))
            mem = f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram": mem,
            "kernel": platform.release()}


def correctness(report: dict, planted: list[dict], patterns: list[dict]):
    """Per kind: (has a pattern, planted, found, rule ids that found it); and other findings."""
    by_path = defaultdict(list)
    for f in report["findings"]:
        by_path[f["path"]].append(f)
    used = set()
    rows = {}
    for kind in KIND_PATTERN_IDS:
        rows[kind] = {"planted": 0, "found": 0, "rules": Counter(),
                      "pattern": any(re.search(KIND_PATTERN_IDS[kind], p["id"]) for p in patterns)}
    for p in planted:
        row = rows.setdefault(p["kind"], {"planted": 0, "found": 0, "rules": Counter(),
                                          "pattern": False})
        row["planted"] += 1
        # A finding of the same file whose secret is the planted one (or holds it, or is most of it).
        hits = [f for f in by_path.get(p["path"], [])
                if f["secret"] == p["secret"] or p["secret"] in f["secret"]
                or (len(f["secret"]) >= 16 and f["secret"] in p["secret"])]
        if hits:
            row["found"] += 1
            row["pattern"] = True
            for f in hits:
                used.add(id(f))
                row["rules"][f["rule_id"]] += 1
    other = Counter(f["rule_id"] for f in report["findings"] if id(f) not in used)
    return rows, other


def summary(a) -> None:
    times = defaultdict(list)
    own_cpu = 0.0
    with open(os.path.join(a.results, "times.tsv")) as f:
        for line in f:
            label, micros, rss, cpu = line.split()
            times[label].append((int(micros) / 1e6, int(rss)))
            own_cpu += float(cpu)
    with open(os.path.join(a.results, "report.json")) as f:
        report = json.load(f)
    with open(os.path.join(a.results, "patterns.json")) as f:
        patterns = json.load(f)
    with open(a.planted) as f:
        planted = [json.loads(l) for l in f if l.strip()]
    scanned = report["stats"]["bytes_scanned"]

    def fig(label):
        runs = times.get(label)
        if not runs:
            return None
        walls = [w for w, _ in runs]
        return {"n": len(runs), "best": min(walls), "median": statistics.median(walls),
                "rss": max(r for _, r in runs)}

    cols = [("keysweep", f"keysweep ({a.nproc} threads)"), ("ripgrep", f"ripgrep ({a.nproc} threads)"),
            ("keysweep_t1", "keysweep --threads 1"), ("ripgrep_j1", "ripgrep -j1")]
    cols = [(k, name, fig(k)) for k, name in cols if fig(k)]
    out = []
    w = out.append
    w(f"## keysweep throughput: {a.size_mb} MB corpus\n")
    w(f"Corpus: {a.tree} — {report['stats']['blobs_scanned']} files scanned by keysweep "
      f"({a.rg_files} listed by rg), {scanned:,} bytes scanned ({scanned / MB:.1f} MB; "
      f"{a.tree_bytes:,} bytes on disk), {len(planted)} secrets planted. MB = 10^6 bytes.\n")
    if scanned != a.tree_bytes or report["stats"]["blobs_scanned"] != a.rg_files:
        w("**Warning:** keysweep and ripgrep did not read the same files; compare with care.\n")
    # Machine CPU time during the timed runs that was not theirs: other processes competing.
    hz = os.sysconf("SC_CLK_TCK")
    core_seconds = a.all_ticks / hz
    other = max(0.0, a.busy_ticks / hz - own_cpu)
    if core_seconds and other / core_seconds > 0.05:
        w(f"**Warning:** other processes used {other:.1f} of the {core_seconds:.1f} core-seconds "
          f"of the timed runs ({100 * other / core_seconds:.0f}%); the figures are skewed. "
          "Run again on a quiet machine.\n")
    else:
        w(f"Other processes used {other:.1f} of {core_seconds:.1f} core-seconds during the timed "
          "runs (quiet machine).\n")
    w("| figure | " + " | ".join(name for _, name, _ in cols) + " |")
    w("| --- |" + " --- |" * len(cols))
    w("| runs | " + " | ".join(str(c["n"]) for _, _, c in cols) + " |")
    w("| wall, best (s) | " + " | ".join(f"{c['best']:.3f}" for _, _, c in cols) + " |")
    w("| wall, median (s) | " + " | ".join(f"{c['median']:.3f}" for _, _, c in cols) + " |")
    w("| MB/s, best | " + " | ".join(f"{scanned / MB / c['best']:.0f}" for _, _, c in cols) + " |")
    w("| MB/s, median | " + " | ".join(f"{scanned / MB / c['median']:.0f}" for _, _, c in cols) + " |")
    w("| peak RSS (MiB) | " + " | ".join(f"{c['rss'] / 1024:.1f}" for _, _, c in cols) + " |")
    figs = {k: c for k, _, c in cols}
    if "keysweep" in figs and "ripgrep" in figs:
        ks, rg = figs["keysweep"], figs["ripgrep"]
        w(f"\nkeysweep / ripgrep wall time: **{ks['median'] / rg['median']:.2f}x** (median), "
          f"{ks['best'] / rg['best']:.2f}x (best).")
    if "keysweep_t1" in figs and "ripgrep_j1" in figs:
        w(f"Single thread: {figs['keysweep_t1']['median'] / figs['ripgrep_j1']['median']:.2f}x.")
    w("\nCommands:\n")
    w(f"- keysweep: `{a.ks_cmd}` (exit 1 = findings, expected)")
    w(f"- ripgrep: `{a.rg_cmd}` with {a.keywords} keywords in kw.txt from "
      "`keysweep patterns list --format json`")

    rows, other = correctness(report, planted, patterns)
    w("\n### Planted secrets found (same path and secret)\n")
    w("| kind | found / planted | rules |")
    w("| --- | --- | --- |")
    for kind, row in rows.items():
        if not row["pattern"]:
            w(f"| {kind} | no pattern ({row['planted']} planted) | |")
        else:
            rules = ", ".join(f"{r} ({n})" for r, n in sorted(row["rules"].items()))
            w(f"| {kind} | {row['found']} / {row['planted']} | {rules} |")
    total = len(report["findings"])
    w(f"\nFindings in the report: {total}; not a planted secret: {sum(other.values())}"
      + (" (" + ", ".join(f"{r}: {n}" for r, n in sorted(other.items())) + ")" if other else "")
      + ". The corpus holds near-misses (placeholders, AWS's documented example key, JWTs of "
      "other issuers, Scaleway project ids); a finding among them is a false positive.")

    m = machine()
    w("\n### Machine\n")
    w("| nproc | CPU | RAM | kernel | keysweep | ripgrep |")
    w("| --- | --- | --- | --- | --- | --- |")
    w(f"| {m['nproc']} | {m['cpu']} | {m['ram']} | {m['kernel']} | {a.ks_version} | {a.rg_version} |")
    print("\n".join(out))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keywords")
    k.add_argument("patterns_json")
    s = sub.add_parser("summary")
    for opt in ("results", "planted", "tree", "ks-cmd", "rg-cmd", "ks-version", "rg-version",
                "size-mb"):
        s.add_argument("--" + opt, required=True)
    for opt in ("tree-bytes", "rg-files", "keywords", "nproc", "busy-ticks", "all-ticks"):
        s.add_argument("--" + opt, type=int, required=True)
    a = ap.parse_args()
    if a.cmd == "keywords":
        keywords(a.patterns_json)
    else:
        summary(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
