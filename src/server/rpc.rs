//! The `tfplugin6.Provider` service: one method per RPC, each of the same
//! shape. Open a span, decode the request, dispatch, encode the response.
//! Problems the user should read travel as diagnostics in the response. A
//! gRPC status is used only where the protocol defines one, which is
//! UNIMPLEMENTED for features this provider does not offer.

use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument;

use crate::protocol::value::{self, Value};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::provider::{self, ProviderContext};
use crate::resources::{ApplyRequest, PlanRequest, Resource};

use super::convert;
use super::proto::tfplugin6 as wire;
use super::proto::tfplugin6::provider_server::Provider;

/// The provider service: the resource registry plus shared state.
#[derive(Debug)]
pub struct ProviderService {
    resources: BTreeMap<&'static str, Arc<dyn Resource>>,
    /// Each resource's value type, built once: building a schema allocates
    /// every description, which would otherwise happen on every call.
    value_types: HashMap<&'static str, value::Type>,
    provider_type: value::Type,
    context: Arc<ProviderContext>,
    request_counter: AtomicU64,
}

impl ProviderService {
    /// Creates the service over the given resources.
    pub fn new(resources: BTreeMap<&'static str, Arc<dyn Resource>>) -> ProviderService {
        let value_types = resources
            .iter()
            .map(|(name, resource)| (*name, resource.schema().value_type()))
            .collect();
        ProviderService {
            resources,
            value_types,
            provider_type: provider::provider_schema().value_type(),
            context: Arc::new(ProviderContext::new()),
            request_counter: AtomicU64::new(0),
        }
    }

    fn span(&self, rpc: &'static str, resource_type: &str) -> tracing::Span {
        let request_id = self.request_counter.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug_span!(
            "rpc",
            tf_rpc = rpc,
            tf_req_id = request_id,
            tf_resource_type = resource_type
        )
    }

