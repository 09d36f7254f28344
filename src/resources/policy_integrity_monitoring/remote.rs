//! The API side: applying a plan to a policy, reading it back into state, and resetting it.

use std::collections::BTreeMap;

use tracing::debug;

use crate::client::{Assignments, Client, Error, PolicyIm, PolicyImModify};
use crate::protocol::value::{Number, Value};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::resources::{ApplyOutcome, ApplyRequest, ReadOutcome};

use super::plan::{known_id, policy_key};
use super::settings::{by_api_name, Setting, SETTINGS};
use crate::provider::ProviderContext;

/// The state value of a policy that sets no Integrity Monitoring state of its own.
const INHERITED: &str = "inherited";

/// The writes that turn `prior` into `planned`, in the order they are sent.
#[derive(Debug, Default)]
struct Writes {
    /// Settings to reset to inherited, one DELETE each.
    resets: Vec<&'static Setting>,
    /// Replace the direct rule assignments with none, through the assignments endpoint.
    clear_rules: bool,
    /// State, non-empty rule IDs and setting values, in one policy modify.
    modify: PolicyImModify,
}

impl Writes {
    /// Compares the managed attributes of `prior` (null on create) and `planned`.
    fn between(prior: &Value, planned: &Value) -> Result<Writes, Diagnostic> {
        let mut writes = Writes::default();
        let changed = |name: &str| prior.attr(name) != planned.attr(name);
        let is_set = |value: Option<&Value>| value.is_some_and(|value| !value.is_null());

        for setting in SETTINGS {
            if !changed(setting.attribute) {
                continue;
            }
            match planned
                .attr(setting.attribute)
                .filter(|value| !value.is_null())
            {
                Some(value) => {
                    let text = setting.api_text(value).ok_or_else(|| {
                        Diagnostic::provider_bug(
                            "Invalid planned setting",
                            format!("`{}` has a value of the wrong type.", setting.attribute),
                        )
                    })?;
                    writes.modify = std::mem::take(&mut writes.modify)
                        .setting(setting.api_name, text)
                        .map_err(|error| Diagnostic::provider_bug("Invalid setting name", error))?;
                }
                None if is_set(prior.attr(setting.attribute)) => writes.resets.push(setting),
                None => {}
            }
        }

        if changed("rule_ids") {
            if let Some(elements) = planned.attr("rule_ids").and_then(Value::elements) {
                let ids = rule_ids(elements).ok_or_else(|| {
                    Diagnostic::provider_bug(
                        "Invalid planned rule IDs",
                        "`rule_ids` contains a value that is not a known whole number.",
                    )
                })?;
                // The assignments endpoint is the documented way to clear the list, while a
                // modify with an empty `ruleIDs` has no documented effect.
                // NOTE: a modify's `ruleIDs` is assumed to replace the direct assignments, as
                // the emulator does, because the API reference does not document it.
                if ids.is_empty() {
                    writes.clear_rules = true;
                } else {
                    writes.modify = std::mem::take(&mut writes.modify).rule_ids(ids);
                }
            }
        }

        if changed("state") {
            match planned.attr("state").and_then(Value::as_str) {
                Some(state) => writes.modify = std::mem::take(&mut writes.modify).state(state),
                None if is_set(prior.attr("state")) => {
                    writes.modify = std::mem::take(&mut writes.modify).state(INHERITED);
                }
                None => {}
            }
        }
        Ok(writes)
    }
}

/// Reads rule IDs from set elements, or `None` when one is not a known whole number.
fn rule_ids(elements: &[Value]) -> Option<Vec<i64>> {
    let mut ids: Vec<i64> = elements
        .iter()
        .map(|element| element.as_number().and_then(Number::as_i64))
        .collect::<Option<_>>()?;
    ids.sort_unstable();
    Some(ids)
}

/// API responses received while applying, used for the computed attributes.
#[derive(Debug, Default)]
struct Responses {
    policy: Option<PolicyIm>,
    assignments: Option<Assignments>,
}

/// The reason the resource writes to a policy, which names the operation in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Create,
    Update,
    ResetOnDestroy,
}

