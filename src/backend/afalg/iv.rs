//! The chaining value a cipher call leaves behind, computed from the data.
//!
//! AF_ALG returns no IV: the kernel keeps the next IV inside the op socket and offers no way
//! to read it. The daemon needs it (COP_FLAG_WRITE_IV, and an `iv == NULL` call continues
//! from it), so it is derived here by each mode's rule, the same rules the RustCrypto
//! backend implements and the KAT table checks (see `soft/` and `kat/`):
//! - CBC: the last ciphertext block (the last *input* block when decrypting);
//! - CFB (full-block CFB128): the last *full* ciphertext block; a final partial block does
//!   not move the IV;
//! - CTR: the 128-bit big-endian counter plus `ceil(len / 16)` (a partial final block uses a
//!   whole counter value);
//! - OFB: the last keystream block produced, also when only part of it was used;
//! - XTS: the tweak, unchanged; ECB and NULL: no IV.
//!
//! The callers pad a partial final block of CTR, CFB and OFB with zeros before handing it to
//! the kernel (stream modes: the first bytes of the output do not depend on the padding), so
//! the OFB keystream block is whole in `input XOR output`.

use cryptodev_abi::Algorithm;

/// How a mode's next IV follows from a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IvRule {
    /// ECB, NULL: no IV.
    None,
    /// CBC: the last ciphertext block.
    LastCiphertext,
    /// CFB: the last full ciphertext block.
    LastFullCiphertext,
    /// CTR: the counter advanced by the blocks used.
    Counter,
    /// OFB: the last keystream block.
    Keystream,
    /// XTS: the tweak stays.
    Tweak,
}

impl IvRule {
    /// The rule of a cipher id (None for ids that are not ciphers).
    pub fn of(alg: Algorithm) -> IvRule {
        use Algorithm::*;
        match alg {
            DesCbc | TripleDesCbc | BlowfishCbc | Cast5Cbc | AesCbc | CamelliaCbc => {
                IvRule::LastCiphertext
            }
            AesCfb => IvRule::LastFullCiphertext,
            AesCtr => IvRule::Counter,
            AesOfb => IvRule::Keystream,
            AesXts => IvRule::Tweak,
            _ => IvRule::None,
        }
    }

    /// Whether a partial final block is padded to a whole one before it goes to the kernel.
    pub fn pads_tail(self) -> bool {
        matches!(
            self,
            IvRule::Counter | IvRule::Keystream | IvRule::LastFullCiphertext
        )
    }

    /// Whether the data of one call may be cut into several kernel requests, each started
    /// from the IV the previous one leaves (every mode but XTS, whose tweak does not chain).
    pub fn chains(self) -> bool {
        self != IvRule::Tweak
    }
}

/// 16 bytes read as a big-endian counter and advanced by `blocks`, modulo 2^128.
fn counter_add(iv: &mut [u8], blocks: u128) {
    if let Ok(bytes) = <[u8; 16]>::try_from(&*iv) {
        let next = u128::from_be_bytes(bytes).wrapping_add(blocks);
        iv.copy_from_slice(&next.to_be_bytes());
    }
}

/// Updates `iv` after one request. `input` and `output` are what went to the kernel and came
/// back (`len` bytes of data, padded to whole blocks for the padded modes); `encrypt` says
/// which of them is the ciphertext.
pub fn advance(
    rule: IvRule,
    iv: &mut [u8],
    input: &[u8],
    output: &[u8],
    len: usize,
    encrypt: bool,
) {
    let Some(block) = final_block(rule, iv.len(), len) else {
        return advance_from_blocks(rule, iv, len, &[], &[], encrypt);
    };
    if let (Some(i), Some(o)) = (input.get(block.clone()), output.get(block)) {
        advance_from_blocks(rule, iv, len, i, o, encrypt);
    }
}

/// Where in a request of `len` bytes (padded for the padded modes) lies the one block the
/// next IV is taken from, for an IV of `iv_len` bytes; `None` if the rule needs no data.
pub fn final_block(rule: IvRule, iv_len: usize, len: usize) -> Option<std::ops::Range<usize>> {
    let bs = iv_len;
    let end = match rule {
        IvRule::LastCiphertext | IvRule::LastFullCiphertext => len - len % bs.max(1),
        IvRule::Keystream => len.div_ceil(bs.max(1)) * bs,
        IvRule::None | IvRule::Tweak | IvRule::Counter => return None,
    };
    (bs > 0 && end >= bs).then(|| end - bs..end)
}

