//! Which implementations the kernel's crypto API has: every algorithm's name, driver,
//! module, priority, type and flags.
//!
//! Sources, in order:
//! 1. `NETLINK_CRYPTO` (module `crypto_user`, needs CAP_NET_ADMIN): a `CRYPTO_MSG_GETALG`
//!    dump answers one `struct crypto_user_alg` per algorithm (names, `cru_flags` = the
//!    algorithm's `cra_flags`), followed by attributes: `CRYPTOCFGA_PRIORITY_VAL` and a
//!    `CRYPTOCFGA_REPORT_*` struct whose first 64 bytes name the type (`skcipher`, `shash`,
//!    `ahash`, `aead`, …).
//! 2. `/proc/crypto`: the same names, driver, module, priority and type, plus `internal` and
//!    `async`; no `CRYPTO_ALG_KERN_DRIVER_ONLY` (a `flags` line is read if a kernel prints
//!    one).
//!
//! "Hardware" ([`KernelAlg::hardware`]) means the implementation runs off the CPU: the
//! driver carries `CRYPTO_ALG_KERN_DRIVER_ONLY`, or its module drives a device (it has
//! entries under `/sys/module/<module>/drivers`). The second half exists because some device
//! drivers do not set the flag: `virtio_crypto` registers `virtio_crypto_aes_cbc` with only
//! `CRYPTO_ALG_ASYNC | CRYPTO_ALG_ALLOCATES_MEMORY` (Linux 6.1), yet every request goes to
//! the virtio device.
//!
//! Entries marked internal (`CRYPTO_ALG_INTERNAL`, "internal : yes"), larval, dead or dying
//! are never usable: AF_ALG cannot bind them.

use std::os::fd::{AsFd, AsRawFd};

use bytemuck::{Pod, Zeroable};
use cryptodev_abi::{AlgKind, Algorithm};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{
    recv, send, socket, AddressFamily, MsgFlags, SockFlag, SockProtocol, SockType,
};

// `cra_flags` bits of <linux/crypto.h>.
/// The type field of the flags.
pub const CRYPTO_ALG_TYPE_MASK: u32 = 0x0000_000f;
pub const CRYPTO_ALG_TYPE_AEAD: u32 = 0x3;
/// Linear skciphers (Linux 6.8 and later: `cbc(des)`, `cbc(blowfish)`, … built from a
/// template over a single-block cipher); AF_ALG binds them as skciphers.
pub const CRYPTO_ALG_TYPE_LSKCIPHER: u32 = 0x4;
pub const CRYPTO_ALG_TYPE_SKCIPHER: u32 = 0x5;
pub const CRYPTO_ALG_TYPE_SHASH: u32 = 0xe;
pub const CRYPTO_ALG_TYPE_AHASH: u32 = 0xf;
pub const CRYPTO_ALG_LARVAL: u32 = 0x0000_0010;
pub const CRYPTO_ALG_DEAD: u32 = 0x0000_0020;
pub const CRYPTO_ALG_DYING: u32 = 0x0000_0040;
pub const CRYPTO_ALG_ASYNC: u32 = 0x0000_0080;
pub const CRYPTO_ALG_KERN_DRIVER_ONLY: u32 = 0x0000_1000;
pub const CRYPTO_ALG_INTERNAL: u32 = 0x0000_2000;

// <linux/cryptouser.h>.
/// `CRYPTO_MSG_GETALG`.
pub const CRYPTO_MSG_GETALG: u16 = 0x13;
/// `CRYPTOCFGA_PRIORITY_VAL` (u32).
const CRYPTOCFGA_PRIORITY_VAL: u16 = 1;
/// `CRYPTOCFGA_REPORT_LARVAL` ..= `CRYPTOCFGA_REPORT_ACOMP`: structs that start with the
/// 64-byte type name.
const CRYPTOCFGA_REPORTS: std::ops::RangeInclusive<u16> = 2..=11;
/// `CRYPTO_MAX_NAME`.
const NAME_LEN: usize = 64;

