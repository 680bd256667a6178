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
    /// The operations below reach a FUSE mount only (a CUSE device has no nodes).
    MountInit(FuseInitIn),
    Lookup {
        name: &'a [u8],
    },
    /// FORGET and BATCH_FORGET: the kernel drops node references; never answered.
    Forget,
    GetAttr,
    SetAttr(FuseSetattrIn),
    Statfs,
    Flush,
    OpenDir,
    ReadDir {
        offset: u64,
        size: u32,
    },
    ReleaseDir,
    Destroy,
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

impl Operation<'_> {
    /// Whether this operation goes to the device of an open file (or opens one).
    pub fn is_file_operation(&self) -> bool {
        matches!(
            self,
            Operation::Open(_)
                | Operation::Release(_)
                | Operation::Read { .. }
                | Operation::Write { .. }
                | Operation::Ioctl { .. }
                | Operation::Poll(_)
        )
    }

    /// Whether only a FUSE mount gets this operation: a CUSE connection answers it ENOSYS,
    /// as any opcode CUSE does not send.
    pub fn is_mount_only(&self) -> bool {
        matches!(
            self,
            Operation::MountInit(_)
                | Operation::Lookup { .. }
                | Operation::Forget
                | Operation::GetAttr
                | Operation::SetAttr(_)
                | Operation::Statfs
                | Operation::Flush
                | Operation::OpenDir
                | Operation::ReadDir { .. }
                | Operation::ReleaseDir
                | Operation::Destroy
        )
    }
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
                let (read, _) = body::<FuseReadIn>(rest).ok_or_else(short)?;
                Operation::Read {
                    fh: read.fh,
                    size: read.size,
                }
            }
            FUSE_WRITE => {
                let (write, data) = body::<FuseWriteIn>(rest).ok_or_else(short)?;
                let data = data.get(..write.size as usize).ok_or_else(short)?;
                Operation::Write { fh: write.fh, data }
            }
            FUSE_INIT => Operation::MountInit(body(rest).ok_or_else(short)?.0),
            FUSE_LOOKUP => {
                // The name, NUL-terminated.
                let name = rest.split(|&b| b == 0).next().unwrap_or_default();
                Operation::Lookup { name }
            }
            FUSE_FORGET | FUSE_BATCH_FORGET => Operation::Forget,
            FUSE_GETATTR => Operation::GetAttr,
            FUSE_SETATTR => Operation::SetAttr(body(rest).ok_or_else(short)?.0),
            FUSE_STATFS => Operation::Statfs,
            FUSE_FLUSH => Operation::Flush,
            FUSE_OPENDIR => Operation::OpenDir,
            FUSE_READDIR => {
                let (read, _) = body::<FuseReadIn>(rest).ok_or_else(short)?;
                Operation::ReadDir {
                    offset: read.offset,
                    size: read.size,
                }
            }
            FUSE_RELEASEDIR => Operation::ReleaseDir,
            FUSE_DESTROY => Operation::Destroy,
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
