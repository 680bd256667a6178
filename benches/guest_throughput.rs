//! Throughput through /dev/crypto in one guest run with a virtio-crypto device: three
//! daemons side by side, each measured by `compat-tests/bench/throughput.c` for AES-128-CBC
//! and SHA-256 at 16 B, 1 KiB and 64 KiB, printed as MB/s and as ratios to RustCrypto.
//!
//! - `soft`: `--backend soft`;
//! - `afalg (software driver)`: `--backend afalg --pin-driver cbc(aes)=cbc-aes-aesni` (the
//!   kernel's AES-NI code; SHA-256 on the kernel's highest-priority driver);
//! - `afalg (virtio_crypto)`: `--backend afalg --pin-driver cbc(aes)=virtio_crypto_aes_cbc`;
//!   virtio-crypto in qemu 7.2 has no hash, so that column shows `n/a` for SHA-256.
//!
//! A benchmark, not a test: `cargo bench --bench guest_throughput` (the binary does nothing
//! without cargo bench's `--bench` argument). `CRYPTODEV_BENCH_MILLIS` sets the time per
//! measurement (default 1000). The guest runs under TCG here, so absolute numbers are those
//! of an emulated CPU; the ratios are the point.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use guest_harness::{build_c, image_for_tests, Abi, GuestRun, Linkage};

/// (column title, device name, daemon arguments, the driver prefix the column is about).
const DAEMONS: &[(&str, &str, &str, Option<&str>)] = &[
    ("soft", "crypto-soft", "--backend soft", None),
    (
        "afalg (software driver)",
        "crypto-afalg-sw",
        "--backend afalg --pin-driver 'cbc(aes)=cbc-aes-aesni'",
        Some(""),
    ),
    (
        "afalg (virtio_crypto)",
        "crypto-afalg-virtio",
        "--backend afalg --pin-driver 'cbc(aes)=virtio_crypto_aes_cbc'",
        Some("virtio"),
    ),
];

/// One `RESULT` line.
#[derive(Debug)]
struct Measurement {
    driver: String,
    hardware: bool,
    bytes_per_second: f64,
}

fn parse(output: &str) -> BTreeMap<(String, String, u32), Measurement> {
    let mut out = BTreeMap::new();
    let mut device = String::new();
    for line in output.lines() {
        if let Some(name) = line.strip_prefix("=== device ") {
            device = name.trim().to_owned();
            continue;
        }
        let Some(rest) = line.strip_prefix("RESULT ") else {
            continue;
        };
        let w: Vec<&str> = rest.split_whitespace().collect();
        let [alg, size, driver, hw, ops, ns] = w[..] else {
            continue;
        };
        let (Ok(size), Ok(ops), Ok(ns)) =
            (size.parse::<u32>(), ops.parse::<f64>(), ns.parse::<f64>())
        else {
            continue;
        };
        out.insert(
            (device.clone(), alg.to_owned(), size),
            Measurement {
                driver: driver.to_owned(),
                hardware: hw == "1",
                bytes_per_second: ops * f64::from(size) / (ns / 1e9),
            },
        );
    }
    out
}

fn size_label(size: u32) -> String {
    match size {
        s if s >= 1024 => format!("{} KiB", s / 1024),
        s => format!("{s} B"),
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "guest_throughput: a benchmark; run it with `cargo bench --bench guest_throughput`"
        );
        return;
    }
    let Some(image) = image_for_tests() else {
        return;
    };
    let millis: u64 = std::env::var("CRYPTODEV_BENCH_MILLIS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let client = build_c(
        "throughput",
        &[Path::new("compat-tests/bench/throughput.c")],
        Abi::Lp64,
        Linkage::Static,
        &[],
    )
    .unwrap_or_else(|e| panic!("building throughput.c: {e}"));
    let daemon = env!("CARGO_BIN_EXE_cryptodev-cuse");

    let mut script = String::from("set -u\npids=\n");
    for (_, name, args, _) in DAEMONS {
        script.push_str(&format!(
            "{daemon} --foreground --log-level warn --name {name} {args} &\n\
             pids=\"$pids $!\"\n\
             i=0; while [ ! -c /dev/{name} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n"
        ));
    }
    for (_, name, _, _) in DAEMONS {
        script.push_str(&format!(
            "echo '=== device {name}'\n{} /dev/{name} {millis} || exit 1\n",
            client.display()
        ));
    }
    script.push_str("kill -TERM $pids; wait\n");

    let outcome = GuestRun::new(&image)
        .with_virtio_crypto()
        .command(script)
        .timeout(Duration::from_secs(600))
        .run()
        .unwrap_or_else(|e| panic!("guest run: {e}"));
    assert_eq!(
        outcome.exit_code,
        0,
        "guest run failed:\n{}\n(console: {})",
        outcome.output,
        outcome.log_path.display()
    );
    let results = parse(&outcome.output);

    println!(
        "\nThroughput through /dev/crypto in the guest ({:?}, {millis} ms per cell): MB/s, \
         ratio to soft",
        outcome.accelerator
    );
    let mut header = format!("{:<12} {:>7}", "algorithm", "size");
    for (title, ..) in DAEMONS {
        header.push_str(&format!("  {title:>24}"));
    }
    println!("{header}");
    let mut drivers = BTreeMap::new();
    for alg in ["aes-128-cbc", "sha256"] {
        for size in [16u32, 1024, 65536] {
            let mut row = format!("{alg:<12} {:>7}", size_label(size));
            let soft = results
                .get(&(DAEMONS[0].1.to_owned(), alg.to_owned(), size))
                .map(|m| m.bytes_per_second);
            for (_, name, _, about) in DAEMONS {
                let cell = match results.get(&(name.to_string(), alg.to_owned(), size)) {
                    Some(m)
                        if about.is_none_or(|p| {
                            !m.driver.ends_with("-rustcrypto") && m.driver.starts_with(p)
                        }) =>
                    {
                        drivers.insert((name.to_string(), alg), (m.driver.clone(), m.hardware));
                        let mbs = m.bytes_per_second / 1e6;
                        match soft {
                            Some(s) if s > 0.0 => {
                                format!("{mbs:.3} ({:.2}x)", m.bytes_per_second / s)
                            }
                            _ => format!("{mbs:.3}"),
                        }
                    }
                    Some(_) => "n/a".to_owned(),
                    None => "missing".to_owned(),
                };
                row.push_str(&format!("  {cell:>24}"));
            }
            println!("{row}");
        }
    }
    println!("drivers measured:");
    for ((device, alg), (driver, hardware)) in drivers {
        println!(
            "  /dev/{device} {alg}: {driver}{}",
            if hardware { " (hardware)" } else { "" }
        );
    }
}
