//! Code generated from `proto/` by `build.rs`.
//!
//! Nothing outside `src/server/` and `src/protocol/` names these types, so
//! resources never depend on the wire definitions.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// The Terraform plugin protocol, version 6.
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's controller, stdio and broker services.
pub mod plugin {
    tonic::include_proto!("plugin");
}
