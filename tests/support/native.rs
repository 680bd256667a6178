//! Running a script on the host itself, in a private mount namespace, for the FUSE mount mode:
//! the host's kernel is the product's kernel there (FUSE, no CUSE). The namespace gets its own
//! `/tmp` (the checkout and its build bound back in where they lie under /tmp) and its own
//! `/dev` (the host's usual nodes bound in, `/dev/crypto` an empty file for the mount's ioctl
//! file to be bound on), so that nothing the script mounts or writes reaches the host, tests
//! running at once do not meet, and everything a script mounted goes with its last process.

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

/// The namespace's setup: a private /dev holding the host's null, zero, full, random, urandom,
/// tty and fuse, the fd links, /dev/shm and an empty /dev/crypto; then a private /tmp. The
/// host's /dev is held at `hold` (an empty directory) while the new one is made; each path of
/// `keep` that lies under /tmp (a checkout there, its build) is bound back into the new /tmp.
fn private_root(hold: &Path, keep: &[PathBuf]) -> String {
    let hold = hold.display();
    let mut script = format!(
        r#"set -e
mount --rbind /dev "{hold}"
mount -t tmpfs -o mode=755,nosuid cryptodev-test-dev /dev
for node in null zero full random urandom tty fuse; do
    if [ -e "{hold}/$node" ]; then touch "/dev/$node"; mount --bind "{hold}/$node" "/dev/$node"; fi
done
ln -s /proc/self/fd /dev/fd
ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
mkdir /dev/shm /dev/pts /dev/.keep
mount -t tmpfs -o mode=1777 cryptodev-test-shm /dev/shm
touch /dev/crypto
"#
    );
    let kept: Vec<&PathBuf> = keep
        .iter()
        .filter(|p| p.starts_with("/tmp"))
        .filter(|p| !keep.iter().any(|q| q != *p && p.starts_with(q)))
        .collect();
    for (index, path) in kept.iter().enumerate() {
        let path = path.display();
        script.push_str(&format!(
            "mkdir /dev/.keep/{index}; mount --rbind \"{path}\" /dev/.keep/{index}\n"
        ));
    }
    script.push_str("mount -t tmpfs -o mode=1777 cryptodev-test-tmp /tmp\n");
    for (index, path) in kept.iter().enumerate() {
        let path = path.display();
        script.push_str(&format!(
            "mkdir -p \"{path}\"; mount --rbind /dev/.keep/{index} \"{path}\"\n"
        ));
    }
    script.push_str("set +e\n");
    script
}

/// What a run needs to find where it was: the checkout, the daemon's build, the test's own
/// scratch directory.
fn paths_to_keep() -> Vec<PathBuf> {
    let mut keep = vec![
        guest_harness::workspace_root(),
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
    ];
    if let Some(build) = Path::new(super::guest::daemon_binary()).parent() {
        keep.push(build.to_path_buf());
    }
    keep.into_iter()
        .map(|p| p.canonicalize().unwrap_or(p))
        .collect()
}

/// Runs `script` (after the private /tmp and /dev are set up) in a new mount namespace, at most
/// `timeout`; the output is also kept under `target/native-runs/<label>.log`.
pub fn run_in_private_namespace(label: &str, script: &str, timeout: Duration) -> Results {
    let log_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("native-runs");
    let hold = log_dir.join(format!("{label}.host-dev"));
    std::fs::create_dir_all(&hold).expect("log directory");
    let full = format!("{}{script}", private_root(&hold, &paths_to_keep()));
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
    let _ = std::fs::remove_dir(&hold);
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    eprintln!(
        "{label}: native run {:.1} s, exit {exit_code}",
        started.elapsed().as_secs_f64()
    );
    Results::from_output(output, exit_code, log_path)
}
