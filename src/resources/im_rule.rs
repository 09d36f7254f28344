//! The `workload_im_rule` resource: an Integrity Monitoring rule (file, registry or custom XML)
//! managed through `/integritymonitoringrules`.
//!
//! | File | Concept |
//! | --- | --- |
//! | `fields.rs` | the attribute table and conversions between state and API fields |
//! | `plan.rs` | validation and planning |
//! | `state.rs` | state from responses and request bodies from plans |
//! | `xml.rs` | well-formedness and equivalence of `custom_xml` |

mod fields;
mod plan;
mod state;
mod xml;

use tracing::{debug, warn};

use crate::client::{Client, Error as ClientError, ImRule};
use crate::protocol::schema::{Attribute, Block, Schema};
use crate::protocol::value::{Type, Value};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::ProviderContext;

use super::{ApplyOutcome, ApplyRequest, Plan, PlanRequest, ReadOutcome, Resource};
use fields::{Kind, FIELDS};
use state::{applied_state, attr, create_body, state_from_rule, update_body};

/// The `workload_im_rule` resource type.
#[derive(Debug, Default)]
pub struct ImRuleResource;

#[async_trait::async_trait]
impl Resource for ImRuleResource {
    fn type_name(&self) -> &'static str {
        "workload_im_rule"
    }

    fn schema(&self) -> Schema {
        let attributes = FIELDS
            .iter()
            .map(|field| {
                let ty = match field.kind {
                    Kind::Text | Kind::Choice(_) | Kind::Xml | Kind::Id => Type::String,
                    Kind::Flag { .. } => Type::Bool,
                    Kind::List => Type::List(Box::new(Type::String)),
                    Kind::Timestamp => Type::Number,
                };
                Attribute::new(field.name, ty, field.mode, field.description)
            })
            .collect();
        Schema {
            version: 0,
            block: Block {
                attributes,
                blocks: vec![],
                description: "An Integrity Monitoring rule: a file rule, a registry rule or a \
                              custom rule written in the rule XML language. Import it by its \
                              numeric ID. Import fills optional attributes only where the API \
                              holds a non-empty, non-default value, because it cannot tell \
                              whether the configuration sets the others."
                    .to_string(),
                deprecated: false,
            },
        }
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        plan::validate(config)
    }

    async fn plan(&self, _context: &ProviderContext, request: PlanRequest<'_>) -> Plan {
        Plan {
            planned: plan::plan(request.prior, request.config),
            requires_replace: vec![],
            diagnostics: Diagnostics::new(),
        }
    }

    async fn create(&self, context: &ProviderContext, request: ApplyRequest<'_>) -> ApplyOutcome {
        let client = match context.client() {
            Ok(client) => client,
            Err(diagnostic) => return failed(Value::Null, diagnostic),
        };
        let body = create_body(request.planned);

        let rule = match client.create_rule(&body).await {
            Ok(rule) if rule.id.is_some() => rule,
            Ok(_) => {
                let error = "the API's response to the create request carries no rule ID";
                return recover_created(&client, request.planned, &body, error).await;
            }
            Err(error) if may_have_created(&error) => {
                return recover_created(&client, request.planned, &body, &error.with_causes())
                    .await;
            }
            Err(error) => {
                return failed(
                    Value::Null,
                    api_diagnostic("Failed to create integrity monitoring rule", &error),
                )
            }
        };

        debug!(rule_id = rule.id, "created integrity monitoring rule");
        ApplyOutcome {
            new_state: applied_state(request.planned, rule),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn read(&self, context: &ProviderContext, state: &Value) -> ReadOutcome {
        let id = match rule_id(state) {
            Ok(id) => id,
            Err(diagnostic) => return read_failed(state, diagnostic),
        };
        let client = match context.client() {
            Ok(client) => client,
            Err(diagnostic) => return read_failed(state, diagnostic),
        };

        match client.get_rule(id).await {
            Ok(rule) => ReadOutcome {
                state: state_from_rule(rule, state),
                diagnostics: Diagnostics::new(),
            },
            Err(error) if error.is_not_found() => {
                warn!(
                    rule_id = id,
                    "integrity monitoring rule is gone; removing it from state"
                );
                ReadOutcome {
                    state: Value::Null,
                    diagnostics: Diagnostic::warning(
                        "Integrity monitoring rule not found",
                        format!(
                            "Rule {id} no longer exists on the manager, so it was removed from \
                             the state. The next plan creates it again."
                        ),
                    )
                    .into(),
                }
            }
            Err(error) => read_failed(
                state,
                api_diagnostic("Failed to read integrity monitoring rule", &error),
            ),
        }
    }

    async fn update(&self, context: &ProviderContext, request: ApplyRequest<'_>) -> ApplyOutcome {
        let prior = request.prior;
        let id = match rule_id(prior) {
            Ok(id) => id,
            Err(diagnostic) => return failed(prior.clone(), diagnostic),
        };
        let client = match context.client() {
            Ok(client) => client,
            Err(diagnostic) => return failed(prior.clone(), diagnostic),
        };
        let body = update_body(prior, request.planned);

        // A plan can differ from the state only in values the API keeps anyway, such as a
        // reformatted custom_xml, and then there is nothing to send but the state still needs
        // the new last_updated.
        let result = if body == ImRule::default() {
            client.get_rule(id).await
        } else {
            client.modify_rule(id, &body).await
        };
        match result {
            Ok(rule) => ApplyOutcome {
                new_state: applied_state(request.planned, rule),
                diagnostics: Diagnostics::new(),
            },
            Err(error) => {
                let mut detail = error_sentence(&error);
                if is_vendor_rule(prior) && error.status() == Some(403) {
                    detail.push_str(&format!(
                        "\n\nRule {id} was issued by Trend Micro, and the manager rejects \
                         changes to most attributes of such rules. Undo the change in the \
                         configuration. {STOP_MANAGING_VENDOR_RULE}"
                    ));
                }
                failed(
                    prior.clone(),
                    Diagnostic::error("Failed to update integrity monitoring rule", detail),
                )
            }
        }
    }

    async fn delete(&self, context: &ProviderContext, prior: &Value) -> Diagnostics {
        let id = match rule_id(prior) {
            Ok(id) => id,
            Err(diagnostic) => return diagnostic.into(),
        };
        let client = match context.client() {
            Ok(client) => client,
            Err(diagnostic) => return diagnostic.into(),
        };

        match client.delete_rule(id).await {
            Ok(()) => Diagnostics::new(),
            Err(error) if error.is_not_found() => {
                debug!(
                    rule_id = id,
                    "integrity monitoring rule was already deleted"
                );
                Diagnostics::new()
            }
            Err(error) => Diagnostic::error(
                "Failed to delete integrity monitoring rule",
                delete_failure_detail(id, &error, is_vendor_rule(prior)),
            )
            .into(),
        }
    }

    async fn import(&self, context: &ProviderContext, id: &str) -> ReadOutcome {
        let trimmed = id.trim();
        let Some(rule_id) = trimmed.parse::<i64>().ok().filter(|id| *id > 0) else {
            return read_failed(
                &Value::Null,
                Diagnostic::error(
                    "Invalid import ID",
                    format!(
                        "The import ID {id:?} is not a rule ID. Use the rule's numeric API ID, \
                         for example `terraform import workload_im_rule.example 123`."
                    ),
                ),
            );
        };
        let client = match context.client() {
            Ok(client) => client,
            Err(diagnostic) => return read_failed(&Value::Null, diagnostic),
        };

        match client.get_rule(rule_id).await {
            Ok(rule) => {
                let state = state_from_rule(rule, &Value::Null);
                let mut diagnostics = Diagnostics::new();
                if is_vendor_rule(&state) {
                    diagnostics.push(vendor_rule_warning(rule_id));
                }
                ReadOutcome { state, diagnostics }
            }
            Err(error) if error.is_not_found() => read_failed(
                &Value::Null,
                Diagnostic::error(
                    "Integrity monitoring rule not found",
                    format!("No integrity monitoring rule has ID {rule_id}, so there is nothing to import."),
                ),
            ),
            Err(error) => read_failed(
                &Value::Null,
                api_diagnostic("Failed to import integrity monitoring rule", &error),
            ),
        }
    }
}

/// Parses the numeric rule ID held in the state's `id`.
fn rule_id(state: &Value) -> Result<i64, Diagnostic> {
    let text = attr(state, "id").as_str().unwrap_or_default();
    text.parse::<i64>().map_err(|_| {
        Diagnostic::error(
            "Invalid rule ID in state",
            format!(
                "The state holds {text:?} as the rule ID, which is not a number. Remove the \
                 resource from the state with `terraform state rm` and import the rule by its \
                 numeric ID."
            ),
        )
        .at_attribute("id")
    })
}

/// Reports whether a failed create may still have made the rule, because the request reached
/// the manager but no usable response came back.
fn may_have_created(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::Timeout { .. } | ClientError::Connection { .. } | ClientError::Decode { .. }
    ) || matches!(error.status(), Some(500 | 502 | 503 | 504))
}

