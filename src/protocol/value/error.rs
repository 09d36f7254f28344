//! Errors of the value layer and the attribute paths they point at.

use std::fmt;

/// One step from a value into one of its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// An object attribute, shown as `.name`.
    Attr(String),
    /// A list, set or tuple element, shown as `[2]`.
    Index(usize),
    /// A map element, shown as `["key"]`.
    Key(String),
}

/// The location of a nested value, such as `.rules[2].name`, as shown in error messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    /// Returns the empty path, which names the whole value.
    pub fn root() -> Self {
        Self(Vec::new())
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for step in &self.0 {
            match step {
                PathStep::Attr(name) => write!(f, ".{name}")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
            }
        }
        Ok(())
    }
}

/// A failure to decode, encode or check a value against its type.
///
/// Every variant that concerns a nested value carries the path to it.
#[derive(Debug, thiserror::Error)]
pub enum ValueError {
    /// The input ended in the middle of a value.
    #[error("truncated input at {path}")]
    Truncated {
        /// Location of the incomplete value.
        path: AttrPath,
    },
    /// Bytes follow a complete value.
    #[error("{count} trailing bytes after the value")]
    TrailingBytes {
        /// Number of bytes left over.
        count: usize,
    },
    /// The input is not well-formed msgpack.
    #[error("invalid msgpack at {path}: {reason}")]
    Malformed {
        /// Location of the malformed value.
        path: AttrPath,
        /// Description of the problem with the bytes.
        reason: String,
    },
    /// The input is not well-formed JSON.
    #[error("invalid JSON")]
    Json(#[source] serde_json::Error),
    /// A value of one kind appears where the type requires another.
    #[error("{expected} required at {path}, found {found}")]
    Mismatch {
        /// Location of the value.
        path: AttrPath,
        /// The kind the type requires, such as `string` or `list of number`.
        expected: String,
        /// The kind that was found.
        found: String,
    },
    /// An object lacks an attribute of its type.
    #[error("missing attribute {name:?} at {path}")]
    MissingAttribute {
        /// Location of the object.
        path: AttrPath,
        /// Name of the missing attribute.
        name: String,
    },
    /// An object has an attribute that its type does not declare.
    #[error("unsupported attribute {name:?} at {path}")]
    UnsupportedAttribute {
        /// Location of the object.
        path: AttrPath,
        /// Name of the undeclared attribute.
        name: String,
    },
    /// A map or object repeats a key.
    #[error("duplicate key {key:?} at {path}")]
    DuplicateKey {
        /// Location of the map or object.
        path: AttrPath,
        /// The repeated key.
        key: String,
    },
    /// A tuple has a different number of elements than its type.
    #[error("tuple of {expected} elements required at {path}, found {found}")]
    TupleLength {
        /// Location of the tuple.
        path: AttrPath,
        /// Element count of the type.
        expected: usize,
        /// Element count of the value.
        found: usize,
    },
    /// A number is not valid decimal text or is out of the supported range.
    #[error("invalid number {text:?} at {path}: {reason}")]
    InvalidNumber {
        /// Location of the number.
        path: AttrPath,
        /// The rejected text, shortened if long.
        text: String,
        /// Reason the number was rejected.
        reason: &'static str,
    },
    /// A type JSON document is not a valid cty type.
    #[error("invalid type JSON at {path}: {reason}")]
    InvalidType {
        /// Location of the dynamic value whose type is invalid.
        path: AttrPath,
        /// Description of the problem with the type.
        reason: String,
    },
    /// Values or types nest deeper than the decoder allows.
    #[error("value at {path} nests deeper than {limit} levels")]
    TooDeep {
        /// Location where the limit was reached.
        path: AttrPath,
        /// The nesting limit.
        limit: usize,
    },
    /// An unknown value is about to be written in a form that cannot express it.
    #[error("unknown value at {path} cannot be encoded as JSON")]
    UnknownInJson {
        /// Location of the unknown value.
        path: AttrPath,
    },
    /// An infinite number is about to be written as JSON, which has no literal for it.
    #[error("infinite number at {path} cannot be encoded as JSON")]
    InfinityInJson {
        /// Location of the number.
        path: AttrPath,
    },
}

impl ValueError {
    /// Returns the error with its path, if it has one, prefixed by `prefix`.
    ///
    /// Used when a nested document, such as the type JSON inside a dynamic value, reports an
    /// error relative to its own root.
    pub(crate) fn under(mut self, prefix: &AttrPath) -> Self {
        let path = match &mut self {
            Self::Truncated { path }
            | Self::Malformed { path, .. }
            | Self::Mismatch { path, .. }
            | Self::MissingAttribute { path, .. }
            | Self::UnsupportedAttribute { path, .. }
            | Self::DuplicateKey { path, .. }
            | Self::TupleLength { path, .. }
            | Self::InvalidNumber { path, .. }
            | Self::InvalidType { path, .. }
            | Self::TooDeep { path, .. }
            | Self::UnknownInJson { path }
            | Self::InfinityInJson { path } => path,
            Self::TrailingBytes { .. } | Self::Json(_) => return self,
        };
        let mut steps = prefix.0.clone();
        steps.append(&mut path.0);
        path.0 = steps;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_display_formats_steps() {
        let cases = [
            ("root", AttrPath::root(), "(root)"),
            (
                "attribute and index",
                AttrPath(vec![PathStep::Attr("rule_ids".into()), PathStep::Index(2)]),
                ".rule_ids[2]",
            ),
            (
                "map key",
                AttrPath(vec![
                    PathStep::Attr("tags".into()),
                    PathStep::Key("a\"b".into()),
                ]),
                ".tags[\"a\\\"b\"]",
            ),
        ];
        for (name, path, expected) in cases {
            assert_eq!(path.to_string(), expected, "case {name}");
        }
    }

    #[test]
    fn error_under_prefixes_path() {
        let inner = ValueError::Truncated {
            path: AttrPath(vec![PathStep::Index(1)]),
        };
        let outer = inner.under(&AttrPath(vec![PathStep::Attr("x".into())]));
        assert_eq!(outer.to_string(), "truncated input at .x[1]");
    }
}
