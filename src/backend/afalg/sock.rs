//! The AF_ALG socket calls, as safe wrappers over nix.
//!
//! A [`Transform`] is the bound "tfm" socket: `socket(AF_ALG)`, `bind` to a type (`skcipher`,
//! `hash`, `aead`) and a name, which may be a driver name such as `cbc-aes-aesni` (the
//! kernel looks names up by `cra_name` and `cra_driver_name` alike), then `ALG_SET_KEY` and
//! `ALG_SET_AEAD_AUTHSIZE`. Each `accept` gives an [`OpSocket`] that carries one request
//! state: data goes in with `sendmsg` (control messages `ALG_SET_OP`, `ALG_SET_IV`,
//! `ALG_SET_AEAD_ASSOCLEN`) and the result comes back with `recv`.
//!
//! Kernel rules these wrappers are used under (crypto/af_alg.c, algif_*.c, Linux 6.1):
//! - `setsockopt` on the tfm socket is refused with EBUSY while any accepted socket of it is
//!   open, so a new authsize needs the op socket closed first;
//! - a `sendmsg` without `MSG_MORE` ends a request; another `sendmsg` before the `recv` that
//!   consumes it fails with EINVAL, so after any error the op socket is replaced;
//! - `accept` on an op socket of a hash clones its running state (that is how a hash forks).
//!
//! nix returns accepted sockets as raw descriptors and the crate forbids `unsafe`, so an
//! [`OpSocket`] owns its descriptor by number and closes it on drop.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::errno::Errno;
use nix::sys::socket::{
    accept4, bind, recvmsg, sendmsg, setsockopt, socket, sockopt, AddressFamily, AlgAddr,
    ControlMessage, MsgFlags, SockFlag, SockType,
};

/// The longest name `sockaddr_alg.salg_name` holds with its terminating NUL.
pub const MAX_NAME: usize = 63;

/// `ALG_OP_DECRYPT` / `ALG_OP_ENCRYPT` of `<linux/if_alg.h>`.
const OP_DECRYPT: libc::c_int = 0;
const OP_ENCRYPT: libc::c_int = 1;

/// Whether this kernel has AF_ALG at all: EAFNOSUPPORT when it does not.
pub fn available() -> Result<(), Errno> {
    socket(
        AddressFamily::Alg,
        SockType::SeqPacket,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map(drop)
}

/// A bound AF_ALG transform socket.
#[derive(Debug)]
pub struct Transform {
    fd: OwnedFd,
}

impl Transform {
    /// `socket(AF_ALG, SOCK_SEQPACKET)` and `bind` to `salg_type` / `name`.
    ///
    /// # Errors
    /// EAFNOSUPPORT without AF_ALG; ENOENT when the kernel has no such algorithm or driver
    /// (or refuses it to AF_ALG); ENAMETOOLONG for a name longer than [`MAX_NAME`].
    pub fn bind(salg_type: &str, name: &str) -> Result<Transform, Errno> {
        if name.len() > MAX_NAME || salg_type.len() > 13 {
            return Err(Errno::ENAMETOOLONG);
        }
        let fd = socket(
            AddressFamily::Alg,
            SockType::SeqPacket,
            SockFlag::SOCK_CLOEXEC,
            None,
        )?;
        bind(fd.as_raw_fd(), &AlgAddr::new(salg_type, name))?;
        Ok(Transform { fd })
    }

    /// `ALG_SET_KEY` (an empty key included: HMAC takes one).
    pub fn set_key(&self, key: &[u8]) -> Result<(), Errno> {
        setsockopt(&self.fd, sockopt::AlgSetKey::default(), &key)
    }

    /// `ALG_SET_AEAD_AUTHSIZE`; EBUSY while an op socket is open.
    pub fn set_auth_size(&self, len: usize) -> Result<(), Errno> {
        setsockopt(&self.fd, sockopt::AlgSetAeadAuthSize, &len)
    }

    /// A fresh request state (`accept`); ENOKEY if a key is required and was not set.
    pub fn accept(&self) -> Result<OpSocket, Errno> {
        accept_raw(self.fd.as_raw_fd())
    }
}

fn accept_raw(fd: RawFd) -> Result<OpSocket, Errno> {
    loop {
        match accept4(fd, SockFlag::SOCK_CLOEXEC) {
            Err(Errno::EINTR) => continue,
            other => return other.map(|fd| OpSocket { fd }),
        }
    }
}

/// The direction of a cipher or AEAD request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Encrypt,
    Decrypt,
}

