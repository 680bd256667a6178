//! cryptodev-cuse.