/// Sends the writes from `prior` to `planned` for `policy_id` and returns the responses. On
/// error, `wrote` records whether any write had already succeeded.
async fn send(
    client: &Client,
    policy_id: i64,
    purpose: Purpose,
    writes: Writes,
    responses: &mut Responses,
    wrote: &mut bool,
) -> Result<(), Diagnostic> {
    for setting in writes.resets {
        debug!(
            policy_id,
            setting = setting.api_name,
            "resetting policy setting"
        );
        client
            .reset_policy_setting(policy_id, setting.api_name)
            .await
            .map_err(|error| write_error(policy_id, purpose, &error))?;
        *wrote = true;
    }
    if writes.clear_rules {
        let assignments = client
            .set_assignments(policy_id, &[])
            .await
            .map_err(|error| write_error(policy_id, purpose, &error))?;
        responses.assignments = Some(assignments);
        *wrote = true;
    }
    if !writes.modify.is_empty() {
        let policy = client
            .modify_policy_im(policy_id, &writes.modify, true)
            .await
            .map_err(|error| write_error(policy_id, purpose, &error))?;
        responses.policy = Some(policy);
        *wrote = true;
    }
    Ok(())
}

/// Creates or updates: sends the writes, then fills the unknown computed attributes.
pub(super) async fn apply(context: &ProviderContext, request: &ApplyRequest<'_>) -> ApplyOutcome {
    let failed = |state: Value, diagnostic: Diagnostic| ApplyOutcome {
        new_state: state,
        diagnostics: diagnostic.into(),
    };
    let creating = request.prior.is_null();
    let unchanged = if creating {
        Value::Null
    } else {
        request.prior.clone()
    };
    let client = match context.client() {
        Ok(client) => client,
        Err(diagnostic) => return failed(unchanged, diagnostic),
    };
    let Some(policy_id) = known_id(request.planned.attr("policy_id")) else {
        let bug = Diagnostic::provider_bug("Missing policy ID", "The plan has no known policy_id.");
        return failed(unchanged, bug);
    };
    let writes = match Writes::between(request.prior, request.planned) {
        Ok(writes) => writes,
        Err(diagnostic) => return failed(unchanged, diagnostic),
    };

    let _guard = context.lock_for_write(&policy_key(policy_id)).await;
    let mut responses = Responses::default();
    let mut wrote = false;
    let purpose = if creating {
        Purpose::Create
    } else {
        Purpose::Update
    };
    if let Err(diagnostic) = send(
        &client,
        policy_id,
        purpose,
        writes,
        &mut responses,
        &mut wrote,
    )
    .await
    {
        // After a partial write the state records the plan, so that a failed create is tainted
        // and replaced, and a failed update is planned again.
        let state = if wrote {
            without_unknowns(request.planned)
        } else {
            unchanged
        };
        return failed(state, diagnostic);
    }

    let mut state = request.planned.clone();
    if let Err(diagnostic) = fill_computed(&client, policy_id, &mut state, responses).await {
        return failed(without_unknowns(&state), diagnostic);
    }
    ApplyOutcome {
        new_state: state,
        diagnostics: Diagnostics::new(),
    }
}

/// Fills every unknown computed attribute of `state`, reading what the writes did not return.
async fn fill_computed(
    client: &Client,
    policy_id: i64,
    state: &mut Value,
    mut responses: Responses,
) -> Result<(), Diagnostic> {
    let unknown = |state: &Value, name: &str| state.attr(name).is_some_and(Value::is_unknown);
    if unknown(state, "module_status") && responses.policy.is_none() {
        let policy = client
            .get_policy(policy_id, true)
            .await
            .map_err(|error| policy_error(policy_id, "read", &error))?;
        responses.policy = Some(policy);
    }
    let recommendations_unknown = unknown(state, "recommended_to_assign_rule_ids")
        || unknown(state, "recommended_to_unassign_rule_ids");
    if recommendations_unknown && responses.assignments.is_none() {
        let assignments = client
            .list_assignments(policy_id, true)
            .await
            .map_err(|error| policy_error(policy_id, "read", &error))?;
        responses.assignments = Some(assignments);
    }

    let Value::Object(attributes) = state else {
        return Ok(());
    };
    if let Some(policy) = &responses.policy {
        attributes.insert("module_status".to_string(), module_status(policy));
    }
    if let Some(assignments) = &responses.assignments {
        attributes.insert(
            "recommended_to_assign_rule_ids".to_string(),
            id_set(&assignments.recommended_to_assign_rule_ids),
        );
        attributes.insert(
            "recommended_to_unassign_rule_ids".to_string(),
            id_set(&assignments.recommended_to_unassign_rule_ids),
        );
    }
    Ok(())
}

