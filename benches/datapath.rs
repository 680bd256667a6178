//! The data-path benchmark: one guest boot, every way of running the same three workloads
//! side by side, each answer checked against OpenSSL before it is timed.
//!
//! Columns: cryptodev-linux's kernel module (the in-kernel `/dev/crypto` this project
//! replaces; only when its source is given), the daemon in each configuration of [`DAEMONS`],
//! raw AF_ALG sockets from the client, in-process OpenSSL (libcrypto's EVP) and in-process
//! RustCrypto (the crates the daemon's `soft` backend uses).
//!
//! Workloads: AES-128-CBC encryption (IV with each call, separate source and destination),
//! SHA-256 one-shot digests and AES-128-GCM encryption through `CIOCAUTHCRYPT` (16 bytes of
//! AAD, 16-byte tag), from 16 B to 1 MiB; the bare round trip through each device (an ioctl
//! it does not know); 1, 2 and 4 client processes; and, for the daemon columns, its syscalls,
//! minor page faults and context switches per operation.
//!
//! A benchmark, not a test: `cargo bench --bench datapath` (without cargo bench's `--bench`
//! argument the binary does nothing). Environment:
//! - `CRYPTODEV_PEER_SOURCE`: cryptodev-linux's source (a tarball or a checkout). The module
//!   is built on the host for the guest's kernel (Debian's headers fetched with
//!   `apt-get download`) and cached under the guest cache's `peer/<release>/<source name>/`.
//!   Without it the kernel-module column is left out.
//! - `CRYPTODEV_BENCH_MILLIS`: time per measurement (default 500).
//! - `CRYPTODEV_BENCH_CPUS`: the guest's vCPUs (default 1).
//! - `CRYPTODEV_BENCH_OUT`: where `datapath.md` and `datapath.svg` go (default
//!   `docs/benchmarks`).
//! - `CRYPTODEV_BENCH_DAEMON`: the daemon binary to measure (default: this build's), e.g. an
//!   earlier commit's for a before/after comparison; not under `/tmp`, which the guest
//!   replaces.
//!
//! The binary also runs inside the guest (`--inner guest`, started from the host), where it
//! starts the daemons and drives the C client (`compat-tests/bench/datapath.c`), and as the
//! RustCrypto client (`--inner cell`), so that each column is a separate process, as a
//! caller of `/dev/crypto` would be.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

use guest_harness::{build_c, cache_dir, image_for_tests, workspace_root, Abi, GuestRun, Linkage};

mod report;
use report::{datapath_client, env_number, realtime_ns, size_label, utc_date};

/// The daemon columns: (key, column title, daemon arguments). Each runs as `/dev/crypto-<key>`,
/// or, with `--mount` (which this table does not follow with a directory), as the ioctl file
/// of a FUSE mount on `/tmp/mount-<key>`.
const DAEMONS: &[(&str, &str, &str)] = &[
    (
        "soft-auto",
        "daemon soft auto",
        "--backend soft --memory-access auto",
    ),
    (
        "soft-retry",
        "daemon soft retry",
        "--backend soft --memory-access retry",
    ),
    (
        "afalg-auto",
        "daemon afalg auto",
        "--backend afalg --memory-access auto",
    ),
    ("soft-mount", "daemon soft mount", "--backend soft --mount"),
];

const WORKLOADS: [&str; 3] = ["aes-128-cbc", "sha256", "aes-128-gcm"];
const SIZES: [u32; 6] = [16, 256, 1024, 8192, 65536, 1 << 20];
/// The scaling rows: AES-128-CBC with this many client processes at once, at these sizes.
const SCALE_PROCS: [u32; 3] = [1, 2, 4];
const SCALE_SIZES: [u32; 2] = [16, 65536];
/// Names, in the guest's environment, the minimal CUSE server whose round trip is measured.
const MINIMAL_CUSE_ENV: &str = "DATAPATH_MINIMAL_CUSE";

/// The sizes at which the direct memory mode's copies are measured on their own.
const COPY_SIZES: [u32; 3] = [16, 65536, 1 << 20];
/// The counter rows: AES-128-CBC at these sizes, this many operations counted.
const COUNTER_RUNS: [(u32, u64); 3] = [(16, 1000), (65536, 200), (1 << 20, 20)];
/// The most one direction of a RETRY round carries: larger operations are E2BIG there.
const RETRY_LIMIT: u32 = 128 * 1024;

/// How one column runs its operations.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    KernelModule,
    Daemon(String),
    AfAlg,
    OpenSsl,
    RustCrypto,
}

#[derive(Debug, Clone)]
struct Column {
    key: String,
    title: String,
    kind: Kind,
}

impl Column {
    fn device(&self) -> Option<String> {
        match &self.kind {
            Kind::KernelModule => Some("/dev/crypto".to_owned()),
            Kind::Daemon(_) if self.mounts() => Some(format!("/tmp/mount-{}/crypto", self.key)),
            Kind::Daemon(_) => Some(format!("/dev/crypto-{}", self.key)),
            _ => None,
        }
    }

    /// Whether this daemon serves from a FUSE mount rather than a CUSE device.
    fn mounts(&self) -> bool {
        matches!(&self.kind, Kind::Daemon(args) if args.ends_with("--mount"))
    }

    /// The daemon's arguments: where it serves, then the column's options.
    fn daemon_args(&self, options: &str) -> Vec<String> {
        let place = if self.mounts() {
            format!("/tmp/mount-{}", self.key)
        } else {
            format!("--name=crypto-{}", self.key)
        };
        let mut args: Vec<String> = ["--foreground", "--log-level", "warn"]
            .map(String::from)
            .to_vec();
        args.extend(options.split_whitespace().map(String::from));
        args.push(place);
        args
    }

    /// Whether this is a daemon reaching callers' buffers with process_vm_readv/writev.
    fn uses_direct_memory(&self) -> bool {
        matches!(&self.kind, Kind::Daemon(args) if !args.contains("retry"))
    }

    /// The column whose work a daemon column repeats behind its round trip and copies: the
    /// in-process crates for `soft`, raw AF_ALG for `afalg`.
    fn work_done_like(&self) -> Option<&'static str> {
        match &self.kind {
            Kind::Daemon(args) if args.contains("--backend afalg") => Some("afalg"),
            Kind::Daemon(args) if args.contains("--backend soft") => Some("rust"),
            _ => None,
        }
    }

    /// The C client's TARGET argument (RustCrypto runs in this binary instead).
    fn target(&self) -> String {
        match self.kind {
            Kind::AfAlg => "afalg".to_owned(),
            _ => self.device().unwrap_or_else(|| "openssl".to_owned()),
        }
    }
}

