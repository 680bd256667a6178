//! Panics made visible. The transport answers EIO when a handler panics and the job threads
//! turn a panicking job into an EIO result, so a panic would pass unseen without a hook that
//! records it. While a run records, every panic in the process (any thread) is kept here
//! instead of being printed; outside runs the previous hook handles them as usual.

use std::panic::{self, PanicHookInfo};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, Once};

static INSTALL: Once = Once::new();
static RECORDING: AtomicBool = AtomicBool::new(false);
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// One recording run at a time per process: panics are global, so two runs at once (tests in
/// parallel) could not tell whose a panic was.
static RUN: Mutex<()> = Mutex::new(());

fn describe(info: &PanicHookInfo<'_>) -> String {
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string payload".to_owned());
    let location = info
        .location()
        .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
    let thread = std::thread::current();
    format!(
        "panic in thread {}{location}: {payload}",
        thread.name().unwrap_or("unnamed")
    )
}

fn install() {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if RECORDING.load(Ordering::SeqCst) {
                PANICS
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(describe(info));
            } else {
                previous(info);
            }
        }));
    });
}

/// Panics are recorded while this lives.
pub struct Recording {
    _run: MutexGuard<'static, ()>,
}

impl Recording {
    pub fn start() -> Recording {
        install();
        let run = RUN.lock().unwrap_or_else(|e| e.into_inner());
        take();
        RECORDING.store(true, Ordering::SeqCst);
        Recording { _run: run }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        RECORDING.store(false, Ordering::SeqCst);
    }
}

/// The panics recorded since the last call.
pub fn take() -> Vec<String> {
    std::mem::take(&mut *PANICS.lock().unwrap_or_else(|e| e.into_inner()))
}
