//! The `cryptodev-cuse` daemon: serves `/dev/<name>` (default `/dev/crypto`) through CUSE.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, ValueEnum};
use nix::sys::signal::{SigSet, Signal};

use cryptodev_cuse::backend::policy::{BackendMode, Pin, SelectOptions};
use cryptodev_cuse::backend::router::SelectedBackend;
use cryptodev_cuse::cuse::server::{self, InitOptions};
use cryptodev_cuse::cuse::Shutdown;
use cryptodev_cuse::device::CryptoDevice;
use cryptodev_cuse::limits::{self, Limits};
use cryptodev_cuse::memory::{self, Access};
use cryptodev_cuse::sandbox::{self, SandboxOptions};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MemoryAccess {
    /// direct if the daemon has CAP_SYS_PTRACE and Yama allows attaching, retry otherwise.
    Auto,
    /// Restricted ioctls: the kernel carries the argument struct, the daemon reaches the
    /// buffers with process_vm_readv/writev (one round trip, no size limit; callers it cannot
    /// reach get EPERM).
    Direct,
    /// CUSE RETRY rounds (each direction of an ioctl is then limited to 128 KiB).
    Retry,
}

/// Serve the cryptodev /dev/crypto ioctl ABI from user space through CUSE.
#[derive(Debug, Parser)]
#[command(version)]
struct Options {
    /// Device name: the node appears as /dev/NAME.
    #[arg(long, default_value = "crypto")]
    name: String,
    /// Worker threads serving requests.
    #[arg(long, default_value_t = default_threads())]
    threads: usize,
    /// Stay in the foreground (otherwise detach once the device exists).
    #[arg(long)]
    foreground: bool,
    /// Log filter: error, warn, info, debug, trace, or a tracing directive list.
    #[arg(long, default_value = "info")]
    log_level: String,
    /// How the daemon reaches callers' buffers.
    #[arg(long, value_enum, default_value = "auto")]
    memory_access: MemoryAccess,
    /// Where SIGUSR1 (and exit) write the usage counters; SIGUSR1 also logs them. The file
    /// is created at start and rewritten in place by each report.
    #[arg(long)]
    stats_file: Option<PathBuf>,
    /// Which implementation serves each algorithm's sessions.
    #[arg(long, value_enum, default_value = "auto")]
    backend: BackendMode,
    /// Use kernel driver DRIVER for algorithm NAME over AF_ALG, e.g.
    /// cbc(aes)=virtio_crypto_aes_cbc (repeatable; with auto and afalg).
    #[arg(long = "pin-driver", value_name = "NAME=DRIVER")]
    pin_driver: Vec<Pin>,
    /// Cipher and AEAD operations shorter than BYTES on hardware sessions run in RustCrypto
    /// (small requests lose on hardware); hash operations stay on the backend their session
    /// started on. 0 turns it off.
    #[arg(long, value_name = "BYTES", default_value_t = 0)]
    software_below: usize,
    /// Open files of /dev/crypto one user may have open at once (ENFILE beyond).
    #[arg(long, value_name = "COUNT", default_value_t = limits::DEFAULT_FILES_PER_UID)]
    max_files_per_uid: usize,
    /// Sessions one user may have at once (CIOCGSESSION ENOMEM beyond).
    #[arg(long, value_name = "COUNT", default_value_t = limits::DEFAULT_SESSIONS_PER_UID)]
    max_sessions_per_uid: usize,
    /// Bytes the daemon holds for operations in progress and unfetched asynchronous jobs of
    /// all users (default: a quarter of the memory, 160 MiB to 1 GiB); one user may hold
    /// half (ENOMEM, or EBUSY for a submission, beyond).
    #[arg(long, value_name = "BYTES")]
    max_held_bytes: Option<usize>,
    /// Once the device exists, run as USER (default: the `cryptodev` system user if it
    /// exists, else nobody), with CAP_SYS_PTRACE only in direct memory mode and a seccomp
    /// allowlist of system calls.
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// Keep root, every capability and every system call (for debugging only).
    #[arg(long)]
    no_sandbox: bool,
    /// The CUSE control device.
    #[arg(long, default_value = "/dev/cuse", hide = true)]
    cuse_device: PathBuf,
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

fn main() -> ExitCode {
    let options = Options::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&options.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    // Workers inherit this mask, so only the signal thread ever sees these signals.
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGTERM);
    signals.add(Signal::SIGINT);
    signals.add(Signal::SIGUSR1);
    signals
        .thread_block()
        .map_err(|e| format!("blocking signals: {e}"))?;

