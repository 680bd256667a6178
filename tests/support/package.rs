//! The Debian package as users get it: `packaging/build-deb` builds it once per test process
//! (the script itself takes a lock, for test binaries run side by side), and its files are
//! extracted under target/ (never installed on the host), where the guest sees them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use guest_harness::{workspace_root, workspace_target_dir};

use super::host::run_step;

/// The built package and the directory its files were extracted to.
#[derive(Debug)]
pub struct Package {
    pub deb: PathBuf,
    pub root: PathBuf,
}

impl Package {
    /// The daemon as the package installs it.
    pub fn daemon(&self) -> PathBuf {
        self.root.join("usr/sbin/cryptodev-cuse")
    }

    /// A file the package installs, by its installed path (`/usr/...`).
    pub fn file(&self, installed: &str) -> PathBuf {
        self.root.join(installed.trim_start_matches('/'))
    }
}

/// Builds the package (once per process) and extracts it.
pub fn package() -> &'static Package {
    static PACKAGE: OnceLock<Package> = OnceLock::new();
    PACKAGE.get_or_init(|| {
        let root_dir = workspace_root();
        let stdout = run_step(
            "packaging/build-deb",
            Command::new(root_dir.join("packaging/build-deb")).current_dir(&root_dir),
        );
        let deb = PathBuf::from(
            stdout
                .lines()
                .last()
                .unwrap_or_else(|| panic!("packaging/build-deb printed no path")),
        );
        let roots = workspace_target_dir().join("package-roots");
        remove_stale_roots(&roots);
        let root = roots.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root)
            .unwrap_or_else(|e| panic!("creating {}: {e}", root.display()));
        run_step(
            "extracting the package",
            Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root),
        );
        Package { deb, root }
    })
}

/// `dpkg-deb ARGS... DEB`'s output.
pub fn dpkg_deb(args: &[&str], deb: &Path) -> String {
    run_step("dpkg-deb", Command::new("dpkg-deb").args(args).arg(deb))
}

/// Removes the extracted trees of test processes that are gone.
fn remove_stale_roots(roots: &Path) {
    let Ok(entries) = std::fs::read_dir(roots) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let alive = Path::new("/proc").join(&name).exists();
        if !alive {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
