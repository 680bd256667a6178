//! CIOCAUTHCRYPT (plain AEAD, TLS records, SRTP) and the asynchronous pair with poll(),
//! against a fake kernel, for 64- and 32-bit callers.

#![allow(clippy::cast_possible_truncation)] // test fixtures are small

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use cryptodev_abi::consts::CopFlags;
use cryptodev_abi::{Algorithm, ArgStruct, AuthCryptParams, CryptParams, Ioctl, Layout};
use cryptodev_cuse::backend::soft::RustCryptoBackend;
use cryptodev_cuse::backend::Backend;
use cryptodev_cuse::device::CryptoDevice;
use cryptodev_cuse::transport::Device;
use support::client::{unhex, Client};

const EINVAL: i32 = 22;
const EBADMSG: i32 = 74;
const EBUSY: i32 = 16;

const GCM_KEY: &str = "feffe9928665731c6d6a8f9467308308";
const GCM_IV: &str = "cafebabefacedbaddecaf888";
const GCM_PT: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
    1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
const GCM_AAD: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
const GCM_CT: &str = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
    21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091";
const GCM_TAG: &str = "5bc94fbc3221a5db94fae95ae7121a47";

#[test]
fn gcm_places_the_tag_after_the_ciphertext_and_checks_it() {
    for layout in [Layout::Lp64, Layout::Ilp32] {
        let mut c = Client::new(layout);
        let ses = c.session(50, &unhex(GCM_KEY), 0, &[]).unwrap();
        let iv = c.memory.map(&unhex(GCM_IV));
        let aad = c.memory.map(&unhex(GCM_AAD));
        let base = AuthCryptParams {
            ses,
            op: 0,
            len: 60,
            auth_len: 20,
            auth_src: aad,
            iv,
            iv_len: 12,
            ..AuthCryptParams::default()
        };
        let (rc, back, out) = c.authcrypt(base, &unhex(GCM_PT), 76);
        assert_eq!(rc, 0, "{layout:?}");
        assert_eq!(out, [unhex(GCM_CT), unhex(GCM_TAG)].concat());
        assert_eq!((back.len, back.tag_len), (76, 16));
        assert_eq!(
            back.tag,
            back.dst + 60,
            "tag pointer rewritten to dst + len"
        );

        let decrypt = AuthCryptParams {
            op: 1,
            len: 76,
            ..base
        };
        let (rc, back, out) = c.authcrypt(decrypt, &out, 76);
        assert_eq!(rc, 0);
        assert_eq!(out[..60], unhex(GCM_PT)[..]);
        assert_eq!(back.len, 60);

        let mut forged = [unhex(GCM_CT), unhex(GCM_TAG)].concat();
        forged[70] ^= 1;
        assert_eq!(c.authcrypt(decrypt, &forged, 76).0, -EBADMSG);

        // A shorter tag persists on the session: a longer one later is refused.
        let short = AuthCryptParams {
            tag_len: 12,
            ..base
        };
        let (rc, back, out) = c.authcrypt(short, &unhex(GCM_PT), 72);
        assert_eq!(rc, 0);
        assert_eq!(
            (back.len, out[60..72].to_vec()),
            (72, unhex(GCM_TAG)[..12].to_vec())
        );
        assert_eq!(
            c.authcrypt(base, &unhex(GCM_PT), 76).0,
            0,
            "tag_len 0 means the current 12"
        );
        assert_eq!(
            c.authcrypt(
                AuthCryptParams {
                    tag_len: 16,
                    ..base
                },
                &unhex(GCM_PT),
                76
            )
            .0,
            -EINVAL
        );
        assert_eq!(
            c.authcrypt(
                AuthCryptParams {
                    auth_len: 4097,
                    ..base
                },
                &unhex(GCM_PT),
                76
            )
            .0,
            -EINVAL
        );
    }
}

/// The reference: CBC-encrypt(plaintext ‖ HMAC(aad ‖ plaintext) ‖ TLS padding) with the
/// backend's known-answer-tested primitives.
fn tls_record(key: &[u8], mackey: &[u8], iv: &[u8], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let backend = RustCryptoBackend::new();
    let mut hmac = backend.hash(Algorithm::Sha1Hmac, mackey).unwrap();
    hmac.update(aad).unwrap();
    hmac.update(plaintext).unwrap();
    let mut mac = [0u8; 20];
    hmac.finish(&mut mac).unwrap();
    let mut record = [plaintext, &mac].concat();
    let pad = 16 - record.len() % 16;
    record.resize(record.len() + pad, (pad - 1) as u8);
    let mut cipher = backend.cipher(Algorithm::AesCbc, key).unwrap();
    cipher.encrypt(&mut iv.to_vec(), &mut record).unwrap();
    record
}

