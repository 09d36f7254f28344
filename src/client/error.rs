//! Errors of the REST client and the extraction of the API's error message.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

/// Maximum length, in characters, of the error-body excerpt kept when the body has no `message`.
const MAX_RAW_MESSAGE_CHARS: usize = 300;

/// A failed API call.
///
/// `path` is relative to the base URL and includes the query string, for example
/// `/policies/12?overrides=true`. `message` is the API's own error message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object does not exist (HTTP 404).
    #[error("request {method} {path} failed: not found (HTTP 404): {message}")]
    NotFound {
        /// HTTP method.
        method: Method,
        /// Path and query relative to the base URL.
        path: String,
        /// The API's error message.
        message: String,
    },

    /// The API rejected the request with an error status other than those below.
    #[error("request {method} {path} failed with HTTP {status}: {message}")]
    Api {
        /// HTTP method.
        method: Method,
        /// Path and query relative to the base URL.
        path: String,
        /// HTTP status code.
        status: u16,
        /// The API's error message.
        message: String,
    },

    /// The API key is missing, invalid or lacks the right (HTTP 401 or 403).
    #[error(
        "request {method} {path} failed: not authorized (HTTP {status}): {message}; check the API key, \
         its role, and whether the manager expects the Authorization or the api-secret-key header"
    )]
    Unauthorized {
        /// HTTP method.
        method: Method,
        /// Path and query relative to the base URL.
        path: String,
        /// HTTP status code.
        status: u16,
        /// The API's error message.
        message: String,
    },

    /// The API kept responding with HTTP 429 until the retries ran out.
    #[error("request {method} {path} failed: rate limited (HTTP 429) after {attempts} attempts: {message}")]
    RateLimited {
        /// HTTP method.
        method: Method,
        /// Path and query relative to the base URL.
        path: String,
        /// Attempts made, including the first.
        attempts: u32,
        /// The API's error message.
        message: String,
    },

    /// No response arrived within the request timeout.
    #[error("request {method} {path} timed out after {after:?} ({attempts} attempts)")]
    Timeout {
        /// HTTP method.
        method: Method,
        /// Path and query relative to the base URL.
        path: String,
        /// The per-request timeout.
        after: Duration,
        /// Attempts made, including the first.
        attempts: u32,
    },

    /// The connection failed or dropped before a complete response arrived.
    #[error("request {method} {path} failed: connection error after {attempts} attempts")]
    Connection {
        /// HTTP method.
        method: Method,
        /// Path and query relative to the base URL.
        path: String,
        /// Attempts made, including the first.
        attempts: u32,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },

    /// The server's TLS certificate was rejected; repeating the request would not help.
    #[error(
        "request {method} {path} failed: TLS handshake rejected; trust the server's certificate with a \
         CA certificate, or disable verification for a self-signed test manager"
    )]
    Tls {
        /// HTTP method.
        method: Method,
        /// Path and query relative to the base URL.
        path: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },

    /// A response body could not be decoded.
    #[error("invalid response to {method} {path}: {}", describe_decode(.field, .detail))]
    Decode {
        /// HTTP method.
        method: Method,
        /// Path and query relative to the base URL.
        path: String,
        /// The offending field, or `None` when the body as a whole is wrong.
        field: Option<String>,
        /// Description of the expected and the found value.
        detail: String,
    },

    /// A create failed ambiguously and the follow-up search found several rules with its name.
    #[error(
        "create of rule {name:?} failed ambiguously and {count} rules with that name exist; \
         delete the duplicates or import one of them"
    )]
    DuplicateRules {
        /// The rule name.
        name: String,
        /// How many rules carry it.
        count: usize,
    },

    /// The request was rejected before it was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// The client configuration is invalid.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

fn describe_decode(field: &Option<String>, detail: &str) -> String {
    match field {
        Some(field) => format!("field \"{field}\": {detail}"),
        None => detail.to_string(),
    }
}

impl Error {
    /// Returns the HTTP status of an error response, if the error came from one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            Error::Api { status, .. } | Error::Unauthorized { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Reports whether the error is a 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Formats the error followed by each of its causes, separated by `": "`, for messages
    /// shown to a user who cannot see the source chain (such as "connection refused").
    pub fn with_causes(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(error) = cause {
            text.push_str(": ");
            text.push_str(&error.to_string());
            cause = error.source();
        }
        text
    }
}

/// Extracts the API's message from an error body: the JSON `message`, else the JSON `errors`,
/// else the raw text cut to a few hundred characters, else the status's reason phrase.
pub(crate) fn error_message(body: &str, reason: Option<&str>) -> String {
    if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(body) {
        for key in ["message", "errors"] {
            match fields.get(key) {
                Some(Value::String(text)) if !text.is_empty() => return truncate(text),
                Some(Value::Null) | None => {}
                Some(Value::String(_)) => {}
                Some(other) => return truncate(&other.to_string()),
            }
        }
    }
    let text = body.trim();
    if text.is_empty() {
        return reason.unwrap_or("no error message").to_lowercase();
    }
    truncate(text)
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_RAW_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_picks_best_source() {
        let long = "x".repeat(400);
        let cases: &[(&str, &str, Option<&str>, String)] = &[
            (
                "message",
                r#"{"message":"bad name","errors":"x"}"#,
                None,
                "bad name".into(),
            ),
            (
                "errors string",
                r#"{"errors":"bad state"}"#,
                None,
                "bad state".into(),
            ),
            (
                "errors array",
                r#"{"errors":["a","b"]}"#,
                None,
                r#"["a","b"]"#.into(),
            ),
            (
                "empty message",
                r#"{"message":"","errors":"e"}"#,
                None,
                "e".into(),
            ),
            ("raw text", "  gateway down  ", None, "gateway down".into()),
            ("empty body", "", Some("Bad Gateway"), "bad gateway".into()),
            ("empty body no reason", "", None, "no error message".into()),
            (
                "json without keys",
                r#"{"code":3}"#,
                None,
                r#"{"code":3}"#.into(),
            ),
            (
                "long raw text",
                &long,
                None,
                format!("{}...", "x".repeat(300)),
            ),
            (
                "multibyte cut",
                &"é".repeat(301),
                None,
                format!("{}...", "é".repeat(300)),
            ),
        ];
        for (name, body, reason, want) in cases {
            assert_eq!(&error_message(body, *reason), want, "case {name}");
        }
    }

    #[test]
    fn display_names_method_path_status() {
        let error = Error::Api {
            method: Method::POST,
            path: "/integritymonitoringrules".into(),
            status: 400,
            message: "name is required".into(),
        };
        assert_eq!(
            error.to_string(),
            "request POST /integritymonitoringrules failed with HTTP 400: name is required"
        );
        let decode = Error::Decode {
            method: Method::GET,
            path: "/integritymonitoringrules/3".into(),
            field: Some("alertEnabled".into()),
            detail: "expected a boolean, found a string".into(),
        };
        assert_eq!(
            decode.to_string(),
            "invalid response to GET /integritymonitoringrules/3: \
             field \"alertEnabled\": expected a boolean, found a string"
        );
    }

    #[test]
    fn status_maps_each_variant() {
        let not_found = Error::NotFound {
            method: Method::GET,
            path: "/x".into(),
            message: "m".into(),
        };
        assert_eq!(not_found.status(), Some(404));
        assert!(not_found.is_not_found());
        assert_eq!(Error::Config("c".into()).status(), None);
    }

    #[test]
    fn with_causes_appends_sources() {
        let error = Error::Config("bad".into());
        assert_eq!(error.with_causes(), "invalid client configuration: bad");
    }
}
