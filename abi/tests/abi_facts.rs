//! The crate's computed values against the tables of docs/ABI.md, and the typed decoding.

use cryptodev_abi::request::ArgStruct;
use cryptodev_abi::wire::{lp64, CphashOp};
use cryptodev_abi::{
    AbiError, AlgKind, Algorithm, AuthCryptParams, CopFlags, CryptParams, Direction, Ioctl,
    KeyParams, Layout, Request, SessionParams,
};

/// (ioctl, x86_64 value, i386 value), as docs/ABI.md §1 lists them.
const REQUEST_CODES: [(Ioctl, u32, u32); 11] = [
    (Ioctl::CrioGet, 0xc004_6365, 0xc004_6365),
    (Ioctl::GetSession, 0xc030_6366, 0xc01c_6366),
    (Ioctl::FreeSession, 0x4004_6367, 0x4004_6367),
    (Ioctl::Crypt, 0xc030_6368, 0xc01c_6368),
    (Ioctl::Key, 0xc090_6369, 0xc050_6369),
    (Ioctl::AsymFeatures, 0x8004_636a, 0x8004_636a),
    (Ioctl::GetSessionInfo, 0xc10c_636b, 0xc10c_636b),
    (Ioctl::AuthCrypt, 0xc048_636d, 0xc02c_636d),
    (Ioctl::AsyncCrypt, 0x4030_636e, 0x401c_636e),
    (Ioctl::AsyncFetch, 0x8030_636f, 0x801c_636f),
    (Ioctl::CopyHash, 0x4008_6370, 0x4008_6370),
];

#[test]
fn request_codes_equal_the_facts_table() {
    for (ioctl, lp64_code, ilp32_code) in REQUEST_CODES {
        assert_eq!(ioctl.code(Layout::Lp64), lp64_code, "{}", ioctl.name());
        assert_eq!(ioctl.code(Layout::Ilp32), ilp32_code, "{}", ioctl.name());
        assert_eq!(Ioctl::from_code(lp64_code, Layout::Lp64), Some(ioctl));
        assert_eq!(Ioctl::from_code(ilp32_code, Layout::Ilp32), Some(ioctl));
    }
    assert_eq!(Ioctl::ALL.len(), REQUEST_CODES.len());
}

#[test]
fn a_layouts_codes_are_not_recognised_for_the_other_layout() {
    assert_eq!(Ioctl::from_code(0xc01c_6368, Layout::Lp64), None);
    assert_eq!(Ioctl::from_code(0xc030_6368, Layout::Ilp32), None);
    // cryptodev-linux's broken compat numbers for the async pair are not ours.
    assert_eq!(Ioctl::from_code(0x401c_636b, Layout::Ilp32), None);
    assert_eq!(Ioctl::from_code(0x801c_636c, Layout::Ilp32), None);
    // BSD's numbering of CIOCCRYPT.
    assert_eq!(Ioctl::from_code(0xc030_6367, Layout::Lp64), None);
}

/// docs/ABI.md §3, one row per id: (id, transform, block, iv, digest, accepted key lengths
/// among 0..=64, or None where any length up to the HMAC limit goes).
type AlgRow = (
    u32,
    Option<&'static str>,
    u32,
    u32,
    u32,
    Option<&'static [u32]>,
);

const AES: Option<&[u32]> = Some(&[16, 24, 32]);
const NOKEY: Option<&[u32]> = None;

