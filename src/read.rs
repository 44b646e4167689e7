//! Reading a file to process, without trusting what the path points at.
//!
//! A path found in a repository (or named on the command line) can be anything: a named pipe
//! that nobody writes to (reading it blocks forever), a symbolic link to `/dev/zero` or
//! `/dev/urandom` (reading it never ends), a socket, a multi-gigabyte file. wffmt reads only
//! **regular files** (a symbolic link counts as what it points at), and only up to a **size
//! limit** ([`DEFAULT_MAX_FILE_SIZE`], `--max-file-size`); everything else is refused with a
//! message that says what the path is.
//!
//! How, and why:
//! - The type is checked before opening (a device is never even opened), and again on the open
//!   handle, since the path may be swapped in between. A file that a directory listing has just
//!   shown as regular is not looked at twice before opening ([`read_listed_regular`]).
//! - On Unix the file is opened with `O_NONBLOCK` (opening a FIFO then returns at once instead
//!   of waiting for a writer; reads of a regular file ignore the flag) and `O_NOCTTY`.
//! - At most `limit + 1` bytes are read, so a file that grows while it is read cannot exhaust
//!   memory either.
//!
//! The limit is a command-line option and not a `wffmt.toml` key on purpose: it protects the
//! person running wffmt from the files, and a repository's own configuration could raise it.

use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Files larger than this are refused unless `--max-file-size` says otherwise (10 MB; the
/// largest of the 822 real workflow and action files we test on is 425 kB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10_000_000;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file; the text says what it is (`a named pipe (FIFO)`, ...).
    NotRegular(&'static str),
    /// A symbolic link whose target does not exist.
    DanglingLink,
    /// Larger than the limit; `size` is what was seen (at least `limit + 1`).
    TooLarge {
        size: u64,
        limit: u64,
    },
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(what) => write!(f, "{what}, not a regular file; skipped"),
            ReadError::DanglingLink => {
                f.write_str("a symbolic link to a file that does not exist; skipped")
            }
            ReadError::TooLarge { size, limit } => write!(
                f,
                "larger than the {} size limit ({}); skipped",
                human_size(*limit),
                human_size(*size)
            ),
            ReadError::Io(err) => write!(f, "cannot read: {}", io_text(err)),
        }
    }
}

impl ReadError {
    /// What the user can do about it.
    pub fn help(&self) -> &'static str {
        match self {
            ReadError::NotRegular("a named pipe (FIFO)") => {
                "wffmt reads regular files only; to format a stream, pipe it to standard input: `wffmt - < FILE`"
            }
            ReadError::NotRegular(_) => {
                "wffmt reads regular files only; leave this path out (or list it in .ignore)"
            }
            ReadError::DanglingLink => "fix or remove the link",
            ReadError::TooLarge { .. } => {
                "a workflow this large is unusual; if it really is one, raise the limit with --max-file-size"
            }
            ReadError::Io(_) => "check the path and its permissions; the other paths were still processed",
        }
    }
}

/// Reads the regular file at `path` (following symbolic links), refusing anything else and
/// anything larger than `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound && is_symlink(path) => {
            return Err(ReadError::DanglingLink)
        }
        Err(err) => return Err(ReadError::Io(err)),
    };
    check_kind(&meta)?;
    check_size(meta.len(), limit)?;
    // The path may have been replaced between the two looks: trust only the open handle.
    read_listed_regular(path, limit)
}

/// [`read_regular`] for a path that a directory listing has just shown as a regular file (not a
/// symbolic link): the look before opening, which keeps devices and pipes from being opened, is
/// already done, so the file is opened straight away. The open handle is still checked.
pub fn read_listed_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_nonblocking(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    check_kind(&meta)?;
    check_size(meta.len(), limit)?;
    read_expecting(file, limit, meta.len())
}

/// Reads at most `limit` bytes from `reader`; more is [`ReadError::TooLarge`].
pub fn read_limited(reader: impl Read, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_expecting(reader, limit, 0)
}

