//! The request loop: worker threads that read requests and hand them to the devices.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use cryptodev_abi::Layout;
use nix::errno::Errno;

use super::channel::{Channel, REQUEST_BUFFER_SIZE};
use super::lane::Lane;
use super::mount::{self, NodeAnswer, Tree};
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
    #[error("reading from the kernel's connection failed: {0}")]
    Read(io::Error),
    #[error("replying on the kernel's connection failed: {0}")]
    Write(io::Error),
    #[error("the kernel closed the connection before its INIT")]
    ClosedBeforeInit,
    #[error("the kernel's first request is malformed: {0}")]
    Malformed(String),
    #[error("cannot start a worker thread: {0}")]
    Spawn(io::Error),
    #[error("the kernel's first request was opcode {0}, not its INIT")]
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
    #[error(
        "cannot open {path} ({source}): the kernel has no FUSE (load it with `modprobe fuse`; \
         in a container, pass the host's /dev/fuse in)"
    )]
    NoFuse { path: String, source: io::Error },
    #[error(
        "mounting on {dir} was refused ({source}): a FUSE mount needs root, or CAP_SYS_ADMIN \
         in the user namespace that owns the mount namespace"
    )]
    MountRefused { dir: String, source: io::Error },
    #[error("cannot mount on {dir}: {source}")]
    Mount { dir: String, source: io::Error },
    #[error("{0} is already the mount point of a running cryptodev-cuse")]
    AlreadyMounted(String),
}

/// What a connection serves: one CUSE device, or a FUSE mount's tree of devices.
#[derive(Clone)]
pub enum Served {
    Device(Arc<dyn Device>),
    Mount(Arc<Tree>),
}

/// [`Served`], borrowed for one request.
#[derive(Clone, Copy)]
enum Target<'a> {
    Device(&'a dyn Device),
    Mount(&'a Tree),
}

impl Served {
    fn target(&self) -> Target<'_> {
        match self {
            Served::Device(device) => Target::Device(device.as_ref()),
            Served::Mount(tree) => Target::Mount(tree.as_ref()),
        }
    }
}

impl<'a> Target<'a> {
    /// The device a request on node `nodeid` goes to.
    fn device(self, nodeid: u64) -> Option<&'a dyn Device> {
        match self {
            Target::Device(device) => Some(device),
            Target::Mount(tree) => tree.device(nodeid).map(|d| d.as_ref()),
        }
    }
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

