//! The arithmetic of CIOCKEY with the BSD semantics (docs/ABI.md §13), as OpenSSL 1.0.2's
//! `eng_cryptodev` uses it.
//!
//! Every parameter but one is a big number written as `(crp_nbits + 7) / 8` **little-endian**
//! bytes, which is how the engine's `bn2crparam` converts its bignums and how BSD crypto(4)
//! drivers take them. The exception is DSA's digest (input 0 of DSA_SIGN and DSA_VERIFY): the
//! engine hands over the hash function's output untouched, so it is read as **big-endian**
//! bytes, as OpenSSL's own DSA reads it. The inputs come first, then the outputs, whose sizes
//! the caller picks through their `crp_nbits`:
//!
//! | op | inputs | outputs |
//! |---|---|---|
//! | MOD_EXP | a, p, m | a^p mod m |
//! | MOD_EXP_CRT | p, q, I, dmp1, dmq1, iqmp | I^d mod pq, by CRT |
//! | DSA_SIGN | dgst (big-endian), p, q, g, x | r, s |
//! | DSA_VERIFY | dgst (big-endian), p, q, g, y, r, s | none; status 0 = valid, 1 = invalid |
//! | DH_COMPUTE_KEY | x, y, p | y^x mod p |
//!
//! Arithmetic is RustCrypto's `crypto-bigint` ([`BoxedUint`], [`BoxedMontyForm`]):
//! Montgomery exponentiation, reduction and inversion are constant-time in the values (the
//! operand *sizes* are public: they are the lengths the client sent, high zero bytes dropped). Only odd moduli
//! have a Montgomery form; MOD_EXP and DH_COMPUTE_KEY with an even modulus m = 2^t·o take a
//! correct but **not constant-time** path: Montgomery modulo o, a plain power modulo 2^t,
//! recombined by CRT. MOD_EXP_CRT and DSA need odd p and q (primes) and refuse others.
//!
//! Everything here comes from untrusted clients, so nothing panics: wrong parameter counts, a
//! zero modulus, an operand or requested output above [`MAX_OPERAND_BITS`] and results that
//! do not fit their output are errors (the handler answers EINVAL); a DSA signature that is
//! malformed (r or s out of 1..q−1, even p or q) only verifies as invalid (status 1).
//!
//! DSA: the digest becomes an integer as in OpenSSL's `dsa_ossl.c` (FIPS 186-4 §4.6): its
//! first ⌈N/8⌉ bytes when it is longer, N being q's bit length, then reduced mod q. k is
//! uniform in [1, q−1] from the OS generator (`getrandom`); signing retries on r = 0 or s = 0
//! a bounded number of times. Secrets and results are wiped when dropped ([`Zeroizing`]);
//! intermediate values inside the big-number crate are not.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, ConcatenatingMul, NonZero, Odd, RandomMod, Resize};
use cryptodev_abi::consts::{
    CRF_DH_COMPUTE_KEY, CRF_DSA_SIGN, CRF_DSA_VERIFY, CRF_MOD_EXP, CRF_MOD_EXP_CRT,
};
use cryptodev_abi::KeyOp;
use zeroize::Zeroizing;

/// The largest operand, modulus or requested output, in bits.
pub const MAX_OPERAND_BITS: u32 = 8192;

/// How many (k, r, s) draws DSA_SIGN makes before giving up. With DSA parameters r = 0 or
/// s = 0 has probability about 2/q per draw; repeated zeros mean the parameters are bogus.
const DSA_SIGN_ATTEMPTS: u32 = 64;

/// Why CIOCKEY refused an operation (the handler answers EINVAL).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AsymError {
    /// An input has more than [`MAX_OPERAND_BITS`] significant bits, or an output asks for
    /// more.
    #[error("operand of more than {MAX_OPERAND_BITS} bits")]
    TooLarge,
    /// The numbers of inputs and outputs are not those of the operation.
    #[error("{op:?} takes {want_in} inputs and {want_out} outputs, got {got_in} and {got_out}")]
    WrongParameterCount {
        op: KeyOp,
        want_in: usize,
        want_out: usize,
        got_in: usize,
        got_out: usize,
    },
    /// A result needs more bits than its output's `crp_nbits`.
    #[error("result of {needed} bits does not fit an output of {bits} bits")]
    OutputTooSmall { needed: u32, bits: u32 },
    /// The parameters make no sense for the operation (zero or even modulus, out of range).
    #[error("invalid parameters: {0}")]
    Invalid(&'static str),
    /// The operating system's random number generator failed.
    #[error("random number generator failure")]
    Random,
}

/// The outputs of one operation and the `crk_status` to report.
#[derive(Debug)]
pub struct AsymResult {
    /// One per output, each exactly `(bits + 7) / 8` little-endian bytes.
    pub outputs: Vec<Zeroizing<Vec<u8>>>,
    /// 0, except DSA_VERIFY of an invalid signature: 1.
    pub status: u32,
}

/// The CIOCASYMFEAT mask of the operations [`run`] implements.
pub fn features() -> u32 {
    CRF_MOD_EXP | CRF_MOD_EXP_CRT | CRF_DSA_SIGN | CRF_DSA_VERIFY | CRF_DH_COMPUTE_KEY
}

/// Runs one CIOCKEY operation.
///
/// `inputs`: the input parameters' bytes, little-endian numbers except DSA's digest (raw
/// big-endian hash bytes); `output_bits`: crp_nbits of each output. Each output is returned as
/// exactly (bits+7)/8 little-endian bytes (zero-extended); a result that does not fit is an
/// error.
pub fn run(op: KeyOp, inputs: &[&[u8]], output_bits: &[u32]) -> Result<AsymResult, AsymError> {
    let (want_in, want_out) = op.param_counts();
    let (want_in, want_out) = (usize::from(want_in), usize::from(want_out));
    if inputs.len() != want_in || output_bits.len() != want_out {
        return Err(AsymError::WrongParameterCount {
            op,
            want_in,
            want_out,
            got_in: inputs.len(),
            got_out: output_bits.len(),
        });
    }
    if output_bits.iter().any(|&bits| bits > MAX_OPERAND_BITS) {
        return Err(AsymError::TooLarge);
    }
    // DSA's digest stays bytes until q is known: which of them count depends on q's length.
    let (digest, numbers): (&[u8], &[&[u8]]) = match (op, inputs) {
        (KeyOp::DsaSign | KeyOp::DsaVerify, [digest, numbers @ ..]) => {
            (check_digest(digest)?, numbers)
        }
        _ => (&[], inputs),
    };
    let n = numbers
        .iter()
        .map(|bytes| parse(bytes))
        .collect::<Result<Vec<_>, _>>()?;
    let (results, status) = match op {
        KeyOp::ModExp => (vec![mod_exp(&n[0], &n[1], &n[2])?], 0),
        KeyOp::ModExpCrt => (
            vec![mod_exp_crt(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5])?],
            0,
        ),
        KeyOp::DsaSign => {
            let (r, s) = dsa_sign(digest, &n[0], &n[1], &n[2], &n[3])?;
            (vec![r, s], 0)
        }
        KeyOp::DsaVerify => {
            let valid = dsa_verify(digest, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5])?;
            (Vec::new(), u32::from(!valid))
        }
        KeyOp::DhComputeKey => (vec![mod_exp(&n[1], &n[0], &n[2])?], 0),
    };
    let outputs = results
        .iter()
        .zip(output_bits)
        .map(|(value, &bits)| encode(value, bits))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AsymResult { outputs, status })
}

/// A secret-bearing number, wiped on drop.
type Num = Zeroizing<BoxedUint>;

/// The smallest precision used (one 64-bit limb, whatever the platform's limb size).
const MIN_PRECISION: u32 = 64;

