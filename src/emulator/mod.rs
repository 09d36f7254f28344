//! An emulator of the Workload Security REST API v1, limited to what integrity monitoring needs.
//!
//! It serves, under the base path `/api`, the integrity monitoring rule endpoints, policies with
//! the `overrides` views, policy settings and a policy's rule assignments. Paths, status codes,
//! `{"message": ...}` error bodies and server quirks follow a real manager. Among the quirks are
//! server-filled rule defaults, `[""]` for unset string lists, `inherited` accepted but never
//! returned, and ascending rule ID lists. Deleting a rule still assigned to a policy gets 400, a
//! missing or wrong key 401, and a request without an `api-version` header 400.
//!
//! For tests it adds fault injection, out-of-band changes, a request log that never contains
//! headers or keys, an optional per-key rate limit and an optional state file. The same
//! functions are available in process through [`EmulatorHandle`] and over HTTP under
//! `/_emulator/` (see the `control` module's table), which needs no key.
//!
//! | Module | Concept |
//! | --- | --- |
//! | `server` | connections, faults, authentication, rate limit, request log |
//! | `api` | routing of `/api` paths, replies and errors |
//! | `rules`, `search` | integrity monitoring rules and their search |
//! | `policies`, `policy_changes` | policy views and the checked policy modify |
//! | `settings` | setting names, defaults, value checks and the settings endpoints |
//! | `assignments` | a policy's IM rule assignments |
//! | `state`, `seed`, `persist` | stored objects, the seeded start state and the state file |
//! | `control`, `faults`, `requests` | test-facing features |

mod api;
mod assignments;
mod control;
mod faults;
mod persist;
mod policies;
mod policy_changes;
mod requests;
mod rules;
mod search;
mod seed;
mod server;
mod settings;
mod state;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultKind};
pub use persist::PersistError;
pub use requests::RequestRecord;

use state::{lock, Shared, Store};

/// A failure to start the emulator or to apply an out-of-band change.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The listen address could not be bound.
    #[error("failed to listen on {addr}")]
    Bind {
        /// The requested address.
        addr: SocketAddr,
        /// The socket failure.
        #[source]
        source: io::Error,
    },
    /// The state file exists but could not be loaded.
    #[error("failed to load the emulator state")]
    State(#[from] PersistError),
    /// An out-of-band change named a policy that does not exist.
    #[error("policy {id} does not exist")]
    UnknownPolicy {
        /// The policy ID.
        id: i64,
    },
    /// An out-of-band change passed JSON that is not an object.
    #[error("{what} must be a JSON object")]
    NotAnObject {
        /// The kind of object the JSON should have described.
        what: &'static str,
    },
}

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The address to listen on. Port 0 picks a free port.
    pub listen: SocketAddr,
    /// The only API key the emulator accepts.
    pub api_key: String,
    /// A JSON file that keeps the state across restarts, or `None` to keep it in memory only.
    pub state_file: Option<PathBuf>,
    /// The requests each key may make per rolling minute, or `None` for no limit.
    pub rate_limit_per_minute: Option<u32>,
}

impl EmulatorConfig {
    /// Creates a configuration for `127.0.0.1` on a free port, in memory, without a rate limit.
    pub fn local(api_key: impl Into<String>) -> Self {
        EmulatorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            api_key: api_key.into(),
            state_file: None,
            rate_limit_per_minute: None,
        }
    }
}

