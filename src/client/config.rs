//! Client configuration: base URL, API key, authentication header, TLS and retry settings.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Url;

use super::Error;

/// Placeholder printed in place of the API key.
const REDACTED: &str = "<redacted>";

/// An API key whose `Debug` and `Display` print a placeholder, so that logging a configuration
/// or an error can never reveal it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// Returns the key itself; meant only for building the authentication header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// The header that carries the API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthHeader {
    /// `Authorization: ApiKey KEY`, used by Cloud One Workload Security.
    Authorization,
    /// `api-secret-key: KEY`, used by Deep Security Manager and legacy Cloud One keys.
    ApiSecretKey,
}

impl AuthHeader {
    /// Picks the usual header for a base URL: `Authorization` for Cloud One hosts
    /// (`*.cloudone.trendmicro.com`), `api-secret-key` for everything else.
    pub fn for_url(base_url: &str) -> AuthHeader {
        let host = Url::parse(base_url)
            .ok()
            .and_then(|url| url.host_str().map(str::to_ascii_lowercase));
        match host {
            Some(host) if host.ends_with(".cloudone.trendmicro.com") => AuthHeader::Authorization,
            _ => AuthHeader::ApiSecretKey,
        }
    }
}

/// Settings for [`super::Client::new`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL ending with `/api`, such as `https://dsm.example.com:4119/api`; a trailing slash
    /// is allowed.
    pub base_url: String,
    /// The API key.
    pub api_key: ApiKey,
    /// The header that carries the key.
    pub auth_header: AuthHeader,
    /// Time allowed for each attempt, from sending the request to reading the whole response.
    pub request_timeout: Duration,
    /// Retries allowed after the first attempt of a request that may be repeated.
    pub max_retries: u32,
    /// Delay before the first retry, doubled for each further retry (before jitter).
    pub retry_base_delay: Duration,
    /// Upper bound for a retry delay, including one asked for by `Retry-After`.
    pub retry_max_delay: Duration,
    /// PEM bundle of CA certificates trusted in addition to the system and built-in roots.
    pub ca_certificate_pem: Option<String>,
    /// Disables TLS certificate verification, for a manager with a self-signed certificate.
    pub insecure: bool,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl ClientConfig {
    /// Creates a configuration with the defaults: the header chosen by [`AuthHeader::for_url`],
    /// a 60 s timeout, 8 retries starting at 1 s and capped at 30 s, and TLS verification on.
    pub fn new(base_url: impl Into<String>, api_key: ApiKey) -> ClientConfig {
        let base_url = base_url.into();
        ClientConfig {
            auth_header: AuthHeader::for_url(&base_url),
            base_url,
            api_key,
            request_timeout: Duration::from_secs(60),
            max_retries: 8,
            retry_base_delay: Duration::from_secs(1),
            retry_max_delay: Duration::from_secs(30),
            ca_certificate_pem: None,
            insecure: false,
            user_agent: format!("terraform-provider-workload/{}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// Checks the base URL and returns it without a trailing slash.
    pub(super) fn normalized_base_url(&self) -> Result<String, Error> {
        let url = Url::parse(self.base_url.trim()).map_err(|error| {
            Error::Config(format!("base URL {:?} is invalid: {error}", self.base_url))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(format!(
                "base URL {:?} must use http or https",
                self.base_url
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Config(format!(
                "base URL {:?} must not contain a query or fragment",
                self.base_url
            )));
        }
        Ok(url.as_str().trim_end_matches('/').to_string())
    }

    /// Builds the headers sent with every request, the authentication header marked sensitive.
    pub(super) fn default_headers(&self) -> Result<HeaderMap, Error> {
        let (name, text) = match self.auth_header {
            AuthHeader::Authorization => {
                (AUTHORIZATION, format!("ApiKey {}", self.api_key.expose()))
            }
            AuthHeader::ApiSecretKey => (
                HeaderName::from_static("api-secret-key"),
                self.api_key.expose().to_string(),
            ),
        };
        if self.api_key.expose().trim().is_empty() {
            return Err(Error::Config("the API key is empty".to_string()));
        }
        // The error from `from_str` is not shown because it could echo part of the key.
        let mut auth = HeaderValue::from_str(&text).map_err(|_| {
            Error::Config("the API key contains characters not allowed in an HTTP header".into())
        })?;
        auth.set_sensitive(true);

        let json = HeaderValue::from_static("application/json");
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("api-version"),
            HeaderValue::from_static("v1"),
        );
        headers.insert(ACCEPT, json.clone());
        headers.insert(CONTENT_TYPE, json);
        headers.insert(name, auth);
        Ok(headers)
    }

    /// Builds the HTTP client with these TLS, timeout and header settings.
    pub(super) fn build_http(&self) -> Result<reqwest::Client, Error> {
        if self.request_timeout.is_zero() {
            return Err(Error::Config(
                "the request timeout must be above zero".into(),
            ));
        }
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .default_headers(self.default_headers()?)
            .user_agent(self.user_agent.clone())
            .timeout(self.request_timeout)
            .danger_accept_invalid_certs(self.insecure);
        if let Some(pem) = &self.ca_certificate_pem {
            let certificates =
                reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|error| {
                    Error::Config(format!("CA certificate PEM is invalid: {error}"))
                })?;
            if certificates.is_empty() {
                return Err(Error::Config(
                    "CA certificate PEM contains no certificate".into(),
                ));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        builder
            .build()
            .map_err(|error| Error::Config(format!("HTTP client could not be built: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_prints_placeholder() {
        let key = ApiKey::new("2:SECRETKEYVALUE");
        assert_eq!(format!("{key}"), "<redacted>");
        assert_eq!(format!("{key:?}"), "<redacted>");
        assert_eq!(key.expose(), "2:SECRETKEYVALUE");
        let config = ClientConfig::new("https://dsm.example.com:4119/api", key);
        assert!(!format!("{config:?}").contains("SECRETKEYVALUE"));
    }

    #[test]
    fn auth_header_follows_host() {
        let cases = [
            (
                "https://workload.us-1.cloudone.trendmicro.com/api",
                AuthHeader::Authorization,
            ),
            (
                "https://WORKLOAD.DE-1.CLOUDONE.TRENDMICRO.COM/api",
                AuthHeader::Authorization,
            ),
            ("https://dsm.example.com:4119/api", AuthHeader::ApiSecretKey),
            (
                "https://cloudone.trendmicro.com.evil.test/api",
                AuthHeader::ApiSecretKey,
            ),
            ("not a url", AuthHeader::ApiSecretKey),
        ];
        for (url, want) in cases {
            assert_eq!(AuthHeader::for_url(url), want, "url {url}");
        }
    }

    #[test]
    fn base_url_normalised_or_rejected() {
        let cases = [
            (
                "https://dsm.example.com:4119/api",
                Ok("https://dsm.example.com:4119/api"),
            ),
            (
                "https://dsm.example.com:4119/api/",
                Ok("https://dsm.example.com:4119/api"),
            ),
            (" http://127.0.0.1:9/api ", Ok("http://127.0.0.1:9/api")),
            ("ftp://dsm.example.com/api", Err("must use http or https")),
            ("dsm.example.com/api", Err("is invalid")),
            (
                "https://dsm.example.com/api?x=1",
                Err("must not contain a query"),
            ),
        ];
        for (input, want) in cases {
            let config = ClientConfig::new(input, ApiKey::new("k"));
            match (config.normalized_base_url(), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "url {input}"),
                (Err(error), Err(fragment)) => {
                    assert!(error.to_string().contains(fragment), "url {input}: {error}")
                }
                (got, want) => panic!("url {input}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn default_headers_carry_auth_and_version() {
        let mut config = ClientConfig::new("https://dsm.example.com/api", ApiKey::new("k1"));
        config.auth_header = AuthHeader::Authorization;
        let headers = config
            .default_headers()
            .expect("key is a valid header value");
        assert_eq!(headers["authorization"], "ApiKey k1");
        assert!(headers["authorization"].is_sensitive());
        assert_eq!(headers["api-version"], "v1");
        assert_eq!(headers["accept"], "application/json");
        assert_eq!(headers["content-type"], "application/json");

        config.auth_header = AuthHeader::ApiSecretKey;
        let headers = config
            .default_headers()
            .expect("key is a valid header value");
        assert_eq!(headers["api-secret-key"], "k1");
        assert!(!headers.contains_key("authorization"));
    }

    #[test]
    fn bad_key_or_pem_rejected() {
        let config = ClientConfig::new("https://dsm.example.com/api", ApiKey::new("a\nSECRET"));
        let error = config
            .default_headers()
            .expect_err("newline is not allowed");
        assert!(matches!(error, Error::Config(_)));
        assert!(!error.to_string().contains("SECRET"));

        let empty = ClientConfig::new("https://dsm.example.com/api", ApiKey::new(" "));
        assert!(matches!(empty.default_headers(), Err(Error::Config(_))));

        let mut config = ClientConfig::new("https://dsm.example.com/api", ApiKey::new("k"));
        config.ca_certificate_pem = Some("not a certificate".into());
        assert!(matches!(config.build_http(), Err(Error::Config(_))));

        config.ca_certificate_pem = None;
        config.request_timeout = Duration::ZERO;
        assert!(matches!(config.build_http(), Err(Error::Config(_))));
    }
}
