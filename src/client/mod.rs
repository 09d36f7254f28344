//! REST client for the Trend Micro Workload Security / Deep Security Manager API v1, limited
//! to Integrity Monitoring.
//!
//! | File | Concept |
//! | --- | --- |
//! | `mod.rs` | [`Client`] and the request loop (headers, timeout, retries, logging) |
//! | `config.rs` | [`ClientConfig`], [`ApiKey`], [`AuthHeader`], TLS set-up |
//! | `error.rs` | [`Error`] and reading the API's error message |
//! | `models.rs` | typed request and response bodies with the exact wire names |
//! | `lenient.rs` | tolerant decoding of loose response shapes |
//! | `rules.rs` | Integrity Monitoring rules, including recovery of ambiguous creates |
//! | `policies.rs` | a policy's IM state, IM settings and rule assignments |
//! | `retry.rs` | backoff delays and which failures are retried |
//!
//! Every request carries `api-version: v1`, JSON `Accept`/`Content-Type`, the authentication
//! header and a `User-Agent`. Requests that are safe to repeat are retried on HTTP 429, 502, 503,
//! 504, timeouts and connection errors; creates are handled separately in `rules.rs`.

mod config;
mod created;
mod error;
pub mod lenient;
pub mod models;
mod policies;
mod retry;
mod rules;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde_json::Value;
use tracing::{debug, warn};

pub use config::{ApiKey, AuthHeader, ClientConfig};
pub use error::Error;
pub use lenient::DecodeError;
pub use models::{
    Assignments, ImRule, ModuleStatus, NotImSetting, PolicyIm, PolicyImExtension, PolicyImModify,
    RuleIds, SearchCriteria, SearchFilter, SettingValue,
};
pub use retry::RetryPolicy;

use error::error_message;

/// A Workload Security API client; cheap to clone, and clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// The path of `base_url`, such as `/api`, shown in front of each request path in errors
    /// and logs so that a wrong or missing base path is visible.
    base_path: String,
    request_timeout: Duration,
    retry: RetryPolicy,
}

/// One API request, built once and sent on each attempt.
#[derive(Debug)]
pub(crate) struct Request {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
}

