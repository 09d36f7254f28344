//! cty values as the provider handles them, independent of their wire form.

use std::collections::BTreeMap;

use super::error::{AttrPath, PathStep, ValueError};
use super::number::Number;
use super::types::Type;

/// A cty value.
///
/// A value carries no type of its own except under [`Type::Dynamic`], where
/// [`Value::Dynamic`] pairs the concrete type with the value. `Null` and `Unknown` fit every
/// type, including dynamic.
#[derive(Clone, Debug)]
pub enum Value {
    /// A null value of any type.
    Null,
    /// A value Terraform does not know yet, of any type.
    Unknown,
    /// A boolean.
    Bool(bool),
    /// An exact number.
    Number(Number),
    /// A string.
    String(String),
    /// List elements in order.
    List(Vec<Value>),
    /// Set elements, whose order carries no meaning.
    Set(Vec<Value>),
    /// Map elements by key.
    Map(BTreeMap<String, Value>),
    /// Object attributes by name.
    Object(BTreeMap<String, Value>),
    /// Tuple elements in order.
    Tuple(Vec<Value>),
    /// A value at a dynamic position, with the concrete type it was sent with.
    Dynamic(Type, Box<Value>),
}

impl Value {
    /// Creates a string value.
    pub fn string(text: impl Into<String>) -> Value {
        Value::String(text.into())
    }

    /// Creates a number value from an integer.
    pub fn number_i64(value: i64) -> Value {
        Value::Number(Number::from_i64(value))
    }

    /// Creates an object value from attribute names and values.
    pub fn object<N: Into<String>>(attributes: impl IntoIterator<Item = (N, Value)>) -> Value {
        Value::Object(
            attributes
                .into_iter()
                .map(|(name, value)| (name.into(), value))
                .collect(),
        )
    }

    /// Reports whether the value is null, looking through a dynamic wrapper.
    pub fn is_null(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Dynamic(_, inner) => inner.is_null(),
            _ => false,
        }
    }

    /// Reports whether the value itself is unknown, looking through a dynamic wrapper.
    ///
    /// A known collection with unknown elements is not unknown; see [`Value::is_wholly_known`].
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Dynamic(_, inner) => inner.is_unknown(),
            _ => false,
        }
    }

    /// Reports whether neither the value nor anything nested in it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(elements) | Value::Set(elements) | Value::Tuple(elements) => {
                elements.iter().all(Value::is_wholly_known)
            }
            Value::Map(elements) | Value::Object(elements) => {
                elements.values().all(Value::is_wholly_known)
            }
            Value::Dynamic(_, inner) => inner.is_wholly_known(),
        }
    }

    /// Returns an object's attribute, looking through a dynamic wrapper.
    ///
    /// Returns `None` when the value is not an object or lacks the attribute.
    pub fn attr(&self, name: &str) -> Option<&Value> {
        match self.unwrap_dynamic() {
            Value::Object(attributes) => attributes.get(name),
            _ => None,
        }
    }

    /// Returns the text of a string value, looking through a dynamic wrapper.
    pub fn as_str(&self) -> Option<&str> {
        match self.unwrap_dynamic() {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// Returns a boolean value, looking through a dynamic wrapper.
    pub fn as_bool(&self) -> Option<bool> {
        match self.unwrap_dynamic() {
            Value::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    /// Returns a number value, looking through a dynamic wrapper.
    pub fn as_number(&self) -> Option<&Number> {
        match self.unwrap_dynamic() {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }

    /// Returns the elements of a list, set or tuple, looking through a dynamic wrapper.
    pub fn elements(&self) -> Option<&[Value]> {
        match self.unwrap_dynamic() {
            Value::List(elements) | Value::Set(elements) | Value::Tuple(elements) => Some(elements),
            _ => None,
        }
    }

    /// Returns the elements of a map, looking through a dynamic wrapper.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unwrap_dynamic() {
            Value::Map(elements) => Some(elements),
            _ => None,
        }
    }

    /// Returns the value inside any number of dynamic wrappers.
    pub fn unwrap_dynamic(&self) -> &Value {
        let mut value = self;
        while let Value::Dynamic(_, inner) = value {
            value = inner;
        }
        value
    }

    /// Checks that the value has the shape of `ty`, the rule the wire encoders also apply.
    ///
    /// Null and unknown fit any type. Under [`Type::Dynamic`] a value must be
    /// [`Value::Dynamic`] (or null or unknown), and its inner value must fit its own type.
    /// Objects must have exactly the attributes of their type, and tuples its length.
    ///
    /// # Errors
    ///
    /// Returns the first mismatch found, with the path to it.
    pub fn conforms_to(&self, ty: &Type) -> Result<(), ValueError> {
        check_conformance(self, ty, &mut Vec::new())
    }

    /// Returns a short name for the kind of value, for error messages.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "unknown value",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Tuple(_) => "tuple",
            Value::Dynamic(..) => "dynamic value",
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) | (Value::Unknown, Value::Unknown) => true,
            (Value::Bool(left), Value::Bool(right)) => left == right,
            (Value::Number(left), Value::Number(right)) => left == right,
            (Value::String(left), Value::String(right)) => left == right,
            (Value::List(left), Value::List(right)) | (Value::Tuple(left), Value::Tuple(right)) => {
                left == right
            }
            (Value::Set(left), Value::Set(right)) => same_elements_any_order(left, right),
            (Value::Map(left), Value::Map(right)) | (Value::Object(left), Value::Object(right)) => {
                left == right
            }
            (Value::Dynamic(left_type, left), Value::Dynamic(right_type, right)) => {
                left_type == right_type && left == right
            }
            _ => false,
        }
    }
}

