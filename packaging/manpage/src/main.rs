//! Writes the manual page cryptodev-cuse(8) from the daemon's clap definition, so that the
//! page and `--help` cannot disagree. Usage: `cryptodev-cuse-manpage OUT.8`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::CommandFactory;
use cryptodev_cuse::cli::{self, Options};

/// What the generated sections leave out: where the files are and what to read next.
const FILES_SECTION: &str = r#".SH FILES
.TP
\fI/run/cryptodev\-cuse/NAME.status\fR
The status file (\fB\-\-stats\-file\fR), read by \fBcryptodev\-cuse status\fR.
.TP
\fI/usr/lib/systemd/system/cryptodev\-cuse.service\fR
The service; \fBsystemctl kill \-\-signal=USR1 cryptodev\-cuse\fR logs the usage
counters to the journal.
.TP
\fI/usr/lib/udev/rules.d/60\-cryptodev\-cuse.rules\fR
Gives /dev/crypto to the \fBcrypto\fR group, mode 0660.
.TP
\fI/usr/share/cryptodev\-cuse/openssl\-devcrypto.cnf\fR
An OpenSSL 3 configuration that loads the devcrypto engine (with
\fBLD_PRELOAD=libcryptodev\-crioget.so\fR), leaving out AES\-CTR, which the engine
mishandles, and every algorithm the daemon runs in software.
.TP
\fI/usr/include/crypto/cryptodev.h\fR
The ioctl interface for C programs (pkg\-config \fBcryptodev\fR).
"#;

/// The exit statuses, from the constants the daemon exits with.
fn exit_status_section() -> String {
    format!(
        ".SH EXIT STATUS\n\
         0 when the device was served and removed cleanly;\n\
         {no_cuse} when the kernel has no CUSE (the \\fBcuse\\fR module is not loaded and \\fBmodprobe cuse\\fR\n\
         is needed, or the kernel was built without it), or with \\fB\\-\\-mount\\fR no /dev/fuse;\n\
         {no_permission} when /dev/cuse may not be opened (the daemon must start as root), or with\n\
         \\fB\\-\\-mount\\fR when mounting is refused;\n\
         1 on any other error (logged).\n\
         \\fBstatus\\fR exits 0 when the daemon serves, {not_serving} when it does not.\n",
        no_cuse = cli::EXIT_NO_CUSE,
        no_permission = cli::EXIT_NO_PERMISSION,
        not_serving = cli::EXIT_NOT_SERVING,
    )
}

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: cryptodev-cuse-manpage OUT.8");
        return ExitCode::FAILURE;
    };
    let command = Options::command();
    let man = clap_mangen::Man::new(command).section("8");
    let mut page = Vec::new();
    let rendered = man.render(&mut page).and_then(|()| {
        page.extend_from_slice(FILES_SECTION.as_bytes());
        page.extend_from_slice(exit_status_section().as_bytes());
        std::fs::write(&out, &page)
    });
    match rendered {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "cryptodev-cuse-manpage: writing {}: {e}",
                out.to_string_lossy()
            );
            ExitCode::FAILURE
        }
    }
}
