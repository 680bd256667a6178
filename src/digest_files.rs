//! Digest files: the file interface of a mount for programs that do not speak ioctls (shells).
//!
//! `hash/ALG` of a mount is a [`DigestFile`]: what is written to an open file is hashed, and
//! reading the same open file returns the digest of everything written so far, in lowercase
//! hex and a newline, or raw from `hash/ALG.bin`. Once the digest has been read whole, reads
//! return the end of the file; a write after a read starts a new message. `hmac/ALG` works
//! alike, with the key given as the first write on the open file: a key belongs neither in a
//! path (visible to every process, logged by tools) nor on a command line (visible in
//! `/proc/PID/cmdline`); written to the descriptor it is seen by the daemon alone, and wiped
//! with the open file's state. Each open file has its own state, so concurrent users of one
//! path never mix.
//!
//! The contexts come from the daemon's backend, as a CIOCGSESSION's do, and the usage counters
//! and the per-user open-file limit are the device's.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cryptodev_abi::{AlgKind, Algorithm};
use nix::errno::Errno;
use zeroize::Zeroizing;

use crate::backend::{Backend, HashContext};
use crate::limits::Quotas;
use crate::stats::Stats;
use crate::transport::{Caller, Device, IoctlCall, IoctlReply};

/// How the digest is read back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Lowercase hex and a newline, what `read` in a shell takes.
    Hex,
    /// The digest's bytes.
    Raw,
}

/// The file name suffix of [`Encoding::Raw`].
pub const RAW_SUFFIX: &str = ".bin";

/// The files a mount offers: (path relative to the mount, algorithm, encoding), for every hash
/// and HMAC of the ABI that `backend` implements. Names are the kernel's (`sha256`, `rmd160`).
pub fn catalogue(backend: &dyn Backend) -> Vec<(String, Algorithm, Encoding)> {
    let mut files = Vec::new();
    for &alg in Algorithm::ALL {
        let (Some(kernel_name), true) = (alg.kernel_name(), backend.supports(alg)) else {
            continue;
        };
        let (directory, name) = match alg.kind() {
            AlgKind::Hash { .. } => ("hash", kernel_name),
            AlgKind::Hmac { .. } => (
                "hmac",
                kernel_name
                    .strip_prefix("hmac(")
                    .and_then(|n| n.strip_suffix(')'))
                    .unwrap_or(kernel_name),
            ),
            _ => continue,
        };
        files.push((format!("{directory}/{name}"), alg, Encoding::Hex));
        files.push((
            format!("{directory}/{name}{RAW_SUFFIX}"),
            alg,
            Encoding::Raw,
        ));
    }
    files
}

enum State {
    /// An HMAC file before its first write.
    AwaitingKey,
    /// Taking data.
    Absorbing(Box<dyn HashContext>),
    /// The digest finished, being read out; the context is reset (and keyed) for a new message.
    Reading {
        context: Box<dyn HashContext>,
        output: Zeroizing<Vec<u8>>,
        taken: usize,
    },
    /// The backend failed; every later request on this open file fails.
    Broken,
}

struct OpenDigest {
    owner: u32,
    state: State,
}

/// One digest file of a mount (see the module documentation).
pub struct DigestFile {
    alg: Algorithm,
    encoding: Encoding,
    backend: Arc<dyn Backend>,
    stats: Arc<Stats>,
    quotas: Arc<Quotas>,
    files: Mutex<HashMap<u64, Arc<Mutex<OpenDigest>>>>,
    next_fh: AtomicU64,
}

impl DigestFile {
    pub fn new(
        alg: Algorithm,
        encoding: Encoding,
        backend: Arc<dyn Backend>,
        stats: Arc<Stats>,
        quotas: Arc<Quotas>,
    ) -> DigestFile {
        DigestFile {
            alg,
            encoding,
            backend,
            stats,
            quotas,
            files: Mutex::new(HashMap::new()),
            next_fh: AtomicU64::new(1),
        }
    }

