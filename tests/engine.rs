//! The cryptodev semantics of the ioctl handlers (docs/ABI.md §6–§10), driven like a C client
//! would through a fake kernel: RETRY rounds for 64- and 32-bit callers, and the direct
//! process_vm path on this test process's own memory.

#![allow(clippy::cast_possible_truncation)] // test fixtures are small

mod support;

use std::sync::Arc;

use cryptodev_abi::consts::CopFlags;
use cryptodev_abi::wire::{CphashOp, SessionInfoOp};
use cryptodev_abi::{ArgStruct, CryptParams, Ioctl, Layout, SessionParams};
use cryptodev_cuse::backend::soft::RustCryptoBackend;
use cryptodev_cuse::device::CryptoDevice;
use support::client::{unhex, Client};
use support::fake_kernel::*;

const EFAULT: i32 = 14;
const EPERM: i32 = 1;
const EINVAL: i32 = 22;
const ENOENT: i32 = 2;
const EDEADLK: i32 = 35;

const AES_KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const SP800_38A_PT: &str = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
    30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
const CBC_IV: &str = "000102030405060708090a0b0c0d0e0f";
const CBC_CT: &str = "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2
    73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7";
const CTR_IV: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
const CTR_CT: &str = "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff
    5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee";
const SHA256_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

const LAYOUTS: [Layout; 2] = [Layout::Lp64, Layout::Ilp32];

#[test]
fn aes_cbc_known_answer_iv_write_back_and_implicit_chaining() {
    for layout in LAYOUTS {
        let mut c = Client::new(layout);
        let ses = c.session(11, &unhex(AES_KEY), 0, &[]).unwrap();
        let pt = unhex(SP800_38A_PT);
        let ct = unhex(CBC_CT);
        let out = c.crypt(ses, 0, CopFlags::WRITE_IV, &pt, Some(&unhex(CBC_IV)));
        assert_eq!(out.rc, 0);
        assert_eq!(out.dst, ct, "{layout:?}");
        assert_eq!(
            out.iv.unwrap(),
            ct[48..],
            "next IV is the last ciphertext block"
        );

        // Two halves: the second with iv NULL continues from the session's IV.
        let first = c.crypt(ses, 0, 0, &pt[..32], Some(&unhex(CBC_IV)));
        let second = c.crypt(ses, 0, 0, &pt[32..], None);
        assert_eq!([first.dst, second.dst].concat(), ct);

        let back = c.crypt(ses, 1, 0, &ct, Some(&unhex(CBC_IV)));
        assert_eq!(back.dst, pt);
        // Without WRITE_IV the caller's IV buffer stays as it was.
        assert_eq!(back.iv.unwrap(), unhex(CBC_IV));
    }
}