#[test]
fn tls_records_are_padded_authenticated_and_verified() {
    for layout in [Layout::Lp64, Layout::Ilp32] {
        let mut c = Client::new(layout);
        let key = [0x11u8; 16];
        let mackey = [0x22u8; 20];
        let ses = c.session(11, &key, 7, &mackey).unwrap();
        let iv_bytes = [0x33u8; 16];
        let aad_bytes = *b"\x00\x00\x00\x00\x00\x00\x00\x01\x17\x03\x03\x00\x25";
        let iv = c.memory.map(&iv_bytes);
        let aad = c.memory.map(&aad_bytes);
        let plaintext = b"a TLS record of thirty-seven bytes!!!";
        let base = AuthCryptParams {
            ses,
            op: 0,
            flags: CopFlags(CopFlags::AEAD_TLS_TYPE),
            len: plaintext.len() as u32,
            auth_len: 13,
            auth_src: aad,
            iv,
            ..AuthCryptParams::default()
        };
        let expected = tls_record(&key, &mackey, &iv_bytes, &aad_bytes, plaintext);
        let (rc, back, out) = c.authcrypt(base, plaintext, 37 + 20 + 16);
        assert_eq!(rc, 0);
        assert_eq!(back.len as usize, expected.len());
        assert_eq!(back.tag_len, 20);
        assert_eq!(out[..expected.len()], expected[..]);

        let decrypt = AuthCryptParams {
            op: 1,
            len: expected.len() as u32,
            ..base
        };
        let (rc, back, out) = c.authcrypt(decrypt, &expected, expected.len());
        assert_eq!(rc, 0);
        assert_eq!(back.len, 37);
        assert_eq!(&out[..37], plaintext);

        let mut tampered = expected.clone();
        tampered[5] ^= 0x80;
        assert_eq!(c.authcrypt(decrypt, &tampered, expected.len()).0, -EBADMSG);

        // Not in place: EINVAL.
        let mut apart = base;
        apart.src = c.memory.map(plaintext);
        apart.dst = c.memory.map(&[0u8; 80]);
        assert_eq!(c.call(Ioctl::AuthCrypt, &apart).0, -EINVAL);
    }
}

#[test]
fn srtp_authenticates_header_and_ciphertext() {
    for layout in [Layout::Lp64, Layout::Ilp32] {
        let mut c = Client::new(layout);
        let ses = c.session(21, &[0x44; 16], 7, &[0x55; 20]).unwrap();
        let iv = c.memory.map(&[0x66; 16]);
        let header = [
            0x80u8, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe,
        ];
        let payload = [0xabu8; 20];
        let packet = [header.as_slice(), &payload].concat();
        let packet_addr = c.memory.map(&packet);
        let tag = c.memory.map(&[0u8; 10]);
        let params = AuthCryptParams {
            ses,
            op: 0,
            flags: CopFlags(CopFlags::AEAD_SRTP_TYPE),
            len: 20,
            auth_len: 32,
            auth_src: packet_addr,
            src: packet_addr + 12,
            dst: packet_addr + 12,
            tag,
            tag_len: 10,
            iv,
            iv_len: 16,
        };
        assert_eq!(c.call(Ioctl::AuthCrypt, &params).0, 0);
        let sealed = c.memory.read(packet_addr, 32).unwrap();
        assert_eq!(sealed[..12], header, "header untouched");
        assert_ne!(sealed[12..], payload, "payload encrypted");
        let tag_bytes = c.memory.read(tag, 10).unwrap();
        assert_ne!(tag_bytes, [0u8; 10]);

        let open = AuthCryptParams { op: 1, ..params };
        assert_eq!(c.call(Ioctl::AuthCrypt, &open).0, 0);
        assert_eq!(c.memory.read(packet_addr + 12, 20).unwrap(), payload);

        // Re-seal, then tamper with the authenticated header: EBADMSG.
        assert_eq!(c.call(Ioctl::AuthCrypt, &params).0, 0);
        assert!(c.memory.write(packet_addr + 2, &[0x99]));
        assert_eq!(c.call(Ioctl::AuthCrypt, &open).0, -EBADMSG);

        // SRTP needs a stream cipher: a CBC session is refused.
        let cbc = c.session(11, &[0x44; 16], 7, &[0x55; 20]).unwrap();
        assert_eq!(
            c.call(Ioctl::AuthCrypt, &AuthCryptParams { ses: cbc, ..params })
                .0,
            -EINVAL
        );
        // The payload must start within 256 bytes of the authenticated span.
        let far = AuthCryptParams {
            auth_src: packet_addr - 300,
            ..params
        };
        assert_eq!(c.call(Ioctl::AuthCrypt, &far).0, -EINVAL);
    }
}

