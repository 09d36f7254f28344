//! Conversions between the plugin protocol's wire forms and the provider's own types.

pub mod value;