#[test]
fn aes_ctr_writes_back_the_advanced_counter() {
    for layout in LAYOUTS {
        let mut c = Client::new(layout);
        let ses = c.session(21, &unhex(AES_KEY), 0, &[]).unwrap();
        let out = c.crypt(
            ses,
            0,
            CopFlags::WRITE_IV,
            &unhex(SP800_38A_PT),
            Some(&unhex(CTR_IV)),
        );
        assert_eq!(out.dst, unhex(CTR_CT));
        assert_eq!(out.iv.unwrap(), unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdff03"));
    }
}

#[test]
fn multi_part_hashing_follows_the_flag_table() {
    for layout in LAYOUTS {
        let mut c = Client::new(layout);
        let ses = c.session(0, &[], 104, &[]).unwrap();
        let digest = unhex(SHA256_ABC);
        // flags 0: one shot.
        assert_eq!(c.crypt(ses, 0, 0, b"abc", None).mac[..32], digest);
        // UPDATE, UPDATE, FINAL with len 0.
        assert_eq!(
            c.crypt(ses, 0, CopFlags::RESET | CopFlags::UPDATE, b"a", None)
                .rc,
            0
        );
        let partial = c.crypt(ses, 0, CopFlags::UPDATE, b"b", None);
        assert_eq!(partial.mac, [0u8; 64], "an UPDATE writes no digest");
        let fin = c.crypt(ses, 0, CopFlags::FINAL, b"c", None);
        assert_eq!(fin.mac[..32], digest);
        // UPDATE with len 0 finalises.
        c.crypt(ses, 0, CopFlags::RESET | CopFlags::UPDATE, b"abc", None);
        assert_eq!(
            c.crypt(ses, 0, CopFlags::UPDATE, b"", None).mac[..32],
            digest
        );
        // RESET|UPDATE discards what came before.
        c.crypt(ses, 0, CopFlags::RESET | CopFlags::UPDATE, b"garbage", None);
        c.crypt(ses, 0, CopFlags::RESET | CopFlags::UPDATE, b"ab", None);
        assert_eq!(
            c.crypt(ses, 0, CopFlags::FINAL, b"c", None).mac[..32],
            digest
        );
        // op must be 0 or 1 even for hashes.
        assert_eq!(c.crypt(ses, 2, 0, b"abc", None).rc, -EINVAL);
    }
}

#[test]
fn hmac_and_cipher_plus_hmac_sessions_hash_the_plaintext() {
    for layout in LAYOUTS {
        let mut c = Client::new(layout);
        // RFC 4231 test case 2.
        let hmac = c.session(0, &[], 18, b"Jefe").unwrap();
        let out = c.crypt(hmac, 0, 0, b"what do ya want for nothing?", None);
        assert_eq!(
            out.mac[..32],
            unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
        let both = c.session(11, &unhex(AES_KEY), 18, b"Jefe").unwrap();
        let pt = unhex(SP800_38A_PT);
        let enc = c.crypt(both, 0, 0, &pt, Some(&unhex(CBC_IV)));
        assert_eq!(enc.dst, unhex(CBC_CT));
        let dec = c.crypt(both, 1, 0, &unhex(CBC_CT), Some(&unhex(CBC_IV)));
        assert_eq!(dec.dst, pt);
        assert_eq!(
            enc.mac[..32],
            dec.mac[..32],
            "both directions MAC the plaintext"
        );
        let plain = c.session(0, &[], 18, b"Jefe").unwrap();
        assert_eq!(c.crypt(plain, 0, 0, &pt, None).mac[..32], enc.mac[..32]);
    }
}

#[test]
fn copy_hash_clones_state_and_reports_its_errnos() {
    for layout in LAYOUTS {
        let mut c = Client::new(layout);
        let src = c.session(0, &[], 104, &[]).unwrap();
        let dst = c.session(0, &[], 104, &[]).unwrap();
        let cipher = c.session(11, &unhex(AES_KEY), 0, &[]).unwrap();
        let other_alg = c.session(0, &[], 14, &[]).unwrap();
        c.crypt(src, 0, CopFlags::RESET | CopFlags::UPDATE, b"ab", None);
        let copy = |c: &mut Client, dst_ses, src_ses| {
            c.call(Ioctl::CopyHash, &CphashOp { dst_ses, src_ses }).0
        };
        assert_eq!(copy(&mut c, dst, src), 0);
        let digest = unhex(SHA256_ABC);
        assert_eq!(
            c.crypt(dst, 0, CopFlags::FINAL, b"c", None).mac[..32],
            digest
        );
        assert_eq!(
            c.crypt(src, 0, CopFlags::FINAL, b"c", None).mac[..32],
            digest
        );
        assert_eq!(copy(&mut c, dst, 0xdead), -ENOENT);
        assert_eq!(copy(&mut c, 0xdead, src), -ENOENT);
        assert_eq!(copy(&mut c, src, src), -EDEADLK);
        assert_eq!(copy(&mut c, cipher, src), -EINVAL);
        assert_eq!(copy(&mut c, other_alg, src), -EINVAL);
    }
}

#[test]
fn session_info_names_algorithm_and_driver_and_keeps_caller_bytes() {
    for layout in LAYOUTS {
        let mut c = Client::new(layout);
        let ses = c.session(11, &unhex(AES_KEY), 0, &[]).unwrap();
        let mut info: SessionInfoOp = bytemuck::Zeroable::zeroed();
        info.ses = ses;
        info.hash_info.cra_name[0] = b'Z';
        info.flags = 0xffff;
        let (rc, addr) = c.call(Ioctl::GetSessionInfo, &info);
        assert_eq!(rc, 0);
        let out: SessionInfoOp = bytemuck::pod_read_unaligned(&c.read(addr, 268));
        let name = |bytes: &[u8]| {
            String::from_utf8(bytes.iter().take_while(|b| **b != 0).copied().collect()).unwrap()
        };
        assert_eq!(name(&out.cipher_info.cra_name), "cbc(aes)");
        assert_eq!(name(&out.cipher_info.cra_driver_name), "cbc-aes-rustcrypto");
        assert_eq!(
            out.hash_info.cra_name[0], b'Z',
            "unfilled fields keep the caller's bytes"
        );
        assert_eq!(out.flags, 0, "software: no SIOP_FLAG_KERNEL_DRIVER_ONLY");
        info.ses = ses ^ 1;
        assert_eq!(c.call(Ioctl::GetSessionInfo, &info).0, -EINVAL);
    }
}

#[test]
fn the_errno_table() {
    for layout in LAYOUTS {
        let mut c = Client::new(layout);
        let key = unhex(AES_KEY);
        assert_eq!(c.session(0, &[], 0, &[]), Err(EINVAL), "no algorithm");
        assert_eq!(
            c.session(13, &key, 0, &[]),
            Err(EINVAL),
            "hash id as cipher"
        );
        assert_eq!(c.session(0, &[], 11, &[]), Err(EINVAL), "cipher id as mac");
        assert_eq!(
            c.session(12, &key, 0, &[]),
            Err(EINVAL),
            "ARC4 has no transform"
        );
        assert_eq!(c.session(999, &key, 0, &[]), Err(EINVAL), "unknown id");
        assert_eq!(
            c.session(11, &key[..15], 0, &[]),
            Err(EINVAL),
            "bad key length"
        );
        assert_eq!(
            c.session(11, &[0u8; 65], 0, &[]),
            Err(EINVAL),
            "key over 64"
        );
        assert_eq!(
            c.session(0, &[], 18, &[1u8; 513]),
            Err(EINVAL),
            "mac key over 512"
        );
        assert!(c.session(0, &[], 18, &[]).is_ok(), "empty HMAC key is fine");
        assert_eq!(
            c.session(16, &[], 0, &[]).map(|_| ()),
            Ok(()),
            "NULL cipher, keylen 0"
        );

        let ses = c.session(11, &key, 0, &[]).unwrap();
        assert_eq!(
            c.crypt(ses ^ 0x5a5a, 0, 0, &[0u8; 16], None).rc,
            -EINVAL,
            "unknown session"
        );
        assert_eq!(c.crypt(ses, 2, 0, &[0u8; 16], None).rc, -EINVAL, "bad op");
        assert_eq!(
            c.crypt(ses, 0, 0, &[0u8; 15], None).rc,
            -EINVAL,
            "len % block"
        );

        // NULL src with a length, and an unmapped dst: EFAULT.
        let mut params = CryptParams {
            ses,
            op: 0,
            flags: CopFlags(0),
            len: 16,
            src: 0,
            dst: c.map(&[0u8; 16]),
            mac: 0,
            iv: 0,
        };
        assert_eq!(c.call(Ioctl::Crypt, &params).0, -EFAULT);
        params.src = c.map(&[0u8; 16]);
        params.dst = 0x10;
        assert_eq!(c.call(Ioctl::Crypt, &params).0, -EFAULT);

        // A hash session with a NULL mac pointer: EFAULT.
        let hash = c.session(0, &[], 104, &[]).unwrap();
        let params = CryptParams {
            ses: hash,
            len: 3,
            src: c.map(b"abc"),
            ..CryptParams::default()
        };
        assert_eq!(c.call(Ioctl::Crypt, &params).0, -EFAULT);

        // CIOCFSESSION of an unknown id returns 0; a freed session is gone.
        assert_eq!(c.free(0x1234_5678), 0);
        assert_eq!(c.free(ses), 0);
        assert_eq!(c.crypt(ses, 0, 0, &[0u8; 16], None).rc, -EINVAL);
    }
}

#[test]
fn sessions_belong_to_their_open_file() {
    let mut a = Client::new(Layout::Lp64);
    let ses = a.session(11, &unhex(AES_KEY), 0, &[]).unwrap();
    let b_fh = a.kernel.open(0);
    let a_fh = std::mem::replace(&mut a.fh, b_fh);
    assert_eq!(a.crypt(ses, 0, 0, &[0u8; 16], None).rc, -EINVAL);
    a.fh = a_fh;
    assert_eq!(a.crypt(ses, 0, 0, &[0u8; 16], None).rc, 0);
    a.kernel.release(a_fh);
    a.kernel.release(b_fh);
}

/// The direct path: restricted ioctls carry the struct, and the daemon reads and writes this
/// process's own buffers with one process_vm_readv and one process_vm_writev.
#[test]
fn direct_access_serves_restricted_ioctls_in_one_round() {
    let device = Arc::new(CryptoDevice::new(Arc::new(RustCryptoBackend::new()), 2).unwrap());
    let mut kernel = FakeKernel::new(device);
    let pid = std::process::id();
    let fh = kernel.open(pid);

    let key = unhex(AES_KEY);
    let mut session = vec![0u8; 48];
    SessionParams {
        cipher: 11,
        keylen: 16,
        key: key.as_ptr() as u64,
        ..SessionParams::default()
    }
    .encode_into(Layout::Lp64, &mut session)
    .unwrap();
    let outcome =
        kernel.ioctl_restricted(fh, pid, Ioctl::GetSession.code(Layout::Lp64), &mut session);
    if !nix::unistd::geteuid().is_root() {
        // Without ptrace rights over callers (no CAP_SYS_PTRACE) direct access is refused;
        // root always has them.
        assert_eq!(outcome, IoctlOutcome::Failed(EPERM));
        return;
    }
    assert_eq!(outcome, IoctlOutcome::Returned(0));
    let ses = SessionParams::decode(Layout::Lp64, &session).unwrap().ses;
    assert_ne!(ses, 0, "the session id came back through the reply");

    let mut info = vec![0u8; std::mem::size_of::<SessionInfoOp>()];
    info[..4].copy_from_slice(&ses.to_le_bytes());
    let outcome =
        kernel.ioctl_restricted(fh, pid, Ioctl::GetSessionInfo.code(Layout::Lp64), &mut info);
    assert_eq!(outcome, IoctlOutcome::Returned(0));
    assert!(
        info[4..].iter().any(|&b| b != 0),
        "CIOCGSESSINFO's reply reached the struct"
    );

    let pt = unhex(SP800_38A_PT);
    let dst = vec![0u8; 64];
    let iv = unhex(CBC_IV);
    let crypt = |src: u64| {
        let mut op = vec![0u8; 48];
        CryptParams {
            ses,
            op: 0,
            flags: CopFlags(CopFlags::WRITE_IV),
            len: 64,
            src,
            dst: dst.as_ptr() as u64,
            mac: 0,
            iv: iv.as_ptr() as u64,
        }
        .encode_into(Layout::Lp64, &mut op)
        .unwrap();
        op
    };
    let code = Ioctl::Crypt.code(Layout::Lp64);
    let outcome = kernel.ioctl_restricted(fh, pid, code, &mut crypt(pt.as_ptr() as u64));
    assert_eq!(outcome, IoctlOutcome::Returned(0));
    assert_eq!(kernel.last_rounds, 1);
    assert_eq!(std::hint::black_box(&dst)[..], unhex(CBC_CT)[..]);
    assert_eq!(std::hint::black_box(&iv)[..], unhex(CBC_CT)[48..]);
    assert_eq!(pt, unhex(SP800_38A_PT), "the source is left alone");

    // An unmapped source address faults.
    let outcome = kernel.ioctl_restricted(fh, pid, code, &mut crypt(0x10));
    assert_eq!(outcome, IoctlOutcome::Failed(EFAULT));

    // A caller outside our pid namespace (pid 0) cannot be reached: EPERM, and the
    // connection serves others as before.
    let outcome = kernel.ioctl_restricted(fh, 0, code, &mut crypt(pt.as_ptr() as u64));
    assert_eq!(outcome, IoctlOutcome::Failed(EPERM));
    let mut free = ses.to_le_bytes().to_vec();
    let outcome = kernel.ioctl_restricted(fh, 0, Ioctl::FreeSession.code(Layout::Lp64), &mut free);
    assert_eq!(
        outcome,
        IoctlOutcome::Returned(0),
        "no caller memory needed"
    );

    // An unknown request code: EINVAL, as over RETRY.
    let mut word = [0u8; 4];
    let unknown = (3u32 << 30) | (4 << 16) | (u32::from(b'c') << 8) | 200;
    let outcome = kernel.ioctl_restricted(fh, pid, unknown, &mut word);
    assert_eq!(outcome, IoctlOutcome::Failed(EINVAL));
}