#[test]
fn async_jobs_complete_and_are_fetched_with_their_results() {
    for layout in [Layout::Lp64, Layout::Ilp32] {
        let mut c = Client::new(layout);
        let ses = c
            .session(11, &unhex("2b7e151628aed2a6abf7158809cf4f3c"), 0, &[])
            .unwrap();
        let fetch_empty = c.call(Ioctl::AsyncFetch, &CryptParams::default()).0;
        assert_eq!(fetch_empty, -EBUSY, "nothing to fetch");

        let pt = unhex("6bc1bee22e409f96e93d7e117393172a");
        let src = c.memory.map(&pt);
        let dst = c.memory.map(&[0u8; 16]);
        let iv = c.memory.map(&unhex("000102030405060708090a0b0c0d0e0f"));
        let job = CryptParams {
            ses,
            op: 0,
            flags: CopFlags(CopFlags::WRITE_IV),
            len: 16,
            src,
            dst,
            mac: 0,
            iv,
        };
        assert_eq!(c.call(Ioctl::AsyncCrypt, &job).0, 0);
        let bad_op = CryptParams { op: 7, ..job };
        assert_eq!(
            c.call(Ioctl::AsyncCrypt, &bad_op).0,
            0,
            "op is checked when the job runs"
        );

        let deadline = Instant::now() + Duration::from_secs(5);
        let readable = (libc::POLLIN | libc::POLLRDNORM) as u32;
        while c.device.poll(c.fh, 1, 0, true).unwrap() & readable == 0 {
            assert!(Instant::now() < deadline, "job never finished");
            std::thread::sleep(Duration::from_millis(1));
        }
        let mut results = Vec::new();
        while results.len() < 2 {
            let (rc, arg) = c.call(Ioctl::AsyncFetch, &CryptParams::default());
            if rc == -EBUSY {
                assert!(Instant::now() < deadline, "second job never finished");
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            let back = CryptParams::decode(
                layout,
                &c.memory.read(arg, CryptParams::wire_size(layout)).unwrap(),
            )
            .unwrap();
            results.push((back.op, rc));
        }
        results.sort();
        assert_eq!(results, [(0, 0), (7, -EINVAL)], "each job's own result");
        assert_eq!(
            c.memory.read(dst, 16).unwrap(),
            unhex("7649abac8119b246cee98e9b12e9197d")
        );
        assert_eq!(
            c.memory.read(iv, 16).unwrap(),
            unhex("7649abac8119b246cee98e9b12e9197d")
        );
        let no_zc = CryptParams {
            flags: CopFlags(CopFlags::NO_ZC),
            ..job
        };
        assert_eq!(c.call(Ioctl::AsyncCrypt, &no_zc).0, -EINVAL);
    }
}

/// In RETRY mode a job whose results would not fit one fetch round is refused when it is
/// submitted: accepted, it would sit at the head of the queue and every later fetch would
/// fail with E2BIG. Its input alone fits (16 + 131,008 bytes + the struct); dst, the
/// 32-byte HMAC and the next IV do not.
#[test]
fn retry_mode_refuses_a_job_whose_results_cannot_be_fetched() {
    const E2BIG: i32 = 7;
    for layout in [Layout::Lp64, Layout::Ilp32] {
        let mut c = Client::new(layout);
        let ses = c.session(11, &[7u8; 16], 18, &[9u8; 32]).unwrap();
        let len = 131_008;
        let big = CryptParams {
            ses,
            op: 0,
            flags: CopFlags(CopFlags::WRITE_IV),
            len,
            src: c.memory.map(&vec![1u8; len as usize]),
            dst: c.memory.map(&vec![0u8; len as usize]),
            mac: c.memory.map(&[0u8; 32]),
            iv: c.memory.map(&[0u8; 16]),
        };
        assert_eq!(c.call(Ioctl::AsyncCrypt, &big).0, -E2BIG, "{layout:?}");
        let small = CryptParams {
            len: 16,
            src: c.memory.map(&[1u8; 16]),
            dst: c.memory.map(&[0u8; 16]),
            ..big
        };
        assert_eq!(c.call(Ioctl::AsyncCrypt, &small).0, 0);
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match c.call(Ioctl::AsyncFetch, &CryptParams::default()).0 {
                0 => break,
                rc => assert_eq!(rc, -EBUSY, "the queue must deliver the small job"),
            }
            assert!(Instant::now() < deadline, "the small job never arrived");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_ne!(c.memory.read(small.dst, 16).unwrap(), [0u8; 16]);
    }
}

#[test]
fn the_async_queue_is_bounded() {
    let mut c = Client::new(Layout::Lp64);
    let ses = c.session(0, &[], 104, &[]).unwrap();
    let src = c.memory.map(b"abc");
    let mac = c.memory.map(&[0u8; 32]);
    let job = CryptParams {
        ses,
        len: 3,
        src,
        mac,
        ..CryptParams::default()
    };
    let mut accepted = 0;
    loop {
        match c.call(Ioctl::AsyncCrypt, &job).0 {
            0 => accepted += 1,
            rc => {
                assert_eq!(rc, -EBUSY);
                break;
            }
        }
        assert!(accepted <= 64, "the queue grew past its limit");
    }
    assert_eq!(accepted, 64);
    let writable = (libc::POLLOUT | libc::POLLWRNORM) as u32;
    assert_eq!(
        c.device.poll(c.fh, 1, 0, false).unwrap() & writable,
        0,
        "full: not writable"
    );
}

#[test]
fn ciockey_mod_exp_and_the_announced_features() {
    use cryptodev_abi::{BigNumParam, KeyParams};
    for layout in [Layout::Lp64, Layout::Ilp32] {
        // By default nothing is announced (--asym opts in), and CIOCKEY answers all the same.
        let mut c = Client::new(layout);
        let (rc, arg) = c.call(Ioctl::AsymFeatures, &0u32);
        assert_eq!(rc, 0);
        let features = u32::from_le_bytes(c.memory.read(arg, 4).unwrap().try_into().unwrap());
        assert_eq!(features, 0, "announced without the opt-in");
        let device = CryptoDevice::new(Arc::new(RustCryptoBackend::new()), 2).unwrap();
        let mut announcing = Client::on(layout, device.with_asym_announced());
        let (rc, arg) = announcing.call(Ioctl::AsymFeatures, &0u32);
        assert_eq!(rc, 0);
        let features =
            u32::from_le_bytes(announcing.memory.read(arg, 4).unwrap().try_into().unwrap());
        assert_eq!(features, 0b01111, "all but CRF_DH_COMPUTE_KEY");

        // 4^13 mod 497 = 445, little-endian numbers.
        let number = |c: &mut Client, value: u16| BigNumParam {
            p: c.memory.map(&value.to_le_bytes()),
            nbits: 16,
        };
        let mut params = KeyParams {
            crk_op: 0,
            crk_iparams: 3,
            crk_oparams: 1,
            ..KeyParams::default()
        };
        params.params[0] = number(&mut c, 4);
        params.params[1] = number(&mut c, 13);
        params.params[2] = number(&mut c, 497);
        params.params[3] = number(&mut c, 0);
        assert_eq!(c.call(Ioctl::Key, &params).0, 0);
        let result = c.memory.read(params.params[3].p, 2).unwrap();
        assert_eq!(u16::from_le_bytes([result[0], result[1]]), 445);
        let counters = c.device.stats().render();
        assert!(
            counters.contains("# CIOCKEY operations: mod_exp 1, "),
            "{counters}"
        );

        let mut wrong_count = params;
        wrong_count.crk_iparams = 2;
        assert_eq!(c.call(Ioctl::Key, &wrong_count).0, -EINVAL);
        let mut too_big = params;
        too_big.params[2].nbits = 8193;
        assert_eq!(c.call(Ioctl::Key, &too_big).0, -EINVAL);
        let mut unknown = params;
        unknown.crk_op = 9;
        assert_eq!(c.call(Ioctl::Key, &unknown).0, -EINVAL);
    }
}
