//! Diagnostics: the errors and warnings a provider reports to Terraform.
//!
//! Everything a user should read travels as a diagnostic inside an RPC
//! response. A diagnostic about one attribute carries its path, so Terraform
//! points at the expression in the configuration that caused it.

use std::fmt;

/// The severity of a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The operation failed.
    Error,
    /// The operation went ahead, but the user should look.
    Warning,
}

/// One step of an attribute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// An attribute of an object.
    Attribute(String),
    /// An element of a map, by key.
    Key(String),
    /// An element of a list or tuple, by index.
    Index(i64),
}

/// The location of a value inside a resource's configuration or state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributePath(pub Vec<PathStep>);

impl AttributePath {
    /// Creates a path to a top-level attribute.
    pub fn attribute(name: impl Into<String>) -> AttributePath {
        AttributePath(vec![PathStep::Attribute(name.into())])
    }

    /// This path extended by an attribute name.
    #[must_use]
    pub fn then_attribute(mut self, name: impl Into<String>) -> AttributePath {
        self.0.push(PathStep::Attribute(name.into()));
        self
    }

    /// This path extended by a list index.
    #[must_use]
    pub fn then_index(mut self, index: i64) -> AttributePath {
        self.0.push(PathStep::Index(index));
        self
    }

    /// This path extended by a map key.
    #[must_use]
    pub fn then_key(mut self, key: impl Into<String>) -> AttributePath {
        self.0.push(PathStep::Key(key.into()));
        self
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attribute(name) if position == 0 => write!(f, "{name}")?,
                PathStep::Attribute(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => write!(f, "[{key:?}]")?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// An error or warning with a short summary, a detail that explains what to do,
/// and optionally the attribute it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A short sentence-case phrase naming what failed.
    pub summary: String,
    /// Full sentences: the value, the reason and the next step.
    pub detail: String,
    /// The attribute the diagnostic is about, if any.
    pub path: Option<AttributePath>,
}

impl Diagnostic {
    /// Creates an error diagnostic.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// Creates a warning diagnostic.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// Creates an error about a bug in the provider itself, asking for a report.
    pub fn provider_bug(summary: impl Into<String>, detail: impl fmt::Display) -> Diagnostic {
        Diagnostic::error(
            summary,
            format!(
                "{detail}\n\nThis is a bug in the provider. Please report it to the \
                 terraform-provider-workload maintainers with the steps that led to it."
            ),
        )
    }

    /// Returns the same diagnostic pointing at `path`.
    #[must_use]
    pub fn at(mut self, path: AttributePath) -> Diagnostic {
        self.path = Some(path);
        self
    }

    /// Returns the same diagnostic pointing at the top-level attribute `name`.
    #[must_use]
    pub fn at_attribute(self, name: &str) -> Diagnostic {
        self.at(AttributePath::attribute(name))
    }

    /// Returns whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An ordered collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Creates an empty collection.
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Adds every diagnostic of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Returns whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Returns whether the collection is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Returns the diagnostics in the order they were added.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Diagnostics {
        Diagnostics(vec![diagnostic])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_path_displays_steps() {
        let cases = [
            ("single attribute", AttributePath::attribute("name"), "name"),
            (
                "nested attribute and index",
                AttributePath::attribute("module_status")
                    .then_attribute("status")
                    .then_index(2),
                "module_status.status[2]",
            ),
            (
                "map key",
                AttributePath::attribute("tags").then_key("env"),
                "tags[\"env\"]",
            ),
        ];
        for (name, path, expected) in cases {
            assert_eq!(path.to_string(), expected, "case {name}");
        }
    }

    #[test]
    fn diagnostics_report_errors_only_for_errors() {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(Diagnostic::warning("Careful", "detail"));
        assert!(!diagnostics.has_errors());
        diagnostics.push(Diagnostic::error("Broken", "detail").at_attribute("name"));
        assert!(diagnostics.has_errors());
    }
}
