//! cryptodev-cuse: the cryptodev `/dev/crypto` ABI served from user space through CUSE.
//!
//! Layers, each knowing only the ones below it:
//! - `cryptodev_abi` (crate `abi/`): request codes, struct layouts, constants;
//! - [`cuse`]: the FUSE/CUSE wire format, `/dev/cuse`, the request loop;
//! - [`memory`]: caller memory, through RETRY rounds or `process_vm_readv`/`writev`;
//! - [`handlers`]: the cryptodev semantics of each ioctl;
//! - [`session`]: the per-open-file session table;
//! - [`backend`]: the crypto providers behind one trait.
//!
//! [`device`] ties them together as the CUSE device.
#![forbid(unsafe_code)]

pub mod asym;
pub mod backend;
pub mod cuse;
pub mod device;
pub mod handlers;
pub mod jobs;
pub mod memory;
pub mod session;
pub mod stats;
