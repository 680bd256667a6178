//! The connection to the kernel: one file descriptor (`/dev/cuse`, or a socket standing in for
//! the kernel in tests) from which each `read` yields exactly one request and to which each
//! `writev` carries exactly one reply.

use std::fs::{File, OpenOptions};
use std::io::{self, IoSlice, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::wire::{FuseNotifyPollWakeupOut, FuseOutHeader, FUSE_NOTIFY_POLL};

/// Bytes a request may take: the largest ioctl round (128 KiB) plus headers, rounded up.
pub const REQUEST_BUFFER_SIZE: usize = super::wire::CUSE_MAX_IOCTL_BYTES + 8192;

/// The kernel end of a CUSE connection.
#[derive(Debug)]
pub struct Channel {
    file: File,
}

impl Channel {
    /// Opens `/dev/cuse` (or another path to a CUSE control device) for blocking reads: a
    /// request wakes exactly one of the workers waiting in `read`.
    pub fn open(path: &Path) -> io::Result<Channel> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)?;
        Ok(Channel { file })
    }

    /// Wraps a descriptor that already behaves like `/dev/cuse` (a SOCK_SEQPACKET socket in
    /// tests).
    pub fn from_fd(fd: OwnedFd) -> Channel {
        Channel {
            file: File::from(fd),
        }
    }

    /// Reads one request, waiting for it.
    pub fn receive(&self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.file).read(buf)
    }

    /// Sends one reply (header first) in a single write.
    pub fn send(&self, parts: &[&[u8]]) -> io::Result<()> {
        let slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let written = (&self.file).write_vectored(&slices)?;
        if written != total {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("reply cut short: {written} of {total} bytes"),
            ));
        }
        Ok(())
    }

    /// Sends a reply to request `unique`: `error` is 0 or a negative errno; an error reply
    /// carries no payload.
    pub fn reply(&self, unique: u64, error: i32, payload: &[&[u8]]) -> io::Result<()> {
        let payload: &[&[u8]] = if error == 0 { payload } else { &[] };
        let body: usize = payload.iter().map(|p| p.len()).sum();
        let header = FuseOutHeader {
            len: u32::try_from(size_of::<FuseOutHeader>() + body)
                .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?,
            error,
            unique,
        };
        let mut parts = Vec::with_capacity(payload.len() + 1);
        parts.push(bytemuck::bytes_of(&header));
        parts.extend_from_slice(payload);
        self.send(&parts)
    }

    /// Tells the kernel that the poll waiters registered under `kh` should poll again.
    pub fn notify_poll_wakeup(&self, kh: u64) -> io::Result<()> {
        let wakeup = FuseNotifyPollWakeupOut { kh };
        #[allow(clippy::cast_possible_truncation)] // 24 bytes
        const LEN: u32 = (size_of::<FuseOutHeader>() + size_of::<FuseNotifyPollWakeupOut>()) as u32;
        let header = FuseOutHeader {
            len: LEN,
            error: FUSE_NOTIFY_POLL,
            unique: 0,
        };
        self.send(&[bytemuck::bytes_of(&header), bytemuck::bytes_of(&wakeup)])
    }
}

impl AsFd for Channel {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}
