pub mod fake_kernel;
pub mod guest;
