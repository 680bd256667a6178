//! Booting the guest with qemu and running one shell command in it.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::unistd::{access, AccessFlags};

use crate::error::{HarnessError, Result};
use crate::image::GuestImage;
use crate::init::{BEGIN_MARKER, EXIT_MARKER};
use crate::tools::{self, env_nonempty};

/// The default qemu binary; override with `CRYPTODEV_QEMU` or [`GuestRun::qemu`].
const DEFAULT_QEMU: &str = "qemu-system-x86_64";
/// Console lines quoted in errors.
const TAIL_LINES: usize = 40;

/// How qemu executes the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accelerator {
    /// Hardware virtualisation (`-accel kvm -cpu host`).
    Kvm,
    /// Software emulation (`-accel tcg,thread=single -cpu max`, `thread=multi` with more than
    /// one vCPU); ≈2.5 s per boot.
    Tcg,
}

impl Accelerator {
    /// KVM if `/dev/kvm` is writable, the CPU flags show `vmx` or `svm`, and
    /// `/sys/module/kvm_pvm` is absent (that `/dev/kvm` cannot boot stock kernels); TCG
    /// otherwise. `CRYPTODEV_GUEST_ACCEL=tcg|kvm` forces a choice.
    pub fn detect() -> Accelerator {
        match env_nonempty("CRYPTODEV_GUEST_ACCEL")
            .as_deref()
            .and_then(|v| v.to_str())
        {
            Some("tcg") => return Accelerator::Tcg,
            Some("kvm") => return Accelerator::Kvm,
            _ => {}
        }
        let writable = access("/dev/kvm", AccessFlags::W_OK).is_ok();
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let foreign_kvm = Path::new("/sys/module/kvm_pvm").exists();
        if kvm_usable(writable, &cpuinfo, foreign_kvm) {
            Accelerator::Kvm
        } else {
            Accelerator::Tcg
        }
    }

    fn qemu_args(self, cpus: u32) -> &'static [&'static str] {
        match self {
            Accelerator::Kvm => &["-accel", "kvm", "-cpu", "host"],
            // A single TCG thread runs every vCPU in turn: with more than one, only MTTCG
            // lets them run at the same time, which is what asking for several is about.
            Accelerator::Tcg if cpus > 1 => &["-accel", "tcg,thread=multi", "-cpu", "max"],
            Accelerator::Tcg => &["-accel", "tcg,thread=single", "-cpu", "max"],
        }
    }
}

fn kvm_usable(dev_kvm_writable: bool, cpuinfo: &str, foreign_kvm_module: bool) -> bool {
    dev_kvm_writable
        && !foreign_kvm_module
        && cpuinfo
            .lines()
            .filter(|l| l.starts_with("flags"))
            .any(|l| l.split_whitespace().any(|f| f == "vmx" || f == "svm"))
}

/// One guest boot running one shell command; a builder.
///
/// The command runs as root via `/bin/sh` chrooted into the host's `/` (shared read-only over
/// 9p), so host programs and freshly built binaries under the workspace's `target/` run
/// unchanged. `/tmp` and `/run` in the guest are fresh tmpfs mounts: host files under `/tmp`
/// are invisible. Nothing is written back to the host except through the console.
///
/// ```no_run
/// # fn main() -> Result<(), guest_harness::HarnessError> {
/// use guest_harness::{GuestImage, GuestRun};
/// let image = GuestImage::prepare()?;
/// let out = GuestRun::new(&image).command("grep -c aes /proc/crypto").run()?;
/// assert_eq!(out.exit_code, 0);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct GuestRun<'a> {
    image: &'a GuestImage,
    command: String,
    cwd: Option<PathBuf>,
    timeout: Duration,
    cuse: bool,
    af_alg: bool,
    virtio_crypto: bool,
    qemu: Option<PathBuf>,
    env: Vec<(String, String)>,
    accel: Option<Accelerator>,
    cpus: u32,
}