/// Compares two sets as multisets. Values have no hash or order, so this pairs elements up in
/// quadratic time, which is fine for the sizes of Terraform attributes.
fn same_elements_any_order(left: &[Value], right: &[Value]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    let mut matched = vec![false; right.len()];
    left.iter().all(|element| {
        let found = right
            .iter()
            .enumerate()
            .position(|(index, candidate)| !matched[index] && candidate == element);
        match found {
            Some(index) => {
                matched[index] = true;
                true
            }
            None => false,
        }
    })
}

/// Checks the value's own shape against `ty` without looking into its elements: its kind, an
/// object's attribute names and a tuple's length. Null and unknown fit every type.
///
/// The encoders call this at each level, so they report the same errors as
/// [`Value::conforms_to`].
pub(crate) fn check_shape(value: &Value, ty: &Type, path: &[PathStep]) -> Result<(), ValueError> {
    match (ty, value) {
        (_, Value::Null | Value::Unknown)
        | (Type::String, Value::String(_))
        | (Type::Number, Value::Number(_))
        | (Type::Bool, Value::Bool(_))
        | (Type::List(_), Value::List(_))
        | (Type::Set(_), Value::Set(_))
        | (Type::Map(_), Value::Map(_))
        | (Type::Dynamic, Value::Dynamic(..)) => Ok(()),
        (Type::Object(attribute_types), Value::Object(attributes)) => {
            if let Some(name) = attributes
                .keys()
                .find(|name| !attribute_types.contains_key(*name))
            {
                return Err(ValueError::UnsupportedAttribute {
                    path: AttrPath(path.to_vec()),
                    name: name.clone(),
                });
            }
            if let Some(name) = attribute_types
                .keys()
                .find(|name| !attributes.contains_key(*name))
            {
                return Err(ValueError::MissingAttribute {
                    path: AttrPath(path.to_vec()),
                    name: name.clone(),
                });
            }
            Ok(())
        }
        (Type::Tuple(element_types), Value::Tuple(elements)) => {
            if element_types.len() != elements.len() {
                return Err(ValueError::TupleLength {
                    path: AttrPath(path.to_vec()),
                    expected: element_types.len(),
                    found: elements.len(),
                });
            }
            Ok(())
        }
        _ => Err(ValueError::Mismatch {
            path: AttrPath(path.to_vec()),
            expected: ty.to_string(),
            found: value.kind_name().to_owned(),
        }),
    }
}

fn check_conformance(value: &Value, ty: &Type, path: &mut Vec<PathStep>) -> Result<(), ValueError> {
    check_shape(value, ty, path)?;
    match (ty, value) {
        (Type::List(element), Value::List(elements))
        | (Type::Set(element), Value::Set(elements)) => {
            for (index, item) in elements.iter().enumerate() {
                path.push(PathStep::Index(index));
                check_conformance(item, element, path)?;
                path.pop();
            }
        }
        (Type::Map(element), Value::Map(elements)) => {
            for (key, item) in elements {
                path.push(PathStep::Key(key.clone()));
                check_conformance(item, element, path)?;
                path.pop();
            }
        }
        (Type::Object(attribute_types), Value::Object(attributes)) => {
            // check_shape has verified that both have the same names.
            for ((name, attribute_type), attribute) in
                attribute_types.iter().zip(attributes.values())
            {
                path.push(PathStep::Attr(name.clone()));
                check_conformance(attribute, attribute_type, path)?;
                path.pop();
            }
        }
        (Type::Tuple(element_types), Value::Tuple(elements)) => {
            for (index, (item, element)) in elements.iter().zip(element_types).enumerate() {
                path.push(PathStep::Index(index));
                check_conformance(item, element, path)?;
                path.pop();
            }
        }
        (Type::Dynamic, Value::Dynamic(inner_type, inner)) => {
            check_conformance(inner, inner_type, path)?;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests;
