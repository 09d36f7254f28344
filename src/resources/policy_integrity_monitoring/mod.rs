//! `workload_policy_integrity_monitoring`: a policy's Integrity Monitoring state, its direct
//! rule assignments and its IM settings.
//!
//! The resource writes only the policy's `integrityMonitoring` extension, the
//! `integrityMonitoringSetting*` keys it manages and the policy's IM rule assignments. Every
//! other module and setting of the policy stays as it is.
//!
//! API calls per operation, where S is the number of settings involved:
//!
//! - create: 2 calls. One `POST /policies/{id}` with the state, non-empty `ruleIDs` and the
//!   settings (a `GET /policies/{id}` instead when none is set), plus
//!   `GET .../integritymonitoring/assignments` for the recommendations. For `rule_ids = []` a
//!   `PUT .../assignments` clears the list and returns the recommendations in place of the
//!   `GET`.
//! - read: 2 calls, `GET /policies/{id}?overrides=true` and
//!   `GET .../assignments?overrides=true`.
//! - update: S + 2 or 3 calls. One `DELETE /policies/{id}/settings/{name}` per removed
//!   setting, a `PUT .../assignments` only when `rule_ids` becomes `[]`, one `POST
//!   /policies/{id}` for everything else (a `GET /policies/{id}` when nothing else is sent), and
//!   `GET .../assignments` unless the `PUT` returned the recommendations. The module status and
//!   the recommendations are read back on every update because they also follow the parent
//!   policy, so changing only `reset_on_destroy` costs the two reads.
//! - delete with `reset_on_destroy = true`: S + 0 to 2 calls. One `DELETE .../settings/{name}`
//!   per managed setting, a `PUT .../assignments` with `[]` when `rule_ids` is managed, and a
//!   `POST /policies/{id}` with `inherited` when `state` is managed.
//! - delete with `reset_on_destroy = false`: no call.
//! - import: 1 call, `GET /policies/{id}?overrides=true`, then Terraform's read (2 calls).
//!
//! Two resources on one policy are reported at plan time when their policy IDs are known then,
//! and writes to one policy are serialised within the provider process.

mod plan;
mod remote;
mod settings;

use crate::protocol::schema::{Attribute, Block, Mode, Schema};
use crate::protocol::value::{Type, Value};
use crate::protocol::Diagnostics;
use crate::provider::ProviderContext;
use crate::resources::{ApplyOutcome, ApplyRequest, Plan, PlanRequest, ReadOutcome, Resource};

use settings::SETTINGS;

/// The `workload_policy_integrity_monitoring` resource type.
#[derive(Debug, Default)]
pub struct PolicyIntegrityMonitoring;

/// Returns the schema of `workload_policy_integrity_monitoring`.
pub(crate) fn schema() -> Schema {
    let mut attributes = vec![
        Attribute::new(
            "id",
            Type::String,
            Mode::Computed,
            "The policy ID, as a string.",
        ),
        Attribute::new(
            "policy_id",
            Type::Number,
            Mode::Required,
            "The ID of the policy whose Integrity Monitoring this resource manages. Changing it \
             replaces the resource. Manage each policy with one resource only.",
        ),
        Attribute::new(
            "state",
            Type::String,
            Mode::Optional,
            "The Integrity Monitoring state the policy sets itself: `on`, `off`, `real-time` or \
             `inherited` (follow the parent policy). Unmanaged while null. Removing it from the \
             configuration sets the state to `inherited`. An imported policy that sets no state \
             of its own has a null `state`, and one that does gets its state, so leaving `state` \
             out of the configuration after an import plans that reset. On a top-level policy, \
             `inherited` follows the default policy settings, which can turn Integrity \
             Monitoring off for that policy and every child policy that inherits it.",
        ),
        Attribute::new(
            "rule_ids",
            Type::set(Type::Number),
            Mode::Optional,
            "IDs of the Integrity Monitoring rules assigned directly to this policy. \
             Authoritative: rules assigned directly but not listed are unassigned. Rules \
             inherited from a parent policy are neither shown nor removed. Unmanaged while \
             null, and removing it from the configuration leaves the assignments as they are; \
             `[]` means no direct assignments.",
        ),
    ];
    attributes.extend(SETTINGS.iter().map(|setting| {
        Attribute::new(
            setting.attribute,
            setting.value_type(),
            Mode::Optional,
            setting.description,
        )
    }));
    attributes.extend([
        Attribute::new(
            "reset_on_destroy",
            Type::Bool,
            Mode::OptionalComputed,
            "What destroying this resource does. When `true` (the default), each setting this \
             resource manages is reset to inherited, the direct rule assignments are removed \
             when `rule_ids` is managed, and a managed `state` is set to `inherited`. When \
             `false`, destroy only removes the resource from the Terraform state and leaves the \
             policy as it is, including its direct rule assignments, so a `workload_im_rule` \
             that stays assigned cannot be deleted until it is unassigned.",
        ),
        Attribute::new(
            "module_status",
            Type::object([("status", Type::String), ("status_message", Type::String)]),
            Mode::Computed,
            "The module status the manager reports: `status` (`inactive`, `active`, `warning`, \
             `error` or `not-supported`) and `status_message`, such as `On, Real Time, 2 rules`.",
        ),
        Attribute::new(
            "recommended_to_assign_rule_ids",
            Type::set(Type::Number),
            Mode::Computed,
            "IDs of the rules the last recommendation scan suggests assigning.",
        ),
        Attribute::new(
            "recommended_to_unassign_rule_ids",
            Type::set(Type::Number),
            Mode::Computed,
            "IDs of the rules the last recommendation scan suggests unassigning.",
        ),
    ]);
    Schema {
        version: 0,
        block: Block {
            attributes,
            blocks: vec![],
            description: "Manages the Integrity Monitoring of one policy: its state, the rules \
                          assigned directly to it and its Integrity Monitoring settings. Nothing \
                          else of the policy is changed. Import with the policy ID."
                .to_string(),
            deprecated: false,
        },
    }
}

/// Returns an object of this resource's type with every attribute null.
fn null_object() -> Value {
    match schema().value_type() {
        Type::Object(types) => {
            Value::Object(types.into_keys().map(|name| (name, Value::Null)).collect())
        }
        _ => Value::Null,
    }
}

#[async_trait::async_trait]
impl Resource for PolicyIntegrityMonitoring {
    fn type_name(&self) -> &'static str {
        "workload_policy_integrity_monitoring"
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        plan::validate(config)
    }

    async fn plan(&self, context: &ProviderContext, request: PlanRequest<'_>) -> Plan {
        plan::plan(context, &request)
    }

    async fn create(&self, context: &ProviderContext, request: ApplyRequest<'_>) -> ApplyOutcome {
        remote::apply(context, &request).await
    }

    async fn read(&self, context: &ProviderContext, state: &Value) -> ReadOutcome {
        remote::read(context, state).await
    }

    async fn update(&self, context: &ProviderContext, request: ApplyRequest<'_>) -> ApplyOutcome {
        remote::apply(context, &request).await
    }

    async fn delete(&self, context: &ProviderContext, prior: &Value) -> Diagnostics {
        remote::delete(context, prior).await
    }

    async fn import(&self, context: &ProviderContext, id: &str) -> ReadOutcome {
        remote::import(context, id, null_object()).await
    }
}
