pub mod client;
pub mod compat;
pub mod engine;
pub mod fake_kernel;
pub mod guest;
pub mod host;
pub mod native;
pub mod package;
