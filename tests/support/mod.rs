pub mod fake_kernel;
