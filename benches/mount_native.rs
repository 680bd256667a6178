//! The FUSE mount mode on this machine's own CPU: the daemon started with `--mount DIR`
//! (`--backend soft`) and the C client (`compat-tests/bench/datapath.c`) calling the cryptodev
//! ioctls on `DIR/crypto`, beside the same client doing the same work with in-process
//! OpenSSL (libcrypto's EVP). The client checks each of the daemon's answers against
//! OpenSSL's before it times anything.
//!
//! Measured: AES-128-CBC encryption, SHA-256 digests and AES-128-GCM encryption
//! (`CIOCAUTHCRYPT`) from 16 B to 1 MiB with one client; AES-128-CBC at 16 B and 64 KiB with
//! one and with two client processes at once; the bare round trip (an ioctl the daemon does
//! not know). No guest: unlike `benches/datapath.rs` the figures are the real CPU's, so the
//! mount's costs (FUSE round trip, copies between processes) are seen at native speed.
//!
//! A benchmark, not a test: `cargo bench --bench mount_native` (without cargo bench's
//! `--bench` argument the binary does nothing). Mounting needs root and `/dev/fuse`; without
//! them it says so and measures nothing. Environment:
//! - `CRYPTODEV_BENCH_MILLIS`: time per measurement (default 500).
//! - `CRYPTODEV_BENCH_OUT`: where `mount-native.md` goes (default `docs/benchmarks`).
//! - `CRYPTODEV_BENCH_DAEMON`: the daemon binary to measure (default: this build's), e.g. an
//!   earlier commit's for a before/after comparison.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

use guest_harness::workspace_root;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

mod report;
use report::{datapath_client, env_number, realtime_ns, size_label, utc_date};

const WORKLOADS: [&str; 3] = ["aes-128-cbc", "sha256", "aes-128-gcm"];
const SIZES: [u32; 6] = [16, 256, 1024, 8192, 65536, 1 << 20];
/// The scaling rows: AES-128-CBC with this many client processes at once, at these sizes.
/// Two processes because the machines this runs on have two cores or more.
const SCALE_PROCS: [u32; 2] = [1, 2];
const SCALE_SIZES: [u32; 2] = [16, 65536];
/// Below this size a row counts operations rather than bytes: per-call costs dominate.
const OPS_BELOW: u32 = 256;

