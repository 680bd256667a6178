//! CUSE: the device `/dev/NAME`, created by answering the kernel's CUSE_INIT on `/dev/cuse`.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::channel::Channel;
use super::request::Operation;
use super::server::{receive_init, ServeError};
use super::wire::*;

/// Options of the CUSE_INIT reply.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// DEVNAME: the node appears as `/dev/<name>`.
    pub name: String,
    /// Unrestricted ioctls (RETRY rounds) rather than restricted ones (the argument struct
    /// carried in the request); see the module documentation of [`crate::transport`].
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

/// What the CUSE_INIT handshake settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// Whether ioctls arrive unrestricted (see the module documentation of [`crate::transport`]).
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
    let (unique, init) = receive_init(channel, |operation| match operation {
        Operation::Init(init) => Some((*init, init.major, init.minor)),
        _ => None,
    })?;
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
