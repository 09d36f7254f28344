//! Type-driven decoding of msgpack bytes into values.

use std::collections::BTreeMap;

use super::reader::{is_ext, marker_kind, Numeric, ReadError, Reader, NIL};
use super::unknown::read_unknown;
use crate::protocol::value::error::{AttrPath, PathStep, ValueError};
use crate::protocol::value::number::Number;
use crate::protocol::value::types::Type;
use crate::protocol::value::Value;

/// Maximum nesting of decoded values, counting each collection, object, tuple and dynamic
/// wrapper. Terraform schemas nest far less; the limit bounds recursion on hostile input.
pub const MAX_VALUE_DEPTH: usize = 100;

/// Decodes a msgpack `DynamicValue` of type `ty`.
///
/// An empty input is a null value, because Terraform sends no bytes for an absent value.
///
/// # Errors
///
/// Returns a [`ValueError`] naming the path of the first problem: malformed or truncated
/// msgpack, a value that does not fit `ty`, nesting beyond [`MAX_VALUE_DEPTH`], or bytes
/// after the value.
pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let mut decoder = Decoder {
        reader: Reader::new(bytes),
        path: Vec::new(),
        depth: 0,
    };
    let value = decoder.decode(ty)?;
    match decoder.reader.remaining() {
        0 => Ok(value),
        count => Err(ValueError::TrailingBytes { count }),
    }
}

struct Decoder<'a> {
    reader: Reader<'a>,
    /// Path to the value being decoded.
    path: Vec<PathStep>,
    /// Nesting depth, which exceeds the path length by the dynamic wrappers passed through.
    depth: usize,
}

