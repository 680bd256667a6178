//! Running a script on the host itself, in a private mount namespace, for the FUSE mount mode:
//! the host's kernel is the product's kernel there (FUSE, no CUSE). The namespace gets its own
//! `/tmp` and its own `/dev` (the host's usual nodes bound in, `/dev/crypto` an empty file for
//! the mount's ioctl file to be bound on), so that nothing the script mounts or writes reaches
//! the host, and everything it mounted goes with its last process.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::guest::Results;

/// Why mounts cannot be tested here, if they cannot: mounting needs root and `/dev/fuse`.
pub fn mount_unavailable() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some("not root: a FUSE mount needs root".into());
    }
    if !Path::new("/dev/fuse").exists() {
        return Some("no /dev/fuse: this kernel has no FUSE".into());
    }
    None
}

/// Where a mount test's daemon mounts, inside the namespace's private /tmp.
pub const MOUNT_DIR: &str = "/tmp/cryptodev-mount";

/// The namespace's setup: a private /tmp, and a private /dev holding the host's null, zero,
/// full, random, urandom, tty and fuse, the fd links, /dev/shm, and an empty /dev/crypto.
const PRIVATE_ROOT: &str = r#"set -e
mount -t tmpfs -o mode=1777 cryptodev-test-tmp /tmp
hostdev=$(mktemp -d /tmp/host-dev.XXXXXX)
mount --rbind /dev "$hostdev"
mount -t tmpfs -o mode=755,nosuid cryptodev-test-dev /dev
for node in null zero full random urandom tty fuse; do
    if [ -e "$hostdev/$node" ]; then touch "/dev/$node"; mount --bind "$hostdev/$node" "/dev/$node"; fi
done
ln -s /proc/self/fd /dev/fd
ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
mkdir /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 cryptodev-test-shm /dev/shm
touch /dev/crypto
set +e
"#;

/// Runs `script` (after the private /tmp and /dev are set up) in a new mount namespace, at most
/// `timeout`; the output is also kept under `target/native-runs/<label>.log`.
pub fn run_in_private_namespace(label: &str, script: &str, timeout: Duration) -> Results {
    let full = format!("{PRIVATE_ROOT}{script}");
    let log_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("native-runs");
    std::fs::create_dir_all(&log_dir).expect("log directory");
    let log_path = log_dir.join(format!("{label}.log"));
    let log = std::fs::File::create(&log_path).expect("log file");
    let started = Instant::now();
    let mut child = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "--fork",
            "--kill-child",
            "sh",
            "-c",
            &full,
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .expect("starting unshare");
    let exit_code = loop {
        if let Some(status) = child.try_wait().expect("waiting for the run") {
            break status.code().unwrap_or(-1);
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break -1;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    eprintln!(
        "{label}: native run {:.1} s, exit {exit_code}",
        started.elapsed().as_secs_f64()
    );
    Results::from_output(output, exit_code, log_path)
}
