#!/usr/bin/env python3
"""Generate a deterministic, source-like corpus for keysweep's throughput benchmark.

    python3 benches/gen_corpus.py OUT [--size-mb 256] [--seed 1] [--secret-every-mb 2] [--jobs N]

writes OUT/tree/ (the folder to scan) and OUT/planted.jsonl (one {"path", "kind", "secret"} a
line; paths relative to OUT/tree, as keysweep reports them) outside the scanned folder.

The tree looks like a monorepo: Python, JS/TS, Rust, Go, YAML, JSON, .env, Markdown, lock files
(hex hashes, base64 integrity strings, UUIDs) and minified JS, in files of ~1 KB to ~2 MB plus a
few of 3-10 MB. It also holds near-misses (placeholders, documented example keys, JWTs of other
issuers, Scaleway project ids) that wake the prefilter without being secrets. Secrets of each
kind in KINDS are planted at about one per --secret-every-mb, always between delimiters.

Output depends only on the arguments (not on --jobs): every file has its own seed.
Sizes are in MB of 10**6 bytes. Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import base64
import bisect
import json
import math
import multiprocessing
import os
import random
import shutil
import string
import sys
import uuid
import zlib

MB = 1_000_000
GENERATOR_VERSION = 1  # bump when the output for given arguments changes

# ---------------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------------

UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64URL = string.ascii_letters + string.digits + "-_"
JWT_HS256_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # {"alg":"HS256","typ":"JWT"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uuid4(r: random.Random) -> str:
    return str(uuid.UUID(bytes=r.randbytes(16), version=4))


def rand_str(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choices(alphabet, k=n))


def github_classic(r: random.Random) -> str:
    # 30 random base62 characters + CRC32 of them in 6 base62 digits, as GitHub issues them, so a
    # pattern that checks the checksum accepts these too.
    body = rand_str(r, ALNUM, 30)
    crc = zlib.crc32(body.encode())
    digits = ""
    while crc:
        crc, d = divmod(crc, 62)
        digits = BASE62[d] + digits
    return "ghp_" + body + digits.rjust(6, "0")


def scalr_token(r: random.Random) -> str:
    # Scalr API tokens are HS256 JWTs issued as {"iss":"scalr:<subject type>","jti":"at-<id>"};
    # the payload is base64url without padding, the signature 43 base64url characters.
    subject = r.choice(["user", "user", "service-account"])
    jti = "at-" + rand_str(r, string.ascii_lowercase + string.digits, 17)
    payload = json.dumps({"iss": f"scalr:{subject}", "jti": jti}, separators=(",", ":"))
    return f"{JWT_HS256_HEADER}.{b64url(payload.encode())}.{rand_str(r, B64URL, 43)}"


# kind -> (make the secret, variable names it is typically assigned to)
KINDS = {
    "scaleway_access_key": (lambda r: "SCW" + rand_str(r, UPPER_DIGITS, 17),
                            ["SCW_ACCESS_KEY", "scw_access_key", "accessKey", "access_key"]),
    "scaleway_secret_key": (uuid4, ["SCW_SECRET_KEY"]),
    "github_classic_token": (github_classic,
                             ["GITHUB_TOKEN", "GH_TOKEN", "github_token", "githubToken", "token"]),
    "aws_access_key_id": (lambda r: "AKIA" + rand_str(r, string.ascii_uppercase + "234567", 16),
                          ["AWS_ACCESS_KEY_ID", "aws_access_key_id", "accessKeyId", "access_key"]),
    "slack_bot_token": (lambda r: "xoxb-%d-%d-%s" % (r.randrange(10**9, 10**13),
                                                     r.randrange(10**9, 10**13),
                                                     rand_str(r, ALNUM, 24)),
                        ["SLACK_BOT_TOKEN", "slack_token", "slackToken", "bot_token"]),
    "scalr_token": (scalr_token, ["SCALR_TOKEN", "scalr_token", "scalrToken", "token"]),
}

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

WORDS = """
account action active adapter address admin agent alert alias allow api app archive args array
asset async audit auth backend backup balance base batch bearer binary bind block body bool bucket
buffer build bundle byte cache call callback cancel capacity cart cert channel check child chunk
claim client close cluster code column commit config conn connect consumer container content
context cookie copy count counter create cursor customer data database date debug decode default
delete delta deploy depth device diff digest dir dispatch doc domain draft driver dump edge email
encode engine entry env error event expire export factory feature fetch field file filter flag
flush format frame gateway global graph group handle handler hash header health helper host hook
id image import index info init input instance item job key kind label layer layout lease level
limit line link list listen load local lock log lookup loop manager map mark match max member
merge message meta method metric min mode model module monitor mount name node notify object
offset option order origin output owner packet page param parent parse partition patch path
payload peer pending plan plugin policy pool port post prefix price primary probe process
profile project provider proxy publish query queue quota range rate reader record redirect
region registry release remote render replica report request reset resolve resource response
result retry role root route row rule runner runtime sample scale schema scope score secret
section segment select sender server service session setting shard shell signal size slot
snapshot socket source span spec stage state status step storage store stream string subject
summary sync table tag target task tenant test text thread ticket timer token topic trace
tracker transform tree trigger type unit update upload user util value vendor version view
volume watch webhook window worker writer zone
""".split()

ENGLISH = """
the a an of to in for on with by from at as is are be this that it not or and we should
must can will may when if then only each every all some none before after while because so
returns handles creates updates removes checks keeps uses makes sure avoid retry later again
first last next previous current new old empty missing invalid valid default custom internal
public private temporary legacy deprecated experimental slow fast safe unsafe
""".split()

PKGS = ["lodash", "react", "express", "axios", "chalk", "debug", "semver", "uuid", "yargs",
        "commander", "webpack", "babel-core", "typescript", "eslint", "jest", "mocha", "rxjs",
        "tslib", "moment", "dayjs", "zod", "vite", "rollup", "esbuild", "prettier", "glob",
        "minimist", "ws", "ajv", "qs", "cookie", "body-parser", "mime-types", "picomatch"]
CRATES = ["serde", "serde_json", "tokio", "anyhow", "thiserror", "clap", "regex", "rand",
          "bytes", "futures", "hyper", "tracing", "log", "libc", "syn", "quote", "proc-macro2",
          "memchr", "aho-corasick", "once_cell", "itertools", "chrono", "url", "base64", "sha2"]
GOMODS = ["github.com/spf13/cobra", "github.com/stretchr/testify", "golang.org/x/net",
          "golang.org/x/sys", "google.golang.org/grpc", "github.com/google/uuid",
          "go.uber.org/zap", "github.com/prometheus/client_golang", "gopkg.in/yaml.v3",
          "github.com/gorilla/mux", "github.com/pkg/errors", "k8s.io/client-go"]
PYMODS = ["os", "sys", "json", "logging", "typing", "dataclasses", "pathlib", "re", "time",
          "datetime", "collections", "itertools", "functools", "asyncio", "subprocess",
          "requests", "numpy", "pandas", "sqlalchemy", "pydantic", "fastapi", "click"]


class Text:
    """Random source-like fragments from one seeded generator."""

    def __init__(self, r: random.Random):
        self.r = r

    def word(self) -> str:
        return self.r.choice(WORDS)

    def snake(self, lo: int = 1, hi: int = 3) -> str:
        return "_".join(self.r.choices(WORDS, k=self.r.randint(lo, hi)))

    def camel(self, lo: int = 1, hi: int = 3) -> str:
        w = self.r.choices(WORDS, k=self.r.randint(lo, hi))
        return w[0] + "".join(x.capitalize() for x in w[1:])

    def pascal(self, lo: int = 1, hi: int = 3) -> str:
        return "".join(x.capitalize() for x in self.r.choices(WORDS, k=self.r.randint(lo, hi)))

    def const(self) -> str:
        return self.snake(2, 3).upper()

    def sentence(self, lo: int = 4, hi: int = 14) -> str:
        r = self.r
        words = r.choices(ENGLISH + WORDS, k=r.randint(lo, hi))
        s = " ".join(words).capitalize()
        if r.random() < 0.03:
            s += r.choice([" (voir la configuration générée)", " — see the note above",
                           " 注意: 再試行", " ✓"])
        return s + r.choice([".", ".", ".", ":", ""])

    def number(self) -> str:
        r = self.r
        x = r.random()
        if x < 0.5:
            return str(r.randrange(0, 100))
        if x < 0.8:
            return str(r.randrange(100, 10**6))
        if x < 0.9:
            return f"{r.random() * 1000:.{r.randint(1, 4)}f}"
        return hex(r.randrange(0, 2**32))

    def hexstr(self, nbytes: int) -> str:
        return self.r.randbytes(nbytes).hex()

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.r.randbytes(nbytes)).decode()

    def version(self) -> str:
        r = self.r
        return f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 40)}"

    def string_value(self) -> str:
        """The inside of a string literal."""
        r = self.r
        x = r.random()
        if x < 0.35:
            return self.sentence(2, 8)
        if x < 0.55:
            return self.snake()
        if x < 0.65:
            return f"/{self.word()}/{self.word()}/{{{self.word()}_id}}"
        if x < 0.72:
            return f"https://{self.word()}.example.com/{self.word()}/{self.word()}"
        if x < 0.8:
            return self.hexstr(r.choice([16, 20, 32]))
        if x < 0.86:
            return uuid4(r)
        if x < 0.9:
            return self.b64(r.choice([12, 24, 48]))
        return f"{self.word()}.{self.word()}"

    def decoy(self) -> str:
        """Text that wakes the prefilter of some pattern without being a secret."""
        r = self.r
        return r.choice([
            lambda: f"SCW_DEFAULT_PROJECT_ID={uuid4(r)}",
            lambda: f"SCW_DEFAULT_ORGANIZATION_ID={uuid4(r)}",
            lambda: "SCW_DEFAULT_REGION=fr-par",
            lambda: "scw instance server list zone=fr-par-1 -o json",
            lambda: "SCW_ACCESS_KEY=SCWXXXXXXXXXXXXXXXXX",
            lambda: "SCW_SECRET_KEY=xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            lambda: "scaleway_object_bucket = " + self.snake(),
            lambda: "SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY')",
            lambda: "secret_key: ${" + self.const() + "}",
            lambda: "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
            lambda: "GITHUB_TOKEN=ghp_your_token_here",
            lambda: "SLACK_BOT_TOKEN=xoxb-your-bot-token",
            lambda: "token=" + JWT_HS256_HEADER + "." + b64url(json.dumps(
                {"sub": uuid4(r), "iat": r.randrange(1_500_000_000, 1_800_000_000)}).encode())
                + "." + rand_str(r, B64URL, 43),
            lambda: "X-Auth-Token: " + self.hexstr(16),
        ])()


# ---------------------------------------------------------------------------------------------
# Styles: each writes blocks of text; `secret` renders a planted secret in that style.
# ---------------------------------------------------------------------------------------------


class Style:
    ext = ".txt"
    comment = "#"

    def __init__(self, t: Text):
        self.t = t
        self.r = t.r

    def header(self) -> str:
        return ""

    def block(self) -> str:
        raise NotImplementedError

    def secret(self, kind: str, value: str) -> str:
        name = self.r.choice(KINDS[kind][1])
        if kind == "scaleway_secret_key":
            return f"{self.comment} export SCW_SECRET_KEY={value}\n"
        return f'{name} = "{value}"\n'

    def decoy(self) -> str:
        return f"{self.comment} {self.t.decoy()}\n"


class Python(Style):
    ext = ".py"

    def header(self) -> str:
        t, r = self.t, self.r
        lines = [f'"""{t.sentence()}\n\n{t.sentence(8, 20)}\n"""\n']
        for m in r.sample(PYMODS, r.randint(2, 7)):
            lines.append(f"import {m}\n")
        for _ in range(r.randint(0, 4)):
            lines.append(f"from {t.snake(1, 1)}.{t.snake(1, 2)} import {t.pascal()}, {t.snake()}\n")
        lines.append(f"\nlogger = logging.getLogger(__name__)\n{t.const()} = {t.number()}\n\n")
        return "".join(lines)

    def body(self, indent: str) -> str:
        t, r = self.t, self.r
        out = []
        for _ in range(r.randint(2, 9)):
            x = r.random()
            if x < 0.2:
                out.append(f"{indent}# {t.sentence()}\n")
            elif x < 0.45:
                out.append(f"{indent}{t.snake()} = self.{t.snake()}({t.snake()}, "
                           f'"{t.string_value()}")\n')
            elif x < 0.6:
                out.append(f"{indent}if {t.snake()} is None:\n{indent}    raise "
                           f'{t.pascal()}Error(f"{t.sentence(2, 6)} {{{t.snake(1, 1)}!r}}")\n')
            elif x < 0.72:
                out.append(f"{indent}for {t.word()} in {t.snake()}.{t.word()}s():\n"
                           f"{indent}    {t.snake()}[{t.word()}.{t.word()}] = {t.number()}\n")
            elif x < 0.8:
                out.append(f"{indent}logger.{r.choice(['debug', 'info', 'warning'])}"
                           f'("{t.sentence(3, 8)} %s", {t.snake()})\n')
            elif x < 0.85:
                out.append(f'{indent}{t.snake()} = "{t.hexstr(32)}"\n')
            else:
                out.append(f"{indent}{t.snake()} = {{\"{t.word()}\": {t.number()}, "
                           f"\"{t.word()}\": \"{t.string_value()}\"}}\n")
        out.append(f"{indent}return {t.snake()}\n\n")
        return "".join(out)

    def block(self) -> str:
        t, r = self.t, self.r
        if r.random() < 0.3:
            methods = "".join(
                f"    def {t.snake()}(self, {t.snake()}, {t.snake()}=None):\n"
                f'        """{t.sentence()}"""\n' + self.body("        ")
                for _ in range(r.randint(1, 4)))
            return f"\nclass {t.pascal()}({t.pascal(1, 1)}):\n    \"\"\"{t.sentence()}\"\"\"\n\n{methods}"
        return (f"\ndef {t.snake()}({t.snake()}, {t.snake()}: int = {t.number()}) -> "
                f"{r.choice(['dict', 'str', 'bool', 'list[str]', 'None'])}:\n"
                f'    """{t.sentence()}"""\n' + self.body("    "))

    def secret(self, kind, value):
        if kind == "scaleway_secret_key":
            return self.r.choice([f"# SCW_SECRET_KEY={value}\n",
                                  f'ENV = ["SCW_SECRET_KEY={value}", "SCW_DEFAULT_REGION=fr-par"]\n'])
        name = self.r.choice(KINDS[kind][1])
        return self.r.choice([f'{name.upper()} = "{value}"\n',
                              f"os.environ.setdefault('{name.upper()}', '{value}')\n"])


class JavaScript(Style):
    ext = ".js"
    comment = "//"

    def header(self) -> str:
        t, r = self.t, self.r
        out = [f"'use strict';\n// {t.sentence()}\n"]
        for p in r.sample(PKGS, r.randint(1, 6)):
            out.append(f"const {t.camel(1, 2)} = require('{p}');\n")
        return "".join(out) + "\n"

    def stmt(self, indent: str) -> str:
        t, r = self.t, self.r
        x = r.random()
        if x < 0.2:
            return f"{indent}// {t.sentence()}\n"
        if x < 0.45:
            return f"{indent}const {t.camel()} = await this.{t.camel()}({t.camel()}, '{t.string_value()}');\n"
        if x < 0.6:
            return (f"{indent}if (!{t.camel()}) {{\n{indent}  throw new Error(`{t.sentence(2, 6)} "
                    f"${{{t.camel(1, 1)}}}`);\n{indent}}}\n")
        if x < 0.75:
            return f"{indent}{t.camel()}.{t.camel()} = {{ {t.camel(1, 1)}: {t.number()}, {t.camel(1, 1)}: \"{t.string_value()}\" }};\n"
        if x < 0.85:
            return f"{indent}for (const {t.word()} of {t.camel()}) {t.camel()}.push({t.word()}.{t.camel(1, 1)});\n"
        return f"{indent}return {t.camel()}.{t.camel(1, 2)}({t.number()});\n"

    def block(self) -> str:
        t, r = self.t, self.r
        body = "".join(self.stmt("  ") for _ in range(r.randint(2, 10)))
        if r.random() < 0.5:
            return f"\n/**\n * {t.sentence()}\n * @param {{string}} {t.camel()}\n */\nasync function {t.camel()}({t.camel()}, {t.camel()}) {{\n{body}}}\n"
        return f"\nexport const {t.camel()} = ({t.camel()}) => {{\n{body}}};\n"

    def secret(self, kind, value):
        if kind == "scaleway_secret_key":
            return f"// SCW_SECRET_KEY={value}\n"
        name = self.r.choice(KINDS[kind][1])
        return self.r.choice([f"const {name} = '{value}';\n", f'  {name}: "{value}",\n'])


class TypeScript(JavaScript):
    ext = ".ts"

    def header(self) -> str:
        t, r = self.t, self.r
        out = [f"// {t.sentence()}\n"]
        for p in r.sample(PKGS, r.randint(1, 6)):
            out.append(f"import {{ {t.pascal()}, {t.camel()} }} from '{p}';\n")
        return "".join(out) + "\n"

    def block(self) -> str:
        t, r = self.t, self.r
        if r.random() < 0.3:
            fields = "".join(f"  {t.camel()}{r.choice(['', '?'])}: "
                             f"{r.choice(['string', 'number', 'boolean', 'Date', t.pascal() + '[]'])};\n"
                             for _ in range(r.randint(2, 8)))
            return f"\nexport interface {t.pascal()} {{\n{fields}}}\n"
        body = "".join(self.stmt("    ") for _ in range(r.randint(2, 10)))
        return (f"\nexport class {t.pascal()} {{\n  private readonly {t.camel()}: Map<string, number> = new Map();\n\n"
                f"  async {t.camel()}({t.camel()}: string): Promise<{t.pascal()}> {{\n{body}  }}\n}}\n")


class Rust(Style):
    ext = ".rs"
    comment = "//"

    def header(self) -> str:
        t, r = self.t, self.r
        out = [f"//! {t.sentence()}\n\n"]
        for c in r.sample(CRATES, r.randint(1, 5)):
            out.append(f"use {c.replace('-', '_')}::{{{t.pascal()}, {t.snake(1, 1)}}};\n")
        return "".join(out) + "use std::collections::HashMap;\n\n"

    def stmt(self) -> str:
        t, r = self.t, self.r
        x = r.random()
        if x < 0.2:
            return f"        // {t.sentence()}\n"
        if x < 0.45:
            return f"        let {t.snake()} = self.{t.snake()}(&{t.snake()}, \"{t.string_value()}\")?;\n"
        if x < 0.6:
            return (f"        if {t.snake()}.len() > {t.number()} {{\n            return Err(anyhow!(\""
                    f"{t.sentence(2, 6)} {{}}\", {t.snake(1, 1)}));\n        }}\n")
        if x < 0.75:
            return f"        for {t.word()} in {t.snake()}.iter() {{\n            {t.snake()}.insert({t.word()}.{t.snake(1, 1)}.clone(), {t.number()});\n        }}\n"
        if x < 0.82:
            return f"        const {t.const()}: [u8; 32] = hex!(\"{t.hexstr(32)}\");\n"
        return f"        let {t.snake()} = {t.pascal()}::{t.snake(1, 2)}({t.number()});\n"

    def block(self) -> str:
        t, r = self.t, self.r
        name = t.pascal()
        fields = "".join(f"    pub {t.snake()}: {r.choice(['u64', 'String', 'Vec<u8>', 'Option<u32>', 'bool'])},\n"
                         for _ in range(r.randint(1, 6)))
        methods = "".join(
            f"    /// {t.sentence()}\n    pub fn {t.snake()}(&self, {t.snake()}: &str) -> Result<{t.pascal()}> {{\n"
            + "".join(self.stmt() for _ in range(r.randint(2, 8))) + f"        Ok({t.snake()})\n    }}\n\n"
            for _ in range(r.randint(1, 4)))
        return (f"/// {t.sentence()}\n#[derive(Debug, Clone, PartialEq)]\npub struct {name} {{\n{fields}}}\n\n"
                f"impl {name} {{\n{methods}}}\n\n")

    def secret(self, kind, value):
        if kind == "scaleway_secret_key":
            return f"// SCW_SECRET_KEY={value}\n"
        name = self.r.choice(KINDS[kind][1]).upper()
        return f'const {name}: &str = "{value}";\n'


class Go(Style):
    ext = ".go"
    comment = "//"

    def header(self) -> str:
        t, r = self.t, self.r
        imports = "".join(f'\t"{m}"\n' for m in ["context", "fmt", "net/http"] + r.sample(GOMODS, r.randint(1, 5)))
        return f"// Package {t.word()} {t.sentence()}\npackage {t.word()}\n\nimport (\n{imports})\n\n"

    def stmt(self) -> str:
        t, r = self.t, self.r
        x = r.random()
        if x < 0.2:
            return f"\t// {t.sentence()}\n"
        if x < 0.45:
            return (f"\t{t.camel()}, err := s.{t.pascal()}(ctx, {t.camel()}, \"{t.string_value()}\")\n"
                    f"\tif err != nil {{\n\t\treturn nil, fmt.Errorf(\"{t.sentence(2, 5)}: %w\", err)\n\t}}\n")
        if x < 0.65:
            return f"\tfor _, {t.word()} := range {t.camel()} {{\n\t\t{t.camel()}[{t.word()}.{t.pascal()}] = {t.number()}\n\t}}\n"
        if x < 0.75:
            return f"\t{t.camel()} := []byte(\"{t.b64(24)}\")\n"
        return f"\t{t.camel()} := &{t.pascal()}{{{t.pascal()}: {t.number()}, {t.pascal()}: \"{t.string_value()}\"}}\n"

    def block(self) -> str:
        t, r = self.t, self.r
        body = "".join(self.stmt() for _ in range(r.randint(2, 9)))
        return (f"// {t.pascal()} {t.sentence()}\nfunc (s *{t.pascal(1, 2)}) {t.pascal()}(ctx context.Context, "
                f"{t.camel()} *{t.pascal()}) (*{t.pascal()}, error) {{\n{body}\treturn &{t.pascal()}{{}}, nil\n}}\n\n")

    def secret(self, kind, value):
        if kind == "scaleway_secret_key":
            return f"// SCW_SECRET_KEY={value}\n"
        name = self.r.choice(KINDS[kind][1])
        return f'const {go_name(name)} = "{value}"\n'


def go_name(name: str) -> str:
    """GITHUB_TOKEN -> githubToken; accessKey stays."""
    if "_" not in name:
        return name[0].lower() + name[1:]
    first, *rest = name.lower().split("_")
    return first + "".join(p.capitalize() for p in rest)


class Yaml(Style):
    ext = ".yaml"

    def block(self) -> str:
        t, r = self.t, self.r
        x = r.random()
        if x < 0.4:
            env = "".join(f"            - name: {t.const()}\n              value: \"{t.string_value()}\"\n"
                          for _ in range(r.randint(1, 5)))
            return (f"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {t.word()}-{t.word()}\n"
                    f"  uid: {uuid4(r)}\n  labels:\n    app: {t.word()}\nspec:\n  replicas: {r.randint(1, 9)}\n"
                    f"  template:\n    spec:\n      containers:\n        - name: {t.word()}\n"
                    f"          image: registry.example.com/{t.word()}:{t.version()}@sha256:{t.hexstr(32)}\n"
                    f"          env:\n{env}")
        if x < 0.7:
            steps = "".join(f"      - name: {t.sentence(2, 5)}\n        run: make {t.word()} {t.const()}={t.word()}\n"
                            for _ in range(r.randint(2, 6)))
            return f"  {t.word()}-{t.word()}:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n{steps}"
        keys = "".join(f"  {t.snake()}: {r.choice([t.number(), repr(t.string_value()), 'true', 'false'])}\n"
                       for _ in range(r.randint(2, 10)))
        return f"# {t.sentence()}\n{t.snake()}:\n{keys}"

    def secret(self, kind, value):
        if kind == "scaleway_secret_key":
            return f"      environment:\n        - SCW_SECRET_KEY={value}\n"
        return f"  {self.r.choice(KINDS[kind][1]).lower()}: {value}\n"


class Json(Style):
    ext = ".json"

    def header(self) -> str:
        return '{\n  "items": [\n'

    def block(self) -> str:
        t, r = self.t, self.r
        fields = [f'"id": "{uuid4(r)}"', f'"name": "{t.snake()}"',
                  f'"created_at": "20{r.randint(10, 25)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:00:00Z"']
        for _ in range(r.randint(1, 7)):
            x = r.random()
            if x < 0.4:
                fields.append(f'"{t.camel()}": "{t.string_value()}"')
            elif x < 0.7:
                fields.append(f'"{t.camel()}": {t.number()}')
            elif x < 0.8:
                fields.append(f'"{t.camel()}": "{t.b64(r.choice([48, 96, 300]))}"')
            elif x < 0.9:
                fields.append(f'"{t.camel()}": [{", ".join(t.number() for _ in range(r.randint(1, 8)))}]')
            else:
                fields.append(f'"{t.camel()}": {{"sha256": "{t.hexstr(32)}", "{t.word()}": {str(r.random() < .5).lower()}}}')
        return "    {\n      " + ",\n      ".join(fields) + "\n    },\n"

    def secret(self, kind, value):
        if kind == "scaleway_secret_key":
            return f'    {{"env": ["SCW_SECRET_KEY={value}"]}},\n'
        return f'    {{"{self.r.choice(KINDS[kind][1])}": "{value}"}},\n'

    def decoy(self):
        return f'    {{"note": "{self.t.decoy()}"}},\n'


class Env(Style):
    ext = ".env"

    def block(self) -> str:
        t, r = self.t, self.r
        x = r.random()
        if x < 0.15:
            return f"\n# {t.sentence()}\n"
        if x < 0.3:
            return f"DATABASE_URL=postgres://{t.word()}:{t.hexstr(8)}@{t.word()}.internal:5432/{t.word()}\n"
        if x < 0.4:
            return f"{t.const()}_REGION={r.choice(['fr-par', 'nl-ams', 'eu-west-1', 'us-east-1'])}\n"
        return f"{t.const()}={r.choice([t.number(), t.word(), t.hexstr(16), uuid4(r), 'true'])}\n"

    def secret(self, kind, value):
        if kind == "scaleway_secret_key":
            return f"SCW_SECRET_KEY={value}\n"
        return f"{self.r.choice(KINDS[kind][1]).upper()}={value}\n"


class Markdown(Style):
    ext = ".md"

    def header(self) -> str:
        return f"# {self.t.pascal()} {self.t.sentence(2, 5)}\n\n"

    def block(self) -> str:
        t, r = self.t, self.r
        x = r.random()
        if x < 0.4:
            return " ".join(t.sentence(6, 18) for _ in range(r.randint(2, 6))) + "\n\n"
        if x < 0.55:
            return f"## {t.sentence(2, 6)}\n\n"
        if x < 0.7:
            return "".join(f"- `{t.snake()}`: {t.sentence()}\n" for _ in range(r.randint(2, 6))) + "\n"
        if x < 0.85:
            return (f"```bash\n$ {t.word()} {t.word()} --{t.word()}={t.string_value()!r}\n"
                    f"export {t.const()}={t.word()}\n```\n\n")
        rows = "".join(f"| `{t.word()}` | {t.number()} | {t.sentence(2, 6)} |\n" for _ in range(r.randint(2, 6)))
        return f"| name | value | notes |\n| --- | --- | --- |\n{rows}\n"

    def secret(self, kind, value):
        if kind == "scaleway_secret_key":
            return f"```sh\nexport SCW_SECRET_KEY={value}\n```\n\n"
        return f"```sh\nexport {self.r.choice(KINDS[kind][1]).upper()}={value}\n```\n\n"

    def decoy(self):
        return f"Set `{self.t.decoy()}` before running.\n\n"


class Lock(Style):
    """package-lock.json, Cargo.lock, yarn.lock, go.sum or a JSON lock with UUIDs."""

    FLAVOURS = ["package-lock.json", "Cargo.lock", "yarn.lock", "go.sum", "deps.lock.json"]

    def __init__(self, t, flavour):
        super().__init__(t)
        self.flavour = flavour
        self.comment = "#"

    def header(self) -> str:
        if self.flavour == "package-lock.json":
            return '{\n  "name": "app",\n  "lockfileVersion": 3,\n  "packages": {\n'
        if self.flavour == "deps.lock.json":
            return '{\n  "version": 2,\n  "dependencies": [\n'
        if self.flavour == "Cargo.lock":
            return "# This file is automatically @generated by Cargo.\nversion = 3\n\n"
        return ""

    def block(self) -> str:
        t, r = self.t, self.r
        name = r.choice(PKGS + CRATES) + r.choice(["", "", "-" + t.word()])
        v = t.version()
        f = self.flavour
        if f == "package-lock.json":
            deps = ",\n".join(f'        "{r.choice(PKGS)}": "^{t.version()}"' for _ in range(r.randint(0, 4)))
            deps = f',\n      "dependencies": {{\n{deps}\n      }}' if deps else ""
            return (f'    "node_modules/{name}": {{\n      "version": "{v}",\n'
                    f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-{v}.tgz",\n'
                    f'      "integrity": "sha512-{t.b64(64)}",\n      "dev": {str(r.random() < .5).lower()}{deps}\n    }},\n')
        if f == "Cargo.lock":
            deps = "".join(f' "{r.choice(CRATES)}",\n' for _ in range(r.randint(0, 5)))
            return (f'[[package]]\nname = "{name}"\nversion = "{v}"\n'
                    f'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
                    f'checksum = "{t.hexstr(32)}"\n' + (f"dependencies = [\n{deps}]\n" if deps else "") + "\n")
        if f == "yarn.lock":
            return (f'"{name}@^{v}":\n  version "{v}"\n'
                    f'  resolved "https://registry.yarnpkg.com/{name}/-/{name}-{v}.tgz#{t.hexstr(20)}"\n'
                    f"  integrity sha512-{t.b64(64)}\n\n")
        if f == "go.sum":
            mod = r.choice(GOMODS)
            return (f"{mod} v{v} h1:{t.b64(32)}\n{mod} v{v}/go.mod h1:{t.b64(32)}\n")
        return (f'    {{"id": "{uuid4(r)}", "name": "{name}", "version": "{v}", "sha1": "{t.hexstr(20)}", '
                f'"sha256": "{t.hexstr(32)}", "parent": "{uuid4(r)}"}},\n')

    def secret(self, kind, value):
        if self.flavour.endswith(".json"):
            if kind == "scaleway_secret_key":
                return f'    "scripts": {{"deploy": "SCW_SECRET_KEY={value} make deploy"}},\n'
            return f'    "{self.r.choice(KINDS[kind][1])}": "{value}",\n'
        if kind == "scaleway_secret_key":
            return f"# SCW_SECRET_KEY={value}\n"
        return f'# {self.r.choice(KINDS[kind][1])} = "{value}"\n'

    def decoy(self):
        if self.flavour.endswith(".json"):
            return f'    "note": "{self.t.decoy()}",\n'
        return super().decoy()


class MinJs(Style):
    """Minified bundles: long lines of short identifiers, string tables and inline data."""

    ext = ".min.js"

    def header(self) -> str:
        return "/*! " + self.t.word() + " v" + self.t.version() + " | MIT */\n"

    def block(self) -> str:
        t, r = self.t, self.r
        v = lambda: r.choice(string.ascii_letters) + r.choice(["", "", string.ascii_letters[r.randrange(52)], str(r.randrange(10))])
        parts = []
        for _ in range(r.randint(4, 20)):
            x = r.random()
            if x < 0.35:
                parts.append(f"function {v()}({v()},{v()}){{var {v()}={v()}.{t.camel()}({r.randrange(999)});"
                             f"return {v()}&&{v()}[\"{t.camel()}\"]||{v()}}}")
            elif x < 0.55:
                parts.append(f"{v()}.exports={{{t.camel()}:\"{t.string_value()}\",{t.camel()}:{t.number()}}}")
            elif x < 0.7:
                parts.append(f"{v()}=[{','.join(repr(t.word()) for _ in range(r.randint(3, 12)))}]")
            elif x < 0.78:
                parts.append(f"{v()}=\"data:image/png;base64,{t.b64(r.choice([60, 200, 600]))}\"")
            else:
                parts.append(f"if({v()}!=={v()}){{{v()}.{t.camel()}({v()},{t.number()})}}else {v()}=void 0")
        return ";".join(parts) + (";\n" if r.random() < 0.05 else ";")

    def secret(self, kind, value):
        var = self.r.choice(string.ascii_letters)
        if kind == "scaleway_secret_key":
            return f'var {var}={{env:["SCW_SECRET_KEY={value}"]}};'
        return f'var {var}={{{self.r.choice(KINDS[kind][1])}:"{value}"}};'

    def decoy(self):
        return f'/* {self.t.decoy()} */'


# (style, weight by file count, size range in bytes for ordinary files)
STYLES = [
    ("py", 16, (1_000, 96_000)), ("js", 9, (1_000, 96_000)), ("ts", 9, (1_000, 96_000)),
    ("rs", 11, (1_000, 96_000)), ("go", 11, (1_000, 96_000)), ("yaml", 9, (1_000, 32_000)),
    ("json", 9, (1_000, 512_000)), ("env", 4, (1_000, 4_000)), ("md", 9, (1_000, 64_000)),
    ("lock", 2, (16_000, 2_000_000)), ("minjs", 2, (32_000, 2_000_000)),
]
LARGE_STYLES = ["lock", "minjs", "json"]

TOP = ["services", "packages", "crates", "cmd", "internal", "apps", "libs", "tools", "infra"]
SUB = ["src", "lib", "pkg", "handlers", "models", "api", "utils", "core", "config", "tests"]


def make_style(name: str, t: Text, flavour: str | None) -> Style:
    return {"py": Python, "js": JavaScript, "ts": TypeScript, "rs": Rust, "go": Go, "yaml": Yaml,
            "json": Json, "env": Env, "md": Markdown, "minjs": MinJs}[name](t) if name != "lock" \
        else Lock(t, flavour)


# ---------------------------------------------------------------------------------------------
# Plan and write
# ---------------------------------------------------------------------------------------------


def plan(total: int, seed: int, secret_every: int) -> list[dict]:
    """The files to write: path, style, size, seed and planted secrets of each."""
    r = random.Random(f"plan:{seed}")
    t = Text(r)
    names, weights = [s[0] for s in STYLES], [s[1] for s in STYLES]
    ranges = {s[0]: s[2] for s in STYLES}
    files, used, seen = [], 0, set()

    def path_for(style: str, flavour: str | None) -> str:
        while True:
            top = r.choice(TOP)
            parts = [top, f"{t.word()}-{t.word()}" if r.random() < .6 else t.word()]
            parts += [r.choice(SUB) for _ in range(r.randint(0, 3))]
            if style == "minjs":
                parts = [top, t.word(), "node_modules", r.choice(PKGS), "dist"] if r.random() < .5 else parts + ["dist"]
            if style == "env":
                name = r.choice([".env", ".env.local", ".env.production", ".env.test", f".env.{t.word()}"])
            elif style == "lock":
                name = flavour
            elif style == "yaml" and r.random() < 0.2:
                parts, name = [top, t.word(), ".github", "workflows"], f"{t.word()}.yml"
            elif style == "md" and r.random() < 0.3:
                name = r.choice(["README.md", "CHANGELOG.md", "CONTRIBUTING.md"])
            else:
                name = (t.snake(1, 2) if style in ("py", "rs", "go") else
                        t.camel(1, 2) if style in ("js", "ts") else t.word() + "-" + t.word())
                name += (".tsx" if style == "ts" and r.random() < .3 else
                         ".yml" if style == "yaml" and r.random() < .3 else make_style(style, t, "x").ext)
            p = "/".join(parts + [name])
            if p not in seen:
                seen.add(p)
                return p

    # A few big files first (~10% of the bytes), then ordinary ones until the total is reached.
    sizes = [(r.choice(LARGE_STYLES), r.randint(3 * MB, 10 * MB)) for _ in range(total // (64 * MB))]
    while used + sum(s for _, s in sizes) < total:
        style = r.choices(names, weights)[0]
        lo, hi = ranges[style]
        if style in ("py", "js", "ts", "rs", "go", "json") and r.random() < 0.04:
            lo, hi = hi, hi * 4
        sizes.append((style, int(math.exp(r.uniform(math.log(lo), math.log(hi))))))
    for style, size in sizes:
        size = min(size, total - used)
        if size <= 0:
            break
        flavour = r.choice(Lock.FLAVOURS) if style == "lock" else None
        files.append({"path": path_for(style, flavour), "style": style, "flavour": flavour,
                      "size": size, "seed": r.randrange(2**63), "secrets": []})
        used += size
    r.shuffle(files)

    # Secrets: evenly many of each kind, at uniformly random byte offsets of the whole corpus.
    n = max(len(KINDS), round(total / secret_every))
    kinds = [list(KINDS)[i % len(KINDS)] for i in range(n)]
    r.shuffle(kinds)
    starts, acc = [], 0
    for f in files:
        starts.append(acc)
        acc += f["size"]
    for kind in kinds:
        i = bisect.bisect_right(starts, r.randrange(acc)) - 1
        files[i]["secrets"].append((kind, KINDS[kind][0](r)))
    return files


def write_file(args: tuple[str, dict]) -> int:
    """Writes one planned file; returns its size in bytes."""
    root, f = args
    r = random.Random(f["seed"])
    t = Text(r)
    style = make_style(f["style"], t, f["flavour"])
    size = f["size"]
    # Where secrets and decoys go: byte offsets, rendered between blocks.
    events = [(r.randrange(size), 0, s) for s in f["secrets"]]
    events += [(r.randrange(size), 1, None) for _ in range(max(0, round(r.gauss(size / 96_000, 1))))]
    events.sort(key=lambda e: (e[0], e[1]))
    parts = [style.header()]
    n = len(parts[0])
    ei = 0
    while n < size or ei < len(events):
        while ei < len(events) and (events[ei][0] <= n or n >= size):
            _, is_decoy, secret = events[ei]
            s = style.decoy() if is_decoy else style.secret(*secret)
            parts.append(s)
            n += len(s)
            ei += 1
        if n >= size:
            break
        b = style.block()
        parts.append(b)
        n += len(b)
    text = "".join(parts)
    if not text.endswith("\n"):
        text += "\n"
    path = os.path.join(root, f["path"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode()
    with open(path, "wb") as out:
        out.write(data)
    return len(data)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output folder: OUT/tree and OUT/planted.jsonl are written")
    ap.add_argument("--size-mb", type=float, default=256, help="total size in MB (10^6 bytes)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--secret-every-mb", type=float, default=2.0,
                    help="plant one secret per this many MB on average")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()

    total = int(a.size_mb * MB)
    tree = os.path.join(a.out, "tree")
    if os.path.exists(tree):
        shutil.rmtree(tree)
    os.makedirs(tree)
    files = plan(total, a.seed, int(a.secret_every_mb * MB))
    jobs = [(tree, f) for f in files]
    if a.jobs > 1:
        with multiprocessing.Pool(a.jobs) as pool:
            written = sum(pool.imap_unordered(write_file, jobs, chunksize=8))
    else:
        written = sum(map(write_file, jobs))
    with open(os.path.join(a.out, "planted.jsonl"), "w") as out:
        for f in files:
            for kind, secret in f["secrets"]:
                out.write(json.dumps({"path": f["path"], "kind": kind, "secret": secret}) + "\n")
    planted = sum(len(f["secrets"]) for f in files)
    print(f"gen_corpus: {len(files)} files, {written} bytes, {planted} secrets planted "
          f"in {tree}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