/// What a finished guest run produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GuestOutcome {
    /// The command's exit status inside the guest.
    pub exit_code: i32,
    /// The command's stdout and stderr (interleaved, as on the console), CRs stripped, without
    /// the harness's marker lines and boot messages.
    pub output: String,
    /// Console text before the command started (module loading problems show up here).
    pub boot_log: String,
    /// The full console transcript: `<workspace>/target/guest-runs/<nonce>/console.log`.
    pub log_path: PathBuf,
    /// Wall time from starting qemu to its exit.
    pub duration: Duration,
    /// The accelerator used.
    pub accelerator: Accelerator,
}

impl GuestOutcome {
    /// True if the command exited with status 0.
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }

    /// True if `line` is one of the output lines (compared without surrounding whitespace).
    pub fn has_line(&self, line: &str) -> bool {
        self.output.lines().any(|l| l.trim() == line.trim())
    }
}

impl<'a> GuestRun<'a> {
    /// A run of `image` with defaults: empty command, the current directory, a 120 s timeout,
    /// AF_ALG present, no virtio-crypto device, one vCPU.
    pub fn new(image: &'a GuestImage) -> Self {
        GuestRun {
            image,
            command: String::new(),
            cwd: None,
            timeout: Duration::from_secs(120),
            cuse: true,
            af_alg: true,
            virtio_crypto: false,
            qemu: None,
            env: Vec::new(),
            accel: None,
            cpus: 1,
        }
    }

    /// The shell command line (any `/bin/sh` text, may span lines) to run in the guest.
    pub fn command(mut self, command: impl Into<String>) -> Self {
        self.command = command.into();
        self
    }

    /// The directory to `cd` to before the command (default: this process's current
    /// directory). Must exist on the host and not lie under `/tmp`.
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    /// Kills qemu after this long (default 120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Boots without CUSE: the `cuse` module is neither loaded nor autoloadable, so
    /// `/dev/cuse` does not exist, and a node made by hand fails to open with `ENODEV`.
    pub fn without_cuse(mut self) -> Self {
        self.cuse = false;
        self
    }

    /// Boots without AF_ALG: `af_alg`, `algif_*` and `crypto_user` are neither loaded nor
    /// autoloadable, so `socket(AF_ALG, …)` fails with `EAFNOSUPPORT`.
    pub fn without_af_alg(mut self) -> Self {
        self.af_alg = false;
        self
    }

    /// Attaches a virtio-crypto PCI device (qemu's builtin backend) and loads `virtio_crypto`.
    pub fn with_virtio_crypto(mut self) -> Self {
        self.virtio_crypto = true;
        self
    }

    /// Exports `key=value` to the command's environment (which is otherwise only `PATH`,
    /// `HOME=/root` and `TERM=dumb`).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Uses this qemu binary instead of `$CRYPTODEV_QEMU` / `qemu-system-x86_64`.
    pub fn qemu(mut self, binary: impl Into<PathBuf>) -> Self {
        self.qemu = Some(binary.into());
        self
    }

    /// Forces an accelerator instead of [`Accelerator::detect`].
    pub fn accelerator(mut self, accel: Accelerator) -> Self {
        self.accel = Some(accel);
        self
    }

    /// Gives the guest `cpus` vCPUs (qemu `-smp`; default 1). Under TCG more than one vCPU
    /// switches to multi-threaded TCG (`thread=multi`) so that they really run in parallel.
    pub fn cpus(mut self, cpus: u32) -> Self {
        self.cpus = cpus;
        self
    }

