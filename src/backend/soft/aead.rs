//! AEAD contexts of the RustCrypto backend: `gcm(aes)` (`aes-gcm` crate) and `ccm(aes)`
//! (`ccm` crate), with the kernel's semantics.
//!
//! - The tag length ("authsize") starts at 16 and persists; [`AeadContext::set_tag_len`]
//!   takes what the kernel's `setauthsize` takes (GCM: 4, 8, 12..=16; CCM: even 4..=16) and
//!   leaves the length unchanged otherwise.
//! - `gcm(aes)`: the IV is the 12-byte nonce (J0 = IV ‖ 0³¹ ‖ 1). A short tag is the prefix
//!   of the full one; 4- and 8-byte tags need the crate's `hazmat` feature, which only
//!   unlocks those two sizes (the comparison stays the crate's constant-time one).
//! - `ccm(aes)`: the IV is 16 bytes in the kernel's format: `iv[0]` = L − 1 (1..=7, else
//!   refused), the nonce is `iv[1..16 - L]`, the counter bytes after it are ignored. The
//!   message length must fit in L bytes (the kernel's EOVERFLOW; `TooLong` here).
//! - Encryption works in place and returns the tag; decryption checks the tag before any
//!   plaintext is released ([`BackendError::BadTag`] when it does not verify). Empty data and
//!   empty AAD are allowed.
//!
//! The key schedule is one [`AnyAes`] per context (wiped on drop by the `aes` crate's
//! `zeroize` feature); the crate's AEAD types, which fix tag and nonce sizes in their types,
//! are built over a reference to it for each call.

use aes_gcm::aead::consts::{U10, U11, U12, U13, U14, U15, U16, U4, U6, U7, U8, U9};
use aes_gcm::aead::{AeadInOut, Nonce, Tag};
use aes_gcm::AesGcm;
use ccm::Ccm;
use cipher::array::ArraySize;
use cipher::{BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, KeyInit};
use cryptodev_abi::Algorithm;
use zeroize::ZeroizeOnDrop;

use super::driver_info;
use crate::backend::{AeadContext, BackendError, DriverInfo};

/// The tag length of a new context (the kernel's default authsize for GCM and CCM).
const DEFAULT_TAG_LEN: usize = 16;

/// The `gcm(aes)` IV (nonce) size.
const GCM_IV_LEN: usize = 12;

/// The `ccm(aes)` IV size (kernel format: flags byte, nonce, counter).
const CCM_IV_LEN: usize = 16;

/// Longest GCM plaintext (NIST SP 800-38D: 2^39 − 256 bits).
const GCM_MAX_LEN: u64 = (1 << 36) - 32;

/// Tag lengths the kernel's `crypto_gcm_setauthsize` accepts.
pub(super) const GCM_TAG_LENS: [usize; 7] = [4, 8, 12, 13, 14, 15, 16];

/// Tag lengths the kernel's `crypto_ccm_setauthsize` accepts.
pub(super) const CCM_TAG_LENS: [usize; 7] = [4, 6, 8, 10, 12, 14, 16];

/// An AES key schedule of any of the three key sizes, usable wherever the AEAD crates take
/// a 16-byte block cipher.
enum AnyAes {
    A128(aes::Aes128),
    A192(aes::Aes192),
    A256(aes::Aes256),
}

impl AnyAes {
    fn new(alg: Algorithm, key: &[u8]) -> Result<Self, BackendError> {
        fn schedule<C: KeyInit + ZeroizeOnDrop>(
            alg: Algorithm,
            key: &[u8],
        ) -> Result<C, BackendError> {
            C::new_from_slice(key).map_err(|_| BackendError::BadKey(alg))
        }
        Ok(match key.len() {
            16 => Self::A128(schedule(alg, key)?),
            24 => Self::A192(schedule(alg, key)?),
            32 => Self::A256(schedule(alg, key)?),
            _ => return Err(BackendError::BadKey(alg)),
        })
    }
}

impl BlockSizeUser for AnyAes {
    type BlockSize = U16;
}

impl BlockCipherEncrypt for AnyAes {
    fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = U16>) {
        match self {
            Self::A128(c) => c.encrypt_with_backend(f),
            Self::A192(c) => c.encrypt_with_backend(f),
            Self::A256(c) => c.encrypt_with_backend(f),
        }
    }
}

