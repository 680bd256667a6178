//! The one error type of the harness.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while preparing a guest image, booting it or building a C test.
///
/// The `Display` text always says what is missing or what happened, so a failing test can
/// simply `unwrap()` / `expect()` the result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The qemu binary does not exist.
    #[error(
        "qemu binary {binary:?} not found: install qemu-system-x86 (or point CRYPTODEV_QEMU at it)"
    )]
    QemuMissing {
        /// The binary that was looked for (`qemu-system-x86_64` or the override).
        binary: PathBuf,
    },

    /// A host tool needed to build the guest image or a test program is missing.
    #[error("{tool} not found: install {package}")]
    ToolMissing {
        /// The command (or facility) that is missing.
        tool: String,
        /// The Debian package that provides it.
        package: String,
    },

    /// No guest kernel is cached and none could be fetched.
    #[error("guest kernel unavailable: {0}")]
    KernelUnavailable(String),

    /// The guest kernel or a module list is unusable (e.g. an unknown module name).
    #[error("guest image: {0}")]
    Image(String),

    /// The guest did not finish in time; qemu was killed.
    #[error("guest timed out after {} s (console log: {}); console tail:\n{tail}", .timeout.as_secs(), .log_path.display())]
    Timeout {
        /// The timeout that expired.
        timeout: Duration,
        /// The last lines of the console.
        tail: String,
        /// The full console log.
        log_path: PathBuf,
    },

    /// The guest kernel panicked before the command finished.
    #[error("guest kernel panicked (console log: {}); console tail:\n{tail}", .log_path.display())]
    GuestPanic {
        /// The last lines of the console.
        tail: String,
        /// The full console log.
        log_path: PathBuf,
    },

    /// qemu ended but the guest never printed its exit marker.
    #[error("guest ended without the exit marker (qemu {qemu_status}; console log: {}){}; console tail:\n{tail}",
        .log_path.display(),
        if .qemu_stderr.is_empty() { String::new() } else { format!("; qemu said: {}", .qemu_stderr.trim_end()) })]
    NoMarker {
        /// How qemu exited.
        qemu_status: String,
        /// What qemu wrote to its stderr.
        qemu_stderr: String,
        /// The last lines of the console.
        tail: String,
        /// The full console log.
        log_path: PathBuf,
    },

    /// A helper command (apt-get, dpkg, depmod, modprobe, …) failed.
    #[error("`{command}` failed ({status}): {stderr}")]
    CommandFailed {
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// Its stderr (trimmed).
        stderr: String,
    },

    /// A C test program failed to compile or link.
    #[error("compiling {name} failed: `{command}`:\n{stderr}")]
    CompileFailed {
        /// The program name given to [`build_c`](crate::build_c).
        name: String,
        /// The compiler command line.
        command: String,
        /// The compiler diagnostics.
        stderr: String,
    },

    /// `CRYPTODEV_SKIP_GUEST=1` was set while `CI` is set: skipping is refused in CI.
    #[error("CRYPTODEV_SKIP_GUEST=1 is set, but CI is set too: the guest suite may not be skipped in CI")]
    SkipRefusedInCi,

    /// A caller-supplied setting cannot be used.
    #[error("invalid setting: {0}")]
    Config(String),

    /// An I/O operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl HarnessError {
    /// Wraps an I/O error with a description of what was being done.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        HarnessError::Io {
            context: context.into(),
            source,
        }
    }

    /// Shorthand for [`HarnessError::ToolMissing`].
    pub(crate) fn tool_missing(tool: &str, package: &str) -> Self {
        HarnessError::ToolMissing {
            tool: tool.to_owned(),
            package: package.to_owned(),
        }
    }
}

/// The harness's result type.
pub type Result<T, E = HarnessError> = std::result::Result<T, E>;
