//! Errors of the REST client and the extraction of the API's error message.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

/// Maximum length, in characters, of the error-body excerpt kept when the body has no `message`.
const MAX_RAW_MESSAGE_CHARS: usize = 300;

/// A failed API call.
///
/// `path` is the request path as sent, with the base URL's path and the query string, for
/// example `/api/policies/12?overrides=true`. `message` is the API's own error message without
/// a trailing period, so that text can follow it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object does not exist (HTTP 404).
    #[error("request {method} {path} failed: not found (HTTP 404): {message}")]
    NotFound {
        /// HTTP method.
        method: Method,
        /// Path and query as sent, including the base URL's path.
        path: String,
        /// The API's error message.
        message: String,
    },

    /// The API rejected the request with an error status other than those below.
    #[error("request {method} {path} failed with HTTP {status}: {message}")]
    Api {
        /// HTTP method.
        method: Method,
        /// Path and query as sent, including the base URL's path.
        path: String,
        /// HTTP status code.
        status: u16,
        /// The API's error message.
        message: String,
    },

    /// The API key is missing, invalid or lacks the right: HTTP 401, or a 403 whose message is
    /// about authorization. Any other 403 is an [`Error::Api`].
    #[error(
        "request {method} {path} failed: not authorized (HTTP {status}): {message}; check the API key, \
         its role, and whether the manager expects the Authorization or the api-secret-key header"
    )]
    Unauthorized {
        /// HTTP method.
        method: Method,
        /// Path and query as sent, including the base URL's path.
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
        /// Path and query as sent, including the base URL's path.
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
        /// Path and query as sent, including the base URL's path.
        path: String,
        /// The per-request timeout.
        after: Duration,
        /// Attempts made, including the first.
        attempts: u32,
    },

    /// No connection to the endpoint could be opened, so the request was never sent.
    #[error(
        "request {method} {path} failed: cannot connect to {endpoint} after {attempts} attempts \
         (retried in case the manager is restarting); check the provider's endpoint or region \
         setting and the network"
    )]
    Connect {
        /// HTTP method.
        method: Method,
        /// Path and query as sent, including the base URL's path.
        path: String,
        /// The base URL that could not be reached.
        endpoint: String,
        /// Attempts made, including the first.
        attempts: u32,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },

    /// A connection was open but failed or dropped before a complete response arrived.
    #[error("request {method} {path} failed: connection error after {attempts} attempts")]
    Connection {
        /// HTTP method.
        method: Method,
        /// Path and query as sent, including the base URL's path.
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
        /// Path and query as sent, including the base URL's path.
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
        /// Path and query as sent, including the base URL's path.
        path: String,
        /// The offending field, or `None` when the body as a whole is wrong.
        field: Option<String>,
        /// Description of the expected and the found value.
        detail: String,
    },

    /// After a failed create, several rules match the request in every field, so the client
    /// cannot tell which one the create made.
    #[error(
        "{} rules named {name:?} match the request (IDs {}), so the provider cannot tell which \
         one it made and took none over; delete the duplicates or import one of them",
        .ids.len(), join_ids(.ids)
    )]
    DuplicateRules {
        /// The rule name.
        name: String,
        /// IDs of the matching rules.
        ids: Vec<i64>,
    },

    /// After a failed create, rules with the requested name exist, but none of them matches
    /// the request in every field and is recent enough to be the one the create made.
    #[error("{}", describe_not_adopted(.name, .ids, .reasons))]
    RulesNotAdopted {
        /// The rule name.
        name: String,
        /// IDs of the rules with that name.
        ids: Vec<i64>,
        /// Why each rule was not taken as the created one, such as `ID 7: template differs`.
        reasons: Vec<String>,
    },

    /// A create that may have reached the manager failed, and the search for the rule that
    /// followed it did not settle the outcome, or showed that nothing was created.
    ///
    /// The text contains both the create's error and what the search found, create first, so this
    /// variant has no [`std::error::Error::source`]. It reports no HTTP status either, because
    /// a caller that sees a 5xx status may search for the rule again.
    #[error("{}", describe_failed_create(.name, .create, .finding.as_deref()))]
    CreateFailed {
        /// The rule name.
        name: String,
        /// The error of the last create attempt.
        create: Box<Error>,
        /// The search's error ([`Error::DuplicateRules`] and [`Error::RulesNotAdopted`]
        /// included), or `None` when the search found no rule with the name.
        finding: Option<Box<Error>>,
    },

    /// The request was rejected before it was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// The client configuration is invalid.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

fn join_ids(ids: &[i64]) -> String {
    let texts: Vec<String> = ids.iter().map(i64::to_string).collect();
    texts.join(", ")
}

fn describe_not_adopted(name: &str, ids: &[i64], reasons: &[String]) -> String {
    let existing = match ids {
        [id] => format!("a rule named {name:?} already exists (ID {id}) but is not"),
        _ => format!(
            "{} rules named {name:?} already exist (IDs {}) but none of them is",
            ids.len(),
            join_ids(ids)
        ),
    };
    format!(
        "{existing} the rule this request made ({}), so the provider did not take it over; \
         the manager allows several rules with one name, so running the apply again creates \
         the rule; import the existing rule instead if it is the one you mean",
        reasons.join(", ")
    )
}

fn describe_failed_create(name: &str, create: &Error, finding: Option<&Error>) -> String {
    let create = create.with_causes();
    match finding {
        None => format!(
            "{create}; no rule named {name:?} exists afterwards, so the manager did not store it"
        ),
        Some(finding @ (Error::DuplicateRules { .. } | Error::RulesNotAdopted { .. })) => {
            format!("{create}; {finding}")
        }
        Some(search) => format!(
            "{create}; the manager may have stored the rule anyway, and the search for it by \
             name failed as well: {}; check for a rule named {name:?} and import it if it \
             exists",
            search.with_causes()
        ),
    }
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
///
/// A trailing period is removed, because the message is embedded in longer text.
pub(crate) fn error_message(body: &str, reason: Option<&str>) -> String {
    let message = select_message(body, reason);
    match message.strip_suffix('.') {
        Some(stripped) if !stripped.ends_with('.') => stripped.trim_end().to_string(),
        _ => message,
    }
}

fn select_message(body: &str, reason: Option<&str>) -> String {
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
        // The marker ends without a period, so text appended after it never reads "....".
        Some((cut, _)) => format!("{} [...]", &text[..cut]),
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
            (
                "trailing period",
                r#"{"message":"Invalid API key."}"#,
                None,
                "Invalid API key".into(),
            ),
            (
                "ellipsis kept",
                r#"{"message":"wait..."}"#,
                None,
                "wait...".into(),
            ),
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
                format!("{} [...]", "x".repeat(300)),
            ),
            (
                "multibyte cut",
                &"é".repeat(301),
                None,
                format!("{} [...]", "é".repeat(300)),
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
