//! Type-driven encoding of values into msgpack bytes, in the form Terraform writes.

use std::collections::BTreeMap;

use super::unknown::PLAIN_UNKNOWN;
use crate::protocol::value::error::{AttrPath, PathStep, ValueError};
use crate::protocol::value::model::check_shape;
use crate::protocol::value::number::Number;
use crate::protocol::value::types::Type;
use crate::protocol::value::Value;

/// Encodes a value of type `ty` as a msgpack `DynamicValue`.
///
/// Null becomes nil and unknown becomes a plain unknown (`d4 00 00`) at any type. Integers
/// that fit 64 bits use the most compact msgpack integer, infinities use float64, and every
/// other number is written as its exact decimal text. Object attributes are written in name
/// order.
///
/// # Errors
///
/// Returns a [`ValueError`] naming the path where the value does not fit `ty` (the rules of
/// [`Value::conforms_to`]) or where a string or collection is too long for msgpack.
// NOTE: strings are written as they are, but cty normalizes strings to Unicode NFC when it
// reads them. A string from the API in another normal form therefore comes back normalized.
pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut encoder = Encoder {
        output: Vec::new(),
        path: Vec::new(),
    };
    encoder.encode(value, ty)?;
    Ok(encoder.output)
}

struct Encoder {
    output: Vec<u8>,
    path: Vec<PathStep>,
}

impl Encoder {
    fn encode(&mut self, value: &Value, ty: &Type) -> Result<(), ValueError> {
        check_shape(value, ty, &self.path)?;
        match (ty, value) {
            (_, Value::Null) => self.output.push(0xc0),
            (_, Value::Unknown) => self.output.extend_from_slice(&PLAIN_UNKNOWN),
            (Type::String, Value::String(text)) => self.write_str(text)?,
            (Type::Number, Value::Number(number)) => self.write_number(number)?,
            (Type::Bool, Value::Bool(flag)) => self.output.push(if *flag { 0xc3 } else { 0xc2 }),
            (Type::List(element), Value::List(elements))
            | (Type::Set(element), Value::Set(elements)) => {
                self.write_header(elements.len(), ArrayOrMap::Array)?;
                for (index, item) in elements.iter().enumerate() {
                    self.path.push(PathStep::Index(index));
                    self.encode(item, element)?;
                    self.path.pop();
                }
            }
            (Type::Tuple(element_types), Value::Tuple(elements)) => {
                self.write_header(elements.len(), ArrayOrMap::Array)?;
                for (index, (item, element)) in elements.iter().zip(element_types).enumerate() {
                    self.path.push(PathStep::Index(index));
                    self.encode(item, element)?;
                    self.path.pop();
                }
            }
            (Type::Map(element), Value::Map(elements)) => {
                self.write_header(elements.len(), ArrayOrMap::Map)?;
                for (key, item) in elements {
                    self.write_str(key)?;
                    self.path.push(PathStep::Key(key.clone()));
                    self.encode(item, element)?;
                    self.path.pop();
                }
            }
            (Type::Object(attribute_types), Value::Object(attributes)) => {
                self.write_object(attribute_types, attributes)?;
            }
            (Type::Dynamic, Value::Dynamic(inner_type, inner)) => {
                self.write_header(2, ArrayOrMap::Array)?;
                self.write_bin(&inner_type.to_json_bytes())?;
                self.encode(inner, inner_type)?;
            }
            _ => {
                // check_shape has rejected every other pairing; this arm only satisfies the match.
                return Err(ValueError::Mismatch {
                    path: self.path(),
                    expected: ty.to_string(),
                    found: value.kind_name().to_owned(),
                });
            }
        }
        Ok(())
    }

    fn write_object(
        &mut self,
        attribute_types: &BTreeMap<String, Type>,
        attributes: &BTreeMap<String, Value>,
    ) -> Result<(), ValueError> {
        // Terraform requires every attribute of the type to be present, null ones as nil, and
        // check_shape has verified that they are.
        self.write_header(attribute_types.len(), ArrayOrMap::Map)?;
        for (name, attribute_type) in attribute_types {
            let Some(attribute) = attributes.get(name) else {
                return Err(ValueError::MissingAttribute {
                    path: self.path(),
                    name: name.clone(),
                });
            };
            self.write_str(name)?;
            self.path.push(PathStep::Attr(name.clone()));
            self.encode(attribute, attribute_type)?;
            self.path.pop();
        }
        Ok(())
    }