impl Decoder<'_> {
    fn decode(&mut self, ty: &Type) -> Result<Value, ValueError> {
        // Null and unknown are recognised before the type is looked at, so they fit any type.
        let marker = self.reader.peek().map_err(|error| self.error(ty, error))?;
        if marker == NIL {
            self.reader
                .read_u8()
                .map_err(|error| self.error(ty, error))?;
            return Ok(Value::Null);
        }
        if is_ext(marker) {
            read_unknown(&mut self.reader).map_err(|error| self.error(ty, error))?;
            return Ok(Value::Unknown);
        }
        if self.depth >= MAX_VALUE_DEPTH {
            return Err(ValueError::TooDeep {
                path: self.path(),
                limit: MAX_VALUE_DEPTH,
            });
        }
        self.depth += 1;
        let value = match ty {
            Type::String => self.decode_string(),
            Type::Number => self.decode_number().map(Value::Number),
            Type::Bool => self
                .reader
                .read_bool()
                .map(Value::Bool)
                .map_err(|error| self.error(ty, error)),
            Type::List(element) => self.decode_sequence(ty, element).map(Value::List),
            Type::Set(element) => self.decode_sequence(ty, element).map(Value::Set),
            Type::Map(element) => self.decode_map(ty, element),
            Type::Object(attributes) => self.decode_object(ty, attributes),
            Type::Tuple(elements) => self.decode_tuple(ty, elements),
            Type::Dynamic => self.decode_dynamic(),
        }?;
        self.depth -= 1;
        Ok(value)
    }

    fn decode_string(&mut self) -> Result<Value, ValueError> {
        let text = self
            .reader
            .read_text()
            .map_err(|error| self.error(&Type::String, error))?;
        Ok(Value::String(text.to_owned()))
    }

    fn decode_number(&mut self) -> Result<Number, ValueError> {
        let marker = self
            .reader
            .peek()
            .map_err(|error| self.error(&Type::Number, error))?;
        // Terraform writes numbers that are not exact 64-bit integers or floats as decimal text.
        if matches!(marker_kind(marker), "string" | "binary") {
            let text = self
                .reader
                .read_text()
                .map_err(|error| self.error(&Type::Number, error))?;
            return Number::parse(text).map_err(|error| error.under(&self.path()));
        }
        let numeric = self
            .reader
            .read_numeric()
            .map_err(|error| self.error(&Type::Number, error))?;
        match numeric {
            Numeric::Unsigned(value) => Ok(Number::from_u64(value)),
            Numeric::Signed(value) => Ok(Number::from_i64(value)),
            Numeric::Float(value) => Number::from_f64(value).ok_or(ValueError::InvalidNumber {
                path: self.path(),
                text: "NaN".to_owned(),
                reason: "not a number",
            }),
        }
    }

    fn decode_sequence(&mut self, ty: &Type, element: &Type) -> Result<Vec<Value>, ValueError> {
        let count = self
            .reader
            .read_array_len()
            .map_err(|error| self.error(ty, error))?;
        // The count is not trusted for allocation: each element consumes at least one byte,
        // so a false count ends in a truncation error while the vector grows with real input.
        let mut elements = Vec::new();
        for index in 0..count {
            self.path.push(PathStep::Index(index));
            elements.push(self.decode(element)?);
            self.path.pop();
        }
        Ok(elements)
    }

    fn decode_tuple(&mut self, ty: &Type, element_types: &[Type]) -> Result<Value, ValueError> {
        let count = self
            .reader
            .read_array_len()
            .map_err(|error| self.error(ty, error))?;
        if count != element_types.len() {
            return Err(ValueError::TupleLength {
                path: self.path(),
                expected: element_types.len(),
                found: count,
            });
        }
        let mut elements = Vec::with_capacity(element_types.len());
        for (index, element) in element_types.iter().enumerate() {
            self.path.push(PathStep::Index(index));
            elements.push(self.decode(element)?);
            self.path.pop();
        }
        Ok(Value::Tuple(elements))
    }

    fn decode_map(&mut self, ty: &Type, element: &Type) -> Result<Value, ValueError> {
        let count = self
            .reader
            .read_map_len()
            .map_err(|error| self.error(ty, error))?;
        let mut elements = BTreeMap::new();
        for _ in 0..count {
            let key = self.decode_key()?;
            if elements.contains_key(&key) {
                return Err(ValueError::DuplicateKey {
                    path: self.path(),
                    key,
                });
            }
            self.path.push(PathStep::Key(key.clone()));
            let value = self.decode(element)?;
            self.path.pop();
            elements.insert(key, value);
        }
        Ok(Value::Map(elements))
    }

    fn decode_object(
        &mut self,
        ty: &Type,
        attribute_types: &BTreeMap<String, Type>,
    ) -> Result<Value, ValueError> {
        let count = self
            .reader
            .read_map_len()
            .map_err(|error| self.error(ty, error))?;
        let mut attributes = BTreeMap::new();
        for _ in 0..count {
            let name = self.decode_key()?;
            let Some(attribute_type) = attribute_types.get(&name) else {
                return Err(ValueError::UnsupportedAttribute {
                    path: self.path(),
                    name,
                });
            };
            if attributes.contains_key(&name) {
                return Err(ValueError::DuplicateKey {
                    path: self.path(),
                    key: name,
                });
            }
            self.path.push(PathStep::Attr(name.clone()));
            let value = self.decode(attribute_type)?;
            self.path.pop();
            attributes.insert(name, value);
        }
        // Terraform sends every attribute, null ones as nil, so a missing one is an error.
        if let Some(name) = attribute_types
            .keys()
            .find(|name| !attributes.contains_key(*name))
        {
            return Err(ValueError::MissingAttribute {
                path: self.path(),
                name: name.clone(),
            });
        }
        Ok(Value::Object(attributes))
    }

    fn decode_dynamic(&mut self) -> Result<Value, ValueError> {
        // A known dynamic value is [type JSON, value encoded per that type].
        let count = self
            .reader
            .read_array_len()
            .map_err(|error| self.error(&Type::Dynamic, error))?;
        if count != 2 {
            return Err(self.malformed(format!(
                "a dynamic value must be an array of 2 elements, found {count}"
            )));
        }
        let type_json = self
            .reader
            .read_str_or_bin()
            .map_err(|error| self.error(&Type::Dynamic, error))?;
        let inner_type = Type::from_json(type_json).map_err(|error| error.under(&self.path()))?;
        let inner = self.decode(&inner_type)?;
        Ok(Value::Dynamic(inner_type, Box::new(inner)))
    }

    /// Reads a map key or attribute name, which may be str or bin.
    fn decode_key(&mut self) -> Result<String, ValueError> {
        let key = self
            .reader
            .read_text()
            .map_err(|error| self.error(&Type::String, error))?;
        Ok(key.to_owned())
    }

    fn path(&self) -> AttrPath {
        AttrPath(self.path.clone())
    }

    fn malformed(&self, reason: String) -> ValueError {
        ValueError::Malformed {
            path: self.path(),
            reason,
        }
    }

    /// Converts a byte-level error at the current path, naming `expected` on a kind mismatch.
    fn error(&self, expected: &Type, error: ReadError) -> ValueError {
        match error {
            ReadError::Truncated => ValueError::Truncated { path: self.path() },
            ReadError::Unexpected { marker, .. } => ValueError::Mismatch {
                path: self.path(),
                expected: expected.to_string(),
                found: marker_kind(marker).to_owned(),
            },
            ReadError::Invalid(reason) => self.malformed(reason),
        }
    }
}
