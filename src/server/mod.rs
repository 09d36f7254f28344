//! The plugin server: go-plugin's handshake, automatic mutual TLS, the
//! gRPC services Terraform calls, and the process lifecycle.

pub mod controller;
pub mod convert;
pub mod listen;
pub mod proto;
pub mod rpc;
pub mod tls;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;

use listen::PluginListener;
use proto::plugin::grpc_broker_server::GrpcBrokerServer;
use proto::plugin::grpc_controller_server::GrpcControllerServer;
use proto::plugin::grpc_stdio_server::GrpcStdioServer;
use proto::tfplugin6::provider_server::ProviderServer;

/// The environment variable go-plugin clients set to prove the process was
/// started by Terraform or OpenTofu.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value Terraform and OpenTofu set it to.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The only plugin protocol version this server speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// Messages up to this size are accepted both ways. Terraform's own client
/// allows far more; tonic's default of 4 MiB is too small for large states.
const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;

/// How long the server may take to drain connections after Shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// Failures that stop the plugin server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// No socket could be opened.
    #[error("opening the plugin socket failed: {0}")]
    Listen(#[source] std::io::Error),
    /// The TLS setup failed.
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    /// Writing the handshake line failed.
    #[error("writing the handshake line to stdout failed: {0}")]
    Handshake(#[source] std::io::Error),
    /// The gRPC server failed.
    #[error("the gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// Installing a signal handler failed.
    #[error("installing the signal handler failed: {0}")]
    Signal(#[source] std::io::Error),
}

/// Settings read from the environment go-plugin's client prepares.
#[derive(Debug, Clone)]
pub struct PluginEnvironment {
    /// `PLUGIN_PROTOCOL_VERSIONS`, the versions the client speaks.
    pub protocol_versions: Vec<u32>,
    /// The directory for the Unix socket.
    pub socket_dir: PathBuf,
    /// TCP ports to try where Unix sockets are unavailable.
    pub ports: std::ops::RangeInclusive<u16>,
    /// The client's certificate for mutual TLS, if TLS is on.
    pub client_certificate: Option<String>,
}

impl PluginEnvironment {
    /// Reads the settings through `get`, normally `std::env::var`.
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> PluginEnvironment {
        let protocol_versions = get("PLUGIN_PROTOCOL_VERSIONS")
            .map(|text| {
                text.split(',')
                    .filter_map(|v| v.trim().parse::<u32>().ok())
                    .collect()
            })
            .unwrap_or_default();
        let port = |name: &str, default: u16| {
            get(name)
                .and_then(|text| text.trim().parse::<u16>().ok())
                .unwrap_or(default)
        };
        PluginEnvironment {
            protocol_versions,
            socket_dir: get("PLUGIN_UNIX_SOCKET_DIR")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir),
            ports: port("PLUGIN_MIN_PORT", 10000)..=port("PLUGIN_MAX_PORT", 25000),
            client_certificate: get("PLUGIN_CLIENT_CERT").filter(|pem| !pem.trim().is_empty()),
        }
    }
}

/// Formats the handshake line: core protocol 1, app protocol 6, the
/// network and address, `grpc`, and the server certificate as unpadded
/// standard base64 DER, or nothing when TLS is off.
pub fn handshake_line(network: &str, address: &str, certificate_der: Option<&[u8]>) -> String {
    let certificate = certificate_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("1|{PROTOCOL_VERSION}|{network}|{address}|grpc|{certificate}")
}

/// Serves the provider the way Terraform launches it, until Terraform calls
/// `GRPCController/Shutdown`.
///
/// # Errors
///
/// Returns an error when the socket, TLS or gRPC server cannot be set up.
pub async fn serve_plugin(environment: PluginEnvironment) -> Result<(), ServeError> {
    if !environment.protocol_versions.contains(&PROTOCOL_VERSION) {
        // go-plugin servers reply with their own version and let the client
        // report the mismatch, which names both sides' versions.
        tracing::warn!(
            offered = ?environment.protocol_versions,
            "the client does not offer plugin protocol 6"
        );
    }
    ignore_interrupts().map_err(ServeError::Signal)?;

    let listener = PluginListener::bind(&environment.socket_dir, environment.ports.clone())
        .await
        .map_err(ServeError::Listen)?;
    let (network, address) = listener.network_and_address();
    let socket_path = listener.socket_path();

    let (acceptor, certificate) = match &environment.client_certificate {
        Some(pem) => {
            let client_certificate = tls::parse_client_certificate(pem)?;
            let identity = tls::generate_server_identity()?;
            let config = tls::server_config(&identity, client_certificate)?;
            (
                Some(tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config))),
                Some(identity.certificate.as_ref().to_vec()),
            )
        }
        None => (None, None),
    };
    let line = handshake_line(network, &address, certificate.as_deref());
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(ServeError::Handshake)?;
    drop(stdout);
    tracing::info!(network, address = %address, tls = acceptor.is_some(), "plugin server started");

    let shutdown = CancellationToken::new();
    let result = run_grpc(listener.incoming(acceptor), shutdown.clone()).await;
    if let Some(path) = socket_path {
        let _ = std::fs::remove_file(path);
    }
    tracing::info!("plugin server stopped");
    result
}

