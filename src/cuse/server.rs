//! The CUSE_INIT handshake and the request loop.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cryptodev_abi::Layout;
use nix::errno::Errno;

use super::channel::{Channel, REQUEST_BUFFER_SIZE};
use super::lane::Lane;
use super::request::{Operation, ParseError, Request};
use super::wire::*;
use super::{Caller, Device, IoctlCall, IoctlReply};

/// Why the device could not be brought up or served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "cannot open {path} ({source}): the kernel's cuse module is not loaded. Load it as root \
         with `modprobe cuse` (/etc/modules-load.d/ can load it at every boot); if modprobe \
         cannot find it, this kernel was built without CUSE (CONFIG_CUSE)"
    )]
    NoCuse { path: String, source: io::Error },
    #[error(
        "cannot open {path} ({source}): creating a device through CUSE needs read and write \
         access to {path}, which only root has; start the daemon as root (it becomes an \
         unprivileged user once the device exists)"
    )]
    NoPermission { path: String, source: io::Error },
    #[error("cannot open {path}: {source}")]
    Open { path: String, source: io::Error },
    #[error("reading from the CUSE channel failed: {0}")]
    Read(io::Error),
    #[error("replying on the CUSE channel failed: {0}")]
    Write(io::Error),
    #[error("the kernel closed the CUSE connection before CUSE_INIT")]
    ClosedBeforeInit,
    #[error("the kernel's first request is malformed: {0}")]
    Malformed(String),
    #[error("cannot start a worker thread: {0}")]
    Spawn(io::Error),
    #[error("the kernel's first request was opcode {0}, not CUSE_INIT")]
    NotInit(u32),
    #[error("kernel speaks FUSE {major}.{minor}; need 7.{MIN_KERNEL_MINOR} or later")]
    Version { major: u32, minor: u32 },
    #[error(
        "this kernel's CUSE does not offer unrestricted ioctls, which RETRY rounds need; \
         direct caller memory works without them but needs CAP_SYS_PTRACE \
         (--memory-access direct)"
    )]
    Restricted,
    #[error(
        "the kernel refused device {0:?} ({1} did not appear): the name may be taken by \
         another CUSE device or a device number may be busy"
    )]
    DeviceNotCreated(String, String),
    #[error("device name {0:?} is not usable (empty, or containing NUL or '=')")]
    BadName(String),
}

/// Options of the CUSE_INIT reply.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// DEVNAME: the node appears as `/dev/<name>`.
    pub name: String,
    /// Unrestricted ioctls (RETRY rounds) rather than restricted ones (the argument struct
    /// carried in the request); see the module documentation of [`crate::cuse`].
    pub unrestricted: bool,
    /// When unrestricted ioctls are wanted but the kernel does not offer them, take
    /// restricted ones instead of failing with [`ServeError::Restricted`].
    pub restricted_fallback: bool,
    /// Where the kernel lists CUSE devices (`/sys/class/cuse`); checked after the handshake.
    /// `None` skips the check (a test kernel has no sysfs).
    pub sysfs_class: Option<std::path::PathBuf>,
}

/// Opens the CUSE control device, telling a kernel without CUSE and a caller without the
/// right to use it from other failures.
pub fn open_channel(path: &Path) -> Result<Channel, ServeError> {
    Channel::open(path).map_err(|source| {
        let path = path.display().to_string();
        match source.raw_os_error() {
            // No node (devtmpfs creates it when the module registers), or a node of a module
            // that is neither loaded nor loadable.
            Some(libc::ENOENT | libc::ENODEV | libc::ENXIO) => ServeError::NoCuse { path, source },
            Some(libc::EACCES | libc::EPERM | libc::EROFS) => {
                ServeError::NoPermission { path, source }
            }
            _ => ServeError::Open { path, source },
        }
    })
}

/// Tells [`serve`] to stop: it lets the requests in hand finish, then returns. Workers waiting
/// for a request are not woken (each waits in a blocking `read`, which nothing but a request
/// ends); they go with the process, whose exit removes the device.
#[derive(Debug, Default)]
pub struct Shutdown {
    stopping: Mutex<bool>,
    changed: Condvar,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Asks [`serve`] to stop. Safe to call from any thread, more than once.
    pub fn trigger(&self) {
        *self.stopping.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.changed.notify_all();
    }

