//! The cty type and value model and its wire codecs.
//!
//! Terraform describes every configured, planned and stored value with a cty [`Type`] and sends
//! the value as msgpack ([`decode_msgpack`], [`encode_msgpack`]) or, for stored state, as JSON
//! ([`decode_json`], [`encode_json`]). Decoding is driven by the type, because the bytes alone
//! cannot tell a list from a set or an object from a map. Numbers stay exact ([`Number`]),
//! because Terraform rejects a value that comes back even slightly different.
//!
//! | File | Concept |
//! | --- | --- |
//! | `types.rs` | [`Type`] and its JSON form |
//! | `number.rs` | [`Number`], exact decimal numbers |
//! | `model.rs` | [`Value`], its accessors and its conformance to a type |
//! | `msgpack.rs` | the msgpack codec, with unknown-value refinements |
//! | `json.rs` | the JSON codec |
//! | `error.rs` | [`ValueError`] and the [`AttrPath`] it reports |

mod error;
mod json;
mod model;
mod msgpack;
mod number;
mod types;

pub use error::{AttrPath, PathStep, ValueError};
pub use json::{decode_json, encode_json};
pub use model::Value;
pub use msgpack::{decode_msgpack, encode_msgpack, MAX_VALUE_DEPTH};
pub use number::{Number, MAX_DECIMAL_EXPONENT};
pub use types::{Type, MAX_TYPE_DEPTH};