    fn resource(&self, type_name: &str) -> Result<(&Arc<dyn Resource>, &value::Type), Diagnostic> {
        let found = self
            .resources
            .get(type_name)
            .zip(self.value_types.get(type_name));
        found.ok_or_else(|| {
            Diagnostic::error(
                "Unknown resource type",
                format!(
                    "This provider has no resource type {type_name:?}. The types it offers are: {}.",
                    self.resources.keys().copied().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }
}

/// Runs `future` unless Terraform sends StopProvider first.
async fn cancellable<T>(
    context: &ProviderContext,
    future: impl std::future::Future<Output = T>,
    on_stop: impl FnOnce(Diagnostic) -> T,
) -> T {
    tokio::select! {
        result = future => result,
        () = context.stop_token().cancelled() => on_stop(Diagnostic::error(
            "Operation cancelled",
            "Terraform asked the provider to stop (for example after Ctrl-C), so the operation \
             was abandoned before it finished. Run `terraform plan` to see what was applied.",
        )),
    }
}

// The return type is the one tonic's generated trait requires of every RPC.
#[allow(clippy::result_large_err)]
fn finish<T>(
    rpc: &str,
    started: Instant,
    diagnostics: &[wire::Diagnostic],
    response: T,
) -> Result<Response<T>, Status> {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == wire::diagnostic::Severity::Error as i32)
        .count();
    tracing::trace!(
        tf_rpc = rpc,
        duration_ms = started.elapsed().as_millis() as u64,
        diagnostic_error_count = errors,
        diagnostic_count = diagnostics.len(),
        "served request"
    );
    for diagnostic in diagnostics {
        tracing::debug!(summary = %diagnostic.summary, severity = diagnostic.severity, "response diagnostic");
    }
    Ok(Response::new(response))
}

type EventStream<T> = Pin<Box<dyn futures::Stream<Item = Result<T, Status>> + Send + 'static>>;

fn unsupported(kind: &str, type_name: &str) -> Vec<wire::Diagnostic> {
    convert::diagnostics(
        Diagnostic::error(
            format!("Unsupported {kind}"),
            format!("This provider offers no {kind} named {type_name:?}."),
        )
        .into(),
    )
}

#[tonic::async_trait]
impl Provider for ProviderService {
    /// Called by tooling only; lists what the provider offers.
    async fn get_metadata(
        &self,
        _request: Request<wire::get_metadata::Request>,
    ) -> Result<Response<wire::get_metadata::Response>, Status> {
        Ok(Response::new(wire::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: self
                .resources
                .keys()
                .map(|name| wire::get_metadata::ResourceMetadata {
                    type_name: name.to_string(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    /// Returns the provider and resource schemas: the first call on every
    /// provider process that has no cached schema.
    async fn get_provider_schema(
        &self,
        _request: Request<wire::get_provider_schema::Request>,
    ) -> Result<Response<wire::get_provider_schema::Response>, Status> {
        let started = Instant::now();
        let span = self.span("GetProviderSchema", "");
        let _entered = span.enter();
        let resource_schemas: HashMap<String, wire::Schema> = self
            .resources
            .iter()
            .map(|(name, resource)| (name.to_string(), convert::schema(&resource.schema())))
            .collect();
        let response = wire::get_provider_schema::Response {
            provider: Some(convert::schema(&provider::provider_schema())),
            resource_schemas,
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        };
        finish("GetProviderSchema", started, &[], response)
    }

    /// Called in validate and plan walks for every provider configuration.
    async fn validate_provider_config(
        &self,
        request: Request<wire::validate_provider_config::Request>,
    ) -> Result<Response<wire::validate_provider_config::Response>, Status> {
        let started = Instant::now();
        let span = self.span("ValidateProviderConfig", "");
        let _entered = span.enter();
        let request = request.into_inner();
        let ty = &self.provider_type;
        let diagnostics =
            match convert::decode(request.config.as_ref(), ty, "provider configuration") {
                Ok(config) => provider::validate_provider_config(&config),
                Err(diagnostic) => diagnostic.into(),
            };
        let diagnostics = convert::diagnostics(diagnostics);
        finish(
            "ValidateProviderConfig",
            started,
            &diagnostics.clone(),
            wire::validate_provider_config::Response { diagnostics },
        )
    }

    /// Called for each resource block in validate and plan walks.
    async fn validate_resource_config(
        &self,
        request: Request<wire::validate_resource_config::Request>,
    ) -> Result<Response<wire::validate_resource_config::Response>, Status> {
        let started = Instant::now();
        let request = request.into_inner();
        let span = self.span("ValidateResourceConfig", &request.type_name);
        let _entered = span.enter();
        let diagnostics = match self.resource(&request.type_name) {
            Ok((resource, ty)) => {
                match convert::decode(request.config.as_ref(), ty, "resource configuration") {
                    Ok(config) => resource.validate(&config),
                    Err(diagnostic) => diagnostic.into(),
                }
            }
            Err(diagnostic) => diagnostic.into(),
        };
        let diagnostics = convert::diagnostics(diagnostics);
        finish(
            "ValidateResourceConfig",
            started,
            &diagnostics.clone(),
            wire::validate_resource_config::Response { diagnostics },
        )
    }

    /// This provider has no data sources.
    async fn validate_data_resource_config(
        &self,
        request: Request<wire::validate_data_resource_config::Request>,
    ) -> Result<Response<wire::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(
            wire::validate_data_resource_config::Response {
                diagnostics: unsupported("data source", &request.type_name),
            },
        ))
    }

    /// Called for every resource instance in state before each plan or refresh.
    async fn upgrade_resource_state(
        &self,
        request: Request<wire::upgrade_resource_state::Request>,
    ) -> Result<Response<wire::upgrade_resource_state::Response>, Status> {
        let started = Instant::now();
        let request = request.into_inner();
        let span = self.span("UpgradeResourceState", &request.type_name);
        let _entered = span.enter();
        let mut response = wire::upgrade_resource_state::Response::default();
        let result = (|| -> Result<wire::DynamicValue, Diagnostics> {
            let (resource, ty) = self.resource(&request.type_name)?;
            let raw = request.raw_state.unwrap_or_default();
            if raw.json.is_empty() {
                return Err(Diagnostic::error(
                    "Unsupported state format",
                    "The stored state of this resource is in the flatmap format of Terraform \
                     0.11 and earlier, which this provider cannot read. Remove the resource \
                     from state and import it again.",
                )
                .into());
            }
            let stored = value::decode_json(&raw.json, ty).map_err(|err| {
                Diagnostic::error(
                    "Invalid stored state",
                    format!(
                        "The stored state of this {} could not be read: {err}. Remove the \
                         resource from state and import it again.",
                        request.type_name
                    ),
                )
            })?;
            let upgraded = resource.upgrade(request.version, stored)?;
            Ok(convert::encode(&upgraded, ty, "upgraded state")?)
        })();
        match result {
            Ok(state) => response.upgraded_state = Some(state),
            Err(diagnostics) => response.diagnostics = convert::diagnostics(diagnostics),
        }
        finish(
            "UpgradeResourceState",
            started,
            &response.diagnostics.clone(),
            response,
        )
    }

    /// Returns an empty map, because resource identities are not offered.
    async fn get_resource_identity_schemas(
        &self,
        _request: Request<wire::get_resource_identity_schemas::Request>,
    ) -> Result<Response<wire::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(
            wire::get_resource_identity_schemas::Response::default(),
        ))
    }

    /// Never called, because no identity is ever returned.
    async fn upgrade_resource_identity(
        &self,
        _request: Request<wire::upgrade_resource_identity::Request>,
    ) -> Result<Response<wire::upgrade_resource_identity::Response>, Status> {
        Err(Status::unimplemented(
            "this provider does not use resource identities",
        ))
    }

    /// Called once per provider process in plan, apply and import walks.
    async fn configure_provider(
        &self,
        request: Request<wire::configure_provider::Request>,
    ) -> Result<Response<wire::configure_provider::Response>, Status> {
        let started = Instant::now();
        let span = self.span("ConfigureProvider", "");
        let _entered = span.enter();
        let request = request.into_inner();
        let ty = &self.provider_type;
        let diagnostics =
            match convert::decode(request.config.as_ref(), ty, "provider configuration") {
                Ok(config) => self.context.configure(&config, &request.terraform_version),
                Err(diagnostic) => diagnostic.into(),
            };
        let diagnostics = convert::diagnostics(diagnostics);
        finish(
            "ConfigureProvider",
            started,
            &diagnostics.clone(),
            wire::configure_provider::Response { diagnostics },
        )
    }

    /// Refresh: returns the remote object, or null when it is gone.
    async fn read_resource(
        &self,
        request: Request<wire::read_resource::Request>,
    ) -> Result<Response<wire::read_resource::Response>, Status> {
        let started = Instant::now();
        let request = request.into_inner();
        let span = self.span("ReadResource", &request.type_name);
        let private = request.private.clone();
        let result = async {
            let (resource, ty) = self.resource(&request.type_name)?;
            let current = convert::decode(request.current_state.as_ref(), ty, "current state")?;
            let outcome = cancellable(
                &self.context,
                resource.read(&self.context, &current),
                |diagnostic| crate::resources::ReadOutcome {
                    state: current.clone(),
                    diagnostics: diagnostic.into(),
                },
            )
            .await;
            let mut diagnostics = outcome.diagnostics;
            match convert::encode(&outcome.state, ty, "state") {
                Ok(state) => Ok::<_, Diagnostics>((Some(state), diagnostics)),
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    Err(diagnostics)
                }
            }
        }
        .instrument(span)
        .await;
        let (new_state, diagnostics) = match result {
            Ok((state, diagnostics)) => (state, diagnostics),
            Err(diagnostics) => (request.current_state.clone(), diagnostics),
        };
        let diagnostics = convert::diagnostics(diagnostics);
        finish(
            "ReadResource",
            started,
            &diagnostics.clone(),
            wire::read_resource::Response {
                new_state,
                diagnostics,
                private,
                ..Default::default()
            },
        )
    }

    /// Plans a create or an update; destroy plans are made by Terraform itself.
    async fn plan_resource_change(
        &self,
        request: Request<wire::plan_resource_change::Request>,
    ) -> Result<Response<wire::plan_resource_change::Response>, Status> {
        let started = Instant::now();
        let request = request.into_inner();
        let span = self.span("PlanResourceChange", &request.type_name);
        let mut response = wire::plan_resource_change::Response {
            planned_private: request.prior_private.clone(),
            ..Default::default()
        };
        let result = async {
            let (resource, ty) = self.resource(&request.type_name)?;
            let prior = convert::decode(request.prior_state.as_ref(), ty, "prior state")?;
            let proposed =
                convert::decode(request.proposed_new_state.as_ref(), ty, "proposed state")?;
            let config = convert::decode(request.config.as_ref(), ty, "configuration")?;
            if proposed.is_null() {
                // A destroy: the planned state is null, as the protocol requires.
                return Ok::<_, Diagnostics>((Value::Null, vec![], Diagnostics::new(), ty));
            }
            let plan = resource
                .plan(
                    &self.context,
                    PlanRequest {
                        prior: &prior,
                        proposed: &proposed,
                        config: &config,
                    },
                )
                .await;
            Ok((plan.planned, plan.requires_replace, plan.diagnostics, ty))
        }
        .instrument(span)
        .await;
        match result {
            Ok((planned, requires_replace, diagnostics, ty)) => {
                let mut diagnostics = diagnostics;
                if !diagnostics.has_errors() {
                    match convert::encode(&planned, ty, "planned state") {
                        Ok(planned) => response.planned_state = Some(planned),
                        Err(diagnostic) => diagnostics.push(diagnostic),
                    }
                    response.requires_replace = requires_replace
                        .into_iter()
                        .map(convert::attribute_path)
                        .collect();
                }
                response.diagnostics = convert::diagnostics(diagnostics);
            }
            Err(diagnostics) => response.diagnostics = convert::diagnostics(diagnostics),
        }
        finish(
            "PlanResourceChange",
            started,
            &response.diagnostics.clone(),
            response,
        )
    }

    /// Creates, updates or deletes the remote object.
    async fn apply_resource_change(
        &self,
        request: Request<wire::apply_resource_change::Request>,
    ) -> Result<Response<wire::apply_resource_change::Response>, Status> {
        let started = Instant::now();
        let request = request.into_inner();
        let span = self.span("ApplyResourceChange", &request.type_name);
        let mut response = wire::apply_resource_change::Response {
            private: request.planned_private.clone(),
            ..Default::default()
        };
        let result = async {
            let (resource, ty) = self.resource(&request.type_name)?;
            let prior = convert::decode(request.prior_state.as_ref(), ty, "prior state")?;
            let planned = convert::decode(request.planned_state.as_ref(), ty, "planned state")?;
            let config = convert::decode(request.config.as_ref(), ty, "configuration")?;
            let (new_state, diagnostics) = if planned.is_null() {
                let diagnostics = cancellable(
                    &self.context,
                    resource.delete(&self.context, &prior),
                    Diagnostics::from,
                )
                .await;
                // A failed delete keeps the prior state, so the object stays tracked.
                let state = if diagnostics.has_errors() {
                    prior
                } else {
                    Value::Null
                };
                (state, diagnostics)
            } else {
                let apply = ApplyRequest {
                    prior: &prior,
                    planned: &planned,
                    config: &config,
                };
                let fallback = if prior.is_null() {
                    Value::Null
                } else {
                    prior.clone()
                };
                let outcome = if prior.is_null() {
                    cancellable(&self.context, resource.create(&self.context, apply), |d| {
                        crate::resources::ApplyOutcome {
                            new_state: fallback.clone(),
                            diagnostics: d.into(),
                        }
                    })
                    .await
                } else {
                    cancellable(&self.context, resource.update(&self.context, apply), |d| {
                        crate::resources::ApplyOutcome {
                            new_state: fallback.clone(),
                            diagnostics: d.into(),
                        }
                    })
                    .await
                };
                (outcome.new_state, outcome.diagnostics)
            };
            let mut diagnostics = diagnostics;
            match convert::encode(&new_state, ty, "new state") {
                Ok(state) => Ok::<_, Diagnostics>((Some(state), diagnostics)),
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    Err(diagnostics)
                }
            }
        }
        .instrument(span)
        .await;
        match result {
            Ok((state, diagnostics)) => {
                response.new_state = state;
                response.diagnostics = convert::diagnostics(diagnostics);
            }
            Err(diagnostics) => {
                response.new_state = request.prior_state.clone();
                response.diagnostics = convert::diagnostics(diagnostics);
            }
        }
        finish(
            "ApplyResourceChange",
            started,
            &response.diagnostics.clone(),
            response,
        )
    }

    /// `terraform import` and `import` blocks.
    async fn import_resource_state(
        &self,
        request: Request<wire::import_resource_state::Request>,
    ) -> Result<Response<wire::import_resource_state::Response>, Status> {
        let started = Instant::now();
        let request = request.into_inner();
        let span = self.span("ImportResourceState", &request.type_name);
        let mut response = wire::import_resource_state::Response::default();
        let result = async {
            let (resource, ty) = self.resource(&request.type_name)?;
            let outcome = cancellable(
                &self.context,
                resource.import(&self.context, &request.id),
                |d| crate::resources::ReadOutcome {
                    state: Value::Null,
                    diagnostics: d.into(),
                },
            )
            .await;
            let mut diagnostics = outcome.diagnostics;
            if outcome.state.is_null() || diagnostics.has_errors() {
                return Ok::<_, Diagnostics>((None, diagnostics));
            }
            match convert::encode(&outcome.state, ty, "imported state") {
                Ok(state) => Ok((Some(state), diagnostics)),
                Err(diagnostic) => {
                    diagnostics.push(diagnostic);
                    Ok((None, diagnostics))
                }
            }
        }
        .instrument(span)
        .await;
        let (state, diagnostics) = result.unwrap_or_else(|diagnostics| (None, diagnostics));
        if let Some(state) = state {
            response
                .imported_resources
                .push(wire::import_resource_state::ImportedResource {
                    type_name: request.type_name.clone(),
                    state: Some(state),
                    ..Default::default()
                });
        }
        response.diagnostics = convert::diagnostics(diagnostics);
        finish(
            "ImportResourceState",
            started,
            &response.diagnostics.clone(),
            response,
        )
    }

    /// Moving state in from other resource types is not offered.
    async fn move_resource_state(
        &self,
        request: Request<wire::move_resource_state::Request>,
    ) -> Result<Response<wire::move_resource_state::Response>, Status> {
        let request = request.into_inner();
        let diagnostic = Diagnostic::error(
            "Unsupported resource move",
            format!(
                "This provider cannot move state from {:?} to {:?}. Remove the old resource \
                 from state and import the new one instead.",
                request.source_type_name, request.target_type_name
            ),
        );
        Ok(Response::new(wire::move_resource_state::Response {
            diagnostics: convert::diagnostics(diagnostic.into()),
            ..Default::default()
        }))
    }

    /// This provider has no data sources.
    async fn read_data_source(
        &self,
        request: Request<wire::read_data_source::Request>,
    ) -> Result<Response<wire::read_data_source::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::read_data_source::Response {
            diagnostics: unsupported("data source", &request.type_name),
            ..Default::default()
        }))
    }

