//! The CUSE protocol, byte for byte, against a fake kernel: the CUSE_INIT handshake, OPEN,
//! RELEASE, READ, POLL, INTERRUPT, unknown opcodes, and RETRY rounds for both layouts.

#![allow(clippy::cast_possible_truncation)] // test fixtures are small

mod support;

use std::os::fd::OwnedFd;
use std::sync::Arc;

use cryptodev_abi::{Ioctl, Layout};
use cryptodev_cuse::backend::soft::RustCryptoBackend;
use cryptodev_cuse::device::CryptoDevice;
use cryptodev_cuse::transport::cuse::{handshake, InitOptions};
use cryptodev_cuse::transport::wire::*;
use cryptodev_cuse::transport::Channel;
use support::client::unhex;
use support::fake_kernel::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn device() -> Arc<CryptoDevice> {
    Arc::new(CryptoDevice::new(Arc::new(RustCryptoBackend::new()), 2).unwrap())
}

#[test]
fn cuse_init_reply_is_byte_exact() {
    let (kernel, daemon) = socket_pair();
    let channel = Channel::from_fd(daemon);
    // fuse_in_header{len 56, CUSE_INIT, unique 1, pid 7} + cuse_init_in{7, 37, 0, UNRESTRICTED}
    let request = unhex(
        "38000000 00100000 0100000000000000 0000000000000000 00000000 00000000 07000000 0000 0000
         07000000 25000000 00000000 01000000",
    );
    nix::unistd::write(&kernel, &request).unwrap();
    handshake(&channel, &init_options(true, false)).expect("handshake");
    let mut reply = vec![0u8; 4096];
    let len = nix::unistd::read(&kernel, &mut reply).unwrap();
    reply.truncate(len);
    // fuse_out_header{len 103, error 0, unique 1} + cuse_init_out{7, 37, 0, UNRESTRICTED,
    // max_read 4096, max_write 4096, dev 0:0, spare} + "DEVNAME=crypto\0"
    let expected = unhex(&format!(
        "67000000 00000000 0100000000000000
         07000000 25000000 00000000 01000000 00100000 00100000 00000000 00000000 {}
         {}",
        "00".repeat(40),
        hex(b"DEVNAME=crypto\0")
    ));
    assert_eq!(hex(&reply), hex(&expected));
}

/// A connection whose kernel side has sent CUSE_INIT with this protocol minor and flags.
fn kernel_offering(minor: u32, flags: u32) -> (OwnedFd, Channel) {
    let (kernel, daemon) = socket_pair();
    let init = CuseInitIn {
        major: 7,
        minor,
        unused: 0,
        flags,
    };
    nix::unistd::write(
        &kernel,
        &request_bytes(CUSE_INIT, 1, 0, &[bytemuck::bytes_of(&init)]),
    )
    .unwrap();
    (kernel, Channel::from_fd(daemon))
}

fn init_options(unrestricted: bool, restricted_fallback: bool) -> InitOptions {
    InitOptions {
        name: "crypto".into(),
        unrestricted,
        restricted_fallback,
        sysfs_class: None,
    }
}

/// The daemon's successful CUSE_INIT reply as the kernel reads it: header and init struct.
fn init_reply(kernel: &OwnedFd) -> (FuseOutHeader, CuseInitOut) {
    let mut reply = [0u8; 256];
    let len = nix::unistd::read(kernel, &mut reply).unwrap();
    assert_eq!(len, 16 + 72 + b"DEVNAME=crypto\0".len());
    (
        bytemuck::pod_read_unaligned(&reply[..16]),
        bytemuck::pod_read_unaligned(&reply[16..88]),
    )
}

