//! KAT