    fn files(&self) -> MutexGuard<'_, HashMap<u64, Arc<Mutex<OpenDigest>>>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn open_digest(&self, fh: u64) -> Result<Arc<Mutex<OpenDigest>>, Errno> {
        self.files().get(&fh).cloned().ok_or(Errno::EBADF)
    }

    fn context(&self, key: &[u8]) -> Result<Box<dyn HashContext>, Errno> {
        let context = self.backend.hash(self.alg, key).map_err(|e| {
            tracing::debug!(alg = ?self.alg, "digest file: {e}");
            Errno::EINVAL
        })?;
        self.stats.session(self.alg);
        Ok(context)
    }

    fn encode(&self, digest: &[u8]) -> Zeroizing<Vec<u8>> {
        match self.encoding {
            Encoding::Raw => Zeroizing::new(digest.to_vec()),
            Encoding::Hex => {
                let mut text = String::with_capacity(digest.len() * 2 + 1);
                for byte in digest {
                    let _ = write!(text, "{byte:02x}");
                }
                text.push('\n');
                Zeroizing::new(text.into_bytes())
            }
        }
    }
}

fn lock(file: &Mutex<OpenDigest>) -> MutexGuard<'_, OpenDigest> {
    file.lock().unwrap_or_else(|e| e.into_inner())
}

impl Device for DigestFile {
    fn open(&self, caller: &Caller, _flags: u32) -> Result<u64, Errno> {
        let state = match self.alg.kind() {
            AlgKind::Hmac { .. } => State::AwaitingKey,
            _ => State::Absorbing(self.context(&[])?),
        };
        self.quotas.open_file(caller.uid)?;
        let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
        let open = OpenDigest {
            owner: caller.uid,
            state,
        };
        self.files().insert(fh, Arc::new(Mutex::new(open)));
        Ok(fh)
    }

    fn release(&self, fh: u64) {
        if let Some(file) = self.files().remove(&fh) {
            self.quotas.file_closed(lock(&file).owner, 0);
        }
    }

    fn write(&self, fh: u64, data: &[u8]) -> Result<usize, Errno> {
        let file = self.open_digest(fh)?;
        let mut file = lock(&file);
        let state = std::mem::replace(&mut file.state, State::Broken);
        let mut context = match state {
            State::AwaitingKey => {
                file.state = State::Absorbing(self.context(data)?);
                return Ok(data.len());
            }
            State::Absorbing(context) | State::Reading { context, .. } => context,
            State::Broken => return Err(Errno::EIO),
        };
        context.update(data).map_err(|e| {
            tracing::warn!(alg = ?self.alg, "digest file update failed: {e}");
            Errno::EIO
        })?;
        self.stats.operation(self.alg, data.len());
        file.state = State::Absorbing(context);
        Ok(data.len())
    }

    fn read(&self, fh: u64, size: usize) -> Result<Vec<u8>, Errno> {
        let file = self.open_digest(fh)?;
        let mut file = lock(&file);
        // The first read finishes the digest; a failed finish leaves the file Broken.
        file.state = match std::mem::replace(&mut file.state, State::Broken) {
            State::Absorbing(mut context) => {
                let mut digest = Zeroizing::new(vec![0u8; self.alg.digest_size() as usize]);
                context.finish(&mut digest).map_err(|e| {
                    tracing::warn!(alg = ?self.alg, "digest file finish failed: {e}");
                    Errno::EIO
                })?;
                State::Reading {
                    context,
                    output: self.encode(&digest),
                    taken: 0,
                }
            }
            other => other,
        };
        match &mut file.state {
            // Nothing to take a MAC with yet.
            State::AwaitingKey => Err(Errno::ENOKEY),
            State::Reading { output, taken, .. } => {
                let end = output.len().min(taken.saturating_add(size));
                let chunk = output[*taken..end].to_vec();
                *taken = end;
                Ok(chunk)
            }
            State::Absorbing(_) | State::Broken => Err(Errno::EIO),
        }
    }

