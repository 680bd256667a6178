//! CIOCAUTHCRYPT (docs/ABI.md §11): plain AEAD (GCM, CCM), TLS records (CBC + HMAC with TLS
//! padding) and SRTP (CTR or NULL + HMAC).

use cryptodev_abi::consts::{CopFlags, AUTH_LEN_MAX, HASH_MAX_LEN};
use cryptodev_abi::{AuthCryptParams, Direction, Reply};
use nix::errno::Errno;
use zeroize::Zeroizing;

use super::{backend_errno, lock_as_planned, region};
use crate::memory::{Completion, Inputs, Output, Plan, Region};
use crate::session::{self, OpenFile, Session};
use crate::stats::Stats;

/// Farthest the SRTP payload may start after the authenticated header.
const SRTP_MAX_HEADER: u64 = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Aead,
    Tls,
    Srtp,
}

/// Everything an AUTHCRYPT will do, decided before any caller memory is touched.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shape {
    mode: Mode,
    direction: Direction,
    tag_len: u32,
    /// Output length reported back in `len` (for TLS decryption: the most it can be).
    out_len: u32,
    plan: Plan,
}

impl AsRef<Plan> for Shape {
    fn as_ref(&self) -> &Plan {
        &self.plan
    }
}

fn digest_size(session: &Session) -> Option<u32> {
    session.hash.as_ref().map(|h| h.alg.digest_size())
}

/// The AEAD's current tag length (at most 16).
fn aead_tag_len(session: &Session) -> Option<u32> {
    session
        .aead
        .as_ref()
        .map(|a| u32::try_from(a.ctx.tag_len()).unwrap_or(u32::MAX))
}

fn shape(session: &Session, p: &AuthCryptParams) -> Result<Shape, Errno> {
    let in_place_mode =
        p.flags.has(CopFlags::AEAD_TLS_TYPE) || p.flags.has(CopFlags::AEAD_SRTP_TYPE);
    if in_place_mode && p.src != p.dst {
        return Err(Errno::EINVAL);
    }
    let default_tag = digest_size(session).or(aead_tag_len(session)).unwrap_or(0);
    let tag_len = if p.tag_len == 0 {
        default_tag
    } else {
        p.tag_len
    };
    let direction = Direction::try_from(p.op).map_err(|_| Errno::EINVAL)?;
    if session.cipher.is_none() && session.aead.is_none() {
        return Err(Errno::EINVAL);
    }
    let mode = if p.flags.has(CopFlags::AEAD_SRTP_TYPE) {
        Mode::Srtp
    } else if p.flags.has(CopFlags::AEAD_TLS_TYPE) && session.aead.is_none() {
        Mode::Tls
    } else if session.aead.is_some() {
        Mode::Aead
    } else {
        return Err(Errno::EINVAL);
    };

    let iv_size = session.iv_size();
    let mut reads = Vec::new();
    if p.iv != 0 && iv_size > 0 {
        reads.push(region(p.iv, iv_size));
    }
    let mut writes = Vec::new();
    let out_len;
    match mode {
        Mode::Aead => {
            let current = aead_tag_len(session).unwrap_or(0);
            if tag_len > current || p.auth_len > AUTH_LEN_MAX {
                return Err(Errno::EINVAL);
            }
            push(&mut reads, p.auth_src, p.auth_len);
            push(&mut reads, p.src, p.len);
            out_len = match direction {
                Direction::Encrypt => p.len.checked_add(tag_len).ok_or(Errno::EINVAL)?,
                Direction::Decrypt => p.len.checked_sub(tag_len).ok_or(Errno::EINVAL)?,
            };
            push(&mut writes, p.dst, out_len);
        }
        Mode::Tls => {
            let (Some(cipher), Some(digest)) = (&session.cipher, digest_size(session)) else {
                return Err(Errno::EINVAL);
            };
            if tag_len > digest || p.auth_len > AUTH_LEN_MAX {
                return Err(Errno::EINVAL);
            }
            let block = cipher.alg.block_size().max(1);
            push(&mut reads, p.auth_src, p.auth_len);
            push(&mut reads, p.src, p.len);
            out_len = match direction {
                Direction::Encrypt => {
                    let record = p.len.checked_add(tag_len).ok_or(Errno::EINVAL)?;
                    let pad = if block > 1 { block - record % block } else { 0 };
                    record.checked_add(pad).ok_or(Errno::EINVAL)?
                }
                Direction::Decrypt => {
                    if !p.len.is_multiple_of(block) {
                        return Err(Errno::EINVAL);
                    }
                    p.len
                }
            };
            push(&mut writes, p.dst, out_len);
        }
        Mode::Srtp => {
            let Some(cipher) = &session.cipher else {
                return Err(Errno::EINVAL);
            };
            let Some(digest) = digest_size(session) else {
                return Err(Errno::EINVAL);
            };
            let header = p.src.wrapping_sub(p.auth_src);
            if cipher.alg.block_size() != 1
                || p.dst == 0
                || p.auth_src == 0
                || p.src < p.auth_src
                || header > SRTP_MAX_HEADER
                || p.auth_len == 0
                || p.len == 0
                || tag_len > digest
                || tag_len > HASH_MAX_LEN
            {
                return Err(Errno::EINVAL);
            }
            push(&mut reads, p.auth_src, p.auth_len);
            push(&mut reads, p.src, p.len);
            push(&mut writes, p.dst, p.len);
            match direction {
                Direction::Encrypt => push(&mut writes, p.tag, tag_len),
                Direction::Decrypt => {
                    if tag_len > p.len {
                        return Err(Errno::EINVAL);
                    }
                    push(&mut reads, p.tag, tag_len);
                }
            }
            out_len = p.len;
        }
    }
    if p.flags.has(CopFlags::WRITE_IV) && p.iv != 0 && iv_size > 0 {
        writes.push(region(p.iv, iv_size));
    }
    Ok(Shape {
        mode,
        direction,
        tag_len,
        out_len,
        plan: Plan {
            reads,
            writes,
            ..super::writes_arg_only()
        },
    })
}