    /// Config generation is not offered (the capability is not announced).
    async fn generate_resource_config(
        &self,
        _request: Request<wire::generate_resource_config::Request>,
    ) -> Result<Response<wire::generate_resource_config::Response>, Status> {
        Err(Status::unimplemented(
            "this provider does not generate configuration",
        ))
    }

    /// This provider has no ephemeral resources.
    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<wire::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<wire::validate_ephemeral_resource_config::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(
            wire::validate_ephemeral_resource_config::Response {
                diagnostics: unsupported("ephemeral resource", &request.type_name),
            },
        ))
    }

    /// This provider has no ephemeral resources.
    async fn open_ephemeral_resource(
        &self,
        request: Request<wire::open_ephemeral_resource::Request>,
    ) -> Result<Response<wire::open_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::open_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resource", &request.type_name),
            ..Default::default()
        }))
    }

    /// This provider has no ephemeral resources.
    async fn renew_ephemeral_resource(
        &self,
        request: Request<wire::renew_ephemeral_resource::Request>,
    ) -> Result<Response<wire::renew_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::renew_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resource", &request.type_name),
            ..Default::default()
        }))
    }

    /// This provider has no ephemeral resources.
    async fn close_ephemeral_resource(
        &self,
        request: Request<wire::close_ephemeral_resource::Request>,
    ) -> Result<Response<wire::close_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::close_ephemeral_resource::Response {
            diagnostics: unsupported("ephemeral resource", &request.type_name),
        }))
    }

    type ListResourceStream = EventStream<wire::list_resource::Event>;

    /// List resources are not offered.
    async fn list_resource(
        &self,
        _request: Request<wire::list_resource::Request>,
    ) -> Result<Response<Self::ListResourceStream>, Status> {
        Err(Status::unimplemented("this provider has no list resources"))
    }

    /// List resources are not offered.
    async fn validate_list_resource_config(
        &self,
        request: Request<wire::validate_list_resource_config::Request>,
    ) -> Result<Response<wire::validate_list_resource_config::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(
            wire::validate_list_resource_config::Response {
                diagnostics: unsupported("list resource", &request.type_name),
            },
        ))
    }

    /// No functions: an empty map.
    async fn get_functions(
        &self,
        _request: Request<wire::get_functions::Request>,
    ) -> Result<Response<wire::get_functions::Response>, Status> {
        Ok(Response::new(wire::get_functions::Response::default()))
    }

    /// No functions exist, so every call names an unknown function.
    async fn call_function(
        &self,
        request: Request<wire::call_function::Request>,
    ) -> Result<Response<wire::call_function::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::call_function::Response {
            result: None,
            error: Some(wire::FunctionError {
                text: format!("this provider has no function named {:?}", request.name),
                function_argument: None,
            }),
        }))
    }

    /// State stores are not offered.
    async fn validate_state_store_config(
        &self,
        request: Request<wire::validate_state_store::Request>,
    ) -> Result<Response<wire::validate_state_store::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::validate_state_store::Response {
            diagnostics: unsupported("state store", &request.type_name),
        }))
    }

    /// State stores are not offered.
    async fn configure_state_store(
        &self,
        request: Request<wire::configure_state_store::Request>,
    ) -> Result<Response<wire::configure_state_store::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::configure_state_store::Response {
            diagnostics: unsupported("state store", &request.type_name),
        }))
    }

    type ReadStateBytesStream = EventStream<wire::read_state_bytes::Response>;

    /// State stores are not offered.
    async fn read_state_bytes(
        &self,
        _request: Request<wire::read_state_bytes::Request>,
    ) -> Result<Response<Self::ReadStateBytesStream>, Status> {
        Err(Status::unimplemented("this provider has no state stores"))
    }

    /// State stores are not offered.
    async fn write_state_bytes(
        &self,
        _request: Request<Streaming<wire::write_state_bytes::RequestChunk>>,
    ) -> Result<Response<wire::write_state_bytes::Response>, Status> {
        Err(Status::unimplemented("this provider has no state stores"))
    }

    /// State stores are not offered.
    async fn get_states(
        &self,
        request: Request<wire::get_states::Request>,
    ) -> Result<Response<wire::get_states::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::get_states::Response {
            state_id: vec![],
            diagnostics: unsupported("state store", &request.type_name),
        }))
    }

    /// State stores are not offered.
    async fn delete_state(
        &self,
        request: Request<wire::delete_state::Request>,
    ) -> Result<Response<wire::delete_state::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::delete_state::Response {
            diagnostics: unsupported("state store", &request.type_name),
        }))
    }

    /// Actions are not offered.
    async fn plan_action(
        &self,
        request: Request<wire::plan_action::Request>,
    ) -> Result<Response<wire::plan_action::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::plan_action::Response {
            diagnostics: unsupported("action", &request.action_type),
            deferred: None,
        }))
    }

    type InvokeActionStream = EventStream<wire::invoke_action::Event>;

    /// Actions are not offered.
    async fn invoke_action(
        &self,
        _request: Request<wire::invoke_action::Request>,
    ) -> Result<Response<Self::InvokeActionStream>, Status> {
        Err(Status::unimplemented("this provider has no actions"))
    }

    /// Actions are not offered.
    async fn validate_action_config(
        &self,
        request: Request<wire::validate_action_config::Request>,
    ) -> Result<Response<wire::validate_action_config::Response>, Status> {
        let request = request.into_inner();
        Ok(Response::new(wire::validate_action_config::Response {
            diagnostics: unsupported("action", &request.type_name),
        }))
    }

    /// Sent on interrupt: in-flight operations end with a diagnostic.
    async fn stop_provider(
        &self,
        _request: Request<wire::stop_provider::Request>,
    ) -> Result<Response<wire::stop_provider::Response>, Status> {
        tracing::info!("stop requested by Terraform; cancelling in-flight operations");
        self.context.stop_token().cancel();
        Ok(Response::new(wire::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn server_capabilities() -> wire::ServerCapabilities {
    wire::ServerCapabilities {
        plan_destroy: false,
        // Nothing is kept between GetProviderSchema and other calls, so
        // Terraform may reuse a cached schema and skip the call.
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::schema::{Attribute, Block, Mode, Schema};
    use crate::protocol::value::Type;
    use crate::resources::{ApplyOutcome, Plan, ReadOutcome};
    use std::time::Duration;

    /// A resource whose read never finishes, to show that StopProvider
    /// ends in-flight operations.
    #[derive(Debug)]
    struct NeverFinishes;

    #[async_trait::async_trait]
    impl Resource for NeverFinishes {
        fn type_name(&self) -> &'static str {
            "workload_never_finishes"
        }

        fn schema(&self) -> Schema {
            Schema {
                version: 0,
                block: Block {
                    attributes: vec![Attribute::new("id", Type::String, Mode::Computed, "ID.")],
                    ..Block::default()
                },
            }
        }

        fn validate(&self, _config: &Value) -> Diagnostics {
            Diagnostics::new()
        }

        async fn plan(&self, _context: &ProviderContext, request: PlanRequest<'_>) -> Plan {
            Plan {
                planned: request.proposed.clone(),
                requires_replace: vec![],
                diagnostics: Diagnostics::new(),
            }
        }

        async fn create(
            &self,
            _context: &ProviderContext,
            _request: ApplyRequest<'_>,
        ) -> ApplyOutcome {
            std::future::pending().await
        }

        async fn read(&self, _context: &ProviderContext, _state: &Value) -> ReadOutcome {
            std::future::pending().await
        }

        async fn update(
            &self,
            _context: &ProviderContext,
            _request: ApplyRequest<'_>,
        ) -> ApplyOutcome {
            std::future::pending().await
        }

        async fn delete(&self, _context: &ProviderContext, _prior: &Value) -> Diagnostics {
            std::future::pending().await
        }

        async fn import(&self, _context: &ProviderContext, _id: &str) -> ReadOutcome {
            std::future::pending().await
        }
    }

    fn service() -> Arc<ProviderService> {
        let resource: Arc<dyn Resource> = Arc::new(NeverFinishes);
        Arc::new(ProviderService::new(BTreeMap::from([(
            resource.type_name(),
            resource,
        )])))
    }

    #[tokio::test]
    async fn stop_provider_cancels_inflight_read() {
        let service = service();
        let ty = NeverFinishes.schema().value_type();
        let state = Value::object([("id", Value::string("1"))]);
        let msgpack = value::encode_msgpack(&state, &ty).expect("state encodes");

        let reader = service.clone();
        let read = tokio::spawn(async move {
            reader
                .read_resource(Request::new(wire::read_resource::Request {
                    type_name: "workload_never_finishes".into(),
                    current_state: Some(wire::DynamicValue {
                        msgpack,
                        json: vec![],
                    }),
                    ..Default::default()
                }))
                .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!read.is_finished(), "the read is still in flight");

        service
            .stop_provider(Request::new(wire::stop_provider::Request {}))
            .await
            .expect("StopProvider");
        let response = tokio::time::timeout(Duration::from_secs(5), read)
            .await
            .expect("the read ends after StopProvider")
            .expect("task joins")
            .expect("a response, not a status")
            .into_inner();
        let summaries: Vec<&str> = response
            .diagnostics
            .iter()
            .map(|d| d.summary.as_str())
            .collect();
        assert_eq!(summaries, vec!["Operation cancelled"]);
        assert!(response.new_state.is_some(), "the prior state is kept");
    }

    #[tokio::test]
    async fn unknown_resource_type_is_named() {
        let service = service();
        let response = service
            .validate_resource_config(Request::new(wire::validate_resource_config::Request {
                type_name: "workload_nothing".into(),
                ..Default::default()
            }))
            .await
            .expect("a response")
            .into_inner();
        assert_eq!(response.diagnostics.len(), 1);
        assert!(response.diagnostics[0].detail.contains("workload_nothing"));
        assert!(response.diagnostics[0]
            .detail
            .contains("workload_never_finishes"));
    }

    #[tokio::test]
    async fn invalid_msgpack_becomes_diagnostic() {
        let service = service();
        let response = service
            .plan_resource_change(Request::new(wire::plan_resource_change::Request {
                type_name: "workload_never_finishes".into(),
                proposed_new_state: Some(wire::DynamicValue {
                    msgpack: vec![0xc1, 0xff, 0x00],
                    json: vec![],
                }),
                ..Default::default()
            }))
            .await
            .expect("a response, not a status")
            .into_inner();
        assert!(response.planned_state.is_none());
        assert_eq!(response.diagnostics.len(), 1);
        assert_eq!(
            response.diagnostics[0].severity,
            wire::diagnostic::Severity::Error as i32
        );
    }
}