/// The entry point: starts an emulator.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// Loads the state file if there is one, binds the listen address and starts serving on the
    /// current tokio runtime.
    ///
    /// # Errors
    ///
    /// Returns [`Error::State`] when the state file cannot be loaded and [`Error::Bind`] when
    /// the address cannot be bound.
    pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, Error> {
        let store = match &config.state_file {
            Some(path) => persist::load(path)?.map_or_else(Store::seeded, Store::from_snapshot),
            None => Store::seeded(),
        };
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| Error::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.listen,
            source,
        })?;
        let shared = Arc::new(Shared::new(
            store,
            config.api_key,
            config.state_file,
            config.rate_limit_per_minute,
        ));

        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared), stopped));
        tracing::info!(%addr, "emulator started");
        Ok(EmulatorHandle {
            addr,
            shared,
            stop,
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping the handle stops the server as well.
#[derive(Debug)]
pub struct EmulatorHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// Returns the API base URL, such as `http://127.0.0.1:41234/api`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// Returns the address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, closes open ones and waits for the server task to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            if let Err(error) = task.await {
                tracing::error!(%error, "emulator server task failed");
            }
        }
        tracing::info!(addr = %self.addr, "emulator stopped");
    }

    /// Injects a fault into the next matching `/api` requests, after faults already waiting.
    pub fn inject_fault(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// Removes every fault still waiting.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Returns the faults still waiting, with their remaining counts.
    pub fn pending_faults(&self) -> Vec<Fault> {
        lock(&self.shared.faults).pending()
    }

    /// Returns every `/api` request recorded so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.requests).clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Returns a stored rule as raw JSON, with the fields of every template it has used.
    pub fn rule_json(&self, id: i64) -> Option<Value> {
        control::rule(&self.shared, id)
    }

    /// Stores a raw rule under `id` as given, replacing any rule there.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotAnObject`] when `rule` is not a JSON object.
    pub fn put_rule_json(&self, id: i64, rule: Value) -> Result<(), Error> {
        control::put_rule(&self.shared, id, rule)
    }

    /// Deletes a rule, even a vendor rule, and removes it from every policy's assignments.
    /// Returns false when no such rule exists.
    pub fn delete_rule(&self, id: i64) -> bool {
        control::delete_rule(&self.shared, id)
    }

    /// Returns the IDs of every stored rule, ascending.
    pub fn rule_ids(&self) -> Vec<i64> {
        self.shared
            .read(|store| store.rules.keys().copied().collect())
    }

    /// Returns a stored policy as raw JSON: only what the policy sets itself, in stored order,
    /// so that tests can compare it byte for byte.
    pub fn policy_json(&self, id: i64) -> Option<Value> {
        control::policy(&self.shared, id)
    }

    /// Stores a raw policy under `id` as given, replacing any policy there.
    ///
    /// # Errors
    ///
    /// Returns [`Error::NotAnObject`] when `policy` is not a JSON object.
    pub fn put_policy_json(&self, id: i64, policy: Value) -> Result<(), Error> {
        control::put_policy(&self.shared, id, policy)
    }

    /// Stores a policy's own setting value exactly as given, such as `"TRUE"`.
    ///
    /// # Errors
    ///
    /// Returns [`Error::UnknownPolicy`] when the policy does not exist.
    pub fn set_setting(&self, policy_id: i64, name: &str, value: &str) -> Result<(), Error> {
        control::set_setting(&self.shared, policy_id, name, value)
    }

    /// Removes a policy's own setting value, so that the inherited value applies.
    ///
    /// # Errors
    ///
    /// Returns [`Error::UnknownPolicy`] when the policy does not exist.
    pub fn delete_setting(&self, policy_id: i64, name: &str) -> Result<(), Error> {
        control::delete_setting(&self.shared, policy_id, name)
    }

    /// Replaces a policy's direct IM rule assignments without checking the rule IDs.
    ///
    /// # Errors
    ///
    /// Returns [`Error::UnknownPolicy`] when the policy does not exist.
    pub fn set_assignments(&self, policy_id: i64, rule_ids: &[i64]) -> Result<(), Error> {
        control::set_assignments(&self.shared, policy_id, rule_ids)
    }

    /// Fixes the clock used for `lastUpdated` at `epoch_millis`, or returns to the system clock
    /// for `None`.
    pub fn set_fixed_time(&self, epoch_millis: Option<i64>) {
        control::set_fixed_time(&self.shared, epoch_millis);
    }

    /// Sets the per-key limit of requests per rolling minute, or removes it for `None`.
    pub fn set_rate_limit(&self, per_minute: Option<u32>) {
        lock(&self.shared.limiter).set_limit(per_minute);
    }

    /// Returns the whole state in the state file's layout.
    pub fn state_json(&self) -> Value {
        control::state(&self.shared)
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        // The server task ends on its own once it receives the signal, so there is nothing to await.
        let _ = self.stop.send(true);
    }
}