/// Reads the kernel's first request on a new connection, which must be its INIT: `init_of`
/// picks the INIT's body and its protocol version (major, minor) from the operation. A
/// protocol older than 7.[`MIN_KERNEL_MINOR`] is answered EPROTO. Returns the request's
/// `unique` and the body.
pub(super) fn receive_init<I>(
    channel: &Channel,
    init_of: impl FnOnce(&Operation<'_>) -> Option<(I, u32, u32)>,
) -> Result<(u64, I), ServeError> {
    let mut buf = vec![0u8; REQUEST_BUFFER_SIZE];
    let len = receive(channel, &mut buf)
        .map_err(ServeError::Read)?
        .ok_or(ServeError::ClosedBeforeInit)?;
    let request = Request::parse(&buf[..len]).map_err(|e| ServeError::Malformed(e.to_string()))?;
    let Some((init, major, minor)) = init_of(&request.operation) else {
        return Err(ServeError::NotInit(request.header.opcode));
    };
    let unique = request.header.unique;
    if major != FUSE_KERNEL_VERSION || minor < MIN_KERNEL_MINOR {
        let _ = channel.reply(unique, -libc::EPROTO, &[]);
        return Err(ServeError::Version { major, minor });
    }
    Ok((unique, init))
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
    served: Served,
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
        let served = served.clone();
        let worker_shutdown = Arc::clone(&shutdown);
        let pool = Arc::clone(&pool);
        let lane = Arc::clone(&lane);
        let spawned = thread::Builder::new()
            .name(format!("cuse-worker-{index}"))
            .spawn(move || {
                let outcome = worker(&channel, served.target(), &worker_shutdown, &pool, &lane);
                if let Err(e) = outcome {
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
    target: Target<'_>,
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
        dispatch_with(channel, target, &buf[..len], Some(&deferrals));
        pool.busy.fetch_sub(1, Ordering::AcqRel);
        // RETRY rounds bring keys and plaintext through this buffer.
        zeroize::Zeroize::zeroize(&mut buf[..len]);
    }
    Ok(())
}

/// Serves one request read from the channel; an answer the device defers
/// ([`IoctlReply::Later`]) is computed here and now.
pub fn dispatch(channel: &Channel, device: &dyn Device, bytes: &[u8]) {
    dispatch_with(channel, Target::Device(device), bytes, None);
}

/// Where deferred answers are computed, and the channel they are sent on from there.
struct Deferrals<'a> {
    channel: &'a Arc<Channel>,
    lane: &'a Arc<Lane>,
}

/// Serves one request; deferred answers go to the lane when there is one.
fn dispatch_with(
    channel: &Channel,
    target: Target<'_>,
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
        serve_one(channel, target, &request, deferrals);
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
    target: Target<'_>,
    request: &Request<'_>,
    deferrals: Option<&Deferrals<'_>>,
) {
    let header = &request.header;
    let unique = header.unique;
    if let Target::Device(_) = target {
        if request.operation.is_mount_only() {
            tracing::debug!(opcode = header.opcode, "a mount's request on a CUSE device");
            return send(channel, unique, -libc::ENOSYS, &[]);
        }
    }
    if let Target::Mount(tree) = target {
        match mount::answer(tree, header.nodeid, &request.operation) {
            Some(NodeAnswer::Reply(bytes)) => return send(channel, unique, 0, &[&bytes]),
            Some(NodeAnswer::Error(errno)) => return send(channel, unique, -(errno as i32), &[]),
            Some(NodeAnswer::Nothing) => return,
            None => {}
        }
    }
    let caller = Caller {
        pid: header.pid,
        uid: header.uid,
        gid: header.gid,
    };
    let device = match (
        request.operation.is_file_operation(),
        target.device(header.nodeid),
    ) {
        (false, _) => return serve_other(channel, request),
        (true, Some(device)) => device,
        (true, None) => {
            // A mount's directory, or a node the tree never had: no file operations.
            let errno = if header.nodeid == FUSE_ROOT_ID {
                libc::EISDIR
            } else {
                libc::ENOSYS
            };
            return send(channel, unique, -errno, &[]);
        }
    };
    match &request.operation {
        Operation::Open(open) => match device.open(&caller, open.flags) {
            Ok(fh) => {
                // Reads and writes reach a mount's device unbuffered, with the caller's sizes.
                let open_flags = match target {
                    Target::Device(_) => 0,
                    Target::Mount(_) => FOPEN_DIRECT_IO | FOPEN_NONSEEKABLE,
                };
                let out = FuseOpenOut {
                    fh,
                    open_flags,
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
        Operation::Read { fh, size } => match device.read(*fh, *size as usize) {
            Ok(data) if data.len() <= *size as usize => send(channel, unique, 0, &[&data]),
            Ok(data) => {
                tracing::error!(len = data.len(), size, "read answer longer than asked; EIO");
                send(channel, unique, -libc::EIO, &[]);
            }
            Err(errno) => send(channel, unique, -(errno as i32), &[]),
        },
        Operation::Write { fh, data } => match device.write(*fh, data) {
            Ok(taken) => {
                let out = FuseWriteOut {
                    size: u32::try_from(taken.min(data.len())).unwrap_or(u32::MAX),
                    padding: 0,
                };
                send(channel, unique, 0, &[bytemuck::bytes_of(&out)]);
            }
            Err(errno) => send(channel, unique, -(errno as i32), &[]),
        },
        _ => serve_other(channel, request),
    }
}

/// Requests no device serves.
fn serve_other(channel: &Channel, request: &Request<'_>) {
    let unique = request.header.unique;
    match &request.operation {
        Operation::Init(_) | Operation::MountInit(_) => {
            tracing::warn!("second INIT on an initialised connection");
            send(channel, unique, -libc::EPROTO, &[]);
        }
        Operation::Interrupt(_) | Operation::Forget => {}
        operation => {
            tracing::debug!(
                opcode = request.header.opcode,
                ?operation,
                "unsupported request"
            );
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
