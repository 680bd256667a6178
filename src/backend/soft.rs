//! RustCrypto backend: every cipher and hash of the ABI table that has a maintained
//! RustCrypto crate, with the kernel's IV / chaining semantics.
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

use super::{Backend, BackendError, CipherContext, DriverInfo, HashContext};

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
        )
    }

    fn cipher(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        use Algorithm::*;
        let bad = BackendError::BadKey(alg);
        match alg {
            DesCbc => CbcCtx::<des::Des>::boxed(alg, key),
            TripleDesCbc => CbcCtx::<des::TdesEde3>::boxed(alg, key),
            BlowfishCbc => CbcCtx::<blowfish::Blowfish>::boxed(alg, key),
            Cast5Cbc => CbcCtx::<cast5::Cast5>::boxed(alg, key),
            AesCbc => match key.len() {
                16 => CbcCtx::<aes::Aes128>::boxed(alg, key),
                24 => CbcCtx::<aes::Aes192>::boxed(alg, key),
                32 => CbcCtx::<aes::Aes256>::boxed(alg, key),
                _ => Err(bad),
            },
            CamelliaCbc => match key.len() {
                16 => CbcCtx::<camellia::Camellia128>::boxed(alg, key),
                24 => CbcCtx::<camellia::Camellia192>::boxed(alg, key),
                32 => CbcCtx::<camellia::Camellia256>::boxed(alg, key),
                _ => Err(bad),
            },
            AesEcb => match key.len() {
                16 => EcbCtx::<aes::Aes128>::boxed(alg, key),
                24 => EcbCtx::<aes::Aes192>::boxed(alg, key),
                32 => EcbCtx::<aes::Aes256>::boxed(alg, key),
                _ => Err(bad),
            },
            AesCtr => match key.len() {
                16 => CtrCtx::<aes::Aes128>::boxed(alg, key),
                24 => CtrCtx::<aes::Aes192>::boxed(alg, key),
                32 => CtrCtx::<aes::Aes256>::boxed(alg, key),
                _ => Err(bad),
            },
            AesCfb => match key.len() {
                16 => CfbCtx::<aes::Aes128>::boxed(alg, key),
                24 => CfbCtx::<aes::Aes192>::boxed(alg, key),
                32 => CfbCtx::<aes::Aes256>::boxed(alg, key),
                _ => Err(bad),
            },
            AesOfb => match key.len() {
                16 => OfbCtx::<aes::Aes128>::boxed(alg, key),
                24 => OfbCtx::<aes::Aes192>::boxed(alg, key),
                32 => OfbCtx::<aes::Aes256>::boxed(alg, key),
                _ => Err(bad),
            },
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
    Array::try_from(iv).map_err(|_| {
        BackendError::Failed(format!(
            "{alg:?} needs a {}-byte IV, got {} bytes",
            N::USIZE,
            iv.len()
        ))
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

impl<C: SoftBlockCipher16> CipherContext for CtrCtx<C> {
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

impl<C: SoftBlockCipher16> CipherContext for OfbCtx<C> {
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
        if key.len() % 2 != 0 {
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

    fn update(&mut self, data: &[u8]) {
        Update::update(&mut self.state, data);
    }

    fn finish(&mut self, out: &mut [u8]) {
        let mut digest = self.state.finalize_fixed_reset();
        let n = out.len().min(digest.len());
        out[..n].copy_from_slice(&digest[..n]);
        digest.as_mut_slice().zeroize();
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