const ALGORITHMS: &[AlgRow] = &[
    (1, Some("cbc(des)"), 8, 8, 0, Some(&[8])),
    (2, Some("cbc(des3_ede)"), 8, 8, 0, Some(&[24])),
    (
        3,
        Some("cbc(blowfish)"),
        8,
        8,
        0,
        Some(&[
            4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
            27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
            49, 50, 51, 52, 53, 54, 55, 56,
        ]),
    ),
    (
        4,
        Some("cbc(cast5)"),
        8,
        8,
        0,
        Some(&[5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
    ),
    (5, None, 0, 0, 0, NOKEY),
    (6, Some("hmac(md5)"), 64, 0, 16, NOKEY),
    (7, Some("hmac(sha1)"), 64, 0, 20, NOKEY),
    (8, Some("hmac(rmd160)"), 64, 0, 20, NOKEY),
    (9, None, 0, 0, 0, NOKEY),
    (10, None, 0, 0, 0, NOKEY),
    (11, Some("cbc(aes)"), 16, 16, 0, AES),
    (12, None, 0, 0, 0, NOKEY),
    (13, Some("md5"), 64, 0, 16, NOKEY),
    (14, Some("sha1"), 64, 0, 20, NOKEY),
    (15, None, 0, 0, 0, NOKEY),
    (16, Some("ecb(cipher_null)"), 1, 0, 0, Some(&[0])),
    (17, None, 0, 0, 0, NOKEY),
    (18, Some("hmac(sha256)"), 64, 0, 32, NOKEY),
    (19, Some("hmac(sha384)"), 128, 0, 48, NOKEY),
    (20, Some("hmac(sha512)"), 128, 0, 64, NOKEY),
    (21, Some("ctr(aes)"), 1, 16, 0, AES),
    (22, Some("xts(aes)"), 16, 16, 0, Some(&[32, 48, 64])),
    (23, Some("ecb(aes)"), 16, 0, 0, AES),
    (24, Some("cfb(aes)"), 1, 16, 0, AES),
    (25, Some("ofb(aes)"), 1, 16, 0, AES),
    (50, Some("gcm(aes)"), 1, 12, 0, AES),
    (51, Some("ccm(aes)"), 1, 16, 0, AES),
    (101, Some("cbc(camellia)"), 16, 16, 0, AES),
    (102, Some("rmd160"), 64, 0, 20, NOKEY),
    (103, Some("sha224"), 64, 0, 28, NOKEY),
    (104, Some("sha256"), 64, 0, 32, NOKEY),
    (105, Some("sha384"), 128, 0, 48, NOKEY),
    (106, Some("sha512"), 128, 0, 64, NOKEY),
    (107, Some("hmac(sha224)"), 64, 0, 28, NOKEY),
    (108, Some("tls11(hmac(sha1),cbc(aes))"), 16, 16, 0, NOKEY),
    (109, Some("tls12(hmac(sha256),cbc(aes))"), 16, 16, 0, NOKEY),
];

fn accepted_key_lengths(alg: Algorithm) -> Option<Vec<u32>> {
    let keys = match alg.kind() {
        AlgKind::Cipher { keys, .. } | AlgKind::Aead { keys, .. } => keys,
        _ => return None,
    };
    Some((0..=64).filter(|len| keys.accepts(*len)).collect())
}

#[test]
fn algorithm_table_matches_the_facts() {
    assert_eq!(Algorithm::ALL.len(), ALGORITHMS.len());
    for &(id, kernel, block, iv, digest, keys) in ALGORITHMS {
        let alg = Algorithm::try_from(id).unwrap_or_else(|_| panic!("id {id} unknown"));
        assert_eq!(alg.id(), id);
        assert_eq!(alg.kernel_name(), kernel, "{alg:?}");
        assert_eq!(alg.block_size(), block, "{alg:?} block");
        assert_eq!(alg.iv_size(), iv, "{alg:?} iv");
        assert_eq!(alg.digest_size(), digest, "{alg:?} digest");
        assert_eq!(
            accepted_key_lengths(alg),
            keys.map(<[u32]>::to_vec),
            "{alg:?} keys"
        );
        let in_cipher_field = matches!(id, 1..=4 | 11 | 16 | 21..=25 | 50 | 51 | 101 | 108 | 109);
        let in_mac_field = matches!(id, 6..=8 | 13 | 14 | 18..=20 | 102..=107);
        assert_eq!(alg.is_cipher_field(), in_cipher_field, "{alg:?}");
        assert_eq!(alg.is_mac_field(), in_mac_field, "{alg:?}");
    }
    for bad in [0, 26, 49, 52, 100, 110, u32::MAX] {
        assert!(matches!(
            Algorithm::try_from(bad),
            Err(AbiError::BadValue {
                field: "algorithm",
                ..
            })
        ));
    }
    let AlgKind::Aead { max_tag, .. } = Algorithm::AesGcm.kind() else {
        panic!("gcm is an AEAD")
    };
    assert_eq!(max_tag, 16);
}

#[test]
fn direction_accepts_only_encrypt_and_decrypt() {
    assert_eq!(Direction::try_from(0), Ok(Direction::Encrypt));
    assert_eq!(Direction::try_from(1), Ok(Direction::Decrypt));
    assert!(Direction::try_from(2).is_err());
}

fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

#[test]
fn session_op_decodes_from_both_layouts() {
    // i386: cipher, mac, keylen, key, mackeylen, mackey, ses; no holes.
    let mut raw32 = Vec::new();
    for v in [11u32, 7, 16, 0xbfff_0010, 20, 0xbfff_0100, 0xdead_beef] {
        raw32.extend_from_slice(&le32(v));
    }
    let expected = SessionParams {
        cipher: 11,
        mac: 7,
        keylen: 16,
        key: 0xbfff_0010,
        mackeylen: 20,
        mackey: 0xbfff_0100,
        ses: 0xdead_beef,
    };
    assert_eq!(
        Request::decode_code(0xc01c_6366, Layout::Ilp32, &raw32),
        Ok(Request::GetSession(expected))
    );

    let wide = lp64::SessionOp {
        cipher: 11,
        mac: 7,
        keylen: 16,
        _pad0: 0x1111_1111,
        key: 0x7fff_0000_0010,
        mackeylen: 20,
        _pad1: 0x2222_2222,
        mackey: 0x7fff_0000_0100,
        ses: 5,
        _pad2: 0x3333_3333,
    };
    let parsed = SessionParams::decode(Layout::Lp64, bytemuck::bytes_of(&wide)).unwrap();
    assert_eq!(parsed.key, 0x7fff_0000_0010);
    assert_eq!(parsed.mackey, 0x7fff_0000_0100);
}

#[test]
fn replies_keep_the_callers_padding_bytes() {
    let original = lp64::SessionOp {
        cipher: 11,
        mac: 0,
        keylen: 16,
        _pad0: 0xaaaa_aaaa,
        key: 0x1000,
        mackeylen: 0,
        _pad1: 0xbbbb_bbbb,
        mackey: 0,
        ses: 0,
        _pad2: 0xcccc_cccc,
    };
    let mut bytes = bytemuck::bytes_of(&original).to_vec();
    let mut params = SessionParams::decode(Layout::Lp64, &bytes).unwrap();
    params.ses = 0x1234_5678;
    params.encode_into(Layout::Lp64, &mut bytes).unwrap();
    let back: lp64::SessionOp = bytemuck::pod_read_unaligned(&bytes);
    assert_eq!(back.ses, 0x1234_5678);
    assert_eq!(
        (back._pad0, back._pad1, back._pad2),
        (0xaaaa_aaaa, 0xbbbb_bbbb, 0xcccc_cccc)
    );
    assert_eq!(back.key, 0x1000);
}

#[test]
fn crypt_op_round_trips_in_both_layouts() {
    let params = CryptParams {
        ses: 9,
        op: 1,
        flags: CopFlags(CopFlags::UPDATE | CopFlags::WRITE_IV),
        len: 4096,
        src: 0x1000,
        dst: 0x2000,
        mac: 0x3000,
        iv: 0x4000,
    };
    for layout in [Layout::Lp64, Layout::Ilp32] {
        let mut bytes = vec![0u8; CryptParams::wire_size(layout)];
        params.encode_into(layout, &mut bytes).unwrap();
        assert_eq!(CryptParams::decode(layout, &bytes), Ok(params));
        let code = Ioctl::Crypt.code(layout);
        assert_eq!(
            Request::decode_code(code, layout, &bytes),
            Ok(Request::Crypt(params))
        );
    }
    assert_eq!(CryptParams::wire_size(Layout::Ilp32), 28);
}

#[test]
fn auth_and_key_structs_round_trip() {
    let auth = AuthCryptParams {
        ses: 1,
        op: 0,
        flags: CopFlags(CopFlags::AEAD_TLS_TYPE),
        len: 100,
        auth_len: 13,
        auth_src: 0x10,
        src: 0x20,
        dst: 0x20,
        tag: 0x30,
        tag_len: 20,
        iv: 0x40,
        iv_len: 16,
    };
    let mut key = KeyParams {
        crk_op: 0,
        crk_iparams: 3,
        crk_oparams: 1,
        ..KeyParams::default()
    };
    key.params[3].p = 0x5000;
    key.params[3].nbits = 1024;
    for layout in [Layout::Lp64, Layout::Ilp32] {
        let mut bytes = vec![0u8; AuthCryptParams::wire_size(layout)];
        auth.encode_into(layout, &mut bytes).unwrap();
        assert_eq!(AuthCryptParams::decode(layout, &bytes), Ok(auth));
        let mut bytes = vec![0u8; KeyParams::wire_size(layout)];
        key.encode_into(layout, &mut bytes).unwrap();
        assert_eq!(KeyParams::decode(layout, &bytes), Ok(key));
    }
}

#[test]
fn cphash_puts_destination_first() {
    let bytes = [1, 0, 0, 0, 2, 0, 0, 0];
    let Ok(Request::CopyHash(CphashOp { dst_ses, src_ses })) =
        Request::decode(Ioctl::CopyHash, Layout::Lp64, &bytes)
    else {
        panic!("decodes")
    };
    assert_eq!((dst_ses, src_ses), (1, 2));
}

#[test]
fn malformed_input_is_a_typed_error() {
    assert_eq!(
        Request::decode_code(0xdead_beef, Layout::Lp64, &[]),
        Err(AbiError::UnknownCommand(0xdead_beef))
    );
    assert_eq!(
        Request::decode(Ioctl::Crypt, Layout::Lp64, &[0u8; 47]),
        Err(AbiError::ShortBuffer { need: 48, got: 47 })
    );
    assert_eq!(
        Request::decode(Ioctl::Crypt, Layout::Ilp32, &[0u8; 27]),
        Err(AbiError::ShortBuffer { need: 28, got: 27 })
    );
    let mut short = [0u8; 10];
    assert!(CryptParams::default()
        .encode_into(Layout::Lp64, &mut short)
        .is_err());
    // Output-only ioctls need no argument bytes.
    assert_eq!(
        Request::decode(Ioctl::AsymFeatures, Layout::Lp64, &[]),
        Ok(Request::AsymFeatures)
    );
}

#[test]
fn thirty_two_bit_pointers_are_widened_without_sign_extension() {
    let mut bytes = [0u8; 28];
    bytes[12..16].copy_from_slice(&le32(0xffff_fff0));
    let params = CryptParams::decode(Layout::Ilp32, &bytes).unwrap();
    assert_eq!(params.src, 0x0000_0000_ffff_fff0);
}