/// What one call does: encrypt (returning the tag) or check `tag` and decrypt.
#[derive(Clone, Copy)]
enum Op<'t> {
    Seal,
    Open(&'t [u8]),
}

/// Runs `op` with a concrete AEAD type; the nonce and tag lengths were checked by the caller
/// against the type's sizes (a mismatch is still an error, never a panic).
fn run<A: AeadInOut>(
    aead: &A,
    nonce: &[u8],
    aad: &[u8],
    data: &mut [u8],
    op: Op<'_>,
) -> Result<Vec<u8>, BackendError> {
    let nonce = Nonce::<A>::try_from(nonce)
        .map_err(|_| BackendError::Failed(format!("nonce of {} bytes", nonce.len())))?;
    match op {
        Op::Seal => aead
            .encrypt_inout_detached(&nonce, aad, data.into())
            .map(|tag| tag.to_vec())
            .map_err(|_| BackendError::Failed("AEAD encryption refused".to_owned())),
        Op::Open(tag) => {
            let tag = Tag::<A>::try_from(tag)
                .map_err(|_| BackendError::Failed(format!("tag of {} bytes", tag.len())))?;
            aead.decrypt_inout_detached(&nonce, aad, data.into(), &tag)
                .map(|()| Vec::new())
                .map_err(|_| BackendError::BadTag)
        }
    }
}

/// `gcm(aes)` with the tag length picked at run time.
fn gcm(
    aes: &AnyAes,
    tag_len: usize,
    nonce: &[u8],
    aad: &[u8],
    data: &mut [u8],
    op: Op<'_>,
) -> Result<Vec<u8>, BackendError> {
    macro_rules! with_tag {
        ($t:ty) => {
            run(&AesGcm::<&AnyAes, U12, $t>::from(aes), nonce, aad, data, op)
        };
    }
    match tag_len {
        4 => with_tag!(U4),
        8 => with_tag!(U8),
        12 => with_tag!(U12),
        13 => with_tag!(U13),
        14 => with_tag!(U14),
        15 => with_tag!(U15),
        16 => with_tag!(U16),
        _ => Err(BackendError::Failed(format!("GCM tag length {tag_len}"))),
    }
}

/// `ccm(aes)` with the nonce length (15 − L) and tag length picked at run time.
fn ccm(
    aes: &AnyAes,
    tag_len: usize,
    nonce: &[u8],
    aad: &[u8],
    data: &mut [u8],
    op: Op<'_>,
) -> Result<Vec<u8>, BackendError> {
    fn with_nonce<N: ArraySize + ccm::NonceSize>(
        aes: &AnyAes,
        tag_len: usize,
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
        op: Op<'_>,
    ) -> Result<Vec<u8>, BackendError> {
        macro_rules! with_tag {
            ($t:ty) => {
                run(&Ccm::<&AnyAes, $t, N>::from(aes), nonce, aad, data, op)
            };
        }
        match tag_len {
            4 => with_tag!(U4),
            6 => with_tag!(U6),
            8 => with_tag!(U8),
            10 => with_tag!(U10),
            12 => with_tag!(U12),
            14 => with_tag!(U14),
            16 => with_tag!(U16),
            _ => Err(BackendError::Failed(format!("CCM tag length {tag_len}"))),
        }
    }
    macro_rules! with_nonce {
        ($n:ty) => {
            with_nonce::<$n>(aes, tag_len, nonce, aad, data, op)
        };
    }
    match nonce.len() {
        7 => with_nonce!(U7),
        8 => with_nonce!(U8),
        9 => with_nonce!(U9),
        10 => with_nonce!(U10),
        11 => with_nonce!(U11),
        12 => with_nonce!(U12),
        13 => with_nonce!(U13),
        n => Err(BackendError::Failed(format!("CCM nonce of {n} bytes"))),
    }
}

/// The nonce inside a kernel-format CCM IV, after checking `iv[0]` = L − 1 ∈ 1..=7 and that
/// `data_len` fits in L bytes.
fn ccm_nonce(iv: &[u8], data_len: usize) -> Result<&[u8], BackendError> {
    let alg = Algorithm::AesCcm;
    if iv.len() != CCM_IV_LEN {
        return Err(BackendError::BadIv {
            alg,
            expected: CCM_IV_LEN,
            len: iv.len(),
        });
    }
    let l_minus_1 = usize::from(iv[0]);
    if !(1..=7).contains(&l_minus_1) {
        return Err(BackendError::Failed(format!(
            "ccm(aes) IV byte 0 (L - 1) is {l_minus_1}, not 1..=7"
        )));
    }
    let l = l_minus_1 + 1;
    // L = 8 covers every usize; below, the length field has 8·L bits.
    if l < 8 && u64::try_from(data_len).map_or(true, |n| n >> (8 * l) != 0) {
        return Err(BackendError::TooLong { alg, len: data_len });
    }
    Ok(&iv[1..CCM_IV_LEN - l])
}

