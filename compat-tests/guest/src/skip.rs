//! Deciding whether the guest suite runs.

use std::io::Write;
use std::sync::Once;

use crate::error::{HarnessError, Result};
use crate::image::GuestImage;
use crate::kernel::{KernelChoice, KERNEL_ENV};
use crate::tools::env_nonempty;

/// Whether guest tests should run.
///
/// `Ok(false)` only when `CRYPTODEV_SKIP_GUEST=1` and `CI` is unset or empty; a loud line then
/// goes straight to stderr (past the test harness's output capture). With `CI` set, skipping is
/// refused ([`HarnessError::SkipRefusedInCi`]). Otherwise `Ok(true)`: a missing qemu or kernel
/// must then fail the tests, with the error saying what is missing.
pub fn guest_suite_enabled() -> Result<bool> {
    let skip = env_nonempty("CRYPTODEV_SKIP_GUEST");
    let ci = env_nonempty("CI");
    let enabled = skip_decision(skip.as_deref().and_then(|v| v.to_str()), ci.is_some())?;
    if !enabled {
        let _ = writeln!(
            std::io::stderr().lock(),
            "\n*** GUEST SUITE SKIPPED (CRYPTODEV_SKIP_GUEST=1): no CUSE/AF_ALG kernel tests ran ***\n"
        );
    }
    Ok(enabled)
}

fn skip_decision(skip: Option<&str>, ci: bool) -> Result<bool> {
    match skip {
        Some("1") if ci => Err(HarnessError::SkipRefusedInCi),
        Some("1") => Ok(false),
        _ => Ok(true),
    }
}

/// For integration tests: `None` if the guest suite is skipped (see
/// [`guest_suite_enabled`]), else the prepared image of the kernel that
/// [`KERNEL_ENV`](crate::KERNEL_ENV) chooses (6.1 by default). The first call in a process
/// names the kernel on stderr, past the test harness's output capture.
///
/// # Panics
///
/// Panics with the error's message (what is missing) if skipping is refused or the image
/// cannot be prepared — a test calling this fails rather than silently passing.
pub fn image_for_tests() -> Option<GuestImage> {
    static ANNOUNCED: Once = Once::new();
    match guest_suite_enabled() {
        Ok(false) => None,
        Ok(true) => {
            let choice = KernelChoice::from_environment().unwrap_or_else(|e| panic!("{e}"));
            let image =
                GuestImage::prepare_kernel(&choice).unwrap_or_else(|e| panic!("guest image: {e}"));
            ANNOUNCED.call_once(|| {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "guest kernel: {choice} = {} (release {}; {KERNEL_ENV} chooses)",
                    image.package(),
                    image.release()
                );
            });
            Some(image)
        }
        Err(e) => panic!("{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_rules() {
        assert!(skip_decision(None, false).unwrap());
        assert!(skip_decision(None, true).unwrap());
        assert!(skip_decision(Some("0"), false).unwrap());
        assert!(!skip_decision(Some("1"), false).unwrap());
        assert!(matches!(
            skip_decision(Some("1"), true),
            Err(HarnessError::SkipRefusedInCi)
        ));
    }
}
