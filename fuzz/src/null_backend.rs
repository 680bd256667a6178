//! A backend without cryptography, so that executions spend their time in the transport and the
//! handlers rather than in ciphers.
//!
//! It supports exactly the algorithms of the RustCrypto backend and keeps every rule of the
//! [`Backend`] traits that the handlers rely on: IV sizes, whole blocks for block modes, the IV
//! left behind per mode (CBC: last ciphertext block; CTR: counter plus the blocks used, a
//! partial block included; CFB: last full ciphertext block; OFB: last keystream block; XTS:
//! unchanged; ECB and NULL: none), persistent AEAD tag lengths from the kernel's sets, CCM's IV
//! format and length limit, and AEAD decryption that refuses a wrong tag (`BadTag`) or a tag of
//! the wrong length. The "block cipher" is a key XOR followed by a byte reversal: invertible,
//! position dependent, and far cheaper than the real thing.
//!
//! Keys made only of [`WEAK_KEY_BYTE`] are refused, standing in for the weak keys a real
//! transform rejects, so the handlers' path for a refused key is reachable.

use cryptodev_abi::{AlgKind, Algorithm};
use cryptodev_cuse::backend::soft::RustCryptoBackend;
use cryptodev_cuse::backend::{
    AeadContext, Backend, BackendError, CipherContext, DriverInfo, HashContext,
};

use crate::rng::mix;

/// Every key made only of this byte is refused as weak.
pub const WEAK_KEY_BYTE: u8 = 0xa5;

/// The no-crypto backend (stateless).
#[derive(Clone, Copy, Debug, Default)]
pub struct NullBackend;

fn weak(key: &[u8]) -> bool {
    !key.is_empty() && key.iter().all(|&b| b == WEAK_KEY_BYTE)
}