/// The direct mode's handshake declines the kernel's offer of unrestricted ioctls, so that
/// the kernel carries each argument struct itself.
#[test]
fn cuse_init_can_choose_restricted_ioctls() {
    let (kernel, channel) = kernel_offering(38, CUSE_UNRESTRICTED_IOCTL);
    let negotiated = handshake(&channel, &init_options(false, false)).expect("handshake");
    assert!(!negotiated.unrestricted);
    let (_, out) = init_reply(&kernel);
    assert_eq!((out.major, out.minor, out.flags), (7, 38, 0));
}

/// No kernel is known to withhold unrestricted ioctls from CUSE (fs/fuse/cuse.c offers them
/// in every CUSE_INIT), so this is where a kernel that did is simulated: with the fallback
/// allowed, the daemon takes restricted ioctls instead of giving up.
#[test]
fn cuse_init_falls_back_to_restricted_ioctls_when_they_are_not_offered() {
    let options = init_options(true, true);
    let (kernel, channel) = kernel_offering(37, 0);
    assert!(!handshake(&channel, &options).unwrap().unrestricted);
    let (header, out) = init_reply(&kernel);
    assert_eq!((header.error, out.flags), (0, 0));

    // Offered: the fallback changes nothing.
    let (kernel, channel) = kernel_offering(37, CUSE_UNRESTRICTED_IOCTL);
    assert!(handshake(&channel, &options).unwrap().unrestricted);
    let (header, out) = init_reply(&kernel);
    assert_eq!((header.error, out.flags), (0, CUSE_UNRESTRICTED_IOCTL));
}

#[test]
fn cuse_init_refuses_old_kernels_and_restricted_ioctls() {
    for (minor, flags) in [(15u32, CUSE_UNRESTRICTED_IOCTL), (37, 0)] {
        let (kernel, channel) = kernel_offering(minor, flags);
        assert!(handshake(&channel, &init_options(true, false)).is_err());
        let mut reply = [0u8; 64];
        let len = nix::unistd::read(&kernel, &mut reply).unwrap();
        assert_eq!(len, 16, "a header-only error reply");
        let header: FuseOutHeader = bytemuck::pod_read_unaligned(&reply[..16]);
        assert_eq!(header.error, -71, "EPROTO");
    }
}

#[test]
fn open_release_read_poll_and_unknown_opcodes() {
    let device = device();
    let mut kernel = FakeKernel::new(device.clone());
    let fh = kernel.open(0);
    let other = kernel.open(0);
    assert_ne!(fh, other);
    assert_eq!(device.open_files(), 2);

    // READ: /dev/crypto has no read; EINVAL, header only.
    let read_in = [
        fh.to_le_bytes().as_slice(),
        &[0u8; 8],
        &4096u32.to_le_bytes(),
        &[0u8; 20],
    ]
    .concat();
    let reply = kernel.exchange(&request_bytes(FUSE_READ, 40, 0, &[&read_in]));
    assert_eq!(FakeKernel::split_reply(&reply, 40), (-22, Vec::new()));

    // POLL: writable, nothing to fetch.
    let poll_in = FusePollIn {
        fh,
        kh: 9,
        flags: FUSE_POLL_SCHEDULE_NOTIFY,
        events: 0x5,
    };
    let reply = kernel.exchange(&request_bytes(
        FUSE_POLL,
        42,
        0,
        &[bytemuck::bytes_of(&poll_in)],
    ));
    let (error, payload) = FakeKernel::split_reply(&reply, 42);
    assert_eq!(error, 0);
    assert_eq!(
        payload,
        [0x04, 0x01, 0, 0, 0, 0, 0, 0],
        "POLLOUT|POLLWRNORM"
    );

    // An opcode CUSE never sends: ENOSYS. INTERRUPT: no reply at all.
    let reply = kernel.exchange(&request_bytes(3, 44, 0, &[&[0u8; 16]]));
    assert_eq!(FakeKernel::split_reply(&reply, 44), (-38, Vec::new()));
    kernel.send_without_reply(&request_bytes(
        FUSE_INTERRUPT,
        47,
        0,
        &[&44u64.to_le_bytes()],
    ));

    // A body too short for its opcode still gets an answer.
    let reply = kernel.exchange(&request_bytes(FUSE_IOCTL, 46, 0, &[&[0u8; 8]]));
    assert_eq!(FakeKernel::split_reply(&reply, 46), (-5, Vec::new()));

    kernel.release(fh);
    kernel.release(other);
    assert_eq!(device.open_files(), 0);
}

