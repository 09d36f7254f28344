//! The `provider "workload"` block: its schema, its validation, and the
//! configured API client that resources use.

mod config;

pub use config::{parse_duration, resolve_client_config, validate_provider_config, Resolved};

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use tokio_util::sync::CancellationToken;

use crate::client::Client;
use crate::protocol::schema::{Attribute, Block, Mode, Schema};
use crate::protocol::value::{Type, Value};
use crate::protocol::{Diagnostic, Diagnostics};

/// The provider's source address in the public registry's namespace.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/workload-security/workload";

/// Environment variable for `endpoint`.
pub const ENV_ENDPOINT: &str = "WORKLOAD_SECURITY_ENDPOINT";
/// Environment variable for `region`.
pub const ENV_REGION: &str = "WORKLOAD_SECURITY_REGION";
/// Environment variable for `api_key`.
pub const ENV_API_KEY: &str = "WORKLOAD_SECURITY_API_KEY";
/// Environment variable for `insecure`.
pub const ENV_INSECURE: &str = "WORKLOAD_SECURITY_INSECURE";

/// Returns the schema of the provider block.
pub fn provider_schema() -> Schema {
    let attributes = vec![
        Attribute::new(
            "endpoint",
            Type::String,
            Mode::Optional,
            "The API base URL including `/api`, for a Deep Security Manager \
             (`https://HOST:4119/api`) or any Cloud One URL. Also read from \
             `WORKLOAD_SECURITY_ENDPOINT`. Conflicts with `region`.",
        ),
        Attribute::new(
            "region",
            Type::String,
            Mode::Optional,
            "A Cloud One region such as `us-1`, giving the endpoint \
             `https://workload.REGION.cloudone.trendmicro.com/api`. Also read from \
             `WORKLOAD_SECURITY_REGION`. Conflicts with `endpoint`.",
        ),
        Attribute::new(
            "api_key",
            Type::String,
            Mode::Optional,
            "The API key. Required, here or in `WORKLOAD_SECURITY_API_KEY`.",
        )
        .sensitive(),
        Attribute::new(
            "api_key_header",
            Type::String,
            Mode::Optional,
            "How the key is sent: `authorization` sends `Authorization: ApiKey KEY` (Cloud \
             One), `api-secret-key` sends `api-secret-key: KEY` (Deep Security Manager). \
             Defaults to `authorization` for `region` and for hosts under \
             `cloudone.trendmicro.com`, and to `api-secret-key` otherwise.",
        ),
        Attribute::new(
            "insecure",
            Type::Bool,
            Mode::Optional,
            "Skip TLS certificate verification, for managers with self-signed certificates. \
             Prefer `ca_certificate`. Also read from `WORKLOAD_SECURITY_INSECURE`. \
             Defaults to `false`.",
        ),
        Attribute::new(
            "ca_certificate",
            Type::String,
            Mode::Optional,
            "A PEM bundle of extra certificate authorities to trust, for example the \
             manager's own CA.",
        ),
        Attribute::new(
            "request_timeout",
            Type::String,
            Mode::Optional,
            "How long one HTTP request may take, as a duration such as `\"60s\"` or \
             `\"2m\"`, at most 24 hours. Defaults to `\"60s\"`.",
        ),
        Attribute::new(
            "max_retries",
            Type::Number,
            Mode::Optional,
            "How many times a request is retried after rate limiting (HTTP 429), a \
             gateway error (502, 503, 504) or a connection failure, with capped \
             exponential backoff. Defaults to `8`.",
        ),
    ];
    Schema {
        version: 0,
        block: Block {
            attributes,
            blocks: vec![],
            description: "Manages Integrity Monitoring in Trend Micro Workload Security \
                          (Cloud One) and Deep Security Manager through the REST API v1."
                .to_string(),
            deprecated: false,
        },
    }
}

/// Shared provider state for every resource call of one provider process.
#[derive(Debug)]
pub struct ProviderContext {
    client: RwLock<ClientState>,
    stop: CancellationToken,
    /// Remote objects claimed while planning, by key, with a fingerprint of the claimant.
    plan_claims: Mutex<HashMap<String, String>>,
    /// One write lock per remote object key, created on first use.
    write_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Debug)]
