//! The emulator's stored objects and the lock that guards them.
//!
//! Rules and policies are kept as the raw JSON objects the API would store. Out-of-band edits can
//! then place any shape a real manager might return, and a test can compare a policy byte for
//! byte before and after a provider run.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::faults::{FaultQueue, RateLimiter};
use super::persist;
use super::requests::RequestRecord;
use super::seed;

/// The first ID handed to a rule created through the API. Seeded vendor rules stay below it.
pub(crate) const FIRST_USER_RULE_ID: i64 = 1001;

/// Recommendation scan results of one policy, as the assignments endpoints report them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Recommendations {
    #[serde(rename = "recommendedToAssignRuleIDs", default)]
    pub(crate) to_assign: Vec<i64>,
    #[serde(rename = "recommendedToUnassignRuleIDs", default)]
    pub(crate) to_unassign: Vec<i64>,
}

/// Everything the API serves: rules, policies and the ID counter.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    pub(crate) rules: BTreeMap<i64, Map<String, Value>>,
    pub(crate) policies: BTreeMap<i64, Map<String, Value>>,
    pub(crate) recommendations: BTreeMap<i64, Recommendations>,
    pub(crate) next_rule_id: i64,
    /// A fixed time in epoch milliseconds for deterministic `lastUpdated` values, or `None` for
    /// the system clock. Not persisted.
    pub(crate) fixed_time: Option<i64>,
}

/// The state file's layout.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Snapshot {
    #[serde(rename = "nextRuleID")]
    pub(crate) next_rule_id: i64,
    pub(crate) rules: Vec<Map<String, Value>>,
    pub(crate) policies: Vec<Map<String, Value>>,
    #[serde(default)]
    pub(crate) recommendations: BTreeMap<i64, Recommendations>,
}

impl Store {
    /// Creates the seeded state: three policies and a few vendor-issued rules.
    pub(crate) fn seeded() -> Self {
        let mut store = Store {
            rules: BTreeMap::new(),
            policies: BTreeMap::new(),
            recommendations: BTreeMap::new(),
            next_rule_id: FIRST_USER_RULE_ID,
            fixed_time: None,
        };
        seed::populate(&mut store);
        store
    }

    /// Returns the current time in epoch milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        if let Some(fixed) = self.fixed_time {
            return fixed;
        }
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }

    /// Hands out the next user rule ID.
    pub(crate) fn allocate_rule_id(&mut self) -> i64 {
        let id = self.next_rule_id;
        self.next_rule_id += 1;
        id
    }

    /// Stores a rule under `id`, keeping the ID counter above every stored rule.
    pub(crate) fn insert_rule(&mut self, id: i64, mut rule: Map<String, Value>) {
        rule.insert("ID".to_string(), Value::from(id));
        self.rules.insert(id, rule);
        self.next_rule_id = self.next_rule_id.max(id + 1).max(FIRST_USER_RULE_ID);
    }

    /// Copies the state into the state file layout.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            next_rule_id: self.next_rule_id,
            rules: self.rules.values().cloned().collect(),
            policies: self.policies.values().cloned().collect(),
            recommendations: self.recommendations.clone(),
        }
    }

    /// Rebuilds the state from a state file. Objects without an integer `ID` are skipped.
    pub(crate) fn from_snapshot(snapshot: Snapshot) -> Self {
        let mut store = Store {
            rules: BTreeMap::new(),
            policies: BTreeMap::new(),
            recommendations: snapshot.recommendations,
            next_rule_id: snapshot.next_rule_id.max(FIRST_USER_RULE_ID),
            fixed_time: None,
        };
        for rule in snapshot.rules {
            if let Some(id) = rule.get("ID").and_then(Value::as_i64) {
                store.insert_rule(id, rule);
            }
        }
        for policy in snapshot.policies {
            if let Some(id) = policy.get("ID").and_then(Value::as_i64) {
                store.policies.insert(id, policy);
            }
        }
        store
    }
}

/// State shared by the server tasks and the test handle.
#[derive(Debug)]
pub(crate) struct Shared {
    store: Mutex<Store>,
    pub(crate) faults: Mutex<FaultQueue>,
    pub(crate) requests: Mutex<Vec<RequestRecord>>,
    pub(crate) limiter: Mutex<RateLimiter>,
    pub(crate) api_key: String,
    pub(crate) state_file: Option<PathBuf>,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// Creates the shared state around an initial store.
    pub(crate) fn new(
        store: Store,
        api_key: String,
        state_file: Option<PathBuf>,
        rate_limit: Option<u32>,
    ) -> Self {
        Shared {
            store: Mutex::new(store),
            faults: Mutex::new(FaultQueue::default()),
            requests: Mutex::new(Vec::new()),
            limiter: Mutex::new(RateLimiter::new(rate_limit)),
            api_key,
            state_file,
        }
    }

    /// Runs a read-only operation on the store.
    pub(crate) fn read<T>(&self, operation: impl FnOnce(&Store) -> T) -> T {
        operation(&lock(&self.store))
    }

    /// Runs a changing operation on the store and, when it succeeds, writes the state file.
    ///
    /// The file is written while the lock is held, so the file always follows the order of
    /// changes.
    pub(crate) fn write<T, E>(
        &self,
        operation: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut store = lock(&self.store);
        let result = operation(&mut store)?;
        self.persist(&store);
        Ok(result)
    }

    /// Writes the state file, if one is configured, and logs a failure.
    fn persist(&self, store: &Store) {
        let Some(path) = &self.state_file else {
            return;
        };
        if let Err(error) = persist::save(path, &store.snapshot()) {
            tracing::error!(path = %path.display(), %error, "failed to write the emulator state file");
        }
    }
}
