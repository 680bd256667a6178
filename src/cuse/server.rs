//! The CUSE_INIT handshake and the request loop.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use cryptodev_abi::Layout;
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::channel::{Channel, REQUEST_BUFFER_SIZE};
use super::request::{Operation, ParseError, Request};
use super::wire::*;
use super::{Caller, Device, IoctlCall, IoctlReply};

/// Why the device could not be brought up or served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot open {path}: {source} (is the cuse module loaded? are you root?)")]
    Open { path: String, source: io::Error },
    #[error("reading from the CUSE channel failed: {0}")]
    Read(io::Error),
    #[error("replying on the CUSE channel failed: {0}")]
    Write(io::Error),
    #[error("the kernel's first request was opcode {0}, not CUSE_INIT")]
    NotInit(u32),
    #[error("kernel speaks FUSE {major}.{minor}; need 7.{MIN_KERNEL_MINOR} or later")]
    Version { major: u32, minor: u32 },
    #[error("the kernel did not offer unrestricted ioctls")]
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
    /// Where the kernel lists CUSE devices (`/sys/class/cuse`); checked after the handshake.
    /// `None` skips the check (a test kernel has no sysfs).
    pub sysfs_class: Option<std::path::PathBuf>,
}

/// Opens the CUSE control device.
pub fn open_channel(path: &Path) -> Result<Channel, ServeError> {
    Channel::open(path).map_err(|source| ServeError::Open {
        path: path.display().to_string(),
        source,
    })
}

/// Wakes the workers of [`serve`] so that they finish the request in hand and return.
#[derive(Debug)]
pub struct Shutdown {
    read: OwnedFd,
    write: OwnedFd,
}

impl Shutdown {
    pub fn new() -> io::Result<Shutdown> {
        let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)?;
        Ok(Shutdown { read, write })
    }

    /// Asks every worker to stop. Safe to call from any thread, more than once.
    pub fn trigger(&self) {
        // A full pipe already wakes everyone, so a failed write changes nothing.
        let _ = nix::unistd::write(&self.write, b"x");
    }
}

/// What a wait for the next request ended with.
enum Wake {
    Request,
    Shutdown,
}