// <linux/netlink.h>.
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 0x2;
const NLMSG_DONE: u16 = 0x3;
const NLMSG_HDRLEN: usize = 16;
const NLA_HDRLEN: usize = 4;
const NLA_TYPE_MASK: u16 = 0x3fff;

/// How long the kernel may take to answer one part of the dump.
const NETLINK_TIMEOUT_MS: u16 = 2000;

/// `struct nlmsghdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct NlMsgHdr {
    pub nlmsg_len: u32,
    pub nlmsg_type: u16,
    pub nlmsg_flags: u16,
    pub nlmsg_seq: u32,
    pub nlmsg_pid: u32,
}

/// `struct crypto_user_alg` (208 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct CryptoUserAlg {
    pub cru_name: [u8; NAME_LEN],
    pub cru_driver_name: [u8; NAME_LEN],
    pub cru_module_name: [u8; NAME_LEN],
    pub cru_type: u32,
    pub cru_mask: u32,
    pub cru_refcnt: u32,
    pub cru_flags: u32,
}

const _: () = assert!(std::mem::size_of::<NlMsgHdr>() == NLMSG_HDRLEN);
const _: () = assert!(std::mem::size_of::<CryptoUserAlg>() == 208);

/// Where a list of algorithms came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Netlink,
    ProcCrypto,
}

/// The AF_ALG socket type that serves an algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AfAlgType {
    Skcipher,
    Hash,
    Aead,
}

impl AfAlgType {
    /// `salg_type` of the bind address.
    pub fn salg_type(self) -> &'static str {
        match self {
            AfAlgType::Skcipher => "skcipher",
            AfAlgType::Hash => "hash",
            AfAlgType::Aead => "aead",
        }
    }

    /// The socket type for an ABI algorithm (None for those AF_ALG cannot serve).
    pub fn of(alg: Algorithm) -> Option<AfAlgType> {
        match alg.kind() {
            AlgKind::Cipher { .. } => Some(AfAlgType::Skcipher),
            AlgKind::Hash { .. } | AlgKind::Hmac { .. } => Some(AfAlgType::Hash),
            AlgKind::Aead { .. } => Some(AfAlgType::Aead),
            _ => None,
        }
    }

    /// The socket type that binds a kernel type name as `/proc/crypto` and the netlink
    /// reports print it (older kernels' names included).
    pub fn from_kernel_type(kind: &str) -> Option<AfAlgType> {
        match kind {
            "skcipher" | "lskcipher" | "blkcipher" | "ablkcipher" | "givcipher" => {
                Some(AfAlgType::Skcipher)
            }
            "shash" | "ahash" | "digest" | "hash" => Some(AfAlgType::Hash),
            "aead" | "nivaead" => Some(AfAlgType::Aead),
            _ => None,
        }
    }
}

/// One implementation the kernel lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelAlg {
    /// The algorithm name (`cra_name`), e.g. `cbc(aes)`.
    pub name: String,
    /// The implementation (`cra_driver_name`), e.g. `cbc-aes-aesni`.
    pub driver: String,
    /// The module that registered it (`kernel` for built-ins).
    pub module: String,
    pub priority: u32,
    /// The type name, e.g. `skcipher`, `shash`, `aead`.
    pub kind: String,
    /// `cra_flags` (from netlink); from `/proc/crypto` only INTERNAL and ASYNC (and what a
    /// `flags` line gives).
    pub flags: u32,
    /// Off the CPU: KERN_DRIVER_ONLY, or a device driver's module ([`mark_hardware`]).
    pub hardware: bool,
}

impl KernelAlg {
    pub fn kern_driver_only(&self) -> bool {
        self.flags & CRYPTO_ALG_KERN_DRIVER_ONLY != 0
    }

    /// Whether AF_ALG may bind it: not internal, larval, dead or dying.
    pub fn usable(&self) -> bool {
        self.flags & (CRYPTO_ALG_INTERNAL | CRYPTO_ALG_LARVAL | CRYPTO_ALG_DEAD | CRYPTO_ALG_DYING)
            == 0
            && self.kind != "larval"
    }

