//! Sources: where blobs come from. Each yields [`Item`]s: a blob to scan, or a notice about a path
//! that was skipped or could not be read (never silently dropped).

pub mod fs;
pub mod stdin;

/// Bytes to scan and where they came from.
#[derive(Debug)]
pub struct Blob {
    pub bytes: Vec<u8>,
    /// Display path: relative to the scanned root, `/`-separated; `<stdin>` for standard input.
    pub path: String,
}

/// Something a source tells the user about a path it did not scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Deliberately not scanned (too large, not a regular file, a symlink not followed).
    Skipped { path: String, reason: Skip },
    /// Could not be scanned (unreadable, broken symlink, loop, walk error).
    Error { path: String, message: String },
}

/// Why a path was skipped; counted per kind in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    TooLarge { size: u64, limit: u64 },
    NotRegular(&'static str),
    Symlink,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::TooLarge { size, limit } => write!(
                f,
                "skipped: {size} bytes is over the size limit of {limit} bytes (raise --max-file-size)"
            ),
            Skip::NotRegular(kind) => write!(f, "skipped: not a regular file ({kind})"),
            Skip::Symlink => write!(f, "skipped: symlink not followed (use --follow-symlinks)"),
        }
    }
}

/// What a source hands to the scanner.
#[derive(Debug)]
pub enum Item {
    Blob(Blob),
    Notice(Notice),
}

/// Turns OS paths into report paths: `/` separators, no leading `./`.
pub fn display_path(path: &std::path::Path) -> String {
    let text = path
        .to_string_lossy()
        .replace(std::path::MAIN_SEPARATOR, "/");
    let mut rest = text.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped.trim_start_matches('/');
    }
    rest.to_string()
}
