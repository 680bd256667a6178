//! RustCrypto backend: every cipher and hash of the ABI table that has a maintained
//! RustCrypto crate, with the kernel's IV / chaining semantics, and the AEADs `gcm(aes)` and
//! `ccm(aes)` (`aes-gcm`, `ccm`; in `aead.rs`, with the kernel's authsize and IV rules).
//!
//! One generation of the trait crates is used throughout (`cipher` 0.5, `digest` 0.11).
//! Every block cipher and hash core is built with its `zeroize` feature; the context types
//! below require `ZeroizeOnDrop` of what they hold, so a missing feature fails to compile.
//!
//! Chaining value left in `iv` after a call, as the kernel's templates leave it:
//! - CBC: the last ciphertext block (the last *input* block when decrypting).
//! - CTR: the 128-bit big-endian counter advanced by `ceil(len / 16)`; a partial final block
//!   consumes a whole counter value and its unused keystream is discarded.
//! - CFB (`cfb(aes)`, CFB128): the last full ciphertext block; a final partial block is
//!   XORed with `E(iv)` and does not move the IV.
//! - OFB: the last keystream block produced, including one only partly used.
//! - XTS: the IV is the tweak and is left unchanged.
//! - ECB, NULL: no IV; `iv` is not read or written.

use cipher::array::{Array, ArraySize};
use cipher::common::InnerInit;
use cipher::consts::U16;
use cipher::{
    Block, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt,
    BlockSizeUser, InnerIvInit, IvState, KeyInit, SetIvState, StreamCipherCore,
};
use cryptodev_abi::Algorithm;
use digest::{FixedOutputReset, Reset, Update};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{AeadContext, Backend, BackendError, CipherContext, DriverInfo, HashContext};

mod aead;

/// The software backend built on the RustCrypto crates.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCryptoBackend;

impl RustCryptoBackend {
    /// A new backend (it holds no state).
    pub fn new() -> Self {
        Self
    }
}

/// The `DriverInfo` of a supported algorithm: `cbc(aes)` → `cbc-aes-rustcrypto`.
fn driver_info(alg: Algorithm) -> DriverInfo {
    let name = alg.kernel_name().unwrap_or("unknown");
    let base: String = name
        .chars()
        .filter(|&c| c != ')')
        .map(|c| if c == '(' { '-' } else { c })
        .collect();
    DriverInfo {
        name: name.to_owned(),
        driver: format!("{base}-rustcrypto"),
        hardware: false,
    }
}

