//! go-plugin's side services: the controller that ends the process, and
//! minimal broker and stdio services.

use std::pin::Pin;

use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use super::proto::plugin;

/// Handles `GRPCController/Shutdown` by cancelling the server's shutdown
/// token; the serve loop then stops and the process exits.
#[derive(Debug, Clone)]
pub struct Controller {
    shutdown: CancellationToken,
}

impl Controller {
    /// Creates a controller that cancels `shutdown` when Terraform calls Shutdown.
    pub fn new(shutdown: CancellationToken) -> Controller {
        Controller { shutdown }
    }
}

#[tonic::async_trait]
impl plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: Request<plugin::Empty>,
    ) -> Result<Response<plugin::Empty>, Status> {
        tracing::info!("shutdown requested by the plugin client");
        self.shutdown.cancel();
        Ok(Response::new(plugin::Empty {}))
    }
}

/// The broker serves plugins that open extra connections. Providers never
/// do, so a stream is accepted and closed as soon as the client closes it.
#[derive(Debug, Clone, Default)]
pub struct Broker;

type ConnInfoStream =
    Pin<Box<dyn futures::Stream<Item = Result<plugin::ConnInfo, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl plugin::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = ConnInfoStream;

    async fn start_stream(
        &self,
        request: Request<Streaming<plugin::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut inbound = request.into_inner();
        let outbound = async_stream_drain(async move {
            while let Ok(Some(info)) = inbound.message().await {
                tracing::debug!(
                    service_id = info.service_id,
                    "ignoring broker connection info"
                );
            }
        });
        Ok(Response::new(outbound))
    }
}

/// Turns a future into an empty stream that ends when the future does.
fn async_stream_drain<F>(future: F) -> ConnInfoStream
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    use futures::StreamExt;
    Box::pin(futures::stream::once(future).filter_map(|()| async { None }))
}

/// Stray output is never forwarded: the provider writes logs to stderr
/// directly, which Terraform reads as log lines, and nothing but the
/// handshake to stdout. The stream stays open until the client goes away.
#[derive(Debug, Clone)]
pub struct Stdio {
    shutdown: CancellationToken,
}

impl Stdio {
    /// Creates the service; its streams end when `shutdown` is cancelled.
    pub fn new(shutdown: CancellationToken) -> Stdio {
        Stdio { shutdown }
    }
}

type StdioStream =
    Pin<Box<dyn futures::Stream<Item = Result<plugin::StdioData, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl plugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = StdioStream;

    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        use futures::StreamExt;
        let shutdown = self.shutdown.clone();
        let stream = futures::stream::once(async move { shutdown.cancelled().await })
            .filter_map(|()| async { None });
        Ok(Response::new(Box::pin(stream)))
    }
}
