//! Where log lines go: stderr while the daemon has one (a terminal, or systemd's journal,
//! which adds its own timestamps), syslog once it detached (its stderr is then /dev/null, and
//! a warning a user needs, such as an E2BIG hint, would otherwise be lost).
//!
//! Each event is formatted once and written as one unit: one `write` to stderr, or one
//! datagram to `/dev/log` (RFC 3164 framing, facility daemon, the event's level as severity).

use std::io::{self, Write};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::MakeWriter;

/// The socket syslog daemons and journald listen on.
pub const SYSLOG_SOCKET: &str = "/dev/log";

/// Syslog facility `daemon` (RFC 3164: 3), shifted as the PRI field wants it.
const FACILITY_DAEMON: u8 = 3 << 3;

#[derive(Debug)]
enum Destination {
    Stderr { timestamps: bool },
    Syslog { socket: UnixDatagram, tag: String },
}

/// The log destination, shared by the subscriber's writer and timer; switched once, when the
/// daemon detaches.
#[derive(Clone, Debug)]
pub struct LogSink {
    destination: Arc<Mutex<Destination>>,
}

impl LogSink {
    /// Logs to stderr, with timestamps unless systemd's journal (which stamps each line)
    /// reads it.
    pub fn stderr() -> LogSink {
        let timestamps = std::env::var_os("JOURNAL_STREAM").is_none();
        LogSink {
            destination: Arc::new(Mutex::new(Destination::Stderr { timestamps })),
        }
    }

    /// From now on, logs to the syslog socket at `path`, as `tag[pid]` (the pid of the
    /// moment: the daemon switches before it detaches, which changes its pid).
    pub fn switch_to_syslog(&self, path: &Path, tag: &str) -> io::Result<()> {
        let socket = UnixDatagram::unbound()?;
        socket.connect(path)?;
        *self.lock() = Destination::Syslog {
            socket,
            tag: tag.to_owned(),
        };
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Destination> {
        self.destination
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn wants_timestamps(&self) -> bool {
        matches!(*self.lock(), Destination::Stderr { timestamps: true })
    }

    fn deliver(&self, level: Level, line: &[u8]) {
        match &*self.lock() {
            Destination::Stderr { timestamps } => {
                // Without a timestamp the line starts with the space that follows one.
                let line = if *timestamps {
                    line
                } else {
                    line.trim_ascii_start()
                };
                // Nowhere to report a failing stderr.
                let _ = io::stderr().lock().write_all(line);
            }
            Destination::Syslog { socket, tag } => {
                let message = String::from_utf8_lossy(line);
                let datagram = format!(
                    "<{}>{tag}[{}]: {}",
                    FACILITY_DAEMON | severity(level),
                    std::process::id(),
                    message.trim()
                );
                let _ = socket.send(datagram.as_bytes());
            }
        }
    }
}

/// The RFC 3164 severity of a tracing level.
fn severity(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

/// One event's text, delivered when the formatter is done with it.
pub struct EventWriter {
    sink: LogSink,
    level: Level,
    buffer: Vec<u8>,
}

impl Write for EventWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if !self.buffer.is_empty() {
            self.sink.deliver(self.level, &self.buffer);
        }
    }
}

impl<'a> MakeWriter<'a> for LogSink {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> EventWriter {
        EventWriter {
            sink: self.clone(),
            level: Level::INFO,
            buffer: Vec::new(),
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> EventWriter {
        EventWriter {
            sink: self.clone(),
            level: *meta.level(),
            buffer: Vec::new(),
        }
    }
}

/// Timestamps only where nothing else adds them.
impl FormatTime for LogSink {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        if self.wants_timestamps() {
            SystemTime.format_time(w)
        } else {
            Ok(())
        }
    }
}

/// Installs the global subscriber: `filter` (a level or a directive list; `info` if it does
/// not parse), colour only when `colour` (stderr is a terminal and stays the destination).
pub fn init(sink: &LogSink, filter: &str, colour: bool) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink.clone())
        .with_timer(sink.clone())
        .with_ansi(colour)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syslog_datagrams_carry_facility_severity_and_tag() {
        let dir = std::env::temp_dir().join(format!("cryptodev-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log");
        let _ = std::fs::remove_file(&path);
        let receiver = UnixDatagram::bind(&path).unwrap();
        let sink = LogSink::stderr();
        sink.switch_to_syslog(&path, "cryptodev-cuse").unwrap();
        assert!(!sink.wants_timestamps());
        {
            let mut writer = sink.make_writer();
            writer.level = Level::WARN;
            writer.write_all(b" WARN a line\n").unwrap();
        }
        let mut buf = [0u8; 256];
        let len = receiver.recv(&mut buf).unwrap();
        let text = std::str::from_utf8(&buf[..len]).unwrap();
        assert_eq!(
            text,
            format!("<28>cryptodev-cuse[{}]: WARN a line", std::process::id())
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