impl Backend for RustCryptoBackend {
    fn name(&self) -> &'static str {
        "rustcrypto"
    }

    fn supports(&self, alg: Algorithm) -> bool {
        use Algorithm::*;
        matches!(
            alg,
            DesCbc
                | TripleDesCbc
                | BlowfishCbc
                | Cast5Cbc
                | AesCbc
                | AesEcb
                | AesCtr
                | AesXts
                | AesCfb
                | AesOfb
                | CamelliaCbc
                | Null
                | Md5
                | Sha1
                | Ripemd160
                | Sha224
                | Sha256
                | Sha384
                | Sha512
                | Md5Hmac
                | Sha1Hmac
                | Ripemd160Hmac
                | Sha224Hmac
                | Sha256Hmac
                | Sha384Hmac
                | Sha512Hmac
                | AesGcm
                | AesCcm
        )
    }

    fn cipher(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        use Algorithm::*;
        let bad = BackendError::BadKey(alg);
        // A mode over the 128-, 192- or 256-bit variant of a block cipher, by key length.
        macro_rules! by_key_size {
            ($ctx:ident, $c128:ty, $c192:ty, $c256:ty) => {
                match key.len() {
                    16 => $ctx::<$c128>::boxed(alg, key),
                    24 => $ctx::<$c192>::boxed(alg, key),
                    32 => $ctx::<$c256>::boxed(alg, key),
                    _ => Err(bad),
                }
            };
        }
        match alg {
            DesCbc => CbcCtx::<des::Des>::boxed(alg, key),
            TripleDesCbc => CbcCtx::<des::TdesEde3>::boxed(alg, key),
            BlowfishCbc => CbcCtx::<blowfish::Blowfish>::boxed(alg, key),
            Cast5Cbc => CbcCtx::<cast5::Cast5>::boxed(alg, key),
            AesCbc => by_key_size!(CbcCtx, aes::Aes128, aes::Aes192, aes::Aes256),
            CamelliaCbc => by_key_size!(
                CbcCtx,
                camellia::Camellia128,
                camellia::Camellia192,
                camellia::Camellia256
            ),
            AesEcb => by_key_size!(EcbCtx, aes::Aes128, aes::Aes192, aes::Aes256),
            AesCtr => by_key_size!(CtrCtx, aes::Aes128, aes::Aes192, aes::Aes256),
            AesCfb => by_key_size!(CfbCtx, aes::Aes128, aes::Aes192, aes::Aes256),
            AesOfb => by_key_size!(OfbCtx, aes::Aes128, aes::Aes192, aes::Aes256),
            AesXts => match key.len() {
                32 => XtsCtx::<aes::Aes128>::boxed(alg, key),
                48 => XtsCtx::<aes::Aes192>::boxed(alg, key),
                64 => XtsCtx::<aes::Aes256>::boxed(alg, key),
                _ => Err(bad),
            },
            Null if key.is_empty() => Ok(Box::new(NullCtx)),
            Null => Err(bad),
            _ => Err(BackendError::Unsupported(alg)),
        }
    }

    fn hash(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn HashContext>, BackendError> {
        use Algorithm::*;
        match alg {
            Md5 => HashCtx::<md5::Md5>::plain(alg),
            Sha1 => HashCtx::<sha1::Sha1>::plain(alg),
            Ripemd160 => HashCtx::<ripemd::Ripemd160>::plain(alg),
            Sha224 => HashCtx::<sha2::Sha224>::plain(alg),
            Sha256 => HashCtx::<sha2::Sha256>::plain(alg),
            Sha384 => HashCtx::<sha2::Sha384>::plain(alg),
            Sha512 => HashCtx::<sha2::Sha512>::plain(alg),
            Md5Hmac => hmac_ctx::<md5::Md5>(alg, key),
            Sha1Hmac => hmac_ctx::<sha1::Sha1>(alg, key),
            Ripemd160Hmac => hmac_ctx::<ripemd::Ripemd160>(alg, key),
            Sha224Hmac => hmac_ctx::<sha2::Sha224>(alg, key),
            Sha256Hmac => hmac_ctx::<sha2::Sha256>(alg, key),
            Sha384Hmac => hmac_ctx::<sha2::Sha384>(alg, key),
            Sha512Hmac => hmac_ctx::<sha2::Sha512>(alg, key),
            _ => Err(BackendError::Unsupported(alg)),
        }
    }

    fn aead(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn AeadContext>, BackendError> {
        aead::aead(alg, key)
    }
}

// ---------------------------------------------------------------------------------------------
// Cipher contexts

/// What every block cipher used here provides. `ZeroizeOnDrop` proves the crate's `zeroize`
/// feature is on, so the key schedule is wiped when the context is dropped.
trait SoftBlockCipher:
    KeyInit + BlockCipherEncrypt + BlockCipherDecrypt + Clone + Send + ZeroizeOnDrop + 'static
{
}

impl<C> SoftBlockCipher for C where
    C: KeyInit + BlockCipherEncrypt + BlockCipherDecrypt + Clone + Send + ZeroizeOnDrop + 'static
{
}

/// A block cipher with 16-byte blocks (the AES-only modes).
trait SoftBlockCipher16: SoftBlockCipher + BlockSizeUser<BlockSize = U16> {}

impl<C> SoftBlockCipher16 for C where C: SoftBlockCipher + BlockSizeUser<BlockSize = U16> {}

/// Builds the key schedule; any refusal of the crate is `BadKey`.
fn key_schedule<C: KeyInit>(alg: Algorithm, key: &[u8]) -> Result<C, BackendError> {
    C::new_from_slice(key).map_err(|_| BackendError::BadKey(alg))
}

/// The caller's IV as one block, or an error naming the expected size.
fn iv_block<N: ArraySize>(alg: Algorithm, iv: &[u8]) -> Result<Array<u8, N>, BackendError> {
    Array::try_from(iv).map_err(|_| BackendError::BadIv {
        alg,
        expected: N::USIZE,
        len: iv.len(),
    })
}

/// Splits `data` into whole blocks, refusing a partial tail.
fn whole_blocks<N: ArraySize>(
    alg: Algorithm,
    data: &mut [u8],
) -> Result<&mut [Array<u8, N>], BackendError> {
    let len = data.len();
    match Array::slice_as_chunks_mut(data) {
        (blocks, []) => Ok(blocks),
        _ => Err(BackendError::BadLength { alg, len }),
    }
}

fn xor_into(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s;
    }
}

/// CBC over any block cipher (`cbc` crate).
struct CbcCtx<C: SoftBlockCipher> {
    alg: Algorithm,
    enc: cbc::Encryptor<C>,
    dec: cbc::Decryptor<C>,
}

impl<C: SoftBlockCipher> CbcCtx<C> {
    fn boxed(alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        let cipher: C = key_schedule(alg, key)?;
        let zero = Block::<C>::default();
        Ok(Box::new(Self {
            alg,
            enc: cbc::Encryptor::inner_iv_init(cipher.clone(), &zero),
            dec: cbc::Decryptor::inner_iv_init(cipher, &zero),
        }))
    }
}

impl<C: SoftBlockCipher> CipherContext for CbcCtx<C> {
    fn info(&self) -> DriverInfo {
        driver_info(self.alg)
    }

    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let start = iv_block(self.alg, iv)?;
        let blocks = whole_blocks::<C::BlockSize>(self.alg, data)?;
        self.enc.set_iv(&start);
        self.enc.encrypt_blocks(blocks);
        iv.copy_from_slice(&self.enc.iv_state());
        Ok(())
    }

    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let start = iv_block(self.alg, iv)?;
        let blocks = whole_blocks::<C::BlockSize>(self.alg, data)?;
        self.dec.set_iv(&start);
        self.dec.decrypt_blocks(blocks);
        iv.copy_from_slice(&self.dec.iv_state());
        Ok(())
    }
}

