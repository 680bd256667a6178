//! Finding and running host tools; well-known paths (workspace, cache).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::error::{HarnessError, Result};

/// Directories searched after `$PATH`: `depmod` and friends live in `sbin` directories that a
/// non-root `$PATH` often lacks.
const EXTRA_PATH: &[&str] = &["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/// Looks `name` up in `$PATH` (plus the sbin directories). A name containing `/` is taken as
/// a path.
pub(crate) fn find_program(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(EXTRA_PATH.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Like [`find_program`], but a missing tool is a [`HarnessError::ToolMissing`] naming the
/// Debian package to install.
pub(crate) fn require(name: &str, package: &str) -> Result<PathBuf> {
    find_program(name).ok_or_else(|| HarnessError::tool_missing(name, package))
}

/// Renders a command line for messages.
pub(crate) fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

/// Runs `cmd` to completion with captured output; a nonzero exit is
/// [`HarnessError::CommandFailed`].
pub(crate) fn run_checked(cmd: &mut Command) -> Result<Output> {
    let out = run_output(cmd)?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(HarnessError::CommandFailed {
            command: describe(cmd),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Runs `cmd` to completion with captured output, whatever its exit status.
pub(crate) fn run_output(cmd: &mut Command) -> Result<Output> {
    cmd.stdin(Stdio::null())
        .output()
        .map_err(|e| HarnessError::io(format!("cannot run `{}`", describe(cmd)), e))
}

/// Reads an environment variable, treating an empty value as unset.
pub(crate) fn env_nonempty(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// The workspace root: `$CRYPTODEV_WORKSPACE` if set, else two levels above this crate's
/// manifest directory.
pub fn workspace_root() -> PathBuf {
    if let Some(dir) = env_nonempty("CRYPTODEV_WORKSPACE") {
        return PathBuf::from(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.join("..").join("..");
    root.canonicalize().unwrap_or(root)
}

/// `<workspace>/target`, where run directories and C test binaries go.
pub fn workspace_target_dir() -> PathBuf {
    workspace_root().join("target")
}

/// The image cache directory: `$CRYPTODEV_GUEST_CACHE`, else
/// `$XDG_CACHE_HOME/cryptodev-cuse/guest`, else `$HOME/.cache/cryptodev-cuse/guest`.
pub fn cache_dir() -> Result<PathBuf> {
    cache_dir_from(
        env_nonempty("CRYPTODEV_GUEST_CACHE").as_deref(),
        env_nonempty("XDG_CACHE_HOME").as_deref(),
        env_nonempty("HOME").as_deref(),
    )
}

/// [`cache_dir`] with the environment passed in (for tests).
pub(crate) fn cache_dir_from(
    explicit: Option<&OsStr>,
    xdg: Option<&OsStr>,
    home: Option<&OsStr>,
) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(PathBuf::from(dir));
    }
    if let Some(xdg) = xdg {
        return Ok(Path::new(xdg).join("cryptodev-cuse").join("guest"));
    }
    if let Some(home) = home {
        return Ok(Path::new(home)
            .join(".cache")
            .join("cryptodev-cuse")
            .join("guest"));
    }
    Err(HarnessError::Config(
        "cannot place the guest image cache: none of CRYPTODEV_GUEST_CACHE, XDG_CACHE_HOME, HOME is set"
            .to_owned(),
    ))
}

/// 64-bit FNV-1a over length-prefixed parts: a stable (toolchain-independent) cache key.
pub(crate) fn fnv1a64(parts: &[&[u8]]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for part in parts {
        eat(&(part.len() as u64).to_le_bytes());
        eat(part);
    }
    h
}

/// A fresh random nonce (12 hex digits) from `/dev/urandom`.
pub(crate) fn nonce() -> Result<String> {
    use std::io::Read;
    let mut buf = [0u8; 6];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| HarnessError::io("reading /dev/urandom", e))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_dir_precedence() {
        let o = |s: &'static str| Some(OsStr::new(s));
        assert_eq!(
            cache_dir_from(o("/c"), o("/x"), o("/h")).unwrap(),
            PathBuf::from("/c")
        );
        assert_eq!(
            cache_dir_from(None, o("/x"), o("/h")).unwrap(),
            PathBuf::from("/x/cryptodev-cuse/guest")
        );
        assert_eq!(
            cache_dir_from(None, None, o("/h")).unwrap(),
            PathBuf::from("/h/.cache/cryptodev-cuse/guest")
        );
        assert!(cache_dir_from(None, None, None).is_err());
    }

    #[test]
    fn fnv_is_stable_and_length_prefixed() {
        assert_eq!(fnv1a64(&[b"ab", b"c"]), fnv1a64(&[b"ab", b"c"]));
        assert_ne!(fnv1a64(&[b"ab", b"c"]), fnv1a64(&[b"a", b"bc"]));
    }

    #[test]
    fn nonce_is_hex() {
        let n = nonce().unwrap();
        assert_eq!(n.len(), 12);
        assert!(n.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
