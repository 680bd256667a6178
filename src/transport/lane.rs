//! The lane for lengthy work ([`super::IoctlReply::Later`]): a few threads that take the
//! owners' queues in turn, one task each, so that a user who submits a pile of slow
//! operations (8192-bit CIOCKEY, multi-megabyte buffers) delays another user's by at most one
//! of its own, while the request workers stay free for short operations. A task still queued
//! can be cancelled (its caller was interrupted); a running one finishes.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

type Task = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct State {
    queues: HashMap<u32, VecDeque<(u64, Task)>>,
    /// Owners with queued work, in the order they are served next.
    turns: VecDeque<u32>,
    running: usize,
    closed: bool,
}

/// The lane (see the module documentation).
pub struct Lane {
    state: Mutex<State>,
    changed: Condvar,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Lane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("Lane")
            .field("owners", &state.turns.len())
            .field("running", &state.running)
            .finish_non_exhaustive()
    }
}

impl Lane {
    /// A lane of `threads` threads (at least one).
    pub fn start(threads: usize) -> std::io::Result<Arc<Lane>> {
        let lane = Arc::new(Lane {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            threads: Mutex::new(Vec::new()),
        });
        for index in 0..threads.max(1) {
            let worker = Arc::clone(&lane);
            let handle = thread::Builder::new()
                .name(format!("lengthy-{index}"))
                .spawn(move || worker.work())?;
            lane.threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(handle);
        }
        Ok(lane)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `task` (the answer to request `unique`) behind `owner`'s earlier ones.
    pub fn submit(&self, owner: u32, unique: u64, task: Task) {
        let mut state = self.state();
        let queue = state.queues.entry(owner).or_default();
        queue.push_back((unique, task));
        if queue.len() == 1 {
            state.turns.push_back(owner);
        }
        self.changed.notify_one();
    }

    /// Removes request `unique`'s task if it has not started; whether it did.
    pub fn cancel(&self, unique: u64) -> bool {
        let mut state = self.state();
        let found = state.queues.iter_mut().find_map(|(&owner, queue)| {
            let index = queue.iter().position(|(u, _)| *u == unique)?;
            queue.remove(index);
            Some((owner, queue.is_empty()))
        });
        match found {
            Some((owner, emptied)) => {
                if emptied {
                    state.queues.remove(&owner);
                    state.turns.retain(|&o| o != owner);
                }
                true
            }
            None => false,
        }
    }

    /// The next task, in turn; `None` once the lane is closed and empty.
    fn next(&self) -> Option<Task> {
        let mut state = self.state();
        loop {
            if let Some(owner) = state.turns.pop_front() {
                let queue = state.queues.get_mut(&owner)?;
                let (_, task) = queue.pop_front()?;
                if queue.is_empty() {
                    state.queues.remove(&owner);
                } else {
                    state.turns.push_back(owner);
                }
                state.running += 1;
                return Some(task);
            }
            if state.closed {
                return None;
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn work(&self) {
        while let Some(task) = self.next() {
            // The task answers its request even when the device panics (see
            // `server::answer_later`); a panic must not end this thread either.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
            let mut state = self.state();
            state.running -= 1;
            self.changed.notify_all();
        }
    }

    /// Ends the lane's threads once the queued work is done.
    pub fn close(&self) {
        self.state().closed = true;
        self.changed.notify_all();
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|e| e.into_inner()));
        for thread in threads {
            if thread.thread().id() != thread::current().id() {
                let _ = thread.join();
            }
        }
    }

    /// Waits up to `timeout` for queued and running tasks to finish; whether they did.
    pub fn drain(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        while state.running > 0 || !state.turns.is_empty() {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// With one thread busy, two owners' queued tasks alternate: owner 2's single task runs
    /// after at most one more of owner 1's.
    #[test]
    fn owners_take_turns() {
        let lane = Lane::start(1).unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let blocker = Arc::clone(&gate);
        lane.submit(
            1,
            100,
            Box::new(move || {
                let (open, changed) = &*blocker;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = changed.wait(open).unwrap();
                }
            }),
        );
        while lane.state().running == 0 {
            thread::yield_now();
        }
        for (owner, unique) in [(1, 1), (1, 2), (1, 3), (2, 4)] {
            let order = Arc::clone(&order);
            lane.submit(
                owner,
                unique,
                Box::new(move || order.lock().unwrap().push(unique)),
            );
        }
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        assert!(lane.drain(Duration::from_secs(10)));
        assert_eq!(*order.lock().unwrap(), [1, 4, 2, 3]);
        lane.close();
    }

    #[test]
    fn a_queued_task_can_be_cancelled_a_finished_one_not() {
        let lane = Lane::start(1).unwrap();
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let blocker = Arc::clone(&gate);
        lane.submit(
            1,
            1,
            Box::new(move || {
                let (open, changed) = &*blocker;
                let mut open = open.lock().unwrap();
                while !*open {
                    open = changed.wait(open).unwrap();
                }
            }),
        );
        while lane.state().running == 0 {
            thread::yield_now();
        }
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        lane.submit(2, 2, Box::new(move || flag.store(true, Ordering::SeqCst)));
        assert!(lane.cancel(2));
        assert!(!lane.cancel(2), "already gone");
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        assert!(lane.drain(Duration::from_secs(10)));
        assert!(!ran.load(Ordering::SeqCst));
        assert!(!lane.cancel(1));
        lane.close();
    }
}
