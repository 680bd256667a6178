//! The `cryptodev-cuse` daemon: serves `/dev/<name>` (default `/dev/crypto`) through CUSE.
#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use nix::sys::signal::{SigSet, Signal};

use cryptodev_cuse::backend::policy::SelectOptions;
use cryptodev_cuse::backend::router::SelectedBackend;
use cryptodev_cuse::cli::{
    self, Command, MemoryAccess, Options, EXIT_NOT_SERVING, EXIT_NO_CUSE, EXIT_NO_PERMISSION,
};
use cryptodev_cuse::device::CryptoDevice;
use cryptodev_cuse::digest_files::{self, DigestFile};
use cryptodev_cuse::limits::Limits;
use cryptodev_cuse::logging::{self, LogSink};
use cryptodev_cuse::memory::{self, Access};
use cryptodev_cuse::sandbox::{self, SandboxOptions};
use cryptodev_cuse::service_manager::ServiceManager;
use cryptodev_cuse::status::{self, Identity, State, StatusFile};
use cryptodev_cuse::transport::cuse::{self, InitOptions};
use cryptodev_cuse::transport::mount::{self, Tree};
use cryptodev_cuse::transport::server::{self, ServeError};
use cryptodev_cuse::transport::{Served, Shutdown};

/// How often the status file is brought up to date (when something changed).
const STATUS_INTERVAL: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let options = Options::parse();
    if let Some(Command::Status { file }) = &options.command {
        let path = file
            .clone()
            .unwrap_or_else(|| cli::default_status_file(&options.name));
        return print_status(&path);
    }
    if let Some(Command::UnmountWhenClosed { dir }) = &options.command {
        return keep_mount(dir);
    }
    let sink = LogSink::stderr();
    // Colour only for a terminal that stays the destination (not once the daemon detaches).
    let detaching = detaches(&options);
    logging::init(
        &sink,
        &options.log_level,
        !detaching && std::io::stderr().is_terminal(),
    );
    match run(&options, &sink) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            tracing::error!("{}", failure.message);
            ExitCode::from(failure.exit_status)
        }
    }
}

/// Why the daemon stopped with an error, and the exit status that tells scripts and the
/// service manager which kind of error it was.
struct Failure {
    message: String,
    exit_status: u8,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            exit_status: 1,
        }
    }
}

impl From<ServeError> for Failure {
    fn from(error: ServeError) -> Failure {
        let exit_status = match error {
            ServeError::NoCuse { .. } | ServeError::NoFuse { .. } => EXIT_NO_CUSE,
            ServeError::NoPermission { .. } | ServeError::MountRefused { .. } => EXIT_NO_PERMISSION,
            _ => 1,
        };
        Failure {
            message: error.to_string(),
            exit_status,
        }
    }
}

/// `cryptodev-cuse status`: the status file, and whether the daemon that wrote it still runs.
fn print_status(path: &Path) -> ExitCode {
    let report = match status::read_report(path) {
        Ok(report) => report,
        Err(e) => {
            eprintln!(
                "cryptodev-cuse status: cannot read {}: {e}\n(is the daemon running? \
                 it writes this file unless --stats-file names another)",
                path.display()
            );
            return ExitCode::from(EXIT_NOT_SERVING);
        }
    };
    print!("{}", report.text);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let age = now.saturating_sub(report.written);
    let alive = status::daemon_alive(report.pid);
    match (report.serving, alive) {
        (true, true) => {
            println!("# state: serving (counters as of {age} s ago)");
            ExitCode::SUCCESS
        }
        (true, false) => {
            println!("# state: NOT RUNNING: process {} is gone", report.pid);
            ExitCode::from(EXIT_NOT_SERVING)
        }
        (false, _) => {
            println!("# state: stopped {age} s ago");
            ExitCode::from(EXIT_NOT_SERVING)
        }
    }
}

/// Opens the status file: the one named (an error if it cannot be created), else the default
/// one where the daemon may create it.
fn open_status_file(options: &Options) -> Result<Option<Arc<StatusFile>>, String> {
    if let Some(path) = &options.stats_file {
        return StatusFile::create(path)
            .map(|file| Some(Arc::new(file)))
            .map_err(|e| format!("status file {}: {e}", path.display()));
    }
    let path = cli::default_status_file(&options.name);
    let created = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| StatusFile::create(&path));
    match created {
        Ok(file) => Ok(Some(Arc::new(file))),
        Err(e) => {
            tracing::info!(
                "no status file ({}: {e}); `cryptodev-cuse status` will not see this daemon",
                path.display()
            );
            Ok(None)
        }
    }
}

