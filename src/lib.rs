//! Terraform provider for Integrity Monitoring in Trend Micro Workload Security.
//!
//! | Module | Concept |
//! | --- | --- |
//! | [`protocol`] | cty values, schemas and diagnostics as Terraform's plugin protocol carries them |
//! | [`server`] | the go-plugin handshake and the gRPC services Terraform calls |
//! | [`resources`] | one Terraform resource type per file |
//! | [`client`] | the Workload Security REST API client |
//! | [`emulator`] | an in-process Workload Security API emulator for the quick start and tests |

pub mod client;
pub mod emulator;
pub mod protocol;
pub mod resources;
pub mod server;