/// [`read_limited`] of a reader expected to hold `expected` bytes: room for them (and the byte
/// that shows the end) is made at once, so a file is read in two calls instead of a dozen.
fn read_expecting(reader: impl Read, limit: u64, expected: u64) -> Result<Vec<u8>, ReadError> {
    let room = expected.min(limit).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(room).unwrap_or(0));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    check_size(bytes.len() as u64, limit)?;
    Ok(bytes)
}

fn check_size(size: u64, limit: u64) -> Result<(), ReadError> {
    if size > limit {
        Err(ReadError::TooLarge { size, limit })
    } else {
        Ok(())
    }
}

fn check_kind(meta: &Metadata) -> Result<(), ReadError> {
    if meta.is_file() {
        return Ok(());
    }
    Err(ReadError::NotRegular(kind_name(meta)))
}

fn kind_name(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let ft = meta.file_type();
        if ft.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path)
}

fn io_text(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}

/// `12.3 MB`, `950 kB`, `17 bytes` (decimal units, like the limit's default).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1_000_000_000, "GB"), (1_000_000, "MB"), (1_000, "kB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let value = bytes as f64 / unit as f64;
            return if value >= 100.0 || bytes.is_multiple_of(unit) {
                format!("{value:.0} {name}")
            } else {
                format!("{value:.1} {name}")
            };
        }
    }
    if bytes == 1 {
        "1 byte".to_string()
    } else {
        format!("{bytes} bytes")
    }
}

/// Parses a size for `--max-file-size`: a number of bytes, optionally followed by `k`/`kB`,
/// `M`/`MB`, `G`/`GB` (powers of 1000) or `KiB`, `MiB`, `GiB` (powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let bad = || {
        format!("`{text}` is not a size; write a number of bytes, optionally with a unit: 500kB, 10MB, 1GiB")
    };
    let number: u64 = number.parse().map_err(|_| bad())?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    number.checked_mul(factor).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MB"), Ok(10_000_000));
        assert_eq!(parse_size("10 mb"), Ok(10_000_000));
        assert_eq!(parse_size("512k"), Ok(512_000));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("1.5MB").is_err());
        assert!(parse_size("99999999999999999999GB").is_err());
        assert_eq!(human_size(DEFAULT_MAX_FILE_SIZE), "10 MB");
        assert_eq!(human_size(12_345_678), "12.3 MB");
        assert_eq!(human_size(950_000), "950 kB");
        assert_eq!(human_size(17), "17 bytes");
    }

    #[test]
    fn reads_regular_files_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yml");
        std::fs::write(&path, "on: push\n").unwrap();
        assert_eq!(read_regular(&path, 9).unwrap(), b"on: push\n");
        let err = read_regular(&path, 8).unwrap_err();
        assert!(
            matches!(err, ReadError::TooLarge { size: 9, limit: 8 }),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "larger than the 8 bytes size limit (9 bytes); skipped"
        );
        assert!(matches!(
            read_regular(dir.path(), 100),
            Err(ReadError::NotRegular("a directory"))
        ));
        assert!(matches!(
            read_regular(&dir.path().join("missing"), 100),
            Err(ReadError::Io(_))
        ));
    }

    #[test]
    fn a_stream_is_cut_at_the_limit() {
        let endless = std::io::repeat(b'x');
        assert!(matches!(
            read_limited(endless, 1000),
            Err(ReadError::TooLarge { size: 1001, .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.yml");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        let err = read_regular(&fifo, 100).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a named pipe (FIFO), not a regular file; skipped"
        );
        assert!(err.help().contains("wffmt - <"));

        let zero = dir.path().join("zero.yml");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let err = read_regular(&zero, 100).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a character device, not a regular file; skipped"
        );

        let dangling = dir.path().join("gone.yml");
        std::os::unix::fs::symlink("nowhere.yml", &dangling).unwrap();
        assert!(matches!(
            read_regular(&dangling, 100),
            Err(ReadError::DanglingLink)
        ));
    }
}
