//! A fake kernel for protocol and engine tests: it plays the kernel's side of a CUSE
//! connection over a SOCK_SEQPACKET socket pair, with a simulated caller address space, and
//! runs the unrestricted-ioctl RETRY loop as `fs/fuse/ioctl.c` does (including its limits).

#![allow(dead_code)]
#![allow(clippy::cast_possible_truncation)] // test fixtures are small

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::sync::Arc;

use cryptodev_cuse::transport::server::dispatch;
use cryptodev_cuse::transport::wire::*;
use cryptodev_cuse::transport::{Channel, Device};
use nix::sys::socket::{recv, socketpair, AddressFamily, MsgFlags, SockFlag, SockType};

/// A caller's address space: mapped ranges, each a byte vector.
#[derive(Debug, Default)]
pub struct AddressSpace {
    maps: BTreeMap<u64, Vec<u8>>,
    next: u64,
}

impl AddressSpace {
    /// Starting at `base`; a 32-bit caller's space stays below 4 GiB.
    pub fn new(base: u64) -> AddressSpace {
        AddressSpace {
            maps: BTreeMap::new(),
            next: base,
        }
    }

    /// Maps `bytes` at a fresh address (with unmapped guard space around it).
    pub fn map(&mut self, bytes: &[u8]) -> u64 {
        let addr = self.next;
        self.next += (bytes.len() as u64 + 0x1fff) & !0xfff;
        self.maps.insert(addr, bytes.to_vec());
        addr
    }

    fn locate(&self, addr: u64, len: usize) -> Option<(u64, usize)> {
        let (&start, bytes) = self.maps.range(..=addr).next_back()?;
        let offset = usize::try_from(addr - start).ok()?;
        (offset + len <= bytes.len()).then_some((start, offset))
    }

    pub fn read(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        if len == 0 {
            return Some(Vec::new());
        }
        let (start, offset) = self.locate(addr, len)?;
        Some(self.maps[&start][offset..offset + len].to_vec())
    }

    pub fn write(&mut self, addr: u64, data: &[u8]) -> bool {
        if data.is_empty() {
            return true;
        }
        let Some((start, offset)) = self.locate(addr, data.len()) else {
            return false;
        };
        self.maps.get_mut(&start).unwrap()[offset..offset + data.len()].copy_from_slice(data);
        true
    }
}

/// The kernel end of a CUSE connection, driving a device in the test's thread.
pub struct FakeKernel {
    kernel: OwnedFd,
    daemon: Channel,
    pub device: Arc<dyn Device>,
    next_unique: u64,
    /// Rounds the last ioctl took (1 = answered at once).
    pub last_rounds: usize,
}

pub const EIO: i32 = 5;
pub const ENOMEM: i32 = 12;
pub const ENOTTY: i32 = 25;

pub fn socket_pair() -> (OwnedFd, OwnedFd) {
    socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .expect("socketpair")
}

/// A raw request: header (with `len` filled in) + body.
pub fn request_bytes(opcode: u32, unique: u64, pid: u32, body: &[&[u8]]) -> Vec<u8> {
    let body_len: usize = body.iter().map(|b| b.len()).sum();
    let header = FuseInHeader {
        len: (40 + body_len) as u32,
        opcode,
        unique,
        nodeid: 0,
        uid: 1000,
        gid: 1000,
        pid,
        total_extlen: 0,
        padding: 0,
    };
    let mut bytes = bytemuck::bytes_of(&header).to_vec();
    for part in body {
        bytes.extend_from_slice(part);
    }
    bytes
}

/// How one ioctl ended, as the calling program would see it.
#[derive(Debug, PartialEq, Eq)]
pub enum IoctlOutcome {
    /// `ioctl()` returned this (>= 0, or -errno from `fuse_ioctl_out.result`).
    Returned(i32),
    /// `ioctl()` failed with this errno.
    Failed(i32),
}

impl FakeKernel {
    pub fn new(device: Arc<dyn Device>) -> FakeKernel {
        let (kernel, daemon) = socket_pair();
        FakeKernel {
            kernel,
            daemon: Channel::from_fd(daemon),
            device,
            next_unique: 2,
            last_rounds: 0,
        }
    }

    /// Sends raw request bytes to the device and returns the raw reply.
    pub fn exchange(&mut self, request: &[u8]) -> Vec<u8> {
        dispatch(&self.daemon, self.device.as_ref(), request);
        let mut buf = vec![0u8; 1 << 18];
        let len = recv(
            std::os::fd::AsRawFd::as_raw_fd(&self.kernel),
            &mut buf,
            MsgFlags::MSG_DONTWAIT,
        )
        .expect("the device replied");
        buf.truncate(len);
        buf
    }

