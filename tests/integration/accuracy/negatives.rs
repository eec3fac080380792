//! True negatives: ordinary files people commit that look like secrets to a careless scanner
//! (lock files full of hashes, git output, UUIDs, data URIs, minified code, placeholders, public
//! identifiers, public keys and certificates, ARNs, documentation sample keys), generated from a
//! seed. None of them may produce any finding.
//!
//! Every value is generated here: no token of any provider is written as a literal.

/// A small deterministic generator (xorshift64*), so the corpus is the same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407)
            | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(2685821657736338717)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chars(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len).map(|_| chars[self.below(chars.len())]).collect()
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    pub fn hex(&mut self, len: usize) -> String {
        self.chars(HEX, len)
    }

    pub fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-{}{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            self.chars("89ab", 1),
            &h[17..20],
            &h[20..32]
        )
    }

    pub fn base64(&mut self, len: usize) -> String {
        b64(&self.bytes(len), true)
    }

    fn version(&mut self) -> String {
        format!("{}.{}.{}", self.below(9), self.below(30), self.below(20))
    }

    fn word(&mut self) -> &'static str {
        WORDS[self.below(WORDS.len())]
    }
}

const HEX: &str = "0123456789abcdef";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const WORDS: &[&str] = &[
    "react",
    "lodash",
    "express",
    "serde",
    "tokio",
    "axios",
    "chalk",
    "debug",
    "minimist",
    "yargs",
    "webpack",
    "babel",
    "eslint",
    "jest",
    "uuid",
    "semver",
    "glob",
    "rimraf",
    "commander",
    "requests",
    "urllib",
    "pydantic",
    "numpy",
    "cobra",
    "viper",
    "zap",
    "gin",
    "hyper",
    "clap",
    "rand",
    "regex",
    "memchr",
    "bytes",
    "mio",
    "ansi",
    "colors",
    "async",
    "stream",
    "buffer",
];

