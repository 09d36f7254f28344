//! Harness for integration tests that drive the real `terraform` CLI.
//!
//! Each test crate in `tests/` includes it with `mod support;`. The harness finds the Terraform
//! executables to test with ([`terraform_binaries`]) and gives each test a temporary working
//! directory ([`Workdir`]) whose CLI configuration points Terraform at the provider binary that
//! Cargo built for this test run, through `dev_overrides`.

// Every test crate compiles its own copy of this module and uses only part of it, so the parts
// and re-exports a crate leaves unused would otherwise warn in that crate.
#![allow(dead_code, unused_imports)]

mod process;
mod terraform;
mod workdir;

pub use process::{run_with_timeout, TfOutput, COMMAND_TIMEOUT};
pub use terraform::{terraform_binaries, Terraform, Version, TERRAFORM_LIST_ENV};
pub use workdir::{Workdir, PROVIDER_SOURCE, TF_LOG_ENV};