    pub fn is_triggered(&self) -> bool {
        *self.stopping.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait(&self) {
        let mut stopping = self.stopping.lock().unwrap_or_else(|e| e.into_inner());
        while !*stopping {
            stopping = self
                .changed
                .wait(stopping)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// Reads one request, retrying reads that a signal or an interrupted request cut short.
/// `Ok(None)`: the connection is gone (the device was removed or aborted).
fn receive(channel: &Channel, buf: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        match channel.receive(buf) {
            Ok(0) => return Ok(None),
            Ok(len) => return Ok(Some(len)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // ENOENT: the request was interrupted away before we could read it.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

/// What the CUSE_INIT handshake settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// Whether ioctls arrive unrestricted (see the module documentation of [`crate::cuse`]).
    pub unrestricted: bool,
}

/// Answers the kernel's CUSE_INIT: protocol minor >= 16, the device name, and restricted or
/// unrestricted ioctls as `options` say. Then checks that the kernel really created the
/// device, since it reports failures only by dropping the connection.
pub fn handshake(channel: &Channel, options: &InitOptions) -> Result<Negotiated, ServeError> {
    let name = &options.name;
    if name.is_empty() || name.contains('\0') || name.contains('=') {
        return Err(ServeError::BadName(name.clone()));
    }
    let mut buf = vec![0u8; REQUEST_BUFFER_SIZE];
    let len = receive(channel, &mut buf)
        .map_err(ServeError::Read)?
        .ok_or(ServeError::ClosedBeforeInit)?;
    let request = match Request::parse(&buf[..len]) {
        Ok(request) => request,
        Err(e) => return Err(ServeError::Malformed(e.to_string())),
    };
    let Operation::Init(init) = request.operation else {
        return Err(ServeError::NotInit(request.header.opcode));
    };
    let unique = request.header.unique;
    if init.major != FUSE_KERNEL_VERSION || init.minor < MIN_KERNEL_MINOR {
        let _ = channel.reply(unique, -libc::EPROTO, &[]);
        return Err(ServeError::Version {
            major: init.major,
            minor: init.minor,
        });
    }
    let offered = init.flags & CUSE_UNRESTRICTED_IOCTL != 0;
    if options.unrestricted && !offered && !options.restricted_fallback {
        let _ = channel.reply(unique, -libc::EPROTO, &[]);
        return Err(ServeError::Restricted);
    }
    let unrestricted = options.unrestricted && offered;
    let out = CuseInitOut {
        major: FUSE_KERNEL_VERSION,
        minor: init.minor.min(OUR_KERNEL_MINOR),
        unused: 0,
        flags: if unrestricted {
            CUSE_UNRESTRICTED_IOCTL
        } else {
            0
        },
        max_read: 4096,
        max_write: 4096,
        dev_major: 0,
        dev_minor: 0,
        spare: [0; 10],
    };
    let info = format!("DEVNAME={name}\0");
    channel
        .reply(unique, 0, &[bytemuck::bytes_of(&out), info.as_bytes()])
        .map_err(ServeError::Write)?;
    if let Some(class) = &options.sysfs_class {
        let entry = class.join(name);
        let deadline = Instant::now() + Duration::from_secs(2);
        while !entry.exists() {
            if Instant::now() > deadline {
                return Err(ServeError::DeviceNotCreated(
                    name.clone(),
                    entry.display().to_string(),
                ));
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
    tracing::info!(
        device = %name,
        minor = out.minor,
        unrestricted,
        "CUSE device created"
    );
    Ok(Negotiated { unrestricted })
}

/// How long [`serve`] waits for requests in hand once asked to stop.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What the workers of one [`serve`] share.
struct Pool {
    /// Workers between reading a request and answering it.
    busy: AtomicUsize,
    /// The first error that ended a worker.
    failure: Mutex<Option<ServeError>>,
}

/// Serves requests on `threads` workers until `shutdown` is triggered or the kernel closes the
/// connection. Every request that expects a reply gets exactly one, even when the device
/// panics while serving it.
///
/// Each worker blocks in `read` on the channel: the kernel wakes exactly one waiting reader
/// per request, so idle workers sleep through other workers' requests.
pub fn serve(
    channel: Arc<Channel>,
    device: Arc<dyn Device>,
    shutdown: Arc<Shutdown>,
    threads: usize,
) -> Result<(), ServeError> {
    let pool = Arc::new(Pool {
        busy: AtomicUsize::new(0),
        failure: Mutex::new(None),
    });
    // Lengthy work may use all but one CPU's worth of threads: one worker is always left
    // for short requests.
    let lane = Lane::start(threads.saturating_sub(1).max(1)).map_err(ServeError::Spawn)?;
    for index in 0..threads.max(1) {
        let channel = Arc::clone(&channel);
        let device = Arc::clone(&device);
        let worker_shutdown = Arc::clone(&shutdown);
        let pool = Arc::clone(&pool);
        let lane = Arc::clone(&lane);
        let spawned = thread::Builder::new()
            .name(format!("cuse-worker-{index}"))
            .spawn(move || {
                let served = worker(&channel, device.as_ref(), &worker_shutdown, &pool, &lane);
                if let Err(e) = served {
                    pool.failure
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert(e);
                }
                // One worker seeing the connection end means all are done.
                worker_shutdown.trigger();
            });
        if let Err(e) = spawned {
            shutdown.trigger();
            return Err(ServeError::Spawn(e));
        }
    }
    shutdown.wait();
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    while pool.busy.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    if lane.drain(deadline.saturating_duration_since(Instant::now())) {
        lane.close();
    }
    let failure = pool
        .failure
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    failure.map_or(Ok(()), Err)
}

fn worker(
    channel: &Arc<Channel>,
    device: &dyn Device,
    shutdown: &Shutdown,
    pool: &Pool,
    lane: &Arc<Lane>,
) -> Result<(), ServeError> {
    let mut buf = vec![0u8; REQUEST_BUFFER_SIZE];
    while !shutdown.is_triggered() {
        let Some(len) = receive(channel, &mut buf).map_err(ServeError::Read)? else {
            return Ok(());
        };
        pool.busy.fetch_add(1, Ordering::AcqRel);
        let deferrals = Deferrals { channel, lane };
        dispatch_with(channel, device, &buf[..len], Some(&deferrals));
        pool.busy.fetch_sub(1, Ordering::AcqRel);
        // RETRY rounds bring keys and plaintext through this buffer.
        zeroize::Zeroize::zeroize(&mut buf[..len]);
    }
    Ok(())
}

/// Serves one request read from the channel; an answer the device defers
/// ([`IoctlReply::Later`]) is computed here and now.
pub fn dispatch(channel: &Channel, device: &dyn Device, bytes: &[u8]) {
    dispatch_with(channel, device, bytes, None);
}

/// Where deferred answers are computed, and the channel they are sent on from there.
struct Deferrals<'a> {
    channel: &'a Arc<Channel>,
    lane: &'a Arc<Lane>,
}

/// Serves one request; deferred answers go to the lane when there is one.
fn dispatch_with(
    channel: &Channel,
    device: &dyn Device,
    bytes: &[u8],
    deferrals: Option<&Deferrals<'_>>,
) {
    let request = match Request::parse(bytes) {
        Ok(request) => request,
        Err(ParseError::ShortBody { header, opcode }) => {
            tracing::warn!(opcode, "malformed request body");
            send(channel, header.unique, -libc::EIO, &[]);
            return;
        }
        Err(e) => {
            tracing::error!("unparseable request dropped: {e}");
            return;
        }
    };
    let unique = request.header.unique;
    if let Operation::Interrupt(interrupt) = request.operation {
        // Lengthy work that has not started is dropped and its caller answered EINTR (a
        // killed caller waits for the answer). Anything else is never abandoned half-done:
        // the original request simply completes. Interrupts expect no reply.
        if deferrals.is_some_and(|d| d.lane.cancel(interrupt.unique)) {
            tracing::debug!(unique = interrupt.unique, "queued lengthy work interrupted");
            send(channel, interrupt.unique, -libc::EINTR, &[]);
        }
        return;
    }
    let served = catch_unwind(AssertUnwindSafe(|| {
        serve_one(channel, device, &request, deferrals);
    }));
    if served.is_err() {
        tracing::error!(
            opcode = request.header.opcode,
            "request handler panicked; answered EIO"
        );
        send(channel, unique, -libc::EIO, &[]);
    }
}

fn send(channel: &Channel, unique: u64, error: i32, payload: &[&[u8]]) {
    if let Err(e) = channel.reply(unique, error, payload) {
        // ENOENT: the caller was interrupted and the kernel no longer waits for this reply.
        if e.raw_os_error() != Some(libc::ENOENT) {
            tracing::warn!(unique, "reply failed: {e}");
        }
    }
}

fn serve_one(
    channel: &Channel,
    device: &dyn Device,
    request: &Request<'_>,
    deferrals: Option<&Deferrals<'_>>,
) {
    let header = &request.header;
    let unique = header.unique;
    let caller = Caller {
        pid: header.pid,
        uid: header.uid,
        gid: header.gid,
    };
    match &request.operation {
        Operation::Open(open) => match device.open(&caller, open.flags) {
            Ok(fh) => {
                let out = FuseOpenOut {
                    fh,
                    open_flags: 0,
                    padding: 0,
                };
                send(channel, unique, 0, &[bytemuck::bytes_of(&out)]);
            }
            Err(errno) => send(channel, unique, -(errno as i32), &[]),
        },
        Operation::Release(release) => {
            device.release(release.fh);
            send(channel, unique, 0, &[]);
        }
        Operation::Ioctl { ioctl, input } => match serve_ioctl(device, &caller, ioctl, input) {
            IoctlReply::Later(deferred) => match deferrals {
                Some(Deferrals { channel, lane }) => {
                    let (channel, ioctl) = (Arc::clone(channel), *ioctl);
                    let answer = move || answer_later(&channel, unique, &ioctl, deferred.work);
                    lane.submit(deferred.owner, unique, Box::new(answer));
                }
                None => answer_later(channel, unique, ioctl, deferred.work),
            },
            reply => send_ioctl_reply(channel, unique, ioctl, reply),
        },
        Operation::Poll(poll) => {
            let notify = poll.flags & FUSE_POLL_SCHEDULE_NOTIFY != 0;
            match device.poll(poll.fh, poll.kh, poll.events, notify) {
                Ok(revents) => {
                    let out = FusePollOut {
                        revents,
                        padding: 0,
                    };
                    send(channel, unique, 0, &[bytemuck::bytes_of(&out)]);
                }
                Err(errno) => send(channel, unique, -(errno as i32), &[]),
            }
        }
        // /dev/crypto has no read or write; the kernel's cryptodev answers EINVAL too.
        Operation::Read { .. } | Operation::Write { .. } => {
            send(channel, unique, -libc::EINVAL, &[])
        }
        Operation::Init(_) => {
            tracing::warn!("second CUSE_INIT on an initialised connection");
            send(channel, unique, -libc::EPROTO, &[]);
        }
        Operation::Interrupt(_) => {}
        Operation::Other(opcode) => {
            tracing::debug!(opcode, "unsupported opcode");
            send(channel, unique, -libc::ENOSYS, &[]);
        }
    }
}

fn layout_of(ioctl: &FuseIoctlIn) -> Layout {
    if ioctl.flags & FUSE_IOCTL_32BIT != 0 {
        Layout::Ilp32
    } else {
        Layout::Lp64
    }
}

fn serve_ioctl(
    device: &dyn Device,
    caller: &Caller,
    ioctl: &FuseIoctlIn,
    input: &[u8],
) -> IoctlReply {
    let call = IoctlCall {
        fh: ioctl.fh,
        layout: layout_of(ioctl),
        cmd: ioctl.cmd,
        arg: ioctl.arg,
        input,
        out_size: ioctl.out_size as usize,
        restricted: ioctl.flags & FUSE_IOCTL_UNRESTRICTED == 0,
    };
    checked(device.ioctl(caller, &call), &call)
}

/// Computes a deferred answer and sends it, EIO if the device panics meanwhile.
fn answer_later(
    channel: &Channel,
    unique: u64,
    ioctl: &FuseIoctlIn,
    work: Box<dyn FnOnce() -> IoctlReply + Send>,
) {
    let reply = catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| {
        tracing::error!(cmd = ioctl.cmd, "deferred ioctl panicked; answered EIO");
        IoctlReply::Error(Errno::EIO)
    });
    let reply = match reply {
        IoctlReply::Later(_) => {
            tracing::error!(
                cmd = ioctl.cmd,
                "deferred ioctl deferred again; answered EIO"
            );
            IoctlReply::Error(Errno::EIO)
        }
        reply => reply,
    };
    let call = IoctlCall {
        fh: ioctl.fh,
        layout: layout_of(ioctl),
        cmd: ioctl.cmd,
        arg: ioctl.arg,
        input: &[],
        out_size: ioctl.out_size as usize,
        restricted: ioctl.flags & FUSE_IOCTL_UNRESTRICTED == 0,
    };
    send_ioctl_reply(channel, unique, ioctl, checked(reply, &call));
}

/// The device's reply if the kernel will take it for `call`, else EIO.
fn checked(reply: IoctlReply, call: &IoctlCall<'_>) -> IoctlReply {
    let layout = call.layout;
    match &reply {
        IoctlReply::Done { output, .. } if output.len() > call.out_size => {
            tracing::error!(
                len = output.len(),
                out_size = call.out_size,
                "ioctl output larger than the space reserved for it"
            );
            IoctlReply::Error(Errno::EIO)
        }
        IoctlReply::Retry { .. } if call.restricted => {
            tracing::error!("RETRY reply to a restricted ioctl refused");
            IoctlReply::Error(Errno::EIO)
        }
        IoctlReply::Retry { inputs, outputs } => match super::retry_fits(layout, inputs, outputs) {
            Ok(()) => reply,
            Err(why) => {
                tracing::error!("RETRY reply refused: {why}");
                IoctlReply::Error(Errno::EIO)
            }
        },
        _ => reply,
    }
}

fn send_ioctl_reply(channel: &Channel, unique: u64, ioctl: &FuseIoctlIn, reply: IoctlReply) {
    match reply {
        IoctlReply::Done { result, output } => {
            let out = FuseIoctlOut {
                result,
                flags: 0,
                in_iovs: 0,
                out_iovs: 0,
            };
            send(channel, unique, 0, &[bytemuck::bytes_of(&out), &output]);
        }
        IoctlReply::Retry { inputs, outputs } => {
            let iovecs: Vec<FuseIoctlIovec> = inputs
                .iter()
                .chain(&outputs)
                .map(|r| FuseIoctlIovec {
                    base: r.addr,
                    len: r.len as u64,
                })
                .collect();
            // retry_fits bounded both counts by FUSE_IOCTL_MAX_IOV.
            #[allow(clippy::cast_possible_truncation)]
            let out = FuseIoctlOut {
                result: 0,
                flags: FUSE_IOCTL_RETRY,
                in_iovs: inputs.len() as u32,
                out_iovs: outputs.len() as u32,
            };
            send(
                channel,
                unique,
                0,
                &[bytemuck::bytes_of(&out), bytemuck::cast_slice(&iovecs)],
            );
        }
        IoctlReply::Error(errno) => {
            tracing::trace!(cmd = ioctl.cmd, %errno, "ioctl failed");
            send(channel, unique, -(errno as i32), &[]);
        }
        IoctlReply::Later(_) => {
            tracing::error!(
                cmd = ioctl.cmd,
                "deferred reply reached the wire; answered EIO"
            );
            send(channel, unique, -libc::EIO, &[]);
        }
    }
}