/// Looks for the rule a failed create may have made, among rules with its name. When one
/// matches the request, returns its state with an error, so that Terraform records the rule as
/// tainted and replaces it on the next apply instead of losing track of it.
async fn recover_created(
    client: &Client,
    planned: &Value,
    body: &ImRule,
    cause: &str,
) -> ApplyOutcome {
    let summary = "Failed to create integrity monitoring rule";
    let name = body.name.as_deref().unwrap_or_default();
    // Only the last create attempt got this far with a response, and the earlier ones stored
    // nothing, so the rule can be at most one request timeout old.
    let started = std::time::SystemTime::now()
        .checked_sub(client.request_timeout())
        .unwrap_or(std::time::UNIX_EPOCH);
    let rule = match client.find_rule_created_by(body, started).await {
        Ok(Some(rule)) => rule,
        Ok(None) => {
            let detail =
                format!("{cause}\n\nNo rule named {name:?} exists, so nothing was created.");
            return failed(Value::Null, Diagnostic::error(summary, detail));
        }
        Err(error @ (ClientError::RulesNotAdopted { .. } | ClientError::DuplicateRules { .. })) => {
            let detail = format!("{cause}\n\nAfter the failure, {error}.");
            return failed(Value::Null, Diagnostic::error(summary, detail));
        }
        Err(error) => {
            return failed(
                Value::Null,
                Diagnostic::error(
                    summary,
                    format!(
                        "{cause}\n\nThe manager may have created the rule anyway, and the search \
                         for it by name failed as well: {}. Check for a rule named {name:?} and \
                         import it if it exists.",
                        error.with_causes()
                    ),
                ),
            )
        }
    };

    let id = rule.id.unwrap_or_default();
    warn!(
        rule_id = id,
        "create failed after the rule was made; returning it as tainted"
    );
    let mut state = applied_state(planned, rule);
    if let Value::Object(attributes) = &mut state {
        for value in attributes.values_mut() {
            // Terraform rejects unknown values in applied state, and this state is only kept
            // so that the rule is replaced later.
            if !value.is_wholly_known() {
                *value = Value::Null;
            }
        }
    }
    failed(
        state,
        Diagnostic::error(
            summary,
            format!(
                "{cause}\n\nThe manager created the rule anyway as ID {id}. It is kept in the \
                 state marked as tainted, so the next apply replaces it."
            ),
        ),
    )
}