/// [`AsymError::TooLarge`] unless a number of `len` significant bytes, the most significant
/// being `top` (non-zero), has at most [`MAX_OPERAND_BITS`] bits.
fn check_width(len: usize, top: u8) -> Result<(), AsymError> {
    let bits = len
        .checked_sub(1)
        .and_then(|l| l.checked_mul(8))
        .and_then(|b| b.checked_add(8 - top.leading_zeros() as usize))
        .ok_or(AsymError::TooLarge)?;
    if bits > MAX_OPERAND_BITS as usize {
        return Err(AsymError::TooLarge);
    }
    Ok(())
}

/// The precision for a number of `len` bytes: whole limbs, at least [`MIN_PRECISION`] (the
/// length is public: it is what the client sent).
fn precision_for(len: usize) -> Result<u32, AsymError> {
    len.checked_mul(8)
        .and_then(|bits| u32::try_from(bits).ok())
        .map(|bits| bits.max(MIN_PRECISION))
        .ok_or(AsymError::TooLarge)
}

/// Reads a little-endian number, dropping high zero bytes; more than [`MAX_OPERAND_BITS`]
/// significant bits is [`AsymError::TooLarge`].
fn parse(le: &[u8]) -> Result<Num, AsymError> {
    let len = le.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let significant = &le[..len];
    if let Some(&top) = significant.last() {
        check_width(len, top)?;
    }
    BoxedUint::from_le_slice(significant, precision_for(len)?)
        .map(Zeroizing::new)
        .map_err(|_| AsymError::Invalid("undecodable number"))
}

/// DSA's digest, big-endian, under the same size limit as the numbers. Leading zero bytes stay:
/// they count when the digest is cut to q's length.
fn check_digest(be: &[u8]) -> Result<&[u8], AsymError> {
    if let Some(start) = be.iter().position(|&b| b != 0) {
        check_width(be.len() - start, be[start])?;
    }
    Ok(be)
}

/// The integer DSA signs for `digest`, not yet reduced mod q. OpenSSL's `dsa_ossl.c` cuts a
/// digest longer than q to q's byte length before reading it big-endian (FIPS 186-4 §4.6 takes
/// the leftmost N bits; bytes give the same for the standard N of 160, 224 and 256), and a
/// signature must verify in OpenSSL either way.
fn dsa_digest(digest: &[u8], q: &Odd<BoxedUint>) -> Result<Num, AsymError> {
    let q_bytes =
        usize::try_from(q.as_ref().bit_width().div_ceil(8)).map_err(|_| AsymError::TooLarge)?;
    let leftmost = &digest[..digest.len().min(q_bytes)];
    BoxedUint::from_be_slice(leftmost, precision_for(leftmost.len())?)
        .map(Zeroizing::new)
        .map_err(|_| AsymError::Invalid("undecodable digest"))
}

/// `value` as exactly `(bits + 7) / 8` little-endian bytes.
fn encode(value: &BoxedUint, bits: u32) -> Result<Zeroizing<Vec<u8>>, AsymError> {
    let needed = value.bit_width();
    if needed > bits {
        return Err(AsymError::OutputTooSmall { needed, bits });
    }
    let len = usize::try_from(bits.div_ceil(8)).map_err(|_| AsymError::TooLarge)?;
    let le = Zeroizing::new(value.to_le_bytes());
    let mut out = Zeroizing::new(vec![0u8; len]);
    let n = len.min(le.len());
    out[..n].copy_from_slice(&le[..n]);
    Ok(out)
}

fn is_zero(x: &BoxedUint) -> bool {
    x.is_zero().to_bool()
}

fn is_one(x: &BoxedUint) -> bool {
    x.is_one().to_bool()
}

/// `m` as a Montgomery modulus: zero is an error, even is `None`.
fn odd_modulus(m: &BoxedUint) -> Result<Option<Odd<BoxedUint>>, AsymError> {
    if is_zero(m) {
        return Err(AsymError::Invalid("zero modulus"));
    }
    Ok(Odd::new(m.clone()).into_option())
}

/// `x mod m` at `m`'s precision (constant-time in `x` and `m`).
fn reduce(x: &BoxedUint, m: &NonZero<BoxedUint>) -> Num {
    Zeroizing::new(x.rem(m))
}

/// `x` in Montgomery form modulo `params`, reduced first.
fn monty(x: &BoxedUint, params: &BoxedMontyParams) -> Zeroizing<BoxedMontyForm> {
    let reduced = reduce(x, params.modulus().as_nz_ref());
    Zeroizing::new(BoxedMontyForm::new((*reduced).clone(), params))
}

/// `base^exp mod m` for odd `m`, constant-time in all three values.
fn pow_odd(base: &BoxedUint, exp: &BoxedUint, m: &Odd<BoxedUint>) -> Num {
    let params = BoxedMontyParams::new(m.clone());
    Zeroizing::new(monty(base, &params).pow(exp).retrieve())
}

/// `base^exp mod m` for any non-zero `m`.
fn mod_exp(base: &BoxedUint, exp: &BoxedUint, m: &BoxedUint) -> Result<Num, AsymError> {
    Ok(match odd_modulus(m)? {
        Some(odd) => pow_odd(base, exp, &odd),
        None => pow_even(base, exp, m),
    })
}

/// `base^exp mod m` for even non-zero `m` = 2^t·o (o odd). **Not constant-time**: the split
/// of `m` and the recombination branch on `m`; the powers themselves are the constant-time
/// Montgomery power modulo o and a wrapping power modulo 2^precision.
fn pow_even(base: &BoxedUint, exp: &BoxedUint, m: &BoxedUint) -> Num {
    let precision = m.bits_precision();
    let t = m.trailing_zeros_vartime();
    let o = m.wrapping_shr_vartime(t);
    // x1 = base^exp mod o (0 when o = 1).
    let x1 = match Odd::new(o.clone()).into_option() {
        Some(odd) if !is_one(&o) => pow_odd(base, exp, &odd),
        _ => Zeroizing::new(BoxedUint::zero_with_precision(precision)),
    };
    // x2 = base^exp mod 2^t, from the low limbs of base (enough: t < precision).
    let low = Zeroizing::new(base.resize_unchecked(precision));
    let x2 = Zeroizing::new(low_bits(&low.wrapping_pow(exp), t));
    // y = (x2 - x1) · o^-1 mod 2^t; result = x1 + o·y < o·2^t = m.
    let (o_inv, _) = o.invert_mod2k_vartime(t);
    let diff = Zeroizing::new(x2.wrapping_sub(&*x1));
    let y = Zeroizing::new(low_bits(&diff.wrapping_mul(&o_inv), t));
    Zeroizing::new(o.wrapping_mul(&*y).wrapping_add(&*x1))
}

/// `x mod 2^t` (t < precision of `x`).
fn low_bits(x: &BoxedUint, t: u32) -> BoxedUint {
    let shift = x.bits_precision().saturating_sub(t);
    x.wrapping_shl_vartime(shift).wrapping_shr_vartime(shift)
}

/// `I^d mod pq` from the CRT form of the key (iqmp = q^-1 mod p).
fn mod_exp_crt(
    p: &BoxedUint,
    q: &BoxedUint,
    input: &BoxedUint,
    dmp1: &BoxedUint,
    dmq1: &BoxedUint,
    iqmp: &BoxedUint,
) -> Result<Num, AsymError> {
    let not_odd = AsymError::Invalid("CRT primes must be odd");
    let p = odd_modulus(p)?.ok_or(not_odd)?;
    let q = odd_modulus(q)?.ok_or(AsymError::Invalid("CRT primes must be odd"))?;
    let m1 = pow_odd(input, dmp1, &p);
    let m2 = pow_odd(input, dmq1, &q);
    // h = (m1 - m2) · iqmp mod p, all in Montgomery form modulo p.
    let params_p = BoxedMontyParams::new(p.clone());
    let h = Zeroizing::new(
        monty(&m1, &params_p)
            .sub(&monty(&m2, &params_p))
            .mul(&monty(iqmp, &params_p))
            .retrieve(),
    );
    // result = m2 + h·q < pq.
    let hq = Zeroizing::new(h.concatenating_mul(q.as_ref()));
    let m2_wide = Zeroizing::new((&*m2).resize_unchecked(hq.bits_precision()));
    Ok(Zeroizing::new(hq.wrapping_add(&*m2_wide)))
}

