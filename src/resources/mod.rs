//! Terraform resource types, one per file, and the trait they implement.
//!
//! A resource contains only resource logic: it receives decoded values and
//! returns values and diagnostics. The server converts wire formats, runs
//! the generic checks and dispatches by type name through [`registry`].

pub mod im_rule;
pub mod policy_integrity_monitoring;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::protocol::schema::Schema;
use crate::protocol::value::Value;
use crate::protocol::{AttributePath, Diagnostic, Diagnostics};
use crate::provider::ProviderContext;

/// The request Terraform sends to plan a create or an update.
#[derive(Debug)]
pub struct PlanRequest<'a> {
    /// The prior state; null when the resource is being created.
    pub prior: &'a Value,
    /// Terraform's proposed new state: config merged with prior computed values.
    pub proposed: &'a Value,
    /// The configuration, possibly with unknown values.
    pub config: &'a Value,
}

/// A planned new state and the attributes whose change forces replacement.
#[derive(Debug)]
pub struct Plan {
    /// The planned state, with unknown values for what only apply can know.
    pub planned: Value,
    /// Attributes whose change replaces the remote object.
    pub requires_replace: Vec<AttributePath>,
    /// Problems found while planning.
    pub diagnostics: Diagnostics,
}

/// The request Terraform sends to apply a create or an update.
#[derive(Debug)]
pub struct ApplyRequest<'a> {
    /// The prior state; null on create.
    pub prior: &'a Value,
    /// The plan the user approved.
    pub planned: &'a Value,
    /// The configuration, wholly known at apply time.
    pub config: &'a Value,
}

/// The result of a create or an update.
#[derive(Debug)]
pub struct ApplyOutcome {
    /// The new state. On a failed create this is null when nothing was made,
    /// or the partial state of what was made, so that Terraform taints it
    /// instead of losing track of it.
    pub new_state: Value,
    /// Problems found while applying.
    pub diagnostics: Diagnostics,
}

/// The result of a read.
#[derive(Debug)]
pub struct ReadOutcome {
    /// The current remote object, or null when it no longer exists.
    pub state: Value,
    /// Warnings and errors found while reading.
    pub diagnostics: Diagnostics,
}

/// One Terraform resource type.
///
/// Methods come in the order Terraform uses them; every resource file keeps
/// that order.
#[async_trait::async_trait]
pub trait Resource: Send + Sync + std::fmt::Debug {
    /// Returns the full type name, such as `workload_im_rule`.
    fn type_name(&self) -> &'static str;

    /// Returns the schema, with a description for every attribute.
    fn schema(&self) -> Schema;

    /// Checks a configuration before any API call. Unknown values are
    /// skipped, never treated as empty, and every problem is reported.
    fn validate(&self, config: &Value) -> Diagnostics;

    /// Plans a create (`prior` null) or an update.
    async fn plan(&self, context: &ProviderContext, request: PlanRequest<'_>) -> Plan;

    /// Creates the remote object.
    async fn create(&self, context: &ProviderContext, request: ApplyRequest<'_>) -> ApplyOutcome;

    /// Reads the remote object that `state` describes.
    async fn read(&self, context: &ProviderContext, state: &Value) -> ReadOutcome;

    /// Updates the remote object in place.
    async fn update(&self, context: &ProviderContext, request: ApplyRequest<'_>) -> ApplyOutcome;

    /// Deletes the remote object. A remote object that is already gone is
    /// not an error.
    async fn delete(&self, context: &ProviderContext, prior: &Value) -> Diagnostics;

    /// Builds the state to import from the user's import ID. Terraform
    /// reads the resource right after, so the state needs only what
    /// [`Resource::read`] uses.
    async fn import(&self, context: &ProviderContext, id: &str) -> ReadOutcome;

    /// Upgrades state stored under an older schema version. The default
    /// accepts only the current version, which needs no change.
    fn upgrade(&self, version: i64, state: Value) -> Result<Value, Diagnostics> {
        let current = self.schema().version;
        if version == current {
            Ok(state)
        } else {
            Err(Diagnostic::error(
                "Unsupported state version",
                format!(
                    "The state of this {} was written with schema version {version}, but this \
                     provider knows only version {current}. Use the provider release that wrote \
                     the state, or remove the resource from state and import it again.",
                    self.type_name()
                ),
            )
            .into())
        }
    }
}

/// Returns the resource types this provider offers, by type name.
pub fn registry() -> BTreeMap<&'static str, Arc<dyn Resource>> {
    let resources: Vec<Arc<dyn Resource>> = vec![
        Arc::new(im_rule::ImRuleResource),
        Arc::new(policy_integrity_monitoring::PolicyIntegrityMonitoring),
    ];
    resources.into_iter().map(|r| (r.type_name(), r)).collect()
}
