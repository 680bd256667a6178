pub mod client;
pub mod fake_kernel;
pub mod guest;
pub mod host;
pub mod package;