/// Serves without TLS for a debugger session and prints the
/// `TF_REATTACH_PROVIDERS` value that points Terraform at this process.
/// Runs until Ctrl-C; Terraform never sends Shutdown to a reattached provider.
///
/// # Errors
///
/// Returns an error when the socket or gRPC server cannot be set up.
pub async fn serve_debug(socket_dir: PathBuf) -> Result<(), ServeError> {
    let listener = PluginListener::bind(&socket_dir, 10000..=25000)
        .await
        .map_err(ServeError::Listen)?;
    let (network, address) = listener.network_and_address();
    let socket_path = listener.socket_path();
    let reattach = serde_json::json!({
        crate::provider::PROVIDER_ADDRESS: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": {"Network": network, "String": address},
        }
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "Provider started in debug mode. To attach Terraform, run in another shell:\n\n\
         \texport TF_REATTACH_PROVIDERS='{reattach}'\n\n\
         and then run Terraform commands there. Press Ctrl-C here to stop the provider."
    )
    .and_then(|()| stdout.flush())
    .map_err(ServeError::Handshake)?;
    drop(stdout);

    let shutdown = CancellationToken::new();
    let on_interrupt = shutdown.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });
    let result = run_grpc(listener.incoming(None), shutdown).await;
    if let Some(path) = socket_path {
        let _ = std::fs::remove_file(path);
    }
    result
}

async fn run_grpc(
    incoming: tokio_stream::wrappers::ReceiverStream<
        Result<listen::PluginConnection, std::io::Error>,
    >,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    let provider = rpc::ProviderService::new(crate::resources::registry());
    let (mut health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let server = Server::builder()
        .add_service(
            ProviderServer::new(provider)
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE),
        )
        .add_service(GrpcControllerServer::new(controller::Controller::new(
            shutdown.clone(),
        )))
        .add_service(GrpcStdioServer::new(controller::Stdio::new(
            shutdown.clone(),
        )))
        .add_service(GrpcBrokerServer::new(controller::Broker))
        .add_service(health_service)
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());

    // Graceful shutdown waits for clients to close their connections; the
    // client gives the process two seconds to exit, so stop waiting sooner.
    let deadline = async {
        shutdown.cancelled().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        result = server => result.map_err(ServeError::from),
        () = deadline => Ok(()),
    }
}

/// Ignores SIGINT. Terraform shares its process group with the provider, so
/// Ctrl-C reaches the provider too; Terraform then sends StopProvider and
/// expects the process to stay up until Shutdown.
fn ignore_interrupts() -> std::io::Result<()> {
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    tokio::spawn(async move {
        while interrupts.recv().await.is_some() {
            tracing::debug!("ignoring SIGINT; waiting for StopProvider and Shutdown");
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_line_formats() {
        assert_eq!(
            handshake_line("unix", "/tmp/plugin1", None),
            "1|6|unix|/tmp/plugin1|grpc|"
        );
        // Three bytes need no padding; four would need "==" in padded base64.
        assert_eq!(
            handshake_line("tcp", "127.0.0.1:10001", Some(&[1, 2, 3, 4])),
            "1|6|tcp|127.0.0.1:10001|grpc|AQIDBA"
        );
    }

    #[test]
    fn plugin_environment_defaults() {
        let get = |name: &str| match name {
            "PLUGIN_PROTOCOL_VERSIONS" => Some("5,6".to_string()),
            "PLUGIN_MIN_PORT" => Some("12000".to_string()),
            _ => None,
        };
        let environment = PluginEnvironment::from_env(&get);
        assert_eq!(environment.protocol_versions, vec![5, 6]);
        assert_eq!(environment.ports, 12000..=25000);
        assert!(environment.client_certificate.is_none());
    }
}