fn run(options: &Options, sink: &LogSink) -> Result<(), Failure> {
    // Workers inherit this mask, so only the signal thread ever sees these signals.
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGTERM);
    signals.add(Signal::SIGINT);
    signals.add(Signal::SIGUSR1);
    signals
        .thread_block()
        .map_err(|e| format!("blocking signals: {e}"))?;
    let service_manager = ServiceManager::from_environment()
        .map_err(|e| format!("connecting to the service manager (NOTIFY_SOCKET): {e}"))?;

    let backend = Arc::new(SelectedBackend::build(&SelectOptions {
        mode: options.backend,
        pins: options.pin_driver.clone(),
        software_below: options.software_below,
    }));
    let direct_permitted = memory::direct_access_permitted();
    let wanted = match options.memory_access {
        MemoryAccess::Auto if direct_permitted => Access::Direct,
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
    // Who mounts owns the mount's files (the sandbox takes even getuid away).
    let mounter = (
        nix::unistd::getuid().as_raw(),
        nix::unistd::getgid().as_raw(),
    );
    let (channel, access, device_path, _mount_keeper) = match &options.mount {
        None => {
            let channel = Arc::new(cuse::open_channel(&options.cuse_device)?);
            let init = InitOptions {
                name: options.name.clone(),
                unrestricted: wanted.unrestricted_ioctls(),
                restricted_fallback: direct_permitted,
                sysfs_class: Some(PathBuf::from("/sys/class/cuse")),
            };
            let negotiated = cuse::handshake(&channel, &init)?;
            let access = if negotiated.unrestricted {
                Access::Retry
            } else {
                Access::Direct
            };
            if access != wanted {
                tracing::warn!(
                    "this kernel's CUSE does not offer unrestricted ioctls: no RETRY rounds. \
                     Callers' buffers are reached directly (process_vm_readv/writev, \
                     CAP_SYS_PTRACE kept): callers in another pid namespace, or that a security \
                     module keeps the daemon from tracing, get EPERM"
                );
            }
            (channel, access, format!("/dev/{}", options.name), None)
        }
        Some(dir) => {
            if options.memory_access == MemoryAccess::Retry || !direct_permitted {
                return Err(format!(
                    "--mount: a FUSE mount's files get restricted ioctls only (no RETRY \
                     rounds), so the daemon must reach callers' buffers directly, which needs \
                     CAP_SYS_PTRACE{}",
                    if direct_permitted {
                        " (drop --memory-access retry)"
                    } else {
                        ", which it lacks (or Yama forbids attaching): start it as root"
                    }
                )
                .into());
            }
            let channel = Arc::new(mount::mount(dir, &options.fuse_device)?);
            let keeper = start_mount_keeper(dir, detaches(options))?;
            mount::handshake(&channel)?;
            let path = dir.join(&options.name).display().to_string();
            (channel, Access::Direct, path, Some(keeper))
        }
    };

    if detaches(options) {
        // Connected now: the sandbox allows no new connections.
        if let Err(e) = sink.switch_to_syslog(Path::new(logging::SYSLOG_SOCKET), "cryptodev-cuse") {
            tracing::warn!(
                "no syslog at {} ({e}): after detaching nothing is logged; \
                 --foreground keeps the log on stderr",
                logging::SYSLOG_SOCKET
            );
        }
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
    let status_file = open_status_file(options)?;
    // Before any thread starts: credentials and capabilities are per thread.
    let sandbox_line = if options.no_sandbox {
        tracing::warn!(
            "--no-sandbox: the daemon keeps root, every capability and every system call \
             while it reads and writes its callers' memory; use it for debugging only"
        );
        "none (--no-sandbox)".to_owned()
    } else {
        let confinement = sandbox::enter(&SandboxOptions {
            user: options.user.clone(),
            keep_ptrace: access == Access::Direct,
        })
        .map_err(|e| format!("entering the sandbox: {e} (--no-sandbox skips it)"))?;
        tracing::info!("sandbox: {confinement}");
        confinement.to_string()
    };

    let mut device = CryptoDevice::new(backend.clone(), options.threads)
        .map_err(|e| format!("job threads: {e}"))?
        .with_limits(limits);
    if options.asym {
        device = device.with_asym_announced();
    }
    let device = Arc::new(device);
    device.attach_channel(Arc::clone(&channel));
    let served = match &options.mount {
        None => Served::Device(device.clone()),
        Some(_) => Served::Mount(Arc::new(mount_tree(
            &options.name,
            mounter,
            &device,
            backend.clone(),
        )?)),
    };
    let reporter = Arc::new(StatusReporter {
        identity: Identity {
            device: device_path,
            pid: std::process::id(),
            memory_access: format!("{access:?}"),
            sandbox: sandbox_line,
        },
        backend,
        device: Arc::clone(&device),
        file: status_file,
    });

    let signal_shutdown = Arc::clone(&shutdown);
    let signal_reporter = Arc::clone(&reporter);
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            match signals.wait() {
                Ok(Signal::SIGUSR1) => {
                    let table = signal_reporter.device.stats().render();
                    tracing::info!("usage per algorithm:\n{table}");
                    signal_reporter.write(State::Serving, false);
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
    if reporter.file.is_some() {
        let periodic = Arc::clone(&reporter);
        let periodic_shutdown = Arc::clone(&shutdown);
        std::thread::Builder::new()
            .name("status".into())
            .spawn(move || {
                while !periodic_shutdown.is_triggered() {
                    periodic.write(State::Serving, true);
                    std::thread::sleep(STATUS_INTERVAL);
                }
            })
            .map_err(|e| format!("status thread: {e}"))?;
    }

    tracing::info!(
        device = %reporter.identity.device,
        threads = options.threads,
        ?access,
        "serving"
    );
    if let Some(manager) = &service_manager {
        manager.ready(&format!(
            "serving {} ({access:?} caller memory)",
            reporter.identity.device
        ));
    }
    let outcome = server::serve(channel, served, shutdown, options.threads);
    if let Some(manager) = &service_manager {
        manager.stopping();
    }
    reporter.write(State::Stopped, false);
    outcome.map_err(|e| e.to_string())?;
    tracing::info!("device removed");
    Ok(())
}

/// The mount's files: `name`, the cryptodev device, then the digest files of every hash and
/// HMAC the backend serves (module `digest_files`). Everyone may open them at first, as the
/// cryptodev kernel module's /dev/crypto (mode 0666); chmod and chgrp narrow that.
fn mount_tree(
    name: &str,
    (uid, gid): (u32, u32),
    device: &Arc<CryptoDevice>,
    backend: Arc<SelectedBackend>,
) -> Result<Tree, Failure> {
    const MODE: u32 = 0o666;
    let mut tree = Tree::new(uid, gid);
    tree.add_file(name, MODE, device.clone())?;
    let (stats, quotas) = device.shared_accounting();
    for (path, alg, encoding) in digest_files::catalogue(backend.as_ref()) {
        let file = DigestFile::new(
            alg,
            encoding,
            backend.clone(),
            Arc::clone(&stats),
            Arc::clone(&quotas),
        );
        tree.add_file(&path, MODE, Arc::new(file))?;
    }
    Ok(tree)
}

/// Whether the daemon detaches once serving: not in the foreground, and not under a service
/// manager (`NOTIFY_SOCKET`, which `ServiceManager::from_environment` connects to).
fn detaches(options: &Options) -> bool {
    !options.foreground && std::env::var_os("NOTIFY_SOCKET").is_none()
}

/// Starts the keeper that unmounts `dir` once this process is gone (it may not unmount itself
/// once sandboxed). The returned pipe end is the keeper's standard input: it ends when this
/// process exits, however it exits. A keeper of a daemon that detaches keeps none of the
/// caller's output open, or whoever reads that output would wait for the keeper's end too.
fn start_mount_keeper(dir: &Path, detaching: bool) -> Result<std::process::ChildStdin, Failure> {
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let program = std::env::current_exe().map_err(|e| format!("finding this program: {e}"))?;
    let mut keeper = std::process::Command::new(program)
        .args(cli::unmount_keeper_args(dir))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(if detaching {
            Stdio::null()
        } else {
            Stdio::inherit()
        })
        // Out of the terminal's process group: a ^C to the daemon must not end it first.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("starting the mount's keeper: {e}"))?;
    keeper
        .stdin
        .take()
        .ok_or_else(|| "the mount's keeper has no standard input".to_owned().into())
}

/// `unmount-when-closed DIR`: the keeper's whole life (see [`start_mount_keeper`]).
fn keep_mount(dir: &Path) -> ExitCode {
    // Not to be taken for the daemon by what looks for it by name.
    let _ = nix::sys::prctl::set_name(c"cryptodev-unmnt");
    // Stopping the service signals every process of it: the keeper still unmounts, once the
    // daemon is gone.
    let mut signals = SigSet::empty();
    for signal in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
        signals.add(signal);
    }
    let _ = signals.thread_block();
    match mount::unmount_when_closed(dir, std::io::stdin()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cryptodev-cuse: unmounting {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

/// Writes the status file from the daemon's parts.
struct StatusReporter {
    identity: Identity,
    backend: Arc<SelectedBackend>,
    device: Arc<CryptoDevice>,
    file: Option<Arc<StatusFile>>,
}

impl StatusReporter {
    fn write(&self, state: State, only_if_changed: bool) {
        let Some(file) = &self.file else {
            return;
        };
        let body = status::render_body(
            &self.identity,
            state,
            &self.backend.routes(),
            &self.device.stats().render(),
        );
        file.write(&body, state, only_if_changed);
    }
}