    /// The AF_ALG socket type it binds with.
    pub fn afalg_type(&self) -> Option<AfAlgType> {
        AfAlgType::from_kernel_type(&self.kind).or(match self.flags & CRYPTO_ALG_TYPE_MASK {
            CRYPTO_ALG_TYPE_SKCIPHER | CRYPTO_ALG_TYPE_LSKCIPHER => Some(AfAlgType::Skcipher),
            CRYPTO_ALG_TYPE_SHASH | CRYPTO_ALG_TYPE_AHASH => Some(AfAlgType::Hash),
            CRYPTO_ALG_TYPE_AEAD => Some(AfAlgType::Aead),
            _ => None,
        })
    }
}

/// The algorithm table and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovery {
    pub source: Source,
    pub algs: Vec<KernelAlg>,
}

/// Reads the table: netlink first, `/proc/crypto` when that fails; hardware marked from the
/// flags and `/sys/module`. Errors only if neither source answers.
pub fn discover() -> Result<Discovery, String> {
    let (source, mut algs) = match via_netlink() {
        Ok(algs) if !algs.is_empty() => (Source::Netlink, algs),
        netlink => {
            let why = match netlink {
                Ok(_) => "empty dump".to_owned(),
                Err(e) => e.to_string(),
            };
            tracing::debug!("NETLINK_CRYPTO unavailable ({why}); reading /proc/crypto");
            let text = std::fs::read_to_string("/proc/crypto")
                .map_err(|e| format!("NETLINK_CRYPTO: {why}; /proc/crypto: {e}"))?;
            (Source::ProcCrypto, parse_proc_crypto(&text))
        }
    };
    mark_hardware(&mut algs, module_drives_a_device);
    Ok(Discovery { source, algs })
}

/// Sets [`KernelAlg::hardware`]: KERN_DRIVER_ONLY, or a module `drives_a_device` says yes
/// to (never for built-ins).
pub fn mark_hardware(algs: &mut [KernelAlg], drives_a_device: impl Fn(&str) -> bool) {
    for alg in algs {
        let module = alg.module.as_str();
        alg.hardware = alg.kern_driver_only()
            || (!module.is_empty() && module != "kernel" && drives_a_device(module));
    }
}

/// Whether `/sys/module/<module>/drivers` lists a driver (a bus driver: the module drives
/// devices).
pub fn module_drives_a_device(module: &str) -> bool {
    if module.contains('/') || module.starts_with('.') {
        return false;
    }
    std::fs::read_dir(format!("/sys/module/{module}/drivers"))
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false)
}

/// The `CRYPTO_MSG_GETALG` dump request (header and a zeroed `crypto_user_alg`).
pub fn dump_request(seq: u32) -> Vec<u8> {
    let len = NLMSG_HDRLEN + std::mem::size_of::<CryptoUserAlg>();
    let header = NlMsgHdr {
        nlmsg_len: u32::try_from(len).unwrap_or(u32::MAX),
        nlmsg_type: CRYPTO_MSG_GETALG,
        nlmsg_flags: NLM_F_REQUEST | NLM_F_DUMP,
        nlmsg_seq: seq,
        nlmsg_pid: 0,
    };
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(bytemuck::bytes_of(&header));
    out.extend_from_slice(bytemuck::bytes_of(&CryptoUserAlg::zeroed()));
    out
}

/// What one datagram of the dump held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DumpPart {
    pub algs: Vec<KernelAlg>,
    /// NLMSG_DONE was seen.
    pub done: bool,
}

