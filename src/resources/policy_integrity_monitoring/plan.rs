//! Validation and planning: everything decided before an API write.

use crate::protocol::value::{Number, Value};
use crate::protocol::{AttributePath, Diagnostic, Diagnostics};
use crate::provider::ProviderContext;
use crate::resources::{Plan, PlanRequest};

use super::settings::SETTINGS;

/// Values of `state` that the API accepts.
pub(super) const STATES: [&str; 4] = ["on", "off", "real-time", "inherited"];

/// The largest policy or rule ID: the API's IDs are int32.
const MAX_ID: i64 = i32::MAX as i64;

/// Computed attributes that only the API can fill.
const API_COMPUTED: [&str; 3] = [
    "module_status",
    "recommended_to_assign_rule_ids",
    "recommended_to_unassign_rule_ids",
];

/// Returns the key that resources managing the same policy's Integrity Monitoring share, for
/// conflict detection and write locks.
pub(super) fn policy_key(policy_id: i64) -> String {
    format!("policy/{policy_id}/integrity_monitoring")
}

/// Reads a known whole-number ID from `value`.
pub(super) fn known_id(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_number).and_then(Number::as_i64)
}

/// Checks a configuration. Unknown values are skipped and every problem is reported.
pub(super) fn validate(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();

    if let Some(number) = config.attr("policy_id").and_then(Value::as_number) {
        if !number.as_i64().is_some_and(|id| (1..=MAX_ID).contains(&id)) {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid policy ID",
                    format!("`policy_id` is {number}; use a whole number from 1 to {MAX_ID}."),
                )
                .at_attribute("policy_id"),
            );
        }
    }

    if let Some(state) = config.attr("state").and_then(Value::as_str) {
        if !STATES.contains(&state) {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid Integrity Monitoring state",
                    format!(
                        "`state` is {state:?}; use \"on\", \"off\", \"real-time\" or \"inherited\"."
                    ),
                )
                .at_attribute("state"),
            );
        }
    }

    let rule_ids = config
        .attr("rule_ids")
        .and_then(Value::elements)
        .unwrap_or_default();
    for number in rule_ids.iter().filter_map(Value::as_number) {
        if !number.as_i64().is_some_and(|id| (1..=MAX_ID).contains(&id)) {
            // Set elements have no index, so the diagnostic points at the whole set.
            diagnostics.push(
                Diagnostic::error(
                    "Invalid rule ID",
                    format!(
                        "`rule_ids` contains {number}; rule IDs are whole numbers from 1 to \
                         {MAX_ID}."
                    ),
                )
                .at_attribute("rule_ids"),
            );
        }
    }

    for setting in SETTINGS {
        let Some(value) = config.attr(setting.attribute) else {
            continue;
        };
        if value.is_null() || value.is_unknown() {
            continue;
        }
        if let Err(detail) = setting.check(value) {
            diagnostics.push(
                Diagnostic::error("Invalid Integrity Monitoring setting", detail)
                    .at_attribute(setting.attribute),
            );
        }
    }
    diagnostics
}

