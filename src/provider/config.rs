//! Reading the provider block and the environment into a client
//! configuration, with validation that reports every problem at once.

use std::time::Duration;

use crate::client::{ApiKey, AuthHeader, Client, ClientConfig};
use crate::protocol::value::Value;
use crate::protocol::{Diagnostic, Diagnostics};

use super::{ENV_API_KEY, ENV_ENDPOINT, ENV_INSECURE, ENV_REGION};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_MAX_RETRIES: u32 = 8;

/// The maximum request timeout. A longer one is almost certainly a
/// typing error, and one day is far beyond any response time of the API.
const MAX_REQUEST_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// The outcome of reading the provider block and the environment.
#[derive(Debug)]
pub enum Resolved {
    /// Everything is known and valid.
    Ready(Box<ClientConfig>),
    /// This attribute is unknown until apply.
    Unknown(String),
    /// The configuration has errors.
    Invalid(Diagnostics),
}

/// Checks the provider block without the environment, for
/// ValidateProviderConfig: unknown values are skipped and every problem is
/// reported.
pub fn validate_provider_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let known_string = |name: &str| {
        config
            .attr(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    if known_string("endpoint").is_some() && known_string("region").is_some() {
        diagnostics.push(
            Diagnostic::error(
                "Conflicting provider attributes",
                "Both `endpoint` and `region` are set. Set `endpoint` for a Deep Security \
                 Manager or a custom URL, or `region` for Cloud One, not both.",
            )
            .at_attribute("region"),
        );
    }
    if let Some(endpoint) = known_string("endpoint") {
        if let Err(detail) = check_endpoint(&endpoint) {
            diagnostics
                .push(Diagnostic::error("Invalid endpoint", detail).at_attribute("endpoint"));
        }
    }
    if let Some(header) = known_string("api_key_header") {
        if parse_auth_header(&header).is_none() {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid api_key_header",
                    format!(
                        "`api_key_header` is {header:?}; the allowed values are \
                         \"authorization\" and \"api-secret-key\"."
                    ),
                )
                .at_attribute("api_key_header"),
            );
        }
    }
    if let Some(timeout) = known_string("request_timeout") {
        if let Err(detail) = parse_duration(&timeout) {
            diagnostics.push(
                Diagnostic::error("Invalid request_timeout", detail)
                    .at_attribute("request_timeout"),
            );
        }
    }
    if let Some(retries) = config.attr("max_retries").and_then(Value::as_number) {
        if retries.as_i64().is_none_or(|n| !(0..=100).contains(&n)) {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid max_retries",
                    format!("`max_retries` is {retries}; use a whole number from 0 to 100."),
                )
                .at_attribute("max_retries"),
            );
        }
    }
    diagnostics
}

/// Combines the provider block with the environment into a client
/// configuration. Attributes win over environment variables.
pub fn resolve_client_config(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
    terraform_version: &str,
) -> Resolved {
    let mut diagnostics = validate_provider_config(config);
    for name in [
        "endpoint",
        "region",
        "api_key",
        "api_key_header",
        "insecure",
        "ca_certificate",
        "request_timeout",
        "max_retries",
    ] {
        if config.attr(name).is_some_and(|v| !v.is_wholly_known()) {
            return Resolved::Unknown(name.to_string());
        }
    }
    if diagnostics.has_errors() {
        return Resolved::Invalid(diagnostics);
    }

    let string_or_env = |name: &str, variable: &str| {
        config
            .attr(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| env(variable))
    };
    let endpoint = string_or_env("endpoint", ENV_ENDPOINT);
    let region = string_or_env("region", ENV_REGION);
    let base_url = match (endpoint, region) {
        (Some(_), Some(_)) => {
            diagnostics.push(Diagnostic::error(
                "Conflicting provider settings",
                format!(
                    "Both an endpoint and a region are set (through the provider block or \
                     {ENV_ENDPOINT} and {ENV_REGION}). Set only one of them."
                ),
            ));
            return Resolved::Invalid(diagnostics);
        }
        (Some(endpoint), None) => {
            if let Err(detail) = check_endpoint(&endpoint) {
                diagnostics.push(Diagnostic::error("Invalid endpoint", detail));
                return Resolved::Invalid(diagnostics);
            }
            endpoint.trim_end_matches('/').to_string()
        }
        (None, Some(region)) => Client::cloud_one_url(&region),
        (None, None) => {
            diagnostics.push(Diagnostic::error(
                "Missing API endpoint",
                format!(
                    "Set `endpoint` (for a Deep Security Manager, `https://HOST:4119/api`) or \
                     `region` (for Cloud One, such as `us-1`) in the provider block, or the \
                     environment variable {ENV_ENDPOINT} or {ENV_REGION}."
                ),
            ));
            return Resolved::Invalid(diagnostics);
        }
    };
    let Some(api_key) = string_or_env("api_key", ENV_API_KEY) else {
        diagnostics.push(
            Diagnostic::error(
                "Missing API key",
                format!(
                    "Set `api_key` in the provider block or the environment variable \
                     {ENV_API_KEY} to a Workload Security API key."
                ),
            )
            .at_attribute("api_key"),
        );
        return Resolved::Invalid(diagnostics);
    };
    let auth_header = match config.attr("api_key_header").and_then(Value::as_str) {
        Some(header) => parse_auth_header(header).unwrap_or(AuthHeader::ApiSecretKey),
        None => AuthHeader::for_url(&base_url),
    };
    let insecure = match config.attr("insecure").and_then(Value::as_bool) {
        Some(insecure) => insecure,
        None => match env(ENV_INSECURE) {
            None => false,
            Some(text) => match text.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    diagnostics.push(Diagnostic::error(
                        "Invalid WORKLOAD_SECURITY_INSECURE",
                        format!("{ENV_INSECURE} is {text:?}; use \"true\" or \"false\"."),
                    ));
                    return Resolved::Invalid(diagnostics);
                }
            },
        },
    };
    let request_timeout = config
        .attr("request_timeout")
        .and_then(Value::as_str)
        .and_then(|text| parse_duration(text).ok())
        .unwrap_or(DEFAULT_TIMEOUT);
    let max_retries = config
        .attr("max_retries")
        .and_then(Value::as_number)
        .and_then(|n| n.as_i64())
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_MAX_RETRIES);

    let mut client_config = ClientConfig::new(base_url, ApiKey::new(api_key));
    client_config.auth_header = auth_header;
    client_config.insecure = insecure;
    client_config.ca_certificate_pem = config
        .attr("ca_certificate")
        .and_then(Value::as_str)
        .map(str::to_string);
    client_config.request_timeout = request_timeout;
    client_config.max_retries = max_retries;
    client_config.user_agent = format!(
        "terraform-provider-workload/{} (Terraform {terraform_version})",
        env!("CARGO_PKG_VERSION")
    );
    Resolved::Ready(Box::new(client_config))
}