/// Checked DSA domain parameters.
struct DsaDomain {
    p: Odd<BoxedUint>,
    q: Odd<BoxedUint>,
}

impl DsaDomain {
    /// `p` and `q` non-zero and odd, `q < p`. `Ok(None)` for even ones (which cannot be DSA
    /// parameters).
    fn new(p: &BoxedUint, q: &BoxedUint) -> Result<Option<Self>, AsymError> {
        let (p, q) = (odd_modulus(p)?, odd_modulus(q)?);
        Ok(match (p, q) {
            (Some(p), Some(q)) if q.as_ref() < p.as_ref() => Some(Self { p, q }),
            _ => None,
        })
    }
}

/// `0 < x < bound`.
fn in_open_range(x: &BoxedUint, bound: &BoxedUint) -> bool {
    !is_zero(x) && x < bound
}

/// A DSA signature (r, s) of the big-endian `digest` with private key `x`.
fn dsa_sign(
    digest: &[u8],
    p: &BoxedUint,
    q: &BoxedUint,
    g: &BoxedUint,
    x: &BoxedUint,
) -> Result<(Num, Num), AsymError> {
    let Some(domain) = DsaDomain::new(p, q)? else {
        return Err(AsymError::Invalid("DSA p and q must be odd with q < p"));
    };
    let (p, q) = (&domain.p, &domain.q);
    let one = BoxedUint::one();
    if !(g > &one && g < p.as_ref()) {
        return Err(AsymError::Invalid("DSA g out of 2..p-1"));
    }
    if !in_open_range(x, q) {
        return Err(AsymError::Invalid("DSA private key out of 1..q-1"));
    }
    let q_minus_1 = NonZero::new(q.as_ref().wrapping_sub(&one))
        .into_option()
        .ok_or(AsymError::Invalid("DSA q too small"))?;
    let params_p = BoxedMontyParams::new(p.clone());
    let params_q = BoxedMontyParams::new(q.clone());
    let g = monty(g, &params_p);
    let z = dsa_digest(digest, q)?;
    let z = monty(&z, &params_q);
    let x = monty(x, &params_q);
    for _ in 0..DSA_SIGN_ATTEMPTS {
        // k uniform in [1, q-1].
        let k = BoxedUint::try_random_mod_vartime(&mut getrandom::SysRng, &q_minus_1)
            .map_err(|_| AsymError::Random)?;
        let k = Zeroizing::new(k.wrapping_add(&one));
        // r = (g^k mod p) mod q
        let gk = Zeroizing::new(g.pow(&k).retrieve());
        let r = reduce(&gk, q.as_nz_ref());
        if is_zero(&r) {
            continue;
        }
        // s = k^-1 (z + x·r) mod q
        let Some(k_inv) = monty(&k, &params_q).invert().into_option() else {
            continue; // q not prime
        };
        let k_inv = Zeroizing::new(k_inv);
        let r_m = monty(&r, &params_q);
        let s = Zeroizing::new(k_inv.mul(&z.add(&x.mul(&r_m))).retrieve());
        if is_zero(&s) {
            continue;
        }
        return Ok((r, s));
    }
    Err(AsymError::Invalid(
        "no DSA signature found: bogus parameters",
    ))
}