fn driver_info(alg: Algorithm) -> DriverInfo {
    let name = alg.kernel_name().unwrap_or("unknown");
    DriverInfo {
        name: name.to_owned(),
        driver: format!("{name}-null"),
        // Half of the algorithms claim hardware so CIOCGSESSINFO's flag is exercised both ways.
        hardware: alg.id() % 2 == 1,
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn fnv(mut state: u64, data: &[u8]) -> u64 {
    for &b in data {
        state = (state ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    state
}

/// Fills `out` with bytes derived from `seed`.
fn expand(seed: u64, out: &mut [u8]) {
    let mut x = seed;
    for chunk in out.chunks_mut(8) {
        x = mix(x);
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
}

fn xor_into(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s;
    }
}

/// The stand-in block cipher: XOR with a key-derived block, then reverse the bytes.
#[derive(Clone, Debug)]
struct Permutation {
    pad: Vec<u8>,
}

impl Permutation {
    fn new(key: &[u8], block: usize, salt: u8) -> Permutation {
        let pad = (0..block)
            .zip((0u8..=255).cycle())
            .map(|(j, position)| {
                let k = if key.is_empty() {
                    0
                } else {
                    key[j % key.len()]
                };
                k ^ position.wrapping_mul(0x1f) ^ salt
            })
            .collect();
        Permutation { pad }
    }

    fn encrypt(&self, block: &mut [u8]) {
        xor_into(block, &self.pad);
        block.reverse();
    }

    fn decrypt(&self, block: &mut [u8]) {
        block.reverse();
        xor_into(block, &self.pad);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Cbc,
    Ecb,
    Ctr,
    Cfb,
    Ofb,
    Xts,
    Identity,
}

fn mode_of(alg: Algorithm) -> Option<Mode> {
    use Algorithm::*;
    Some(match alg {
        DesCbc | TripleDesCbc | BlowfishCbc | Cast5Cbc | AesCbc | CamelliaCbc => Mode::Cbc,
        AesEcb => Mode::Ecb,
        AesCtr => Mode::Ctr,
        AesCfb => Mode::Cfb,
        AesOfb => Mode::Ofb,
        AesXts => Mode::Xts,
        Null => Mode::Identity,
        _ => return None,
    })
}

/// The width of the stream modes' and XTS's internal block.
const WIDE: usize = 16;

struct NullCipher {
    alg: Algorithm,
    mode: Mode,
    block: usize,
    data: Permutation,
    tweak: Permutation,
}

impl NullCipher {
    fn check(&self, iv: &[u8], data: &[u8]) -> Result<(), BackendError> {
        let alg = self.alg;
        let expected = alg.iv_size() as usize;
        if !matches!(self.mode, Mode::Ecb | Mode::Identity) && iv.len() != expected {
            return Err(BackendError::BadIv {
                alg,
                expected,
                len: iv.len(),
            });
        }
        let whole_blocks = matches!(self.mode, Mode::Cbc | Mode::Ecb | Mode::Xts);
        let len = data.len();
        if (whole_blocks && !len.is_multiple_of(self.block))
            || (self.mode == Mode::Xts && len < WIDE)
        {
            return Err(BackendError::BadLength { alg, len });
        }
        Ok(())
    }

    fn keystream_block(&self, input: &[u8]) -> [u8; WIDE] {
        let mut block = [0u8; WIDE];
        block.copy_from_slice(input);
        self.data.encrypt(&mut block);
        block
    }

    fn run(&self, iv: &mut [u8], data: &mut [u8], encrypt: bool) -> Result<(), BackendError> {
        self.check(iv, data)?;
        match self.mode {
            Mode::Identity => {}
            Mode::Ecb => {
                for block in data.chunks_exact_mut(self.block) {
                    if encrypt {
                        self.data.encrypt(block);
                    } else {
                        self.data.decrypt(block);
                    }
                }
            }
            Mode::Cbc => {
                let mut previous = iv.to_vec();
                for block in data.chunks_exact_mut(self.block) {
                    if encrypt {
                        xor_into(block, &previous);
                        self.data.encrypt(block);
                        previous.copy_from_slice(block);
                    } else {
                        let input = block.to_vec();
                        self.data.decrypt(block);
                        xor_into(block, &previous);
                        previous = input;
                    }
                }
                iv.copy_from_slice(&previous);
            }
            Mode::Ctr => {
                let mut counter = u128::from_be_bytes(iv.try_into().unwrap_or_default());
                for chunk in data.chunks_mut(WIDE) {
                    xor_into(chunk, &self.keystream_block(&counter.to_be_bytes()));
                    counter = counter.wrapping_add(1);
                }
                iv.copy_from_slice(&counter.to_be_bytes());
            }
            Mode::Cfb => {
                let mut current = [0u8; WIDE];
                current.copy_from_slice(iv);
                for chunk in data.chunks_mut(WIDE) {
                    let keystream = self.keystream_block(&current);
                    let full = chunk.len() == WIDE;
                    if full && !encrypt {
                        current.copy_from_slice(chunk);
                    }
                    xor_into(chunk, &keystream);
                    if full && encrypt {
                        current.copy_from_slice(chunk);
                    }
                }
                iv.copy_from_slice(&current);
            }
            Mode::Ofb => {
                let mut keystream = [0u8; WIDE];
                keystream.copy_from_slice(iv);
                for chunk in data.chunks_mut(WIDE) {
                    keystream = self.keystream_block(&keystream);
                    xor_into(chunk, &keystream);
                }
                iv.copy_from_slice(&keystream);
            }
            Mode::Xts => {
                let mut tweak = [0u8; WIDE];
                tweak.copy_from_slice(iv);
                self.tweak.encrypt(&mut tweak);
                for block in data.chunks_exact_mut(WIDE) {
                    xor_into(block, &tweak);
                    if encrypt {
                        self.data.encrypt(block);
                    } else {
                        self.data.decrypt(block);
                    }
                    xor_into(block, &tweak);
                    tweak.rotate_left(1);
                    tweak[0] = tweak[0].wrapping_add(1);
                }
            }
        }
        Ok(())
    }
}

impl CipherContext for NullCipher {
    fn info(&self) -> DriverInfo {
        driver_info(self.alg)
    }

    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.run(iv, data, true)
    }

    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.run(iv, data, false)
    }
}

/// FNV-1a over everything absorbed, expanded to the digest size.
#[derive(Clone, Debug)]
struct NullHash {
    alg: Algorithm,
    initial: u64,
    state: u64,
    absorbed: u64,
}

impl HashContext for NullHash {
    fn info(&self) -> DriverInfo {
        driver_info(self.alg)
    }

    fn algorithm(&self) -> Algorithm {
        self.alg
    }

    fn update(&mut self, data: &[u8]) -> Result<(), BackendError> {
        self.state = fnv(self.state, data);
        self.absorbed = self.absorbed.wrapping_add(data.len() as u64);
        Ok(())
    }

    fn finish(&mut self, out: &mut [u8]) -> Result<(), BackendError> {
        let digest = (self.alg.digest_size() as usize).min(out.len());
        expand(
            self.state ^ self.absorbed.rotate_left(17),
            &mut out[..digest],
        );
        self.reset();
        Ok(())
    }

    fn reset(&mut self) {
        self.state = self.initial;
        self.absorbed = 0;
    }

    fn fork(&self) -> Box<dyn HashContext> {
        Box::new(self.clone())
    }
}

/// Tag lengths the kernel's `setauthsize` takes for `gcm(aes)` and `ccm(aes)`.
const GCM_TAG_LENS: [usize; 7] = [4, 8, 12, 13, 14, 15, 16];
const CCM_TAG_LENS: [usize; 7] = [4, 6, 8, 10, 12, 14, 16];

struct NullAead {
    alg: Algorithm,
    key_seed: u64,
    tag_len: usize,
}

impl NullAead {
    fn check_iv(&self, iv: &[u8], len: usize) -> Result<(), BackendError> {
        let alg = self.alg;
        let expected = alg.iv_size() as usize;
        if iv.len() != expected {
            return Err(BackendError::BadIv {
                alg,
                expected,
                len: iv.len(),
            });
        }
        if alg == Algorithm::AesCcm {
            let l_minus_1 = usize::from(iv[0]);
            if !(1..=7).contains(&l_minus_1) {
                return Err(BackendError::Failed(format!("CCM L - 1 of {l_minus_1}")));
            }
            let l = l_minus_1 + 1;
            if l < 8 && (len as u64) >> (8 * l) != 0 {
                return Err(BackendError::TooLong { alg, len });
            }
        }
        Ok(())
    }

    fn apply_keystream(&self, iv: &[u8], data: &mut [u8]) {
        let mut stream = vec![0u8; data.len()];
        expand(fnv(self.key_seed, iv), &mut stream);
        xor_into(data, &stream);
    }

    fn tag(&self, iv: &[u8], aad: &[u8], ciphertext: &[u8]) -> Vec<u8> {
        let mut state = fnv(self.key_seed ^ 0x7a67, iv);
        state = fnv(state, aad);
        state = fnv(state, &(aad.len() as u64).to_le_bytes());
        state = fnv(state, ciphertext);
        let mut tag = vec![0u8; self.tag_len];
        expand(state, &mut tag);
        tag
    }
}

impl AeadContext for NullAead {
    fn info(&self) -> DriverInfo {
        driver_info(self.alg)
    }

    fn tag_len(&self) -> usize {
        self.tag_len
    }

    fn set_tag_len(&mut self, len: usize) -> Result<(), BackendError> {
        let allowed: &[usize] = if self.alg == Algorithm::AesGcm {
            &GCM_TAG_LENS
        } else {
            &CCM_TAG_LENS
        };
        if !allowed.contains(&len) {
            return Err(BackendError::Failed(format!("tag length {len}")));
        }
        self.tag_len = len;
        Ok(())
    }

    fn encrypt(&mut self, iv: &[u8], aad: &[u8], data: &mut [u8]) -> Result<Vec<u8>, BackendError> {
        self.check_iv(iv, data.len())?;
        self.apply_keystream(iv, data);
        Ok(self.tag(iv, aad, data))
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
                "tag of {} bytes, tag length {}",
                tag.len(),
                self.tag_len
            )));
        }
        self.check_iv(iv, data.len())?;
        if self.tag(iv, aad, data) != tag {
            return Err(BackendError::BadTag);
        }
        self.apply_keystream(iv, data);
        Ok(())
    }
}