fn push(regions: &mut Vec<Region>, addr: u64, len: u32) {
    if len > 0 {
        regions.push(region(addr, len));
    }
}

pub(super) fn plan(file: &OpenFile, params: &AuthCryptParams) -> Result<Plan, Errno> {
    let session = file.get(params.ses).ok_or(Errno::EINVAL)?;
    let session = session::lock(&session);
    shape(&session, params).map(|shape| shape.plan)
}

/// Compares without an early exit, so timing does not tell how much of a tag matched.
fn equal_in_constant_time(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The bytes of read region `index` and the index of the next one.
struct Reader<'a, 'b> {
    inputs: &'a Inputs<'b>,
    next: usize,
}

impl<'a> Reader<'a, '_> {
    fn take(&mut self, present: bool) -> &'a [u8] {
        if !present {
            return &[];
        }
        self.next += 1;
        self.inputs.get(self.next - 1)
    }
}

pub(super) fn execute(
    file: &OpenFile,
    stats: &Stats,
    params: &AuthCryptParams,
    plan: &Plan,
    inputs: &Inputs<'_>,
) -> Completion {
    let Some(session) = file.get(params.ses) else {
        return Completion::failed(Errno::EINVAL);
    };
    let (mut session, shape) = match lock_as_planned(&session, plan, |s| shape(s, params)) {
        Ok(locked) => locked,
        Err(errno) => return Completion::failed(errno),
    };
    let iv_size = session.iv_size();
    let mut reader = Reader { inputs, next: 0 };
    let iv = reader.take(params.iv != 0 && iv_size > 0);
    let aad = reader.take(params.auth_len > 0);
    let src = reader.take(params.len > 0);
    for alg in [
        session.aead.as_ref().map(|a| a.alg),
        session.cipher.as_ref().map(|c| c.alg),
        session.hash.as_ref().map(|h| h.alg),
    ]
    .into_iter()
    .flatten()
    {
        stats.operation(alg, src.len());
    }
    let result = match shape.mode {
        Mode::Aead => aead(&mut session, params, &shape, iv, aad, src),
        Mode::Tls => tls(&mut session, &shape, iv, aad, src),
        Mode::Srtp => {
            let tag = reader.take(shape.direction == Direction::Decrypt && shape.tag_len > 0);
            srtp(&mut session, params, &shape, iv, aad, src, tag)
        }
    };
    let (mut outputs, out_len) = match result {
        Ok(done) => done,
        Err(errno) => return Completion::failed(errno),
    };
    if params.flags.has(CopFlags::WRITE_IV) && params.iv != 0 && iv_size > 0 {
        let iv = session
            .cipher
            .as_ref()
            .map(|c| &c.iv)
            .or(session.aead.as_ref().map(|a| &a.iv));
        outputs.push(Zeroizing::new(iv.map(|iv| iv.to_vec()).unwrap_or_default()));
    }
    let mut reply = *params;
    reply.len = out_len;
    reply.tag_len = shape.tag_len;
    if shape.mode == Mode::Aead {
        reply.tag = match shape.direction {
            Direction::Encrypt => params.dst.wrapping_add(u64::from(params.len)),
            Direction::Decrypt => params.dst.wrapping_add(u64::from(out_len)),
        };
    }
    Completion {
        result: Ok(0),
        outputs: outputs.into_iter().map(Output::Owned).collect(),
        reply: Some(Reply::AuthCrypt(reply)),
    }
}

