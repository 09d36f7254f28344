//! The msgpack form of values, which Terraform uses for every `DynamicValue` it sends.

mod decode;
mod encode;
mod reader;
mod unknown;

pub use decode::{decode_msgpack, MAX_VALUE_DEPTH};
pub use encode::encode_msgpack;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz_tests;