    /// Sends a request that expects no reply; checks none came.
    pub fn send_without_reply(&mut self, request: &[u8]) {
        dispatch(&self.daemon, self.device.as_ref(), request);
        let mut buf = [0u8; 64];
        let got = recv(
            std::os::fd::AsRawFd::as_raw_fd(&self.kernel),
            &mut buf,
            MsgFlags::MSG_DONTWAIT,
        );
        assert!(got.is_err(), "unexpected reply to a no-reply request");
    }

    fn unique(&mut self) -> u64 {
        self.next_unique += 2;
        self.next_unique
    }

    /// Parses a reply: header error and payload.
    pub fn split_reply(reply: &[u8], unique: u64) -> (i32, Vec<u8>) {
        let header: FuseOutHeader = bytemuck::pod_read_unaligned(&reply[..16]);
        assert_eq!(header.len as usize, reply.len(), "reply length field");
        assert_eq!(header.unique, unique, "reply to the right request");
        (header.error, reply[16..].to_vec())
    }

    pub fn open(&mut self, pid: u32) -> u64 {
        let unique = self.unique();
        let open_in = FuseOpenIn {
            flags: 2,
            open_flags: 0,
        };
        let reply = self.exchange(&request_bytes(
            FUSE_OPEN,
            unique,
            pid,
            &[bytemuck::bytes_of(&open_in)],
        ));
        let (error, payload) = Self::split_reply(&reply, unique);
        assert_eq!(error, 0, "open succeeds");
        let out: FuseOpenOut = bytemuck::pod_read_unaligned(&payload);
        out.fh
    }

    pub fn release(&mut self, fh: u64) {
        let unique = self.unique();
        let release = FuseReleaseIn {
            fh,
            flags: 0,
            release_flags: 0,
            lock_owner: 0,
        };
        let reply = self.exchange(&request_bytes(
            FUSE_RELEASE,
            unique,
            0,
            &[bytemuck::bytes_of(&release)],
        ));
        assert_eq!(Self::split_reply(&reply, unique), (0, Vec::new()));
    }

    /// One `ioctl()` by a caller with `pid` (0: not visible to the daemon), following RETRY
    /// replies like `fuse_do_ioctl`. `compat` marks a 32-bit caller.
    pub fn ioctl(
        &mut self,
        memory: &mut AddressSpace,
        fh: u64,
        pid: u32,
        compat: bool,
        cmd: u32,
        arg: u64,
    ) -> IoctlOutcome {
        self.ioctl_with_hook(memory, fh, pid, compat, cmd, arg, |_, _| {})
    }

    /// An ioctl reply's `fuse_ioctl_out` and what follows it; an error reply as the caller
    /// sees it (the kernel turns ENOSYS into ENOTTY).
    fn ioctl_reply(reply: &[u8], unique: u64) -> Result<(FuseIoctlOut, Vec<u8>), IoctlOutcome> {
        let (error, payload) = Self::split_reply(reply, unique);
        if error != 0 {
            assert!(payload.is_empty(), "error replies carry no payload");
            let errno = -error;
            return Err(IoctlOutcome::Failed(if errno == 38 {
                ENOTTY
            } else {
                errno
            }));
        }
        let out: FuseIoctlOut = bytemuck::pod_read_unaligned(&payload[..16]);
        Ok((out, payload[16..].to_vec()))
    }

    /// One `ioctl()` on a connection that runs restricted ioctls, as `fuse_do_ioctl` does
    /// then: `arg` is the argument struct in this process's memory; `_IOC_SIZE(cmd)` bytes
    /// of it travel in the request if `_IOC_WRITE`, and the reply's output is copied back if
    /// `_IOC_READ`. The device reaches the struct's pointers itself, by `pid`.
    pub fn ioctl_restricted(
        &mut self,
        fh: u64,
        pid: u32,
        cmd: u32,
        arg: &mut [u8],
    ) -> IoctlOutcome {
        let size = ((cmd >> 16) & 0x3fff) as usize;
        let (writes_to_driver, reads_from_driver) = (cmd >> 30 & 1 != 0, cmd >> 30 & 2 != 0);
        assert!(
            arg.len() >= size,
            "the argument buffer holds _IOC_SIZE bytes"
        );
        let input = if writes_to_driver {
            &arg[..size]
        } else {
            &[][..]
        };
        let ioctl_in = FuseIoctlIn {
            fh,
            flags: 0,
            cmd,
            arg: arg.as_ptr() as u64,
            in_size: input.len() as u32,
            out_size: if reads_from_driver { size as u32 } else { 0 },
        };
        let unique = self.unique();
        let reply = self.exchange(&request_bytes(
            FUSE_IOCTL,
            unique,
            pid,
            &[bytemuck::bytes_of(&ioctl_in), input],
        ));
        self.last_rounds = 1;
        let (out, rest) = match Self::ioctl_reply(&reply, unique) {
            Ok(reply) => reply,
            Err(failed) => return failed,
        };
        let rest = &rest[..];
        if out.flags & FUSE_IOCTL_RETRY != 0 || rest.len() > ioctl_in.out_size as usize {
            return IoctlOutcome::Failed(EIO);
        }
        arg[..rest.len()].copy_from_slice(rest);
        if out.result < 0 {
            return IoctlOutcome::Failed(-out.result);
        }
        IoctlOutcome::Returned(out.result)
    }