/// ECB (`ecb` crate); no IV.
struct EcbCtx<C: SoftBlockCipher> {
    alg: Algorithm,
    enc: ecb::Encryptor<C>,
    dec: ecb::Decryptor<C>,
}

impl<C: SoftBlockCipher> EcbCtx<C> {
    fn boxed(alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        let cipher: C = key_schedule(alg, key)?;
        Ok(Box::new(Self {
            alg,
            enc: ecb::Encryptor::inner_init(cipher.clone()),
            dec: ecb::Decryptor::inner_init(cipher),
        }))
    }
}

impl<C: SoftBlockCipher> CipherContext for EcbCtx<C> {
    fn info(&self) -> DriverInfo {
        driver_info(self.alg)
    }

    fn encrypt(&mut self, _iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let blocks = whole_blocks::<C::BlockSize>(self.alg, data)?;
        self.enc.encrypt_blocks(blocks);
        Ok(())
    }

    fn decrypt(&mut self, _iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let blocks = whole_blocks::<C::BlockSize>(self.alg, data)?;
        self.dec.decrypt_blocks(blocks);
        Ok(())
    }
}

/// A keystream mode (CTR, OFB): encrypting and decrypting are the same `apply`.
macro_rules! keystream_context {
    ($ctx:ident) => {
        impl<C: SoftBlockCipher16> CipherContext for $ctx<C> {
            fn info(&self) -> DriverInfo {
                driver_info(self.alg)
            }

            fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
                self.apply(iv, data)
            }

            fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
                self.apply(iv, data)
            }
        }
    };
}

/// CTR with a 128-bit big-endian counter (`ctr` crate core, which wraps modulo 2^128 like
/// the kernel's `crypto_inc`).
struct CtrCtx<C: SoftBlockCipher16> {
    alg: Algorithm,
    core: ctr::CtrCore<C, ctr::flavors::Ctr128BE>,
}

impl<C: SoftBlockCipher16> CtrCtx<C> {
    fn boxed(alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        let cipher: C = key_schedule(alg, key)?;
        Ok(Box::new(Self {
            alg,
            core: ctr::CtrCore::inner_iv_init(cipher, &Block::<C>::default()),
        }))
    }

    fn apply(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let start = iv_block(self.alg, iv)?;
        self.core.set_iv(&start);
        let (blocks, tail) = Array::<u8, U16>::slice_as_chunks_mut(data);
        self.core.apply_keystream_blocks(blocks);
        if !tail.is_empty() {
            // A partial block takes a whole counter value; the rest of its keystream is
            // discarded, so the next call starts at the following counter (kernel ctr(aes)).
            let mut ks = Block::<C>::default();
            self.core.write_keystream_block(&mut ks);
            xor_into(tail, &ks);
            ks.as_mut_slice().zeroize();
        }
        iv.copy_from_slice(&self.core.iv_state());
        Ok(())
    }
}

keystream_context!(CtrCtx);

/// Full-block CFB (CFB128 for AES) as the kernel's `cfb` template: whole blocks through the
/// `cfb-mode` crate; a final partial block is XORed with `E(iv)` and leaves the IV at the last
/// full ciphertext block.
struct CfbCtx<C: SoftBlockCipher16> {
    alg: Algorithm,
    enc: cfb_mode::Encryptor<C>,
    dec: cfb_mode::Decryptor<C>,
}

impl<C: SoftBlockCipher16> CfbCtx<C> {
    fn boxed(alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        let cipher: C = key_schedule(alg, key)?;
        let zero = Block::<C>::default();
        Ok(Box::new(Self {
            alg,
            enc: cfb_mode::Encryptor::inner_iv_init(cipher.clone(), &zero),
            dec: cfb_mode::Decryptor::inner_iv_init(cipher, &zero),
        }))
    }
}

/// Runs a one-block CFB step on a zero-padded copy of `tail`: the first `tail.len()` output
/// bytes are `tail XOR E(iv)` for encryption and decryption alike. The caller discards the
/// IV state it leaves.
fn cfb_tail<N: ArraySize>(tail: &mut [u8], step: impl FnOnce(&mut Array<u8, N>)) {
    let mut block = Array::<u8, N>::default();
    let n = tail.len();
    block[..n].copy_from_slice(tail);
    step(&mut block);
    tail.copy_from_slice(&block[..n]);
    block.as_mut_slice().zeroize();
}

impl<C: SoftBlockCipher16> CipherContext for CfbCtx<C> {
    fn info(&self) -> DriverInfo {
        driver_info(self.alg)
    }

    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let start = iv_block(self.alg, iv)?;
        self.enc.set_iv(&start);
        let (blocks, tail) = Array::<u8, C::BlockSize>::slice_as_chunks_mut(data);
        self.enc.encrypt_blocks(blocks);
        let next = self.enc.iv_state();
        if !tail.is_empty() {
            cfb_tail(tail, |b| self.enc.encrypt_block(b));
        }
        iv.copy_from_slice(&next);
        Ok(())
    }

    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let start = iv_block(self.alg, iv)?;
        self.dec.set_iv(&start);
        let (blocks, tail) = Array::<u8, C::BlockSize>::slice_as_chunks_mut(data);
        self.dec.decrypt_blocks(blocks);
        let next = self.dec.iv_state();
        if !tail.is_empty() {
            cfb_tail(tail, |b| self.dec.decrypt_block(b));
        }
        iv.copy_from_slice(&next);
        Ok(())
    }
}

