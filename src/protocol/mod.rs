//! The provider's own model of what Terraform's plugin protocol carries:
//! cty values and their encodings, schemas and diagnostics. Conversion to the
//! generated wire types happens in `server` only.

pub mod diagnostics;
pub mod schema;
pub mod value;

pub use diagnostics::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
