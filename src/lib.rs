//! Terraform provider for Integrity Monitoring in Trend Micro Workload Security.
//!
//! | Module | Concept |
//! | --- | --- |
//! | [`protocol`] | cty values, schemas and diagnostics as Terraform's plugin protocol carries them |
//! | [`server`] | the go-plugin handshake and the gRPC services Terraform calls |
//! | [`provider`] | the provider block and the configured API client |
//! | [`resources`] | one Terraform resource type per file |
//! | [`client`] | the Workload Security REST API client |
//! | [`emulator`] | an in-process Workload Security API emulator for the quick start and tests |
//! | [`logging`] | JSON log lines in the form Terraform's plugin client parses |
//! | [`docs`] | Registry-format documentation pages rendered from the schemas and examples |

pub mod client;
pub mod docs;
pub mod emulator;
pub mod logging;
pub mod protocol;
pub mod provider;
pub mod resources;
pub mod server;