    fn qemu_binary(&self) -> Result<PathBuf> {
        let wanted = self
            .qemu
            .clone()
            .or_else(|| env_nonempty("CRYPTODEV_QEMU").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_QEMU));
        tools::find_program(&wanted.to_string_lossy())
            .ok_or(HarnessError::QemuMissing { binary: wanted })
    }

    /// The shell script the guest runs.
    fn script(&self, cwd: &Path, nonce: &str) -> String {
        let mut s = format!("# guest-harness run {nonce}\n");
        for (k, v) in &self.env {
            s.push_str(&format!("export {k}={}\n", shell_quote(v)));
        }
        let dir = shell_quote(&cwd.to_string_lossy());
        s.push_str(&format!(
            "cd {dir} || {{ echo \"vmtest: cannot cd to \"{dir} >&2; exit 126; }}\n"
        ));
        s.push_str(&self.command);
        s.push('\n');
        s
    }

    /// Boots the guest, runs the command and waits for it (at most the timeout).
    pub fn run(&self) -> Result<GuestOutcome> {
        let qemu = self.qemu_binary()?;
        if self.cpus == 0 {
            return Err(HarnessError::Config(
                "a guest needs at least one vCPU".to_owned(),
            ));
        }
        for (what, path) in [
            ("kernel", self.image.kernel()),
            ("initramfs", self.image.initramfs()),
        ] {
            if !path.is_file() {
                return Err(HarnessError::Image(format!(
                    "guest {what} {} is missing (GuestImage::prepare() creates it)",
                    path.display()
                )));
            }
        }
        for (k, _) in &self.env {
            let valid = !k.is_empty()
                && !k.starts_with(|c: char| c.is_ascii_digit())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(HarnessError::Config(format!(
                    "bad environment variable name {k:?}"
                )));
            }
        }
        let cwd = match &self.cwd {
            Some(dir) => dir.clone(),
            None => std::env::current_dir()
                .map_err(|e| HarnessError::io("reading the current directory", e))?,
        };
        let cwd = cwd.canonicalize().map_err(|e| {
            HarnessError::io(format!("guest working directory {}", cwd.display()), e)
        })?;
        // The guest mounts fresh tmpfs over /tmp and /run; a workspace under one of them is
        // bound back in over it (vmtest.keep), anything else there is invisible.
        let workspace = tools::workspace_root()
            .canonicalize()
            .map_err(|e| HarnessError::io("resolving the workspace root", e))?;
        let shadowed =
            |path: &std::path::Path| path.starts_with("/tmp") || path.starts_with("/run");
        let keep = shadowed(&workspace).then(|| workspace.to_string_lossy().into_owned());
        let visible = |path: &std::path::Path| !shadowed(path) || path.starts_with(&workspace);
        if !visible(&cwd) {
            return Err(HarnessError::Config(format!(
                "guest working directory {} is under /tmp or /run, which the guest replaces with \
                 an empty tmpfs (only the workspace is carried over)",
                cwd.display()
            )));
        }

        let nonce = tools::nonce()?;
        let runs = tools::workspace_target_dir().join("guest-runs");
        prune_old_runs(&runs);
        let run_dir = runs.join(&nonce);
        fs::create_dir_all(&run_dir)
            .map_err(|e| HarnessError::io(format!("creating {}", run_dir.display()), e))?;
        let script_path = run_dir
            .canonicalize()
            .map_err(|e| HarnessError::io(format!("resolving {}", run_dir.display()), e))?
            .join("run.sh");
        let script_str = script_path.to_string_lossy();
        let unsafe_on_cmdline = |text: &str| {
            text.chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '"')
        };
        if unsafe_on_cmdline(&script_str)
            || keep.as_deref().is_some_and(unsafe_on_cmdline)
            || !visible(&script_path)
        {
            return Err(HarnessError::Config(format!(
                "run script path {script_str:?} must not contain whitespace or quotes nor lie \
                 under /tmp or /run outside the workspace (set CRYPTODEV_WORKSPACE to move it)"
            )));
        }
        fs::write(&script_path, self.script(&cwd, &nonce))
            .map_err(|e| HarnessError::io(format!("writing {}", script_path.display()), e))?;
        let log_path = run_dir.join("console.log");

        let accel = self.accel.unwrap_or_else(Accelerator::detect);
        let mut append = format!(
            "console=ttyS0 panic=-1 reboot=t cryptomgr.notests=1 quiet loglevel=1 \
             vmtest.nonce={nonce} vmtest.script={script_str}"
        );
        if !self.cuse {
            append.push_str(" vmtest.nocuse");
        }
        if !self.af_alg {
            append.push_str(" vmtest.noafalg");
        }
        if self.virtio_crypto {
            append.push_str(" vmtest.virtiocrypto");
        }
        if let Some(keep) = &keep {
            append.push_str(&format!(" vmtest.keep={keep}"));
        }
        let mut cmd = Command::new(&qemu);
        cmd.args([
            "-machine",
            "pc",
            "-nodefaults",
            "-no-user-config",
            "-display",
            "none",
            "-no-reboot",
            "-serial",
            "stdio",
            "-monitor",
            "none",
            "-m",
            "512M",
            "-smp",
        ])
        .arg(self.cpus.to_string())
        .args(accel.qemu_args(self.cpus))
        .arg("-kernel")
        .arg(self.image.kernel())
        .arg("-initrd")
        .arg(self.image.initramfs())
        .arg("-append")
        .arg(&append)
        .args([
            "-virtfs",
            "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
        ]);
        if self.virtio_crypto {
            cmd.args([
                "-object",
                "cryptodev-backend-builtin,id=cryptodev0",
                "-device",
                "virtio-crypto-pci,cryptodev=cryptodev0",
            ]);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());

        let mut log = File::create(&log_path)
            .map_err(|e| HarnessError::io(format!("creating {}", log_path.display()), e))?;
        let start = Instant::now();
        let mut child = cmd.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => HarnessError::QemuMissing {
                binary: qemu.clone(),
            },
            _ => HarnessError::io(format!("starting {}", qemu.display()), e),
        })?;
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        let console_reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            let mut buf = [0u8; 8192];
            while let Some(Ok(n @ 1..)) = stdout.as_mut().map(|s| s.read(&mut buf)) {
                all.extend_from_slice(&buf[..n]);
                // The log is best effort; the console text itself is returned.
                let _ = log.write_all(&buf[..n]);
            }
            all
        });
        let stderr_reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.read_to_end(&mut all);
            }
            all
        });

        let deadline = start + self.timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(HarnessError::io("waiting for qemu", e));
                }
            }
        };
        let duration = start.elapsed();
        let console = console_reader.join().unwrap_or_default();
        let qemu_stderr = String::from_utf8_lossy(&stderr_reader.join().unwrap_or_default())
            .trim()
            .to_owned();
        let console = String::from_utf8_lossy(&console).replace('\r', "");
        let parsed = parse_console(&console, &nonce);

        match (parsed.exit_code, status) {
            (Some(exit_code), _) => Ok(GuestOutcome {
                exit_code,
                output: parsed.output,
                boot_log: parsed.boot_log,
                log_path,
                duration,
                accelerator: accel,
            }),
            (None, None) => Err(HarnessError::Timeout {
                timeout: self.timeout,
                tail: tail(&console),
                log_path,
            }),
            (None, Some(_)) if console.contains("Kernel panic") => Err(HarnessError::GuestPanic {
                tail: tail(&console),
                log_path,
            }),
            (None, Some(status)) => Err(HarnessError::NoMarker {
                qemu_status: status.to_string(),
                qemu_stderr,
                tail: tail(&console),
                log_path,
            }),
        }
    }
}

