//! The JSON form of values, which Terraform uses for stored state (`RawState.json`) and
//! accepts in responses when no msgpack is given.
//!
//! Numbers go through the exact text of the JSON literal (serde_json's `arbitrary_precision`),
//! never through `f64`. JSON has no form for unknown values or infinities.

use std::collections::BTreeMap;

use serde_json::{Map as JsonMap, Value as Json};

use super::error::{AttrPath, PathStep, ValueError};
use super::model::check_shape;
use super::msgpack::MAX_VALUE_DEPTH;
use super::number::Number;
use super::types::Type;
use super::Value;

/// Decodes the JSON form of a value of type `ty`.
///
/// Like go-cty, the decoder accepts a JSON number or bool where a string is required (keeping
/// the literal's text), and decimal text or `"true"`/`"false"` where a number or bool is
/// required. Object attributes missing from the JSON become null and keys the type does not
/// declare are ignored, because stored state may come from an older schema. An empty input is
/// a null value.
///
/// # Errors
///
/// Returns [`ValueError::Json`] for malformed JSON, and otherwise a [`ValueError`] naming the
/// path of the first value that does not fit `ty`.
pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    // serde_json stops at 128 levels of nesting, which bounds this parse's recursion.
    let json: Json = serde_json::from_slice(bytes).map_err(ValueError::Json)?;
    let mut decoder = JsonDecoder {
        path: Vec::new(),
        depth: 0,
    };
    decoder.decode(&json, ty)
}

/// Encodes a value of type `ty` in its JSON form, with a dynamic value written as
/// `{"value": …, "type": …}`.
///
/// # Errors
///
/// Returns [`ValueError::UnknownInJson`] or [`ValueError::InfinityInJson`] for what JSON cannot
/// express, and otherwise a [`ValueError`] naming the path where the value does not fit `ty`.
pub fn encode_json(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let json = to_json(value, ty, &mut Vec::new())?;
    Ok(json.to_string().into_bytes())
}

struct JsonDecoder {
    path: Vec<PathStep>,
    /// Nesting depth, which exceeds the path length by the dynamic wrappers passed through.
    depth: usize,
}

impl JsonDecoder {
    fn decode(&mut self, json: &Json, ty: &Type) -> Result<Value, ValueError> {
        if json.is_null() {
            return Ok(Value::Null);
        }
        if self.depth >= MAX_VALUE_DEPTH {
            return Err(ValueError::TooDeep {
                path: self.path(),
                limit: MAX_VALUE_DEPTH,
            });
        }
        self.depth += 1;
        let value = match (ty, json) {
            (Type::String, Json::String(text)) => Value::String(text.clone()),
            (Type::String, Json::Number(number)) => Value::String(number.to_string()),
            (Type::String, Json::Bool(flag)) => Value::String(flag.to_string()),
            (Type::Number, Json::Number(number)) => {
                Value::Number(self.number(&number.to_string())?)
            }
            (Type::Number, Json::String(text)) => Value::Number(self.number(text)?),
            (Type::Bool, Json::Bool(flag)) => Value::Bool(*flag),
            (Type::Bool, Json::String(text)) if text == "true" || text == "false" => {
                Value::Bool(text == "true")
            }
            (Type::List(element), Json::Array(items)) => {
                Value::List(self.sequence(items, element)?)
            }
            (Type::Set(element), Json::Array(items)) => Value::Set(self.sequence(items, element)?),
            (Type::Tuple(element_types), Json::Array(items)) => self.tuple(items, element_types)?,
            (Type::Map(element), Json::Object(entries)) => {
                let mut elements = BTreeMap::new();
                for (key, item) in entries {
                    self.path.push(PathStep::Key(key.clone()));
                    elements.insert(key.clone(), self.decode(item, element)?);
                    self.path.pop();
                }
                Value::Map(elements)
            }
            (Type::Object(attribute_types), Json::Object(entries)) => {
                let mut attributes = BTreeMap::new();
                for (name, attribute_type) in attribute_types {
                    let attribute = match entries.get(name) {
                        Some(item) => {
                            self.path.push(PathStep::Attr(name.clone()));
                            let attribute = self.decode(item, attribute_type)?;
                            self.path.pop();
                            attribute
                        }
                        None => Value::Null,
                    };
                    attributes.insert(name.clone(), attribute);
                }
                Value::Object(attributes)
            }
            (Type::Dynamic, Json::Object(entries)) => self.dynamic(entries)?,
            _ => {
                return Err(ValueError::Mismatch {
                    path: self.path(),
                    expected: ty.to_string(),
                    found: json_kind(json).to_owned(),
                })
            }
        };
        self.depth -= 1;
        Ok(value)
    }