/// The mode of an [`AesAeadCtx`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Gcm,
    Ccm,
}

/// A keyed `gcm(aes)` or `ccm(aes)` transform.
struct AesAeadCtx {
    mode: Mode,
    aes: AnyAes,
    tag_len: usize,
}

impl AesAeadCtx {
    fn alg(&self) -> Algorithm {
        match self.mode {
            Mode::Gcm => Algorithm::AesGcm,
            Mode::Ccm => Algorithm::AesCcm,
        }
    }

    fn tag_lens(&self) -> &'static [usize] {
        match self.mode {
            Mode::Gcm => &GCM_TAG_LENS,
            Mode::Ccm => &CCM_TAG_LENS,
        }
    }

    fn call(
        &self,
        iv: &[u8],
        aad: &[u8],
        data: &mut [u8],
        op: Op<'_>,
    ) -> Result<Vec<u8>, BackendError> {
        let alg = self.alg();
        match self.mode {
            Mode::Gcm => {
                if iv.len() != GCM_IV_LEN {
                    return Err(BackendError::Failed(format!(
                        "gcm(aes) needs a {GCM_IV_LEN}-byte IV, got {} bytes",
                        iv.len()
                    )));
                }
                if u64::try_from(data.len()).map_or(true, |n| n > GCM_MAX_LEN) {
                    return Err(BackendError::BadLength {
                        alg,
                        len: data.len(),
                    });
                }
                gcm(&self.aes, self.tag_len, iv, aad, data, op)
            }
            Mode::Ccm => {
                let nonce = ccm_nonce(iv, data.len())?;
                ccm(&self.aes, self.tag_len, nonce, aad, data, op)
            }
        }
    }
}

impl AeadContext for AesAeadCtx {
    fn info(&self) -> DriverInfo {
        driver_info(self.alg())
    }

    fn tag_len(&self) -> usize {
        self.tag_len
    }

    fn set_tag_len(&mut self, len: usize) -> Result<(), BackendError> {
        if self.tag_lens().contains(&len) {
            self.tag_len = len;
            Ok(())
        } else {
            Err(BackendError::Failed(format!(
                "{} does not take a {len}-byte tag",
                driver_info(self.alg()).name
            )))
        }
    }

    fn encrypt(&mut self, iv: &[u8], aad: &[u8], data: &mut [u8]) -> Result<Vec<u8>, BackendError> {
        self.call(iv, aad, data, Op::Seal)
    }

    fn decrypt(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), BackendError> {
        if tag.len() != self.tag_len {
            return Err(BackendError::Failed(format!(
                "tag of {} bytes with a tag length of {}",
                tag.len(),
                self.tag_len
            )));
        }
        self.call(iv, aad, data, Op::Open(tag)).map(drop)
    }
}

