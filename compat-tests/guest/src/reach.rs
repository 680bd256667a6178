//! Kernel reach: which checks passed on which guest kernel, recorded by the tests as they pass
//! and turned into the README's kernel table by the `kernel-table` binary.
//!
//! Each record is one line `<package>\t<check>` in `<target>/kernel-reach/<release>`. A test
//! records its check only after every assertion held, so a kernel's row lists what passed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{HarnessError, Result};
use crate::image::GuestImage;
use crate::kernel::release_numbers;
use crate::tools::workspace_target_dir;

/// Where the records go.
pub fn reach_dir() -> PathBuf {
    workspace_target_dir().join("kernel-reach")
}

/// Records that `check` passed on `image`'s kernel.
///
/// # Panics
///
/// Panics if the record cannot be written: a pass that is not recorded would leave the kernel
/// table claiming less than was shown, or, after a clean, nothing.
pub fn record_pass(image: &GuestImage, check: &str) {
    record_pass_in(&reach_dir(), image, check)
        .unwrap_or_else(|e| panic!("recording the pass of {check:?}: {e}"));
}

fn record_pass_in(dir: &Path, image: &GuestImage, check: &str) -> Result<()> {
    fs::create_dir_all(dir)
        .map_err(|e| HarnessError::io(format!("creating {}", dir.display()), e))?;
    let path = dir.join(image.release());
    let line = format!(
        "{}\t{}\n",
        image.package(),
        check.replace(['\t', '\n'], " ")
    );
    // One short O_APPEND write: records of tests running in parallel do not interleave.
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(line.as_bytes()))
        .map_err(|e| HarnessError::io(format!("appending to {}", path.display()), e))
}

/// The records of one kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelRecord {
    pub release: String,
    pub package: String,
    pub passed: BTreeSet<String>,
}

/// Reads every kernel's records, oldest kernel first (by release, numerically).
pub fn read_records(dir: &Path) -> Result<Vec<KernelRecord>> {
    let entries =
        fs::read_dir(dir).map_err(|e| HarnessError::io(format!("listing {}", dir.display()), e))?;
    let mut kernels = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| HarnessError::io(format!("listing {}", dir.display()), e))?
            .path();
        let text = fs::read_to_string(&path)
            .map_err(|e| HarnessError::io(format!("reading {}", path.display()), e))?;
        let mut package = String::new();
        let mut passed = BTreeSet::new();
        for line in text.lines() {
            if let Some((pkg, check)) = line.split_once('\t') {
                package = pkg.to_owned();
                passed.insert(check.to_owned());
            }
        }
        kernels.push(KernelRecord {
            release: path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            package,
            passed,
        });
    }
    kernels.sort_by_key(|k| release_numbers(&k.release));
    Ok(kernels)
}

/// The Markdown table: one row per check, one column per kernel, each cell "passed" or
/// "not run" (a failing check stops the test run before any table is made).
pub fn render_table(kernels: &[KernelRecord]) -> String {
    let mut checks: BTreeMap<&str, ()> = BTreeMap::new();
    for kernel in kernels {
        for check in &kernel.passed {
            checks.insert(check, ());
        }
    }
    let mut table = String::from("| check |");
    for kernel in kernels {
        table.push_str(&format!(" {} |", kernel.release));
    }
    table.push_str("\n|---|");
    table.push_str(&"---|".repeat(kernels.len()));
    table.push('\n');
    for check in checks.keys() {
        table.push_str(&format!("| {check} |"));
        for kernel in kernels {
            let cell = if kernel.passed.contains(*check) {
                "passed"
            } else {
                "not run"
            };
            table.push_str(&format!(" {cell} |"));
        }
        table.push('\n');
    }
    table
}

/// Replaces the text between `begin` and `end` marker lines of `document` with `body`; `None`
/// if the markers are missing or out of order.
pub fn replace_between(document: &str, begin: &str, end: &str, body: &str) -> Option<String> {
    let start = document.find(begin)? + begin.len();
    let start = start + document[start..].find('\n')? + 1;
    let stop = start + document[start..].find(end)?;
    Some(format!("{}{body}{}", &document[..start], &document[stop..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_become_a_table_of_checks_by_kernel() {
        let dir = std::env::temp_dir().join(format!("kernel-reach-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let new = GuestImage::from_files("k", "i", "6.12.117+deb12-amd64");
        let old = GuestImage::from_files("k", "i", "6.1.0-57-amd64");
        record_pass_in(&dir, &new, "compat suite").unwrap();
        record_pass_in(&dir, &old, "compat suite").unwrap();
        record_pass_in(&dir, &old, "engine\ttest").unwrap();
        record_pass_in(&dir, &old, "compat suite").unwrap();
        let kernels = read_records(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(kernels[0].release, "6.1.0-57-amd64");
        assert_eq!(kernels[0].package, "linux-image-6.1.0-57-amd64");
        assert_eq!(
            render_table(&kernels),
            "| check | 6.1.0-57-amd64 | 6.12.117+deb12-amd64 |\n\
             |---|---|---|\n\
             | compat suite | passed | passed |\n\
             | engine test | passed | not run |\n"
        );
    }

    #[test]
    fn the_text_between_markers_is_replaced() {
        let doc = "intro\n<!-- b -->\nold\nrows\n<!-- e -->\nafter\n";
        assert_eq!(
            replace_between(doc, "<!-- b -->", "<!-- e -->", "new\n").unwrap(),
            "intro\n<!-- b -->\nnew\n<!-- e -->\nafter\n"
        );
        assert!(replace_between(doc, "<!-- e -->", "<!-- b -->", "x").is_none());
        assert!(replace_between("no markers", "<!-- b -->", "<!-- e -->", "x").is_none());
    }
}