type ModeResult = Result<(Vec<Zeroizing<Vec<u8>>>, u32), Errno>;

fn aead(
    session: &mut Session,
    params: &AuthCryptParams,
    shape: &Shape,
    iv: &[u8],
    aad: &[u8],
    src: &[u8],
) -> ModeResult {
    let Some(state) = session.aead.as_mut() else {
        return Err(Errno::EINVAL);
    };
    // The tag length persists on the session, as the kernel's setauthsize does.
    state
        .ctx
        .set_tag_len(shape.tag_len as usize)
        .map_err(backend_errno("AEAD tag length"))?;
    if !iv.is_empty() {
        state.iv.copy_from_slice(iv);
    }
    let failed = backend_errno("AEAD operation");
    let mut outputs = Vec::new();
    match shape.direction {
        Direction::Encrypt => {
            let mut data = Zeroizing::new(src.to_vec());
            let tag = state
                .ctx
                .encrypt(&state.iv, aad, &mut data)
                .map_err(failed)?;
            data.extend_from_slice(&tag);
            outputs.push(data);
        }
        Direction::Decrypt => {
            let body = (params.len - shape.tag_len) as usize;
            let (ciphertext, tag) = src.split_at(body.min(src.len()));
            let mut data = Zeroizing::new(ciphertext.to_vec());
            state
                .ctx
                .decrypt(&state.iv, aad, &mut data, tag)
                .map_err(failed)?;
            if !data.is_empty() {
                outputs.push(data);
            }
        }
    }
    Ok((outputs, shape.out_len))
}

/// HMAC (the session's hash) over `parts`, from a fresh state.
fn mac(session: &mut Session, parts: &[&[u8]]) -> Result<Zeroizing<Vec<u8>>, Errno> {
    let hash = session.hash.as_mut().ok_or(Errno::EINVAL)?;
    hash.ctx.reset();
    for part in parts {
        hash.ctx.update(part).map_err(backend_errno("HMAC"))?;
    }
    let mut digest = Zeroizing::new(vec![0u8; hash.alg.digest_size() as usize]);
    hash.ctx
        .finish(&mut digest)
        .map_err(backend_errno("HMAC"))?;
    Ok(digest)
}