/// Removes run directories older than a week (best effort).
fn prune_old_runs(runs: &Path) {
    const KEEP: Duration = Duration::from_secs(7 * 24 * 3600);
    let Ok(entries) = fs::read_dir(runs) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > KEEP);
        if old {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Quotes `s` for `/bin/sh` with single quotes.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The last [`TAIL_LINES`] lines of `text`.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return "(no console output)".to_owned();
    }
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
}

/// The console split into the harness's parts.
#[derive(Debug, PartialEq, Eq)]
struct ParsedConsole {
    exit_code: Option<i32>,
    output: String,
    boot_log: String,
}

/// Recognises `VMTEST-EXIT=<rc> <nonce>` at the end of `line`; returns the text before it
/// (output that lacked a final newline) and the rc.
fn exit_marker<'l>(line: &'l str, nonce: &str) -> Option<(&'l str, i32)> {
    let rest = line.strip_suffix(nonce)?.strip_suffix(' ')?;
    let at = rest.rfind(EXIT_MARKER)?;
    let digits = &rest[at + EXIT_MARKER.len()..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((&line[..at], digits.parse().ok()?))
}

fn parse_console(console: &str, nonce: &str) -> ParsedConsole {
    let lines: Vec<&str> = console.lines().collect();
    let begin_line = format!("{BEGIN_MARKER} {nonce}");
    let begin = lines.iter().position(|l| l.ends_with(&begin_line));
    let marker = lines
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, l)| exit_marker(l, nonce).map(|(prefix, rc)| (i, prefix, rc)));
    let body_start = begin.map_or(0, |b| b + 1);
    let body_end = marker.map_or(lines.len(), |(i, _, _)| i).max(body_start);
    let mut output = String::new();
    for line in &lines[body_start..body_end] {
        output.push_str(line);
        output.push('\n');
    }
    if let Some((_, prefix, _)) = marker {
        if !prefix.is_empty() {
            output.push_str(prefix);
            output.push('\n');
        }
    }
    let mut boot_log = String::new();
    for line in &lines[..begin.unwrap_or(0)] {
        boot_log.push_str(line);
        boot_log.push('\n');
    }
    ParsedConsole {
        exit_code: marker.map(|(_, _, rc)| rc),
        output,
        boot_log,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_marker_and_output() {
        let console = "noise\nVMTEST-BEGIN abc\nhello\nworld\nVMTEST-EXIT=3 abc\n";
        let p = parse_console(console, "abc");
        assert_eq!(p.exit_code, Some(3));
        assert_eq!(p.output, "hello\nworld\n");
        assert_eq!(p.boot_log, "noise\n");
    }

    #[test]
    fn marker_after_unterminated_output() {
        let p = parse_console("VMTEST-BEGIN n\npartialVMTEST-EXIT=0 n\n", "n");
        assert_eq!(p.exit_code, Some(0));
        assert_eq!(p.output, "partial\n");
    }

    #[test]
    fn forged_or_foreign_markers_are_ignored() {
        let console =
            "VMTEST-BEGIN n\nVMTEST-EXIT=0 other\nVMTEST-EXIT=x n\nVMTEST-EXIT=0 n trailing\n";
        let p = parse_console(console, "n");
        assert_eq!(p.exit_code, None);
        assert!(p.output.contains("VMTEST-EXIT=0 other"));
    }

    #[test]
    fn last_marker_wins() {
        let p = parse_console("VMTEST-EXIT=1 n\nVMTEST-EXIT=2 n\n", "n");
        assert_eq!(p.exit_code, Some(2));
        assert_eq!(p.output, "VMTEST-EXIT=1 n\n");
    }

    #[test]
    fn kvm_needs_all_three_conditions() {
        let vmx = "processor : 0\nflags\t\t: fpu vme vmx sse\n";
        let plain = "flags\t\t: fpu vme sse\n";
        assert!(kvm_usable(true, vmx, false));
        assert!(!kvm_usable(false, vmx, false));
        assert!(!kvm_usable(true, plain, false));
        assert!(!kvm_usable(true, vmx, true));
        assert!(kvm_usable(true, "flags : svm\n", false));
    }

    #[test]
    fn several_tcg_cpus_use_one_thread_each() {
        assert_eq!(Accelerator::Tcg.qemu_args(1)[1], "tcg,thread=single");
        assert_eq!(Accelerator::Tcg.qemu_args(4)[1], "tcg,thread=multi");
        assert_eq!(Accelerator::Kvm.qemu_args(4)[1], "kvm");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(tail("1\n2\n3"), "1\n2\n3");
    }

    #[test]
    fn missing_qemu_is_reported_before_anything_else() {
        let image = GuestImage::from_files("/nonexistent/vmlinux", "/nonexistent/initrd", "x");
        let err = GuestRun::new(&image)
            .qemu("/nonexistent/qemu-system-x86_64")
            .run()
            .unwrap_err();
        assert!(matches!(err, HarnessError::QemuMissing { .. }), "{err}");
    }
}