/// Why a dump could not be read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NetlinkError {
    #[error("{0}")]
    Sys(#[from] Errno),
    #[error("the kernel answered error {0}")]
    Kernel(Errno),
    #[error("malformed netlink message: {0}")]
    Malformed(&'static str),
    #[error("no answer within {NETLINK_TIMEOUT_MS} ms")]
    Timeout,
}

fn align4(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// The text of a NUL-padded name field.
fn c_string(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// Parses one received datagram of a dump with sequence number `seq`.
pub fn parse_dump(buf: &[u8], seq: u32) -> Result<DumpPart, NetlinkError> {
    let mut part = DumpPart::default();
    let mut at = 0;
    while at + NLMSG_HDRLEN <= buf.len() {
        let header: NlMsgHdr = bytemuck::pod_read_unaligned(&buf[at..at + NLMSG_HDRLEN]);
        let len = header.nlmsg_len as usize;
        if len < NLMSG_HDRLEN || at + len > buf.len() {
            return Err(NetlinkError::Malformed("message length"));
        }
        let payload = &buf[at + NLMSG_HDRLEN..at + len];
        at += align4(len);
        if header.nlmsg_seq != seq {
            continue;
        }
        match header.nlmsg_type {
            NLMSG_DONE => {
                part.done = true;
                break;
            }
            NLMSG_ERROR => {
                let code = payload
                    .get(..4)
                    .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                    .ok_or(NetlinkError::Malformed("short error message"))?;
                if code != 0 {
                    return Err(NetlinkError::Kernel(Errno::from_raw(-code)));
                }
            }
            CRYPTO_MSG_GETALG => part.algs.push(parse_alg(payload)?),
            _ => {}
        }
    }
    Ok(part)
}

/// One `CRYPTO_MSG_GETALG` answer: `crypto_user_alg` and its attributes.
fn parse_alg(payload: &[u8]) -> Result<KernelAlg, NetlinkError> {
    let size = std::mem::size_of::<CryptoUserAlg>();
    let fixed = payload
        .get(..size)
        .ok_or(NetlinkError::Malformed("short crypto_user_alg"))?;
    let ualg: CryptoUserAlg = bytemuck::pod_read_unaligned(fixed);
    let mut alg = KernelAlg {
        name: c_string(&ualg.cru_name),
        driver: c_string(&ualg.cru_driver_name),
        module: c_string(&ualg.cru_module_name),
        priority: 0,
        kind: String::new(),
        flags: ualg.cru_flags,
        hardware: false,
    };
    let mut attrs = &payload[align4(size).min(payload.len())..];
    while attrs.len() >= NLA_HDRLEN {
        let len = usize::from(u16::from_ne_bytes([attrs[0], attrs[1]]));
        let kind = u16::from_ne_bytes([attrs[2], attrs[3]]) & NLA_TYPE_MASK;
        if len < NLA_HDRLEN || len > attrs.len() {
            return Err(NetlinkError::Malformed("attribute length"));
        }
        let data = &attrs[NLA_HDRLEN..len];
        if kind == CRYPTOCFGA_PRIORITY_VAL {
            if let Some(b) = data.get(..4) {
                alg.priority = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
            }
        } else if CRYPTOCFGA_REPORTS.contains(&kind) {
            alg.kind = c_string(&data[..data.len().min(NAME_LEN)]);
        }
        attrs = &attrs[align4(len).min(attrs.len())..];
    }
    Ok(alg)
}

/// The whole table over NETLINK_CRYPTO.
pub fn via_netlink() -> Result<Vec<KernelAlg>, NetlinkError> {
    let fd = socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkCrypto,
    )?;
    let seq = std::process::id();
    let request = dump_request(seq);
    if send(fd.as_raw_fd(), &request, MsgFlags::empty())? != request.len() {
        return Err(NetlinkError::Malformed("short send"));
    }
    // The kernel sizes each dump datagram up to 64 KiB.
    let mut buf = vec![0u8; 256 * 1024];
    let mut algs = Vec::new();
    loop {
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, PollTimeout::from(NETLINK_TIMEOUT_MS))? == 0 {
            return Err(NetlinkError::Timeout);
        }
        let n = recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty())?;
        if n == 0 {
            return Err(NetlinkError::Malformed("end of stream before NLMSG_DONE"));
        }
        let part = parse_dump(&buf[..n], seq)?;
        algs.extend(part.algs);
        if part.done {
            return Ok(algs);
        }
    }
}

