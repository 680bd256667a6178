//! Known-answer tests that any [`Backend`] can be run against.
//!
//! One table of published vectors ([`CIPHER_VECTORS`], [`HASH_VECTORS`], [`AEAD_VECTORS`]),
//! each with its source named above its group. [`run`] checks every vector whose algorithm the backend
//! supports and reports the others as skipped:
//! - cipher vectors: encryption, decryption (on the same context), the IV left behind where
//!   the mode defines one (CBC/CFB: last ciphertext block; CTR: counter + blocks; OFB: last
//!   keystream block; XTS: tweak unchanged; ECB/NULL: none) and the reported kernel name;
//! - the 64-byte SP 800-38A vectors also in two calls (32 + 32, IV passed along) in both
//!   directions, and for CTR, CFB and OFB in a 20 + 44 split that pins the kernel's handling
//!   of a partial block (CTR: the next call starts at counter + 2, the rest of the keystream
//!   block is dropped; CFB: the IV stays at the last full ciphertext block; OFB: the IV is the
//!   partly used keystream block);
//! - hash vectors: one shot, three uneven chunks, a fork half-way (both branches), a reset
//!   after a partial update, and `finish` returning to the initial (keyed) state;
//! - AEAD vectors (GCM, CCM; the IV as the ABI passes it): the default tag length (16),
//!   encryption (ciphertext and tag) and decryption at the vector's tag length, then the
//!   refusals: a flipped bit in the tag, the ciphertext or the AAD and a tag of the wrong
//!   length are all refused, the first three as [`BackendError::BadTag`]; CCM also ignores
//!   the counter bytes of its IV; GCM vectors with a 16-byte tag are also checked at every
//!   shorter tag length GCM allows (the short tag is the full tag's prefix).
//!
//! A report with no vector run is never a success ([`KatReport::is_success`]).

use std::fmt;

use cryptodev_abi::Algorithm;
use cryptodev_abi::Algorithm as A;

use super::{AeadContext, Backend, BackendError};

mod vectors;

pub use vectors::{AEAD_VECTORS, CIPHER_VECTORS, HASH_VECTORS};

/// Bytes of a key or message, written the most readable way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bytes<'a> {
    /// Hex digits (no separators).
    Hex(&'a str),
    /// ASCII text taken as is.
    Text(&'a str),
    /// One byte repeated.
    Repeat(u8, usize),
}

impl Bytes<'_> {
    fn decode(self) -> Result<Vec<u8>, String> {
        match self {
            Bytes::Hex(h) => hex(h),
            Bytes::Text(t) => Ok(t.as_bytes().to_vec()),
            Bytes::Repeat(b, n) => Ok(vec![b; n]),
        }
    }
}

/// A cipher known answer; all fields hex. `iv` is empty for ECB and NULL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CipherVector<'a> {
    pub name: &'a str,
    pub alg: Algorithm,
    pub key: &'a str,
    pub iv: &'a str,
    pub plaintext: &'a str,
    pub ciphertext: &'a str,
}

/// A digest or HMAC known answer. `key` is ignored for plain digests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashVector<'a> {
    pub name: &'a str,
    pub alg: Algorithm,
    pub key: Bytes<'a>,
    pub message: Bytes<'a>,
    pub digest: &'a str,
}

/// An AEAD known answer; all fields hex. `iv` is the whole IV as the ABI passes it: the
/// 12-byte nonce for `gcm(aes)`, the kernel's 16-byte format for `ccm(aes)` (`iv[0]` = L − 1,
/// the nonce, zero counter bytes). The tag length is `tag`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AeadVector<'a> {
    pub name: &'a str,
    pub alg: Algorithm,
    pub key: &'a str,
    pub iv: &'a str,
    pub aad: &'a str,
    pub plaintext: &'a str,
    pub ciphertext: &'a str,
    pub tag: &'a str,
}

/// What happened to one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(String),
    /// The backend does not support the algorithm.
    Skipped,
}

/// One check of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KatResult {
    pub description: String,
    pub alg: Algorithm,
    pub outcome: Outcome,
}

/// Everything [`run`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KatReport {
    pub backend: &'static str,
    pub results: Vec<KatResult>,
}

impl KatReport {
    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }

    /// Checks that ran and matched.
    pub fn passed(&self) -> usize {
        self.count(|o| *o == Outcome::Passed)
    }

    /// Checks that ran and did not match.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    /// Checks not run because the backend lacks the algorithm.
    pub fn skipped(&self) -> usize {
        self.count(|o| *o == Outcome::Skipped)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &KatResult> {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
    }

    /// True only if at least one check ran and none failed.
    pub fn is_success(&self) -> bool {
        self.passed() > 0 && self.failed() == 0
    }
}