    fn sequence(&mut self, items: &[Json], element: &Type) -> Result<Vec<Value>, ValueError> {
        let mut elements = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            self.path.push(PathStep::Index(index));
            elements.push(self.decode(item, element)?);
            self.path.pop();
        }
        Ok(elements)
    }

    fn tuple(&mut self, items: &[Json], element_types: &[Type]) -> Result<Value, ValueError> {
        if items.len() != element_types.len() {
            return Err(ValueError::TupleLength {
                path: self.path(),
                expected: element_types.len(),
                found: items.len(),
            });
        }
        let mut elements = Vec::with_capacity(items.len());
        for (index, (item, element)) in items.iter().zip(element_types).enumerate() {
            self.path.push(PathStep::Index(index));
            elements.push(self.decode(item, element)?);
            self.path.pop();
        }
        Ok(Value::Tuple(elements))
    }

    fn dynamic(&mut self, entries: &JsonMap<String, Json>) -> Result<Value, ValueError> {
        let Some(type_json) = entries.get("type") else {
            return Err(ValueError::InvalidType {
                path: self.path(),
                reason: "a dynamic value needs a \"type\" key".to_owned(),
            });
        };
        let inner_type =
            Type::from_json_value(type_json).map_err(|error| error.under(&self.path()))?;
        let inner = match entries.get("value") {
            Some(item) => self.decode(item, &inner_type)?,
            None => Value::Null,
        };
        Ok(Value::Dynamic(inner_type, Box::new(inner)))
    }

    fn number(&self, text: &str) -> Result<Number, ValueError> {
        Number::parse(text).map_err(|error| error.under(&self.path()))
    }

    fn path(&self) -> AttrPath {
        AttrPath(self.path.clone())
    }
}

fn json_kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn to_json(value: &Value, ty: &Type, path: &mut Vec<PathStep>) -> Result<Json, ValueError> {
    check_shape(value, ty, path)?;
    let json = match (ty, value) {
        (_, Value::Null) => Json::Null,
        (_, Value::Unknown) => {
            return Err(ValueError::UnknownInJson {
                path: AttrPath(path.clone()),
            })
        }
        (Type::String, Value::String(text)) => Json::String(text.clone()),
        (Type::Number, Value::Number(number)) => Json::Number(json_number(number, path)?),
        (Type::Bool, Value::Bool(flag)) => Json::Bool(*flag),
        (Type::List(element), Value::List(elements))
        | (Type::Set(element), Value::Set(elements)) => {
            let mut items = Vec::with_capacity(elements.len());
            for (index, item) in elements.iter().enumerate() {
                path.push(PathStep::Index(index));
                items.push(to_json(item, element, path)?);
                path.pop();
            }
            Json::Array(items)
        }
        (Type::Tuple(element_types), Value::Tuple(elements)) => {
            let mut items = Vec::with_capacity(elements.len());
            for (index, (item, element)) in elements.iter().zip(element_types).enumerate() {
                path.push(PathStep::Index(index));
                items.push(to_json(item, element, path)?);
                path.pop();
            }
            Json::Array(items)
        }
        (Type::Map(element), Value::Map(elements)) => {
            let mut entries = JsonMap::new();
            for (key, item) in elements {
                path.push(PathStep::Key(key.clone()));
                entries.insert(key.clone(), to_json(item, element, path)?);
                path.pop();
            }
            Json::Object(entries)
        }
        (Type::Object(attribute_types), Value::Object(attributes)) => {
            let mut entries = JsonMap::new();
            for (name, attribute_type) in attribute_types {
                // check_shape has verified that every attribute is present.
                let attribute = attributes.get(name).unwrap_or(&Value::Null);
                path.push(PathStep::Attr(name.clone()));
                entries.insert(name.clone(), to_json(attribute, attribute_type, path)?);
                path.pop();
            }
            Json::Object(entries)
        }
        (Type::Dynamic, Value::Dynamic(inner_type, inner)) => {
            let mut entries = JsonMap::new();
            entries.insert("value".to_owned(), to_json(inner, inner_type, path)?);
            entries.insert("type".to_owned(), inner_type.to_json());
            Json::Object(entries)
        }
        _ => {
            // check_shape has rejected every other pairing; this arm only satisfies the match.
            return Err(ValueError::Mismatch {
                path: AttrPath(path.clone()),
                expected: ty.to_string(),
                found: value.kind_name().to_owned(),
            });
        }
    };
    Ok(json)
}

fn json_number(number: &Number, path: &[PathStep]) -> Result<serde_json::Number, ValueError> {
    if number.is_infinite() {
        return Err(ValueError::InfinityInJson {
            path: AttrPath(path.to_vec()),
        });
    }
    // Plain decimal text is always a valid JSON number literal, and arbitrary_precision keeps
    // it as text, so no digits are lost.
    let text = number.to_string();
    text.parse().map_err(|_| ValueError::InvalidNumber {
        path: AttrPath(path.to_vec()),
        text,
        reason: "not representable as a JSON number",
    })
}

#[cfg(test)]
mod tests;