impl Request {
    pub(crate) fn new(method: Method, path: impl Into<String>) -> Request {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    /// Adds the `overrides` query parameter.
    pub(crate) fn overrides(mut self, overrides: bool) -> Request {
        self.query.push(("overrides", overrides.to_string()));
        self
    }

    /// Sets the JSON body.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Request, Error> {
        let bytes = serde_json::to_vec(body).map_err(|error| {
            Error::InvalidRequest(format!("body could not be encoded: {error}"))
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Returns the path with its query string, as errors and logs show it.
    fn display_path(&self) -> String {
        let mut text = self.path.clone();
        for (index, (name, value)) in self.query.iter().enumerate() {
            text.push(if index == 0 { '?' } else { '&' });
            text.push_str(&format!("{name}={value}"));
        }
        text
    }
}

/// A failed attempt, classified for the retry decision.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The attempt may be repeated. `ambiguous` is true when the server may have applied it.
    Transient {
        error: Error,
        ambiguous: bool,
        retry_after: Option<Duration>,
    },
    /// Repeating the attempt would not help.
    Final(Error),
}

impl Client {
    /// Creates a client from `config`.
    ///
    /// # Errors
    ///
    /// Returns [`Error::Config`] for an invalid base URL, API key, timeout or CA certificate PEM.
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        let base_url = config.normalized_base_url()?;
        let base_path = reqwest::Url::parse(&base_url)
            .map(|url| url.path().trim_end_matches('/').to_string())
            .map_err(|error| Error::Config(format!("base URL {base_url:?} is invalid: {error}")))?;
        let http = config.build_http()?;
        let retry = RetryPolicy {
            max_retries: config.max_retries,
            base_delay: config.retry_base_delay,
            max_delay: config.retry_max_delay,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                base_path,
                request_timeout: config.request_timeout,
                retry,
            }),
        })
    }

    /// Returns the Cloud One Workload Security base URL of `region`, such as `us-1`.
    pub fn cloud_one_url(region: &str) -> String {
        format!(
            "https://workload.{}.cloudone.trendmicro.com/api",
            region.trim()
        )
    }

    /// Returns the base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Returns the time limit of one request attempt.
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// Returns the path of `request` as sent, including the base URL's path and the query.
    pub(crate) fn full_path(&self, request: &Request) -> String {
        format!("{}{}", self.inner.base_path, request.display_path())
    }

    /// Sends a request that is safe to repeat, retrying transient failures.
    pub(crate) async fn execute(&self, request: &Request) -> Result<Value, Error> {
        let mut retry = 0;
        loop {
            match self.attempt(request, retry + 1).await {
                Ok(body) => return Ok(body),
                Err(Failure::Final(error)) => return Err(error),
                Err(Failure::Transient {
                    error, retry_after, ..
                }) => {
                    if retry >= self.inner.retry.max_retries {
                        return Err(error);
                    }
                    self.pause_before_retry(request, retry, retry_after, &error)
                        .await;
                    retry += 1;
                }
            }
        }
    }

    /// Reports whether another retry is allowed after `retry` retries.
    pub(crate) fn may_retry(&self, retry: u32) -> bool {
        retry < self.inner.retry.max_retries
    }

    /// Returns the jittered backoff delay before retry number `retry`.
    pub(crate) fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        self.inner.retry.jittered_delay(retry, retry_after)
    }

    /// Logs the retry and sleeps for the backoff delay before retry number `retry`.
    pub(crate) async fn pause_before_retry(
        &self,
        request: &Request,
        retry: u32,
        retry_after: Option<Duration>,
        reason: &Error,
    ) {
        let delay = self.backoff(retry, retry_after);
        warn!(
            method = %request.method,
            path = %self.full_path(request),
            retry = retry + 1,
            max_retries = self.inner.retry.max_retries,
            delay_ms = delay.as_millis() as u64,
            reason = %reason,
            "retrying api request"
        );
        tokio::time::sleep(delay).await;
    }

    /// Sends one attempt of `request` and decodes the JSON body of a success (`Null` if empty).
    pub(crate) async fn attempt(&self, request: &Request, attempt: u32) -> Result<Value, Failure> {
        let url = format!("{}{}", self.inner.base_url, request.path);
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url)
            .query(&request.query);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }

        let started = Instant::now();
        let outcome = match builder.send().await {
            Ok(response) => {
                let status = response.status();
                let retry_after = retry::retry_after(response.headers());
                response
                    .text()
                    .await
                    .map(|text| (status, retry_after, text))
            }
            Err(error) => Err(error),
        };
        let duration_ms = started.elapsed().as_millis() as u64;
        let retry = attempt - 1;

        let (status, retry_after, text) = match outcome {
            Ok(parts) => parts,
            Err(error) => {
                debug!(method = %request.method, path = %self.full_path(request), duration_ms, retry,
                    error = %error, "api request failed without a response");
                return Err(self.transport_failure(request, attempt, error));
            }
        };
        debug!(method = %request.method, path = %self.full_path(request), status = status.as_u16(),
            duration_ms, retry, "api request completed");

        if status.is_success() {
            return parse_body(&text).map_err(|detail| {
                Failure::Final(self.decode_error(request, DecodeError::document(detail)))
            });
        }
        Err(self.status_failure(request, attempt, status, retry_after, &text))
    }

    fn transport_failure(
        &self,
        request: &Request,
        attempts: u32,
        error: reqwest::Error,
    ) -> Failure {
        let method = request.method.clone();
        let path = self.full_path(request);
        if error.is_timeout() {
            let error = Error::Timeout {
                method,
                path,
                after: self.inner.request_timeout,
                attempts,
            };
            return transient(error, true, None);
        }
        if is_tls_error(&error) {
            return Failure::Final(Error::Tls {
                method,
                path,
                source: error,
            });
        }
        // A connect error means nothing was sent, so it is not ambiguous. It is still retried
        // because a manager that is restarting refuses connections for a while.
        if error.is_connect() {
            let error = Error::Connect {
                method,
                path,
                endpoint: self.inner.base_url.clone(),
                attempts,
                source: error,
            };
            return transient(error, false, None);
        }
        // Any other transport error may have come after the server received the request.
        let error = Error::Connection {
            method,
            path,
            attempts,
            source: error,
        };
        transient(error, true, None)
    }

    fn status_failure(
        &self,
        request: &Request,
        attempts: u32,
        status: StatusCode,
        retry_after: Option<Duration>,
        body: &str,
    ) -> Failure {
        let method = request.method.clone();
        let path = self.full_path(request);
        let message = error_message(body, status.canonical_reason());
        match status.as_u16() {
            404 => Failure::Final(Error::NotFound {
                method,
                path,
                message,
            }),
            // A 403 also rejects actions the key may never take, such as changing a rule
            // issued by Trend Micro, and then the API key is not the problem.
            403 if !is_about_authorization(&message) => Failure::Final(Error::Api {
                method,
                path,
                status: 403,
                message,
            }),
            401 | 403 => Failure::Final(Error::Unauthorized {
                method,
                path,
                status: status.as_u16(),
                message,
            }),
            429 => {
                let error = Error::RateLimited {
                    method,
                    path,
                    attempts,
                    message,
                };
                transient(error, false, retry_after)
            }
            code => {
                let error = Error::Api {
                    method,
                    path,
                    status: code,
                    message,
                };
                if retry::is_retryable_status(status) {
                    transient(error, retry::is_ambiguous_status(status), retry_after)
                } else {
                    Failure::Final(error)
                }
            }
        }
    }
}