impl Backend for NullBackend {
    fn name(&self) -> &'static str {
        "null"
    }

    fn supports(&self, alg: Algorithm) -> bool {
        RustCryptoBackend.supports(alg)
    }

    fn cipher(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        let (Some(mode), AlgKind::Cipher { block, keys, .. }) = (mode_of(alg), alg.kind()) else {
            return Err(BackendError::Unsupported(alg));
        };
        let accepted = u32::try_from(key.len()).is_ok_and(|len| keys.accepts(len));
        if !accepted || weak(key) {
            return Err(BackendError::BadKey(alg));
        }
        let (block, data_key, tweak_key) = match mode {
            Mode::Xts => {
                let (data, tweak) = key.split_at(key.len() / 2);
                (WIDE, data, tweak)
            }
            Mode::Ctr | Mode::Cfb | Mode::Ofb => (WIDE, key, key),
            _ => (block as usize, key, key),
        };
        Ok(Box::new(NullCipher {
            alg,
            mode,
            block,
            data: Permutation::new(data_key, block, 0),
            tweak: Permutation::new(tweak_key, WIDE, 0x5c),
        }))
    }

    fn hash(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn HashContext>, BackendError> {
        if !self.supports(alg) {
            return Err(BackendError::Unsupported(alg));
        }
        let key: &[u8] = match alg.kind() {
            AlgKind::Hash { .. } => &[],
            AlgKind::Hmac { .. } => key,
            _ => return Err(BackendError::Unsupported(alg)),
        };
        let initial = fnv(FNV_OFFSET ^ u64::from(alg.id()), key);
        Ok(Box::new(NullHash {
            alg,
            initial,
            state: initial,
            absorbed: 0,
        }))
    }

    fn aead(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn AeadContext>, BackendError> {
        if !matches!(alg, Algorithm::AesGcm | Algorithm::AesCcm) {
            return Err(BackendError::Unsupported(alg));
        }
        if ![16, 24, 32].contains(&key.len()) || weak(key) {
            return Err(BackendError::BadKey(alg));
        }
        Ok(Box::new(NullAead {
            alg,
            key_seed: fnv(FNV_OFFSET, key),
            tag_len: 16,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_for(alg: Algorithm) -> Vec<u8> {
        let len = match alg.kind() {
            AlgKind::Cipher {
                keys: cryptodev_abi::KeyLengths::OneOf(lens),
                ..
            } => lens[0],
            AlgKind::Cipher {
                keys: cryptodev_abi::KeyLengths::Range { min, .. },
                ..
            } => min,
            _ => 16,
        };
        (1..=len).map(|i| i.to_le_bytes()[0]).collect()
    }

    /// One call over 64 bytes leaves the same data and IV as two calls of 32 chained through
    /// the IV, and decryption undoes encryption: the chaining rules hold for every mode.
    #[test]
    fn every_cipher_chains_and_inverts() {
        for &alg in Algorithm::ALL {
            if !NullBackend.supports(alg) || !matches!(alg.kind(), AlgKind::Cipher { .. }) {
                continue;
            }
            let key = key_for(alg);
            let mut ctx = NullBackend.cipher(alg, &key).unwrap();
            let plain: Vec<u8> = (0..64u8).collect();
            let start: Vec<u8> = (0..alg.iv_size())
                .map(|i| i.to_le_bytes()[0] ^ 0x33)
                .collect();

            let mut whole = plain.clone();
            let mut iv_whole = start.clone();
            ctx.encrypt(&mut iv_whole, &mut whole).unwrap();

            let mut split = plain.clone();
            let mut iv_split = start.clone();
            let (a, b) = split.split_at_mut(32);
            ctx.encrypt(&mut iv_split, a).unwrap();
            if alg == Algorithm::AesXts {
                // XTS does not chain: each call is one data unit under the given tweak.
                assert_eq!(iv_split, start);
            } else {
                ctx.encrypt(&mut iv_split, b).unwrap();
                assert_eq!(split, whole, "{alg:?}");
                assert_eq!(iv_split, iv_whole, "{alg:?}");
            }
            if alg != Algorithm::Null {
                assert_ne!(whole, plain, "{alg:?} changes the data");
            }

            let mut iv = start.clone();
            ctx.decrypt(&mut iv, &mut whole).unwrap();
            assert_eq!(whole, plain, "{alg:?} decrypts");
        }
    }

    #[test]
    fn lengths_ivs_and_weak_keys_are_refused() {
        let aes = NullBackend.cipher(Algorithm::AesCbc, &[1; 16]);
        let mut aes = aes.unwrap();
        assert!(matches!(
            aes.encrypt(&mut [0; 16], &mut [0; 15]),
            Err(BackendError::BadLength { .. })
        ));
        assert!(matches!(
            aes.encrypt(&mut [0; 8], &mut [0; 16]),
            Err(BackendError::BadIv { .. })
        ));
        assert!(matches!(
            NullBackend.cipher(Algorithm::AesCbc, &[WEAK_KEY_BYTE; 16]),
            Err(BackendError::BadKey(_))
        ));
        let mut xts = NullBackend.cipher(Algorithm::AesXts, &[2; 32]).unwrap();
        assert!(xts.encrypt(&mut [0; 16], &mut []).is_err());
    }

    #[test]
    fn aead_refuses_wrong_tags_and_lengths() {
        let mut gcm = NullBackend.aead(Algorithm::AesGcm, &[3; 16]).unwrap();
        let iv = [9u8; 12];
        let mut data = *b"attack at dawn";
        let tag = gcm.encrypt(&iv, b"hdr", &mut data).unwrap();
        assert_eq!(tag.len(), 16);
        let mut copy = data;
        assert_eq!(
            gcm.decrypt(&iv, b"hdX", &mut copy, &tag),
            Err(BackendError::BadTag)
        );
        assert!(matches!(
            gcm.decrypt(&iv, b"hdr", &mut copy, &tag[..12]),
            Err(BackendError::Failed(_))
        ));
        gcm.decrypt(&iv, b"hdr", &mut data, &tag).unwrap();
        assert_eq!(&data, b"attack at dawn");
        assert!(gcm.set_tag_len(5).is_err());
        assert_eq!(gcm.tag_len(), 16);
        gcm.set_tag_len(12).unwrap();
        assert_eq!(gcm.encrypt(&iv, b"", &mut []).unwrap().len(), 12);

        let mut ccm = NullBackend.aead(Algorithm::AesCcm, &[4; 32]).unwrap();
        let mut iv = [0u8; 16];
        assert!(ccm.encrypt(&iv, b"", &mut [0; 4]).is_err(), "L - 1 of 0");
        iv[0] = 1;
        assert!(matches!(
            ccm.encrypt(&iv, b"", &mut vec![0; 1 << 16]),
            Err(BackendError::TooLong { .. })
        ));
    }

    #[test]
    fn hashes_fork_reset_and_finish_to_the_initial_state() {
        let mut hmac = NullBackend.hash(Algorithm::Sha256Hmac, b"key").unwrap();
        hmac.update(b"abc").unwrap();
        let fork = hmac.fork();
        let mut a = [0u8; 32];
        hmac.finish(&mut a).unwrap();
        let mut b = [0u8; 32];
        fork.fork().finish(&mut b).unwrap();
        assert_eq!(a, b);
        let mut again = [0u8; 32];
        hmac.update(b"abc").unwrap();
        hmac.finish(&mut again).unwrap();
        assert_eq!(a, again, "finish returned to the keyed initial state");
        let mut other = NullBackend.hash(Algorithm::Sha256Hmac, b"kez").unwrap();
        other.update(b"abc").unwrap();
        let mut c = [0u8; 32];
        other.finish(&mut c).unwrap();
        assert_ne!(a, c, "the key matters");
    }
}
