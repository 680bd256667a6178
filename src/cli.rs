//! The command line: the daemon's options and its `status` command. It lives in the library
//! so that the manual page (packaging/manpage) is generated from the same definition.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::backend::policy::{BackendMode, Pin};
use crate::limits;

/// `--memory-access`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MemoryAccess {
    /// direct if the daemon has CAP_SYS_PTRACE and Yama allows attaching, retry otherwise.
    Auto,
    /// Restricted ioctls: the kernel carries the argument struct, the daemon reaches the
    /// buffers with process_vm_readv/writev (one round trip, no size limit; callers it cannot
    /// reach get EPERM).
    Direct,
    /// CUSE RETRY rounds (each direction of an ioctl is then limited to 128 KiB).
    Retry,
}

/// Exit status: the device could not be created because the kernel has no CUSE (the cuse
/// module is not loaded and cannot be), sysexits' EX_UNAVAILABLE.
pub const EXIT_NO_CUSE: u8 = 69;

/// Exit status: the daemon may not use /dev/cuse (not started as root), sysexits' EX_NOPERM.
pub const EXIT_NO_PERMISSION: u8 = 77;

/// Exit status of `status` when the daemon is not serving (the LSB code for "program is not
/// running").
pub const EXIT_NOT_SERVING: u8 = 3;

/// Where the status file goes when neither `--stats-file` nor `status --file` names one.
pub fn default_status_file(name: &str) -> PathBuf {
    PathBuf::from(format!("/run/cryptodev-cuse/{name}.status"))
}

/// Serve the cryptodev /dev/crypto ioctl ABI from user space through CUSE.
///
/// The daemon creates /dev/NAME through the kernel's CUSE driver (module cuse), answers the
/// cryptodev-linux ioctls (CIOCGSESSION, CIOCCRYPT, CIOCAUTHCRYPT, CIOCKEY, ...) of 64- and
/// 32-bit callers, and runs each session on AF_ALG where the kernel has a hardware driver for
/// it, on RustCrypto in the daemon otherwise. Once the device exists it runs as an
/// unprivileged user under a seccomp allowlist. Under systemd (NOTIFY_SOCKET set) it stays in
/// the foreground and reports readiness once the device exists; detached, it logs to syslog.
/// SIGTERM or SIGINT removes the device; SIGUSR1 logs the usage counters and rewrites the
/// status file.
#[derive(Debug, Parser)]
#[command(name = "cryptodev-cuse", version, about, long_about)]
pub struct Options {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Device name: the node appears as /dev/NAME.
    #[arg(long, default_value = "crypto")]
    pub name: String,
    /// Worker threads serving requests [default: the number of CPUs, 2 to 8].
    #[arg(long, default_value_t = default_threads(), hide_default_value = true)]
    pub threads: usize,
    /// Stay in the foreground (otherwise detach once the device exists, logging to syslog).
    #[arg(long)]
    pub foreground: bool,
    /// Log filter: error, warn, info, debug, trace, or a tracing directive list.
    #[arg(long, default_value = "info")]
    pub log_level: String,
    /// How the daemon reaches callers' buffers.
    #[arg(long, value_enum, default_value = "auto")]
    pub memory_access: MemoryAccess,
    /// The status file: the device, where each algorithm is served, the usage counters.
    /// Rewritten in place every few seconds when something changed, on SIGUSR1 and at exit
    /// [default: /run/cryptodev-cuse/NAME.status, skipped if it cannot be created].
    #[arg(long, value_name = "PATH")]
    pub stats_file: Option<PathBuf>,
    /// Which implementation serves each algorithm's sessions.
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: BackendMode,
    /// Use kernel driver DRIVER for algorithm NAME over AF_ALG, e.g.
    /// cbc(aes)=virtio_crypto_aes_cbc (repeatable; with auto and afalg).
    #[arg(long = "pin-driver", value_name = "NAME=DRIVER")]
    pub pin_driver: Vec<Pin>,
    /// Cipher and AEAD operations shorter than BYTES on hardware sessions run in RustCrypto
    /// (small requests lose on hardware); hash operations stay on the backend their session
    /// started on. 0 turns it off.
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    pub software_below: usize,
    /// Announce the CIOCKEY operations (RSA: CRK_MOD_EXP, CRK_MOD_EXP_CRT; DSA: CRK_DSA_SIGN,
    /// CRK_DSA_VERIFY) in CIOCASYMFEAT. Off by default: OpenSSL 1.0.2 and 1.1.0 built with
    /// their cryptodev engine make it every program's RSA, DSA and DH once /dev/crypto
    /// announces them, and 1.1.0 releases before the fix of OpenSSL issue #8202 (1.1.0i
    /// among them) pass the numbers in the wrong byte order, so results come out wrong.
    /// CIOCKEY itself answers either way.
    #[arg(long)]
    pub asym: bool,
    /// Open files of /dev/crypto one user may have open at once (ENFILE beyond).
    #[arg(long, value_name = "COUNT", default_value_t = limits::DEFAULT_FILES_PER_UID)]
    pub max_files_per_uid: usize,
    /// Sessions one user may have at once (CIOCGSESSION ENOMEM beyond).
    #[arg(long, value_name = "COUNT", default_value_t = limits::DEFAULT_SESSIONS_PER_UID)]
    pub max_sessions_per_uid: usize,
    /// Bytes the daemon holds for operations in progress and unfetched asynchronous jobs of
    /// all users (default: a quarter of the memory, 160 MiB to 1 GiB); one user may hold
    /// half (ENOMEM, or EBUSY for a submission, beyond).
    #[arg(long, value_name = "BYTES")]
    pub max_held_bytes: Option<usize>,
    /// Once the device exists, run as USER (default: the `cryptodev` system user if it
    /// exists, else nobody), with CAP_SYS_PTRACE only in direct memory mode and a seccomp
    /// allowlist of system calls.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Keep root, every capability and every system call (for debugging only).
    #[arg(long)]
    pub no_sandbox: bool,
    /// Instead of a CUSE device, mount a FUSE file system on DIR (made if missing) whose file
    /// DIR/NAME answers the same ioctls, for a kernel or a container without CUSE; bind-mount
    /// it on /dev/crypto where clients expect that path. DIR/hash/ALG and DIR/hmac/ALG compute
    /// digests for shells. Its ioctls need direct caller memory (CAP_SYS_PTRACE). Unmounted
    /// when the daemon exits.
    #[arg(long, value_name = "DIR")]
    pub mount: Option<PathBuf>,
    /// The CUSE control device.
    #[arg(long, default_value = "/dev/cuse", hide = true)]
    pub cuse_device: PathBuf,
    /// The FUSE control device.
    #[arg(long, default_value = "/dev/fuse", hide = true)]
    pub fuse_device: PathBuf,
}

