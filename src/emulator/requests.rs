//! The log of `/api` requests that tests and benchmarks read back.

use serde::Serialize;
use serde_json::Value;

/// One `/api` request as the emulator saw it. Headers, and so API keys, are never recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    /// The HTTP method, such as `POST`.
    pub method: String,
    /// The full URL path, such as `/api/policies/1`.
    pub path: String,
    /// The raw query string without the `?`, if the request had one.
    pub query: Option<String>,
    /// The response status, or `None` when the connection was dropped before a response.
    pub status: Option<u16>,
    /// The request body: parsed JSON, a JSON string holding text that did not parse, or `None`
    /// for an empty body.
    pub body: Option<Value>,
}

impl RequestRecord {
    /// Reports whether the request had this method and this full path.
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }
}