fn transient(error: Error, ambiguous: bool, retry_after: Option<Duration>) -> Failure {
    Failure::Transient {
        error,
        ambiguous,
        retry_after,
    }
}

/// Parses a success body; an empty body (such as a delete's) reads as `Null`.
fn parse_body(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    // The serde message gives line and column only, never the body, so it is safe to show.
    serde_json::from_str(text).map_err(|error| format!("body is not valid JSON: {error}"))
}

impl Client {
    /// Wraps a decoding failure of `request`'s response.
    pub(crate) fn decode_error(&self, request: &Request, error: DecodeError) -> Error {
        Error::Decode {
            method: request.method.clone(),
            path: self.full_path(request),
            field: error.field,
            detail: error.detail,
        }
    }
}

/// Reports whether the message of a 403 is about the API key or its rights, rather than about
/// an action that no key may take.
fn is_about_authorization(message: &str) -> bool {
    const TERMS: &[&str] = &[
        "auth",
        "api key",
        "api-key",
        "apikey",
        "secret key",
        "credential",
        "access denied",
        "role",
        "forbidden",
    ];
    let message = message.to_lowercase();
    TERMS.iter().any(|term| message.contains(term))
}

/// Reports whether a transport error came from TLS (for example an untrusted certificate),
/// which no retry can fix.
fn is_tls_error(error: &reqwest::Error) -> bool {
    chain_has_tls_error(error)
}

fn chain_has_tls_error(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    // `io::Error::source` skips the error it wraps, and the connector nests `io::Error`s, so
    // each wrapped error is searched explicitly.
    if let Some(io) = error.downcast_ref::<std::io::Error>() {
        if let Some(inner) = io.get_ref() {
            if chain_has_tls_error(inner) {
                return true;
            }
        }
    }
    error.source().is_some_and(chain_has_tls_error)
}

/// Percent-encodes one path segment, such as a setting name taken from configuration.
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_send_sync_clone() {
        fn assert_shareable<T: Send + Sync + Clone + 'static>() {}
        assert_shareable::<Client>();
    }

    #[test]
    fn cloud_one_url_uses_region() {
        assert_eq!(
            Client::cloud_one_url("us-1"),
            "https://workload.us-1.cloudone.trendmicro.com/api"
        );
        assert_eq!(
            Client::cloud_one_url(" de-1 "),
            "https://workload.de-1.cloudone.trendmicro.com/api"
        );
    }

    #[test]
    fn display_path_appends_query() {
        let request = Request::new(Method::GET, "/policies/3").overrides(true);
        assert_eq!(request.display_path(), "/policies/3?overrides=true");
        assert_eq!(Request::new(Method::GET, "/x").display_path(), "/x");
    }

    #[test]
    fn encode_segment_escapes_reserved() {
        let cases = [
            (
                "integrityMonitoringSettingCpuUsageLevel",
                "integrityMonitoringSettingCpuUsageLevel",
            ),
            ("a/b", "a%2Fb"),
            ("a b?c", "a%20b%3Fc"),
            ("é", "%C3%A9"),
        ];
        for (input, want) in cases {
            assert_eq!(encode_segment(input), want, "input {input}");
        }
    }

    #[test]
    fn parse_body_accepts_empty() {
        assert_eq!(parse_body(""), Ok(Value::Null));
        assert_eq!(parse_body(" \n"), Ok(Value::Null));
        assert_eq!(parse_body("{\"a\":1}"), Ok(serde_json::json!({"a": 1})));
        let error = parse_body("<html>").expect_err("html is not JSON");
        assert!(error.starts_with("body is not valid JSON"), "{error}");
    }
}
