//! Guest harness: runs commands in a throwaway qemu guest whose kernel has CUSE and AF_ALG.
//!
//! The pieces:
//! - **Image cache** ([`GuestImage::prepare`]): the newest `linux-image-*` package of the
//!   chosen Debian kernel series ([`KernelChoice`]: 6.1 by default, or 6.12) is downloaded
//!   once (`apt-get download`, never installed), its bzImage unpacked to a `vmlinux` that qemu
//!   boots through the PVH entry, and a busybox initramfs with the needed modules built; all
//!   under [`cache_dir`], per kernel, rebuilt only when inputs change, usable offline.
//! - **`/init`**: loads CUSE (unless disabled), the crypto modules, AF_ALG (unless disabled), virtio/9p and
//!   optionally virtio-crypto, mounts the host's `/` read-only over 9p and runs the test
//!   script chrooted into it, then prints `VMTEST-EXIT=<rc> <nonce>` and reboots.
//! - **Runs** ([`GuestRun`]): one boot per command, with a timeout, under KVM when usable and
//!   TCG otherwise (≈2.5–4 s); the console is saved under `<workspace>/target/guest-runs/`.
//! - **C builds** ([`build_c`]): static 64- and 32-bit test programs against the repo's
//!   `abi/include`, placed in `<workspace>/target/c-tests/`.
//! - **Skipping** ([`guest_suite_enabled`], [`image_for_tests`]): `CRYPTODEV_SKIP_GUEST=1`
//!   skips loudly, except in CI.
//!
//! - **Kernel reach** ([`reach`]): tests record which checks passed on which kernel; the
//!   `kernel-table` binary writes the README's table from those records.
//!
//! The `vmtest` binary wraps all of this for the command line.
#![forbid(unsafe_code)]

mod cbuild;
mod cpio;
mod elf;
mod error;
mod image;
mod init;
mod kernel;
pub mod reach;
mod run;
mod skip;
mod tools;

pub use cbuild::{build_c, Abi, Linkage};
pub use error::{HarnessError, Result};
pub use image::GuestImage;
pub use kernel::{release_numbers, KernelChoice, DEFAULT_SERIES, KERNEL_ENV};
pub use run::{Accelerator, GuestOutcome, GuestRun};
pub use skip::{guest_suite_enabled, image_for_tests};
pub use tools::{cache_dir, workspace_root, workspace_target_dir};