fn b64(data: &[u8], pad: bool) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
        if pad {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 wrapped at `width` characters, as PEM and PGP armour write it.
fn wrapped(text: &str, width: usize) -> String {
    text.as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// One negative file: its kind (for the report), its path and its text.
pub struct Negative {
    pub kind: &'static str,
    pub path: String,
    pub text: String,
}

type Generator = fn(&mut Rng, &[String]) -> (&'static str, String);

/// `per_kind` files of each kind, seeded from `seed`. `providers` are provider names (`stripe`,
/// `azure devops`) the placeholders are written for.
pub fn generate(seed: u64, per_kind: usize, providers: &[String]) -> Vec<Negative> {
    let generators: &[(&str, Generator)] = &[
        ("package_lock", package_lock),
        ("yarn_lock", yarn_lock),
        ("cargo_lock", cargo_lock),
        ("go_sum", go_sum),
        ("poetry_lock", poetry_lock),
        ("git_log", git_log),
        ("uuids", uuids),
        ("data_uri", data_uri),
        ("minified_js", minified_js),
        ("svg", svg),
        ("placeholders", placeholders),
        ("public_ids", public_ids),
        ("digests", digests),
        ("pgp_public_key", pgp_public_key),
        ("ssh_public_keys", ssh_public_keys),
        ("certificate", certificate),
        ("aws_arns", aws_arns),
        ("kubernetes", kubernetes),
        ("doc_samples", doc_samples),
    ];
    let mut out = Vec::new();
    for (g, (kind, generate)) in generators.iter().enumerate() {
        for n in 0..per_kind {
            let mut rng = Rng::new(seed ^ ((g as u64) << 32) ^ n as u64);
            let (name, text) = generate(&mut rng, providers);
            out.push(Negative {
                kind,
                path: format!("negatives/{kind}/{n:03}-{name}"),
                text,
            });
        }
    }
    out
}

fn package_lock(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let mut deps = Vec::new();
    for _ in 0..3 + r.below(6) {
        let (name, version) = (format!("{}-{}", r.word(), r.word()), r.version());
        deps.push(format!(
            "    \"node_modules/{name}\": {{\n      \"version\": \"{version}\",\n      \"resolved\": \"https://registry.npmjs.org/{name}/-/{name}-{version}.tgz\",\n      \"integrity\": \"sha512-{}\",\n      \"license\": \"MIT\"\n    }}",
            r.base64(64)
        ));
    }
    let text = format!(
        "{{\n  \"name\": \"{}\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {{\n{}\n  }}\n}}\n",
        r.word(),
        deps.join(",\n")
    );
    ("package-lock.json", text)
}

fn yarn_lock(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let mut text = String::from(
        "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n",
    );
    for _ in 0..3 + r.below(6) {
        let (name, version) = (r.word(), r.version());
        text += &format!(
            "{name}@^{version}:\n  version \"{version}\"\n  resolved \"https://registry.yarnpkg.com/{name}/-/{name}-{version}.tgz#{}\"\n  integrity sha1-{}\n\n",
            r.hex(40),
            r.base64(20)
        );
    }
    ("yarn.lock", text)
}

fn cargo_lock(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let mut text = String::from("# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n");
    for _ in 0..3 + r.below(6) {
        text += &format!(
            "[[package]]\nname = \"{}\"\nversion = \"{}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\n\n",
            r.word(),
            r.version(),
            r.hex(64)
        );
    }
    ("Cargo.lock", text)
}

fn go_sum(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let mut text = String::new();
    for _ in 0..3 + r.below(6) {
        let module = format!("github.com/{}/{}", r.word(), r.word());
        let version = format!("v{}", r.version());
        text += &format!("{module} {version} h1:{}\n", r.base64(32));
        text += &format!("{module} {version}/go.mod h1:{}\n", r.base64(32));
    }
    ("go.sum", text)
}

fn poetry_lock(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let mut text = String::new();
    for _ in 0..2 + r.below(4) {
        let (name, version) = (r.word(), r.version());
        text += &format!(
            "[[package]]\nname = \"{name}\"\nversion = \"{version}\"\noptional = false\npython-versions = \">=3.8\"\nfiles = [\n    {{file = \"{name}-{version}-py3-none-any.whl\", hash = \"sha256:{}\"}},\n    {{file = \"{name}-{version}.tar.gz\", hash = \"sha256:{}\"}},\n]\n\n",
            r.hex(64),
            r.hex(64)
        );
    }
    text += &format!(
        "[metadata]\nlock-version = \"2.0\"\npython-versions = \"^3.11\"\ncontent-hash = \"{}\"\n",
        r.hex(64)
    );
    ("poetry.lock", text)
}

fn git_log(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let mut text = String::new();
    for _ in 0..3 + r.below(4) {
        text += &format!(
            "commit {}\nMerge: {} {}\nAuthor: {} <{}@users.noreply.github.com>\nDate:   Tue Mar {} 10:{:02}:00 2024 +0100\n\n    Bump {} from {} to {}\n\n    Signed-off-by: dependabot[bot] <support@github.com>\n\n",
            r.hex(40),
            r.hex(7),
            r.hex(7),
            r.word(),
            r.word(),
            1 + r.below(28),
            r.below(60),
            r.word(),
            r.version(),
            r.version()
        );
    }
    text += &format!(
        "- uses: actions/checkout@{} # v4\n- run: git checkout {}\n",
        r.hex(40),
        r.hex(40)
    );
    ("git-log.txt", text)
}

fn uuids(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let text = format!(
        "{{\n  \"tenantId\": \"{}\",\n  \"subscriptionId\": \"{}\",\n  \"clientId\": \"{}\",\n  \"requestId\": \"{}\",\n  \"projectGuid\": \"{{{}}}\",\n  \"correlation_id\": \"{}\"\n}}\n",
        r.uuid(),
        r.uuid(),
        r.uuid(),
        r.uuid(),
        r.uuid().to_uppercase(),
        r.uuid()
    );
    ("ids.json", text)
}

fn data_uri(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let png = [
        &[0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..],
        &r.bytes(300),
    ]
    .concat();
    let jpeg = [&[0xffu8, 0xd8, 0xff, 0xe0][..], &r.bytes(300)].concat();
    let text = format!(
        ".logo {{\n  background-image: url(\"data:image/png;base64,{}\");\n}}\n.hero {{\n  background: url(data:image/jpeg;base64,{});\n}}\n",
        b64(&png, true),
        b64(&jpeg, true)
    );
    ("styles.css", text)
}

fn minified_js(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let mut text = String::from("!function(e,t){\"use strict\";");
    for _ in 0..40 {
        let (a, b) = (r.chars(LOWER, 1), r.chars(LOWER, 2));
        text += &match r.below(5) {
            0 => {
                format!("var {a}=function({b}){{return {b}&&{b}.__esModule?{b}:{{default:{b}}}}};")
            }
            1 => format!(
                "{a}.prototype.{}=function(){{return this._{}}};",
                r.word(),
                r.word()
            ),
            2 => {
                let len = 8 + r.below(24);
                format!("var {b}=\"{}\";", r.chars(ALNUM, len))
            }
            3 => format!("{a}[\"{}\"]=0x{};", r.chars(ALNUM, 6), r.hex(6)),
            _ => format!("function {a}{b}({a}){{for(var {b}=0;{b}<{a}.length;{b}++)t({a}[{b}])}}"),
        };
    }
    text += "}(this,function(){});\n//# sourceMappingURL=app.min.js.map\n";
    ("app.min.js", text)
}

fn svg(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let mut d = String::from("M12 2");
    for _ in 0..40 {
        d += &format!(
            "{}{}.{} {}.{}",
            r.pick(&["C", "c", "L", "l", "S", "s", "H", "V", "q"]),
            r.below(24),
            r.below(100),
            r.below(24),
            r.below(100)
        );
    }
    let text = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\" width=\"24\" height=\"24\">\n  <path fill=\"currentColor\" d=\"{d}z\"/>\n</svg>\n"
    );
    ("icon.svg", text)
}

/// The placeholders and references people write instead of a value.
fn placeholders(r: &mut Rng, providers: &[String]) -> (&'static str, String) {
    let mut text = String::from("# Copy to .env and fill in your own values\n");
    for _ in 0..8 {
        let provider = r.pick(providers).clone();
        let name = format!("{}_API_KEY", provider.replace(' ', "_").to_uppercase());
        let value = match r.below(10) {
            0 => "YOUR_API_KEY".to_string(),
            1 => "x".repeat(8 + r.below(32)),
            2 => "<token>".to_string(),
            3 => format!("${{{name}}}"),
            4 => format!("os.environ[\"{name}\"]"),
            5 => format!("process.env.{name}"),
            6 => format!("your_{}_api_key_here", provider.replace(' ', "_")),
            7 => "changeme".to_string(),
            8 => format!("{{{{ secrets.{name} }}}}"),
            _ => "X".repeat(40),
        };
        text += &format!("{name}={value}\n");
    }
    (".env.example", text)
}

/// Identifiers that are public by design.
fn public_ids(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let text = match r.below(5) {
        0 => {
            let mode = *r.pick(&["live", "test"]);
            let len = 24 + r.below(75);
            format!(
                "// Stripe.js: the publishable key is meant for the browser\nconst stripe = Stripe('pk_{mode}_{}');\n",
                r.chars(ALNUM, len)
            )
        }
        1 => format!(
            "<!-- Maps JavaScript API: a browser key, restricted to our HTTP referrers -->\n<script async src=\"https://maps.googleapis.com/maps/api/js?key={}&callback=initMap\"></script>\n",
            "AI".to_string() + "za" + &r.chars(&(ALNUM.to_string() + "-_"), 35)
        ),
        2 => format!(
            "// Firebase web config: public, access is governed by security rules\nconst firebaseConfig = {{\n  apiKey: \"{}\",\n  authDomain: \"{w}-app.firebaseapp.com\",\n  projectId: \"{w}-app\",\n  storageBucket: \"{w}-app.appspot.com\",\n  messagingSenderId: \"{}\",\n  appId: \"1:{}:web:{}\"\n}};\n",
            "AI".to_string() + "za" + &r.chars(&(ALNUM.to_string() + "-_"), 35),
            r.chars("0123456789", 12),
            r.chars("0123456789", 12),
            r.hex(22),
            w = r.word()
        ),
        3 => format!(
            "GOOGLE_OAUTH_CLIENT_ID={}-{}.apps.googleusercontent.com\nGITHUB_APP_CLIENT_ID=Iv1.{}\n",
            r.chars("0123456789", 12),
            r.chars("abcdefghijklmnopqrstuv0123456789", 32),
            r.hex(16)
        ),
        _ => format!(
            "Sentry.init({{\n  dsn: \"https://{}@o{}.ingest.sentry.io/{}\",\n  tracesSampleRate: 0.1,\n}});\n",
            r.hex(32),
            r.chars("0123456789", 6),
            r.chars("0123456789", 7)
        ),
    };
    ("public.js", text)
}

fn digests(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let mut text = String::new();
    for _ in 0..4 {
        let file = format!("{}-{}-linux-amd64.tar.gz", r.word(), r.version());
        text += &match r.below(3) {
            0 => format!("{}  {file}\n", r.hex(64)),
            1 => format!("SHA1 ({file}) = {}\n", r.hex(40)),
            _ => format!("md5: {}  {file}\n", r.hex(32)),
        };
    }
    text += &format!("ETag: \"{}\"\n", r.hex(32));
    ("SHA256SUMS", text)
}

fn pgp_public_key(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let body = r.base64(600);
    let text = format!(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{}\n={}\n-----END PGP PUBLIC KEY BLOCK-----\n",
        wrapped(&body, 64),
        r.base64(3)
    );
    ("release-key.asc", text)
}

fn ssh_public_keys(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let ed = b64(
        &[
            &[0u8, 0, 0, 11][..],
            b"ssh-ed25519",
            &[0, 0, 0, 32],
            &r.bytes(32),
        ]
        .concat(),
        true,
    );
    let rsa = b64(
        &[
            &[0u8, 0, 0, 7][..],
            b"ssh-rsa",
            &[0, 0, 0, 3, 1, 0, 1],
            &r.bytes(257),
        ]
        .concat(),
        true,
    );
    let text = format!(
        "ssh-ed25519 {ed} {}@{}\nssh-rsa {rsa} deploy@ci\ngithub.com ssh-ed25519 {}\n",
        r.word(),
        r.word(),
        b64(&r.bytes(51), true)
    );
    ("authorized_keys", text)
}

fn certificate(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let body = b64(
        &[&[0x30u8, 0x82, 0x03, 0x00][..], &r.bytes(700)].concat(),
        true,
    );
    let text = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        wrapped(&body, 64)
    );
    ("ca.crt", text)
}

fn aws_arns(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let account = r.chars("0123456789", 12);
    let text = format!(
        "aws_account_id = \"{account}\"\nrole_arn       = \"arn:aws:iam::{account}:role/{}-deploy\"\nbucket_arn     = \"arn:aws:s3:::{}-{}-artifacts\"\nkms_key_arn    = \"arn:aws:kms:eu-west-1:{account}:key/{}\"\nqueue_url      = \"https://sqs.eu-west-1.amazonaws.com/{account}/{}\"\nvpc_id         = \"vpc-{}\"\nami            = \"ami-{}\"\n",
        r.word(),
        r.word(),
        r.word(),
        r.uuid(),
        r.word(),
        r.hex(17),
        r.hex(17)
    );
    ("main.tf", text)
}

fn kubernetes(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    let app = r.word();
    let text = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  uid: {}\n  resourceVersion: \"{}\"\n  annotations:\n    deployment.kubernetes.io/revision: \"{}\"\n    checksum/config: {}\nspec:\n  template:\n    metadata:\n      labels:\n        pod-template-hash: {}\n    spec:\n      containers:\n        - name: {app}\n          image: ghcr.io/{}/{app}@sha256:{}\n---\n# kubectl get pods\n# {app}-{}-{}   1/1   Running   0   3d\n",
        r.uuid(),
        r.chars("0123456789", 8),
        r.below(40),
        r.hex(64),
        r.chars("bcdfghjklmnpqrstvwxz2456789", 10),
        r.word(),
        r.hex(64),
        r.chars("bcdfghjklmnpqrstvwxz2456789", 10),
        r.chars("bcdfghjklmnpqrstvwxz2456789", 5)
    );
    ("deployment.yaml", text)
}

/// Sample keys providers publish in their documentation, as tutorials copy them.
fn doc_samples(r: &mut Rng, _: &[String]) -> (&'static str, String) {
    // AWS's documented example access key pair (assembled, so no token shows in this file).
    let id = ["AK", "IA", "IOSFODNN7", "EXAMPLE"].concat();
    let secret = ["wJalrXUtnFEMI", "/K7MDENG/", "bPxRfiCY", "EXAMPLEKEY"].concat();
    let text = match r.below(3) {
        0 => format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
        1 => format!(
            "# From the AWS CLI guide\nexport AWS_ACCESS_KEY_ID={id}\nexport AWS_SECRET_ACCESS_KEY={secret}\nexport AWS_DEFAULT_REGION=us-west-2\n"
        ),
        _ => format!(
            "```\n$ aws configure\nAWS Access Key ID [None]: {id}\nAWS Secret Access Key [None]: {secret}\nDefault region name [None]: us-west-2\n```\n"
        ),
    };
    ("README.md", text)
}