    /// No ioctls: the cryptodev ABI is the mount's ioctl file.
    fn ioctl(&self, _caller: &Caller, _call: &IoctlCall<'_>) -> IoctlReply {
        IoctlReply::Error(Errno::ENOTTY)
    }

    /// Always ready: reads and writes never wait.
    fn poll(&self, fh: u64, _kh: u64, events: u32, _notify: bool) -> Result<u32, Errno> {
        self.open_digest(fh)?;
        Ok(events & (libc::POLLIN | libc::POLLOUT | libc::POLLRDNORM | libc::POLLWRNORM) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::soft::RustCryptoBackend;
    use crate::limits::Limits;

    fn file(alg: Algorithm, encoding: Encoding) -> DigestFile {
        DigestFile::new(
            alg,
            encoding,
            Arc::new(RustCryptoBackend::new()),
            Arc::new(Stats::default()),
            Quotas::new(Limits::for_this_machine()),
        )
    }

    const CALLER: Caller = Caller {
        pid: 1,
        uid: 1000,
        gid: 1000,
    };

    fn read_all(file: &DigestFile, fh: u64, chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let piece = file.read(fh, chunk).unwrap();
            if piece.is_empty() {
                return out;
            }
            out.extend(piece);
        }
    }

    #[test]
    fn sha256_in_hex_then_the_end_then_a_new_message() {
        let file = file(Algorithm::Sha256, Encoding::Hex);
        let fh = file.open(&CALLER, 0).unwrap();
        assert_eq!(file.write(fh, b"a").unwrap(), 1);
        assert_eq!(file.write(fh, b"bc").unwrap(), 2);
        // One byte at a time, as a shell's `read` takes it from a file it cannot seek.
        assert_eq!(
            read_all(&file, fh, 1),
            b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
        );
        assert!(file.read(fh, 64).unwrap().is_empty());
        file.write(fh, b"").unwrap();
        assert_eq!(
            read_all(&file, fh, 4096),
            b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
            "a write after the digest starts over"
        );
        file.release(fh);
        assert_eq!(file.read(fh, 1), Err(Errno::EBADF));
    }

    #[test]
    fn hmac_takes_its_key_first_and_reads_raw() {
        // RFC 4231, test case 2.
        let file = file(Algorithm::Sha256Hmac, Encoding::Raw);
        let fh = file.open(&CALLER, 0).unwrap();
        assert_eq!(file.read(fh, 32), Err(Errno::ENOKEY));
        file.write(fh, b"Jefe").unwrap();
        file.write(fh, b"what do ya want ").unwrap();
        file.write(fh, b"for nothing?").unwrap();
        let mac = read_all(&file, fh, 7);
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn open_files_are_independent() {
        let file = file(Algorithm::Md5, Encoding::Hex);
        let (a, b) = (
            file.open(&CALLER, 0).unwrap(),
            file.open(&CALLER, 0).unwrap(),
        );
        file.write(a, b"abc").unwrap();
        assert_eq!(
            read_all(&file, b, 100),
            b"d41d8cd98f00b204e9800998ecf8427e\n"
        );
        assert_eq!(
            read_all(&file, a, 100),
            b"900150983cd24fb0d6963f7d28e17f72\n"
        );
    }

    #[test]
    fn the_catalogue_names_hex_and_raw_files() {
        let files = catalogue(&RustCryptoBackend::new());
        let paths: Vec<&str> = files.iter().map(|(p, ..)| p.as_str()).collect();
        for expected in [
            "hash/sha256",
            "hash/sha256.bin",
            "hash/md5",
            "hmac/sha1",
            "hmac/sha512.bin",
        ] {
            assert!(
                paths.contains(&expected),
                "{expected} missing from {paths:?}"
            );
        }
        assert!(!paths.iter().any(|p| p.contains("aes")));
    }
}
