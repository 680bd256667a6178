//! Warnings a client can provoke at will (an oversized request, CRIOGET, a request RETRY
//! rounds cannot carry): each is logged at most once per interval for each message and uid.
//! The ones held back are counted, and the count goes out with the next line logged, so a
//! flood shows in the log as a few lines with numbers instead of drowning it.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How often one message may be logged for one uid.
pub const INTERVAL: Duration = Duration::from_secs(10);

/// Distinct (message, uid) pairs remembered; beyond it, pairs whose interval is over are
/// forgotten.
const REMEMBERED: usize = 1024;

#[derive(Debug)]
struct Window {
    opened: Instant,
    held_back: u64,
}

/// Which warnings may be logged now.
#[derive(Debug)]
pub struct LogThrottle {
    interval: Duration,
    windows: Mutex<HashMap<(&'static str, u32), Window>>,
}

impl LogThrottle {
    pub fn new(interval: Duration) -> LogThrottle {
        LogThrottle {
            interval,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(n)` when warning `what` for `uid` may be logged now, `n` being how many were
    /// held back since it last was; `None` when it is held back.
    pub fn admit(&self, what: &'static str, uid: u32, now: Instant) -> Option<u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= REMEMBERED {
            windows.retain(|_, w| now.duration_since(w.opened) < self.interval);
        }
        match windows.get_mut(&(what, uid)) {
            Some(window) if now.duration_since(window.opened) < self.interval => {
                window.held_back += 1;
                None
            }
            Some(window) => {
                let held_back = window.held_back;
                *window = Window {
                    opened: now,
                    held_back: 0,
                };
                Some(held_back)
            }
            None => {
                if windows.len() < REMEMBERED {
                    windows.insert(
                        (what, uid),
                        Window {
                            opened: now,
                            held_back: 0,
                        },
                    );
                }
                Some(0)
            }
        }
    }
}

/// The daemon's throttle for client-provoked warnings.
pub fn client_warning(what: &'static str, uid: u32) -> Option<u64> {
    static THROTTLE: OnceLock<LogThrottle> = OnceLock::new();
    THROTTLE
        .get_or_init(|| LogThrottle::new(INTERVAL))
        .admit(what, uid, Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_per_message_and_uid_with_the_count_held_back() {
        let throttle = LogThrottle::new(Duration::from_secs(10));
        let start = Instant::now();
        let at = |secs| start + Duration::from_secs(secs);
        assert_eq!(throttle.admit("e2big", 1000, at(0)), Some(0));
        for second in 1..10 {
            assert_eq!(throttle.admit("e2big", 1000, at(second)), None);
        }
        assert_eq!(throttle.admit("e2big", 1001, at(5)), Some(0), "another uid");
        assert_eq!(
            throttle.admit("enomem", 1000, at(5)),
            Some(0),
            "another message"
        );
        assert_eq!(throttle.admit("e2big", 1000, at(10)), Some(9));
        assert_eq!(throttle.admit("e2big", 1000, at(25)), Some(0));
    }

    #[test]
    fn memory_stays_bounded_under_many_uids() {
        let throttle = LogThrottle::new(Duration::from_secs(10));
        let now = Instant::now();
        for uid in 0..10_000 {
            assert_eq!(throttle.admit("crioget", uid, now), Some(0));
        }
        assert!(throttle.windows.lock().unwrap().len() <= REMEMBERED);
    }
}
