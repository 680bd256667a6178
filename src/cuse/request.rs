//! Parsing one request read from the channel.

use core::mem::size_of;

use bytemuck::Pod;

use super::wire::*;

/// A request, borrowed from the receive buffer.
#[derive(Debug)]
pub struct Request<'a> {
    pub header: FuseInHeader,
    pub operation: Operation<'a>,
}

#[derive(Debug)]
pub enum Operation<'a> {
    Init(CuseInitIn),
    Open(FuseOpenIn),
    Release(FuseReleaseIn),
    Read {
        fh: u64,
        size: u32,
    },
    Write {
        fh: u64,
        data: &'a [u8],
    },
    Ioctl {
        ioctl: FuseIoctlIn,
        input: &'a [u8],
    },
    Poll(FusePollIn),
    Interrupt(FuseInterruptIn),
    /// An opcode CUSE does not send; answered with ENOSYS.
    Other(u32),
}

/// Why a buffer is not a well-formed request.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("request shorter than its header ({0} bytes)")]
    NoHeader(usize),
    #[error("header says {said} bytes, read returned {got}")]
    LengthMismatch { said: u32, got: usize },
    /// The header is sound, so the request can still be answered (with EIO).
    #[error("opcode {opcode}: body too short")]
    ShortBody { header: FuseInHeader, opcode: u32 },
}

fn body<T: Pod>(bytes: &[u8]) -> Option<(T, &[u8])> {
    let head = bytes.get(..size_of::<T>())?;
    Some((bytemuck::pod_read_unaligned(head), &bytes[size_of::<T>()..]))
}

impl<'a> Request<'a> {
    /// Parses the `len` bytes a read returned.
    pub fn parse(bytes: &'a [u8]) -> Result<Request<'a>, ParseError> {
        let (header, rest) =
            body::<FuseInHeader>(bytes).ok_or(ParseError::NoHeader(bytes.len()))?;
        if header.len as usize != bytes.len() {
            return Err(ParseError::LengthMismatch {
                said: header.len,
                got: bytes.len(),
            });
        }
        let short = || ParseError::ShortBody {
            header,
            opcode: header.opcode,
        };
        let operation = match header.opcode {
            CUSE_INIT => Operation::Init(body(rest).ok_or_else(short)?.0),
            FUSE_OPEN => Operation::Open(body(rest).ok_or_else(short)?.0),
            FUSE_RELEASE => Operation::Release(body(rest).ok_or_else(short)?.0),
            FUSE_READ => {
                let (fh, rest) = body::<u64>(rest).ok_or_else(short)?;
                let (_offset, rest) = body::<u64>(rest).ok_or_else(short)?;
                let (size, _) = body::<u32>(rest).ok_or_else(short)?;
                Operation::Read { fh, size }
            }
            FUSE_WRITE => {
                // fuse_write_in: fh, offset, size, write_flags, lock_owner, flags, padding.
                const WRITE_IN: usize = 40;
                let (fh, _) = body::<u64>(rest).ok_or_else(short)?;
                let data = rest.get(WRITE_IN..).ok_or_else(short)?;
                Operation::Write { fh, data }
            }
            FUSE_IOCTL => {
                let (ioctl, input) = body::<FuseIoctlIn>(rest).ok_or_else(short)?;
                if input.len() != ioctl.in_size as usize {
                    return Err(short());
                }
                Operation::Ioctl { ioctl, input }
            }
            FUSE_POLL => Operation::Poll(body(rest).ok_or_else(short)?.0),
            FUSE_INTERRUPT => Operation::Interrupt(body(rest).ok_or_else(short)?.0),
            other => Operation::Other(other),
        };
        Ok(Request { header, operation })
    }
}