    let backend = SelectedBackend::build(&SelectOptions {
        mode: options.backend,
        pins: options.pin_driver.clone(),
        software_below: options.software_below,
    });
    let access = match options.memory_access {
        MemoryAccess::Auto if memory::direct_access_permitted() => Access::Direct,
        MemoryAccess::Auto => {
            tracing::info!(
                "no CAP_SYS_PTRACE (or Yama forbids attaching): callers' buffers travel in \
                 CUSE RETRY rounds, at most 128 KiB per direction of an ioctl"
            );
            Access::Retry
        }
        MemoryAccess::Direct => Access::Direct,
        MemoryAccess::Retry => Access::Retry,
    };
    let shutdown = Arc::new(Shutdown::new());
    let channel = Arc::new(server::open_channel(&options.cuse_device).map_err(|e| e.to_string())?);
    let init = InitOptions {
        name: options.name.clone(),
        unrestricted: access.unrestricted_ioctls(),
        sysfs_class: Some(PathBuf::from("/sys/class/cuse")),
    };
    server::handshake(&channel, &init).map_err(|e| e.to_string())?;

    if !options.foreground {
        nix::unistd::daemon(false, false).map_err(|e| format!("detaching: {e}"))?;
    }
    let mut limits = Limits::for_this_machine();
    limits.files_per_uid = options.max_files_per_uid;
    limits.sessions_per_uid = options.max_sessions_per_uid;
    if let Some(bytes) = options.max_held_bytes {
        limits.held_bytes = bytes;
        limits.held_bytes_per_uid = bytes / 2;
    }
    tracing::info!(
        files_per_uid = limits.files_per_uid,
        sessions_per_uid = limits.sessions_per_uid,
        held_bytes = limits.held_bytes,
        held_bytes_per_uid = limits.held_bytes_per_uid,
        "limits"
    );
    // Opened while the daemon may still create it; rewritten in place from then on.
    let stats_file = options
        .stats_file
        .as_deref()
        .map(|path| {
            std::fs::File::create(path)
                .map(|file| StatsFile {
                    path: path.to_owned(),
                    file,
                })
                .map_err(|e| format!("statistics file {}: {e}", path.display()))
        })
        .transpose()?
        .map(Arc::new);
    // Before any thread starts: credentials and capabilities are per thread.
    if options.no_sandbox {
        tracing::warn!(
            "--no-sandbox: the daemon keeps root, every capability and every system call \
             while it reads and writes its callers' memory; use it for debugging only"
        );
    } else {
        let confinement = sandbox::enter(&SandboxOptions {
            user: options.user.clone(),
            keep_ptrace: access == Access::Direct,
        })
        .map_err(|e| format!("entering the sandbox: {e} (--no-sandbox skips it)"))?;
        tracing::info!("sandbox: {confinement}");
    }

    let device = Arc::new(
        CryptoDevice::new(Arc::new(backend), options.threads)
            .map_err(|e| format!("job threads: {e}"))?
            .with_limits(limits),
    );
    device.attach_channel(Arc::clone(&channel));

    let signal_shutdown = Arc::clone(&shutdown);
    let signal_device = Arc::clone(&device);
    let signal_stats_file = stats_file.clone();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            match signals.wait() {
                Ok(Signal::SIGUSR1) => {
                    report_stats(&signal_device, signal_stats_file.as_deref());
                }
                Ok(signal) => {
                    tracing::info!(%signal, "shutting down");
                    signal_shutdown.trigger();
                    return;
                }
                Err(e) => {
                    tracing::error!("waiting for signals failed: {e}");
                    signal_shutdown.trigger();
                    return;
                }
            }
        })
        .map_err(|e| format!("signal thread: {e}"))?;

    tracing::info!(
        device = %format_args!("/dev/{}", options.name),
        threads = options.threads,
        ?access,
        "serving"
    );
    let served = server::serve(channel, device.clone(), shutdown, options.threads);
    if stats_file.is_some() {
        report_stats(&device, stats_file.as_deref());
    }
    served.map_err(|e| e.to_string())?;
    tracing::info!("device removed");
    Ok(())
}

/// Where the usage counters are written: opened at start, rewritten in place.
#[derive(Debug)]
struct StatsFile {
    path: PathBuf,
    file: std::fs::File,
}

/// Logs the usage counters and writes them to `file`, if given.
fn report_stats(device: &CryptoDevice, file: Option<&StatsFile>) {
    use std::os::unix::fs::FileExt;
    let table = device.stats().render();
    tracing::info!("usage per algorithm:\n{table}");
    if let Some(out) = file {
        let written = out
            .file
            .set_len(0)
            .and_then(|()| out.file.write_all_at(table.as_bytes(), 0));
        if let Err(e) = written {
            tracing::warn!(path = %out.path.display(), "cannot write statistics: {e}");
        }
    }
}