/// A CIOCGSESSION for AES-128-CBC in `layout`, served entirely by RETRY rounds.
fn new_session(
    kernel: &mut FakeKernel,
    memory: &mut AddressSpace,
    fh: u64,
    layout: Layout,
) -> (u64, u32) {
    let key = memory.map(&[0x2b; 16]);
    let arg = match layout {
        Layout::Lp64 => {
            let mut op = [0u8; 48];
            op[0..4].copy_from_slice(&11u32.to_le_bytes());
            op[8..12].copy_from_slice(&16u32.to_le_bytes());
            op[16..24].copy_from_slice(&key.to_le_bytes());
            op[44..48].copy_from_slice(&[0xee; 4]); // tail padding must survive
            memory.map(&op)
        }
        Layout::Ilp32 => {
            let mut op = [0u8; 28];
            op[0..4].copy_from_slice(&11u32.to_le_bytes());
            op[8..12].copy_from_slice(&16u32.to_le_bytes());
            op[12..16].copy_from_slice(&(key as u32).to_le_bytes());
            memory.map(&op)
        }
    };
    let code = Ioctl::GetSession.code(layout);
    let outcome = kernel.ioctl(memory, fh, 0, layout == Layout::Ilp32, code, arg);
    assert_eq!(outcome, IoctlOutcome::Returned(0));
    let ses_offset = if layout == Layout::Lp64 { 40 } else { 24 };
    let ses = u32::from_le_bytes(
        memory
            .read(arg + ses_offset, 4)
            .unwrap()
            .try_into()
            .unwrap(),
    );
    if layout == Layout::Lp64 {
        assert_eq!(memory.read(arg + 44, 4).unwrap(), [0xee; 4], "padding kept");
    }
    (arg, ses)
}

#[test]
fn retry_rounds_carry_a_session_request_in_both_layouts() {
    for (layout, base) in [
        (Layout::Lp64, 0x7f00_0000_0000u64),
        (Layout::Ilp32, 0x0804_8000u64),
    ] {
        let device = device();
        let mut kernel = FakeKernel::new(device);
        let mut memory = AddressSpace::new(base);
        let fh = kernel.open(0);
        let (_, _ses) = new_session(&mut kernel, &mut memory, fh, layout);
        assert_eq!(
            kernel.last_rounds, 3,
            "struct, then key + struct out, then final"
        );
    }
}

#[test]
fn retry_round_vectors_are_byte_exact_for_a_32_bit_caller() {
    let device = device();
    let mut kernel = FakeKernel::new(device);
    let fh = kernel.open(0);
    // Round 1 of CIOCFSESSION (i386 code 0x40046367) at arg 0x1000: ask for the 4-byte id.
    let ioctl_in = FuseIoctlIn {
        fh,
        flags: FUSE_IOCTL_UNRESTRICTED | FUSE_IOCTL_COMPAT | FUSE_IOCTL_32BIT,
        cmd: 0x4004_6367,
        arg: 0x1000,
        in_size: 0,
        out_size: 0,
    };
    let reply = kernel.exchange(&request_bytes(
        FUSE_IOCTL,
        100,
        0,
        &[bytemuck::bytes_of(&ioctl_in)],
    ));
    let expected = unhex(
        "30000000 00000000 6400000000000000
         00000000 04000000 01000000 00000000
         0010000000000000 0400000000000000",
    );
    assert_eq!(hex(&reply), hex(&expected));
    // Round 2 brings the id; an unknown id frees nothing and returns 0.
    let ioctl_in = FuseIoctlIn {
        in_size: 4,
        ..ioctl_in
    };
    let reply = kernel.exchange(&request_bytes(
        FUSE_IOCTL,
        102,
        0,
        &[bytemuck::bytes_of(&ioctl_in), &0x1234u32.to_le_bytes()],
    ));
    let expected = unhex("20000000 00000000 6600000000000000 00000000 00000000 00000000 00000000");
    assert_eq!(hex(&reply), hex(&expected));
}