fn wait(channel: &Channel, shutdown: &Shutdown, timeout: PollTimeout) -> io::Result<Option<Wake>> {
    let mut fds = [
        PollFd::new(channel.as_fd(), PollFlags::POLLIN),
        PollFd::new(shutdown.read.as_fd(), PollFlags::POLLIN),
    ];
    match poll(&mut fds, timeout) {
        Ok(0) => Ok(None),
        Ok(_) => {
            if fds[1].any().unwrap_or(false) {
                return Ok(Some(Wake::Shutdown));
            }
            Ok(Some(Wake::Request))
        }
        Err(Errno::EINTR) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Answers the kernel's CUSE_INIT: unrestricted ioctls, protocol minor >= 16, the device name.
/// Then checks that the kernel really created the device, since it reports failures only by
/// dropping the connection.
pub fn handshake(
    channel: &Channel,
    shutdown: &Shutdown,
    options: &InitOptions,
) -> Result<(), ServeError> {
    let name = &options.name;
    if name.is_empty() || name.contains('\0') || name.contains('=') {
        return Err(ServeError::BadName(name.clone()));
    }
    let mut buf = vec![0u8; REQUEST_BUFFER_SIZE];
    let len = loop {
        match wait(channel, shutdown, PollTimeout::NONE).map_err(ServeError::Read)? {
            Some(Wake::Shutdown) => {
                return Err(ServeError::Read(io::ErrorKind::Interrupted.into()))
            }
            Some(Wake::Request) => {}
            None => continue,
        }
        match channel.receive(&mut buf) {
            Ok(len) => break len,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ServeError::Read(e)),
        }
    };
    let request = Request::parse(&buf[..len])
        .map_err(|e| ServeError::Read(io::Error::new(io::ErrorKind::InvalidData, e.to_string())))?;
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
    if init.flags & CUSE_UNRESTRICTED_IOCTL == 0 {
        let _ = channel.reply(unique, -libc::EPROTO, &[]);
        return Err(ServeError::Restricted);
    }
    let out = CuseInitOut {
        major: FUSE_KERNEL_VERSION,
        minor: init.minor.min(OUR_KERNEL_MINOR),
        unused: 0,
        flags: CUSE_UNRESTRICTED_IOCTL,
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
    tracing::info!(device = %name, minor = out.minor, "CUSE device created");
    Ok(())
}

/// Serves requests on `threads` workers until `shutdown` is triggered or the kernel closes the
/// connection. Every request that expects a reply gets exactly one, even when the device
/// panics while serving it.
pub fn serve(
    channel: Arc<Channel>,
    device: Arc<dyn Device>,
    shutdown: Arc<Shutdown>,
    threads: usize,
) -> Result<(), ServeError> {
    let workers: Vec<_> = (0..threads.max(1))
        .map(|index| {
            let channel = Arc::clone(&channel);
            let device = Arc::clone(&device);
            let shutdown = Arc::clone(&shutdown);
            thread::Builder::new()
                .name(format!("cuse-worker-{index}"))
                .spawn(move || {
                    let result = worker(&channel, device.as_ref(), &shutdown);
                    // One worker seeing the connection end means all are done.
                    shutdown.trigger();
                    result
                })
                .expect("spawning a worker thread")
        })
        .collect();
    let mut outcome = Ok(());
    for worker in workers {
        match worker.join() {
            Ok(Err(e)) if outcome.is_ok() => outcome = Err(e),
            Ok(_) => {}
            Err(_) => tracing::error!("a worker thread panicked outside a request"),
        }
    }
    outcome
}

fn worker(channel: &Channel, device: &dyn Device, shutdown: &Shutdown) -> Result<(), ServeError> {
    let mut buf = vec![0u8; REQUEST_BUFFER_SIZE];
    loop {
        match wait(channel, shutdown, PollTimeout::NONE).map_err(ServeError::Read)? {
            Some(Wake::Shutdown) => return Ok(()),
            Some(Wake::Request) => {}
            None => continue,
        }
        let len = match channel.receive(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(len) => len,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            // ENOENT: the request was interrupted away before we could read it.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            // The connection was aborted or the device is going away.
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => return Ok(()),
            Err(e) => return Err(ServeError::Read(e)),
        };
        dispatch(channel, device, &buf[..len]);
        // RETRY rounds bring keys and plaintext through this buffer.
        zeroize::Zeroize::zeroize(&mut buf[..len]);
    }
}

/// Serves one request read from the channel.
pub fn dispatch(channel: &Channel, device: &dyn Device, bytes: &[u8]) {
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
        // Operations finish quickly and are never abandoned half-done, so the original
        // request simply completes; interrupts expect no reply.
        tracing::debug!(unique = interrupt.unique, "interrupt ignored");
        return;
    }
    let served = catch_unwind(AssertUnwindSafe(|| serve_one(channel, device, &request)));
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

fn serve_one(channel: &Channel, device: &dyn Device, request: &Request<'_>) {
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
        Operation::Ioctl { ioctl, input } => {
            let reply = serve_ioctl(device, &caller, ioctl, input);
            send_ioctl_reply(channel, unique, ioctl, reply);
        }
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

fn serve_ioctl(
    device: &dyn Device,
    caller: &Caller,
    ioctl: &FuseIoctlIn,
    input: &[u8],
) -> IoctlReply {
    if ioctl.flags & FUSE_IOCTL_UNRESTRICTED == 0 {
        // Only unrestricted ioctls can follow the pointers inside cryptodev's structs.
        return IoctlReply::Error(Errno::EINVAL);
    }
    let layout = if ioctl.flags & FUSE_IOCTL_32BIT != 0 {
        Layout::Ilp32
    } else {
        Layout::Lp64
    };
    let call = IoctlCall {
        fh: ioctl.fh,
        layout,
        cmd: ioctl.cmd,
        arg: ioctl.arg,
        input,
        out_size: ioctl.out_size as usize,
    };
    let reply = device.ioctl(caller, &call);
    if let IoctlReply::Done { output, .. } = &reply {
        if output.len() > call.out_size {
            tracing::error!(
                len = output.len(),
                out_size = call.out_size,
                "ioctl output larger than the space reserved for it"
            );
            return IoctlReply::Error(Errno::EIO);
        }
    }
    if let IoctlReply::Retry { inputs, outputs } = &reply {
        if let Err(why) = check_retry(layout, inputs, outputs) {
            tracing::error!("RETRY reply refused: {why}");
            return IoctlReply::Error(Errno::EIO);
        }
    }
    reply
}

/// Whether the kernel will accept a RETRY reply naming these regions.
pub fn check_retry(
    layout: Layout,
    inputs: &[super::Region],
    outputs: &[super::Region],
) -> Result<(), String> {
    if inputs.len() + outputs.len() > FUSE_IOCTL_MAX_IOV {
        return Err(format!(
            "{} iovecs, the kernel takes at most {FUSE_IOCTL_MAX_IOV}",
            inputs.len() + outputs.len()
        ));
    }
    for (direction, regions) in [("in", inputs), ("out", outputs)] {
        let total: usize = regions.iter().map(|r| r.len).sum();
        if total > CUSE_MAX_IOCTL_BYTES {
            return Err(format!(
                "{total} bytes {direction}, over the {CUSE_MAX_IOCTL_BYTES}-byte CUSE limit"
            ));
        }
    }
    if layout == Layout::Ilp32 {
        let fits = |r: &super::Region| {
            r.addr
                .checked_add(r.len as u64)
                .is_some_and(|end| end <= u64::from(u32::MAX) + 1)
        };
        if !inputs.iter().chain(outputs).all(fits) {
            return Err("a region of a 32-bit caller lies beyond 4 GiB".into());
        }
    }
    Ok(())
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
            // check_retry bounded both counts by FUSE_IOCTL_MAX_IOV.
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
    }
}