fn check_endpoint(endpoint: &str) -> Result<(), String> {
    let lower = endpoint.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(format!(
            "The endpoint {endpoint:?} is not an http:// or https:// URL. Use the API base URL \
             including `/api`, such as `https://dsm.example.com:4119/api`."
        ));
    }
    Ok(())
}

fn parse_auth_header(text: &str) -> Option<AuthHeader> {
    match text {
        "authorization" => Some(AuthHeader::Authorization),
        "api-secret-key" => Some(AuthHeader::ApiSecretKey),
        _ => None,
    }
}

/// Parses a duration such as `"60s"`, `"1m30s"`, `"500ms"` or `"2h"`.
///
/// # Errors
///
/// Returns a message naming the text when it is not such a duration, is
/// zero, or is longer than 24 hours.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || {
        format!(
            "{text:?} is not a duration. Write a number followed by a unit (ms, s, m or h), \
             such as \"60s\" or \"1m30s\"."
        )
    };
    let too_long = || {
        format!(
            "{text:?} is longer than the maximum of 24h; use a shorter duration such as \"60s\"."
        )
    };
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total = Duration::ZERO;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(invalid)?;
        let amount: f64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        rest = &rest[unit_len..];
        let part =
            Duration::try_from_secs_f64(amount * seconds_per_unit).map_err(|_| too_long())?;
        total = total.checked_add(part).ok_or_else(too_long)?;
    }
    if total > MAX_REQUEST_TIMEOUT {
        return Err(too_long());
    }
    if total.is_zero() {
        return Err(format!(
            "{text:?} is zero; use a positive duration such as \"60s\"."
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{provider_schema, ProviderContext};

    #[test]
    fn parse_duration_cases() {
        let cases = [
            ("seconds", "60s", Some(Duration::from_secs(60))),
            (
                "minutes and seconds",
                "1m30s",
                Some(Duration::from_secs(90)),
            ),
            ("milliseconds", "500ms", Some(Duration::from_millis(500))),
            ("hours", "2h", Some(Duration::from_secs(7200))),
            ("no unit", "60", None),
            ("unknown unit", "5d", None),
            ("empty", "", None),
            ("zero", "0s", None),
            ("beyond duration range", "9999999999999999h", None),
            ("huge seconds", "99999999999999999999999s", None),
            (
                "sum overflows",
                "10000000000000000000s10000000000000000000s",
                None,
            ),
            ("over one day", "25h", None),
            ("one day", "24h", Some(Duration::from_secs(86_400))),
        ];
        for (name, text, expected) in cases {
            assert_eq!(parse_duration(text).ok(), expected, "case {name}");
        }
    }

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut attributes: std::collections::BTreeMap<String, Value> = provider_schema()
            .block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null))
            .collect();
        for (name, value) in pairs {
            attributes.insert((*name).to_string(), value.clone());
        }
        Value::Object(attributes)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn summaries(resolved: &Resolved) -> Vec<String> {
        match resolved {
            Resolved::Invalid(diagnostics) => {
                diagnostics.iter().map(|d| d.summary.clone()).collect()
            }
            _ => vec![],
        }
    }

    #[test]
    fn resolve_endpoint_and_key() {
        let resolved = resolve_client_config(
            &config(&[
                (
                    "endpoint",
                    Value::string("https://dsm.example.com:4119/api/"),
                ),
                ("api_key", Value::string("key")),
                ("request_timeout", Value::string("90s")),
                ("max_retries", Value::number_i64(2)),
            ]),
            &no_env,
            "1.15.0",
        );
        let Resolved::Ready(client) = resolved else {
            panic!("expected a client configuration, got {resolved:?}");
        };
        assert_eq!(client.base_url, "https://dsm.example.com:4119/api");
        assert_eq!(client.auth_header, AuthHeader::ApiSecretKey);
        assert_eq!(client.request_timeout, Duration::from_secs(90));
        assert_eq!(client.max_retries, 2);
        assert!(!client.insecure);
    }

    #[test]
    fn resolve_region_uses_authorization_header() {
        let resolved = resolve_client_config(
            &config(&[
                ("region", Value::string("de-1")),
                ("api_key", Value::string("key")),
            ]),
            &no_env,
            "1.15.0",
        );
        let Resolved::Ready(client) = resolved else {
            panic!("expected a client configuration, got {resolved:?}");
        };
        assert_eq!(
            client.base_url,
            "https://workload.de-1.cloudone.trendmicro.com/api"
        );
        assert_eq!(client.auth_header, AuthHeader::Authorization);
    }

    #[test]
    fn resolve_attribute_wins_over_env() {
        let env = |name: &str| match name {
            ENV_ENDPOINT => Some("http://from-env.example/api".to_string()),
            ENV_API_KEY => Some("env-key".to_string()),
            ENV_INSECURE => Some("true".to_string()),
            _ => None,
        };
        let resolved = resolve_client_config(
            &config(&[("endpoint", Value::string("http://from-config.example/api"))]),
            &env,
            "1.15.0",
        );
        let Resolved::Ready(client) = resolved else {
            panic!("expected a client configuration, got {resolved:?}");
        };
        assert_eq!(client.base_url, "http://from-config.example/api");
        assert_eq!(client.api_key.expose(), "env-key");
        assert!(client.insecure);
    }

    #[test]
    fn resolve_reports_missing_settings() {
        let cases = [
            (
                "no endpoint",
                config(&[("api_key", Value::string("k"))]),
                "Missing API endpoint",
            ),
            (
                "no key",
                config(&[("endpoint", Value::string("http://x/api"))]),
                "Missing API key",
            ),
            (
                "both endpoint and region",
                config(&[
                    ("endpoint", Value::string("http://x/api")),
                    ("region", Value::string("us-1")),
                    ("api_key", Value::string("k")),
                ]),
                "Conflicting provider attributes",
            ),
            (
                "bad header",
                config(&[
                    ("endpoint", Value::string("http://x/api")),
                    ("api_key", Value::string("k")),
                    ("api_key_header", Value::string("x-api-key")),
                ]),
                "Invalid api_key_header",
            ),
        ];
        for (name, value, expected) in cases {
            let resolved = resolve_client_config(&value, &no_env, "1.0.3");
            assert!(
                summaries(&resolved).iter().any(|s| s == expected),
                "case {name}: expected {expected:?} in {resolved:?}"
            );
        }
    }

    #[test]
    fn resolve_unknown_value_defers() {
        let resolved = resolve_client_config(
            &config(&[
                ("endpoint", Value::Unknown),
                ("api_key", Value::string("k")),
            ]),
            &no_env,
            "1.15.0",
        );
        assert!(
            matches!(&resolved, Resolved::Unknown(name) if name == "endpoint"),
            "got {resolved:?}"
        );
    }

    #[test]
    fn client_reports_unknown_configuration() {
        let context = ProviderContext::new();
        let diagnostics = context.configure(&config(&[("api_key", Value::Unknown)]), "1.15.0");
        assert!(
            diagnostics.is_empty(),
            "configure itself succeeds: {diagnostics:?}"
        );
        let error = context
            .client()
            .expect_err("no client while a value is unknown");
        assert_eq!(error.summary, "Provider configuration is not known yet");
        assert!(error.detail.contains("`api_key`"));
    }

    #[test]
    fn validate_skips_unknown_values() {
        let diagnostics = validate_provider_config(&config(&[
            ("endpoint", Value::Unknown),
            ("region", Value::string("us-1")),
            ("request_timeout", Value::Unknown),
        ]));
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    }
}