/// Whether (r, s) is a valid DSA signature of the big-endian `digest` under public key `y`.
/// Out-of-range signatures and even p or q verify as invalid; a zero modulus is an error.
fn dsa_verify(
    digest: &[u8],
    p: &BoxedUint,
    q: &BoxedUint,
    g: &BoxedUint,
    y: &BoxedUint,
    r: &BoxedUint,
    s: &BoxedUint,
) -> Result<bool, AsymError> {
    let Some(domain) = DsaDomain::new(p, q)? else {
        return Ok(false);
    };
    let (p, q) = (&domain.p, &domain.q);
    if !in_open_range(r, q) || !in_open_range(s, q) {
        return Ok(false);
    }
    let params_p = BoxedMontyParams::new(p.clone());
    let params_q = BoxedMontyParams::new(q.clone());
    let Some(w) = monty(s, &params_q).invert().into_option() else {
        return Ok(false); // q not prime
    };
    let z = dsa_digest(digest, q)?;
    let u1 = w.mul(&monty(&z, &params_q)).retrieve();
    let u2 = w.mul(&monty(r, &params_q)).retrieve();
    let v = monty(g, &params_p)
        .pow(&u1)
        .mul(&monty(y, &params_p).pow(&u2))
        .retrieve();
    let v = reduce(&v, q.as_nz_ref());
    Ok(v.cmp_vartime(r).is_eq())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes a hex string spells, in order: how a digest is written and how OpenSSL
    /// prints numbers (big-endian).
    fn be(hex: &str) -> Vec<u8> {
        let hex: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
        let hex = if hex.len() % 2 == 1 {
            format!("0{hex}")
        } else {
            hex
        };
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Little-endian bytes of a big-endian hex string: a number as CIOCKEY takes it.
    fn le(hex: &str) -> Vec<u8> {
        let mut v = be(hex);
        v.reverse();
        v
    }

    fn le_u(v: u128) -> Vec<u8> {
        v.to_le_bytes().to_vec()
    }

    /// Drops high zero bytes, for comparing numbers of different widths.
    fn trim(v: &[u8]) -> &[u8] {
        &v[..v.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1)]
    }

    fn one_output(op: KeyOp, inputs: &[&[u8]], bits: u32) -> Vec<u8> {
        let r = run(op, inputs, &[bits]).unwrap();
        assert_eq!(r.status, 0);
        assert_eq!(r.outputs.len(), 1);
        assert_eq!(
            r.outputs[0].len(),
            usize::try_from(bits.div_ceil(8)).unwrap()
        );
        r.outputs[0].to_vec()
    }

    fn mod_exp_u(a: u128, p: u128, m: u128) -> u128 {
        let out = one_output(KeyOp::ModExp, &[&le_u(a), &le_u(p), &le_u(m)], 128);
        u128::from_le_bytes(out.try_into().unwrap())
    }

    /// Square-and-multiply on u128 (moduli below 2^64), the reference for small values.
    fn reference_pow(a: u128, mut p: u128, m: u128) -> u128 {
        let mut base = a % m;
        let mut acc = 1 % m;
        while p > 0 {
            if p & 1 == 1 {
                acc = acc * base % m;
            }
            base = base * base % m;
            p >>= 1;
        }
        acc
    }

    /// A small deterministic generator for the tests (xorshift64*).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next().to_le_bytes()[3]).collect()
        }
    }

    #[test]
    fn features_cover_every_operation() {
        let all = KeyOp::ALL
            .iter()
            .fold(0, |mask, op| mask | op.feature_bit());
        assert_eq!(features(), all);
        assert_eq!(features(), 0x1f);
    }

    #[test]
    fn wrong_parameter_counts_are_refused() {
        let x: &[u8] = &[3];
        for op in KeyOp::ALL {
            let (i, o) = op.param_counts();
            let (i, o) = (usize::from(i), usize::from(o));
            for (ni, no) in [(i + 1, o), (i - 1, o), (i, o + 1), (0, 0), (8, 0)] {
                if (ni, no) == (i, o) {
                    continue;
                }
                let inputs = vec![x; ni];
                let outputs = vec![64u32; no];
                assert!(
                    matches!(
                        run(op, &inputs, &outputs),
                        Err(AsymError::WrongParameterCount { .. })
                    ),
                    "{op:?} {ni} {no}"
                );
            }
        }
    }

    #[test]
    fn mod_exp_small_numbers() {
        assert_eq!(mod_exp_u(4, 13, 497), 445);
        assert_eq!(mod_exp_u(2, 10, 1000), 24); // even modulus
        assert_eq!(mod_exp_u(1000, 3, 7), 6); // base above the modulus
        assert_eq!(mod_exp_u(3, 0, 7), 1);
        assert_eq!(mod_exp_u(0, 0, 7), 1);
        assert_eq!(mod_exp_u(0, 5, 7), 0);
        assert_eq!(mod_exp_u(5, 3, 1), 0);
        assert_eq!(mod_exp_u(5, 0, 1), 0);
        assert_eq!(mod_exp_u(7, 5, 2), 1);
        assert_eq!(mod_exp_u(7, 0, 64), 1);
        assert_eq!(
            mod_exp_u(3, 1 << 70, 1 << 63),
            reference_pow(3, 1 << 70, 1 << 63)
        );
        // Random values against the u128 reference, odd and even moduli, with high zero
        // bytes (as a client's crp_nbits may give) and without.
        let mut rng = Rng(0x1234_5678_9abc_def0);
        for _ in 0..2000 {
            let m = u128::from(rng.next() >> rng.below(64)).max(1);
            let a = u128::from(rng.next()) << rng.below(60);
            let p = u128::from(rng.next() >> rng.below(64));
            assert_eq!(
                mod_exp_u(a, p, m),
                reference_pow(a, p, m),
                "{a}^{p} mod {m}"
            );
        }
    }

    #[test]
    fn mod_exp_even_moduli_match_python() {
        for &(a, p, m, want) in EVEN_MOD_EXP {
            let bits = u32::try_from(le(m).len() * 8).unwrap();
            let out = one_output(KeyOp::ModExp, &[&le(a), &le(p), &le(m)], bits);
            assert_eq!(trim(&out), trim(&le(want)), "{m}");
        }
    }

    /// Outputs are exactly (bits + 7) / 8 bytes; a result that needs more bits is refused.
    #[test]
    fn output_sizes() {
        let args: [&[u8]; 3] = [&[2], &[10], &[0xe8, 0x03]]; // 2^10 mod 1000 = 24
        for bits in [5u32, 8, 9, 64, 100, 2048, MAX_OPERAND_BITS] {
            let out = one_output(KeyOp::ModExp, &args, bits);
            assert_eq!(out[0], 24);
            assert!(out[1..].iter().all(|&b| b == 0));
        }
        for bits in [0u32, 1, 4] {
            assert_eq!(
                run(KeyOp::ModExp, &args, &[bits]).err(),
                Some(AsymError::OutputTooSmall { needed: 5, bits })
            );
        }
        assert_eq!(
            run(KeyOp::ModExp, &args, &[MAX_OPERAND_BITS + 1]).err(),
            Some(AsymError::TooLarge)
        );
        // A zero result fits in zero bits.
        let r = run(KeyOp::ModExp, &[&[0], &[3], &[7]], &[0]).unwrap();
        assert_eq!(r.outputs, vec![Zeroizing::new(Vec::new())]);
    }

    #[test]
    fn zero_modulus_and_sizes_are_refused() {
        let zero: &[u8] = &[];
        let zeros: &[u8] = &[0, 0, 0];
        for m in [zero, zeros] {
            assert_eq!(
                run(KeyOp::ModExp, &[&[2], &[3], m], &[64]).err(),
                Some(AsymError::Invalid("zero modulus"))
            );
            assert_eq!(
                run(KeyOp::DhComputeKey, &[&[2], &[3], m], &[64]).err(),
                Some(AsymError::Invalid("zero modulus"))
            );
        }
        // 8192 significant bits are taken, 8193 are not, whatever the byte length.
        let mut max = vec![0xffu8; 1024];
        let r = run(KeyOp::ModExp, &[&[2], &[3], &max], &[8192]).unwrap();
        assert_eq!(trim(&r.outputs[0]), &[8]);
        max.push(1);
        assert_eq!(
            run(KeyOp::ModExp, &[&[2], &[3], &max], &[8192]).err(),
            Some(AsymError::TooLarge)
        );
        let mut padded = vec![0u8; 5000];
        padded[0] = 7;
        assert_eq!(
            trim(&one_output(KeyOp::ModExp, &[&[3], &[2], &padded], 8)),
            &[2]
        );
        // A digest's width counts from its first non-zero byte.
        let mut digest = vec![0xffu8; 1025];
        digest[0] = 0;
        let verify = |digest: &[u8]| {
            run(
                KeyOp::DsaVerify,
                &[digest, &le(DSA_P), &le(DSA_Q), &le(DSA_G), &[5], &[5], &[5]],
                &[],
            )
        };
        assert_eq!(verify(&digest).unwrap().status, 1);
        digest[0] = 1;
        assert_eq!(verify(&digest).err(), Some(AsymError::TooLarge));
        for op in KeyOp::ALL {
            let (i, o) = op.param_counts();
            let big = vec![1u8; 1025];
            let mut inputs: Vec<&[u8]> = vec![&[5]; usize::from(i)];
            inputs[0] = &big;
            assert_eq!(
                run(op, &inputs, &vec![64; usize::from(o)]).err(),
                Some(AsymError::TooLarge),
                "{op:?}"
            );
        }
    }

    /// RSA-2048 with a fixed key: MOD_EXP with d, MOD_EXP_CRT and MOD_EXP with e agree with
    /// each other and with a value computed by Python.
    #[test]
    fn rsa_2048_round_trip() {
        let msg = le(&RSA_MSG
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>());
        let n = le(RSA_N);
        let plain = one_output(KeyOp::ModExp, &[&msg, &le(RSA_D), &n], 2048);
        assert_eq!(trim(&plain), trim(&le(RSA_SIG)));
        let crt = one_output(
            KeyOp::ModExpCrt,
            &[
                &le(RSA_P),
                &le(RSA_Q),
                &msg,
                &le(RSA_DMP1),
                &le(RSA_DMQ1),
                &le(RSA_IQMP),
            ],
            2048,
        );
        assert_eq!(crt, plain);
        let back = one_output(KeyOp::ModExp, &[&crt, &RSA_E.to_le_bytes(), &n], 2048);
        assert_eq!(trim(&back), trim(&msg));
        // The CRT input may exceed p and q (it is below n), and a message of 0 or 1 maps to
        // itself.
        for m in [&[][..], &[1][..]] {
            let r = one_output(
                KeyOp::ModExpCrt,
                &[
                    &le(RSA_P),
                    &le(RSA_Q),
                    m,
                    &le(RSA_DMP1),
                    &le(RSA_DMQ1),
                    &le(RSA_IQMP),
                ],
                2048,
            );
            assert_eq!(trim(&r), m);
        }
        // An output narrower than n is refused rather than truncated.
        assert!(matches!(
            run(KeyOp::ModExp, &[&msg, &le(RSA_D), &n], &[1024]),
            Err(AsymError::OutputTooSmall { .. })
        ));
    }

    #[test]
    fn crt_refuses_even_or_zero_primes() {
        let q = le(RSA_Q);
        let one: &[u8] = &[1];
        for (p, why) in [
            (&[4u8][..], "CRT primes must be odd"),
            (&[][..], "zero modulus"),
        ] {
            assert_eq!(
                run(KeyOp::ModExpCrt, &[p, &q, one, one, one, one], &[2048]).err(),
                Some(AsymError::Invalid(why))
            );
            assert_eq!(
                run(KeyOp::ModExpCrt, &[&q, p, one, one, one, one], &[2048]).err(),
                Some(AsymError::Invalid(why))
            );
        }
    }

    fn dsa_verify_status(dgst: &[u8], y: &[u8], r: &[u8], s: &[u8]) -> u32 {
        let res = run(
            KeyOp::DsaVerify,
            &[dgst, &le(DSA_P), &le(DSA_Q), &le(DSA_G), y, r, s],
            &[],
        )
        .unwrap();
        assert!(res.outputs.is_empty());
        res.status
    }

    /// A signature made by `openssl dgst -sha1 -sign` verifies with the digest as the hash
    /// function wrote it; any change does not.
    #[test]
    fn dsa_verifies_an_openssl_signature() {
        let (dgst, y, r, s) = (be(DSA_SHA1), le(DSA_Y), le(DSA_SIG_R), le(DSA_SIG_S));
        assert_eq!(dsa_verify_status(&dgst, &y, &r, &s), 0);
        let flip = |v: &[u8], bit: usize| {
            let mut v = v.to_vec();
            v[bit / 8] ^= 1 << (bit % 8);
            v
        };
        assert_eq!(dsa_verify_status(&flip(&dgst, 0), &y, &r, &s), 1);
        assert_eq!(dsa_verify_status(&flip(&dgst, 159), &y, &r, &s), 1);
        assert_eq!(dsa_verify_status(&dgst, &flip(&y, 77), &r, &s), 1);
        assert_eq!(dsa_verify_status(&dgst, &y, &flip(&r, 5), &s), 1);
        assert_eq!(dsa_verify_status(&dgst, &y, &r, &flip(&s, 159)), 1);
        // The digest read little-endian, as every other parameter is: not this signature.
        let reversed: Vec<u8> = dgst.iter().rev().copied().collect();
        assert_eq!(dsa_verify_status(&reversed, &y, &r, &s), 1);
        // Swapped r and s, zeros, r or s at or above q: invalid, not an error.
        let q = le(DSA_Q);
        let mut q_wide = le(DSA_Q);
        q_wide.push(0); // the same value, one byte wider
        assert_eq!(dsa_verify_status(&dgst, &y, &s, &r), 1);
        assert_eq!(dsa_verify_status(&dgst, &y, &[], &s), 1);
        assert_eq!(dsa_verify_status(&dgst, &y, &r, &[0, 0]), 1);
        assert_eq!(dsa_verify_status(&dgst, &y, &q, &s), 1);
        assert_eq!(dsa_verify_status(&dgst, &y, &r, &q_wide), 1);
        assert_eq!(dsa_verify_status(&dgst, &y, &add_le(&r, &q), &s), 1);
        // A digest equal modulo q (and as long as q) verifies: the digest is reduced mod q.
        let mut plus_q = add_le(&le(DSA_SHA1), &q);
        plus_q.truncate(trim(&plus_q).len());
        plus_q.reverse();
        assert_eq!(plus_q.len(), 20);
        assert_ne!(plus_q, dgst);
        assert_eq!(dsa_verify_status(&plus_q, &y, &r, &s), 0);
        // Bytes past q's length do not count; leading zero bytes do (they shift the rest out).
        let mut longer = dgst.clone();
        longer.extend_from_slice(&[0x5a; 12]);
        assert_eq!(dsa_verify_status(&longer, &y, &r, &s), 0);
        let mut zero_first = vec![0];
        zero_first.extend_from_slice(&dgst);
        assert_eq!(dsa_verify_status(&zero_first, &y, &r, &s), 1);
        // Even or out-of-order domain parameters: invalid; a zero modulus: an error.
        let run_with = |p: &[u8], q: &[u8]| {
            run(
                KeyOp::DsaVerify,
                &[&dgst, p, q, &le(DSA_G), &y, &r, &s],
                &[],
            )
        };
        assert_eq!(run_with(&le(DSA_P), &[2]).unwrap().status, 1);
        assert_eq!(run_with(&q, &le(DSA_P)).unwrap().status, 1);
        assert_eq!(
            run_with(&[], &q).err(),
            Some(AsymError::Invalid("zero modulus"))
        );
    }

    /// `openssl dgst -sha256 -sign` with the 160-bit q: OpenSSL signs the digest's first 20
    /// bytes, so only that reading verifies: not the whole digest mod q, not the digest
    /// reversed.
    #[test]
    fn dsa_sha256_digest_longer_than_q() {
        let (dgst, y) = (be(DSA_SHA256), le(DSA_Y));
        let (r, s) = (le(DSA_SHA256_SIG_R), le(DSA_SHA256_SIG_S));
        assert_eq!(dgst.len(), 32);
        assert_eq!(dsa_verify_status(&dgst, &y, &r, &s), 0);
        assert_eq!(dsa_verify_status(&dgst[..20], &y, &r, &s), 0);
        let reversed: Vec<u8> = dgst.iter().rev().copied().collect();
        assert_eq!(dsa_verify_status(&reversed, &y, &r, &s), 1);
        assert_eq!(dsa_verify_status(&dgst[12..], &y, &r, &s), 1);
        // The daemon's own signature of that digest holds under the same reading.
        let (p, q, g, x) = (le(DSA_P), le(DSA_Q), le(DSA_G), le(DSA_X));
        let res = run(KeyOp::DsaSign, &[&dgst, &p, &q, &g, &x], &[160, 160]).unwrap();
        let (r, s) = (&res.outputs[0], &res.outputs[1]);
        assert_eq!(dsa_verify_status(&dgst, &y, r, s), 0);
        assert_eq!(dsa_verify_status(&dgst[..20], &y, r, s), 0);
        assert_eq!(dsa_verify_status(&reversed, &y, r, s), 1);
    }

    /// a + b on little-endian byte strings.
    fn add_le(a: &[u8], b: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut carry = 0u16;
        for i in 0..a.len().max(b.len()) {
            let sum =
                u16::from(*a.get(i).unwrap_or(&0)) + u16::from(*b.get(i).unwrap_or(&0)) + carry;
            out.push(sum.to_le_bytes()[0]);
            carry = sum >> 8;
        }
        out.push(u8::try_from(carry).unwrap());
        out
    }

    #[test]
    fn dsa_sign_then_verify() {
        let (p, q, g, x, y) = (le(DSA_P), le(DSA_Q), le(DSA_G), le(DSA_X), le(DSA_Y));
        let mut seen_r = Vec::new();
        for dgst in [
            be(DSA_SHA1),
            vec![],
            vec![1],
            vec![0xff; 20],
            vec![0xab; 64],
        ] {
            let res = run(KeyOp::DsaSign, &[&dgst, &p, &q, &g, &x], &[160, 160]).unwrap();
            assert_eq!(res.status, 0);
            assert_eq!(res.outputs.len(), 2);
            let (r, s) = (&res.outputs[0], &res.outputs[1]);
            assert_eq!((r.len(), s.len()), (20, 20));
            assert_eq!(dsa_verify_status(&dgst, &y, r, s), 0);
            let mut bad = dgst.clone();
            match bad.first_mut() {
                Some(first) => *first ^= 0x80,
                None => bad.push(1),
            }
            assert_eq!(dsa_verify_status(&bad, &y, r, s), 1);
            // Past q's 20 bytes nothing counts.
            if dgst.len() > 20 {
                let mut tail_changed = dgst.clone();
                tail_changed[20] ^= 1;
                assert_eq!(dsa_verify_status(&tail_changed, &y, r, s), 0);
            }
            seen_r.push(r.to_vec());
        }
        // k is random: signing the same digest twice gives different signatures.
        let sign = || {
            run(KeyOp::DsaSign, &[&[9], &p, &q, &g, &x], &[160, 160])
                .unwrap()
                .outputs[0]
                .to_vec()
        };
        assert_ne!(sign(), sign());
        seen_r.sort();
        seen_r.dedup();
        assert_eq!(seen_r.len(), 5);
        // Outputs narrower than q may not fit.
        assert!(matches!(
            run(KeyOp::DsaSign, &[&[9], &p, &q, &g, &x], &[8, 160]),
            Err(AsymError::OutputTooSmall { .. })
        ));
    }

    #[test]
    fn dsa_sign_refuses_bad_parameters() {
        let (p, q, g, x) = (le(DSA_P), le(DSA_Q), le(DSA_G), le(DSA_X));
        let d: &[u8] = &[1];
        for (inputs, why) in [
            ([d, &p, &q, &g, &[]], "DSA private key out of 1..q-1"),
            ([d, &p, &q, &g, &q], "DSA private key out of 1..q-1"),
            ([d, &p, &q, &[1], &x], "DSA g out of 2..p-1"),
            ([d, &p, &q, &p, &x], "DSA g out of 2..p-1"),
            ([d, &p, &[2], &g, &x], "DSA p and q must be odd with q < p"),
            ([d, &q, &p, &g, &x], "DSA p and q must be odd with q < p"),
        ] {
            assert_eq!(
                run(KeyOp::DsaSign, &inputs, &[160, 160]).err(),
                Some(AsymError::Invalid(why))
            );
        }
        assert_eq!(
            run(KeyOp::DsaSign, &[d, &[], &q, &g, &x], &[160, 160]).err(),
            Some(AsymError::Invalid("zero modulus"))
        );
        // Parameters where r = (g^k mod p) mod q is always 0 (3 and 9 mod 3): bounded
        // retries, then an error.
        assert_eq!(
            run(KeyOp::DsaSign, &[d, &[11], &[3], &[3], &[1]], &[8, 8]).err(),
            Some(AsymError::Invalid(
                "no DSA signature found: bogus parameters"
            ))
        );
    }

    #[test]
    fn dh_both_sides_agree_with_openssl() {
        let p = le(DH_P);
        let a = one_output(KeyOp::DhComputeKey, &[&le(DH_A_X), &le(DH_B_Y), &p], 2048);
        let b = one_output(KeyOp::DhComputeKey, &[&le(DH_B_X), &le(DH_A_Y), &p], 2048);
        assert_eq!(a, b);
        assert_eq!(trim(&a), trim(&le(DH_SHARED)));
        // The public keys are g^x (g = 2).
        for (x, y) in [(DH_A_X, DH_A_Y), (DH_B_X, DH_B_Y)] {
            let pubkey = one_output(KeyOp::ModExp, &[&[2], &le(x), &p], 2048);
            assert_eq!(trim(&pubkey), trim(&le(y)));
        }
    }

    /// Random garbage for every operation: lengths, values, counts and output sizes. Every
    /// call returns (Ok or Err); none panics.
    #[test]
    fn garbage_never_panics() {
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        let mut outcomes = [0usize; 2];
        for round in 0..3000 {
            let op = KeyOp::ALL[usize::try_from(rng.below(5)).unwrap()];
            let (i, o) = op.param_counts();
            let (mut ni, mut no) = (usize::from(i), usize::from(o));
            if round % 17 == 0 {
                ni = usize::try_from(rng.below(9)).unwrap();
                no = usize::try_from(rng.below(9)).unwrap();
            }
            let inputs: Vec<Vec<u8>> = (0..ni)
                .map(|_| {
                    let len = match rng.below(10) {
                        0 => 0,
                        1 => usize::try_from(rng.below(4)).unwrap(),
                        2 if round % 50 == 0 => 1020 + usize::try_from(rng.below(10)).unwrap(),
                        _ => usize::try_from(rng.below(48)).unwrap(),
                    };
                    let mut v = rng.bytes(len);
                    match rng.below(6) {
                        0 => v.iter_mut().for_each(|b| *b = 0),
                        1 => v.iter_mut().for_each(|b| *b = 0xff),
                        2 if !v.is_empty() => v[0] |= 1,  // odd
                        3 if !v.is_empty() => v[0] &= !1, // even
                        _ => {}
                    }
                    v
                })
                .collect();
            let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
            let outputs: Vec<u32> = (0..no)
                .map(|_| match rng.below(5) {
                    0 => 0,
                    1 => u32::try_from(rng.below(9000)).unwrap(),
                    2 => u32::MAX,
                    _ => u32::try_from(rng.below(512)).unwrap(),
                })
                .collect();
            match run(op, &refs, &outputs) {
                Ok(r) => {
                    outcomes[0] += 1;
                    assert_eq!(r.outputs.len(), outputs.len());
                    for (out, bits) in r.outputs.iter().zip(&outputs) {
                        assert_eq!(out.len(), usize::try_from(bits.div_ceil(8)).unwrap());
                    }
                    assert!(r.status <= 1);
                    assert!(r.status == 0 || op == KeyOp::DsaVerify);
                }
                Err(_) => outcomes[1] += 1,
            }
        }
        // Both paths were exercised.
        assert!(outcomes[0] > 100 && outcomes[1] > 100, "{outcomes:?}");
    }

    /// Structured garbage: DSA and CRT with random odd "primes" (not prime), random exponents,
    /// inverses that do not exist.
    #[test]
    fn composite_moduli_never_panic() {
        let mut rng = Rng(42);
        for _ in 0..300 {
            let mut odd = |len: usize| {
                let mut v = rng.bytes(len.max(1));
                v[0] |= 1;
                v
            };
            let (p, q) = (odd(24), odd(8));
            let (g, x, dg) = (odd(16), odd(6), odd(10));
            let _ = run(KeyOp::DsaSign, &[&dg, &p, &q, &g, &x], &[64, 64]);
            let _ = run(KeyOp::DsaVerify, &[&dg, &p, &q, &g, &x, &x, &g], &[]);
            let _ = run(KeyOp::ModExpCrt, &[&p, &q, &g, &x, &dg, &q], &[512]);
        }
    }

    const RSA_MSG: &str = "a message to sign with the fixed test key";

    /// SHA-1 of "The quick brown fox jumps over the lazy dog", the message signed below.
    const DSA_SHA1: &str = "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12";

    /// `openssl dgst -sha1 -sign dsa.pem` of that message, r and s from `openssl asn1parse`.
    const DSA_SIG_R: &str = "133b2109dbb47c3a9d125f221a0fb2b1fbcfe965";
    const DSA_SIG_S: &str = "7ffc85824cd67ada383b460fcee0b2179f4907e5";

    /// SHA-256 of the same message: 32 bytes, longer than q.
    const DSA_SHA256: &str = "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592";

    /// `openssl dgst -sha256 -sign dsa.pem` (OpenSSL 3.0) of that message with the same key,
    /// r and s from `openssl asn1parse`; `openssl dgst -sha256 -verify` accepts it.
    const DSA_SHA256_SIG_R: &str = "7a0eeb81e7c127c9bbb042b94a856aca696e0d41";
    const DSA_SHA256_SIG_S: &str = "35fa46fcad269f2ddc69aeb2473897351a671bb2";

    /// RSA-2048 test key (openssl genrsa 2048): modulus n.
    const RSA_N: &str = "c0e5823627bb3a7953ded1e2e6b30613fffaaccaa1ce54fcaea9b49d95ece9b7\
         34c73d6c5f4592aa73bb777d00d3d20f0581ffcdd874169547d22a1c28b77b7c\
         7a529210e16c6204147cea7e9d02d4ca3de1edcc9955311506286fab0235f13f\
         a9788aacf4f277c348cad66193fdb1462e7b7c8a0ae25032b62368b7881f9c2d\
         2a3ca3eb09ac3bf20158dee1b65ba9d65cb9140f7a10352bc701be557cd6e4a7\
         54fb49c9d7eb279b336c0e98b572d7897063a36a00b4b9a283f4094a9d832a32\
         2c55de7b6b519a4a34571581afc77a755757b2d9061d94c9cd2900f16ac5e42a\
         9934dbd2d15cccb6b732052f0ff9f054325318f111a5d143709316308bcdc919";
    /// RSA-2048 test key (openssl genrsa 2048): private exponent d.
    const RSA_D: &str = "10c3815af27dff796ed404fa8aa1114ca8a8e0de654c78af5300959d425bc9fd\
         ed7cc936435b59012e38a30c3e87aa103b22ce97d591552b19084737964447db\
         8c07e400ca8e70403985979d7448bc346d4756b2babaa01edb1fa580bf9aef81\
         e05904f83dfb5a7422bdd9feb5ed4cbc342af02a5102d5046b36cd9171a7899b\
         6e913d4c6d19c789d0d3c99fb2ca77a3cc792f36f528225270904f6af73b3670\
         55037b321b8b669a953165e2ea364605e1a23f6b9c6f24ed1352b1d3b00e518e\
         cea139fff91da3869c98d1a7276d4a6f5e9b2c7352fbcbb3eed999989169e2e2\
         4a75bde7d0ea722e8730dda994f96e18c21fb898f1de8ab4a58b7928e825f9ef";
    /// RSA-2048 test key (openssl genrsa 2048): prime p.
    const RSA_P: &str = "e7b13dc993ae5322dcdda644459f6ab50a3b21628a7a93ed2cb74037487ebe8d\
         e1a056278b75bbcdf10a5335d63e1fc6b6b3e9e89002c4c42689264f3b49b71d\
         a84f36d2f858734a598c88fc9399a33fa4c7ee616071fc05c9feeff190550f43\
         11efc78956dbc204d57fe3c141a367894c94345cee3a03c93354c92644e2a53b";
    /// RSA-2048 test key (openssl genrsa 2048): prime q.
    const RSA_Q: &str = "d5224b6c9e3bba937afa89b38efa4cd3c84181d9aa289668a80e65f7f83dbbff\
         8a54fc98d94d57ef84c53e25ce51cf993582ffc9ad853d61c7ee7ca9e60e5129\
         516f8ea2b68c1489806d45642ea7b3444dbde75e91bb0725a8b4990c7bb162c0\
         688bec47e9d3f18c389b6a842f10a8ebf815d59a85beb49726e05f9623ffd5bb";
    /// RSA-2048 test key (openssl genrsa 2048): d mod (p-1).
    const RSA_DMP1: &str = "366a4a38ad96a3afec6fa23d269cea52dab44882fc430dbb0665838f78574c29\
         c67401c807d8fee2bf59cd7137801fb66bf2955d29757d01148be1937a3935e8\
         a13ef981531273016346be6593c4e1b270e103fb9acb2a85b18b4e8f4d76acbe\
         f3d77ce5a4a0b850aa53ff09c480bc3062ebebe06792f890a89da1207bcd3f41";
    /// RSA-2048 test key (openssl genrsa 2048): d mod (q-1).
    const RSA_DMQ1: &str = "8dc928bff36becacdbecfbda35cd917a7a080a281128bb1698662bb390b310f3\
         e8c4acddca01c7f411315e2cac5a846e79c8d1fd0ab04eab53e3f58ed8fac147\
         69637b52077a9cd6f456bd08ee78a5ab54c476bcd4d9c4e16a9fea0901e879b7\
         625563345bfba0ff15515ec4dcc28a7da02676593b8c287b3d639a733933a2ad";
    /// RSA-2048 test key (openssl genrsa 2048): q^-1 mod p.
    const RSA_IQMP: &str = "4fc39c740b8631c5296396f7fe48edb75735670be3239dfd2b2c20cb50c0ac5e\
         c59c94d5586e0a98a125800e243607aac3d530c3f0e4ca0e369b8dcb2063ba24\
         f5e3c1c8e7cb5d4b824de58b46eb4b631077828fd89c42f25430c7f226319e12\
         91cff13c9e85f7a956f1e0c39a92aa62de07183310b266f56dfe932a86f1122a";
    /// RSA-2048 test key: public exponent (OpenSSL 3 default 65537).
    const RSA_E: u32 = 65537;
    /// m^d mod n for m = the bytes of RSA_MSG read big-endian (Python pow).
    const RSA_SIG: &str = "31969612a7b8824e649b4be6911ff88520075209f7f1d82bda415bd97d7b7196\
         b50b32cf4108b426eac7aff8d4fc594581b5508f87921cf8b57d979e945c9647\
         fcce3efaee7ad6dd5f95ff99da662134914ecec5b5b558c9c78942a6fb1a940c\
         514e0229881c9776f84f5dd94f404c5141dc0b6582b144219a08d9f73aeaa687\
         f8f18d5aaebf1648f2ac642d886dcfd563c063d9ab7ae2711c8519d8516b0781\
         debfeee2f58f8cdf13c1b20c640f507fea72090dbaef6846c7d9269ec615a8af\
         f55e87fab4e215eaf50bc57fe6166af81924d8c118e2272bf5025db70782fbc7\
         7a779806f5af94ec96d03f918c3ef311dcb573cf3e014ff3e7b992b100a6671c";
    /// DSA 1024/160 test key (openssl genpkey, dsa_paramgen_q_bits:160): p.
    const DSA_P: &str = "f22cd97549ee4a6d565cba7588981fe46f49529d2733c7c212e2bd7ef9859089\
         e3c141129c0364856744ebc5041c1c61b9023a4827d90a0a74ed02b6ee8e9855\
         9073fb48a707792f8016a79c0c1f3b70a771d05933e8c33fbb83df4ef6df95af\
         c8c9c50f6ef9ca996faf827611f79a0e56180d55d7f3ec501e9d71bea26aaa6b";
    /// DSA 1024/160 test key (openssl genpkey, dsa_paramgen_q_bits:160): q.
    const DSA_Q: &str = "a05b557ae1f838d09fa33e859198522dbb825cbd";
    /// DSA 1024/160 test key (openssl genpkey, dsa_paramgen_q_bits:160): g.
    const DSA_G: &str = "d94cae0aadd2a22fdb0166f5fc403cdeba08ebb8a63ce3a3f1eaccc1c21d97e5\
         7ccae6d01bc9a524d7c5e3e1a7b7e830516e7b1e0c6554c28ab1513f6cb9d30b\
         ec99aa6f190430117e1bdeb78c94ae1d7160127f4d763fd36bdf51f6cfccd3f1\
         3bff5533ea365d57663796626aeb03c141832859a98457a58619c4dd6f92fa51";
    /// DSA 1024/160 test key (openssl genpkey, dsa_paramgen_q_bits:160): y.
    const DSA_Y: &str = "200c902f6f8f91e4a7c945be46ae1183c1692fe92665ef4d2f845b73560ed337\
         b1c9f86f18fcb22c0d084e505f59742c447a535ec112cf51bd79dbefe349aedb\
         54b08f2eded972c2591171604fe70209cade1e231c03959a0d2d0b1434b0d45a\
         96d786fa73978335ab5eac38e8cee558dde031d9829f627c30ed9d8112719142";
    /// DSA 1024/160 test key (openssl genpkey, dsa_paramgen_q_bits:160): x.
    const DSA_X: &str = "0c230b12b2a53eff27d255dc6c6d302fdf5b6f0e";
    /// RFC 7919 ffdhe2048 prime (openssl genpkey -genparam group:ffdhe2048).
    const DH_P: &str = "ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695\
         a9e13641146433fbcc939dce249b3ef97d2fe363630c75d8f681b202aec4617a\
         d3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3b557135e7f57c935\
         984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797a\
         bc0ab182b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4\
         ae56ede76372bb190b07a7c8ee0a6d709e02fce1cdf7e2ecc03404cd28342f61\
         9172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc2ec22005\
         c58ef1837d1683b2c6f34a26c1b2effa886b423861285c97ffffffffffffffff";
    /// ffdhe2048 key pair from openssl genpkey: a_x.
    const DH_A_X: &str = "2cb239758deac86f56ae30981d8d966259a1e2c675cd082da95a2d48";
    /// ffdhe2048 key pair from openssl genpkey: a_y.
    const DH_A_Y: &str = "7701bb39bca9a1c5d1238808fe49d3b7f133f7a79bc045001f9e33928444c04e\
         da42f50d88c26d608d25845a48fc5df6107282a913d6e118889e8d458806b4b5\
         e11f3d6fe20cfe7f4dc60bc3440772c54edfc0f162a16436e68c4ec844386f30\
         0172e6950eb32277934414c1c3fb97149a1bd6bc03ab87a02890411ee3b5b59f\
         607eb621f304cdf448f4cf2824dec6e5f759c656d0c8d2451588912090325568\
         800350f9b6811dffd9f79b2c7511da9262b04a1d3f73c997d2dfcc64e8d28ba6\
         237e312771ffa59ad9071c6196dc9aec69789c6ca7cf0a0883e6efda5dc77f2b\
         d4dc6ed370623d5350724701b8434e44727b1e3792e25e76dc5b493c2d67f49b";
    /// ffdhe2048 key pair from openssl genpkey: b_x.
    const DH_B_X: &str = "a755c4039c582055ac8fa07ff34115a80505d8a723edbca118b31f50";
    /// ffdhe2048 key pair from openssl genpkey: b_y.
    const DH_B_Y: &str = "05a0c6f47b8c65dcc1b6fd5c0da23ea41b016034c245002fa51c31cc160c4b47\
         2f99d762fc77bcb759112de1c0bc7cf014f39394df5a6e6572b35d7fde294d87\
         303cac41fe6f43320b749de421bac09f55df4798d1b49a58387ecfb947e2ae30\
         2a52e22ca361541e549c299b53701d07f2a6ebd1117bc6ef249784c40d89a2cf\
         11ddf1ba59399972c0690b181e281e3d6f1a601cda8b16ebff9a9398e1d98f91\
         97915d2c79346e49a99f2289e0b3a7d003e8689af561eca35bb843afcb9b793e\
         7dd52a5800a26306c032ab7b12ba653ccc8f5ede3bae9b7ad6e8681de5e11b9d\
         71f373cf037c9104a8f5c11312997f5041f5e160a54c9c49004630e0f4e02e75";
    /// The shared secret from openssl pkeyutl -derive (both directions agree).
    const DH_SHARED: &str = "313fe62b85a0a59c98ded9e8105f160162906f57145ba5cef3db9c192b7294fd\
         67d07752b8014946524a5b78ab611bdb425612903f0c57066275849e3031ff81\
         7e06f7431287728a81846cf5410d56e4c1954c581c4a3465a50350559f079f5b\
         f8134da693c447bfbba501db12241b924b5048136517bdf63a966ce6b696640d\
         ced7409e49a78bccc20a17eb0e3122f48fc3c7970d2e1a86e6d0cdbf082279e4\
         b32960ee0ac9fce8682bbe2fcede4384e3d46926f1ae9b6add2a986295a8a89f\
         2dd0100f6982ea3b1e2df22341468eb459c78db21ed745a8db68c6f3700f33e5\
         10866e92c00be145113197ca632e424e72651aaf5f7e13cb9a68416cdbf475ea";
    /// (a, p, m, a^p mod m) with even m, computed with Python pow.
    const EVEN_MOD_EXP: &[(&str, &str, &str, &str)] = &[
        (
            "16099950d836f675cc81e74ef5e8e25d940ed904759531985d5d9dc9f81818e811892f902b",
            "f21ddb66cad4a268d116ece1738f7d93d9c172411e20b8f6b0d549b6f03675a",
            "d23f082425165e6618b8ffa14d4748a0ca264e1c4d3c1a6fe54e9bc8a5cd6872",
            "66d40165be6cba63d57d4e4c72e6affa18d29eccd9afa56a9a7a3f7704b15af3",
        ),
        (
            "143e7d1bfbc7a2ea20b2f14c942e05319acb5c74273f98e2774cbd87ad5c90a9587403e430ec66a78795e761d17731af10506bf2efc6f877186d76b07e881ed162ae2eb1547f15052434b9b5df9e7769b10f4205b4907a70c31012f037b64ce4228c38fb2918f135d25f557203301850c5a38fd547923a736994e3bf911a61dbe22e44158b",
            "2a3af4d46b0a18e8830e07bc1e398f1012bd4acefaecbd389be4bcfc49b64a0872e6cc3ababced2057ee05cde00902c77ebff206867347214cdd2055930d6eaf",
            "ae97ba94d0eda82f8f6d05584ef8aa38922766581e27a1c08a6a63ec24ede6a46b4cb2424a23d5962217beaddbc496cb8e81973e0becd7b03898d190f9ebdacc0cb1e29c658cda1495e60af593bd04cf0fd630f1f29d0da9953f48f1a09f76b5a170b33839263059f28c105d1fb17c2390c192cfd3ac94af0000000000000000",
            "18ee8a8da5bb9052252fba43c6c831742bdf7e7c8c2c353f48c378771e768fbb15e7a817687dabf5349f824491bfcfe967b96dd29f34ecc0aa32f0bbfa8a4b051943960c4a1cab039b95511af8c6c7fe0684b3bf6669e8c8ebb50ddc02bb14c4b147abcc2fcab08c98997c73dc949373286193ef3436135416a00a8efdce34e3",
        ),
        (
            "3ba8948c893b61867626bb7dbd2d1c9af0153e7c2a26a2c0bd3b1287fff52ddf5d616499c9e25a7605aec6f0245bd86d40fc891b4a6a50df4db4d66a3a47469a4d8cdb305fdd2e16096e36aab0d1bc52d9230d977ee22571594720771f8ca8181166d2287672fdf2022a96fb1a14a0f9e77f1b103cdf1582b0eab477d26415479c65dc9f503f63af83bd0561e6211c70cf49952399c4aaeac137dc76fb0f17a3007e62aa0a1df9fd789c6539382b0537e65affb2297631a992f0ce583505c6af0758d5563dab2cd31ee315128862c33a4fb774eb5248db40af72158370d269a9a5ae658f33fe3b890b93f448b3a5aa3c814f426dcbb394fb36bb2d420f0f88080b10a3d6b2",
            "62d",
            "aa05e1b2715945795e8229451abd81f1d69ed617f5e837d70820fe119a72d174c9df6acc011cdd9474031b7f26144b98289fcd59a54a7bb1fee08f571242425051c1ccd17f9acae01f5057ca02135e92b1d3f28ede0d7ac3baea9e13deef86ab1031d0f646e1f40a097c976bf46c697d2caf82eeeacbe226e875555790f82ec1d3fcff0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "986e4e9bd133a6b6b113d0a22301e00d5ec85f34e956343e0566e10aee39c48d846798950f8c49f8281ed2c9ec3861de5ee2d19034f110ed8311a6e505617f7d6b4453304e0cbd599f443e3cc6d3b027aeecc88f4db48b615d466b5b6a9b878970a5d782fedcce446f82405509fe94bc67536e4e768de6a97c2373d26b9e5a5fdf52790000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            "107eedbf4a8b2b0c4312d20203626f3fe39c0519088f590fbbd119c1caaf75e8766ed88daf4016b4013ef254b0c4e010c4759482c9cbc43435cc52eae05cf96d0cc5fd4c28c2e",
            "c7adef88334e647cb8f74e69a5d0dd27a65bd628881ad1b72dba7abe1c29e1a8ef4f341e07a",
            "10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "0",
        ),
    ];
}