/// Returns `value` with every unknown attribute replaced by null, for a state saved after a
/// failure.
fn without_unknowns(value: &Value) -> Value {
    match value {
        Value::Object(attributes) => Value::Object(
            attributes
                .iter()
                .map(|(name, value)| {
                    let value = if value.is_unknown() {
                        Value::Null
                    } else {
                        value.clone()
                    };
                    (name.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Reads the policy that `prior` describes. Attributes null in `prior` stay null, because they
/// are not managed.
pub(super) async fn read(context: &ProviderContext, prior: &Value) -> ReadOutcome {
    let failed = |diagnostic: Diagnostic| ReadOutcome {
        state: prior.clone(),
        diagnostics: diagnostic.into(),
    };
    let client = match context.client() {
        Ok(client) => client,
        Err(diagnostic) => return failed(diagnostic),
    };
    let Some(policy_id) = known_id(prior.attr("policy_id")) else {
        return failed(Diagnostic::provider_bug(
            "Missing policy ID",
            "The state has no policy_id.",
        ));
    };

    let fetched = async {
        let policy = client.get_policy(policy_id, true).await?;
        let assignments = client.list_assignments(policy_id, true).await?;
        Ok::<_, Error>((policy, assignments))
    };
    let (policy, assignments) = match fetched.await {
        Ok(fetched) => fetched,
        Err(error) if error.is_not_found() => {
            return ReadOutcome {
                state: Value::Null,
                diagnostics: Diagnostic::warning(
                    "Policy not found",
                    format!(
                        "Policy {policy_id} no longer exists, so its Integrity Monitoring \
                         configuration was removed from the Terraform state. The next apply \
                         fails unless the policy is created again or `policy_id` is changed."
                    ),
                )
                .into(),
            };
        }
        Err(error) => {
            return failed(Diagnostic::error(
                "Failed to read Integrity Monitoring",
                format!(
                    "Reading the Integrity Monitoring configuration of policy {policy_id} \
                     failed: {}",
                    as_sentence(&error.with_causes())
                ),
            ))
        }
    };

    let mut diagnostics = Diagnostics::new();
    let state = read_state(prior, &policy, &assignments, &mut diagnostics);
    ReadOutcome { state, diagnostics }
}

/// Builds the state from what the API returned, keeping each prior value that means the same.
fn read_state(
    prior: &Value,
    policy: &PolicyIm,
    assignments: &Assignments,
    diagnostics: &mut Diagnostics,
) -> Value {
    let Value::Object(mut state) = prior.clone() else {
        return prior.clone();
    };
    let extension = policy.integrity_monitoring.clone().unwrap_or_default();
    let managed = |name: &str| prior.attr(name).is_some_and(|value| !value.is_null());

    if managed("state") {
        let own = extension.state.as_deref().unwrap_or(INHERITED);
        let same = prior
            .attr("state")
            .and_then(Value::as_str)
            .is_some_and(|kept| kept.eq_ignore_ascii_case(own));
        if !same {
            state.insert("state".to_string(), Value::string(own));
        }
    }
    if managed("rule_ids") {
        let read = id_set(&extension.rule_ids);
        if prior.attr("rule_ids") != Some(&read) {
            state.insert("rule_ids".to_string(), read);
        }
    }
    for setting in SETTINGS {
        let Some(kept) = prior
            .attr(setting.attribute)
            .filter(|value| !value.is_null())
        else {
            continue;
        };
        let text = policy
            .policy_settings
            .get(setting.api_name)
            .map(|value| value.value.as_str());
        let value = match text {
            Some(text) if setting.is_equivalent(kept, text) => kept.clone(),
            Some(text) => setting_value(setting, text, diagnostics),
            None => Value::Null,
        };
        state.insert(setting.attribute.to_string(), value);
    }
    state.insert("module_status".to_string(), module_status(policy));
    state.insert(
        "recommended_to_assign_rule_ids".to_string(),
        id_set(&assignments.recommended_to_assign_rule_ids),
    );
    state.insert(
        "recommended_to_unassign_rule_ids".to_string(),
        id_set(&assignments.recommended_to_unassign_rule_ids),
    );
    Value::Object(state)
}

/// Converts a setting read from the API, or warns and returns null for a value that has no
/// meaning for the setting, so that the next plan writes the configured value again.
fn setting_value(setting: &Setting, text: &str, diagnostics: &mut Diagnostics) -> Value {
    setting.read_api_text(text).unwrap_or_else(|| {
        diagnostics.push(
            Diagnostic::warning(
                "Unexpected setting value",
                format!(
                    "The API returned {text:?} for {}, which `{}` cannot represent. The \
                     attribute reads as null, so the next apply writes the configured value.",
                    setting.api_name, setting.attribute
                ),
            )
            .at_attribute(setting.attribute),
        );
        Value::Null
    })
}

/// Builds the state of an imported policy: its own state, direct rules and every managed
/// setting it overrides. What the policy does not set itself stays null, so unmanaged.
pub(super) async fn import(context: &ProviderContext, id: &str, template: Value) -> ReadOutcome {
    let failed = |diagnostic: Diagnostic| ReadOutcome {
        state: Value::Null,
        diagnostics: diagnostic.into(),
    };
    let policy_id = match id.trim().parse::<i64>() {
        Ok(policy_id) if policy_id > 0 => policy_id,
        _ => {
            return failed(Diagnostic::error(
                "Invalid import ID",
                format!(
                    "The import ID {id:?} is not a policy ID. Import with the numeric ID of the \
                     policy, such as `terraform import ADDRESS 12`."
                ),
            ))
        }
    };
    let client = match context.client() {
        Ok(client) => client,
        Err(diagnostic) => return failed(diagnostic),
    };
    let policy = match client.get_policy(policy_id, true).await {
        Ok(policy) => policy,
        Err(error) => return failed(policy_error(policy_id, "imported", &error)),
    };

    let Value::Object(mut state) = template else {
        return failed(Diagnostic::provider_bug(
            "Invalid state template",
            "The template of the imported state is not an object.",
        ));
    };
    let mut diagnostics = Diagnostics::new();
    let extension = policy.integrity_monitoring.clone().unwrap_or_default();
    state.insert("id".to_string(), Value::string(policy_id.to_string()));
    state.insert("policy_id".to_string(), Value::number_i64(policy_id));
    state.insert("reset_on_destroy".to_string(), Value::Bool(true));
    if let Some(own) = extension.state {
        state.insert("state".to_string(), Value::string(own));
    }
    if !extension.rule_ids.is_empty() {
        state.insert("rule_ids".to_string(), id_set(&extension.rule_ids));
    }
    for (name, value) in &policy.policy_settings {
        if let Some(setting) = by_api_name(name) {
            let value = setting_value(setting, &value.value, &mut diagnostics);
            state.insert(setting.attribute.to_string(), value);
        }
    }
    state.insert("module_status".to_string(), module_status(&policy));
    ReadOutcome {
        state: Value::Object(state),
        diagnostics,
    }
}

/// Resets what `prior` manages when `reset_on_destroy` is true: each managed setting goes back
/// to inherited, the direct rule assignments are removed and a managed state becomes
/// `inherited`. A policy that no longer exists is not an error.
pub(super) async fn delete(context: &ProviderContext, prior: &Value) -> Diagnostics {
    if prior.attr("reset_on_destroy").and_then(Value::as_bool) == Some(false) {
        return Diagnostics::new();
    }
    let client = match context.client() {
        Ok(client) => client,
        Err(diagnostic) => return diagnostic.into(),
    };
    let Some(policy_id) = known_id(prior.attr("policy_id")) else {
        return Diagnostic::provider_bug("Missing policy ID", "The state has no policy_id.").into();
    };

    let mut target: BTreeMap<String, Value> = match prior {
        Value::Object(attributes) => attributes.clone(),
        _ => BTreeMap::new(),
    };
    for setting in SETTINGS {
        target.insert(setting.attribute.to_string(), Value::Null);
    }
    target.insert("state".to_string(), Value::Null);
    if prior.attr("rule_ids").is_some_and(|ids| !ids.is_null()) {
        target.insert("rule_ids".to_string(), Value::Set(Vec::new()));
    }
    let writes = match Writes::between(prior, &Value::Object(target)) {
        Ok(writes) => writes,
        Err(diagnostic) => return diagnostic.into(),
    };

    let _guard = context.lock_for_write(&policy_key(policy_id)).await;
    let mut responses = Responses::default();
    let mut wrote = false;
    match send(
        &client,
        policy_id,
        Purpose::ResetOnDestroy,
        writes,
        &mut responses,
        &mut wrote,
    )
    .await
    {
        Ok(()) => Diagnostics::new(),
        Err(diagnostic) => {
            // A policy deleted outside Terraform has nothing left to reset.
            if diagnostic.summary == NOT_FOUND_SUMMARY {
                Diagnostics::new()
            } else {
                diagnostic.into()
            }
        }
    }
}

/// Summary of the diagnostic for a policy that does not exist.
const NOT_FOUND_SUMMARY: &str = "Policy not found";

/// Maps a failed write to a diagnostic, pointing at the attribute the API's message names.
///
/// NOTE: the API has no field in its error body, so the attribute is guessed from the message
/// text: a setting's API name, else "rule" or "state" in a 400 response.
fn write_error(policy_id: i64, purpose: Purpose, error: &Error) -> Diagnostic {
    let message = error.to_string();
    let named_setting = SETTINGS
        .iter()
        .find(|setting| message.contains(setting.api_name));
    if error.is_not_found() && named_setting.is_none() {
        return policy_error(policy_id, "changed", error);
    }
    let (summary, operation, advice) = match purpose {
        Purpose::Create => ("Failed to configure Integrity Monitoring", "Applying", ""),
        Purpose::Update => ("Failed to update Integrity Monitoring", "Changing", ""),
        Purpose::ResetOnDestroy => (
            "Failed to reset Integrity Monitoring",
            "Resetting",
            " To leave the policy as it is instead, set `reset_on_destroy = false`, apply, and \
             destroy again.",
        ),
    };
    let diagnostic = Diagnostic::error(
        summary,
        format!(
            "{operation} the Integrity Monitoring configuration of policy {policy_id} failed: \
             {}{advice}",
            as_sentence(&error.with_causes())
        ),
    );
    if let Some(setting) = named_setting {
        return diagnostic.at_attribute(setting.attribute);
    }
    if error.status() == Some(400) {
        let lower = message.to_ascii_lowercase();
        if lower.contains("rule") {
            return diagnostic.at_attribute("rule_ids");
        }
        if lower.contains("state") {
            return diagnostic.at_attribute("state");
        }
    }
    diagnostic
}

/// Returns the diagnostic for a failed policy request, naming the policy when it is missing.
/// `action` is a past participle such as `imported`.
fn policy_error(policy_id: i64, action: &str, error: &Error) -> Diagnostic {
    if error.is_not_found() {
        return Diagnostic::error(
            NOT_FOUND_SUMMARY,
            format!(
                "Policy {policy_id} does not exist, so its Integrity Monitoring cannot be \
                 {action}. Check `policy_id` against the policies in Workload Security. The \
                 API returned: {}",
                as_sentence(&error.to_string())
            ),
        )
        .at_attribute("policy_id");
    }
    Diagnostic::error(
        "Failed to read Integrity Monitoring",
        format!(
            "Reading the Integrity Monitoring configuration of policy {policy_id} failed: {}",
            as_sentence(&error.with_causes())
        ),
    )
}

/// Builds `module_status` from a policy's IM extension.
fn module_status(policy: &PolicyIm) -> Value {
    let status = policy
        .integrity_monitoring
        .as_ref()
        .and_then(|extension| extension.module_status.clone())
        .unwrap_or_default();
    let text = |value: Option<String>| value.map_or(Value::Null, Value::string);
    Value::object([
        ("status", text(status.status)),
        ("status_message", text(status.status_message)),
    ])
}

/// Builds a set of numbers from IDs.
fn id_set(ids: &[i64]) -> Value {
    Value::Set(ids.iter().copied().map(Value::number_i64).collect())
}

/// Ends `text` with a period unless it already ends with one, since the API's messages are
/// full sentences and the client's are not.
fn as_sentence(text: &str) -> String {
    if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    }
}
