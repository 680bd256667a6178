//! Which kernel a guest boots: the newest image of a Debian LTS series, or one exact package.
//!
//! The series are resolved through Debian metapackages, so "6.1" follows the point releases
//! (6.1.0-56, 6.1.0-57, …) of Debian 12's own kernel and "6.12" those of the 6.12 LTS images
//! that Debian 12's security archive carries. The choice comes from `vmtest --kernel` or, for
//! tests, from [`KERNEL_ENV`]; the default is [`DEFAULT_SERIES`].

use std::fmt;

use crate::error::{HarnessError, Result};
use crate::tools::env_nonempty;

/// The environment variable that picks the tests' kernel (same values as `vmtest --kernel`).
pub const KERNEL_ENV: &str = "CRYPTODEV_GUEST_KERNEL";

/// The series booted when nothing is chosen: Debian 12's own kernel.
pub const DEFAULT_SERIES: &str = "6.1";

/// The series the harness knows, each with the Debian metapackage that depends on the newest
/// image of that series.
const SERIES: &[(&str, &str)] = &[
    ("6.1", "linux-image-amd64"),
    ("6.12", "linux-image-6.12-amd64"),
];

/// The numbers of a kernel release (`uname -r`) in order, for comparing versions:
/// `6.1.0-57-amd64` gives [6, 1, 0, 57, 64], which sorts below `6.12.117+deb12-amd64`.
pub fn release_numbers(release: &str) -> Vec<u64> {
    release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// A kernel to boot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelChoice {
    /// The newest image of a known series (see [`KernelChoice::series_names`]).
    Series(&'static str),
    /// One exact image package, e.g. `linux-image-6.12.107+deb12-amd64`.
    Package(String),
}

impl KernelChoice {
    /// `6.1`, `6.12` or a `linux-image-…` package name.
    pub fn parse(text: &str) -> Result<KernelChoice> {
        if let Some(&(series, _)) = SERIES.iter().find(|(series, _)| *series == text) {
            return Ok(KernelChoice::Series(series));
        }
        let package_chars = |c: char| c.is_ascii_alphanumeric() || "+-.~_".contains(c);
        if text.len() > "linux-image-".len()
            && text.starts_with("linux-image-")
            && text.chars().all(package_chars)
        {
            return Ok(KernelChoice::Package(text.to_owned()));
        }
        Err(HarnessError::Config(format!(
            "kernel {text:?}: expected one of {} or a linux-image-… package name",
            Self::series_names().join(", ")
        )))
    }

    /// The choice in [`KERNEL_ENV`], else [`DEFAULT_SERIES`].
    pub fn from_environment() -> Result<KernelChoice> {
        match env_nonempty(KERNEL_ENV) {
            Some(value) => {
                let text = value.to_str().ok_or_else(|| {
                    HarnessError::Config(format!("{KERNEL_ENV} is not valid UTF-8"))
                })?;
                Self::parse(text).map_err(|e| HarnessError::Config(format!("{KERNEL_ENV}: {e}")))
            }
            None => Self::parse(DEFAULT_SERIES),
        }
    }

    /// The known series, oldest first.
    pub fn series_names() -> Vec<&'static str> {
        SERIES.iter().map(|(series, _)| *series).collect()
    }

    /// The metapackage whose dependency names the image package, for a series.
    pub(crate) fn metapackage(&self) -> Option<&'static str> {
        match self {
            KernelChoice::Series(series) => SERIES
                .iter()
                .find(|(name, _)| name == series)
                .map(|(_, meta)| *meta),
            KernelChoice::Package(_) => None,
        }
    }

    /// Whether an image package belongs to this choice: the same package, or an image of the
    /// series (`linux-image-6.1.0-57-amd64` is 6.1, `linux-image-6.12.117+deb12-amd64` 6.12).
    pub(crate) fn accepts(&self, package: &str) -> bool {
        match self {
            KernelChoice::Series(series) => package
                .strip_prefix("linux-image-")
                .and_then(|rest| rest.strip_prefix(series))
                .is_some_and(|rest| rest.starts_with('.')),
            KernelChoice::Package(name) => package == name,
        }
    }
}

impl fmt::Display for KernelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelChoice::Series(series) => write!(f, "{series}"),
            KernelChoice::Package(name) => write!(f, "{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_and_packages_parse() {
        assert_eq!(
            KernelChoice::parse("6.1").unwrap(),
            KernelChoice::Series("6.1")
        );
        assert_eq!(
            KernelChoice::parse("6.12").unwrap(),
            KernelChoice::Series("6.12")
        );
        assert_eq!(
            KernelChoice::parse("linux-image-6.12.107+deb12-amd64").unwrap(),
            KernelChoice::Package("linux-image-6.12.107+deb12-amd64".into())
        );
        for bad in ["6.2", "", "linux-image-", "linux-image-6.1 ; rm", "vmlinuz"] {
            assert!(KernelChoice::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn series_accept_only_their_own_images() {
        let old = KernelChoice::Series("6.1");
        let new = KernelChoice::Series("6.12");
        assert!(old.accepts("linux-image-6.1.0-57-amd64"));
        assert!(!old.accepts("linux-image-6.12.117+deb12-amd64"));
        assert!(new.accepts("linux-image-6.12.117+deb12-amd64"));
        assert!(!new.accepts("linux-image-6.1.0-57-amd64"));
        let exact = KernelChoice::Package("linux-image-6.1.0-56-amd64".into());
        assert!(exact.accepts("linux-image-6.1.0-56-amd64"));
        assert!(!exact.accepts("linux-image-6.1.0-57-amd64"));
    }

    #[test]
    fn metapackages() {
        assert_eq!(
            KernelChoice::Series("6.1").metapackage(),
            Some("linux-image-amd64")
        );
        assert_eq!(
            KernelChoice::Series("6.12").metapackage(),
            Some("linux-image-6.12-amd64")
        );
        assert_eq!(
            KernelChoice::Package("linux-image-x".into()).metapackage(),
            None
        );
    }
}