/// Parses `/proc/crypto`: blank-line separated blocks of `key : value` lines.
pub fn parse_proc_crypto(text: &str) -> Vec<KernelAlg> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut alg = KernelAlg {
            name: String::new(),
            driver: String::new(),
            module: String::new(),
            priority: 0,
            kind: String::new(),
            flags: 0,
            hardware: false,
        };
        for line in block.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "name" => alg.name = value.to_owned(),
                "driver" => alg.driver = value.to_owned(),
                "module" => alg.module = value.to_owned(),
                "priority" => alg.priority = value.parse().unwrap_or(0),
                "type" => alg.kind = value.to_owned(),
                "internal" if value == "yes" => alg.flags |= CRYPTO_ALG_INTERNAL,
                "async" if value == "yes" => alg.flags |= CRYPTO_ALG_ASYNC,
                "flags" => {
                    let digits = value.trim_start_matches("0x");
                    alg.flags |= u32::from_str_radix(digits, 16).unwrap_or(0);
                }
                _ => {}
            }
        }
        if !alg.name.is_empty() && !alg.driver.is_empty() {
            out.push(alg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_field(s: &str) -> [u8; NAME_LEN] {
        let mut f = [0u8; NAME_LEN];
        f[..s.len()].copy_from_slice(s.as_bytes());
        f
    }

    fn attr(kind: u16, data: &[u8]) -> Vec<u8> {
        let len = u16::try_from(NLA_HDRLEN + data.len()).unwrap();
        let mut out = Vec::new();
        out.extend_from_slice(&len.to_ne_bytes());
        out.extend_from_slice(&kind.to_ne_bytes());
        out.extend_from_slice(data);
        out.resize(align4(out.len()), 0);
        out
    }

    fn message(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let header = NlMsgHdr {
            nlmsg_len: u32::try_from(NLMSG_HDRLEN + payload.len()).unwrap(),
            nlmsg_type: kind,
            nlmsg_flags: flags,
            nlmsg_seq: seq,
            nlmsg_pid: 1234,
        };
        let mut out = bytemuck::bytes_of(&header).to_vec();
        out.extend_from_slice(payload);
        out.resize(align4(out.len()), 0);
        out
    }

    fn alg_message(
        seq: u32,
        name: &str,
        driver: &str,
        module: &str,
        flags: u32,
        prio: u32,
        kind: &str,
    ) -> Vec<u8> {
        let ualg = CryptoUserAlg {
            cru_name: name_field(name),
            cru_driver_name: name_field(driver),
            cru_module_name: name_field(module),
            cru_type: 0,
            cru_mask: 0,
            cru_refcnt: 2,
            cru_flags: flags,
        };
        let mut payload = bytemuck::bytes_of(&ualg).to_vec();
        payload.extend(attr(CRYPTOCFGA_PRIORITY_VAL, &prio.to_ne_bytes()));
        // struct crypto_report_blkcipher: type[64], geniv[64], 4 x u32.
        let mut report = name_field(kind).to_vec();
        report.extend_from_slice(&name_field("<none>"));
        report.extend_from_slice(&[0u8; 16]);
        payload.extend(attr(4, &report));
        message(CRYPTO_MSG_GETALG, 0x2, seq, &payload)
    }

    /// Real `CRYPTO_MSG_GETALG` answers, captured in the test guest (Linux 6.1, x86-64,
    /// qemu virtio-crypto, sequence 42) with a few lines of Python over `NETLINK_CRYPTO`:
    /// virtio-crypto's `cbc(aes)` (flags 0x10485: no KERN_DRIVER_ONLY), aesni's internal
    /// helper, `sha256-generic`, then NLMSG_DONE.
    const CAPTURED: &[&str] = &[
        "7c010000130002002a000000dc00000063626328616573290000000000000000000000000000000000000000",
        "00000000000000000000000000000000000000000000000000000000000000000000000076697274696f5f63",
        "727970746f5f6165735f63626300000000000000000000000000000000000000000000000000000000000000",
        "00000000000000000000000076697274696f5f63727970746f00000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000001000000",
        "85040100080001009600000094000400736b6369706865720000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000003c6e6f6e653e0000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "00000000000000000000000010000000100000002000000010000000",
        "7c010000130002002a000000dc0000005f5f6362632861657329000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000005f5f6362632d6165",
        "732d6165736e6900000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000006165736e695f696e74656c000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000001000000",
        "05240000080001009001000094000400736b6369706865720000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000003c6e6f6e653e0000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        "00000000000000000000000010000000100000002000000010000000",
        "34010000130002002a000000dc00000073686132353600000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000007368613235362d67",
        "656e657269630000000000000000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000006b65726e656c0000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000004000000",
        "0e04000008000100640000004c00030073686173680000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000000000000004000000020000000",
        "14000000030002002a000000dc00000000000000",
    ];

    #[test]
    fn parses_captured_guest_dump() {
        let bytes = unhex(&CAPTURED.concat());
        let part = parse_dump(&bytes, 42).unwrap();
        assert!(part.done);
        let summary: Vec<(&str, &str, &str, u32, &str, u32)> = part
            .algs
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.driver.as_str(),
                    a.module.as_str(),
                    a.priority,
                    a.kind.as_str(),
                    a.flags,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "cbc(aes)",
                    "virtio_crypto_aes_cbc",
                    "virtio_crypto",
                    150,
                    "skcipher",
                    0x10485
                ),
                (
                    "__cbc(aes)",
                    "__cbc-aes-aesni",
                    "aesni_intel",
                    400,
                    "skcipher",
                    0x2405
                ),
                ("sha256", "sha256-generic", "kernel", 100, "shash", 0x40e),
            ]
        );
        let usable: Vec<bool> = part.algs.iter().map(KernelAlg::usable).collect();
        assert_eq!(usable, [true, false, true]);
        assert!(part.algs.iter().all(|a| !a.kern_driver_only()));
        // Another sequence number: nothing of it is taken.
        assert_eq!(parse_dump(&bytes, 41).unwrap(), DumpPart::default());
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The request, byte for byte as the capture above asked for it (x86-64, little endian).
    #[test]
    fn request_bytes() {
        let req = dump_request(7);
        assert_eq!(req.len(), 224);
        assert_eq!(
            req[..16],
            [0xe0, 0, 0, 0, 0x13, 0, 0x01, 0x03, 7, 0, 0, 0, 0, 0, 0, 0]
        );
        assert!(req[16..].iter().all(|&b| b == 0));
    }

    /// A hand-built datagram: two algorithms, a foreign sequence number, NLMSG_DONE.
    #[test]
    fn parses_a_dump() {
        let mut buf = alg_message(
            9,
            "cbc(aes)",
            "virtio_crypto_aes_cbc",
            "virtio_crypto",
            CRYPTO_ALG_TYPE_SKCIPHER | CRYPTO_ALG_ASYNC | 0x10000,
            150,
            "skcipher",
        );
        buf.extend(alg_message(
            8,
            "ignored",
            "other-seq",
            "kernel",
            0,
            1,
            "skcipher",
        ));
        buf.extend(alg_message(
            9,
            "__cbc(aes)",
            "__cbc-aes-aesni",
            "aesni_intel",
            CRYPTO_ALG_TYPE_SKCIPHER | CRYPTO_ALG_INTERNAL,
            400,
            "skcipher",
        ));
        let part = parse_dump(&buf, 9).unwrap();
        assert!(!part.done);
        assert_eq!(part.algs.len(), 2);
        let a = &part.algs[0];
        assert_eq!(
            (a.name.as_str(), a.driver.as_str(), a.module.as_str()),
            ("cbc(aes)", "virtio_crypto_aes_cbc", "virtio_crypto")
        );
        assert_eq!((a.priority, a.kind.as_str()), (150, "skcipher"));
        assert!(a.usable() && !a.kern_driver_only());
        assert_eq!(a.afalg_type(), Some(AfAlgType::Skcipher));
        assert!(!part.algs[1].usable());

        let done = message(NLMSG_DONE, 0x2, 9, &0i32.to_ne_bytes());
        assert!(parse_dump(&done, 9).unwrap().done);
        let mut error = (-1i32).to_ne_bytes().to_vec();
        error.extend_from_slice(&[0; 16]);
        assert_eq!(
            parse_dump(&message(NLMSG_ERROR, 0, 9, &error), 9),
            Err(NetlinkError::Kernel(Errno::EPERM))
        );
        let mut bad = done.clone();
        bad[0] = 200;
        assert!(matches!(
            parse_dump(&bad, 9),
            Err(NetlinkError::Malformed(_))
        ));
    }

    /// The type comes from the flags when no report attribute names it.
    #[test]
    fn type_from_flags() {
        let mut alg = parse_proc_crypto("name : x\ndriver : y\n").remove(0);
        assert_eq!(alg.afalg_type(), None);
        alg.flags = CRYPTO_ALG_TYPE_AHASH;
        assert_eq!(alg.afalg_type(), Some(AfAlgType::Hash));
        alg.flags = CRYPTO_ALG_TYPE_AEAD;
        assert_eq!(alg.afalg_type(), Some(AfAlgType::Aead));
        alg.flags = CRYPTO_ALG_TYPE_LSKCIPHER;
        assert_eq!(alg.afalg_type(), Some(AfAlgType::Skcipher));
    }

    /// Linux 6.12 lists `cbc(des)` as an lskcipher (`cbc(ecb(des-generic))`).
    #[test]
    fn linear_skciphers_bind_as_skciphers() {
        let alg = parse_proc_crypto(
            "name : cbc(des)\ndriver : cbc(ecb(des-generic))\nmodule : kernel\n\
             priority : 100\ninternal : no\ntype : lskcipher\n",
        )
        .remove(0);
        assert!(alg.usable());
        assert_eq!(alg.afalg_type(), Some(AfAlgType::Skcipher));
    }

    const PROC_CRYPTO: &str = "\
name         : cbc(aes)
driver       : virtio_crypto_aes_cbc
module       : virtio_crypto
priority     : 150
refcnt       : 1
selftest     : passed
internal     : no
type         : skcipher
async        : yes
blocksize    : 16

