//! What the bench binaries share: their environment settings, and the labels, dates and text
//! tables of their reports.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use guest_harness::{build_c, Abi, Linkage};

/// The C client both benchmarks drive (`compat-tests/bench/datapath.c`), 64-bit, linked with
/// the host's libcrypto (its in-process baseline and reference).
pub fn datapath_client() -> PathBuf {
    build_c(
        "datapath",
        &[Path::new("compat-tests/bench/datapath.c")],
        Abi::Lp64,
        Linkage::Dynamic,
        &["-lcrypto"],
    )
    .unwrap_or_else(|e| panic!("building datapath.c: {e}"))
}

/// A number from the environment variable `name`, `default` when unset or empty.
pub fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        _ => default,
    }
}

/// `CLOCK_REALTIME` in nanoseconds: the clock the C client's `START` and its `RESULT` lines
/// use, so that processes started one after the other line up.
pub fn realtime_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// `16 B`, `64 KiB`, `1 MiB`.
pub fn size_label(size: u32) -> String {
    match size {
        s if s >= 1 << 20 => format!("{} MiB", s >> 20),
        s if s >= 1024 => format!("{} KiB", s / 1024),
        s => format!("{s} B"),
    }
}

/// `YYYY-MM-DD` (UTC) without a date crate.
pub fn utc_date(t: SystemTime) -> String {
    let days = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    // Howard Hinnant's civil_from_days.
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A plain-text table: columns padded to their widest cell, those before `numeric_from`
/// aligned left, the numbers from there on aligned right.
pub fn render_columns(header: &[String], rows: &[Vec<String>], numeric_from: usize) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, v) in widths.iter_mut().zip(row) {
            *w = (*w).max(v.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let mut line = String::new();
        for (i, (v, w)) in row.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(w - v.chars().count());
            if i < numeric_from {
                let _ = write!(line, "{v}{pad}  ");
            } else {
                let _ = write!(line, "{pad}{v}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