impl fmt::Display for KatReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "KAT on {}: {} passed, {} failed, {} skipped",
            self.backend,
            self.passed(),
            self.failed(),
            self.skipped()
        )?;
        for r in self.failures() {
            if let Outcome::Failed(why) = &r.outcome {
                writeln!(f, "  FAIL {}: {why}", r.description)?;
            }
        }
        Ok(())
    }
}

/// Runs the whole table against `backend`.
pub fn run(backend: &dyn Backend) -> KatReport {
    run_all_vectors(backend, CIPHER_VECTORS, HASH_VECTORS, AEAD_VECTORS)
}

/// Runs the given cipher and hash vectors (the table, or a modified copy of part of it)
/// against `backend`.
pub fn run_vectors(
    backend: &dyn Backend,
    ciphers: &[CipherVector<'_>],
    hashes: &[HashVector<'_>],
) -> KatReport {
    run_all_vectors(backend, ciphers, hashes, &[])
}

/// Runs the given cipher, hash and AEAD vectors against `backend`.
pub fn run_all_vectors(
    backend: &dyn Backend,
    ciphers: &[CipherVector<'_>],
    hashes: &[HashVector<'_>],
    aeads: &[AeadVector<'_>],
) -> KatReport {
    let mut results = Vec::new();
    let mut record = |description: String, alg: Algorithm, check: &dyn Fn() -> Checked| {
        let outcome = if backend.supports(alg) {
            match check() {
                Ok(()) => Outcome::Passed,
                Err(why) => Outcome::Failed(why),
            }
        } else {
            Outcome::Skipped
        };
        results.push(KatResult {
            description,
            alg,
            outcome,
        });
    };
    for v in ciphers {
        record(v.name.to_owned(), v.alg, &|| check_cipher(backend, v));
        if is_sp800_38a_split(v) {
            record(format!("{}: two calls 32 + 32", v.name), v.alg, &|| {
                check_split(backend, v)
            });
            if matches!(
                v.alg,
                Algorithm::AesCtr | Algorithm::AesCfb | Algorithm::AesOfb
            ) {
                record(
                    format!("{}: partial block, 20 + 44", v.name),
                    v.alg,
                    &|| check_partial(backend, v),
                );
            }
        }
    }
    for v in hashes {
        record(v.name.to_owned(), v.alg, &|| check_hash(backend, v));
    }
    for v in aeads {
        record(v.name.to_owned(), v.alg, &|| check_aead(backend, v));
        record(format!("{}: forgeries refused", v.name), v.alg, &|| {
            check_aead_refusals(backend, v)
        });
        if has_gcm_prefix_check(v) {
            record(format!("{}: shorter tags", v.name), v.alg, &|| {
                check_gcm_short_tags(backend, v)
            });
        }
    }
    KatReport {
        backend: backend.name(),
        results,
    }
}

/// How many checks [`run`] makes for algorithms `supports` accepts (what a backend supporting
/// exactly those must pass).
pub fn expected_checks(supports: impl Fn(Algorithm) -> bool) -> usize {
    let ciphers: usize = CIPHER_VECTORS
        .iter()
        .filter(|v| supports(v.alg))
        .map(|v| match (is_sp800_38a_split(v), v.alg) {
            (true, Algorithm::AesCtr | Algorithm::AesCfb | Algorithm::AesOfb) => 3,
            (true, _) => 2,
            (false, _) => 1,
        })
        .sum();
    let aeads: usize = AEAD_VECTORS
        .iter()
        .filter(|v| supports(v.alg))
        .map(|v| if has_gcm_prefix_check(v) { 3 } else { 2 })
        .sum();
    ciphers + HASH_VECTORS.iter().filter(|v| supports(v.alg)).count() + aeads
}

type Checked = Result<(), String>;

fn hex(s: &str) -> Result<Vec<u8>, String> {
    let digits = s.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits in table entry {s:?}"));
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(format!("bad hex digit {:?} in table entry", char::from(c))),
    };
    digits
        .chunks_exact(2)
        .map(|p| Ok((nibble(p[0])? << 4) | nibble(p[1])?))
        .collect()
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn expect_eq(what: &str, got: &[u8], want: &[u8]) -> Checked {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: got {}, expected {}",
            to_hex(got),
            to_hex(want)
        ))
    }
}

fn backend_err(what: &str, e: &BackendError) -> String {
    format!("{what}: {e}")
}

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// The modes whose chaining value is the last full ciphertext block.
fn chains_on_ciphertext(alg: Algorithm) -> bool {
    matches!(
        alg,
        A::DesCbc
            | A::TripleDesCbc
            | A::BlowfishCbc
            | A::Cast5Cbc
            | A::AesCbc
            | A::CamelliaCbc
            | A::AesCfb
    )
}

/// `iv` read as a 128-bit big-endian counter and advanced by `blocks`, modulo 2^128.
fn counter_add(iv: &[u8], blocks: usize) -> Result<Vec<u8>, String> {
    let ctr: [u8; 16] = iv
        .try_into()
        .map_err(|_| format!("CTR IV of {} bytes in table", iv.len()))?;
    let add = u128::try_from(blocks).map_err(|_| "block count overflow".to_owned())?;
    Ok(u128::from_be_bytes(ctr)
        .wrapping_add(add)
        .to_be_bytes()
        .to_vec())
}

/// The IV a call over a whole `pt`/`ct` pair leaves behind, derived from the vector by the
/// mode's rule (not from the backend).
fn next_iv(alg: Algorithm, iv: &[u8], pt: &[u8], ct: &[u8]) -> Result<Vec<u8>, String> {
    let bs = iv.len();
    if chains_on_ciphertext(alg) {
        let full = ct.len() - ct.len() % bs.max(1);
        return Ok(if full == 0 {
            iv.to_vec()
        } else {
            ct[full - bs..full].to_vec()
        });
    }
    match alg {
        Algorithm::AesCtr => counter_add(iv, ct.len().div_ceil(16)),
        Algorithm::AesOfb if ct.len() >= bs && ct.len().is_multiple_of(bs) => {
            Ok(xor(&pt[ct.len() - bs..], &ct[ct.len() - bs..]))
        }
        Algorithm::AesOfb => Err("OFB table vectors must be whole blocks".to_owned()),
        // XTS keeps the tweak; ECB and NULL have no IV.
        _ => Ok(iv.to_vec()),
    }
}

struct Decoded {
    key: Vec<u8>,
    iv: Vec<u8>,
    pt: Vec<u8>,
    ct: Vec<u8>,
}

fn decode(v: &CipherVector<'_>) -> Result<Decoded, String> {
    let d = Decoded {
        key: hex(v.key)?,
        iv: hex(v.iv)?,
        pt: hex(v.plaintext)?,
        ct: hex(v.ciphertext)?,
    };
    if d.pt.len() != d.ct.len() {
        return Err("table entry: plaintext and ciphertext lengths differ".to_owned());
    }
    if d.iv.len() != usize::try_from(v.alg.iv_size()).unwrap_or(usize::MAX) {
        return Err(format!("table entry: IV of {} bytes", d.iv.len()));
    }
    Ok(d)
}

/// One call: returns (output, IV left behind).
fn crypt(
    ctx: &mut dyn super::CipherContext,
    encrypt: bool,
    iv: &[u8],
    data: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let mut iv = iv.to_vec();
    let mut buf = data.to_vec();
    let r = if encrypt {
        ctx.encrypt(&mut iv, &mut buf)
    } else {
        ctx.decrypt(&mut iv, &mut buf)
    };
    r.map_err(|e| backend_err(if encrypt { "encrypt" } else { "decrypt" }, &e))?;
    Ok((buf, iv))
}

fn check_cipher(backend: &dyn Backend, v: &CipherVector<'_>) -> Checked {
    let d = decode(v)?;
    let mut ctx = backend
        .cipher(v.alg, &d.key)
        .map_err(|e| backend_err("setkey", &e))?;
    let info = ctx.info();
    if Some(info.name.as_str()) != v.alg.kernel_name() {
        return Err(format!("reported name {:?}", info.name));
    }
    let want_iv = next_iv(v.alg, &d.iv, &d.pt, &d.ct)?;
    let (out, iv) = crypt(ctx.as_mut(), true, &d.iv, &d.pt)?;
    expect_eq("encrypt", &out, &d.ct)?;
    expect_eq("IV after encrypt", &iv, &want_iv)?;
    let (out, iv) = crypt(ctx.as_mut(), false, &d.iv, &d.ct)?;
    expect_eq("decrypt", &out, &d.pt)?;
    expect_eq("IV after decrypt", &iv, &want_iv)?;
    Ok(())
}

/// The SP 800-38A vectors (64 bytes, AES modes that chain across calls) get split checks.
fn is_sp800_38a_split(v: &CipherVector<'_>) -> bool {
    matches!(
        v.alg,
        A::AesCbc | A::AesEcb | A::AesCtr | A::AesCfb | A::AesOfb
    ) && v.plaintext.len() == 128
}

/// 32 + 32 bytes in two calls, passing the IV along, equals one call (both directions).
fn check_split(backend: &dyn Backend, v: &CipherVector<'_>) -> Checked {
    let d = decode(v)?;
    let mut ctx = backend
        .cipher(v.alg, &d.key)
        .map_err(|e| backend_err("setkey", &e))?;
    let want_iv = next_iv(v.alg, &d.iv, &d.pt, &d.ct)?;
    for (encrypt, input, output) in [(true, &d.pt, &d.ct), (false, &d.ct, &d.pt)] {
        let dir = if encrypt { "encrypt" } else { "decrypt" };
        let (first, iv) = crypt(ctx.as_mut(), encrypt, &d.iv, &input[..32])?;
        let (second, iv) = crypt(ctx.as_mut(), encrypt, &iv, &input[32..])?;
        expect_eq(
            &format!("{dir} in two calls"),
            &[first, second].concat(),
            output,
        )?;
        expect_eq(&format!("IV after two {dir} calls"), &iv, &want_iv)?;
    }
    Ok(())
}

/// 20 + 44 bytes: the first call ends inside block 2. `k[i]` below is keystream block i of
/// the one-call run (plaintext XOR ciphertext), known for CTR and OFB, and for the first
/// block after a ciphertext block in CFB.
fn check_partial(backend: &dyn Backend, v: &CipherVector<'_>) -> Checked {
    let d = decode(v)?;
    let mut ctx = backend
        .cipher(v.alg, &d.key)
        .map_err(|e| backend_err("setkey", &e))?;
    let ks = xor(&d.pt, &d.ct);
    let (out1, iv1) = crypt(ctx.as_mut(), true, &d.iv, &d.pt[..20])?;
    expect_eq("first call (20 bytes)", &out1, &d.ct[..20])?;
    let (out2, iv2) = crypt(ctx.as_mut(), true, &iv1, &d.pt[20..])?;
    match v.alg {
        Algorithm::AesCtr => {
            // The partial block used counter + 1 whole: the next call starts at counter + 2,
            // not in the middle of that keystream block.
            expect_eq("IV after 20 bytes", &iv1, &counter_add(&d.iv, 2)?)?;
            expect_eq(
                "second call, blocks at counter + 2 and + 3",
                &out2[..32],
                &xor(&d.pt[20..52], &ks[32..64]),
            )?;
            expect_eq("IV after 20 + 44 bytes", &iv2, &counter_add(&d.iv, 5)?)?;
            // Its partial tail uses counter + 4 (keystream taken from the backend itself).
            let (k5, _) = crypt(ctx.as_mut(), true, &counter_add(&d.iv, 4)?, &[0; 16])?;
            expect_eq(
                "second call, tail at counter + 4",
                &out2[32..],
                &xor(&d.pt[52..], &k5),
            )?;
        }
        Algorithm::AesCfb => {
            // A partial block leaves the IV at the last full ciphertext block...
            expect_eq("IV after 20 bytes", &iv1, &d.ct[..16])?;
            // ...so the next call restarts from it: E(C1) is applied to bytes 20..36.
            expect_eq(
                "second call, first block",
                &out2[..16],
                &xor(&d.pt[20..36], &ks[16..32]),
            )?;
            expect_eq("IV after 20 + 44 bytes", &iv2, &out2[16..32])?;
            // Decryption chains on the input the same way.
            let (back, div) = crypt(ctx.as_mut(), false, &d.iv, &d.ct[..20])?;
            expect_eq("decrypt 20 bytes", &back, &d.pt[..20])?;
            expect_eq("IV after decrypting 20 bytes", &div, &d.ct[..16])?;
        }
        Algorithm::AesOfb => {
            // The IV is the keystream block the partial block used (block 2)...
            expect_eq("IV after 20 bytes", &iv1, &ks[16..32])?;
            // ...so the next call continues with keystream blocks 3 and 4.
            expect_eq(
                "second call, keystream blocks 3 and 4",
                &out2[..32],
                &xor(&d.pt[20..52], &ks[32..64]),
            )?;
            expect_eq(
                "second call, tail uses the keystream block left as IV",
                &out2[32..],
                &xor(&d.pt[52..], &iv2[..12]),
            )?;
        }
        other => return Err(format!("no partial-block rule for {other:?}")),
    }
    Ok(())
}

fn check_hash(backend: &dyn Backend, v: &HashVector<'_>) -> Checked {
    let key = v.key.decode()?;
    let msg = v.message.decode()?;
    let want = hex(v.digest)?;
    if u32::try_from(want.len()).ok() != Some(v.alg.digest_size()) {
        return Err(format!("table entry: digest of {} bytes", want.len()));
    }
    let mut ctx = backend
        .hash(v.alg, &key)
        .map_err(|e| backend_err("init", &e))?;
    if ctx.algorithm() != v.alg {
        return Err(format!("context reports {:?}", ctx.algorithm()));
    }
    let info = ctx.info();
    if Some(info.name.as_str()) != v.alg.kernel_name() {
        return Err(format!("reported name {:?}", info.name));
    }
    let mut out = vec![0u8; want.len()];

    ctx.update(&msg).map_err(|e| backend_err("hash", &e))?;
    ctx.finish(&mut out).map_err(|e| backend_err("hash", &e))?;
    expect_eq("one shot", &out, &want)?;

    // finish() left the initial state: three uneven chunks.
    let (a, b) = (msg.len() * 2 / 7, msg.len() * 5 / 9 + 1);
    let b = b.min(msg.len()).max(a);
    ctx.update(&msg[..a]).map_err(|e| backend_err("hash", &e))?;
    ctx.update(&msg[a..b])
        .map_err(|e| backend_err("hash", &e))?;
    ctx.update(&msg[b..]).map_err(|e| backend_err("hash", &e))?;
    ctx.finish(&mut out).map_err(|e| backend_err("hash", &e))?;
    expect_eq("three chunks", &out, &want)?;

    // Fork half-way; both branches finish the message independently.
    let half = msg.len() / 2;
    ctx.update(&msg[..half])
        .map_err(|e| backend_err("hash", &e))?;
    let mut fork = ctx.fork();
    if fork.algorithm() != v.alg {
        return Err(format!("fork reports {:?}", fork.algorithm()));
    }
    ctx.update(&msg[half..])
        .map_err(|e| backend_err("hash", &e))?;
    ctx.finish(&mut out).map_err(|e| backend_err("hash", &e))?;
    expect_eq("original after fork", &out, &want)?;
    ctx.update(b"state after finish, not seen by the fork")
        .map_err(|e| backend_err("hash", &e))?;
    fork.update(&msg[half..])
        .map_err(|e| backend_err("hash", &e))?;
    fork.finish(&mut out).map_err(|e| backend_err("hash", &e))?;
    expect_eq("fork", &out, &want)?;

    // Reset after a partial update.
    ctx.update(b"partial input discarded by reset")
        .map_err(|e| backend_err("hash", &e))?;
    ctx.reset();
    ctx.update(&msg).map_err(|e| backend_err("hash", &e))?;
    ctx.finish(&mut out).map_err(|e| backend_err("hash", &e))?;
    expect_eq("after reset", &out, &want)?;
    Ok(())
}

/// The tag lengths below 16 that GCM allows (the kernel's `crypto_gcm_check_authsize`).
const GCM_SHORT_TAGS: [usize; 6] = [4, 8, 12, 13, 14, 15];

/// GCM vectors with a full 16-byte tag are also checked at every shorter tag length.
fn has_gcm_prefix_check(v: &AeadVector<'_>) -> bool {
    v.alg == A::AesGcm && v.tag.len() == 32
}

struct AeadDecoded {
    key: Vec<u8>,
    iv: Vec<u8>,
    aad: Vec<u8>,
    pt: Vec<u8>,
    ct: Vec<u8>,
    tag: Vec<u8>,
}

fn decode_aead(v: &AeadVector<'_>) -> Result<AeadDecoded, String> {
    let d = AeadDecoded {
        key: hex(v.key)?,
        iv: hex(v.iv)?,
        aad: hex(v.aad)?,
        pt: hex(v.plaintext)?,
        ct: hex(v.ciphertext)?,
        tag: hex(v.tag)?,
    };
    if d.pt.len() != d.ct.len() {
        return Err("table entry: plaintext and ciphertext lengths differ".to_owned());
    }
    if d.iv.len() != usize::try_from(v.alg.iv_size()).unwrap_or(usize::MAX) {
        return Err(format!("table entry: IV of {} bytes", d.iv.len()));
    }
    if !(1..=16).contains(&d.tag.len()) {
        return Err(format!("table entry: tag of {} bytes", d.tag.len()));
    }
    Ok(d)
}

/// A context for the vector, at the vector's tag length.
fn aead_ctx(
    backend: &dyn Backend,
    v: &AeadVector<'_>,
    d: &AeadDecoded,
) -> Result<Box<dyn AeadContext>, String> {
    let mut ctx = backend
        .aead(v.alg, &d.key)
        .map_err(|e| backend_err("setkey", &e))?;
    if ctx.tag_len() != 16 {
        return Err(format!("new context has tag length {}", ctx.tag_len()));
    }
    ctx.set_tag_len(d.tag.len())
        .map_err(|e| backend_err(&format!("set_tag_len({})", d.tag.len()), &e))?;
    if ctx.tag_len() != d.tag.len() {
        return Err(format!("tag length {} after setting it", ctx.tag_len()));
    }
    Ok(ctx)
}

/// Encrypts a copy of `pt`: (ciphertext, tag).
fn seal(
    ctx: &mut dyn AeadContext,
    iv: &[u8],
    aad: &[u8],
    pt: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let mut buf = pt.to_vec();
    let tag = ctx
        .encrypt(iv, aad, &mut buf)
        .map_err(|e| backend_err("encrypt", &e))?;
    Ok((buf, tag))
}

/// Decrypts a copy of `ct`.
fn open(
    ctx: &mut dyn AeadContext,
    iv: &[u8],
    aad: &[u8],
    ct: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>, BackendError> {
    let mut buf = ct.to_vec();
    ctx.decrypt(iv, aad, &mut buf, tag).map(|()| buf)
}

/// `r` must be [`BackendError::BadTag`].
fn expect_bad_tag(what: &str, r: Result<Vec<u8>, BackendError>) -> Checked {
    match r {
        Err(BackendError::BadTag) => Ok(()),
        Err(e) => Err(format!("{what}: {e}, expected an authentication failure")),
        Ok(_) => Err(format!("{what}: accepted")),
    }
}

/// A copy of `b` with one bit flipped.
fn flip_bit(b: &[u8], byte: usize, bit: u8) -> Vec<u8> {
    let mut out = b.to_vec();
    if let Some(x) = out.get_mut(byte) {
        *x ^= 1 << (bit % 8);
    }
    out
}

fn check_aead(backend: &dyn Backend, v: &AeadVector<'_>) -> Checked {
    let d = decode_aead(v)?;
    let mut ctx = aead_ctx(backend, v, &d)?;
    let info = ctx.info();
    if Some(info.name.as_str()) != v.alg.kernel_name() {
        return Err(format!("reported name {:?}", info.name));
    }
    let (ct, tag) = seal(ctx.as_mut(), &d.iv, &d.aad, &d.pt)?;
    expect_eq("encrypt", &ct, &d.ct)?;
    expect_eq("tag", &tag, &d.tag)?;
    let pt =
        open(ctx.as_mut(), &d.iv, &d.aad, &d.ct, &d.tag).map_err(|e| backend_err("decrypt", &e))?;
    expect_eq("decrypt", &pt, &d.pt)?;
    Ok(())
}

fn check_aead_refusals(backend: &dyn Backend, v: &AeadVector<'_>) -> Checked {
    let d = decode_aead(v)?;
    let mut ctx = aead_ctx(backend, v, &d)?;
    let last = d.tag.len() - 1;
    for (what, tag) in [
        ("first tag bit flipped", flip_bit(&d.tag, 0, 7)),
        ("last tag bit flipped", flip_bit(&d.tag, last, 0)),
    ] {
        expect_bad_tag(what, open(ctx.as_mut(), &d.iv, &d.aad, &d.ct, &tag))?;
    }
    if !d.ct.is_empty() {
        let ct = flip_bit(&d.ct, d.ct.len() / 2, 3);
        expect_bad_tag(
            "ciphertext bit flipped",
            open(ctx.as_mut(), &d.iv, &d.aad, &ct, &d.tag),
        )?;
    }
    if !d.aad.is_empty() {
        let aad = flip_bit(&d.aad, d.aad.len() - 1, 5);
        expect_bad_tag(
            "AAD bit flipped",
            open(ctx.as_mut(), &d.iv, &aad, &d.ct, &d.tag),
        )?;
    }
    let long = [&d.tag[..], &[0]].concat();
    for (what, tag) in [
        ("tag one byte short", &d.tag[..last]),
        ("tag one byte long", &long),
    ] {
        if open(ctx.as_mut(), &d.iv, &d.aad, &d.ct, tag).is_ok() {
            return Err(format!("{what}: accepted"));
        }
    }
    // The context is still usable after the refusals.
    let pt = open(ctx.as_mut(), &d.iv, &d.aad, &d.ct, &d.tag)
        .map_err(|e| backend_err("decrypt after refusals", &e))?;
    expect_eq("decrypt after refusals", &pt, &d.pt)?;
    if v.alg == A::AesCcm {
        // Only iv[0] = L - 1 and the nonce count; the L counter bytes are ignored.
        let l = usize::from(d.iv[0]) + 1;
        let mut iv = d.iv.clone();
        let start = iv.len().saturating_sub(l);
        iv[start..].fill(0xa5);
        let (ct, tag) = seal(ctx.as_mut(), &iv, &d.aad, &d.pt)?;
        expect_eq("encrypt with counter bytes set", &ct, &d.ct)?;
        expect_eq("tag with counter bytes set", &tag, &d.tag)?;
    }
    Ok(())
}

/// GCM's short tags are prefixes of the full tag.
fn check_gcm_short_tags(backend: &dyn Backend, v: &AeadVector<'_>) -> Checked {
    let d = decode_aead(v)?;
    let mut ctx = aead_ctx(backend, v, &d)?;
    for len in GCM_SHORT_TAGS {
        ctx.set_tag_len(len)
            .map_err(|e| backend_err(&format!("set_tag_len({len})"), &e))?;
        let (ct, tag) = seal(ctx.as_mut(), &d.iv, &d.aad, &d.pt)?;
        expect_eq(&format!("encrypt, {len}-byte tag"), &ct, &d.ct)?;
        expect_eq(&format!("{len}-byte tag"), &tag, &d.tag[..len])?;
        let pt = open(ctx.as_mut(), &d.iv, &d.aad, &d.ct, &d.tag[..len])
            .map_err(|e| backend_err(&format!("decrypt, {len}-byte tag"), &e))?;
        expect_eq(&format!("decrypt, {len}-byte tag"), &pt, &d.pt)?;
        expect_bad_tag(
            &format!("{len}-byte tag with its last bit flipped"),
            open(
                ctx.as_mut(),
                &d.iv,
                &d.aad,
                &d.ct,
                &flip_bit(&d.tag[..len], len - 1, 0),
            ),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::soft::RustCryptoBackend;

    #[test]
    fn table_entries_are_well_formed() {
        for v in CIPHER_VECTORS {
            let d = decode(v).unwrap_or_else(|e| panic!("{}: {e}", v.name));
            let block = usize::try_from(v.alg.block_size()).unwrap();
            assert_eq!(d.pt.len() % block, 0, "{}", v.name);
            assert!(!d.pt.is_empty(), "{}", v.name);
        }
        for v in HASH_VECTORS {
            v.key.decode().unwrap();
            v.message.decode().unwrap();
            assert_eq!(
                hex(v.digest).unwrap().len(),
                usize::try_from(v.alg.digest_size()).unwrap(),
                "{}",
                v.name
            );
        }
        for v in AEAD_VECTORS {
            let d = decode_aead(v).unwrap_or_else(|e| panic!("{}: {e}", v.name));
            assert!(
                matches!(v.alg, A::AesGcm | A::AesCcm),
                "{}: not an AEAD",
                v.name
            );
            if v.alg == A::AesCcm {
                // Kernel format: L - 1 in 1..=7, nonce, zero counter bytes.
                let l = usize::from(d.iv[0]) + 1;
                assert!((2..=8).contains(&l), "{}", v.name);
                assert!(d.iv[16 - l..].iter().all(|&b| b == 0), "{}", v.name);
                assert!(
                    [4, 6, 8, 10, 12, 14, 16].contains(&d.tag.len()),
                    "{}",
                    v.name
                );
            } else {
                assert!(
                    [4, 8, 12, 13, 14, 15, 16].contains(&d.tag.len()),
                    "{}",
                    v.name
                );
            }
        }
        // Every algorithm the software backend supports has vectors.
        let backend = RustCryptoBackend;
        for &alg in Algorithm::ALL {
            if backend.supports(alg) {
                assert!(
                    CIPHER_VECTORS.iter().any(|v| v.alg == alg)
                        || HASH_VECTORS.iter().any(|v| v.alg == alg)
                        || AEAD_VECTORS.iter().any(|v| v.alg == alg),
                    "no vectors for {alg:?}"
                );
            }
        }
    }

    #[test]
    fn hex_decoding() {
        assert_eq!(hex("00ff10Ab").unwrap(), vec![0, 0xff, 0x10, 0xab]);
        assert!(hex("0").is_err());
        assert!(hex("zz").is_err());
        assert_eq!(counter_add(&[0xff; 16], 1).unwrap(), vec![0; 16]);
    }

    /// The runner is not vacuous: a one-bit change in a copy of a vector fails that vector,
    /// for each kind of expected value (ciphertext, digest).
    #[test]
    fn mutated_vectors_fail() {
        let backend = RustCryptoBackend;
        let flip = |s: &str| -> String {
            let mut b = hex(s).unwrap();
            let mid = b.len() / 2;
            b[mid] ^= 0x01;
            to_hex(&b)
        };
        for original in [CIPHER_VECTORS[3], CIPHER_VECTORS[CIPHER_VECTORS.len() - 2]] {
            let ct = flip(original.ciphertext);
            let bad = CipherVector {
                ciphertext: &ct,
                ..original
            };
            let report = run_vectors(&backend, &[original, bad], &[]);
            let first = &report.results[0];
            assert_eq!(first.outcome, Outcome::Passed, "{}", first.description);
            let failed: Vec<_> = report.failures().collect();
            assert!(!failed.is_empty(), "{report}");
            assert!(failed
                .iter()
                .all(|r| r.description.starts_with(original.name)));
            assert!(!report.is_success());
        }
        let original = HASH_VECTORS[0];
        let digest = flip(original.digest);
        let bad = HashVector {
            digest: &digest,
            ..original
        };
        let report = run_vectors(&backend, &[], &[original, bad]);
        assert_eq!(report.passed(), 1);
        assert_eq!(report.failed(), 1);
        assert!(!report.is_success());
        // A wrong key fails too.
        let key = flip(CIPHER_VECTORS[0].key);
        let bad = CipherVector {
            key: &key,
            ..CIPHER_VECTORS[0]
        };
        assert_eq!(run_vectors(&backend, &[bad], &[]).passed(), 0);
    }

    /// The same for AEAD vectors: a one-bit change in the expected ciphertext or tag, or in
    /// the key, fails the vector's checks, and only those.
    #[test]
    fn mutated_aead_vectors_fail() {
        let backend = RustCryptoBackend;
        let flip = |s: &str| -> String { to_hex(&flip_bit(&hex(s).unwrap(), 0, 0)) };
        // GCM case 4 (AAD and data), RFC 3610 vector 1, SP 800-38C example 1.
        let picks = [
            "GCM test case 4",
            "RFC 3610 packet vector 1",
            "SP 800-38C example 1",
        ];
        for pick in picks {
            let original = *AEAD_VECTORS
                .iter()
                .find(|v| v.name.starts_with(pick))
                .unwrap();
            let (ct, tag, key) = (
                flip(original.ciphertext),
                flip(original.tag),
                flip(original.key),
            );
            for bad in [
                AeadVector {
                    ciphertext: &ct,
                    ..original
                },
                AeadVector {
                    tag: &tag,
                    ..original
                },
                AeadVector {
                    key: &key,
                    ..original
                },
            ] {
                let report = run_all_vectors(&backend, &[], &[], &[original, bad]);
                let checks = if has_gcm_prefix_check(&original) {
                    3
                } else {
                    2
                };
                assert_eq!(report.results.len(), 2 * checks);
                assert!(
                    report.results[..checks]
                        .iter()
                        .all(|r| r.outcome == Outcome::Passed),
                    "{report}"
                );
                assert!(
                    matches!(report.results[checks].outcome, Outcome::Failed(_)),
                    "{pick}: mutated vector passed: {report}"
                );
                assert!(!report.is_success());
            }
        }
    }

    #[test]
    fn run_covers_every_table() {
        let report = run(&RustCryptoBackend);
        let names: Vec<&str> = report
            .results
            .iter()
            .map(|r| r.description.as_str())
            .collect();
        for v in AEAD_VECTORS {
            assert!(names.contains(&v.name), "{}", v.name);
        }
        assert_eq!(
            report.results.len(),
            expected_checks(|a| RustCryptoBackend.supports(a))
        );
    }

    #[test]
    fn empty_run_is_not_success() {
        let report = run_vectors(&RustCryptoBackend, &[], &[]);
        assert_eq!(report.passed(), 0);
        assert!(!report.is_success());
    }

    /// A backend without any algorithm: everything is skipped and the report fails.
    #[derive(Debug)]
    struct Nothing;

    impl Backend for Nothing {
        fn name(&self) -> &'static str {
            "nothing"
        }
        fn supports(&self, _: Algorithm) -> bool {
            false
        }
        fn cipher(
            &self,
            alg: Algorithm,
            _: &[u8],
        ) -> Result<Box<dyn crate::backend::CipherContext>, BackendError> {
            Err(BackendError::Unsupported(alg))
        }
        fn hash(
            &self,
            alg: Algorithm,
            _: &[u8],
        ) -> Result<Box<dyn crate::backend::HashContext>, BackendError> {
            Err(BackendError::Unsupported(alg))
        }
    }

    #[test]
    fn unsupported_everything_is_skipped_and_not_success() {
        let report = run(&Nothing);
        assert_eq!(report.passed(), 0);
        assert_eq!(report.failed(), 0);
        assert_eq!(report.skipped(), report.results.len());
        assert!(!report.is_success());
    }
}
