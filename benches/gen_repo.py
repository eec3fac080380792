#!/usr/bin/env python3
"""Generate a large, realistic git repository for keysweep's history benchmark.

    python3 benches/gen_repo.py OUT [--commits 30000] [--seed 1] [--target-mb MB] [--source DIR]...

writes the repository OUT (a normal clone-like repository: one pack, `main` checked out) and,
beside it, OUT.planted.jsonl (the planted secrets, one JSON object a line) and OUT.stats.json.

File contents are real source text found on this machine (by default the crates under
~/.cargo/registry/src and Python's standard library), imported into a simulated project history
with `git fast-import`:

- files are added (single files and whole folders), edited line by line (tokens renamed, numbers
  changed, lines inserted from other real files of the same type, lines deleted) so that each
  file has many distinct blob versions, renamed (files and whole folders), copied, deleted,
  chmod +x'ed and reverted; a few symlinks, binary files and a submodule (gitlink) too;
- feature branches fork from main, get a few commits and are merged back (pull-request merge
  commits, some fast-forwards, some squash merges whose branch commits then become unreachable),
  main is sometimes merged into a feature branch, some branches are abandoned (their ref kept)
  and a few deleted but archived under an annotated tag;
- releases are tagged on main (annotated or lightweight), with release branches getting
  backports and patch-release tags; a few git notes (refs/notes/commits);
- six authors (one with two e-mail addresses, one bot) in their own time zones, PR merges
  committed by GitHub, realistic commit messages.

Fake secrets made at run time (Scaleway access + secret key pairs, GitHub classic tokens, AWS
access key ids) are planted in about one commit in 750: in new config files or as lines inserted
into existing files, on main, feature or release branches; most are removed again later (the
file deleted or the line removed), a few stay. OUT.planted.jsonl has, for each secret: commit
(the commit that introduced it), path, kind, secret, blob_id (the blob that commit added), branch,
placement, removed_in (commit or null) and reachable. One more secret is written as a loose
unreachable blob (reachable: false): a scan of everything reachable from refs must not report it.

The unique blob bytes are steered towards --target-mb (default 20 MB per 1000 commits).
Output depends only on the arguments and on the source files found (sorted), not on timing.
Python 3.11 standard library and the git command only.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in benches/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_corpus import github_classic, rand_str, uuid4, UPPER_DIGITS  # noqa: E402

GENERATOR_VERSION = 1  # bump when the output for given arguments changes
MB = 1_000_000
MAX_POOL_FILE = 1_000_000
SAFE_PATH = re.compile(r"^[A-Za-z0-9._/+@-]+$")
BINARY_EXT = {".a", ".so", ".o", ".whl", ".tar", ".gz", ".xz", ".bz2", ".zip", ".pyc", ".exe",
              ".dll", ".lib", ".zst", ".lzma", ".tgz", ".jar"}
SMALL_BINARY_EXT = {".png", ".gif", ".ico", ".wav", ".au", ".aiff", ".bmp", ".jpg", ".ppm",
                    ".pgm", ".xbm", ".tiff", ".pck", ".mo"}
START = 1496311200  # 2017-06-01 10:00 UTC
SPAN = 7 * 365 * 86400

# name, e-mails, time zones (winter, summer), weight of direct commits
AUTHORS = [
    ("Alice Martin", ["alice@keysweep.example.com", "alice.martin@gmail.example"], (60, 120), 30),
    ("Bogdan Ionescu", ["bogdan.ionescu@keysweep.example.com"], (120, 180), 22),
    ("Chen Wei", ["wei.chen@corp.example.net"], (480, 480), 18),
    ("Dana Whitfield", ["dana@users.noreply.github.example"], (-480, -420), 15),
    ("Emeka Obi", ["emeka@obi.example.org"], (60, 60), 10),
    ("dependabot[bot]", ["49699333+dependabot[bot]@users.noreply.github.example"], (0, 0), 5),
]
GITHUB = ("GitHub", "noreply@github.example", 0)
HANDLES = ["amartin", "bionescu", "chenwei", "dwhitfield", "eobi", "dependabot"]


def git_blob_id(data: bytes) -> str:
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# Source pool: real files of this machine, mapped to paths of the simulated project
# ---------------------------------------------------------------------------------------------

def default_sources() -> list[str]:
    out = sorted(glob.glob(os.path.expanduser("~/.cargo/registry/src/*/")))
    py = sorted(glob.glob("/root/.pyenv/versions/3.11.*/lib/python3.11")) or \
        sorted(glob.glob(f"/usr/lib/python3.{sys.version_info.minor}"))
    if not py:
        import sysconfig
        py = [sysconfig.get_paths()["stdlib"]]
    return out + py[-1:]


def project_path(src: str, rel: str) -> str:
    """Where a file of a source folder goes in the project."""
    if "/registry/src/" in src:
        crate, _, rest = rel.partition("/")
        m = re.match(r"^(.*?)-(\d+\.\d+\.\d+.*)$", crate)
        return f"crates/{m.group(1) if m else crate}/{rest}"
    return f"python/lib/{rel}"


class Pool:
    def __init__(self, sources: list[str]):
        self.text: list[tuple[str, str, int]] = []  # (abs path, project path, size)
        self.binary: list[tuple[str, str, int]] = []
        seen: set[str] = set()
        for src in sources:
            src = src.rstrip("/")
            for dirpath, dirnames, filenames in os.walk(src):
                dirnames[:] = sorted(d for d in dirnames if d not in (
                    "__pycache__", "site-packages", ".git", "lib-dynload", "dist-packages")
                    and not d.startswith("config-"))
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    rel = os.path.relpath(full, src)
                    # git reads .gitattributes and .gitmodules: real ones would change checkouts
                    if name.startswith(".cargo") or name in (".gitattributes", ".gitmodules") \
                            or not SAFE_PATH.match(rel):
                        continue
                    if os.path.islink(full) or not os.path.isfile(full):
                        continue
                    ext = os.path.splitext(name)[1].lower()
                    size = os.path.getsize(full)
                    if ext in BINARY_EXT or size == 0 and ext != ".py" or size > MAX_POOL_FILE:
                        continue
                    p = project_path(src, rel)
                    if p in seen:
                        continue
                    seen.add(p)
                    (self.binary if ext in SMALL_BINARY_EXT else self.text).append((full, p, size))
        self.binary = [b for b in self.binary if b[2] <= 65536]
        self.by_ext: dict[str, list[int]] = {}
        self.groups: dict[str, list[int]] = {}
        for i, (_, p, _) in enumerate(self.text):
            self.by_ext.setdefault(ext_of(p), []).append(i)
            self.groups.setdefault(os.path.dirname(p), []).append(i)
        self.group_names = list(self.groups)
        self.used = [False] * len(self.text)
        self.bytes = sum(s for _, _, s in self.text)

    def read(self, i: int) -> bytes:
        with open(self.text[i][0], "rb") as f:
            return f.read()

    def is_text(self, data: bytes) -> bool:
        return b"\0" not in data[:65536]


def ext_of(path: str) -> str:
    return os.path.splitext(path)[1].lower()


# ---------------------------------------------------------------------------------------------
# Edits of real text
# ---------------------------------------------------------------------------------------------

TOKEN = re.compile(rb"[A-Za-z_][A-Za-z0-9_]{2,}")
NUMBER = re.compile(rb"\b\d+\b")
SUFFIXES = [b"_v2", b"_new", b"_inner", b"_impl", b"2", b"_opt", b"_checked", b"_raw", b"Ext"]
PREFIXES = [b"new_", b"raw_", b"try_", b"is_", b"old_", b"maybe_", b"cached_"]


def comment_prefix(path: str) -> bytes:
    e = ext_of(path)
    if e in (".rs", ".c", ".h", ".js", ".ts", ".go", ".java", ".cpp", ".cc"):
        return b"// "
    if e in (".md", ".rst", ".txt", ".html"):
        return b""
    return b"# "


class Editor:
    def __init__(self, r: random.Random, pool: Pool):
        self.r = r
        self.pool = pool

    def donor_lines(self, path: str) -> list[bytes]:
        r = self.pool
        same = r.by_ext.get(ext_of(path)) or r.by_ext.get(".py") or list(range(len(r.text)))
        for _ in range(4):
            i = self.r.choice(same)
            if self.pool.text[i][2] <= 300_000:
                data = self.pool.read(i)
                if self.pool.is_text(data):
                    return data.split(b"\n")
        return [b""]

    def edit(self, path: str, data: bytes, birth: int) -> tuple[bytes, list[str]]:
        """A line-level change of `data`: returns the new data and some identifiers it touched."""
        r = self.r
        lines = data.split(b"\n")
        words: list[str] = []
        hunks = 1 + min(int(r.expovariate(0.9)), 6)
        for _ in range(hunks):
            n = len(lines)
            p = r.randrange(n)
            x = r.random()
            grow = len(data) < 2 * max(birth, 2000)
            if n < 3 or x < 0.45:  # modify 1-3 lines
                for q in range(p, min(n, p + r.randint(1, 3))):
                    lines[q], w = self.modify_line(lines[q], lines)
                    words += w
            elif x < 0.80 and grow or n < 8:  # insert real lines of a file of the same type
                donor = self.donor_lines(path)
                k = r.randint(1, 18)
                s = r.randrange(max(1, len(donor) - k))
                chunk = donor[s:s + k]
                if r.random() < 0.25 and p > 4:  # or a copy-paste of nearby lines, adapted
                    chunk = [self.modify_line(l, lines)[0] for l in lines[max(0, p - k):p]]
                lines[p:p] = chunk
                for l in chunk[:3]:
                    words += [t.decode() for t in TOKEN.findall(l)[:1]]
            else:  # delete lines
                k = min(n - 1, r.randint(1, 10))
                for l in lines[p:p + 1]:
                    words += [t.decode() for t in TOKEN.findall(l)[:1]]
                del lines[p:p + k]
        out = b"\n".join(lines)
        if out == data:
            out = data + comment_prefix(path) + b"TODO: revisit\n"
        return out, words

    def modify_line(self, line: bytes, lines: list[bytes]) -> tuple[bytes, list[str]]:
        r = self.r
        toks = list(TOKEN.finditer(line))
        if toks and r.random() < 0.7:
            m = r.choice(toks)
            old = m.group(0)
            x = r.random()
            if x < 0.45:  # another identifier of the same file
                other = lines[r.randrange(len(lines))]
                cand = TOKEN.findall(other)
                new = r.choice(cand) if cand else old + r.choice(SUFFIXES)
            elif x < 0.75:
                new = old + r.choice(SUFFIXES)
            else:
                new = r.choice(PREFIXES) + old
            return line[:m.start()] + new + line[m.end():], [old.decode(), new.decode()]
        nums = list(NUMBER.finditer(line))
        if nums and r.random() < 0.6:
            m = r.choice(nums)
            new = str(r.randrange(0, 4096)).encode()
            return line[:m.start()] + new + line[m.end():], []
        if not line.strip():  # a blank line: one more, or none
            return (line + b"\n" if r.random() < 0.5 else line.strip()), []
        if line != line.rstrip() and r.random() < 0.5:
            return line.rstrip(), []  # trailing whitespace removed
        return line + b"  " + b"TODO: " + (toks[0].group(0) if toks else b"check this"), []


# ---------------------------------------------------------------------------------------------
# fast-import stream
# ---------------------------------------------------------------------------------------------

class Entry(tuple):
    """(mode, blob id or gitlink id, data, mark): one path of a tree."""
    __slots__ = ()
    mode = property(lambda s: s[0])
    sha = property(lambda s: s[1])
    data = property(lambda s: s[2])
    mark = property(lambda s: s[3])

    def key(self) -> tuple[str, str]:
        return (self[0], self[1])


def same(a: Entry | None, b: Entry | None) -> bool:
    if a is None or b is None:
        return a is b
    return a[0] == b[0] and a[1] == b[1]


class Stream:
    def __init__(self, out):
        self.out = out
        self.next_mark = 1
        self.blob_marks: dict[str, int] = {}
        self.unique_bytes = 0
        self.commits = 0
        self.commit_marks: list[int] = []

    def mark(self) -> int:
        m = self.next_mark
        self.next_mark += 1
        return m

    def blob(self, data: bytes) -> Entry:
        sha = git_blob_id(data)
        m = self.blob_marks.get(sha)
        if m is None:
            m = self.mark()
            self.blob_marks[sha] = m
            self.unique_bytes += len(data)
            self.out.write(b"blob\nmark :%d\ndata %d\n" % (m, len(data)))
            self.out.write(data)
            self.out.write(b"\n")
        return Entry(("100644", sha, data, m))

    def data(self, text: str) -> bytes:
        b = text.encode()
        return b"data %d\n" % len(b) + b + b"\n"

    def commit(self, ref: str, author: tuple, committer: tuple, when: int, msg: str,
               parent: int | None, merge: list[int], changes: dict[str, Entry | None]) -> int:
        m = self.mark()
        w = self.out.write
        w(f"commit {ref}\nmark :{m}\n".encode())
        w(f"author {author[0]} <{author[1]}> {when} {tz(author[2])}\n".encode())
        w(f"committer {committer[0]} <{committer[1]}> {when} {tz(committer[2])}\n".encode())
        w(self.data(msg))
        if parent is not None:
            w(b"from :%d\n" % parent)
        for p in merge:
            w(b"merge :%d\n" % p)
        for path in sorted(changes):
            e = changes[path]
            if e is None:
                w(f"D {path}\n".encode())
            elif e.mode == "160000":
                w(f"M 160000 {e.sha} {path}\n".encode())
            else:
                w(f"M {e.mode} :{e.mark} {path}\n".encode())
        w(b"\n")
        self.commits += 1
        self.commit_marks.append(m)
        return m


def tz(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}{minutes % 60:02d}"


# ---------------------------------------------------------------------------------------------
# Branches
# ---------------------------------------------------------------------------------------------

class Branch:
    def __init__(self, name: str, tree: dict[str, Entry], head: int | None, kind: str):
        self.name = name
        self.ref = "refs/heads/" + name
        self.tree = tree
        self.paths = list(tree)
        self.pos = {p: i for i, p in enumerate(self.paths)}
        self.head = head
        self.kind = kind  # main, feature, release
        self.pending: dict[str, Entry | None] = {}
        # feature branches
        self.base: dict[str, Entry] = {}
        self.log_pos = 0
        self.touched: dict[str, None] = {}
        self.remaining = 0
        self.author = 0
        self.title = ""
        self.has_plant = False
        self.commits = 0

    def set(self, path: str, e: Entry) -> None:
        if path not in self.tree:
            self.pos[path] = len(self.paths)
            self.paths.append(path)
        self.tree[path] = e
        self.pending[path] = e

    def delete(self, path: str) -> None:
        if path not in self.tree:
            return
        del self.tree[path]
        i = self.pos.pop(path)
        last = self.paths.pop()
        if i < len(self.paths):
            self.paths[i] = last
            self.pos[last] = i
        self.pending[path] = None


# ---------------------------------------------------------------------------------------------
# The simulation
# ---------------------------------------------------------------------------------------------

# Files only their own actions change (releases, dependabot, the submodule).
MANAGED = {"VERSION", "CHANGELOG.md", "requirements.txt", ".gitmodules"}

WORDS = ("parser cache config loader client server worker queue index scanner token buffer "
         "reader writer codec stream pool router handler registry schema cli docs ci build "
         "release deps tests bench logging metrics retry timeout unicode windows macos").split()


class Sim:
    def __init__(self, a, pool: Pool, stream: Stream):
        self.a = a
        self.r = random.Random(a.seed)
        self.pool = pool
        self.s = stream
        self.ed = Editor(random.Random(a.seed * 7919 + 1), pool)
        self.n = a.commits
        self.target = int(a.target_mb * MB)
        self.slot = 0
        self.clock = START
        self.tier: dict[str, int] = {}
        self.birth: dict[str, int] = {}
        self.used_paths: set[str] = set()
        self.main = Branch("main", {}, None, "main")
        self.main_log: list[str] = []
        self.features: list[Branch] = []
        self.releases: list[Branch] = []
        self.finished: list[tuple[str, str]] = []  # (ref, fate): merged/squashed refs to delete
        self.archive_tags: list[tuple[str, int]] = []
        self.pinned: dict[str, int] = {}
        self.plants: list[dict] = []
        self.pending_removals: list[dict] = []
        self.plant_slots: list[int] = []
        self.version = [0, 1, 0]
        self.releases_done = 0
        self.changelog: list[str] = []
        self.subjects_since_release: list[str] = []
        self.pr = 1
        self.last_main_change: tuple[int, dict[str, Entry | None], dict[str, Entry | None]] | None = None
        self.notes_targets: list[int] = []
        self.tags: list[str] = []

    # --- helpers -----------------------------------------------------------------------------
    def tick(self) -> int:
        self.clock += max(30, int(self.r.expovariate(self.n / SPAN)))
        return self.clock

    def person(self, i: int, when: int) -> tuple:
        name, emails, (winter, summer), _ = AUTHORS[i]
        month = time.gmtime(when).tm_mon
        off = summer if 4 <= month <= 10 else winter
        email = emails[0] if len(emails) == 1 or self.r.random() < 0.8 else emails[1]
        return (name, email, off)

    def pick_author(self, humans_only: bool = True) -> int:
        n = len(AUTHORS) - (1 if humans_only else 0)
        return self.r.choices(range(n), [a[3] for a in AUTHORS[:n]])[0]

    def ahead(self) -> float:
        """Unique blob bytes written beyond the steered schedule (negative: behind)."""
        return self.s.unique_bytes - self.target * (self.slot + 1) / self.n

    def per_commit(self) -> float:
        return self.target / self.n

    def new_tier(self, path: str) -> None:
        x = self.r.random()
        self.tier[path] = 100 if x < 0.02 else 25 if x < 0.10 else 5 if x < 0.30 else 1

    def unique_path(self, path: str) -> str:
        base, ext = os.path.splitext(path)
        k = 2
        while path in self.used_paths:
            path = f"{base}_{k}{ext}"
            k += 1
        return path

    def add_entry(self, b: Branch, path: str, data: bytes, mode: str = "100644") -> None:
        e = self.s.blob(data)
        if mode != "100644":
            e = Entry((mode, e.sha, e.data, e.mark))
        self.used_paths.add(path)
        if path not in self.tier:
            self.new_tier(path)
            self.birth[path] = len(data)
        b.set(path, e)

    def commit(self, b: Branch, author: int, msg: str, merge: list[int] | None = None,
               committer: tuple | None = None) -> int:
        when = self.tick()
        who = self.person(author, when)
        cm = committer or who
        if b.kind == "main":
            self.main_log.extend(b.pending)
            self.last_main_change = None
        if b.kind == "feature":
            for p in b.pending:
                b.touched[p] = None
        changes = b.pending
        b.pending = {}
        self.last_msg = msg
        ref = b.ref
        b.head = self.s.commit(ref, who, cm, when, msg, b.head, merge or [], changes)
        b.commits += 1
        self.slot += 1
        return b.head

    def pick_path(self, b: Branch, max_size: float = float("inf"), text: bool = True,
                  tries: int = 400) -> str | None:
        if not b.paths:
            return None
        r = self.r
        for _ in range(tries):
            p = b.paths[r.randrange(len(b.paths))]
            if r.random() * 100 >= self.tier.get(p, 1):
                continue
            e = b.tree[p]
            if p in self.pinned or p in MANAGED or e.mode in ("120000", "160000") or len(e.data) > max_size:
                continue
            if text and b"\0" in e.data[:8192]:
                continue
            return p
        return None

    def module(self, path: str) -> str:
        stem = os.path.splitext(os.path.basename(path))[0]
        if stem in ("mod", "lib", "__init__", "main", "index"):
            stem = os.path.basename(os.path.dirname(path)) or stem
        return stem

    # --- messages ----------------------------------------------------------------------------
    def edit_message(self, paths: list[str], words: list[str], b: Branch) -> str:
        r = self.r
        mod = self.module(paths[0])
        w = [x for x in words if len(x) > 3] or [mod]
        ident = r.choice(w)
        x = r.random()
        subjects = [
            f"Fix {ident} handling in {mod}", f"{mod}: handle empty {ident}",
            f"Refactor {mod}", f"Clean up {mod}", f"Simplify {ident}",
            f"Avoid panic when {ident} is missing", f"Improve error message for {ident}",
            f"Make {ident} faster", f"Document {ident}", f"Update {mod} tests",
            f"{mod}: rename {w[0]} to {w[-1]}", f"Fix typo in {mod}", f"Tidy up {mod}",
            f"Support {ident} in {mod}", f"Use {ident} instead of {w[0]}",
            f"{mod}: fix off-by-one in {ident}", f"Remove dead code in {mod}",
        ]
        if x < 0.04:
            subj = r.choice(["wip", "fix", "fixup", "typo", "Address review comments", "more",
                             "cargo fmt", "black", "Fix CI", "lint"])
        else:
            subj = r.choice(subjects)
        body = ""
        if r.random() < 0.35:
            body = "\n\n" + self.body_text(paths[0], b)
        if r.random() < 0.15:
            body += f"\n\nFixes #{r.randint(1, max(2, self.pr + 40))}"
        return subj + body + "\n"

    def body_text(self, path: str, b: Branch) -> str:
        """A sentence or two from the comments of the changed file."""
        e = b.tree.get(path)
        if e is None:
            return "See the discussion in the issue."
        lines = [l.strip().lstrip(b"#/* ").strip() for l in e.data.split(b"\n")
                 if l.strip().startswith((b"#", b"//", b"*")) and len(l.strip()) > 30]
        if not lines:
            return "No functional change."
        k = self.r.randrange(len(lines))
        text = b" ".join(lines[k:k + self.r.randint(1, 3)]).decode("utf-8", "replace")
        return text[:300]

    # --- actions on a branch ------------------------------------------------------------------
    def act_edit(self, b: Branch, author: int) -> bool:
        r = self.r
        ahead = self.ahead()
        # Behind the byte schedule: any file; ahead: small files only.
        limit = float("inf") if ahead < 0 else self.per_commit() / 2
        nfiles = 1 + min(int(r.expovariate(1.0)), 6)
        paths, words = [], []
        for _ in range(nfiles):
            p = self.pick_path(b, limit)
            if p is None or p in paths:
                continue
            data, w = self.ed.edit(p, b.tree[p].data, self.birth.get(p, 1000))
            e = b.tree[p]
            self.add_entry(b, p, data, e.mode)
            paths.append(p)
            words += w
        if not paths:
            return False
        self.commit(b, author, self.edit_message(paths, words, b))
        return True

    def take_group(self, max_files: int) -> list[int]:
        r = self.r
        for _ in range(50):
            g = r.choice(self.pool.group_names)
            free = [i for i in self.pool.groups[g] if not self.pool.used[i]]
            if free:
                if len(free) > max_files:
                    s = r.randrange(len(free) - max_files + 1)
                    free = free[s:s + max_files]
                return free
        return []

    def add_pool_files(self, b: Branch, idx: list[int]) -> list[str]:
        out = []
        for i in idx:
            self.pool.used[i] = True
            data = self.pool.read(i)
            if not self.pool.is_text(data):
                continue
            path = self.unique_path(self.pool.text[i][1])
            mode = "100755" if data.startswith(b"#!") else "100644"
            self.add_entry(b, path, data, mode)
            out.append(path)
        return out

    def act_add(self, b: Branch, author: int, big: bool = False) -> bool:
        r = self.r
        n = r.randint(20, 150) if big else 1 + min(int(r.expovariate(0.5)), 9)
        added = self.add_pool_files(b, self.take_group(n))
        if r.random() < 0.02 and self.pool.binary:
            full, p, _ = r.choice(self.pool.binary)
            with open(full, "rb") as f:
                p = self.unique_path(p)
                self.add_entry(b, p, f.read())
                added.append(p)
        if not added:
            return False
        mod = self.module(added[0])
        top = os.path.dirname(added[0])
        if big:
            msg = r.choice([f"Import {top} from upstream", f"Vendor {top}",
                            f"Add {os.path.basename(top)} ({len(added)} files)"])
        elif len(added) == 1:
            msg = r.choice([f"Add {mod}", f"Add {os.path.basename(added[0])}",
                            f"New module: {mod}", f"Add tests for {mod}"])
        else:
            msg = r.choice([f"Add {os.path.basename(top)}", f"Start {os.path.basename(top)}",
                            f"Add {mod} and friends"])
        self.commit(b, author, msg + "\n")
        return True

    def act_delete(self, b: Branch, author: int) -> bool:
        p = self.pick_path(b, text=False)
        if p is None:
            return False
        paths = [p]
        d = os.path.dirname(p)
        if self.r.random() < 0.2:  # a few siblings too
            paths += [q for q in b.paths if os.path.dirname(q) == d and q not in self.pinned][:5]
        for q in dict.fromkeys(paths):
            b.delete(q)
        self.commit(b, author, self.r.choice([f"Remove unused {self.module(p)}",
                                              f"Drop {os.path.basename(p)}",
                                              f"Delete dead {self.module(p)} code"]) + "\n")
        return True

    def act_rename(self, b: Branch, author: int, copy: bool = False) -> bool:
        r = self.r
        p = self.pick_path(b, text=False)
        if p is None:
            return False
        d, name = os.path.split(p)
        stem, ext = os.path.splitext(name)
        x = r.random()
        if x < 0.4:
            new = f"{d}/{stem}_{r.choice(WORDS)}{ext}"
        elif x < 0.7:
            new = f"{os.path.dirname(d) or d}/{r.choice(WORDS)}/{name}"
        else:
            new = f"{d}/{r.choice(WORDS)}{ext}"
        new = self.unique_path(new.lstrip("/"))
        e = b.tree[p]
        data = e.data
        if r.random() < 0.4 and b"\0" not in data[:8192]:  # renamed with a small change
            data, _ = self.ed.edit(p, data, self.birth.get(p, 1000))
        self.add_entry(b, new, data, e.mode)
        self.tier[new] = self.tier.get(p, 1)
        self.birth[new] = self.birth.get(p, len(data))
        if not copy:
            b.delete(p)
            msg = r.choice([f"Move {self.module(p)} to {os.path.dirname(new)}",
                            f"Rename {name} to {os.path.basename(new)}",
                            f"{self.module(p)}: rename module"])
        else:
            msg = r.choice([f"Copy {name} as a starting point for {os.path.basename(new)}",
                            f"Duplicate {self.module(p)} for {r.choice(WORDS)}"])
        self.commit(b, author, msg + "\n")
        return True

    def act_rename_dir(self, b: Branch, author: int) -> bool:
        p = self.pick_path(b, text=False)
        if p is None:
            return False
        d = os.path.dirname(p)
        files = [q for q in b.paths if q.startswith(d + "/")]
        if not d or len(files) > 60 or any(q in self.pinned for q in files):
            return False
        new_d = self.unique_path(os.path.join(os.path.dirname(d), self.r.choice(WORDS) + "_"
                                              + os.path.basename(d)))
        for q in sorted(files):
            e = b.tree[q]
            nq = new_d + q[len(d):]
            self.used_paths.add(nq)
            self.tier[nq] = self.tier.get(q, 1)
            self.birth[nq] = self.birth.get(q, len(e.data))
            b.delete(q)
            b.set(nq, e)
        self.used_paths.add(new_d)
        self.commit(b, author, f"Move {d}/ to {new_d}/\n")
        return True

    def act_bulk(self, b: Branch, author: int) -> bool:
        """A tree-wide mechanical change: one line in many files (a header, a lint fix)."""
        r = self.r
        n = r.randint(15, 60)
        header = r.choice([b"SPDX-License-Identifier: Apache-2.0", b"Copyright the project authors",
                           b"noqa", b"Generated code is checked in; see CONTRIBUTING"])
        done = []
        for _ in range(n):
            p = self.pick_path(b, self.per_commit() * 3)
            if p is None or p in done:
                continue
            data = b.tree[p].data
            if header in data[:200]:
                data = data.replace(comment_prefix(p) + header + b"\n", b"", 1)
            else:
                data = comment_prefix(p) + header + b"\n" + data
            self.add_entry(b, p, data, b.tree[p].mode)
            done.append(p)
        if not done:
            return False
        self.commit(b, author, r.choice([f"Add license headers ({len(done)} files)",
                                         "Apply formatter to the whole tree",
                                         f"Tree-wide: {header.decode()}"]) + "\n")
        return True

    def act_revert(self, b: Branch, author: int) -> bool:
        lc = self.last_main_change
        if lc is None:
            return False
        subject, before, after = lc
        if any(not same(b.tree.get(p), after[p]) or p in self.pinned for p in after):
            return False
        for p, e in before.items():
            if e is None:
                b.delete(p)
            else:
                b.set(p, e)
        self.commit(b, author, f'Revert "{subject}"\n\nThis reverts the previous change.\n')
        return True

    def act_chmod(self, b: Branch, author: int) -> bool:
        p = self.pick_path(b)
        if p is None:
            return False
        e = b.tree[p]
        b.set(p, Entry(("100644" if e.mode == "100755" else "100755", e.sha, e.data, e.mark)))
        self.commit(b, author, f"Make {os.path.basename(p)} {'non-' if e.mode == '100755' else ''}executable\n")
        return True

    def act_symlink(self, b: Branch, author: int) -> bool:
        p = self.pick_path(b, text=False)
        if p is None:
            return False
        d = os.path.dirname(p)
        link = self.unique_path(f"{d}/{self.r.choice(WORDS)}_link{ext_of(p)}" if d else "link")
        self.add_entry(b, link, os.path.basename(p).encode(), "120000")
        self.commit(b, author, f"Add {os.path.basename(link)} as a symlink to {os.path.basename(p)}\n")
        return True

    def act_submodule(self, b: Branch, author: int, update: bool) -> bool:
        sha = hashlib.sha1(b"submodule %d" % self.slot).hexdigest()
        if not update:
            self.add_entry(b, ".gitmodules",
                           b'[submodule "third_party/libyaml"]\n\tpath = third_party/libyaml\n'
                           b"\turl = https://github.example/yaml/libyaml.git\n")
            msg = "Add libyaml as a submodule\n"
        else:
            if "third_party/libyaml" not in b.tree:
                return False
            msg = "Update libyaml\n"
        b.set("third_party/libyaml", Entry(("160000", sha, b"", 0)))
        self.used_paths.add("third_party/libyaml")
        self.commit(b, author, msg)
        return True

    def act_deps(self, b: Branch) -> bool:
        """dependabot: bump one line of requirements.txt."""
        r = self.r
        e = b.tree.get("requirements.txt")
        if e is None:
            return False
        lines = e.data.decode().splitlines()
        i = r.randrange(len(lines))
        name, _, ver = lines[i].partition("==")
        if not re.fullmatch(r"\d+\.\d+\.\d+", ver):
            return False
        parts = [int(x) for x in ver.split(".")]
        parts[2] += 1
        if r.random() < 0.2:
            parts[1] += 1
            parts[2] = 0
        new = ".".join(map(str, parts))
        lines[i] = f"{name}=={new}"
        self.add_entry(b, "requirements.txt", ("\n".join(lines) + "\n").encode())
        self.commit(b, 5, f"Bump {name} from {ver} to {new}\n\nBumps {name} from {ver} to {new}.\n\n"
                          f"Signed-off-by: dependabot[bot] <support@github.example>\n")
        return True

    # --- main, features, releases --------------------------------------------------------------
    def main_commit(self) -> None:
        b, r = self.main, self.r
        author = self.pick_author()
        behind = self.ahead() < 0
        actions = [  # (weight, action)
            (9.0, lambda: self.act_add(b, author)),
            (0.15, lambda: self.act_add(b, author, big=True)),
            (2.0, lambda: self.act_delete(b, author)),
            (2.5, lambda: self.act_rename(b, author)),
            (0.7, lambda: self.act_rename(b, author, copy=True)),
            (0.12, lambda: self.act_rename_dir(b, author)),
            (0.3 if behind else 0.0, lambda: self.act_bulk(b, author)),
            (0.5, lambda: self.act_revert(b, author)),
            (0.2, lambda: self.act_chmod(b, author)),
            (0.12, lambda: self.act_symlink(b, author)),
            (0.06, lambda: self.act_submodule(b, author, update=True)),
            (1.2, lambda: self.act_deps(b)),
            (80.0, lambda: self.snapshot_edit(b, author)),
        ]
        weights = [w for w, _ in actions]
        for attempt in range(100):
            act = r.choices(actions, weights)[0][1] if attempt < 50 else actions[-1][1]
            if act():
                return
        raise RuntimeError("no main commit could be made")

    def snapshot_edit(self, b: Branch, author: int) -> bool:
        """An edit on main, remembered so that the next main commit can revert it."""
        tree_before = {}
        head_before = b.head
        # Edits touch few paths: remember their entries before.
        orig_set = b.set

        def set_and_remember(path, e, _orig=orig_set):
            if path not in tree_before:
                tree_before[path] = b.tree.get(path)
            _orig(path, e)
        b.set = set_and_remember
        try:
            ok = self.act_edit(b, author)
        finally:
            del b.set
        if ok and b.head != head_before:
            after = {p: b.tree.get(p) for p in tree_before}
            subject = self.last_msg.split("\n", 1)[0]
            self.last_main_change = (subject, tree_before, after)
        return ok

    def open_feature(self) -> None:
        r = self.r
        author = self.pick_author()
        words = [self.module(p) for p in r.sample(self.main.paths, 2)] if len(self.main.paths) > 2 \
            else ["init", "setup"]
        kind = r.choice(["feature", "feature", "fix", HANDLES[author]])
        name = f"{kind}/{words[0].lower()}-{words[1].lower()}"[:60]
        name = re.sub(r"[^a-z0-9/_-]", "-", name.lower())
        while any(name == f.name for f in self.features) or ("refs/heads/" + name) in self.refs_taken:
            name += "-" + str(r.randint(2, 99))
        self.refs_taken.add("refs/heads/" + name)
        f = Branch(name, dict(self.main.tree), self.main.head, "feature")
        f.paths = list(self.main.paths)
        f.pos = dict(self.main.pos)
        f.base = dict(self.main.tree)
        f.log_pos = len(self.main_log)
        f.fork_head = self.main.head
        f.remaining = 1 + min(int(r.expovariate(0.28)), 25)
        f.author = author
        f.title = r.choice([f"Add {words[0]} support", f"Fix {words[0]} with {words[1]}",
                            f"Rework {words[0]}", f"Speed up {words[0]}", f"{words[0]}: {words[1]}"])
        self.features.append(f)

    def feature_commit(self, f: Branch) -> None:
        r = self.r
        if f.remaining > 0:
            x = r.random()
            ok = False
            if x < 0.12:
                ok = self.act_add(f, f.author)
            elif x < 0.15:
                ok = self.act_delete(f, f.author)
            elif x < 0.17:
                ok = self.act_rename(f, f.author)
            elif x < 0.19 and f.commits > 0:
                ok = self.sync_feature(f)
            if not ok:
                ok = self.act_edit(f, f.author) or self.act_add(f, f.author)
            f.remaining -= 1
            return
        self.finish_feature(f)

    def sync_feature(self, f: Branch) -> bool:
        """Merge main into the feature branch."""
        main = self.main
        changed = dict.fromkeys(self.main_log[f.log_pos:])
        if not changed:
            return False
        for p in changed:
            b, o, t = f.base.get(p), f.tree.get(p), main.tree.get(p)
            if same(t, b) or same(o, t):
                continue
            if same(o, b) or p in self.pinned:
                if t is None:
                    f.delete(p)
                else:
                    f.set(p, t)
            # else: conflict, resolved by keeping the feature's version
        f.base = dict(main.tree)
        f.log_pos = len(self.main_log)
        f.fork_head = main.head
        pending = f.pending
        for p in pending:
            f.touched[p] = None
        f.pending = {}
        when = self.tick()
        who = self.person(f.author, when)
        f.head = self.s.commit(f.ref, who, who, when, f"Merge branch 'main' into {f.name}\n",
                               f.head, [main.head], pending)
        f.commits += 1
        self.slot += 1
        return True

    def merge_into_main(self, f: Branch, squash: bool) -> None:
        main, r = self.main, self.r
        for p in sorted(f.touched):
            b, o, t = f.base.get(p), main.tree.get(p), f.tree.get(p)
            if same(t, b) or same(o, t):
                continue
            if same(o, b):
                if t is None:
                    main.delete(p)
                else:
                    main.set(p, t)
            elif o is not None and p not in self.pinned and b"\0" not in o.data[:8192]:
                # conflict: keep main's version, with a small hand-made resolution
                data, _ = self.ed.edit(p, o.data, self.birth.get(p, 1000))
                self.add_entry(main, p, data, o.mode)
        self.pr += r.randint(1, 4)
        if squash:
            msg = f"{f.title} (#{self.pr})\n\n" + "".join(
                f"* {s}\n" for s in r.sample(["Initial version", "Address review comments",
                                               "Fix tests", "Update docs", "Simplify"], 3))
            self.commit(main, f.author, msg)
        else:
            gh = r.random() < 0.8
            msg = (f"Merge pull request #{self.pr} from {HANDLES[f.author]}/{f.name}\n\n{f.title}\n"
                   if gh else f"Merge branch '{f.name}'\n")
            when = self.tick()
            who = self.person(self.pick_author(), when)
            committer = GITHUB if gh else who
            self.main_log.extend(main.pending)
            changes = main.pending
            main.pending = {}
            main.head = self.s.commit(main.ref, who, committer, when, msg, main.head, [f.head], changes)
            main.commits += 1
            self.slot += 1
            self.last_main_change = None
        self.subjects_since_release.append(f.title)

    def finish_feature(self, f: Branch) -> None:
        r = self.r
        self.features.remove(f)
        x = r.random()
        if f.has_plant and x < 0.3 or not f.has_plant and x < 0.06:
            if r.random() < 0.3:  # deleted, but archived under a tag
                self.archive_tags.append((f"archive/{f.name.replace('/', '-')}", f.head))
                self.finished.append((f.ref, "archived"))
            else:
                self.finished.append((f.ref, "abandoned"))  # ref kept
            self.move_plants(f, None)
            return
        if self.main.head == f.fork_head and not f.has_plant and f.commits and r.random() < 0.7:
            # main did not move: a fast-forward
            self.main.tree = f.tree
            self.main.paths, self.main.pos = f.paths, f.pos
            self.main_log.extend(f.touched)
            self.main.head = f.head
            self.finished.append((f.ref, "merged"))
            return
        squash = not f.has_plant and r.random() < 0.12
        self.merge_into_main(f, squash)
        self.finished.append((f.ref, "squashed" if squash else "merged"))
        self.move_plants(f, self.main)

    def move_plants(self, f: Branch, to: Branch | None) -> None:
        for rem in self.pending_removals:
            if rem["branch"] is f:
                rem["branch"] = to
        if to is None:
            for rem in [x for x in self.pending_removals if x["branch"] is None]:
                for p in rem["paths"]:
                    self.pinned.pop(p, None)
            self.pending_removals = [x for x in self.pending_removals if x["branch"] is not None]

    def release(self) -> None:
        """Release from main: VERSION and CHANGELOG.md, a tag, sometimes a release branch."""
        main, r = self.main, self.r
        v = self.version
        v[1] += 1
        if v[1] >= 20:
            v[0] += 1
            v[1] = 0
        branch = self.releases_done % 3 == 0
        ver = ".".join(map(str, v))
        date = time.strftime("%Y-%m-%d", time.gmtime(self.clock))
        items = self.subjects_since_release[-12:] or ["Maintenance"]
        self.changelog.insert(0, f"## {ver} ({date})\n\n" + "".join(f"- {s}\n" for s in items))
        self.subjects_since_release = []
        self.add_entry(main, "VERSION", f"{ver}\n".encode())
        self.add_entry(main, "CHANGELOG.md",
                       ("# Changelog\n\n" + "\n".join(self.changelog)).encode())
        head = self.commit(main, 0, f"Release {ver}\n")
        tag = f"v{ver}"
        self.tag(tag, head, annotated=r.random() < 0.7, msg=f"Release {ver}\n")
        self.releases_done += 1
        if branch:
            rb = Branch(f"release/{v[0]}.{v[1]}", dict(main.tree), head, "release")
            rb.paths, rb.pos = list(main.paths), dict(main.pos)
            rb.title = f"{v[0]}.{v[1]}"
            rb.version = list(v)
            self.releases.append(rb)
            self.refs_taken.add(rb.ref)

    def tag(self, name: str, mark: int, annotated: bool, msg: str) -> None:
        w = self.s.out.write
        if annotated:
            who = self.person(0, self.clock)
            w(f"tag {name}\nfrom :{mark}\ntagger {who[0]} <{who[1]}> {self.clock} {tz(who[2])}\n".encode())
            w(self.s.data(msg))
        else:
            w(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())
        self.tags.append(name)

    def release_commit(self, rb: Branch) -> None:
        r = self.r
        author = self.pick_author()
        # a backport: main's current version of a file main changed lately, or a fresh fix
        recent = [p for p in self.main_log[-300:] if p in rb.tree and p in self.main.tree
                  and p not in self.pinned and not same(rb.tree[p], self.main.tree[p])]
        if recent and r.random() < 0.5:
            p = r.choice(recent)
            rb.set(p, self.main.tree[p])
            self.commit(rb, author, f"Backport: {self.module(p)} fix from main\n\n"
                                    f"(cherry picked from commit {hashlib.sha1(p.encode()).hexdigest()})\n")
        elif not self.act_edit(rb, author):
            return
        if r.random() < 0.15:
            rb.version[2] += 1
            ver = ".".join(map(str, rb.version))
            self.add_entry(rb, "VERSION", f"{ver}\n".encode())
            head = self.commit(rb, 0, f"Release {ver}\n")
            self.tag(f"v{ver}", head, annotated=r.random() < 0.5, msg=f"Release {ver} (patch)\n")

    # --- secrets -------------------------------------------------------------------------------
    def make_secrets(self) -> list[tuple[str, str]]:
        r = self.r
        x = r.random()
        if x < 0.4:
            return [("scaleway_access_key", "SCW" + rand_str(r, UPPER_DIGITS, 17)),
                    ("scaleway_secret_key", uuid4(r))]
        if x < 0.7:
            return [("github_classic_token", github_classic(r))]
        return [("aws_access_key_id", "AKIA" + rand_str(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))]

    def render(self, path: str, secrets: list[tuple[str, str]]) -> list[bytes]:
        e = ext_of(path)
        out = []
        for kind, s in secrets:
            name = {"scaleway_access_key": "SCW_ACCESS_KEY", "scaleway_secret_key": "SCW_SECRET_KEY",
                    "github_classic_token": "GITHUB_TOKEN", "aws_access_key_id": "AWS_ACCESS_KEY_ID"}[kind]
            if e == ".py":
                out.append(f'os.environ.setdefault("{name}", "{s}")  # TODO: remove before merging')
            elif e == ".rs":
                out.append(f'const {name}: &str = "{s}";')
            elif e in (".c", ".h"):
                out.append(f'#define {name} "{s}"')
            elif e in (".md", ".rst", ".txt", ".sh", ".env", ""):
                out.append(f"export {name}={s}")
            elif e in (".yml", ".yaml"):
                out.append(f"  {name.lower()}: {s}")
            elif e == ".json":
                out.append(f'  "{name}": "{s}",')
            else:
                out.append(f'{name.lower()} = "{s}"')
        return [l.encode() for l in out]

    def plant(self) -> None:
        r = self.r
        opts = [(self.main, 6)] + [(f, 3) for f in self.features if f.remaining > 0] + \
            [(rb, 1) for rb in self.releases[-2:]]
        b = r.choices([o[0] for o in opts], [o[1] for o in opts])[0]
        author = b.author if b.kind == "feature" else self.pick_author()
        secrets = self.make_secrets()
        if r.random() < 0.4:
            path = self.unique_path(r.choice([
                ".env", "config/production.env", "deploy/scaleway/terraform.tfvars",
                "scripts/deploy.sh", "ci/secrets.yml", "tools/upload_release.py",
                "docker/.env.local", "config/settings.json", "deploy/credentials.toml"]))
            lines = [b"# Deployment settings", b"REGION=fr-par"] if ext_of(path) not in (
                ".py", ".json", ".yml") else [b"# Deployment settings"]
            if ext_of(path) == ".json":
                lines = [b"{"] + self.render(path, secrets) + [b'  "region": "fr-par"', b"}"]
            elif ext_of(path) == ".yml":
                lines = [b"deploy:", b"  region: fr-par"] + self.render(path, secrets)
            else:
                lines += self.render(path, secrets)
            if ext_of(path) == ".py":
                lines.insert(0, b"import os")
            self.add_entry(b, path, b"\n".join(lines) + b"\n")
            placement = "new_file"
            inserted = []
            msg = r.choice([f"Add {os.path.basename(path)}", "Add deployment config",
                            "deploy: first version", "CI: publish releases"])
        else:
            path = self.pick_path(b, 300_000)
            if path is None:
                return
            data = b.tree[path].data
            lines = data.split(b"\n")
            inserted = self.render(path, secrets)
            if any(k == "scaleway_secret_key" for k, _ in secrets) and ext_of(path) not in (".py", ".rs"):
                inserted.insert(0, comment_prefix(path) + b"scaleway credentials (fr-par)")
            at = r.randrange(len(lines))
            lines[at:at] = inserted
            self.add_entry(b, path, b"\n".join(lines), b.tree[path].mode)
            placement = "line"
            msg = r.choice([f"{self.module(path)}: quick test against the real API",
                            f"Debug {self.module(path)}", f"Fix {self.module(path)} upload",
                            "wip"])
        e = b.tree[path]
        head = self.commit(b, author, msg + "\n")
        if b.kind == "feature":
            b.has_plant = True
        self.pinned[path] = self.pinned.get(path, 0) + 1
        rows = []
        for kind, s in secrets:
            row = {"commit_mark": head, "path": path, "kind": kind, "secret": s,
                   "blob_id": e.sha, "branch": b.name, "placement": placement,
                   "removed_in_mark": None, "reachable": True}
            self.plants.append(row)
            rows.append(row)
        if r.random() < 0.8:  # removed later
            delay = int(r.expovariate(1 / max(20, self.n / 150)))
            self.pending_removals.append({"branch": b, "due": self.slot + delay, "paths": [path],
                                          "rows": rows, "inserted": inserted,
                                          "placement": placement})

    def remove_due(self) -> bool:
        for rem in self.pending_removals:
            b = rem["branch"]
            if rem["due"] <= self.slot and (b is self.main or b in self.features or b in self.releases):
                self.pending_removals.remove(rem)
                path = rem["paths"][0]
                self.pinned[path] -= 1
                if not self.pinned[path]:
                    del self.pinned[path]
                e = b.tree.get(path)
                if e is None:
                    return False
                if rem["placement"] == "new_file" and self.r.random() < 0.7:
                    b.delete(path)
                    msg = self.r.choice(["Remove credentials from the repository",
                                         f"Delete {os.path.basename(path)}", "Clean up deploy config"])
                else:
                    secrets = [row["secret"].encode() for row in rem["rows"]]
                    lines = [l for l in e.data.split(b"\n") if not any(s in l for s in secrets)]
                    self.add_entry(b, path, b"\n".join(lines), e.mode)
                    msg = self.r.choice(["Don't hardcode credentials", "Read the token from the environment",
                                         f"{self.module(path)}: remove debug code", "Address review comments"])
                author = b.author if b.kind == "feature" else self.pick_author()
                head = self.commit(b, author, msg + "\n")
                for row in rem["rows"]:
                    row["removed_in_mark"] = head
                return True
        return False

    # --- the whole history -----------------------------------------------------------------------
    def initial(self) -> None:
        b, r = self.main, self.r
        self.refs_taken = {"refs/heads/main"}
        readme = [i for i, t in enumerate(self.pool.text) if t[1].endswith("/README.md")]
        readme_data = self.pool.read(r.choice(readme)) if readme else b"# Project\n"
        self.add_entry(b, "README.md", readme_data)
        self.add_entry(b, ".gitignore", b"/target\n__pycache__/\n*.pyc\n.env\n.venv/\n")
        self.add_entry(b, "VERSION", b"0.1.0\n")
        reqs = ["requests==2.19.1", "pyyaml==3.13.0", "click==6.7.0", "attrs==18.1.0",
                "urllib3==1.23.0", "idna==2.7.0", "certifi==2018.4.16", "six==1.11.0"]
        self.add_entry(b, "requirements.txt", ("\n".join(reqs) + "\n").encode())
        ci = (b"name: CI\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
              b"    steps:\n      - uses: actions/checkout@v4\n      - run: cargo test --workspace\n"
              b"      - run: python -m pytest python\n")
        self.add_entry(b, ".github/workflows/ci.yml", ci)
        for _ in range(6):
            self.add_pool_files(b, self.take_group(40))
        self.commit(b, 0, "Initial commit\n")
        self.act_submodule(b, 1, update=False)

    def run(self) -> None:
        r = self.r
        self.initial()
        n_plants = max(6, self.n // 750)
        lo, hi = self.n // 20, self.n - self.n // 20
        self.plant_slots = sorted(r.sample(range(lo, hi), n_plants))
        release_every = max(50, self.n // 60)
        next_release = release_every
        next_plant = 0
        while self.slot < self.n:
            if next_plant < len(self.plant_slots) and self.slot >= self.plant_slots[next_plant]:
                next_plant += 1
                self.plant()
                continue
            if self.remove_due():
                continue
            if self.slot >= next_release:
                next_release += int(release_every * r.uniform(0.5, 1.5))
                self.release()
                continue
            if len(self.features) < 4 and r.random() < 0.09:
                self.open_feature()
            x = r.random()
            active = self.releases[-2:]
            if active and x < 0.03:
                self.release_commit(r.choice(active))
            elif self.features and x < 0.5:
                self.feature_commit(r.choice(self.features))
            else:
                self.main_commit()
            if r.random() < 0.0008:
                self.notes_targets.append(self.main.head)
        # close what is open: features stay as they are (open pull requests)
        for f in self.features:
            self.finished.append((f.ref, "open"))
        self.finish_notes()

    def finish_notes(self) -> None:
        w = self.s.out.write
        prev = None
        for i, target in enumerate(self.notes_targets):
            when = START + SPAN + 3600 * (i + 1)
            m = self.s.mark()
            w(f"commit refs/notes/commits\nmark :{m}\n".encode())
            w(f"committer Dana Whitfield <dana@users.noreply.github.example> {when} -0700\n".encode())
            w(self.s.data("Notes added by 'git notes add'\n"))
            if prev:
                w(b"from :%d\n" % prev)
            note = f"Reviewed-by: {AUTHORS[i % 5][0]}\nCI: build #{1000 + i} passed\n"
            w(f"N inline :{target}\n".encode())
            w(self.s.data(note))
            w(b"\n")
            prev = m
        for name, mark in self.archive_tags:
            who = self.person(1, self.clock)
            w(f"tag {name}\nfrom :{mark}\ntagger {who[0]} <{who[1]}> {self.clock} {tz(who[2])}\n".encode())
            w(self.s.data("Archived: the branch was deleted\n"))


def run_git(repo: str, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], input=input, check=True,
                          stdout=subprocess.PIPE).stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="the repository to create (replaced if it exists)")
    ap.add_argument("--commits", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--target-mb", type=float, default=None,
                    help="unique blob bytes to aim for, MB (default: 20 per 1000 commits)")
    ap.add_argument("--source", action="append", default=None,
                    help="folder of real files to take contents from (repeatable; default: "
                         "~/.cargo/registry/src/* and Python's standard library)")
    ap.add_argument("--no-checkout", action="store_true", help="leave the work tree empty")
    a = ap.parse_args()
    if a.target_mb is None:
        a.target_mb = 20 * a.commits / 1000
    t0 = time.time()
    sources = a.source or default_sources()
    pool = Pool(sources)
    if len(pool.text) < 200:
        print(f"gen_repo: only {len(pool.text)} source files found in {sources}", file=sys.stderr)
        return 2
    print(f"gen_repo: {len(pool.text)} source files ({pool.bytes / MB:.0f} MB) from "
          f"{len(sources)} folders", file=sys.stderr)

    out = os.path.abspath(a.out)
    if os.path.exists(out):
        shutil.rmtree(out)
    subprocess.run(["git", "init", "-q", "-b", "main", out], check=True)
    run_git(out, "config", "gc.auto", "0")
    marks = out + ".marks"
    fi = subprocess.Popen(["git", "-C", out, "fast-import", "--quiet", "--done",
                           f"--export-marks={marks}"], stdin=subprocess.PIPE, bufsize=1 << 20)
    stream = Stream(fi.stdin)
    sim = Sim(a, pool, stream)
    sim.run()
    fi.stdin.write(b"done\n")
    fi.stdin.close()
    if fi.wait() != 0:
        print("gen_repo: git fast-import failed", file=sys.stderr)
        return 1
    t1 = time.time()
    print(f"gen_repo: fast-import done in {t1 - t0:.0f} s: {stream.commits} commits, "
          f"{len(stream.blob_marks)} blobs, {stream.unique_bytes / MB:.0f} MB", file=sys.stderr)

    sha_of = {}
    with open(marks) as f:
        for line in f:
            m, sha = line.split()
            sha_of[int(m[1:])] = sha
    os.remove(marks)

    # Refs of branches merged or squashed are deleted, as after a pull request.
    fates: dict[str, int] = {}
    cmds = []
    for ref, fate in sim.finished:
        fates[fate] = fates.get(fate, 0) + 1
        if fate in ("merged", "squashed", "archived"):
            cmds.append(f"delete {ref}\n")
    run_git(out, "update-ref", "--stdin", input="".join(cmds).encode())
    run_git(out, "repack", "-a", "-d", "-f", "-q")
    run_git(out, "prune", "--expire=now")

    # One more secret in an unreachable loose blob: a scan of what refs reach must not see it.
    r = random.Random(a.seed * 31 + 7)
    token = github_classic(r)
    stray = f"# a blob no ref reaches\nexport GITHUB_TOKEN={token}\n".encode()
    stray_id = run_git(out, "hash-object", "-w", "--stdin", input=stray).decode().strip()
    if not a.no_checkout:
        run_git(out, "reset", "-q", "--hard", "main")

    with open(out + ".planted.jsonl", "w") as f:
        for row in sim.plants:
            row = dict(row)
            row["commit"] = sha_of[row.pop("commit_mark")]
            rm = row.pop("removed_in_mark")
            row["removed_in"] = sha_of[rm] if rm else None
            f.write(json.dumps(row) + "\n")
        f.write(json.dumps({"commit": None, "path": None, "kind": "github_classic_token",
                            "secret": token, "blob_id": stray_id, "branch": None,
                            "placement": "unreachable_blob", "removed_in": None,
                            "reachable": False}) + "\n")
    stats = {"generator_version": GENERATOR_VERSION, "commits": a.commits, "seed": a.seed,
             "target_mb": a.target_mb, "commits_written": stream.commits,
             "blobs_written": len(stream.blob_marks), "unique_blob_bytes": stream.unique_bytes,
             "branches": fates, "tags": len(sim.tags) + len(sim.archive_tags),
             "notes": len(sim.notes_targets), "planted": len(sim.plants),
             "source_files": len(pool.text), "source_bytes": pool.bytes,
             "seconds": round(time.time() - t0, 1)}
    with open(out + ".stats.json", "w") as f:
        json.dump(stats, f, indent=1)
    print(f"gen_repo: {out}: {json.dumps(stats)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