name         : __cbc(aes)
driver       : __cbc-aes-aesni
module       : aesni_intel
priority     : 400
refcnt       : 1
selftest     : passed
internal     : yes
type         : skcipher
async        : no

name         : sha256
driver       : sha256-generic
module       : kernel
priority     : 100
refcnt       : 1
selftest     : passed
internal     : no
type         : shash
blocksize    : 64
digestsize   : 32

name         : hwthing
driver       : hwthing-caam
module       : caamalg
priority     : 3000
flags        : 0x1005
type         : skcipher
";

    #[test]
    fn parses_proc_crypto() {
        let mut algs = parse_proc_crypto(PROC_CRYPTO);
        assert_eq!(algs.len(), 4);
        assert_eq!(algs[0].driver, "virtio_crypto_aes_cbc");
        assert_eq!(algs[0].priority, 150);
        assert_eq!(algs[0].flags, CRYPTO_ALG_ASYNC);
        assert!(algs[0].usable());
        assert!(!algs[1].usable(), "internal: yes");
        assert_eq!(algs[2].afalg_type(), Some(AfAlgType::Hash));
        assert!(algs[3].kern_driver_only());
        mark_hardware(&mut algs, |m| m == "virtio_crypto" || m == "kernel");
        let hw: Vec<bool> = algs.iter().map(|a| a.hardware).collect();
        // virtio by its device driver, caam by its flag; never a built-in.
        assert_eq!(hw, [true, false, false, true]);
    }
}