/// Plans a create or an update.
pub(super) fn plan(context: &ProviderContext, request: &PlanRequest<'_>) -> Plan {
    let mut diagnostics = Diagnostics::new();
    let mut requires_replace = Vec::new();
    let Value::Object(mut planned) = request.proposed.clone() else {
        diagnostics.push(Diagnostic::provider_bug(
            "Invalid proposed state",
            "Terraform sent a proposed state that is not an object.",
        ));
        return Plan {
            planned: request.proposed.clone(),
            requires_replace,
            diagnostics,
        };
    };

    let policy_id = known_id(request.config.attr("policy_id"));
    let id = match policy_id {
        Some(policy_id) => Value::string(policy_id.to_string()),
        None => Value::Unknown,
    };
    planned.insert("id".to_string(), id);
    if request
        .config
        .attr("reset_on_destroy")
        .is_none_or(Value::is_null)
    {
        planned.insert("reset_on_destroy".to_string(), Value::Bool(true));
    }

    let prior = request.prior;
    // A configured value that means the same as the prior one, such as `SHA256` for a state of
    // `sha256` after an import, keeps the prior value so that no change is planned.
    for setting in SETTINGS {
        let (Some(kept), Some(configured)) = (
            prior.attr(setting.attribute),
            request.config.attr(setting.attribute),
        ) else {
            continue;
        };
        let known = |value: &Value| !value.is_null() && !value.is_unknown();
        if known(kept) && known(configured) && setting.same_value(kept, configured) {
            planned.insert(setting.attribute.to_string(), kept.clone());
        }
    }
    let replaced = !prior.is_null() && prior.attr("policy_id") != request.config.attr("policy_id");
    if replaced {
        requires_replace.push(AttributePath::attribute("policy_id"));
    }
    // The module status and the recommendations also follow the parent policy, other
    // computers and recommendation scans, so any apply may find them changed. They are unknown
    // whenever this resource is applied at all, and kept only in a plan without changes.
    let changes = prior.is_null() || replaced || Value::Object(planned.clone()) != *prior;
    if changes {
        for name in API_COMPUTED {
            planned.insert(name.to_string(), Value::Unknown);
        }
    }

    if let Some(policy_id) = policy_id {
        // Two instances with the same configuration cannot be distinguished from one instance
        // planned twice, so only differing configurations count as a conflict.
        // NOTE: destroy plans never reach this point, so a resource removed from the
        // configuration and a new one on the same policy are not reported, and Terraform may
        // run the old one's reset after the new one's create.
        let fingerprint = format!("{:?}", request.config);
        if context
            .claim_for_plan(&policy_key(policy_id), &fingerprint)
            .is_some()
        {
            diagnostics.push(
                Diagnostic::error(
                    "Policy managed twice",
                    format!(
                        "Another workload_policy_integrity_monitoring resource in this \
                         configuration also manages policy {policy_id}. Each policy's Integrity \
                         Monitoring must be managed by one resource only, or the two would undo \
                         each other's changes. Merge the two resources into one."
                    ),
                )
                .at_attribute("policy_id"),
            );
        }
    }

    Plan {
        planned: Value::Object(planned),
        requires_replace,
        diagnostics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::policy_integrity_monitoring::schema;
    use std::collections::BTreeMap;

    /// Returns an object of the resource's type with every attribute null, then `values`.
    fn object(values: &[(&str, Value)]) -> Value {
        let crate::protocol::value::Type::Object(types) = schema().value_type() else {
            unreachable!("a schema's type is an object");
        };
        let mut attributes: BTreeMap<String, Value> = types
            .keys()
            .map(|name| (name.clone(), Value::Null))
            .collect();
        for (name, value) in values {
            attributes.insert((*name).to_string(), value.clone());
        }
        Value::Object(attributes)
    }

    fn ids(values: &[i64]) -> Value {
        Value::Set(values.iter().copied().map(Value::number_i64).collect())
    }

    #[test]
    fn validate_reports_each_problem() {
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            (
                "valid",
                object(&[
                    ("policy_id", Value::number_i64(1)),
                    ("state", Value::string("real-time")),
                    ("rule_ids", ids(&[101, 102])),
                    ("cpu_usage_level", Value::string("low")),
                ]),
                vec![],
            ),
            (
                "zero policy",
                object(&[("policy_id", Value::number_i64(0))]),
                vec!["policy_id"],
            ),
            (
                "bad state",
                object(&[
                    ("policy_id", Value::number_i64(1)),
                    ("state", Value::string("ON")),
                ]),
                vec!["state"],
            ),
            (
                "bad rule id",
                object(&[
                    ("policy_id", Value::number_i64(1)),
                    ("rule_ids", ids(&[5, -1])),
                ]),
                vec!["rule_ids"],
            ),
            (
                "all at once",
                object(&[
                    ("policy_id", Value::number_i64(-2)),
                    ("state", Value::string("enabled")),
                    ("cpu_usage_level", Value::string("max")),
                    ("syslog_config_id", Value::number_i64(-1)),
                ]),
                vec!["policy_id", "state", "cpu_usage_level", "syslog_config_id"],
            ),
            (
                "unknown values skipped",
                object(&[
                    ("policy_id", Value::Unknown),
                    ("state", Value::Unknown),
                    ("rule_ids", Value::Set(vec![Value::Unknown])),
                    ("cpu_usage_level", Value::Unknown),
                ]),
                vec![],
            ),
        ];
        for (name, config, expected) in cases {
            let diagnostics = validate(&config);
            let paths: Vec<String> = diagnostics
                .iter()
                .map(|d| d.path.as_ref().map(ToString::to_string).unwrap_or_default())
                .collect();
            assert_eq!(paths, expected, "case {name}");
        }
    }

    /// Plans with a fresh context and returns the plan.
    fn plan_of(prior: &Value, config: &Value, proposed: &Value) -> Plan {
        let context = ProviderContext::new();
        plan(
            &context,
            &PlanRequest {
                prior,
                proposed,
                config,
            },
        )
    }

    fn prior_state() -> Value {
        object(&[
            ("id", Value::string("3")),
            ("policy_id", Value::number_i64(3)),
            ("state", Value::string("on")),
            ("rule_ids", ids(&[101])),
            ("cpu_usage_level", Value::string("low")),
            ("reset_on_destroy", Value::Bool(true)),
            (
                "module_status",
                Value::object([
                    ("status", Value::string("active")),
                    ("status_message", Value::string("On, 1 rule")),
                ]),
            ),
            ("recommended_to_assign_rule_ids", ids(&[])),
            ("recommended_to_unassign_rule_ids", ids(&[])),
        ])
    }

    /// Builds the proposed state the way Terraform does: config for the configurable
    /// attributes, prior values for the computed ones.
    fn proposed_from(prior: &Value, config: &Value) -> Value {
        let mut proposed = config.clone();
        if let Value::Object(attributes) = &mut proposed {
            for name in ["id"].into_iter().chain(API_COMPUTED) {
                attributes.insert(
                    name.to_string(),
                    prior.attr(name).cloned().unwrap_or(Value::Null),
                );
            }
            if config.attr("reset_on_destroy").is_none_or(Value::is_null) {
                attributes.insert(
                    "reset_on_destroy".to_string(),
                    prior
                        .attr("reset_on_destroy")
                        .cloned()
                        .unwrap_or(Value::Null),
                );
            }
        }
        proposed
    }

    #[test]
    fn plan_sets_computed_values() {
        // Each case: name, prior, config, attribute, expected planned value.
        let prior = prior_state();
        let same = object(&[
            ("policy_id", Value::number_i64(3)),
            ("state", Value::string("on")),
            ("rule_ids", ids(&[101])),
            ("cpu_usage_level", Value::string("low")),
        ]);
        let new_rules = object(&[
            ("policy_id", Value::number_i64(3)),
            ("state", Value::string("on")),
            ("rule_ids", Value::Set(vec![Value::Unknown])),
        ]);
        let new_level = object(&[
            ("policy_id", Value::number_i64(3)),
            ("state", Value::string("on")),
            ("rule_ids", ids(&[101])),
            ("cpu_usage_level", Value::string("high")),
        ]);
        let create = object(&[("policy_id", Value::number_i64(3))]);
        let unknown_policy = object(&[("policy_id", Value::Unknown)]);
        let status = prior.attr("module_status").cloned().unwrap_or(Value::Null);
        let cases: Vec<(&str, Value, Value, &str, Value)> = vec![
            (
                "create id",
                Value::Null,
                create.clone(),
                "id",
                Value::string("3"),
            ),
            (
                "create status",
                Value::Null,
                create.clone(),
                "module_status",
                Value::Unknown,
            ),
            (
                "create recommendations",
                Value::Null,
                create.clone(),
                "recommended_to_assign_rule_ids",
                Value::Unknown,
            ),
            (
                "create default",
                Value::Null,
                create,
                "reset_on_destroy",
                Value::Bool(true),
            ),
            (
                "unknown policy id",
                Value::Null,
                unknown_policy,
                "id",
                Value::Unknown,
            ),
            (
                "no change status",
                prior.clone(),
                same.clone(),
                "module_status",
                status.clone(),
            ),
            (
                "no change rules",
                prior.clone(),
                same.clone(),
                "rule_ids",
                ids(&[101]),
            ),
            (
                "unknown rules kept",
                prior.clone(),
                new_rules.clone(),
                "rule_ids",
                Value::Set(vec![Value::Unknown]),
            ),
            (
                "rules change status",
                prior.clone(),
                new_rules,
                "module_status",
                Value::Unknown,
            ),
            (
                "setting update makes status unknown",
                prior.clone(),
                new_level.clone(),
                "module_status",
                Value::Unknown,
            ),
            (
                "no change recommendations kept",
                prior.clone(),
                same.clone(),
                "recommended_to_assign_rule_ids",
                prior
                    .attr("recommended_to_assign_rule_ids")
                    .cloned()
                    .unwrap_or(Value::Null),
            ),
            (
                "setting update makes recommendations unknown",
                prior.clone(),
                new_level.clone(),
                "recommended_to_assign_rule_ids",
                Value::Unknown,
            ),
            (
                "setting planned",
                prior,
                new_level,
                "cpu_usage_level",
                Value::string("high"),
            ),
            (
                "equivalent text keeps prior",
                object(&[
                    ("policy_id", Value::number_i64(3)),
                    ("content_hash_algorithm", Value::string("sha1,sha256")),
                ]),
                object(&[
                    ("policy_id", Value::number_i64(3)),
                    ("content_hash_algorithm", Value::string("SHA1, SHA256")),
                ]),
                "content_hash_algorithm",
                Value::string("sha1,sha256"),
            ),
        ];
        for (name, prior, config, attribute, expected) in cases {
            let proposed = proposed_from(&prior, &config);
            let plan = plan_of(&prior, &config, &proposed);
            assert!(
                plan.diagnostics.is_empty(),
                "case {name}: {:?}",
                plan.diagnostics
            );
            assert_eq!(plan.planned.attr(attribute), Some(&expected), "case {name}");
        }
    }

    #[test]
    fn plan_replaces_on_policy_change() {
        let prior = prior_state();
        let config = object(&[("policy_id", Value::number_i64(4))]);
        let plan = plan_of(&prior, &config, &proposed_from(&prior, &config));
        assert_eq!(
            plan.requires_replace,
            vec![AttributePath::attribute("policy_id")]
        );
        assert_eq!(plan.planned.attr("module_status"), Some(&Value::Unknown));
        assert_eq!(plan.planned.attr("id"), Some(&Value::string("4")));
    }

    #[test]
    fn plan_reports_second_resource_conflict() {
        let context = ProviderContext::new();
        let first = object(&[
            ("policy_id", Value::number_i64(2)),
            ("state", Value::string("on")),
        ]);
        let second = object(&[
            ("policy_id", Value::number_i64(2)),
            ("state", Value::string("off")),
        ]);
        let other = object(&[
            ("policy_id", Value::number_i64(3)),
            ("state", Value::string("off")),
        ]);
        let run = |config: &Value| {
            plan(
                &context,
                &PlanRequest {
                    prior: &Value::Null,
                    proposed: &proposed_from(&Value::Null, config),
                    config,
                },
            )
        };
        assert!(run(&first).diagnostics.is_empty(), "first claim");
        assert!(
            run(&first).diagnostics.is_empty(),
            "same instance planned again"
        );
        assert!(run(&other).diagnostics.is_empty(), "another policy");
        let conflict = run(&second).diagnostics;
        assert!(conflict.has_errors(), "second resource on policy 2");
        assert_eq!(
            conflict.iter().next().and_then(|d| d.path.clone()),
            Some(AttributePath::attribute("policy_id"))
        );
    }
}
