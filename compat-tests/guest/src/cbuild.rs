//! Building C test programs for the guest (64- and 32-bit).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::{HarnessError, Result};
use crate::tools::{self, describe, require, run_output};

/// The data model a C program is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abi {
    /// x86-64 (`-m64`); output suffix `-64`.
    Lp64,
    /// i386 (`-m32`, needs gcc-multilib); output suffix `-32`. Runs in the guest through
    /// `IA32_EMULATION`, exercising the kernel's compat ioctl path.
    Ilp32,
}

impl Abi {
    fn flag(self) -> &'static str {
        match self {
            Abi::Lp64 => "-m64",
            Abi::Ilp32 => "-m32",
        }
    }

    /// The suffix of the output file name: `64` or `32`.
    pub fn suffix(self) -> &'static str {
        match self {
            Abi::Lp64 => "64",
            Abi::Ilp32 => "32",
        }
    }
}

/// How a C program is linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linkage {
    /// `-static`: runs anywhere, also outside the host-root chroot.
    Static,
    /// Dynamic (e.g. against the host's libcrypto); runs in the guest through the host-root
    /// chroot that [`GuestRun`](crate::GuestRun) always uses.
    Dynamic,
}

/// Compiler diagnostics meaning "the 32-bit libc/libgcc is not installed".
const MULTILIB_SYMPTOMS: &[&str] = &[
    "gnu/stubs-32.h",
    "bits/libc-header-start.h",
    "cannot find crt1.o",
    "cannot find crti.o",
    "cannot find -lgcc",
    "cannot find -lc",
    "skipping incompatible",
];

/// Compiles `sources` into `<workspace>/target/c-tests/<name>-64` (or `-32`) and returns that
/// path.
///
/// Command: `gcc [-static] -O2 -Wall -Wextra -Werror -std=gnu11 -I<workspace>/abi/include
/// -m64|-m32 -o OUT SOURCES… EXTRA_ARGS…` (extra arguments come last, so libraries such as
/// `-lcrypto` work). Relative source paths are taken relative to the workspace root. Always
/// recompiles (a few hundred ms); the output appears atomically, so concurrent builds of the
/// same name are safe. A missing 32-bit toolchain is reported as
/// [`HarnessError::ToolMissing`] naming gcc-multilib.
pub fn build_c(
    name: &str,
    sources: &[&Path],
    abi: Abi,
    linkage: Linkage,
    extra_args: &[&str],
) -> Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    if name.is_empty() || name.contains('/') {
        return Err(HarnessError::Config(format!("bad C program name {name:?}")));
    }
    let gcc = require("gcc", "gcc")?;
    let root = tools::workspace_root();
    let out_dir = tools::workspace_target_dir().join("c-tests");
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| HarnessError::io(format!("creating {}", out_dir.display()), e))?;
    let out = out_dir.join(format!("{name}-{}", abi.suffix()));
    let tmp = out_dir.join(format!(
        ".{name}-{}.tmp.{}.{}",
        abi.suffix(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));

    let mut cmd = Command::new(gcc);
    if linkage == Linkage::Static {
        cmd.arg("-static");
    }
    cmd.args(["-O2", "-Wall", "-Wextra", "-Werror", "-std=gnu11"])
        .arg(format!("-I{}", root.join("abi").join("include").display()))
        .arg(abi.flag())
        .arg("-o")
        .arg(&tmp);
    for src in sources {
        cmd.arg(root.join(src));
    }
    cmd.args(extra_args);

    let output = run_output(&mut cmd)?;
    if !output.status.success() {
        let _ = std::fs::remove_file(&tmp);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if abi == Abi::Ilp32 && MULTILIB_SYMPTOMS.iter().any(|s| stderr.contains(s)) {
            return Err(HarnessError::tool_missing(
                "the 32-bit C toolchain (gcc -m32)",
                "gcc-multilib",
            ));
        }
        return Err(HarnessError::CompileFailed {
            name: name.to_owned(),
            command: describe(&cmd),
            stderr,
        });
    }
    std::fs::rename(&tmp, &out).map_err(|e| {
        HarnessError::io(format!("moving the build output to {}", out.display()), e)
    })?;
    Ok(out)
}