    /// Like [`ioctl`], calling `between_rounds(memory, round)` before each RETRY round is
    /// gathered: a second thread of the caller changing memory.
    #[allow(clippy::too_many_arguments)]
    pub fn ioctl_with_hook(
        &mut self,
        memory: &mut AddressSpace,
        fh: u64,
        pid: u32,
        compat: bool,
        cmd: u32,
        arg: u64,
        mut between_rounds: impl FnMut(&mut AddressSpace, usize),
    ) -> IoctlOutcome {
        let mut flags = FUSE_IOCTL_UNRESTRICTED;
        if compat {
            flags |= FUSE_IOCTL_COMPAT | FUSE_IOCTL_32BIT;
        }
        let mut in_iovs: Vec<FuseIoctlIovec> = Vec::new();
        let mut out_iovs: Vec<FuseIoctlIovec> = Vec::new();
        let mut rounds = 0;
        loop {
            rounds += 1;
            let mut input = Vec::new();
            for iov in &in_iovs {
                match memory.read(iov.base, iov.len as usize) {
                    Some(bytes) => input.extend_from_slice(&bytes),
                    None => return IoctlOutcome::Failed(14),
                }
            }
            let in_size = input.len();
            let out_size: u64 = out_iovs.iter().map(|i| i.len).sum();
            let max_pages = in_size.max(out_size as usize).div_ceil(4096);
            if max_pages > 32 {
                return IoctlOutcome::Failed(ENOMEM);
            }
            let ioctl_in = FuseIoctlIn {
                fh,
                flags,
                cmd,
                arg,
                in_size: in_size as u32,
                out_size: out_size as u32,
            };
            let unique = self.unique();
            let reply = self.exchange(&request_bytes(
                FUSE_IOCTL,
                unique,
                pid,
                &[bytemuck::bytes_of(&ioctl_in), &input],
            ));
            self.last_rounds = rounds;
            let (out, rest) = match Self::ioctl_reply(&reply, unique) {
                Ok(reply) => reply,
                Err(failed) => return failed,
            };
            let rest = &rest[..];
            if out.flags & FUSE_IOCTL_RETRY != 0 {
                let count = (out.in_iovs + out.out_iovs) as usize;
                if count > FUSE_IOCTL_MAX_IOV || rest.len() != count * 16 {
                    return IoctlOutcome::Failed(if count > FUSE_IOCTL_MAX_IOV {
                        ENOMEM
                    } else {
                        EIO
                    });
                }
                let iovs: Vec<FuseIoctlIovec> = (0..count)
                    .map(|i| bytemuck::pod_read_unaligned(&rest[i * 16..i * 16 + 16]))
                    .collect();
                if compat
                    && iovs
                        .iter()
                        .any(|i| i.base > u32::MAX as u64 || i.len > u32::MAX as u64)
                {
                    return IoctlOutcome::Failed(EIO);
                }
                in_iovs = iovs[..out.in_iovs as usize].to_vec();
                out_iovs = iovs[out.in_iovs as usize..].to_vec();
                let total_in: u64 = in_iovs.iter().map(|i| i.len).sum();
                let total_out: u64 = out_iovs.iter().map(|i| i.len).sum();
                if total_in > 32 * 4096 || total_out > 32 * 4096 {
                    return IoctlOutcome::Failed(ENOMEM);
                }
                assert!(rounds < 8, "the device keeps asking for more rounds");
                between_rounds(memory, rounds);
                continue;
            }
            if rest.len() as u64 > out_size {
                return IoctlOutcome::Failed(EIO);
            }
            let mut offset = 0usize;
            for iov in &out_iovs {
                if offset >= rest.len() {
                    break;
                }
                let take = (iov.len as usize).min(rest.len() - offset);
                if !memory.write(iov.base, &rest[offset..offset + take]) {
                    return IoctlOutcome::Failed(14);
                }
                offset += take;
            }
            if out.result < 0 {
                return IoctlOutcome::Failed(-out.result);
            }
            return IoctlOutcome::Returned(out.result);
        }
    }
}