#[test]
fn a_struct_changed_between_rounds_is_refused() {
    let device = device();
    let mut kernel = FakeKernel::new(device);
    let mut memory = AddressSpace::new(0x7f00_0000_0000);
    let fh = kernel.open(0);
    let key = memory.map(&[0x2b; 32]);
    let mut op = [0u8; 48];
    op[0..4].copy_from_slice(&11u32.to_le_bytes());
    op[8..12].copy_from_slice(&16u32.to_le_bytes());
    op[16..24].copy_from_slice(&key.to_le_bytes());
    let arg = memory.map(&op);
    let outcome = kernel.ioctl_with_hook(
        &mut memory,
        fh,
        0,
        false,
        Ioctl::GetSession.code(Layout::Lp64),
        arg,
        |memory, round| {
            if round == 2 {
                // keylen 16 -> 32 after the key buffer was requested at 16 bytes.
                assert!(memory.write(arg + 8, &32u32.to_le_bytes()));
            }
        },
    );
    assert_eq!(outcome, IoctlOutcome::Failed(22));
}

#[test]
fn requests_beyond_the_cuse_limit_get_e2big_without_direct_access() {
    let device = device();
    let mut kernel = FakeKernel::new(device);
    let mut memory = AddressSpace::new(0x7f00_0000_0000);
    let fh = kernel.open(0);
    let (_, ses) = new_session(&mut kernel, &mut memory, fh, Layout::Lp64);
    let len = 256 * 1024u32;
    let src = memory.map(&vec![0u8; len as usize]);
    let mut op = [0u8; 48];
    op[0..4].copy_from_slice(&ses.to_le_bytes());
    op[8..12].copy_from_slice(&len.to_le_bytes());
    op[16..24].copy_from_slice(&src.to_le_bytes());
    op[24..32].copy_from_slice(&src.to_le_bytes());
    let arg = memory.map(&op);
    let outcome = kernel.ioctl(
        &mut memory,
        fh,
        0,
        false,
        Ioctl::Crypt.code(Layout::Lp64),
        arg,
    );
    assert_eq!(outcome, IoctlOutcome::Failed(7), "E2BIG");
}

#[test]
fn unknown_ioctls_and_bad_handles() {
    let device = device();
    let mut kernel = FakeKernel::new(device);
    let mut memory = AddressSpace::new(0x7f00_0000_0000);
    let fh = kernel.open(0);
    let arg = memory.map(&[0u8; 64]);
    for cmd in [
        0u32,
        0xc030_6367,
        0x5401,
        0xffff_ffff,
        Ioctl::Crypt.code(Layout::Ilp32),
    ] {
        assert_eq!(
            kernel.ioctl(&mut memory, fh, 0, false, cmd, arg),
            IoctlOutcome::Failed(22),
            "cmd {cmd:#x}"
        );
    }
    // The 64-bit code from a 32-bit caller is not a cryptodev ioctl either.
    assert_eq!(
        kernel.ioctl(
            &mut memory,
            fh,
            0,
            true,
            Ioctl::Crypt.code(Layout::Lp64),
            0x1000
        ),
        IoctlOutcome::Failed(22)
    );
    assert_eq!(
        kernel.ioctl(
            &mut memory,
            9999,
            0,
            false,
            Ioctl::FreeSession.code(Layout::Lp64),
            arg
        ),
        IoctlOutcome::Failed(9),
        "EBADF for a handle never opened"
    );
}