/// OFB (`ofb` crate core): the IV left behind is the last keystream block produced, also when
/// only part of it was used (kernel `ofb` template).
struct OfbCtx<C: SoftBlockCipher16> {
    alg: Algorithm,
    core: ofb::OfbCore<C>,
}

impl<C: SoftBlockCipher16> OfbCtx<C> {
    fn boxed(alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        let cipher: C = key_schedule(alg, key)?;
        let zero = Block::<C>::default();
        Ok(Box::new(Self {
            alg,
            core: ofb::OfbCore::inner_iv_init(cipher, &zero),
        }))
    }

    fn apply(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let start = iv_block(self.alg, iv)?;
        self.core.set_iv(&start);
        let (blocks, tail) = Array::<u8, C::BlockSize>::slice_as_chunks_mut(data);
        StreamCipherCore::apply_keystream_blocks(&mut self.core, blocks);
        if !tail.is_empty() {
            let mut ks = Block::<C>::default();
            self.core.write_keystream_block(&mut ks);
            xor_into(tail, &ks);
            ks.as_mut_slice().zeroize();
        }
        iv.copy_from_slice(&self.core.iv_state());
        Ok(())
    }
}

impl<C: SoftBlockCipher16> Drop for OfbCtx<C> {
    fn drop(&mut self) {
        // The crate's core keeps the last keystream block without wiping it.
        self.core.set_iv(&Block::<C>::default());
    }
}

keystream_context!(OfbCtx);

/// XTS (`xts-mode` crate): key = data key ‖ tweak key; the IV is the tweak, used as is and
/// left unchanged. Equal halves are accepted, as by the kernel outside FIPS mode.
struct XtsCtx<C: SoftBlockCipher16> {
    alg: Algorithm,
    xts: xts_mode::Xts128<C>,
}

/// The XTS block size; shorter data is refused.
const XTS_BLOCK: usize = 16;

impl<C: SoftBlockCipher16> XtsCtx<C> {
    fn boxed(alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        if !key.len().is_multiple_of(2) {
            return Err(BackendError::BadKey(alg));
        }
        let (data_key, tweak_key) = key.split_at(key.len() / 2);
        Ok(Box::new(Self {
            alg,
            xts: xts_mode::Xts128::new(key_schedule(alg, data_key)?, key_schedule(alg, tweak_key)?),
        }))
    }

    fn check(&self, iv: &[u8], data: &[u8]) -> Result<Array<u8, U16>, BackendError> {
        let tweak = iv_block(self.alg, iv)?;
        if data.len() < XTS_BLOCK {
            return Err(BackendError::BadLength {
                alg: self.alg,
                len: data.len(),
            });
        }
        Ok(tweak)
    }
}

impl<C: SoftBlockCipher16> CipherContext for XtsCtx<C> {
    fn info(&self) -> DriverInfo {
        driver_info(self.alg)
    }

    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let tweak = self.check(iv, data)?;
        self.xts.encrypt_sector(data, tweak);
        Ok(())
    }

    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let tweak = self.check(iv, data)?;
        self.xts.decrypt_sector(data, tweak);
        Ok(())
    }
}

/// `ecb(cipher_null)`: no key, no IV, data unchanged.
struct NullCtx;

impl CipherContext for NullCtx {
    fn info(&self) -> DriverInfo {
        driver_info(Algorithm::Null)
    }

    fn encrypt(&mut self, _iv: &mut [u8], _data: &mut [u8]) -> Result<(), BackendError> {
        Ok(())
    }

    fn decrypt(&mut self, _iv: &mut [u8], _data: &mut [u8]) -> Result<(), BackendError> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Hash contexts

/// A digest or an HMAC (`hmac::HmacReset`, whose reset returns to the keyed state).
struct HashCtx<H> {
    alg: Algorithm,
    state: H,
}

/// What a hash state must provide to back a `HashContext`.
trait SoftHashState: Update + FixedOutputReset + Reset + Clone + Send + 'static {}

impl<H> SoftHashState for H where H: Update + FixedOutputReset + Reset + Clone + Send + 'static {}

impl<H: SoftHashState> HashCtx<H> {
    /// A plain digest; `ZeroizeOnDrop` proves the crate's `zeroize` feature is on.
    fn plain(alg: Algorithm) -> Result<Box<dyn HashContext>, BackendError>
    where
        H: Default + ZeroizeOnDrop,
    {
        Ok(Box::new(Self {
            alg,
            state: H::default(),
        }))
    }
}

/// An HMAC over digest `D`. Its state is three `D` cores (running, ipad, opad), which wipe
/// themselves on drop (`D: ZeroizeOnDrop` proves the feature); `HmacReset` itself does not
/// declare `ZeroizeOnDrop`. Keys of any length (0 included) are taken; the crate hashes long
/// ones down as RFC 2104 says.
fn hmac_ctx<D>(alg: Algorithm, key: &[u8]) -> Result<Box<dyn HashContext>, BackendError>
where
    D: hmac::EagerHash + ZeroizeOnDrop,
    hmac::HmacReset<D>: SoftHashState,
{
    let state = <hmac::HmacReset<D> as KeyInit>::new_from_slice(key)
        .map_err(|_| BackendError::BadKey(alg))?;
    Ok(Box::new(HashCtx { alg, state }))
}

impl<H: SoftHashState> HashContext for HashCtx<H> {
    fn info(&self) -> DriverInfo {
        driver_info(self.alg)
    }

