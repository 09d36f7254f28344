//! The cty type and value model and its wire codecs.

mod error;
mod number;

pub use error::{AttrPath, PathStep, ValueError};
pub use number::{Number, MAX_DECIMAL_EXPONENT};
mod types;
pub use types::{Type, MAX_TYPE_DEPTH};
mod model;
pub use model::Value;
mod msgpack;
pub use msgpack::{decode_msgpack, encode_msgpack, MAX_VALUE_DEPTH};