/// How to stop managing a rule issued by Trend Micro, which the manager does not let anyone
/// delete.
const STOP_MANAGING_VENDOR_RULE: &str = "To stop managing the rule without deleting it, remove \
    it from the state with `terraform state rm` and the resource address, or, on Terraform 1.7 \
    and later, replace its resource block with a `removed` block whose `lifecycle` sets \
    `destroy = false`.";

/// Reports whether a state describes a rule issued by Trend Micro (`type` "2").
fn is_vendor_rule(state: &Value) -> bool {
    attr(state, "type").as_str() == Some("2")
}

/// Builds the warning shown when a rule issued by Trend Micro is imported, because such a rule
/// can then neither be destroyed nor changed in most attributes.
fn vendor_rule_warning(id: i64) -> Diagnostic {
    Diagnostic::warning(
        "Imported a rule issued by Trend Micro",
        format!(
            "Rule {id} was issued by Trend Micro (type \"2\"). The manager rejects deleting such \
             a rule and changing most of its attributes with HTTP 403, so `terraform destroy` and \
             most changes to this resource will fail. {STOP_MANAGING_VENDOR_RULE}"
        ),
    )
}

/// Reports whether a failed delete means that a policy still has the rule assigned, judged by
/// the API's message (for example "... cannot be deleted because it is assigned to policy
/// ...").
fn is_assigned_error(error: &ClientError) -> bool {
    let message = match error {
        ClientError::Api { message, .. } | ClientError::Unauthorized { message, .. } => message,
        _ => return false,
    };
    let message = message.to_lowercase();
    message.contains("assigned") || message.contains("in use")
}