fn cipher_run(
    session: &mut Session,
    direction: Direction,
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), Errno> {
    let cipher = session.cipher.as_mut().ok_or(Errno::EINVAL)?;
    if !iv.is_empty() {
        cipher.iv.copy_from_slice(iv);
    }
    let ran = match direction {
        Direction::Encrypt => cipher.ctx.encrypt(&mut cipher.iv, data),
        Direction::Decrypt => cipher.ctx.decrypt(&mut cipher.iv, data),
    };
    ran.map_err(backend_errno("cipher operation"))
}

fn tls(session: &mut Session, shape: &Shape, iv: &[u8], aad: &[u8], src: &[u8]) -> ModeResult {
    let tag_len = shape.tag_len as usize;
    match shape.direction {
        Direction::Encrypt => {
            let digest = mac(session, &[aad, src])?;
            let mut record = Zeroizing::new(Vec::with_capacity(shape.out_len as usize));
            record.extend_from_slice(src);
            record.extend_from_slice(&digest[..tag_len]);
            let pad = shape.out_len as usize - record.len();
            // TLS padding: pad bytes all hold the pad length minus one (below one block).
            let pad_byte = u8::try_from(pad.saturating_sub(1)).map_err(|_| Errno::EINVAL)?;
            record.resize(shape.out_len as usize, pad_byte);
            cipher_run(session, Direction::Encrypt, iv, &mut record)?;
            Ok((vec![record], shape.out_len))
        }
        Direction::Decrypt => {
            let mut record = Zeroizing::new(src.to_vec());
            cipher_run(session, Direction::Decrypt, iv, &mut record)?;
            let len = record.len();
            let last = record.last().copied().map_or(0, usize::from);
            let pad_ok = len > 0
                && last < len
                && record[len - last - 1..]
                    .iter()
                    .all(|&b| usize::from(b) == last);
            let remaining = if pad_ok { len - last - 1 } else { len };
            if tag_len > HASH_MAX_LEN as usize || tag_len > remaining {
                return Err(Errno::EINVAL);
            }
            let plain = remaining - tag_len;
            let expected = mac(session, &[aad, &record[..plain]])?;
            let mac_ok = equal_in_constant_time(&expected[..tag_len], &record[plain..remaining]);
            // A padding failure is reported only after the MAC was computed, like the kernel.
            if !(pad_ok && mac_ok) {
                return Err(Errno::EBADMSG);
            }
            let plain = u32::try_from(plain).map_err(|_| Errno::EINVAL)?;
            Ok((vec![record], plain))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn srtp(
    session: &mut Session,
    params: &AuthCryptParams,
    shape: &Shape,
    iv: &[u8],
    aad: &[u8],
    src: &[u8],
    tag: &[u8],
) -> ModeResult {
    let tag_len = shape.tag_len as usize;
    // The payload lies inside the authenticated span, `header` bytes in.
    let header = usize::try_from(params.src - params.auth_src).map_err(|_| Errno::EINVAL)?;
    let with_payload = |payload: &[u8]| {
        let mut auth = Zeroizing::new(aad.to_vec());
        for (i, byte) in payload.iter().enumerate() {
            if let Some(slot) = auth.get_mut(header + i) {
                *slot = *byte;
            }
        }
        auth
    };
    let mut data = Zeroizing::new(src.to_vec());
    match shape.direction {
        Direction::Encrypt => {
            cipher_run(session, Direction::Encrypt, iv, &mut data)?;
            let auth = with_payload(&data);
            let digest = mac(session, &[&auth])?;
            let tag = Zeroizing::new(digest[..tag_len].to_vec());
            Ok((vec![data, tag], shape.out_len))
        }
        Direction::Decrypt => {
            let auth = with_payload(&data);
            let digest = mac(session, &[&auth])?;
            if !equal_in_constant_time(&digest[..tag_len], tag) {
                return Err(Errno::EBADMSG);
            }
            cipher_run(session, Direction::Decrypt, iv, &mut data)?;
            Ok((vec![data], shape.out_len))
        }
    }
}
