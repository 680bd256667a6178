//! cryptodev-cuse: the cryptodev `/dev/crypto` ABI served from user space through CUSE.
//!
//! Layers, in the order a request passes through them (docs/ARCHITECTURE.md):
//! - [`transport`]: the FUSE/CUSE wire format, `/dev/cuse` and FUSE mounts, the worker
//!   threads;
//! - [`memory`]: caller memory, through `process_vm_readv`/`writev` or RETRY rounds;
//! - [`handlers`]: the cryptodev semantics of each ioctl (docs/ABI.md), with [`asym`] for the
//!   arithmetic of CIOCKEY and [`jobs`] for asynchronous operations;
//! - [`session`]: the per-open-file session table;
//! - [`backend`]: the crypto providers behind one trait.
//!
//! The request codes, struct layouts and constants come from `cryptodev_abi` (crate `abi/`).
//! [`device`] ties the layers together as the device; [`digest_files`] are a mount's files for
//! shells; [`stats`] counts what it served;
//! [`throttle`] keeps warnings a client can provoke from flooding the log; [`sandbox`] takes
//! the daemon's privileges away once the device exists. Around them, for running it: [`cli`]
//! (the command line), [`logging`] (stderr or syslog), [`service_manager`] (systemd's
//! readiness protocol) and [`status`] (the status file `cryptodev-cuse status` reads).
#![forbid(unsafe_code)]

pub mod asym;
pub mod backend;
pub mod cli;
pub mod device;
pub mod digest_files;
pub mod handlers;
pub mod jobs;
pub mod limits;
pub mod logging;
pub mod memory;
pub mod sandbox;
pub mod service_manager;
pub mod session;
pub mod stats;
pub mod status;
pub mod throttle;
pub mod transport;