impl Op {
    fn value(self) -> &'static libc::c_int {
        match self {
            Op::Encrypt => &OP_ENCRYPT,
            Op::Decrypt => &OP_DECRYPT,
        }
    }
}

/// An accepted AF_ALG socket: one request state of a transform.
#[derive(Debug)]
pub struct OpSocket {
    fd: RawFd,
}

impl Drop for OpSocket {
    fn drop(&mut self) {
        // The descriptor came from accept4 and is owned by this value alone.
        let _ = nix::unistd::close(self.fd);
    }
}

impl OpSocket {
    /// `accept` on this socket: for a hash, a new socket holding a copy of the running state.
    pub fn fork(&self) -> Result<OpSocket, Errno> {
        accept_raw(self.fd)
    }

    /// One `sendmsg` of `parts` (gathered) with the given control values; `more` sets
    /// `MSG_MORE` (the request continues). Fails with EMSGSIZE if the kernel took less than
    /// everything (its send buffer is full), which the callers avoid by bounding requests.
    pub fn send(
        &self,
        parts: &[&[u8]],
        op: Option<Op>,
        iv: Option<&[u8]>,
        assoclen: Option<u32>,
        more: bool,
    ) -> Result<(), Errno> {
        let iov: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
        let total: usize = parts.iter().map(|p| p.len()).sum();
        let mut cmsgs = Vec::with_capacity(3);
        if let Some(op) = op {
            cmsgs.push(ControlMessage::AlgSetOp(op.value()));
        }
        if let Some(iv) = iv {
            cmsgs.push(ControlMessage::AlgSetIv(iv));
        }
        let assoclen_value;
        if let Some(len) = assoclen {
            assoclen_value = len;
            cmsgs.push(ControlMessage::AlgSetAeadAssoclen(&assoclen_value));
        }
        let flags = if more {
            MsgFlags::from_bits_retain(libc::MSG_MORE)
        } else {
            MsgFlags::empty()
        };
        let sent = loop {
            match sendmsg::<()>(self.fd, &iov, &cmsgs, flags, None) {
                Err(Errno::EINTR) => continue,
                other => break other?,
            }
        };
        if sent == total {
            Ok(())
        } else {
            Err(Errno::EMSGSIZE)
        }
    }

    /// Receives exactly `buf.len()` bytes of result (several `recvmsg` calls if the kernel
    /// hands them out in parts); EIO if the request ends early.
    pub fn recv_exact(&self, buf: &mut [u8]) -> Result<(), Errno> {
        let mut done = 0;
        while done < buf.len() {
            let mut iov = [IoSliceMut::new(&mut buf[done..])];
            let n = match recvmsg::<()>(self.fd, &mut iov, None, MsgFlags::empty()) {
                Err(Errno::EINTR) => continue,
                other => other?.bytes,
            };
            if n == 0 {
                return Err(Errno::EIO);
            }
            done += n;
        }
        Ok(())
    }

    /// A `recv` whose result may be empty (an AEAD decryption of nothing): one call.
    pub fn recv_once(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        loop {
            let mut iov = [IoSliceMut::new(buf)];
            match recvmsg::<()>(self.fd, &mut iov, None, MsgFlags::empty()) {
                Err(Errno::EINTR) => continue,
                other => return other.map(|r| r.bytes),
            }
        }
    }
}