/// `Backend::aead` of the RustCrypto backend.
pub(super) fn aead(alg: Algorithm, key: &[u8]) -> Result<Box<dyn AeadContext>, BackendError> {
    let mode = match alg {
        Algorithm::AesGcm => Mode::Gcm,
        Algorithm::AesCcm => Mode::Ccm,
        _ => return Err(BackendError::Unsupported(alg)),
    };
    Ok(Box::new(AesAeadCtx {
        mode,
        aes: AnyAes::new(alg, key)?,
        tag_len: DEFAULT_TAG_LEN,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::soft::RustCryptoBackend;
    use crate::backend::Backend;

    fn ctx(alg: Algorithm, key_len: usize) -> Box<dyn AeadContext> {
        let key: Vec<u8> = (0..=255u8)
            .map(|i| i.wrapping_mul(29))
            .take(key_len)
            .collect();
        RustCryptoBackend.aead(alg, &key).unwrap()
    }

    fn ccm_iv(l: u8) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv[0] = l - 1;
        for (b, v) in iv[1..16 - usize::from(l)].iter_mut().zip(0x10u8..) {
            *b = v;
        }
        iv
    }

    /// Every tag length 0..=17: accepted exactly where the kernel's setauthsize accepts it; a
    /// refusal leaves the current length.
    #[test]
    fn set_tag_len_takes_exactly_the_kernel_sets() {
        for (alg, allowed) in [
            (Algorithm::AesGcm, &[4usize, 8, 12, 13, 14, 15, 16][..]),
            (Algorithm::AesCcm, &[4, 6, 8, 10, 12, 14, 16][..]),
        ] {
            let mut c = ctx(alg, 16);
            assert_eq!(c.tag_len(), 16, "{alg:?} default");
            for len in 0..=17usize {
                let before = c.tag_len();
                let r = c.set_tag_len(len);
                if allowed.contains(&len) {
                    assert_eq!(r, Ok(()), "{alg:?} {len}");
                    assert_eq!(c.tag_len(), len);
                    // The context works at that length.
                    let iv = if alg == Algorithm::AesGcm {
                        vec![1u8; 12]
                    } else {
                        ccm_iv(4).to_vec()
                    };
                    let mut data = *b"some data";
                    let tag = c.encrypt(&iv, b"aad", &mut data).unwrap();
                    assert_eq!(tag.len(), len);
                    c.decrypt(&iv, b"aad", &mut data, &tag).unwrap();
                    assert_eq!(&data, b"some data");
                } else {
                    assert!(matches!(r, Err(BackendError::Failed(_))), "{alg:?} {len}");
                    assert_eq!(c.tag_len(), before, "{alg:?} {len} changed the length");
                }
            }
        }
    }

    #[test]
    fn key_lengths() {
        for alg in [Algorithm::AesGcm, Algorithm::AesCcm] {
            for len in 0..=80usize {
                let r = RustCryptoBackend.aead(alg, &vec![7u8; len]);
                if [16, 24, 32].contains(&len) {
                    assert!(r.is_ok(), "{alg:?} {len}");
                } else {
                    assert_eq!(r.err(), Some(BackendError::BadKey(alg)), "{alg:?} {len}");
                }
            }
        }
        // Not AEAD ids.
        for alg in [
            Algorithm::AesCbc,
            Algorithm::Sha256,
            Algorithm::Tls11AesCbcHmacSha1,
        ] {
            assert_eq!(
                RustCryptoBackend.aead(alg, &[0; 16]).err(),
                Some(BackendError::Unsupported(alg))
            );
        }
        // And the AEAD ids are not ciphers or hashes.
        for alg in [Algorithm::AesGcm, Algorithm::AesCcm] {
            assert_eq!(
                RustCryptoBackend.cipher(alg, &[0; 16]).err(),
                Some(BackendError::Unsupported(alg))
            );
            assert_eq!(
                RustCryptoBackend.hash(alg, &[0; 16]).err(),
                Some(BackendError::Unsupported(alg))
            );
        }
    }

    #[test]
    fn driver_names() {
        for (alg, name, driver) in [
            (Algorithm::AesGcm, "gcm(aes)", "gcm-aes-rustcrypto"),
            (Algorithm::AesCcm, "ccm(aes)", "ccm-aes-rustcrypto"),
        ] {
            for key_len in [16, 24, 32] {
                let info = ctx(alg, key_len).info();
                assert_eq!(info.name, name);
                assert_eq!(info.driver, driver);
                assert!(!info.hardware);
            }
        }
    }

    #[test]
    fn ivs_are_checked() {
        let mut gcm = ctx(Algorithm::AesGcm, 16);
        for len in [0usize, 8, 11, 13, 16, 60] {
            let mut data = [0u8; 4];
            assert!(
                matches!(
                    gcm.encrypt(&vec![0; len], &[], &mut data),
                    Err(BackendError::Failed(_))
                ),
                "GCM IV of {len}"
            );
            assert!(matches!(
                gcm.decrypt(&vec![0; len], &[], &mut data, &[0; 16]),
                Err(BackendError::Failed(_))
            ));
        }
        let mut ccm = ctx(Algorithm::AesCcm, 16);
        for len in [0usize, 12, 15, 17] {
            assert!(matches!(
                ccm.encrypt(&vec![1; len], &[], &mut []),
                Err(BackendError::BadIv { expected: 16, .. })
            ));
        }
        // iv[0] = L - 1 must be 1..=7 (the kernel's crypto_ccm_check_iv): EINVAL otherwise.
        for first in 0..=255u8 {
            let mut iv = [0x33u8; 16];
            iv[0] = first;
            let mut data = *b"0123456789";
            let r = ccm.encrypt(&iv, b"a", &mut data);
            if (1..=7).contains(&first) {
                let tag = r.unwrap();
                ccm.decrypt(&iv, b"a", &mut data, &tag).unwrap();
                assert_eq!(&data, b"0123456789");
            } else {
                assert!(matches!(r, Err(BackendError::Failed(_))), "iv[0] = {first}");
                assert_eq!(&data, b"0123456789", "data untouched");
                assert!(matches!(
                    ccm.decrypt(&iv, b"a", &mut data, &[0; 16]),
                    Err(BackendError::Failed(_))
                ));
            }
        }
    }

    /// The message length must fit in L bytes (kernel: EOVERFLOW).
    #[test]
    fn ccm_length_field_limit() {
        let mut c = ctx(Algorithm::AesCcm, 16);
        let iv = ccm_iv(2);
        let mut data = vec![0u8; 65_536];
        assert_eq!(
            c.encrypt(&iv, &[], &mut data),
            Err(BackendError::TooLong {
                alg: Algorithm::AesCcm,
                len: 65_536
            })
        );
        let tag = c.encrypt(&iv, &[], &mut data[..65_535]).unwrap();
        c.decrypt(&iv, &[], &mut data[..65_535], &tag).unwrap();
        assert!(data.iter().all(|&b| b == 0));
        assert!(c.encrypt(&ccm_iv(3), &[], &mut data).is_ok());
    }

    /// Both modes, every key size and tag length, lengths around block boundaries, empty data
    /// and AAD: decryption inverts encryption; any flipped bit of tag, data or AAD is BadTag and
    /// no plaintext is released.
    #[test]
    fn round_trips_and_forgeries() {
        for (alg, tags) in [
            (Algorithm::AesGcm, &GCM_TAG_LENS),
            (Algorithm::AesCcm, &CCM_TAG_LENS),
        ] {
            for key_len in [16, 24, 32] {
                let mut c = ctx(alg, key_len);
                for &tag_len in tags.iter() {
                    c.set_tag_len(tag_len).unwrap();
                    for (len, aad_len) in [(0usize, 0usize), (0, 5), (1, 0), (15, 16), (17, 31)] {
                        let iv = if alg == Algorithm::AesGcm {
                            vec![9u8; 12]
                        } else {
                            ccm_iv(2 + u8::try_from(len % 7).unwrap()).to_vec()
                        };
                        let plain: Vec<u8> = (0..=255u8).map(|i| i ^ 0x5c).take(len).collect();
                        let aad: Vec<u8> = (0..=255u8).take(aad_len).collect();
                        let mut data = plain.clone();
                        let tag = c.encrypt(&iv, &aad, &mut data).unwrap();
                        assert_eq!(tag.len(), tag_len);
                        if len >= 8 {
                            assert_ne!(data, plain);
                        }
                        let ct = data.clone();
                        c.decrypt(&iv, &aad, &mut data, &tag).unwrap();
                        assert_eq!(data, plain, "{alg:?} {key_len} {tag_len} {len}");

                        let mut bad_tag = tag.clone();
                        bad_tag[tag_len - 1] ^= 1;
                        let mut d = ct.clone();
                        assert_eq!(
                            c.decrypt(&iv, &aad, &mut d, &bad_tag),
                            Err(BackendError::BadTag)
                        );
                        if len >= 8 {
                            assert_ne!(d, plain, "unverified plaintext released");
                        }
                        if len > 0 {
                            let mut d = ct.clone();
                            d[0] ^= 0x80;
                            assert_eq!(
                                c.decrypt(&iv, &aad, &mut d, &tag),
                                Err(BackendError::BadTag)
                            );
                        }
                        if aad_len > 0 {
                            let mut a = aad.clone();
                            a[0] ^= 2;
                            let mut d = ct.clone();
                            assert_eq!(c.decrypt(&iv, &a, &mut d, &tag), Err(BackendError::BadTag));
                        }
                        // A tag of the wrong length is refused (not an authentication failure).
                        let mut d = ct.clone();
                        assert!(matches!(
                            c.decrypt(&iv, &aad, &mut d, &[tag.as_slice(), &[0]].concat()),
                            Err(BackendError::Failed(_))
                        ));
                    }
                }
            }
        }
    }
}
