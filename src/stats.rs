//! Usage counters: open files and sessions opened and closed (what is live, so that a leak
//! shows), and per algorithm the sessions opened, operations and bytes processed. They show a
//! system administrator (and the tests) that work really went through the daemon.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use cryptodev_abi::alg::CRYPTO_ALGORITHM_ALL;
use cryptodev_abi::{Algorithm, KeyOp};

#[derive(Debug, Default)]
struct Counters {
    sessions: AtomicU64,
    operations: AtomicU64,
    bytes: AtomicU64,
}

/// Opened and closed counts of one kind of object.
#[derive(Debug, Default)]
struct Lifetimes {
    opened: AtomicU64,
    closed: AtomicU64,
}

impl Lifetimes {
    fn line(&self, what: &str) -> String {
        let opened = self.opened.load(Ordering::Relaxed);
        let closed = self.closed.load(Ordering::Relaxed);
        format!(
            "# {what}: {opened} opened, {closed} closed, {} live\n",
            opened.saturating_sub(closed)
        )
    }
}

/// Counters for the daemon and for every algorithm id.
#[derive(Debug)]
pub struct Stats {
    files: Lifetimes,
    sessions: Lifetimes,
    by_id: Vec<Counters>,
    /// CIOCKEY operations completed, by `crk_op`.
    keys: [AtomicU64; KeyOp::ALL.len()],
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            files: Lifetimes::default(),
            sessions: Lifetimes::default(),
            by_id: (0..CRYPTO_ALGORITHM_ALL)
                .map(|_| Counters::default())
                .collect(),
            keys: Default::default(),
        }
    }
}

/// One algorithm's counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub algorithm: Algorithm,
    pub sessions: u64,
    pub operations: u64,
    pub bytes: u64,
}

impl Stats {
    fn counters(&self, alg: Algorithm) -> Option<&Counters> {
        self.by_id.get(alg.id() as usize)
    }

    /// An open file of the device was opened.
    pub fn file_opened(&self) {
        self.files.opened.fetch_add(1, Ordering::Relaxed);
    }

    /// An open file was released, and the `sessions` it still held with it.
    pub fn file_closed(&self, sessions: usize) {
        self.files.closed.fetch_add(1, Ordering::Relaxed);
        self.sessions_closed(sessions);
    }

    /// A session was opened (each of its algorithms is counted by [`Stats::session`]).
    pub fn session_opened(&self) {
        self.sessions.opened.fetch_add(1, Ordering::Relaxed);
    }

    /// `count` sessions were closed.
    pub fn sessions_closed(&self, count: usize) {
        self.sessions
            .closed
            .fetch_add(count as u64, Ordering::Relaxed);
    }

    /// A session using `alg` was opened.
    pub fn session(&self, alg: Algorithm) {
        if let Some(c) = self.counters(alg) {
            c.sessions.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An operation of `alg` processed `bytes` bytes.
    pub fn operation(&self, alg: Algorithm, bytes: usize) {
        if let Some(c) = self.counters(alg) {
            c.operations.fetch_add(1, Ordering::Relaxed);
            c.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        }
    }

    /// A CIOCKEY operation `op` completed.
    pub fn key_operation(&self, op: KeyOp) {
        self.keys[op as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Algorithms used so far.
    pub fn snapshot(&self) -> Vec<Snapshot> {
        Algorithm::ALL
            .iter()
            .filter_map(|&algorithm| {
                let c = self.counters(algorithm)?;
                let snapshot = Snapshot {
                    algorithm,
                    sessions: c.sessions.load(Ordering::Relaxed),
                    operations: c.operations.load(Ordering::Relaxed),
                    bytes: c.bytes.load(Ordering::Relaxed),
                };
                (snapshot.sessions + snapshot.operations > 0).then_some(snapshot)
            })
            .collect()
    }

    /// Two `#` lines with the open files and sessions opened, closed and live, one with the
    /// CIOCKEY operations by kind, then a table:
    /// one line per algorithm used, `name sessions operations bytes`.
    pub fn render(&self) -> String {
        let mut out = self.files.line("open files");
        out.push_str(&self.sessions.line("sessions"));
        let keys: Vec<String> = KeyOp::ALL
            .iter()
            .map(|&op| {
                let count = self.keys[op as usize].load(Ordering::Relaxed);
                format!("{} {count}", op.name())
            })
            .collect();
        let _ = writeln!(out, "# CIOCKEY operations: {}", keys.join(", "));
        out.push_str("# algorithm sessions operations bytes\n");
        for s in self.snapshot() {
            let name = s.algorithm.kernel_name().unwrap_or("?");
            let _ = writeln!(out, "{name} {} {} {}", s.sessions, s.operations, s.bytes);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_counts_are_opened_minus_closed() {
        let stats = Stats::default();
        for _ in 0..3 {
            stats.file_opened();
        }
        for _ in 0..5 {
            stats.session_opened();
        }
        stats.sessions_closed(1);
        stats.file_closed(2);
        stats.key_operation(KeyOp::DsaSign);
        let rendered = stats.render();
        assert!(
            rendered.starts_with(
                "# open files: 3 opened, 1 closed, 2 live\n\
                 # sessions: 5 opened, 3 closed, 2 live\n\
                 # CIOCKEY operations: mod_exp 0, mod_exp_crt 0, dsa_sign 1, dsa_verify 0, \
                 dh_compute_key 0\n"
            ),
            "{rendered}"
        );
    }
}