enum ClientState {
    NotConfigured,
    Unknown(String),
    Ready(Client),
}

impl Default for ProviderContext {
    fn default() -> Self {
        ProviderContext::new()
    }
}

impl ProviderContext {
    /// Creates a context with no client yet.
    pub fn new() -> ProviderContext {
        ProviderContext {
            client: RwLock::new(ClientState::NotConfigured),
            stop: CancellationToken::new(),
            plan_claims: Mutex::default(),
            write_locks: Mutex::default(),
        }
    }

    /// Creates a context that uses `client` directly, for tests.
    pub fn with_client(client: Client) -> ProviderContext {
        ProviderContext {
            client: RwLock::new(ClientState::Ready(client)),
            stop: CancellationToken::new(),
            plan_claims: Mutex::default(),
            write_locks: Mutex::default(),
        }
    }

    /// Returns the API client, or a diagnostic that explains why there is none.
    ///
    /// # Errors
    ///
    /// Returns an error diagnostic when the provider block is not configured
    /// yet or depends on values known only after apply.
    pub fn client(&self) -> Result<Client, Diagnostic> {
        let state = self
            .client
            .read()
            .map_err(|_| Diagnostic::provider_bug("Provider state unavailable", "lock poisoned"))?;
        match &*state {
            ClientState::Ready(client) => Ok(client.clone()),
            ClientState::Unknown(attribute) => Err(Diagnostic::error(
                "Provider configuration is not known yet",
                format!(
                    "The provider attribute `{attribute}` depends on a value that is known only \
                     after apply, so the provider cannot call the API in this step. Apply the \
                     resources it depends on first (for example with `terraform apply \
                     -target=...`), or set the value directly."
                ),
            )),
            ClientState::NotConfigured => Err(Diagnostic::provider_bug(
                "Provider not configured",
                "A resource was used before ConfigureProvider was called.",
            )),
        }
    }

    /// Cancelled when Terraform sends StopProvider; long operations select on it.
    pub fn stop_token(&self) -> &CancellationToken {
        &self.stop
    }

    /// Records that a resource planned in this process manages the remote object `key`, and
    /// returns the fingerprint of an earlier, different claimant of the same key.
    ///
    /// Terraform plans every resource instance of a run in one provider process, so two
    /// instances that manage the same object both claim its key. An instance planned twice (as
    /// for a replacement) passes the same `fingerprint` and is not reported.
    pub fn claim_for_plan(&self, key: &str, fingerprint: &str) -> Option<String> {
        let mut claims = self
            .plan_claims
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match claims.get(key) {
            Some(existing) if existing != fingerprint => Some(existing.clone()),
            Some(_) => None,
            None => {
                claims.insert(key.to_string(), fingerprint.to_string());
                None
            }
        }
    }

    /// Waits for and takes the write lock of the remote object `key`, so that writes to one
    /// object from resources applied in parallel do not interleave.
    pub async fn lock_for_write(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self
                .write_locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(locks.entry(key.to_string()).or_default())
        };
        lock.lock_owned().await
    }

    /// Applies a ConfigureProvider request.
    pub fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let new_state = match resolve_client_config(config, &env, terraform_version) {
            Resolved::Ready(client_config) => match Client::new(*client_config) {
                Ok(client) => ClientState::Ready(client),
                Err(err) => {
                    return Diagnostic::error(
                        "Invalid provider configuration",
                        format!("The API client could not be created: {err}."),
                    )
                    .into()
                }
            },
            Resolved::Unknown(attribute) => ClientState::Unknown(attribute),
            Resolved::Invalid(diagnostics) => return diagnostics,
        };
        match self.client.write() {
            Ok(mut state) => *state = new_state,
            Err(_) => {
                return Diagnostic::provider_bug("Provider state unavailable", "lock poisoned")
                    .into()
            }
        }
        Diagnostics::new()
    }
}