    fn algorithm(&self) -> Algorithm {
        self.alg
    }

    fn update(&mut self, data: &[u8]) -> Result<(), BackendError> {
        Update::update(&mut self.state, data);
        Ok(())
    }

    fn finish(&mut self, out: &mut [u8]) -> Result<(), BackendError> {
        let mut digest = self.state.finalize_fixed_reset();
        let n = out.len().min(digest.len());
        out[..n].copy_from_slice(&digest[..n]);
        digest.as_mut_slice().zeroize();
        Ok(())
    }

    fn reset(&mut self) {
        Reset::reset(&mut self.state);
    }

    fn fork(&self) -> Box<dyn HashContext> {
        Box::new(Self {
            alg: self.alg,
            state: self.state.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::kat;
    use cryptodev_abi::AlgKind;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    const SUPPORTED: &[Algorithm] = &[
        Algorithm::DesCbc,
        Algorithm::TripleDesCbc,
        Algorithm::BlowfishCbc,
        Algorithm::Cast5Cbc,
        Algorithm::AesCbc,
        Algorithm::AesEcb,
        Algorithm::AesCtr,
        Algorithm::AesXts,
        Algorithm::AesCfb,
        Algorithm::AesOfb,
        Algorithm::CamelliaCbc,
        Algorithm::Null,
        Algorithm::Md5,
        Algorithm::Sha1,
        Algorithm::Ripemd160,
        Algorithm::Sha224,
        Algorithm::Sha256,
        Algorithm::Sha384,
        Algorithm::Sha512,
        Algorithm::Md5Hmac,
        Algorithm::Sha1Hmac,
        Algorithm::Ripemd160Hmac,
        Algorithm::Sha224Hmac,
        Algorithm::Sha256Hmac,
        Algorithm::Sha384Hmac,
        Algorithm::Sha512Hmac,
    ];

    #[test]
    fn kat_table_passes() {
        let backend = RustCryptoBackend::new();
        let report = kat::run(&backend);
        assert!(report.is_success(), "{report}");
        assert_eq!(report.failed(), 0, "{report}");
        let in_table = kat::CIPHER_VECTORS
            .iter()
            .filter(|v| backend.supports(v.alg))
            .count()
            + kat::HASH_VECTORS
                .iter()
                .filter(|v| backend.supports(v.alg))
                .count();
        // Every vector of the table is supported here, and every check ran.
        assert_eq!(
            in_table,
            kat::CIPHER_VECTORS.len() + kat::HASH_VECTORS.len()
        );
        assert!(report.passed() >= in_table, "{report}");
        assert!(kat::AEAD_VECTORS.iter().all(|v| backend.supports(v.alg)));
        assert_eq!(
            report.passed(),
            kat::expected_checks(|a| backend.supports(a))
        );
        assert_eq!(report.skipped(), 0);
        println!("{report}");
    }

    /// The AEADs, served by `Backend::aead` only.
    const SUPPORTED_AEAD: &[Algorithm] = &[Algorithm::AesGcm, Algorithm::AesCcm];

    #[test]
    fn supports_exactly_the_software_set() {
        let backend = RustCryptoBackend;
        for &alg in Algorithm::ALL {
            let aead = SUPPORTED_AEAD.contains(&alg);
            assert_eq!(
                backend.supports(alg),
                SUPPORTED.contains(&alg) || aead,
                "{alg:?}"
            );
            if !SUPPORTED.contains(&alg) {
                assert_eq!(
                    backend.cipher(alg, &[0; 16]).err(),
                    Some(BackendError::Unsupported(alg))
                );
                assert_eq!(
                    backend.hash(alg, &[0; 16]).err(),
                    Some(BackendError::Unsupported(alg))
                );
            }
            if aead {
                assert!(backend.aead(alg, &[0; 16]).is_ok(), "{alg:?}");
            } else {
                assert_eq!(
                    backend.aead(alg, &[0; 16]).err(),
                    Some(BackendError::Unsupported(alg)),
                    "{alg:?}"
                );
            }
        }
        for alg in [
            Algorithm::Tls11AesCbcHmacSha1,
            Algorithm::Tls12AesCbcHmacSha256,
        ] {
            assert!(!backend.supports(alg));
        }
        // Cipher ids are not hashes and the reverse.
        assert_eq!(
            backend.hash(Algorithm::AesCbc, &[]).err(),
            Some(BackendError::Unsupported(Algorithm::AesCbc))
        );
        assert_eq!(
            backend.cipher(Algorithm::Sha256, &[]).err(),
            Some(BackendError::Unsupported(Algorithm::Sha256))
        );
    }

    /// Every key length 0..=80 for every cipher id: `Ok` exactly where the ABI table accepts
    /// the length, `BadKey` otherwise (`Unsupported` for ids without an implementation), and
    /// a context that works; never a panic.
    #[test]
    fn every_key_length_is_ok_or_badkey() {
        let backend = RustCryptoBackend;
        let key: Vec<u8> = (0u8..80).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        for &alg in Algorithm::ALL {
            if !alg.is_cipher_field() {
                continue;
            }
            for len in 0..=80usize {
                let r = backend.cipher(alg, &key[..len]);
                match (alg.kind(), r) {
                    (AlgKind::Cipher { block, iv, keys }, Ok(mut ctx)) => {
                        assert!(
                            keys.accepts(u32::try_from(len).unwrap()),
                            "{alg:?} took a {len}-byte key"
                        );
                        let mut ivb = vec![7u8; usize::try_from(iv).unwrap()];
                        let mut data = vec![0u8; usize::try_from(block.max(16)).unwrap() * 2];
                        ctx.encrypt(&mut ivb, &mut data).unwrap();
                        ctx.decrypt(&mut ivb, &mut data).unwrap();
                    }
                    (AlgKind::Cipher { keys, .. }, Err(e)) => {
                        assert_eq!(e, BackendError::BadKey(alg), "{alg:?} len {len}");
                        assert!(!keys.accepts(u32::try_from(len).unwrap()), "{alg:?} {len}");
                    }
                    (_, r) => assert_eq!(
                        r.err(),
                        Some(BackendError::Unsupported(alg)),
                        "{alg:?} is not for this backend"
                    ),
                }
            }
        }
    }

    #[test]
    fn driver_names() {
        let backend = RustCryptoBackend;
        let cipher = |alg, key: &[u8]| backend.cipher(alg, key).unwrap().info();
        let hash = |alg| backend.hash(alg, b"k").unwrap().info();
        let aes = [0u8; 16];
        for (info, name, driver) in [
            (
                cipher(Algorithm::AesCbc, &aes),
                "cbc(aes)",
                "cbc-aes-rustcrypto",
            ),
            (
                cipher(Algorithm::AesCtr, &aes),
                "ctr(aes)",
                "ctr-aes-rustcrypto",
            ),
            (
                cipher(Algorithm::AesXts, &[1; 32]),
                "xts(aes)",
                "xts-aes-rustcrypto",
            ),
            (
                cipher(Algorithm::TripleDesCbc, &[1; 24]),
                "cbc(des3_ede)",
                "cbc-des3_ede-rustcrypto",
            ),
            (
                cipher(Algorithm::Null, &[]),
                "ecb(cipher_null)",
                "ecb-cipher_null-rustcrypto",
            ),
            (hash(Algorithm::Sha256), "sha256", "sha256-rustcrypto"),
            (
                hash(Algorithm::Sha256Hmac),
                "hmac(sha256)",
                "hmac-sha256-rustcrypto",
            ),
            (hash(Algorithm::Ripemd160), "rmd160", "rmd160-rustcrypto"),
            (
                hash(Algorithm::Ripemd160Hmac),
                "hmac(rmd160)",
                "hmac-rmd160-rustcrypto",
            ),
        ] {
            assert_eq!(info.name, name);
            assert_eq!(info.driver, driver);
            assert!(!info.hardware);
        }
        for &alg in SUPPORTED {
            let info = if alg.is_cipher_field() {
                let len = match alg.kind() {
                    AlgKind::Cipher {
                        keys: cryptodev_abi::KeyLengths::OneOf(l),
                        ..
                    } => l[0],
                    AlgKind::Cipher {
                        keys: cryptodev_abi::KeyLengths::Range { min, .. },
                        ..
                    } => min,
                    _ => unreachable!(),
                };
                cipher(alg, &vec![3u8; usize::try_from(len).unwrap()])
            } else {
                hash(alg)
            };
            assert_eq!(Some(info.name.as_str()), alg.kernel_name());
            assert!(info.driver.ends_with("-rustcrypto"));
        }
    }

    /// HMAC with an empty key (RFC 2104 pads it to a zero block); values from OpenSSL
    /// (`openssl dgst -hmac ''`) / Python's hmac module.
    #[test]
    fn hmac_empty_key() {
        let backend = RustCryptoBackend;
        for (alg, want) in [
            (Algorithm::Md5Hmac, "74e6f7298a9c2d168935f58c001bad88"),
            (
                Algorithm::Sha1Hmac,
                "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d",
            ),
            (
                Algorithm::Sha256Hmac,
                "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad",
            ),
        ] {
            let mut ctx = backend.hash(alg, &[]).unwrap();
            let mut out = vec![0u8; want.len() / 2];
            ctx.finish(&mut out).unwrap();
            assert_eq!(out, unhex(want), "{alg:?}");
        }
        // Every HMAC takes an empty key and keys longer than its block.
        for alg in SUPPORTED
            .iter()
            .copied()
            .filter(|a| matches!(a.kind(), AlgKind::Hmac { .. }))
        {
            for key in [&[][..], &[0xaa; 200][..]] {
                let mut ctx = backend.hash(alg, key).unwrap();
                ctx.update(b"data").unwrap();
                let mut out = vec![0u8; usize::try_from(alg.digest_size()).unwrap()];
                ctx.finish(&mut out).unwrap();
            }
        }
    }

    /// The keyed state survives finish and reset: two messages give the same MAC as two fresh
    /// contexts.
    #[test]
    fn hmac_finish_and_reset_keep_the_key() {
        let backend = RustCryptoBackend;
        let mac = |msg: &[u8]| {
            let mut c = backend.hash(Algorithm::Sha256Hmac, b"Jefe").unwrap();
            c.update(msg).unwrap();
            let mut out = [0u8; 32];
            c.finish(&mut out).unwrap();
            out
        };
        let mut ctx = backend.hash(Algorithm::Sha256Hmac, b"Jefe").unwrap();
        let mut out = [0u8; 32];
        ctx.update(b"one").unwrap();
        ctx.finish(&mut out).unwrap();
        assert_eq!(out, mac(b"one"));
        ctx.update(b"two").unwrap();
        ctx.finish(&mut out).unwrap();
        assert_eq!(out, mac(b"two"));
        ctx.update(b"junk").unwrap();
        ctx.reset();
        ctx.update(b"three").unwrap();
        ctx.finish(&mut out).unwrap();
        assert_eq!(out, mac(b"three"));
    }

    #[test]
    fn finish_with_wrong_output_size_writes_the_common_prefix() {
        let backend = RustCryptoBackend;
        let full = {
            let mut c = backend.hash(Algorithm::Sha256, &[]).unwrap();
            c.update(b"abc").unwrap();
            let mut out = [0u8; 32];
            c.finish(&mut out).unwrap();
            out
        };
        let mut c = backend.hash(Algorithm::Sha256, &[]).unwrap();
        c.update(b"abc").unwrap();
        let mut short = [0u8; 5];
        c.finish(&mut short).unwrap();
        assert_eq!(short, full[..5]);
        c.update(b"abc").unwrap();
        let mut long = [0xeeu8; 40];
        c.finish(&mut long).unwrap();
        assert_eq!(long[..32], full);
        assert_eq!(long[32..], [0xee; 8]);
        c.finish(&mut []).unwrap();
    }

    /// DES weak keys and degenerate 3DES keys are accepted as by the kernel without
    /// CRYPTO_TFM_REQ_FORBID_WEAK_KEYS; EDE3 with K1 = K2 reduces to single DES under K3.
    #[test]
    fn weak_des_keys_are_accepted() {
        let backend = RustCryptoBackend;
        for weak in [
            "0101010101010101",
            "fefefefefefefefe",
            "e0e0e0e0f1f1f1f1",
            "011f011f010e010e",
        ] {
            assert!(
                backend.cipher(Algorithm::DesCbc, &unhex(weak)).is_ok(),
                "{weak}"
            );
        }
        let k3 = unhex("0123456789abcdef");
        let ede = [
            unhex("1111111111111111"),
            unhex("1111111111111111"),
            k3.clone(),
        ]
        .concat();
        let mut des = backend.cipher(Algorithm::DesCbc, &k3).unwrap();
        let mut tdes = backend.cipher(Algorithm::TripleDesCbc, &ede).unwrap();
        let (mut a, mut b) = (*b"Now is the time ", *b"Now is the time ");
        let (mut iva, mut ivb) = ([9u8; 8], [9u8; 8]);
        des.encrypt(&mut iva, &mut a).unwrap();
        tdes.encrypt(&mut ivb, &mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(iva, ivb);
        assert!(backend.cipher(Algorithm::TripleDesCbc, &[0x01; 24]).is_ok());
    }

    #[test]
    fn xts_equal_halves_and_lengths() {
        let backend = RustCryptoBackend;
        let mut ctx = backend.cipher(Algorithm::AesXts, &[0x42; 64]).unwrap();
        let mut iv = [5u8; 16];
        for len in [0usize, 1, 15] {
            let mut data = vec![0u8; len];
            assert_eq!(
                ctx.encrypt(&mut iv, &mut data),
                Err(BackendError::BadLength {
                    alg: Algorithm::AesXts,
                    len
                })
            );
            assert_eq!(
                ctx.decrypt(&mut iv, &mut data),
                Err(BackendError::BadLength {
                    alg: Algorithm::AesXts,
                    len
                })
            );
        }
        // Ciphertext stealing (not reachable through the ABI, which asks whole blocks) round
        // trips, and the tweak is never changed.
        for len in [16usize, 17, 31, 48, 4096] {
            let plain: Vec<u8> = (0..=250u8).cycle().take(len).collect();
            let mut data = plain.clone();
            ctx.encrypt(&mut iv, &mut data).unwrap();
            assert_ne!(data, plain);
            ctx.decrypt(&mut iv, &mut data).unwrap();
            assert_eq!(data, plain);
            assert_eq!(iv, [5u8; 16]);
        }
    }

    #[test]
    fn block_modes_refuse_partial_blocks_and_bad_ivs() {
        let backend = RustCryptoBackend;
        let mut cbc = backend.cipher(Algorithm::AesCbc, &[0; 16]).unwrap();
        let mut iv = [0u8; 16];
        let mut data = [0u8; 20];
        assert_eq!(
            cbc.encrypt(&mut iv, &mut data),
            Err(BackendError::BadLength {
                alg: Algorithm::AesCbc,
                len: 20
            })
        );
        assert_eq!(data, [0u8; 20]);
        let mut ecb = backend.cipher(Algorithm::AesEcb, &[0; 16]).unwrap();
        assert!(matches!(
            ecb.decrypt(&mut [], &mut data),
            Err(BackendError::BadLength { .. })
        ));
        for alg in [
            Algorithm::AesCbc,
            Algorithm::AesCtr,
            Algorithm::AesCfb,
            Algorithm::AesOfb,
            Algorithm::AesXts,
        ] {
            let key = vec![1u8; if alg == Algorithm::AesXts { 32 } else { 16 }];
            let mut ctx = backend.cipher(alg, &key).unwrap();
            let mut short_iv = [0u8; 8];
            assert!(matches!(
                ctx.encrypt(&mut short_iv, &mut [0u8; 16]),
                Err(BackendError::BadIv {
                    expected: 16,
                    len: 8,
                    ..
                })
            ));
            // Empty data: nothing to do, IV unchanged.
            let mut iv = [3u8; 16];
            if alg != Algorithm::AesXts {
                ctx.encrypt(&mut iv, &mut []).unwrap();
                assert_eq!(iv, [3u8; 16]);
            }
        }
        let mut null = backend.cipher(Algorithm::Null, &[]).unwrap();
        let mut d = *b"unchanged";
        null.encrypt(&mut [], &mut d).unwrap();
        null.decrypt(&mut [], &mut d).unwrap();
        assert_eq!(&d, b"unchanged");
    }

    /// The counter is 128 bits wide and wraps like the kernel's crypto_inc.
    #[test]
    fn ctr_counter_wraps_at_128_bits() {
        let backend = RustCryptoBackend;
        let key = [0x2b; 16];
        let mut ctr = backend.cipher(Algorithm::AesCtr, &key).unwrap();
        let mut ecb = backend.cipher(Algorithm::AesEcb, &key).unwrap();
        let mut iv = [0xff; 16];
        let mut data = [0u8; 40];
        ctr.encrypt(&mut iv, &mut data).unwrap();
        let mut one = [0u8; 16];
        one[15] = 2;
        assert_eq!(iv, one, "ff..ff + 3 blocks");
        let mut ks = [[0xff; 16], [0; 16], {
            let mut b = [0u8; 16];
            b[15] = 1;
            b
        }]
        .concat();
        ecb.encrypt(&mut [], &mut ks).unwrap();
        assert_eq!(data[..], ks[..40]);
    }

    /// CBC decryption leaves the last input block as IV; CFB/OFB decryption of a partial
    /// block round-trips.
    #[test]
    fn decrypt_chaining_and_partial_round_trips() {
        let backend = RustCryptoBackend;
        for alg in [Algorithm::AesCfb, Algorithm::AesOfb, Algorithm::AesCtr] {
            let mut ctx = backend.cipher(alg, &[9; 32]).unwrap();
            for len in [1usize, 15, 16, 17, 33, 100] {
                let plain: Vec<u8> = (0..=255u8)
                    .map(|i| i.wrapping_mul(7))
                    .cycle()
                    .take(len)
                    .collect();
                let mut data = plain.clone();
                let (mut ive, mut ivd) = ([4u8; 16], [4u8; 16]);
                ctx.encrypt(&mut ive, &mut data).unwrap();
                ctx.decrypt(&mut ivd, &mut data).unwrap();
                assert_eq!(data, plain, "{alg:?} {len}");
                assert_eq!(ive, ivd, "{alg:?} {len}: same IV after encrypt and decrypt");
            }
        }
        let mut cbc = backend.cipher(Algorithm::CamelliaCbc, &[1; 24]).unwrap();
        let mut data = [0x33u8; 48];
        let mut iv = [0u8; 16];
        cbc.decrypt(&mut iv, &mut data).unwrap();
        assert_eq!(iv, [0x33; 16]);
    }

    #[test]
    fn fork_is_independent() {
        let backend = RustCryptoBackend;
        let mut a = backend.hash(Algorithm::Sha1Hmac, b"key").unwrap();
        a.update(b"common ").unwrap();
        let mut b = a.fork();
        a.update(b"left").unwrap();
        b.update(b"right").unwrap();
        let (mut oa, mut ob) = ([0u8; 20], [0u8; 20]);
        a.finish(&mut oa).unwrap();
        b.finish(&mut ob).unwrap();
        assert_ne!(oa, ob);
        let mut c = backend.hash(Algorithm::Sha1Hmac, b"key").unwrap();
        c.update(b"common right").unwrap();
        let mut oc = [0u8; 20];
        c.finish(&mut oc).unwrap();
        assert_eq!(ob, oc);
        assert_eq!(b.algorithm(), Algorithm::Sha1Hmac);
    }
}