    fn write_number(&mut self, number: &Number) -> Result<(), ValueError> {
        if let Some(value) = number.as_i64() {
            self.write_int(value);
        } else if let Some(value) = number.as_u64() {
            self.output.push(0xcf);
            self.output.extend_from_slice(&value.to_be_bytes());
        } else if number.is_infinite() {
            let value = if number.is_negative() {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            self.output.push(0xcb);
            self.output.extend_from_slice(&value.to_be_bytes());
        } else {
            // Decimal text keeps the exact value, which a float64 could only approximate.
            self.write_str(&number.to_string())?;
        }
        Ok(())
    }

    /// Writes an integer in the smallest msgpack form, unsigned forms for non-negative values.
    fn write_int(&mut self, value: i64) {
        let output = &mut self.output;
        if let Ok(unsigned) = u64::try_from(value) {
            match unsigned {
                0..=0x7f => output.push(unsigned as u8),
                0x80..=0xff => output.extend_from_slice(&[0xcc, unsigned as u8]),
                0x100..=0xffff => {
                    output.push(0xcd);
                    output.extend_from_slice(&(unsigned as u16).to_be_bytes());
                }
                0x1_0000..=0xffff_ffff => {
                    output.push(0xce);
                    output.extend_from_slice(&(unsigned as u32).to_be_bytes());
                }
                _ => {
                    output.push(0xcf);
                    output.extend_from_slice(&unsigned.to_be_bytes());
                }
            }
            return;
        }
        match value {
            -32..=-1 => output.push(value as i8 as u8),
            -128..=-33 => output.extend_from_slice(&[0xd0, value as i8 as u8]),
            -32_768..=-129 => {
                output.push(0xd1);
                output.extend_from_slice(&(value as i16).to_be_bytes());
            }
            -2_147_483_648..=-32_769 => {
                output.push(0xd2);
                output.extend_from_slice(&(value as i32).to_be_bytes());
            }
            _ => {
                output.push(0xd3);
                output.extend_from_slice(&value.to_be_bytes());
            }
        }
    }

    fn write_str(&mut self, text: &str) -> Result<(), ValueError> {
        let length = text.len();
        match length {
            0..=31 => self.output.push(0xa0 | length as u8),
            32..=0xff => self.output.extend_from_slice(&[0xd9, length as u8]),
            0x100..=0xffff => {
                self.output.push(0xda);
                self.output
                    .extend_from_slice(&(length as u16).to_be_bytes());
            }
            _ => {
                self.output.push(0xdb);
                self.output
                    .extend_from_slice(&self.len32(length)?.to_be_bytes());
            }
        }
        self.output.extend_from_slice(text.as_bytes());
        Ok(())
    }

    fn write_bin(&mut self, bytes: &[u8]) -> Result<(), ValueError> {
        let length = bytes.len();
        match length {
            0..=0xff => self.output.extend_from_slice(&[0xc4, length as u8]),
            0x100..=0xffff => {
                self.output.push(0xc5);
                self.output
                    .extend_from_slice(&(length as u16).to_be_bytes());
            }
            _ => {
                self.output.push(0xc6);
                self.output
                    .extend_from_slice(&self.len32(length)?.to_be_bytes());
            }
        }
        self.output.extend_from_slice(bytes);
        Ok(())
    }

    fn write_header(&mut self, length: usize, kind: ArrayOrMap) -> Result<(), ValueError> {
        let (fixed, marker16, marker32) = match kind {
            ArrayOrMap::Array => (0x90, 0xdc, 0xdd),
            ArrayOrMap::Map => (0x80, 0xde, 0xdf),
        };
        match length {
            0..=15 => self.output.push(fixed | length as u8),
            16..=0xffff => {
                self.output.push(marker16);
                self.output
                    .extend_from_slice(&(length as u16).to_be_bytes());
            }
            _ => {
                self.output.push(marker32);
                self.output
                    .extend_from_slice(&self.len32(length)?.to_be_bytes());
            }
        }
        Ok(())
    }

    fn len32(&self, length: usize) -> Result<u32, ValueError> {
        u32::try_from(length).map_err(|_| ValueError::Malformed {
            path: self.path(),
            reason: format!("length {length} exceeds the msgpack limit of 2^32 - 1"),
        })
    }

    fn path(&self) -> AttrPath {
        AttrPath(self.path.clone())
    }
}

#[derive(Clone, Copy)]
enum ArrayOrMap {
    Array,
    Map,
}
