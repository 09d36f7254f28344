//! cty types and their JSON form, as schemas and dynamic values carry them.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value as Json;

use super::error::{AttrPath, ValueError};

/// Maximum nesting of a type JSON document, counting each collection, object and tuple.
///
/// Types nested within dynamic values come from Terraform's input, so the limit keeps their
/// parsing and the values decoded against them within a small, fixed stack depth.
pub const MAX_TYPE_DEPTH: usize = 64;

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// A Unicode string.
    String,
    /// An arbitrary-precision number.
    Number,
    /// A boolean.
    Bool,
    /// A placeholder whose concrete type travels with each value (`dynamic` in type JSON).
    Dynamic,
    /// An ordered sequence of elements of one type.
    List(Box<Type>),
    /// An unordered collection of distinct elements of one type.
    Set(Box<Type>),
    /// A collection of elements of one type, keyed by string.
    Map(Box<Type>),
    /// A fixed set of named attributes, each with its own type.
    Object(BTreeMap<String, Type>),
    /// A fixed-length sequence whose elements each have their own type.
    Tuple(Vec<Type>),
}

impl Type {
    /// Parses cty type JSON such as `"string"` or `["list",["object",{"id":"string"}]]`.
    ///
    /// An object type's optional third element, the list of optional attribute names used in
    /// type constraints, is checked for shape and otherwise ignored.
    ///
    /// # Errors
    ///
    /// Returns [`ValueError::InvalidType`] for malformed JSON, JSON that is not a type, or a
    /// type nested deeper than [`MAX_TYPE_DEPTH`].
    pub fn from_json(bytes: &[u8]) -> Result<Type, ValueError> {
        let json: Json =
            serde_json::from_slice(bytes).map_err(|error| ValueError::InvalidType {
                path: AttrPath::root(),
                reason: error.to_string(),
            })?;
        Self::from_json_value(&json)
    }

    /// Converts an already-parsed type JSON document, as found in a dynamic value's JSON form.
    ///
    /// # Errors
    ///
    /// Returns [`ValueError::InvalidType`] for JSON that is not a type or nests deeper than
    /// [`MAX_TYPE_DEPTH`].
    pub fn from_json_value(json: &Json) -> Result<Type, ValueError> {
        parse_type(json, 0).map_err(|reason| ValueError::InvalidType {
            path: AttrPath::root(),
            reason,
        })
    }

    /// Returns the cty type JSON of this type, with object attributes in name order.
    pub fn to_json(&self) -> Json {
        match self {
            Type::String => Json::from("string"),
            Type::Number => Json::from("number"),
            Type::Bool => Json::from("bool"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(element) => Json::Array(vec!["list".into(), element.to_json()]),
            Type::Set(element) => Json::Array(vec!["set".into(), element.to_json()]),
            Type::Map(element) => Json::Array(vec!["map".into(), element.to_json()]),
            Type::Object(attributes) => {
                let attributes = attributes
                    .iter()
                    .map(|(name, attribute)| (name.clone(), attribute.to_json()))
                    .collect();
                Json::Array(vec!["object".into(), Json::Object(attributes)])
            }
            Type::Tuple(elements) => {
                let elements = elements.iter().map(Type::to_json).collect();
                Json::Array(vec!["tuple".into(), Json::Array(elements)])
            }
        }
    }

    /// Returns the cty type JSON of this type as bytes, the form schemas carry.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Creates a list type.
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    /// Creates a set type.
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    /// Creates a map type.
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// Creates an object type from attribute names and types.
    pub fn object<N: Into<String>>(attributes: impl IntoIterator<Item = (N, Type)>) -> Type {
        Type::Object(
            attributes
                .into_iter()
                .map(|(name, attribute)| (name.into(), attribute))
                .collect(),
        )
    }
}

impl fmt::Display for Type {
    /// Writes a short description in cty's wording, such as `list of string` or `object`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(element) => write!(f, "list of {element}"),
            Type::Set(element) => write!(f, "set of {element}"),
            Type::Map(element) => write!(f, "map of {element}"),
            Type::Object(_) => f.write_str("object"),
            Type::Tuple(_) => f.write_str("tuple"),
        }
    }
}

fn parse_type(json: &Json, depth: usize) -> Result<Type, String> {
    if depth >= MAX_TYPE_DEPTH {
        return Err(format!("type nests deeper than {MAX_TYPE_DEPTH} levels"));
    }
    let items = match json {
        Json::String(name) => {
            return match name.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("unknown primitive type {other:?}")),
            };
        }
        Json::Array(items) => items,
        _ => return Err("a type must be a string or an array".to_owned()),
    };
    let Some(Json::String(kind)) = items.first() else {
        return Err("a type array must start with the kind name".to_owned());
    };
    match (kind.as_str(), items.len()) {
        ("list", 2) => Ok(Type::list(parse_type(&items[1], depth + 1)?)),
        ("set", 2) => Ok(Type::set(parse_type(&items[1], depth + 1)?)),
        ("map", 2) => Ok(Type::map(parse_type(&items[1], depth + 1)?)),
        ("object", 2 | 3) => parse_object(&items[1], items.get(2), depth),
        ("tuple", 2) => {
            let Json::Array(elements) = &items[1] else {
                return Err("tuple elements must be an array".to_owned());
            };
            let elements = elements
                .iter()
                .map(|element| parse_type(element, depth + 1))
                .collect::<Result<_, _>>()?;
            Ok(Type::Tuple(elements))
        }
        (kind, length) => Err(format!(
            "unsupported type kind {kind:?} with {length} elements"
        )),
    }
}