/// The columns in table order; OpenSSL comes before RustCrypto, whose answers are checked
/// against OpenSSL's.
fn columns(kernel_module: bool) -> Vec<Column> {
    let mut out = Vec::new();
    let mut push = |key: &str, title: &str, kind| {
        out.push(Column {
            key: key.to_owned(),
            title: title.to_owned(),
            kind,
        })
    };
    if kernel_module {
        push("kmod", "cryptodev.ko", Kind::KernelModule);
    }
    for (key, title, args) in DAEMONS {
        push(key, title, Kind::Daemon((*args).to_owned()));
    }
    push("afalg", "AF_ALG raw", Kind::AfAlg);
    push("openssl", "OpenSSL", Kind::OpenSsl);
    push("rust", "RustCrypto", Kind::RustCrypto);
    out
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--inner") {
        return inner(&args[2..]);
    }
    if !args.iter().any(|a| a == "--bench") {
        println!("datapath: a benchmark; run it with `cargo bench --bench datapath`");
        return ExitCode::SUCCESS;
    }
    host();
    ExitCode::SUCCESS
}

// ---------------------------------------------------------------------------------------------
// Host side: build, boot, report.

fn host() {
    let Some(image) = image_for_tests() else {
        return;
    };
    let started = Instant::now();
    let millis = env_number("CRYPTODEV_BENCH_MILLIS", 500);
    let cpus = u32::try_from(env_number("CRYPTODEV_BENCH_CPUS", 1))
        .ok()
        .filter(|&n| n > 0)
        .expect("CRYPTODEV_BENCH_CPUS must be a positive number");
    let out_dir = std::env::var_os("CRYPTODEV_BENCH_OUT")
        .filter(|v| !v.is_empty())
        .map_or_else(
            || workspace_root().join("docs").join("benchmarks"),
            PathBuf::from,
        );
    let peer = std::env::var_os("CRYPTODEV_PEER_SOURCE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);

    let client = datapath_client();
    // The least a CUSE server can do per request: the round-trip floor daemons are held to.
    let minimal_cuse = build_c(
        "tiny_cuse",
        &[Path::new("compat-tests/harness-selftest/tiny_cuse.c")],
        Abi::Lp64,
        Linkage::Static,
        &[],
    )
    .unwrap_or_else(|e| panic!("building tiny_cuse.c: {e}"));
    let module = peer.as_ref().map(|source| {
        build_module(source, image.release())
            .unwrap_or_else(|e| panic!("building cryptodev.ko from {}: {e}", source.display()))
    });
    match &module {
        Some(ko) => println!("datapath: cryptodev-linux module {}", ko.display()),
        None => println!(
            "datapath: CRYPTODEV_PEER_SOURCE is not set: no cryptodev.ko column (set it to \
             cryptodev-linux's source, a tarball or a checkout, to compare with the kernel \
             module)"
        ),
    }
    let me = std::env::current_exe().expect("the benchmark's own path");
    // Another build of the daemon (an earlier commit's, for a before/after table).
    let daemon = std::env::var_os("CRYPTODEV_BENCH_DAEMON").map_or_else(
        || env!("CARGO_BIN_EXE_cryptodev-cuse").into(),
        PathBuf::from,
    );
    let mut command = format!(
        "{} --inner guest {} {} {millis}",
        me.display(),
        client.display(),
        daemon.display(),
    );
    if let Some(ko) = &module {
        command.push_str(&format!(" {}", ko.display()));
    }
    let outcome = GuestRun::new(&image)
        .cpus(cpus)
        .env(MINIMAL_CUSE_ENV, minimal_cuse.display().to_string())
        .command(command)
        .timeout(Duration::from_secs(3600))
        .run()
        .unwrap_or_else(|e| panic!("guest run: {e}"));
    assert_eq!(
        outcome.exit_code,
        0,
        "guest run failed:\n{}\n(console: {})",
        outcome.output,
        outcome.log_path.display()
    );

    let cols = columns(module.is_some());
    let results = Results::parse(&outcome.output);
    let date = utc_date(SystemTime::now());
    let header = format!(
        "kernel {}, {cpus} vCPU{}, {:?}, {millis} ms per cell, {date}",
        image.release(),
        if cpus == 1 { "" } else { "s" },
        outcome.accelerator,
    );
    let table = build_table(&cols, &results);
    println!(
        "\nData path in the guest ({header}); guest run {:.0} s, whole benchmark {:.0} s",
        outcome.duration.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    if module.is_none() {
        println!("(no cryptodev.ko column: CRYPTODEV_PEER_SOURCE was not set)");
    }
    print!("{}", render_text(&table));

    std::fs::create_dir_all(&out_dir)
        .unwrap_or_else(|e| panic!("creating {}: {e}", out_dir.display()));
    let md = render_markdown(&header, module.is_some(), &table);
    let svg = render_svg(&header, &cols, &results);
    for (name, text) in [("datapath.md", md), ("datapath.svg", svg)] {
        let path = out_dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        println!("wrote {}", path.display());
    }
    assert!(
        results.failures.is_empty(),
        "failed cells (the answers were wrong or an operation failed):\n{}",
        results.failures.join("\n")
    );
}

/// Builds cryptodev-linux's module for kernel `release` (Debian's `<abi>-<flavour>`), or
/// returns the cached one: `<guest cache>/peer/<release>/<source name>/cryptodev.ko`.
fn build_module(source: &Path, release: &str) -> Result<PathBuf, String> {
    let file = source
        .file_name()
        .ok_or("the source path has no name")?
        .to_string_lossy()
        .into_owned();
    let name = [".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))
        .unwrap_or(&file)
        .to_owned();
    let cache = cache_dir()
        .map_err(|e| e.to_string())?
        .join("peer")
        .join(release)
        .join(&name);
    let ko = cache.join("cryptodev.ko");
    if ko.is_file() {
        return Ok(ko);
    }
    let (abi, _flavour) = release
        .rsplit_once('-')
        .ok_or_else(|| format!("unexpected kernel release {release}"))?;
    let series: Vec<&str> = release.split('.').take(2).collect();
    let series = series.join(".");
    println!(
        "datapath: building cryptodev.ko for {release} (once; cached in {})",
        cache.display()
    );

    let work = cache.join("build");
    let _ = std::fs::remove_dir_all(&work);
    let root = work.join("root");
    let src = work.join("src");
    for dir in [&root, &src] {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let run = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{cmd:?}: {}\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    // The headers are downloaded, never installed: apt-get download only needs the lists.
    run(Command::new("apt-get")
        .arg("download")
        .arg(format!("linux-headers-{release}"))
        .arg(format!("linux-headers-{abi}-common"))
        .arg(format!("linux-kbuild-{series}"))
        .current_dir(&work))?;
    for entry in std::fs::read_dir(&work).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "deb") {
            run(Command::new("dpkg").arg("-x").arg(&path).arg(&root))?;
        }
    }
    // The flavour's Makefile includes the common one by its installed absolute path.
    let headers = root
        .join("usr/src")
        .join(format!("linux-headers-{release}"));
    let makefile = headers.join("Makefile");
    let text = std::fs::read_to_string(&makefile)
        .map_err(|e| format!("reading {}: {e}", makefile.display()))?;
    let installed = format!("include /usr/src/linux-headers-{abi}-common/Makefile");
    let unpacked = format!(
        "include {}/usr/src/linux-headers-{abi}-common/Makefile",
        root.display()
    );
    if !text.contains(&installed) {
        return Err(format!(
            "{} does not include {installed}",
            makefile.display()
        ));
    }
    std::fs::write(&makefile, text.replace(&installed, &unpacked)).map_err(|e| e.to_string())?;

    // Built in a copy: a checkout given as the source stays untouched.
    if source.is_dir() {
        run(Command::new("cp")
            .arg("-a")
            .arg(source)
            .arg(src.join(&name)))?;
    } else {
        run(Command::new("tar")
            .arg("-xf")
            .arg(source)
            .arg("-C")
            .arg(&src))?;
    }
    let tree = find_source_tree(&src).ok_or_else(|| {
        format!(
            "no cryptodev-linux tree (Makefile and ioctl.c) in {}",
            source.display()
        )
    })?;
    run(Command::new("make")
        .arg("-j2")
        .arg("-C")
        .arg(&tree)
        .arg(format!("KERNEL_DIR={}", headers.display())))?;
    let tmp = cache.join("cryptodev.ko.tmp");
    std::fs::copy(tree.join("cryptodev.ko"), &tmp).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, &ko).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(ko)
}

/// The directory (`dir` or one level below) holding cryptodev-linux's Makefile and ioctl.c.
fn find_source_tree(dir: &Path) -> Option<PathBuf> {
    let is_tree = |d: &Path| d.join("Makefile").is_file() && d.join("ioctl.c").is_file();
    let mut candidates = vec![dir.to_path_buf()];
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        candidates.push(entry.path());
        if let Ok(inner) = std::fs::read_dir(entry.path()) {
            candidates.extend(inner.flatten().map(|e| e.path()));
        }
    }
    candidates.into_iter().find(|d| d.is_dir() && is_tree(d))
}

