//! `kernel-table FILE`: writes the kernel table (which checks passed on which guest kernel,
//! from the records the guest tests leave in `target/kernel-reach/`) into FILE between the
//! lines `<!-- kernel-table:begin -->` and `<!-- kernel-table:end -->`, and prints it.
//!
//! `tools/test-all` clears the records, runs the tests on each kernel, then runs this on the
//! README, so the table says what the last complete run showed. Exit status 2 when there are
//! no records or FILE has no markers (the table is then left as it was).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use guest_harness::reach::{reach_dir, read_records, render_table, replace_between};

const BEGIN: &str = "<!-- kernel-table:begin -->";
const END: &str = "<!-- kernel-table:end -->";

fn main() -> ExitCode {
    let Some(file) = std::env::args_os().nth(1) else {
        eprintln!("usage: kernel-table FILE");
        return ExitCode::from(2);
    };
    let file = std::path::PathBuf::from(file);
    let kernels = match read_records(&reach_dir()) {
        Ok(kernels) if !kernels.is_empty() => kernels,
        Ok(_) => {
            eprintln!("kernel-table: no records in {}", reach_dir().display());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("kernel-table: {e}");
            return ExitCode::from(2);
        }
    };
    let mut body = render_table(&kernels);
    body.push('\n');
    for kernel in &kernels {
        body.push_str(&format!(
            "- {}: Debian package `{}`\n",
            kernel.release, kernel.package
        ));
    }
    print!("{body}");
    let document = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("kernel-table: reading {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let Some(updated) = replace_between(&document, BEGIN, END, &body) else {
        eprintln!(
            "kernel-table: {} has no {BEGIN} … {END} section",
            file.display()
        );
        return ExitCode::from(2);
    };
    if updated == document {
        eprintln!("kernel-table: {} unchanged", file.display());
    } else if let Err(e) = std::fs::write(&file, updated) {
        eprintln!("kernel-table: writing {}: {e}", file.display());
        return ExitCode::from(2);
    } else {
        eprintln!("kernel-table: {} updated", file.display());
    }
    ExitCode::SUCCESS
}