fn parse_object(attributes: &Json, optional: Option<&Json>, depth: usize) -> Result<Type, String> {
    let Json::Object(attributes) = attributes else {
        return Err("object attributes must be a JSON object".to_owned());
    };
    let mut parsed = BTreeMap::new();
    for (name, attribute) in attributes {
        parsed.insert(name.clone(), parse_type(attribute, depth + 1)?);
    }
    // Optional attributes only matter to type constraints, which Terraform resolves before
    // values reach the provider, so their names are checked but not kept.
    if let Some(optional) = optional {
        let Json::Array(names) = optional else {
            return Err("optional attribute names must be an array".to_owned());
        };
        for name in names {
            match name {
                Json::String(name) if parsed.contains_key(name) => {}
                Json::String(name) => {
                    return Err(format!("optional attribute {name:?} is not declared"));
                }
                _ => return Err("optional attribute names must be strings".to_owned()),
            }
        }
    }
    Ok(Type::Object(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object_type() -> Type {
        Type::object([("id", Type::String), ("port", Type::Number)])
    }

    #[test]
    fn type_json_round_trips() {
        let cases = [
            ("string", Type::String, r#""string""#),
            ("number", Type::Number, r#""number""#),
            ("bool", Type::Bool, r#""bool""#),
            ("dynamic", Type::Dynamic, r#""dynamic""#),
            ("list", Type::list(Type::String), r#"["list","string"]"#),
            ("set", Type::set(Type::Number), r#"["set","number"]"#),
            ("map", Type::map(Type::Bool), r#"["map","bool"]"#),
            (
                "list of object",
                Type::list(object_type()),
                r#"["list",["object",{"id":"string","port":"number"}]]"#,
            ),
            (
                "empty object",
                Type::object::<String>([]),
                r#"["object",{}]"#,
            ),
            (
                "tuple",
                Type::Tuple(vec![Type::String, Type::Dynamic]),
                r#"["tuple",["string","dynamic"]]"#,
            ),
        ];
        for (name, ty, json) in cases {
            assert_eq!(
                String::from_utf8(ty.to_json_bytes()).unwrap(),
                json,
                "case {name}"
            );
            let parsed = Type::from_json(json.as_bytes())
                .unwrap_or_else(|error| panic!("case {name}: {error}"));
            assert_eq!(parsed, ty, "case {name}");
        }
    }

    #[test]
    fn type_json_sorts_attribute_names() {
        let parsed = Type::from_json(br#"["object",{"port":"number","id":"string"}]"#).unwrap();
        assert_eq!(
            parsed.to_json_bytes(),
            br#"["object",{"id":"string","port":"number"}]"#
        );
    }

    #[test]
    fn type_json_accepts_optional_attributes() {
        let parsed = Type::from_json(br#"["object",{"id":"string","port":"number"},["port"]]"#);
        assert_eq!(parsed.unwrap(), object_type());
    }

    #[test]
    fn type_json_rejects_invalid_documents() {
        let cases = [
            ("malformed JSON", r#"["list""#),
            ("unknown primitive", r#""text""#),
            ("number literal", "5"),
            ("empty array", "[]"),
            ("unknown kind", r#"["vector","string"]"#),
            ("list without element", r#"["list"]"#),
            ("list with extra element", r#"["list","string","string"]"#),
            ("object with array", r#"["object",["string"]]"#),
            ("tuple with object", r#"["tuple",{"a":"string"}]"#),
            ("optional not array", r#"["object",{"a":"string"},"a"]"#),
            ("optional undeclared", r#"["object",{"a":"string"},["b"]]"#),
            ("optional not string", r#"["object",{"a":"string"},[1]]"#),
        ];
        for (name, json) in cases {
            assert!(
                Type::from_json(json.as_bytes()).is_err(),
                "case {name} parsed"
            );
        }
    }

    #[test]
    fn type_json_limits_depth() {
        let mut shallow = r#""string""#.to_owned();
        for _ in 0..MAX_TYPE_DEPTH - 1 {
            shallow = format!(r#"["list",{shallow}]"#);
        }
        assert!(Type::from_json(shallow.as_bytes()).is_ok());
        let deep = format!(r#"["list",{shallow}]"#);
        let error = Type::from_json(deep.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("deeper"), "{error}");
    }

    #[test]
    fn type_display_names_kind() {
        assert_eq!(
            Type::list(Type::map(Type::String)).to_string(),
            "list of map of string"
        );
        assert_eq!(object_type().to_string(), "object");
    }
}