/// Builds the detail of a failed delete of rule `id`: the error, and for a rule that a policy
/// still uses or a rule issued by Trend Micro, why the delete failed and how to recover.
fn delete_failure_detail(id: i64, error: &ClientError, vendor: bool) -> String {
    let mut detail = error_sentence(error);
    if is_assigned_error(error) {
        detail.push_str(
            "\n\nA policy still has the rule assigned, and the manager deletes only rules that \
             no policy uses.\n\n\
             If the configuration has just removed the rule from the rule_ids of a \
             workload_policy_integrity_monitoring, Terraform deletes the rule before it updates \
             the policy, because the policy refers to the rule, so every apply fails the same \
             way. Setting `lifecycle { create_before_destroy = true }` on the rule's resource \
             makes Terraform update the policy first, and it also lets `terraform apply \
             -replace` replace a rule that a policy uses. For a rule that is no longer in the \
             configuration, Terraform takes that setting from the state, so to recover now, put \
             the rule back into the configuration, add the setting, apply, and then remove the \
             rule again. When the rule's whole resource block was removed, running \
             `terraform apply -target` with the policy resource's address and then a full \
             apply also works.\n\n\
             A workload_policy_integrity_monitoring with reset_on_destroy = false leaves its \
             rule assignments behind when it is destroyed. Set reset_on_destroy = true and \
             apply before destroying it, or unassign the rule from that policy.\n\n\
             Otherwise, unassign the rule from every policy the message names, then apply \
             again.",
        );
    } else if vendor && error.status() == Some(403) {
        detail.push_str(&format!(
            "\n\nRule {id} was issued by Trend Micro, and the manager does not let anyone delete \
             such rules. {STOP_MANAGING_VENDOR_RULE}"
        ));
    }
    detail
}

fn api_diagnostic(summary: &str, error: &ClientError) -> Diagnostic {
    Diagnostic::error(summary, error_sentence(error))
}

/// Formats an error with its causes as a sentence, adding a period only when the API's message
/// does not already end with one.
fn error_sentence(error: &ClientError) -> String {
    let text = error.with_causes();
    if text.ends_with('.') {
        text
    } else {
        format!("{text}.")
    }
}

fn failed(new_state: Value, diagnostic: Diagnostic) -> ApplyOutcome {
    ApplyOutcome {
        new_state,
        diagnostics: diagnostic.into(),
    }
}

fn read_failed(state: &Value, diagnostic: Diagnostic) -> ReadOutcome {
    ReadOutcome {
        state: state.clone(),
        diagnostics: diagnostic.into(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::Method;

    use super::*;

    fn api_error(status: u16, message: &str) -> ClientError {
        let method = Method::DELETE;
        let path = "/integritymonitoringrules/7".to_string();
        let message = message.to_string();
        match status {
            401 | 403 => ClientError::Unauthorized {
                method,
                path,
                status,
                message,
            },
            _ => ClientError::Api {
                method,
                path,
                status,
                message,
            },
        }
    }

    #[test]
    fn delete_detail_explains_assigned_rules() {
        let assigned = "Integrity monitoring rule 7 cannot be deleted because it is assigned to \
                        policy \"Windows Server\" (ID 3).";
        let timeout = ClientError::Timeout {
            method: Method::DELETE,
            path: "/integritymonitoringrules/7".to_string(),
            after: Duration::from_secs(30),
            attempts: 3,
        };
        // Each case: name, error, whether the rule is a Trend Micro rule, whether the detail
        // explains assignments, whether it explains Trend Micro rules.
        let cases = [
            ("assigned", api_error(400, assigned), false, true, false),
            (
                "in use",
                api_error(403, "The rule is in use."),
                false,
                true,
                false,
            ),
            (
                "assigned vendor rule",
                api_error(400, assigned),
                true,
                true,
                false,
            ),
            (
                "other bad request",
                api_error(400, "Invalid rule ID."),
                false,
                false,
                false,
            ),
            (
                "server error",
                api_error(500, "Internal error."),
                false,
                false,
                false,
            ),
            (
                "vendor rule",
                api_error(403, "The requested modification is not permitted."),
                true,
                false,
                true,
            ),
            (
                "user rule forbidden",
                api_error(403, "The requested modification is not permitted."),
                false,
                false,
                false,
            ),
            ("timeout", timeout, true, false, false),
        ];
        for (name, error, vendor, explains_assigned, explains_vendor) in cases {
            let detail = delete_failure_detail(7, &error, vendor);
            assert!(
                detail.starts_with(&error.with_causes()),
                "case {name}: {detail}"
            );
            for hint in [
                "create_before_destroy = true",
                "-target",
                "reset_on_destroy = false",
            ] {
                assert_eq!(
                    detail.contains(hint),
                    explains_assigned,
                    "case {name}, hint {hint:?}: {detail}"
                );
            }
            assert_eq!(
                detail.contains("terraform state rm"),
                explains_vendor,
                "case {name}: {detail}"
            );
        }
    }

    #[test]
    fn vendor_warning_names_state_rm() {
        let diagnostic = vendor_rule_warning(104);
        assert!(!diagnostic.is_error());
        assert!(
            diagnostic.detail.contains("Rule 104"),
            "{}",
            diagnostic.detail
        );
        assert!(
            diagnostic.detail.contains("terraform state rm"),
            "{}",
            diagnostic.detail
        );
        assert!(
            diagnostic.detail.contains("`removed` block"),
            "{}",
            diagnostic.detail
        );
    }
}