fn main() -> ExitCode {
    if !std::env::args().any(|a| a == "--bench") {
        println!("mount_native: a benchmark; run it with `cargo bench --bench mount_native`");
        return ExitCode::SUCCESS;
    }
    // Skipping is not failing: most machines running `cargo bench` cannot mount.
    if !nix::unistd::geteuid().is_root() {
        println!("mount_native: not root, so no FUSE mount: nothing measured");
        return ExitCode::SUCCESS;
    }
    if !Path::new("/dev/fuse").exists() {
        println!("mount_native: no /dev/fuse, so no FUSE mount: nothing measured");
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mount_native: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let started = Instant::now();
    let millis = env_number("CRYPTODEV_BENCH_MILLIS", 500);
    let out_dir = std::env::var_os("CRYPTODEV_BENCH_OUT")
        .filter(|v| !v.is_empty())
        .map_or_else(
            || workspace_root().join("docs").join("benchmarks"),
            PathBuf::from,
        );
    let client = datapath_client();
    // Cargo builds the bench's own daemon with the bench profile, which is the release one.
    let daemon_bin = std::env::var_os("CRYPTODEV_BENCH_DAEMON")
        .filter(|v| !v.is_empty())
        .map_or_else(
            || env!("CARGO_BIN_EXE_cryptodev-cuse").into(),
            PathBuf::from,
        );
    println!("mount_native: daemon {}", daemon_bin.display());

    let scratch =
        std::env::temp_dir().join(format!("cryptodev-mount-native-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("creating {}: {e}", scratch.display()))?;
    let mnt = scratch.join("mnt");
    let daemon = Daemon::start(&daemon_bin, &mnt).inspect_err(|_| remove_scratch(&scratch))?;
    let device = mnt.join("crypto").display().to_string();
    let results = measure(&client, &device, millis);
    let stopped = daemon.stop();
    remove_scratch(&scratch);

    let header = machine_header(millis);
    let tables = tables(&results);
    println!(
        "\nFUSE mount mode, native ({header}); {:.0} s in all",
        started.elapsed().as_secs_f64()
    );
    for t in &tables {
        print!("\n{}\n{}", t.title, render_text(t));
    }
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("creating {}: {e}", out_dir.display()))?;
    let path = out_dir.join("mount-native.md");
    std::fs::write(&path, render_markdown(&header, &tables))
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    println!("wrote {}", path.display());

    stopped?;
    if results.failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "failed measurements (a wrong answer or a failed operation):\n{}",
            results.failures.join("\n")
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// The daemon.

/// The daemon serving the mount; stopped on drop, so that a panic does not leave the mount
/// behind.
struct Daemon {
    child: Option<Child>,
}

impl Daemon {
    fn start(bin: &Path, mnt: &Path) -> Result<Daemon, String> {
        let child = Command::new(bin)
            .arg("--mount")
            .arg(mnt)
            .args(["--foreground", "--log-level", "warn", "--backend", "soft"])
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let mut daemon = Daemon { child: Some(child) };
        let device = mnt.join("crypto");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !device.exists() {
            if let Some(status) = daemon.child.as_mut().and_then(|c| c.try_wait().ok()?) {
                daemon.child = None;
                return Err(format!("the daemon exited before mounting: {status}"));
            }
            if Instant::now() > deadline {
                return Err(format!("{} did not appear within 10 s", device.display()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(daemon)
    }

    /// SIGTERM, as a service manager stops it; anything but exit status 0 is an error.
    fn stop(mut self) -> Result<(), String> {
        let mut child = self.child.take().ok_or("the daemon is gone")?;
        let pid = Pid::from_raw(i32::try_from(child.id()).map_err(|e| e.to_string())?);
        kill(pid, Signal::SIGTERM).map_err(|e| format!("SIGTERM to the daemon: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match child.try_wait().map_err(|e| e.to_string())? {
                Some(status) if status.success() => return Ok(()),
                Some(status) => return Err(format!("the daemon stopped with {status}")),
                None if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err("the daemon did not stop within 10 s of SIGTERM".to_owned());
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Ok(pid) = i32::try_from(child.id()) {
                let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
            }
            let _ = child.wait();
        }
    }
}

/// Removes the mount point and its parent once the daemon's keeper has unmounted it (shortly
/// after the daemon exits); a mount still there after 10 s is reported and left alone.
fn remove_scratch(scratch: &Path) {
    let mnt = scratch.join("mnt");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match (std::fs::metadata(scratch), std::fs::metadata(&mnt)) {
            // Back on its parent's file system: unmounted.
            (Ok(p), Ok(m)) if p.dev() == m.dev() => break,
            (_, Err(e)) if e.kind() == std::io::ErrorKind::NotFound => break,
            _ if Instant::now() > deadline => {
                eprintln!("mount_native: {} is still mounted", mnt.display());
                return;
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let _ = std::fs::remove_dir(&mnt);
    let _ = std::fs::remove_dir(scratch);
}

// ---------------------------------------------------------------------------------------------
// Measuring.

/// What one measurement came to.
#[derive(Debug, Clone)]
enum Cell {
    OpsPerSecond(f64),
    NotAvailable(String),
    Failed,
}

/// Where the client does its work: `openssl` in process, or the mount's device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    OpenSsl,
    Daemon,
}

#[derive(Debug, Default)]
struct Results {
    /// (target, workload, size) → one client's rate.
    cells: BTreeMap<(Target, &'static str, u32), Cell>,
    /// (target, processes, size) → the processes' summed AES-128-CBC rate.
    scale: BTreeMap<(Target, u32, u32), Cell>,
    /// Nanoseconds per round trip.
    rtt: Option<f64>,
    failures: Vec<String>,
}

fn client_command(client: &Path, args: &[String]) -> Command {
    let mut cmd = Command::new(client);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped());
    cmd
}

fn cell_args(target: &str, workload: &str, millis: u64, start: u64, sizes: &[u32]) -> Vec<String> {
    let mut args = vec![
        "cell".to_owned(),
        target.to_owned(),
        workload.to_owned(),
        millis.to_string(),
        start.to_string(),
    ];
    args.extend(sizes.iter().map(u32::to_string));
    args
}

/// The client's output, and its `FAIL` line if it did not exit 0 (a wrong answer included).
fn finish(child: Child) -> (String, Option<String>) {
    match child.wait_with_output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let failure = (!out.status.success()).then(|| {
                let why = text
                    .lines()
                    .find(|l| l.starts_with("FAIL"))
                    .unwrap_or("no FAIL line");
                format!("{}: {why}", out.status)
            });
            (text, failure)
        }
        Err(e) => (String::new(), Some(e.to_string())),
    }
}

/// A `RESULT` line's (operations, nanoseconds, start, end).
fn result_numbers(fields: &[&str]) -> Option<(f64, f64, u64, u64)> {
    match fields {
        ["RESULT", _, _, ops, ns, begin, end] => Some((
            ops.parse().ok()?,
            ns.parse().ok()?,
            begin.parse().ok()?,
            end.parse().ok()?,
        )),
        _ => None,
    }
}

fn measure(client: &Path, device: &str, millis: u64) -> Results {
    let mut r = Results::default();
    let targets = [(Target::OpenSsl, "openssl"), (Target::Daemon, device)];
    for workload in WORKLOADS {
        for (target, name) in targets {
            one_client(&mut r, client, (target, name), workload, millis);
        }
    }
    for size in SCALE_SIZES {
        for (target, name) in targets {
            for n in SCALE_PROCS {
                let cell = concurrent(client, name, n, size, millis).unwrap_or_else(|why| {
                    r.failures
                        .push(format!("{target:?} aes-128-cbc {size} x{n}: {why}"));
                    Cell::Failed
                });
                r.scale.insert((target, n, size), cell);
            }
        }
    }
    let args = ["rtt".to_owned(), device.to_owned(), millis.to_string()];
    match client_command(client, &args).spawn() {
        Ok(child) => match finish(child) {
            (out, None) => {
                r.rtt = out.lines().find_map(|l| {
                    let fields: Vec<&str> = l.split_whitespace().collect();
                    result_numbers(&fields).map(|(ops, ns, ..)| ns / ops)
                });
            }
            (_, Some(why)) => r.failures.push(format!("round trip: {why}")),
        },
        Err(e) => r.failures.push(format!("round trip: {e}")),
    }
    r
}

/// Every size of `workload` in one client process, as a caller keeps one session.
fn one_client(
    r: &mut Results,
    client: &Path,
    (target, name): (Target, &str),
    workload: &'static str,
    millis: u64,
) {
    let args = cell_args(name, workload, millis, 0, &SIZES);
    let (out, failure) = match client_command(client, &args).spawn() {
        Ok(child) => finish(child),
        Err(e) => (String::new(), Some(e.to_string())),
    };
    for line in out.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let size = fields.get(2).and_then(|s| s.parse::<u32>().ok());
        let cell = match (fields.first(), size) {
            (Some(&"RESULT"), Some(_)) => {
                result_numbers(&fields).map(|(ops, ns, ..)| Cell::OpsPerSecond(ops / (ns / 1e9)))
            }
            (Some(&"NA"), Some(_)) => Some(Cell::NotAvailable(fields[3..].join(" "))),
            _ => None,
        };
        if let (Some(cell), Some(size)) = (cell, size) {
            r.cells.insert((target, workload, size), cell);
        }
    }
    // The client stops at its first failure: the sizes it did not reach failed with it.
    if let Some(why) = failure {
        r.failures.push(format!("{target:?} {workload}: {why}"));
        for size in SIZES {
            r.cells
                .entry((target, workload, size))
                .or_insert(Cell::Failed);
        }
    }
}

/// `n` AES-128-CBC clients at once, timed from one common start; their operations added up
/// over the span from the first start to the last end.
fn concurrent(client: &Path, target: &str, n: u32, size: u32, millis: u64) -> Result<Cell, String> {
    // Late enough that every process has started, checked its answer and warmed up.
    let start = realtime_ns() + 1_000_000_000 + u64::from(n) * 500_000_000;
    let args = cell_args(target, "aes-128-cbc", millis, start, &[size]);
    let children = (0..n)
        .map(|_| client_command(client, &args).spawn())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let (mut ops, mut begin, mut end) = (0.0, u64::MAX, 0);
    let mut failure = None;
    for child in children {
        let (out, why) = finish(child);
        failure = failure.or(why);
        for line in out.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.first() == Some(&"NA") {
                return Ok(Cell::NotAvailable(fields[3..].join(" ")));
            }
            if let Some((o, _, b, e)) = result_numbers(&fields) {
                ops += o;
                begin = begin.min(b);
                end = end.max(e);
            }
        }
    }
    match failure {
        Some(why) => Err(why),
        None if end > begin => Ok(Cell::OpsPerSecond(
            ops / (Duration::from_nanos(end - begin).as_secs_f64()),
        )),
        None => Err("no RESULT line".to_owned()),
    }
}

// ---------------------------------------------------------------------------------------------
// Reporting.

/// What the figures were taken on: they mean little without it.
fn machine_header(millis: u64) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    // The release `uname -r` prints.
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned());
    format!(
        "{cpu}, {cpus} CPU{}, kernel {kernel}, {millis} ms per measurement, {}",
        if cpus == 1 { "" } else { "s" },
        utc_date(SystemTime::now())
    )
}

struct Table {
    title: &'static str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns from this one on are numbers, aligned right.
    numeric_from: usize,
}

fn unit(size: u32) -> &'static str {
    if size < OPS_BELOW {
        "ops/s"
    } else {
        "MB/s"
    }
}

/// Three significant digits, whatever the magnitude.
fn sig(v: f64) -> String {
    if v >= 1000.0 {
        let step = 10f64.powf(v.log10().floor() - 2.0);
        format!("{:.0}", (v / step).round() * step)
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The cell in `size`'s unit.
fn cell_text(cell: Option<&Cell>, size: u32) -> String {
    match cell {
        Some(Cell::OpsPerSecond(ops)) if size < OPS_BELOW => sig(*ops),
        Some(Cell::OpsPerSecond(ops)) => sig(ops * f64::from(size) / 1e6),
        Some(Cell::NotAvailable(why)) => format!("n/a ({why})"),
        Some(Cell::Failed) => "FAILED".to_owned(),
        None => "missing".to_owned(),
    }
}

fn ratio_text(cell: Option<&Cell>, base: Option<&Cell>) -> String {
    match (cell, base) {
        (Some(Cell::OpsPerSecond(a)), Some(Cell::OpsPerSecond(b))) if *b > 0.0 && *a > 0.0 => {
            // Two significant digits at least: small requests through the mount are hundreds
            // of times slower than in process, and 0.00x would hide by how much.
            let ratio = a / b;
            let (mut decimals, mut scaled) = (2, ratio * 100.0);
            while scaled < 10.0 && decimals < 6 {
                scaled *= 10.0;
                decimals += 1;
            }
            format!("{ratio:.decimals$}x")
        }
        _ => "-".to_owned(),
    }
}

fn tables(r: &Results) -> Vec<Table> {
    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut throughput = Table {
        title: "One client",
        header: strings(&[
            "workload",
            "size",
            "unit",
            "OpenSSL",
            "daemon",
            "daemon/OpenSSL",
        ]),
        rows: Vec::new(),
        numeric_from: 3,
    };
    for w in WORKLOADS {
        for size in SIZES {
            let openssl = r.cells.get(&(Target::OpenSsl, w, size));
            let daemon = r.cells.get(&(Target::Daemon, w, size));
            throughput.rows.push(vec![
                w.to_owned(),
                size_label(size),
                unit(size).to_owned(),
                cell_text(openssl, size),
                cell_text(daemon, size),
                ratio_text(daemon, openssl),
            ]);
        }
    }

    let mut scaling = Table {
        title: "AES-128-CBC, concurrent client processes (summed)",
        header: strings(&[
            "size",
            "unit",
            "OpenSSL x1",
            "OpenSSL x2",
            "x2/x1",
            "daemon x1",
            "daemon x2",
            "x2/x1",
        ]),
        rows: Vec::new(),
        numeric_from: 2,
    };
    for size in SCALE_SIZES {
        let mut row = vec![size_label(size), unit(size).to_owned()];
        for target in [Target::OpenSsl, Target::Daemon] {
            let one = r.scale.get(&(target, 1, size));
            let two = r.scale.get(&(target, 2, size));
            row.extend([
                cell_text(one, size),
                cell_text(two, size),
                ratio_text(two, one),
            ]);
        }
        scaling.rows.push(row);
    }

    let round_trip = Table {
        title: "Round trip",
        header: strings(&["through the mount", "µs"]),
        rows: vec![vec![
            "an ioctl the daemon does not know".to_owned(),
            r.rtt
                .map_or_else(|| "FAILED".to_owned(), |ns| format!("{:.2}", ns / 1e3)),
        ]],
        numeric_from: 1,
    };
    vec![throughput, scaling, round_trip]
}

fn render_text(t: &Table) -> String {
    report::render_columns(&t.header, &t.rows, t.numeric_from)
}

fn render_markdown(header: &str, tables: &[Table]) -> String {
    let mut out = String::from("# FUSE mount mode on a native CPU\n\n");
    let _ = writeln!(
        out,
        "Generated by `cargo bench --bench mount_native` ({header}).\n\n\
         Absolute figures belong to this machine and its load at the time; the ratios are \
         what carries over to others.\n\n\
         `OpenSSL` is libcrypto's EVP in the client process. `daemon` is the same client \
         calling the cryptodev ioctls on `DIR/crypto` of `cryptodev-cuse --mount DIR \
         --backend soft`, so its ratio to OpenSSL holds both the mount's per-call cost (a \
         FUSE round trip, the data copied between processes) and RustCrypto against \
         OpenSSL's own code. Every daemon answer is checked against OpenSSL's before timing. \
         MB/s are 10^6 bytes of input per second; below {OPS_BELOW} B rows count operations \
         per second. The concurrent rows run one and two client processes from a common \
         start and add up their operations; where idle CPUs sleep deeply (in virtual machines \
         above all), a lone client also pays for waking the daemon's CPU on every call, which \
         two busy clients do not, so the daemon's x2/x1 may exceed 2. The round trip is an ioctl the daemon does not \
         know, answered with an error."
    );
    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    for t in tables {
        let _ = write!(out, "\n## {}\n\n", t.title);
        out.push_str(&line(&t.header));
        let sep: Vec<String> = (0..t.header.len())
            .map(|i| if i < t.numeric_from { "---" } else { "---:" }.to_owned())
            .collect();
        out.push_str(&line(&sep));
        for row in &t.rows {
            out.push_str(&line(row));
        }
    }
    out
}
