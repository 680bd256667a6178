//! Usage counters per algorithm: sessions opened, operations and bytes processed. They show a
//! system administrator (and the tests) that work really went through the daemon.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use cryptodev_abi::alg::CRYPTO_ALGORITHM_ALL;
use cryptodev_abi::Algorithm;

#[derive(Debug, Default)]
struct Counters {
    sessions: AtomicU64,
    operations: AtomicU64,
    bytes: AtomicU64,
}

/// Counters for every algorithm id.
#[derive(Debug)]
pub struct Stats {
    by_id: Vec<Counters>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            by_id: (0..CRYPTO_ALGORITHM_ALL)
                .map(|_| Counters::default())
                .collect(),
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

    /// A table: one line per algorithm used, `name sessions operations bytes`.
    pub fn render(&self) -> String {
        let mut out = String::from("# algorithm sessions operations bytes\n");
        for s in self.snapshot() {
            let name = s.algorithm.kernel_name().unwrap_or("?");
            let _ = writeln!(out, "{name} {} {} {}", s.sessions, s.operations, s.bytes);
        }
        out
    }
}