/// [`advance`] from the request's [`final_block`] of input and of output alone, for callers
/// whose output replaced the input in place.
pub fn advance_from_blocks(
    rule: IvRule,
    iv: &mut [u8],
    len: usize,
    input_block: &[u8],
    output_block: &[u8],
    encrypt: bool,
) {
    let bs = iv.len();
    if bs == 0 || len == 0 {
        return;
    }
    match rule {
        IvRule::None | IvRule::Tweak => {}
        IvRule::LastCiphertext | IvRule::LastFullCiphertext => {
            let ciphertext = if encrypt { output_block } else { input_block };
            if ciphertext.len() == bs {
                iv.copy_from_slice(ciphertext);
            }
        }
        IvRule::Counter => {
            let blocks = len.div_ceil(16);
            counter_add(iv, u128::try_from(blocks).unwrap_or(u128::MAX));
        }
        IvRule::Keystream => {
            if input_block.len() == bs && output_block.len() == bs {
                for ((v, a), b) in iv.iter_mut().zip(input_block).zip(output_block) {
                    *v = a ^ b;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rules_per_algorithm() {
        assert_eq!(IvRule::of(Algorithm::AesCbc), IvRule::LastCiphertext);
        assert_eq!(IvRule::of(Algorithm::TripleDesCbc), IvRule::LastCiphertext);
        assert_eq!(IvRule::of(Algorithm::AesCfb), IvRule::LastFullCiphertext);
        assert_eq!(IvRule::of(Algorithm::AesCtr), IvRule::Counter);
        assert_eq!(IvRule::of(Algorithm::AesOfb), IvRule::Keystream);
        assert_eq!(IvRule::of(Algorithm::AesXts), IvRule::Tweak);
        assert_eq!(IvRule::of(Algorithm::AesEcb), IvRule::None);
        assert_eq!(IvRule::of(Algorithm::Null), IvRule::None);
        assert!(!IvRule::Tweak.chains());
        assert!(IvRule::Counter.pads_tail() && !IvRule::LastCiphertext.pads_tail());
    }

    /// SP 800-38A F.2.1 (CBC-AES128) block 4 and F.5.1 (CTR) counters.
    #[test]
    fn cbc_and_ctr() {
        let pt = vec![0u8; 32];
        let ct = unhex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2");
        let mut iv = [0u8; 16];
        advance(IvRule::LastCiphertext, &mut iv, &pt, &ct, 32, true);
        assert_eq!(iv[..], ct[16..]);
        // Decrypting: the input is the ciphertext.
        let mut iv = [0u8; 16];
        advance(IvRule::LastCiphertext, &mut iv, &ct, &pt, 32, false);
        assert_eq!(iv[..], ct[16..]);
        // 8-byte blocks (DES).
        let mut iv = [0u8; 8];
        advance(IvRule::LastCiphertext, &mut iv, &pt, &ct, 24, true);
        assert_eq!(iv[..], ct[16..24]);

        let mut iv = unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        advance(IvRule::Counter, &mut iv, &[0; 48], &[0; 48], 33, true);
        assert_eq!(iv, unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdff02"));
        let mut iv = [0xffu8; 16];
        advance(IvRule::Counter, &mut iv, &[0; 16], &[0; 16], 1, false);
        assert_eq!(iv, [0u8; 16], "wraps at 2^128");
    }

    #[test]
    fn cfb_keeps_iv_across_partial_block() {
        let ct: Vec<u8> = (0u8..48).collect();
        let mut iv = [9u8; 16];
        advance(IvRule::LastFullCiphertext, &mut iv, &[0; 48], &ct, 20, true);
        assert_eq!(iv[..], ct[..16], "20 bytes: the first (only full) block");
        let mut iv = [9u8; 16];
        advance(IvRule::LastFullCiphertext, &mut iv, &[0; 16], &ct, 15, true);
        assert_eq!(iv, [9u8; 16], "no full block: unchanged");
        let mut iv = [9u8; 16];
        advance(
            IvRule::LastFullCiphertext,
            &mut iv,
            &ct,
            &[0; 48],
            40,
            false,
        );
        assert_eq!(iv[..], ct[16..32]);
    }

    #[test]
    fn ofb_takes_the_whole_keystream_block() {
        let input = [0x0fu8; 32];
        let output = [0xf0u8; 32];
        let mut iv = [0u8; 16];
        advance(IvRule::Keystream, &mut iv, &input, &output, 20, true);
        assert_eq!(iv, [0xffu8; 16]);
    }

    #[test]
    fn tweak_none_and_empty_leave_the_iv() {
        for rule in [IvRule::Tweak, IvRule::None, IvRule::Counter] {
            let mut iv = [3u8; 16];
            let len = if rule == IvRule::Counter { 0 } else { 32 };
            advance(rule, &mut iv, &[1; 32], &[2; 32], len, true);
            assert_eq!(iv, [3u8; 16], "{rule:?}");
        }
    }
}