/// What to do instead of serving.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the status of the daemon serving /dev/NAME: its process, memory mode and
    /// sandbox, the backend of each algorithm, and the usage counters (refreshed first when
    /// the caller may signal the daemon). Exit status 0 when it is serving, 3 when not.
    Status {
        /// The status file the daemon writes [default: /run/cryptodev-cuse/NAME.status].
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// The keeper of a mount, started by the daemon itself while it may still unmount: waits
    /// until its standard input ends (the daemon exited) and unmounts DIR.
    #[command(hide = true)]
    UnmountWhenClosed { dir: PathBuf },
}

/// The arguments that start the keeper of a mount on `dir` ([`Command::UnmountWhenClosed`]).
pub fn unmount_keeper_args(dir: &std::path::Path) -> Vec<std::ffi::OsString> {
    vec!["unmount-when-closed".into(), "--".into(), dir.into()]
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Options::command().debug_assert();
    }

    #[test]
    fn the_keeper_arguments_parse_back() {
        let mut argv = vec![std::ffi::OsString::from("cryptodev-cuse")];
        argv.extend(unmount_keeper_args(std::path::Path::new("-odd dir")));
        match Options::try_parse_from(argv).unwrap().command {
            Some(Command::UnmountWhenClosed { dir }) => assert_eq!(dir, PathBuf::from("-odd dir")),
            other => panic!("parsed {other:?}"),
        }
    }

    #[test]
    fn status_takes_its_own_file() {
        let options =
            Options::try_parse_from(["cryptodev-cuse", "status", "--file", "/tmp/x"]).unwrap();
        match options.command {
            Some(Command::Status { file }) => assert_eq!(file, Some(PathBuf::from("/tmp/x"))),
            other => panic!("parsed {other:?}"),
        }
    }
}
