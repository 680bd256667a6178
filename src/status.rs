//! The status file: what a running daemon serves and how, for `cryptodev-cuse status` (and
//! for anyone who wants to know whether OpenSSL really reaches the device).
//!
//! Every line but the counter table starts with `#`, so a reader of the table (the tests,
//! scripts) skips them:
//!
//! ```text
//! # cryptodev-cuse 0.1.0: serving /dev/crypto
//! # pid: 1234
//! # memory access: Direct
//! # sandbox: running as cryptodev (uid 998, gid 998), ...
//! # written: 1764650000 (seconds since the epoch)
//! # backend cbc(aes): AF_ALG virtio_crypto_aes_cbc (hardware)
//! # backend sha256: RustCrypto
//! # open files: 3 opened, 1 closed, 2 live
//! # sessions: 5 opened, 3 closed, 2 live
//! # algorithm sessions operations bytes
//! cbc(aes) 4 10 40960
//! ```
//!
//! The daemon rewrites the file in place (it cannot create files once sandboxed), so a reader
//! may see it half written; [`read_report`] tries again until it parses.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What the daemon is doing, as the first line says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Serving,
    Stopped,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Serving => "serving",
            State::Stopped => "stopped serving",
        }
    }
}

/// What stays the same while the daemon runs.
#[derive(Clone, Debug)]
pub struct Identity {
    pub device: String,
    pub pid: u32,
    pub memory_access: String,
    pub sandbox: String,
}

/// The text of the file: `identity`, `routes` (algorithm, where its sessions go) and the
/// counter table [`crate::stats::Stats::render`] made, without the `written` line, which
/// [`StatusFile::write`] adds.
pub fn render_body(
    identity: &Identity,
    state: State,
    routes: &[(String, String)],
    counters: &str,
) -> String {
    let mut out = format!(
        "# cryptodev-cuse {}: {} {}\n# pid: {}\n# memory access: {}\n# sandbox: {}\n",
        env!("CARGO_PKG_VERSION"),
        state.word(),
        identity.device,
        identity.pid,
        identity.memory_access,
        identity.sandbox
    );
    for (algorithm, route) in routes {
        out.push_str(&format!("# backend {algorithm}: {route}\n"));
    }
    out.push_str(counters);
    out
}

/// The status file, opened (created) at start and rewritten in place.
#[derive(Debug)]
pub struct StatusFile {
    path: PathBuf,
    file: Mutex<File>,
    last_body: Mutex<String>,
    stopped: AtomicBool,
}

impl StatusFile {
    /// Creates (or truncates) the file at `path`, readable by everyone: it holds counters,
    /// no secrets.
    pub fn create(path: &Path) -> std::io::Result<StatusFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(path)?;
        Ok(StatusFile {
            path: path.to_owned(),
            file: Mutex::new(file),
            last_body: Mutex::new(String::new()),
            stopped: AtomicBool::new(false),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rewrites the file with `body` and the time, unless `only_if_changed` and the body is
    /// the one written last. Once a [`State::Stopped`] body was written, nothing overwrites it.
    pub fn write(&self, body: &str, state: State, only_if_changed: bool) {
        if self.stopped.load(Ordering::Acquire) {
            return;
        }
        let mut last = self.last_body.lock().unwrap_or_else(|e| e.into_inner());
        if only_if_changed && *last == body {
            return;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let (head, tail) = split_after_identity(body);
        let text = format!("{head}# written: {now} (seconds since the epoch)\n{tail}");
        let file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let written = file
            .set_len(0)
            .and_then(|()| file.write_all_at(text.as_bytes(), 0));
        match written {
            Ok(()) => {
                body.clone_into(&mut last);
                if state == State::Stopped {
                    self.stopped.store(true, Ordering::Release);
                }
            }
            Err(e) => {
                tracing::warn!(path = %self.path.display(), "cannot write the status file: {e}")
            }
        }
    }
}

/// The body split after its identity lines (the first four), where the `written` line goes.
fn split_after_identity(body: &str) -> (&str, &str) {
    let mut end = 0;
    for _ in 0..4 {
        match body[end..].find('\n') {
            Some(i) => end += i + 1,
            None => return (body, ""),
        }
    }
    body.split_at(end)
}

/// A status file as `status` reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub text: String,
    pub pid: u32,
    pub serving: bool,
    pub written: u64,
}

/// Parses a status file's text; `None` if it is not (yet) a complete one.
pub fn parse_report(text: &str) -> Option<Report> {
    let first = text.lines().next()?;
    let serving = first.contains(": serving ");
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("# {name}: ")))
            .and_then(|value| value.split_whitespace().next())
            .and_then(|value| value.parse::<u64>().ok())
    };
    let pid = u32::try_from(field("pid")?).ok()?;
    let written = field("written")?;
    // The table's heading ends every complete file's header.
    text.contains("# algorithm sessions operations bytes\n")
        .then(|| Report {
            text: text.to_owned(),
            pid,
            serving,
            written,
        })
}

/// Reads the status file at `path`, again while a rewrite is under way.
pub fn read_report(path: &Path) -> std::io::Result<Report> {
    let mut last = String::new();
    for _ in 0..20 {
        last = std::fs::read_to_string(path)?;
        if let Some(report) = parse_report(&last) {
            return Ok(report);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("not a cryptodev-cuse status file: {last:?}"),
    ))
}

/// Whether process `pid` is a running cryptodev-cuse (its name, not just its number, since
/// a pid is reused after a crash).
pub fn daemon_alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|comm| comm.trim_end() == "cryptodev-cuse")
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            device: "/dev/crypto".into(),
            pid: 42,
            memory_access: "Direct".into(),
            sandbox: "running as nobody".into(),
        }
    }

    const COUNTERS: &str = "# open files: 1 opened, 0 closed, 1 live\n\
                            # sessions: 0 opened, 0 closed, 0 live\n\
                            # algorithm sessions operations bytes\n";

    #[test]
    fn a_written_file_parses_back() {
        let dir = std::env::temp_dir().join(format!("cryptodev-status-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("crypto.status");
        let file = StatusFile::create(&path).unwrap();
        let routes = vec![("cbc(aes)".to_owned(), "RustCrypto".to_owned())];
        let body = render_body(&identity(), State::Serving, &routes, COUNTERS);
        file.write(&body, State::Serving, true);
        let report = read_report(&path).unwrap();
        assert_eq!(report.pid, 42);
        assert!(report.serving);
        assert!(report.text.contains("# backend cbc(aes): RustCrypto\n"));
        let lines: Vec<&str> = report.text.lines().collect();
        assert!(lines[4].starts_with("# written: "), "{lines:?}");

        let stopped = render_body(&identity(), State::Stopped, &routes, COUNTERS);
        file.write(&stopped, State::Stopped, false);
        file.write(&body, State::Serving, false);
        let report = read_report(&path).unwrap();
        assert!(!report.serving, "a stopped file was overwritten");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_partial_file_does_not_parse() {
        let body = render_body(&identity(), State::Serving, &[], COUNTERS);
        assert_eq!(parse_report(&body[..body.len() / 2]), None);
        // No `written` line: not what the daemon writes.
        assert_eq!(parse_report(&body), None);
    }

    #[test]
    fn this_process_is_not_a_daemon() {
        assert!(!daemon_alive(std::process::id()));
    }
}