// ---------------------------------------------------------------------------------------------
// The guest's report, as the host reads it.

/// What one throughput cell came to.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    BytesPerSecond(f64),
    NotAvailable(String),
    Failed,
}

#[derive(Debug, Default)]
struct Results {
    /// (column, workload, size) → cell.
    cells: BTreeMap<(String, String, u32), Cell>,
    /// (column, workload, size) → nanoseconds per operation.
    per_op: BTreeMap<(String, String, u32), f64>,
    /// column → nanoseconds per round trip.
    rtt: BTreeMap<String, f64>,
    /// column → nanoseconds per 16-byte CIOCCRYPT and per unknown ioctl, alternating.
    pair: BTreeMap<String, (f64, f64)>,
    /// Nanoseconds per round trip through a CUSE server that answers every ioctl at once.
    minimal_rtt: Option<f64>,
    /// size → nanoseconds of one process_vm_readv plus one process_vm_writev of that size.
    copy: BTreeMap<u32, f64>,
    /// (column, processes, size) → aggregate bytes per second.
    scale: BTreeMap<(String, u32, u32), Cell>,
    /// (column, size, counter) → per operation.
    counters: BTreeMap<(String, u32, String), f64>,
    failures: Vec<String>,
}

impl Results {
    fn parse(output: &str) -> Results {
        let mut r = Results::default();
        for line in output.lines() {
            let w: Vec<&str> = line.split_whitespace().collect();
            let num = |i: usize| w.get(i).and_then(|v| v.parse::<f64>().ok());
            let size = |i: usize| w.get(i).and_then(|v| v.parse::<u32>().ok());
            match w.first().copied() {
                Some("R") => {
                    let (Some(sz), Some(ops), Some(ns)) = (size(3), num(4), num(5)) else {
                        continue;
                    };
                    let key = (w[1].to_owned(), w[2].to_owned(), sz);
                    r.per_op.insert(key.clone(), ns / ops);
                    r.cells
                        .insert(key, Cell::BytesPerSecond(ops * f64::from(sz) / (ns / 1e9)));
                }
                Some("NA") if w.len() >= 5 => {
                    if let Some(sz) = size(3) {
                        r.cells.insert(
                            (w[1].to_owned(), w[2].to_owned(), sz),
                            Cell::NotAvailable(w[4..].join(" ")),
                        );
                    }
                }
                Some("RTT") => {
                    if let (Some(ops), Some(ns)) = (num(2), num(3)) {
                        r.rtt.insert(w[1].to_owned(), ns / ops);
                    }
                }
                Some("PAIR") => {
                    if let (Some(pairs), Some(crypt), Some(rtt)) = (num(2), num(3), num(4)) {
                        r.pair.insert(w[1].to_owned(), (crypt / pairs, rtt / pairs));
                    }
                }
                Some("RTTMIN") => {
                    if let (Some(ops), Some(ns)) = (num(1), num(2)) {
                        r.minimal_rtt = Some(ns / ops);
                    }
                }
                Some("COPY") => {
                    if let (Some(sz), Some(ops), Some(ns)) = (size(1), num(2), num(3)) {
                        r.copy.insert(sz, ns / ops);
                    }
                }
                Some("S") => {
                    let (Some(n), Some(sz), Some(bytes), Some(ns)) =
                        (size(2), size(3), num(4), num(5))
                    else {
                        continue;
                    };
                    r.scale.insert(
                        (w[1].to_owned(), n, sz),
                        Cell::BytesPerSecond(bytes / (ns / 1e9)),
                    );
                }
                Some("SNA") if w.len() >= 5 => {
                    if let (Some(n), Some(sz)) = (size(2), size(3)) {
                        r.scale.insert(
                            (w[1].to_owned(), n, sz),
                            Cell::NotAvailable(w[4..].join(" ")),
                        );
                    }
                }
                Some("C") => {
                    if let (Some(sz), Some(v)) = (size(2), num(4)) {
                        r.counters.insert((w[1].to_owned(), sz, w[3].to_owned()), v);
                    }
                }
                Some("CELLFAIL") => {
                    r.failures.push(line.to_owned());
                    if w.len() >= 4 {
                        let col = w[1].to_owned();
                        let what = w[2];
                        if let Some(sz) = size(3) {
                            if let Some(n) = what
                                .strip_prefix("scale-")
                                .and_then(|n| n.parse::<u32>().ok())
                            {
                                r.scale.insert((col, n, sz), Cell::Failed);
                            } else {
                                r.cells.insert((col, what.to_owned(), sz), Cell::Failed);
                            }
                        } else if WORKLOADS.contains(&what) {
                            for sz in SIZES {
                                r.cells
                                    .entry((col.clone(), what.to_owned(), sz))
                                    .or_insert(Cell::Failed);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        r
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering.

/// A table: a header row, then rows of `label, unit, one value per column`.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Three significant digits.
fn sig(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn cell_text(cell: Option<&Cell>) -> String {
    match cell {
        Some(Cell::BytesPerSecond(b)) => sig(b / 1e6),
        Some(Cell::NotAvailable(why)) => format!("n/a ({why})"),
        Some(Cell::Failed) => "FAILED".to_owned(),
        None => "missing".to_owned(),
    }
}

fn ratio_text(cell: Option<&Cell>, base: Option<&Cell>) -> String {
    match (cell, base) {
        (Some(Cell::BytesPerSecond(a)), Some(Cell::BytesPerSecond(b))) if *b > 0.0 => {
            format!("{:.2}x", a / b)
        }
        _ => "-".to_owned(),
    }
}

/// The throughput a direct-mode daemon column would reach at `size` if it spent nothing but
/// its measured round trip, the measured copies and the time its work takes in the column it
/// repeats.
fn floor(col: &Column, r: &Results, workload: &str, size: u32) -> Option<Cell> {
    if !col.uses_direct_memory() {
        return None;
    }
    let work = match r
        .cells
        .get(&(col.work_done_like()?.to_owned(), workload.to_owned(), size))
    {
        Some(Cell::BytesPerSecond(b)) if *b > 0.0 => f64::from(size) / b * 1e9,
        _ => return None,
    };
    let ns = r.rtt.get(&col.key)? + r.copy.get(&size)? + work;
    Some(Cell::BytesPerSecond(f64::from(size) / (ns / 1e9)))
}

fn build_table(cols: &[Column], r: &Results) -> Table {
    let mut header = vec!["workload".to_owned(), "measure".to_owned()];
    header.extend(cols.iter().map(|c| c.title.clone()));
    let kmod = cols.iter().any(|c| c.kind == Kind::KernelModule);
    let mut rows = Vec::new();
    let row = |label: String, unit: &str, values: Vec<String>| {
        let mut v = vec![label, unit.to_owned()];
        v.extend(values);
        v
    };
    for w in WORKLOADS {
        for size in SIZES {
            let get = |key: &str| r.cells.get(&(key.to_owned(), w.to_owned(), size));
            rows.push(row(
                format!("{w} {}", size_label(size)),
                "MB/s",
                cols.iter().map(|c| cell_text(get(&c.key))).collect(),
            ));
            if kmod {
                rows.push(row(
                    String::new(),
                    "vs cryptodev.ko",
                    cols.iter()
                        .map(|c| ratio_text(get(&c.key), get("kmod")))
                        .collect(),
                ));
            }
            rows.push(row(
                String::new(),
                "vs OpenSSL",
                cols.iter()
                    .map(|c| ratio_text(get(&c.key), get("openssl")))
                    .collect(),
            ));
        }
    }
    for w in WORKLOADS {
        rows.push(row(
            format!("{w} 16 B"),
            "µs/op",
            cols.iter()
                .map(|c| {
                    r.per_op
                        .get(&(c.key.clone(), w.to_owned(), 16))
                        .map_or_else(|| "-".to_owned(), |ns| sig(ns / 1e3))
                })
                .collect(),
        ));
    }
    rows.push(row(
        "round trip (unknown ioctl)".to_owned(),
        "µs",
        cols.iter()
            .map(|c| {
                r.rtt
                    .get(&c.key)
                    .map_or_else(|| "-".to_owned(), |ns| sig(ns / 1e3))
            })
            .collect(),
    ));
    // Alternating calls see the same machine state, so their ratio survives the emulator's
    // drifting speed better than two separate measurements.
    let paired = |pick: fn(&(f64, f64)) -> String| -> Vec<String> {
        cols.iter()
            .map(|c| r.pair.get(&c.key).map_or_else(|| "-".to_owned(), pick))
            .collect()
    };
    rows.push(row(
        "aes-128-cbc 16 B, alternating".to_owned(),
        "µs/op",
        paired(|&(crypt, _)| sig(crypt / 1e3)),
    ));
    rows.push(row(
        "unknown ioctl, alternating".to_owned(),
        "µs",
        paired(|&(_, rtt)| sig(rtt / 1e3)),
    ));
    rows.push(row(
        String::new(),
        "16 B CIOCCRYPT / round trip",
        paired(|&(crypt, rtt)| format!("{:.2}x", crypt / rtt)),
    ));
    rows.push(row(
        "round trip, minimal CUSE server".to_owned(),
        "µs",
        cols.iter()
            .map(|c| match r.minimal_rtt {
                Some(ns) if matches!(c.kind, Kind::Daemon(_)) => sig(ns / 1e3),
                _ => "-".to_owned(),
            })
            .collect(),
    ));
    // What a daemon in the direct memory mode cannot avoid: its round trip, one
    // process_vm_readv and one process_vm_writev of the data, and the work itself as the
    // column it repeats does it. The floor rows show the throughput those alone allow.
    for size in COPY_SIZES {
        rows.push(row(
            format!("process_vm copies {}", size_label(size)),
            "µs (readv + writev)",
            cols.iter()
                .map(|c| match r.copy.get(&size) {
                    Some(ns) if c.uses_direct_memory() => sig(ns / 1e3),
                    _ => "-".to_owned(),
                })
                .collect(),
        ));
    }
    for size in [65536, 1 << 20] {
        let floors: Vec<Option<Cell>> = cols
            .iter()
            .map(|c| floor(c, r, "aes-128-cbc", size))
            .collect();
        rows.push(row(
            format!("aes-128-cbc {} floor", size_label(size)),
            "MB/s: round trip + copies + work",
            floors
                .iter()
                .map(|f| {
                    f.as_ref()
                        .map_or_else(|| "-".to_owned(), |f| cell_text(Some(f)))
                })
                .collect(),
        ));
        if kmod {
            let base = r
                .cells
                .get(&("kmod".to_owned(), "aes-128-cbc".to_owned(), size));
            rows.push(row(
                String::new(),
                "floor vs cryptodev.ko",
                floors
                    .iter()
                    .map(|f| ratio_text(f.as_ref(), base))
                    .collect(),
            ));
        }
    }
    for (size, _) in COUNTER_RUNS {
        for (counter, unit) in [
            ("syscalls", "daemon syscalls/op"),
            ("faults", "daemon minor faults/op"),
            ("ctxsw", "daemon context switches/op"),
        ] {
            rows.push(row(
                format!("aes-128-cbc {}", size_label(size)),
                unit,
                cols.iter()
                    .map(|c| {
                        r.counters
                            .get(&(c.key.clone(), size, counter.to_owned()))
                            .map_or_else(|| "-".to_owned(), |v| sig(*v))
                    })
                    .collect(),
            ));
        }
    }
    for size in SCALE_SIZES {
        for n in SCALE_PROCS {
            rows.push(row(
                format!("aes-128-cbc {} x{n} procs", size_label(size)),
                "MB/s total (vs x1)",
                cols.iter()
                    .map(|c| {
                        let get = |n| r.scale.get(&(c.key.clone(), n, size));
                        let text = cell_text(get(n));
                        match (n, get(n), get(1)) {
                            (1, ..) => text,
                            (_, Some(Cell::BytesPerSecond(_)), Some(Cell::BytesPerSecond(_))) => {
                                format!("{text} ({})", ratio_text(get(n), get(1)))
                            }
                            _ => text,
                        }
                    })
                    .collect(),
            ));
        }
    }
    Table { header, rows }
}

fn render_text(t: &Table) -> String {
    report::render_columns(&t.header, &t.rows, 2)
}

fn render_markdown(header: &str, kmod: bool, t: &Table) -> String {
    let mut out = String::from("# Data-path benchmark\n\n");
    let _ = writeln!(
        out,
        "Generated by `cargo bench --bench datapath` ({header}). Under TCG the absolute \
         figures are those of an emulated CPU: compare the ratios.\n"
    );
    if !kmod {
        out.push_str(
            "No cryptodev.ko column: the run was made without `CRYPTODEV_PEER_SOURCE`.\n\n",
        );
    }
    out.push_str(
        "MB/s are 10^6 bytes of input per second. Daemon columns: `/dev/crypto-*` served by \
         `cryptodev-cuse` with the backend and `--memory-access` mode named (`mount`: the ioctl \
         file of a FUSE mount, `--mount DIR`, direct memory); RETRY carries at \
         most 128 KiB per direction, hence `n/a (E2BIG)`. The round trip is an ioctl the \
         device does not know. The `alternating` rows time a 16-byte \
         CIOCCRYPT and an unknown ioctl in turn on one open file, so that their ratio is taken \
         under the same conditions. `round trip, minimal CUSE server` is the same ioctl \
         through a CUSE server that only answers (the harness's `tiny_cuse.c`): what the \
         kernel's CUSE path costs by itself. `process_vm copies` is one `process_vm_readv` plus one \
         `process_vm_writev` of that size between two processes, timed on their own: what the \
         direct memory mode must add to a round trip. The floor rows add the column's round \
         trip, those copies and the time the same work takes in-process (RustCrypto for \
         `soft`, raw AF_ALG for `afalg`): the most that column could reach. Counters are the \
         daemon's, per AES-128-CBC operation: syscalls \
         (`strace -f -c`), minor page faults (`/proc/PID/stat`) and voluntary plus involuntary \
         context switches of all its threads. The guest's `net.core.optmem_max` is raised to 1 MiB, \
         which AF_ALG needs for 1 MiB requests. The scaling rows run 1, 2 and 4 client processes \
         at once and add up their bytes. The plot is `datapath.svg`.\n\n",
    );
    let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
    out.push_str(&line(&t.header));
    let mut sep = vec!["---".to_owned(), "---".to_owned()];
    sep.extend(t.header.iter().skip(2).map(|_| "---:".to_owned()));
    out.push_str(&line(&sep));
    for row in &t.rows {
        out.push_str(&line(row));
    }
    out
}

const COLOURS: [&str; 8] = [
    "#000000", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
];

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Throughput against size, log-log, one panel per workload, one line per column.
fn render_svg(header: &str, cols: &[Column], r: &Results) -> String {
    const PANEL_W: f64 = 380.0;
    const PANEL_H: f64 = 300.0;
    const LEFT: f64 = 60.0;
    const TOP: f64 = 60.0;
    const GAP: f64 = 40.0;
    let width = LEFT + 3.0 * (PANEL_W + GAP);
    let height = TOP + PANEL_H + 60.0 + 20.0 * (cols.len() as f64 / 4.0).ceil() + 20.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{LEFT}\" y=\"22\" font-size=\"15\">Data path: throughput (MB/s) against \
         request size, log-log</text>\n\
         <text x=\"{LEFT}\" y=\"40\" fill=\"#555\">{}; under TCG compare ratios, not absolute \
         figures</text>\n",
        xml_escape(header)
    );
    let (xmin, xmax) = (f64::from(SIZES[0]).log10(), f64::from(SIZES[5]).log10());
    for (p, w) in WORKLOADS.iter().enumerate() {
        let x0 = LEFT + p as f64 * (PANEL_W + GAP);
        let values: Vec<f64> = r
            .cells
            .iter()
            .filter(|((_, wl, _), _)| wl == w)
            .filter_map(|(_, c)| match c {
                Cell::BytesPerSecond(b) if *b > 0.0 => Some(b / 1e6),
                _ => None,
            })
            .collect();
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(0.0, f64::max);
        let (ymin, ymax) = if values.is_empty() {
            (0.0, 1.0)
        } else {
            (
                lo.log10().floor(),
                hi.log10().ceil().max(lo.log10().floor() + 1.0),
            )
        };
        let px = |size: f64| x0 + (size.log10() - xmin) / (xmax - xmin) * PANEL_W;
        let py = |mbs: f64| TOP + PANEL_H - (mbs.log10() - ymin) / (ymax - ymin) * PANEL_H;
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-weight=\"bold\">{w}</text>\n\
             <rect x=\"{x0:.1}\" y=\"{TOP}\" width=\"{PANEL_W}\" height=\"{PANEL_H}\" \
             fill=\"none\" stroke=\"#888\"/>",
            x0 + 4.0,
            TOP - 6.0,
        );
        let mut decade = ymin;
        while decade <= ymax {
            let y = TOP + PANEL_H - (decade - ymin) / (ymax - ymin) * PANEL_H;
            let _ = writeln!(
                s,
                "<line x1=\"{x0:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\n\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                x0 + PANEL_W,
                x0 - 4.0,
                y + 4.0,
                sig(10f64.powf(decade)),
            );
            decade += 1.0;
        }
        for size in SIZES {
            let x = px(f64::from(size));
            let _ = writeln!(
                s,
                "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/>\n\
                 <text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                TOP + PANEL_H,
                TOP + PANEL_H + 16.0,
                size_label(size),
            );
        }
        for (i, c) in cols.iter().enumerate() {
            let points: Vec<String> = SIZES
                .iter()
                .filter_map(
                    |&size| match r.cells.get(&(c.key.clone(), (*w).to_owned(), size)) {
                        Some(Cell::BytesPerSecond(b)) if *b > 0.0 => {
                            Some(format!("{:.1},{:.1}", px(f64::from(size)), py(b / 1e6)))
                        }
                        _ => None,
                    },
                )
                .collect();
            if points.is_empty() {
                continue;
            }
            let colour = COLOURS[i % COLOURS.len()];
            let dash = if i >= COLOURS.len() {
                " stroke-dasharray=\"4 3\""
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.8\"{dash}/>",
                points.join(" ")
            );
        }
    }
    for (i, c) in cols.iter().enumerate() {
        let x = LEFT + (i % 4) as f64 * 280.0;
        let y = TOP + PANEL_H + 44.0 + (i / 4) as f64 * 20.0;
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{}\" \
             stroke-width=\"3\"/>\n<text x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
            y - 4.0,
            x + 24.0,
            y - 4.0,
            COLOURS[i % COLOURS.len()],
            x + 30.0,
            xml_escape(&c.title),
        );
    }
    s.push_str("</svg>\n");
    s
}

// ---------------------------------------------------------------------------------------------
// Inside the guest.

fn inner(args: &[String]) -> ExitCode {
    match args.first().map(String::as_str) {
        Some("guest") if args.len() >= 4 => {
            let ko = args.get(4).map(PathBuf::from);
            let millis: u64 = args[3].parse().expect("MILLIS");
            match guest(
                Path::new(&args[1]),
                Path::new(&args[2]),
                millis,
                ko.as_deref(),
            ) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    println!("datapath: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Some("cell") if args.len() >= 5 => rust_cell(args),
        _ => {
            eprintln!(
                "usage: datapath --inner guest CLIENT DAEMON MILLIS [MODULE]\n       \
                 datapath --inner cell WORKLOAD MILLIS START SIZE..."
            );
            ExitCode::from(2)
        }
    }
}

fn wait_for(path: &Path, what: &str) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        if Instant::now() > deadline {
            return Err(format!("{} did not appear ({what})", path.display()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// The round trip through the minimal CUSE server named by [`MINIMAL_CUSE_ENV`], printed as
/// `RTTMIN <calls> <nanoseconds>`.
fn minimal_round_trip(client: &Path, millis: u64) -> Result<(), String> {
    let server = std::env::var_os(MINIMAL_CUSE_ENV).ok_or("no minimal CUSE server given")?;
    let mut child = Command::new(&server)
        .arg("crypto-minimal")
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("starting the minimal CUSE server: {e}"))?;
    let measured =
        wait_for(Path::new("/dev/crypto-minimal"), "minimal CUSE server").and_then(|()| {
            let mut cmd = Command::new(client);
            cmd.arg("rtt")
                .arg("/dev/crypto-minimal")
                .arg(millis.to_string());
            let out = run_capture(cmd.stdout(Stdio::piped()))?;
            for line in out.lines() {
                let f: Vec<&str> = line.split_whitespace().collect();
                if let ["RESULT", "rtt", _, ops, ns, ..] = f[..] {
                    println!("RTTMIN {ops} {ns}");
                }
            }
            Ok(())
        });
    let _ = child.kill();
    let _ = child.wait();
    measured
}

/// The orchestrator: loads the module, starts the daemons, runs every measurement and prints
/// one line per result for the host.
fn guest(client: &Path, daemon: &Path, millis: u64, ko: Option<&Path>) -> Result<(), String> {
    if let Some(ko) = ko {
        let st = Command::new("insmod")
            .arg(ko)
            .status()
            .map_err(|e| format!("insmod: {e}"))?;
        if !st.success() {
            return Err(format!("insmod {}: {st}", ko.display()));
        }
        wait_for(Path::new("/dev/crypto"), "cryptodev.ko")?;
    }
    // AF_ALG charges its scatterlists to the socket's option memory; the default 20 KiB
    // refuses 1 MiB requests with ENOMEM.
    std::fs::write("/proc/sys/net/core/optmem_max", "1048576")
        .map_err(|e| format!("raising net.core.optmem_max: {e}"))?;
    let cols = columns(ko.is_some());
    let mut daemons: Vec<(String, Child)> = Vec::new();
    for c in &cols {
        if let (Kind::Daemon(args), Some(dev)) = (&c.kind, c.device()) {
            let child = Command::new(daemon)
                .args(c.daemon_args(args))
                .stdin(Stdio::null())
                .spawn()
                .map_err(|e| format!("starting {}: {e}", daemon.display()))?;
            daemons.push((c.key.clone(), child));
            wait_for(Path::new(&dev), &format!("daemon {args}"))?;
        }
    }
    let result = measure_all(client, millis, &cols, &daemons);
    for (_, child) in &mut daemons {
        if let Ok(pid) = i32::try_from(child.id()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGTERM,
            );
        }
        let _ = child.wait();
    }
    result
}

/// The command running one cell of `col`.
fn cell_command(
    client: &Path,
    col: &Column,
    workload: &str,
    millis: u64,
    start: u64,
    sizes: &[u32],
) -> Command {
    let mut cmd = if col.kind == Kind::RustCrypto {
        let mut cmd = Command::new(std::env::current_exe().expect("own path"));
        cmd.args(["--inner", "cell"]);
        cmd
    } else {
        let mut cmd = Command::new(client);
        cmd.arg("cell").arg(col.target());
        cmd
    };
    cmd.arg(workload)
        .arg(millis.to_string())
        .arg(start.to_string())
        .args(sizes.iter().map(u32::to_string))
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    cmd
}

/// Runs `cmd` to completion; its output, or what went wrong.
fn run_capture(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        Ok(text)
    } else {
        let why = text
            .lines()
            .find(|l| l.starts_with("FAIL"))
            .unwrap_or("no FAIL line")
            .to_owned();
        Err(format!("{} ({why})", out.status))
    }
}

fn measure_all(
    client: &Path,
    millis: u64,
    cols: &[Column],
    daemons: &[(String, Child)],
) -> Result<(), String> {
    let mut checks: BTreeMap<(String, String), String> = BTreeMap::new();
    for col in cols {
        for w in WORKLOADS {
            let mut cmd = cell_command(client, col, w, millis, 0, &SIZES);
            let out = match run_capture(&mut cmd) {
                Ok(out) => out,
                Err(e) => {
                    println!("CELLFAIL {} {w} - {e}", col.key);
                    continue;
                }
            };
            for line in out.lines() {
                let f: Vec<&str> = line.split_whitespace().collect();
                match f[..] {
                    ["RESULT", _, size, ops, ns, ..] => {
                        println!("R {} {w} {size} {ops} {ns}", col.key);
                    }
                    ["NA", _, size, ref why @ ..] => {
                        println!("NA {} {w} {size} {}", col.key, why.join(" "));
                    }
                    ["CHECK", _, size, digest] => {
                        let known = checks.get(&(w.to_owned(), size.to_owned()));
                        match known {
                            None => {
                                checks.insert((w.to_owned(), size.to_owned()), digest.to_owned());
                            }
                            Some(d) if d == digest => {}
                            Some(_) => println!(
                                "CELLFAIL {} {w} {size} output differs from OpenSSL's",
                                col.key
                            ),
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    for col in cols {
        let Some(dev) = col.device() else { continue };
        for (mode, tag) in [("rtt", "RTT"), ("pair", "PAIR")] {
            let mut cmd = Command::new(client);
            cmd.arg(mode).arg(&dev).arg(millis.to_string());
            // "RESULT <mode> <size> <numbers...>" goes to the host as "<tag> <column> <numbers...>".
            match run_capture(cmd.stdout(Stdio::piped())) {
                Ok(out) => {
                    for line in out.lines() {
                        let f: Vec<&str> = line.split_whitespace().collect();
                        if let ["RESULT", m, _, numbers @ ..] = &f[..] {
                            if *m == mode {
                                println!("{tag} {} {}", col.key, numbers.join(" "));
                            }
                        }
                    }
                }
                Err(e) => println!("CELLFAIL {} {mode} - {e}", col.key),
            }
        }
    }

    if let Err(e) = minimal_round_trip(client, millis) {
        println!("CELLFAIL minimal-cuse rtt - {e}");
    }

    let mut cmd = Command::new(client);
    cmd.arg("copy")
        .arg(millis.to_string())
        .args(COPY_SIZES.map(|size| size.to_string()));
    match run_capture(cmd.stdout(Stdio::piped())) {
        Ok(out) => {
            for line in out.lines() {
                let f: Vec<&str> = line.split_whitespace().collect();
                if let ["RESULT", "copy", size, ops, ns, ..] = f[..] {
                    println!("COPY {size} {ops} {ns}");
                }
            }
        }
        Err(e) => println!("CELLFAIL process_vm copy - {e}"),
    }

    for col in cols {
        for size in SCALE_SIZES {
            for n in SCALE_PROCS {
                scale(client, millis, col, n, size);
            }
        }
    }

    for (key, child) in daemons {
        let col = cols.iter().find(|c| &c.key == key).expect("daemon column");
        let dev = col.device().expect("daemon device");
        for (size, ops) in COUNTER_RUNS {
            if size > RETRY_LIMIT && !col.uses_direct_memory() {
                continue;
            }
            if let Err(e) = counters(client, &dev, key, child.id(), size, ops) {
                println!("CELLFAIL {key} counters-{size} - {e}");
            }
        }
    }
    Ok(())
}

/// `n` processes of `col` at once, timing from one common start.
fn scale(client: &Path, millis: u64, col: &Column, n: u32, size: u32) {
    // Late enough that every process has started and checked its first answer.
    let start = realtime_ns() + 1_000_000_000 + u64::from(n) * 500_000_000;
    let mut children = Vec::new();
    for _ in 0..n {
        let mut cmd = cell_command(client, col, "aes-128-cbc", millis, start, &[size]);
        match cmd.spawn() {
            Ok(c) => children.push(c),
            Err(e) => {
                println!("CELLFAIL {} scale-{n} {size} {e}", col.key);
                return;
            }
        }
    }
    let (mut bytes, mut begin, mut end, mut na) = (0.0, u64::MAX, 0, None);
    let mut failed = None;
    for child in children {
        let out = match child.wait_with_output() {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
            Ok(o) => {
                failed = Some(format!(
                    "{}: {}",
                    o.status,
                    String::from_utf8_lossy(&o.stdout)
                ));
                continue;
            }
            Err(e) => {
                failed = Some(e.to_string());
                continue;
            }
        };
        for line in out.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f[..] {
                ["RESULT", _, _, ops, _, b, e] => {
                    let (Ok(ops), Ok(b), Ok(e)) =
                        (ops.parse::<f64>(), b.parse::<u64>(), e.parse::<u64>())
                    else {
                        continue;
                    };
                    bytes += ops * f64::from(size);
                    begin = begin.min(b);
                    end = end.max(e);
                }
                ["NA", _, _, why] => na = Some(why.to_owned()),
                _ => {}
            }
        }
    }
    if let Some(why) = failed {
        println!(
            "CELLFAIL {} scale-{n} {size} {}",
            col.key,
            why.replace('\n', " ")
        );
    } else if let Some(why) = na {
        println!("SNA {} {n} {size} {why}", col.key);
    } else if end > begin {
        println!("S {} {n} {size} {bytes} {}", col.key, end - begin);
    }
}

/// Minor faults of the whole process and context switches of all its threads.
fn process_counters(pid: u32) -> Result<(u64, u64), String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    // Fields after the command name, which may contain spaces: state is field 3, minflt 10.
    let after = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("odd /proc/PID/stat")?;
    let minflt: u64 = after
        .split_whitespace()
        .nth(7)
        .and_then(|v| v.parse().ok())
        .ok_or("no minflt in /proc/PID/stat")?;
    let mut switches = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).map_err(|e| e.to_string())? {
        let status =
            std::fs::read_to_string(task.map_err(|e| e.to_string())?.path().join("status"))
                .unwrap_or_default();
        for line in status.lines() {
            if let Some(v) = line
                .strip_prefix("voluntary_ctxt_switches:")
                .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
            {
                switches += v.trim().parse::<u64>().unwrap_or(0);
            }
        }
    }
    Ok((minflt, switches))
}

/// True once every thread of `pid` has a tracer.
fn all_traced(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().all(|t| {
        std::fs::read_to_string(t.path().join("status"))
            .unwrap_or_default()
            .lines()
            .any(|l| l.starts_with("TracerPid:") && l.split_whitespace().nth(1) != Some("0"))
    })
}

/// A client stopped between its setup and its `ops` operations.
struct Paused {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Paused {
    fn start(client: &Path, dev: &str, size: u32, ops: u64) -> Result<Paused, String> {
        let mut child = Command::new(client)
            .args(["count", dev, "aes-128-cbc"])
            .arg(size.to_string())
            .arg(ops.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut p = Paused {
            child,
            lines: BufReader::new(stdout).lines(),
        };
        p.expect("READY")?;
        Ok(p)
    }

    fn expect(&mut self, what: &str) -> Result<(), String> {
        match self.lines.next() {
            Some(Ok(l)) if l.trim() == what => Ok(()),
            other => Err(format!("client said {other:?} instead of {what}")),
        }
    }

    fn go(&mut self) -> Result<(), String> {
        let stdin = self.child.stdin.as_mut().ok_or("no stdin")?;
        stdin.write_all(b"\n").map_err(|e| e.to_string())?;
        stdin.flush().map_err(|e| e.to_string())
    }

    fn finish(mut self) -> Result<(), String> {
        self.go()?;
        let st = self.child.wait().map_err(|e| e.to_string())?;
        st.success().then_some(()).ok_or(format!("client: {st}"))
    }
}

fn counters(
    client: &Path,
    dev: &str,
    key: &str,
    pid: u32,
    size: u32,
    ops: u64,
) -> Result<(), String> {
    let per_op = |v: u64| {
        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let r = v as f64 / ops as f64;
        r
    };

    // Faults and switches without strace, which adds switches of its own.
    let mut p = Paused::start(client, dev, size, ops)?;
    let (f0, s0) = process_counters(pid)?;
    p.go()?;
    p.expect("DONE")?;
    let (f1, s1) = process_counters(pid)?;
    p.finish()?;
    println!("C {key} {size} faults {}", per_op(f1 - f0));
    println!("C {key} {size} ctxsw {}", per_op(s1 - s0));

    let mut p = Paused::start(client, dev, size, ops)?;
    let log = PathBuf::from(format!("/tmp/strace-{key}-{size}"));
    let mut strace = Command::new("strace")
        .args(["-f", "-c", "-o"])
        .arg(&log)
        .arg("-p")
        .arg(pid.to_string())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("strace: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !all_traced(pid) {
        if Instant::now() > deadline {
            let _ = strace.kill();
            return Err("strace did not attach to every thread".to_owned());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    p.go()?;
    p.expect("DONE")?;
    let strace_pid = i32::try_from(strace.id()).map_err(|e| e.to_string())?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(strace_pid),
        nix::sys::signal::Signal::SIGINT,
    )
    .map_err(|e| e.to_string())?;
    strace.wait().map_err(|e| e.to_string())?;
    p.finish()?;
    let summary = std::fs::read_to_string(&log).map_err(|e| e.to_string())?;
    // "% time seconds usecs/call calls [errors] total": calls is the fourth field.
    let calls: u64 = summary
        .lines()
        .find(|l| l.trim_end().ends_with(" total"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no total in strace's summary:\n{summary}"))?;
    println!("C {key} {size} syscalls {}", per_op(calls));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The RustCrypto client: the same inputs and output format as datapath.c.

fn rust_cell(args: &[String]) -> ExitCode {
    use aes_gcm::aead::inout::InOutBuf;
    use aes_gcm::{AeadInOut, Aes128Gcm};
    use cipher::array::Array;
    use cipher::{BlockModeEncrypt, InnerIvInit, KeyInit, SetIvState};
    use sha2::{Digest, Sha256};

    const MAX: usize = 1 << 20;
    let workload = args[1].as_str();
    let millis: u64 = args[2].parse().expect("MILLIS");
    let start: u64 = args[3].parse().expect("START");
    let key: [u8; 16] = std::array::from_fn(|i| u8::try_from(i).unwrap_or(0));
    let cbc_iv: [u8; 16] = std::array::from_fn(|i| 0xa0 + u8::try_from(i).unwrap_or(0));
    let gcm_iv: [u8; 12] = std::array::from_fn(|i| 0xb0 + u8::try_from(i).unwrap_or(0));
    let aad: [u8; 16] = std::array::from_fn(|i| 0xc0 + u8::try_from(i).unwrap_or(0));
    #[allow(
        clippy::cast_possible_truncation,
        reason = "the pattern keeps the low byte on purpose, as datapath.c does"
    )]
    let input: Vec<u8> = (0..MAX).map(|i| (i * 131 + 17) as u8).collect();
    let mut output = vec![0u8; MAX + 16];

    // Key schedules once, as a session does.
    let aes = aes::Aes128::new(&Array::from(key));
    let mut cbc = cbc::Encryptor::<aes::Aes128>::inner_iv_init(aes, &Array::from(cbc_iv));
    let gcm = Aes128Gcm::new(&Array::from(key));
    let iv_block = Array::from(cbc_iv);
    let nonce = Array::from(gcm_iv);

    let mut op = |size: usize, out: &mut [u8]| -> usize {
        match workload {
            "aes-128-cbc" => {
                let (src, _) = Array::slice_as_chunks(&input[..size]);
                let (dst, _) = Array::slice_as_chunks_mut(&mut out[..size]);
                cbc.set_iv(&iv_block);
                cbc.encrypt_blocks_b2b(src, dst).expect("equal lengths");
                size
            }
            "sha256" => {
                out[..32].copy_from_slice(&Sha256::digest(&input[..size]));
                32
            }
            _ => {
                let (data, tag) = out[..size + 16].split_at_mut(size);
                let buf = InOutBuf::new(&input[..size], data).expect("equal lengths");
                let t = gcm
                    .encrypt_inout_detached(&nonce, &aad, buf)
                    .expect("GCM encryption");
                tag.copy_from_slice(&t);
                size + 16
            }
        }
    };
    if !["aes-128-cbc", "sha256", "aes-128-gcm"].contains(&workload) {
        eprintln!("unknown workload {workload}");
        return ExitCode::from(2);
    }
    for size in &args[4..] {
        let size: usize = size.parse().expect("SIZE");
        if size == 0 || size > MAX {
            println!("FAIL bad size");
            return ExitCode::FAILURE;
        }
        let n = op(size, &mut output);
        let digest = Sha256::digest(&output[..n]);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        println!("CHECK {workload} {size} {hex}");
        // Untimed, as in datapath.c: under emulation first use pays for code translation.
        let warm = realtime_ns() + millis * 100_000;
        while realtime_ns() < warm {
            std::hint::black_box(op(size, &mut output));
        }
        let now = realtime_ns();
        if start > now {
            std::thread::sleep(Duration::from_nanos(start - now));
        }
        let begin = realtime_ns();
        let deadline = begin + millis * 1_000_000;
        let mut ops = 0u64;
        let end = loop {
            std::hint::black_box(op(size, &mut output));
            ops += 1;
            let t = realtime_ns();
            if t >= deadline {
                break t;
            }
        };
        println!(
            "RESULT {workload} {size} {ops} {} {begin} {end}",
            end - begin
        );
    }
    ExitCode::SUCCESS
}
