//! Drives the provider binary over gRPC exactly as Terraform's plugin client
//! does: magic cookie and client certificate in the environment, the server
//! certificate taken from the handshake line, mutual TLS over a Unix socket.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use terraform_provider_workload::server::proto::plugin;
use terraform_provider_workload::server::proto::tfplugin6;
use terraform_provider_workload::server::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use tonic::transport::{Channel, Endpoint, Uri};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-workload");

/// A client identity like the one go-plugin generates for Terraform.
struct ClientIdentity {
    pem: String,
    der: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn client_identity() -> ClientIdentity {
    let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let certificate = params
        .self_signed(&key_pair)
        .expect("self-signed certificate");
    ClientIdentity {
        pem: certificate.pem(),
        der: certificate.der().clone(),
        key: PrivatePkcs8KeyDer::from(key_pair.serialize_der()),
    }
}

/// A started provider process and the fields of its handshake line.
struct Plugin {
    child: Child,
    socket: String,
    server_certificate: CertificateDer<'static>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_plugin(client_pem: &str) -> Plugin {
    let mut child = Command::new(PROVIDER)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", client_pem)
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("provider binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("handshake line");
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line {line:?}");
    assert_eq!(fields[0], "1", "core protocol in {line:?}");
    assert_eq!(fields[1], "6", "app protocol in {line:?}");
    assert_eq!(fields[2], "unix", "network in {line:?}");
    assert_eq!(fields[4], "grpc", "protocol in {line:?}");
    assert!(
        !fields[5].ends_with('='),
        "certificate must not be padded: {line:?}"
    );
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .expect("certificate is unpadded standard base64");
    Plugin {
        child,
        socket: fields[3].to_string(),
        server_certificate: CertificateDer::from(der),
    }
}

/// Trusts exactly the certificate from the handshake line, as go-plugin's
/// client does by making it the only root.
#[derive(Debug)]
struct PinnedServer(CertificateDer<'static>, Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.1.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.1.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.1.signature_verification_algorithms.supported_schemes()
    }
}

async fn connect(
    plugin: &Plugin,
    identity: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServer(
            plugin.server_certificate.clone(),
            provider,
        )));
    let mut config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(
                vec![identity.der.clone()],
                PrivateKeyDer::Pkcs8(identity.key.clone_key()),
            )
            .expect("client certificate"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let socket = plugin.socket.clone();
    Endpoint::try_from("http://localhost")
        .expect("endpoint")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let connector = connector.clone();
            let socket = socket.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(socket).await?;
                let name = ServerName::try_from("localhost").expect("server name");
                let tls = connector.connect(name, stream).await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
}

#[tokio::test]
async fn mtls_client_gets_schema_and_health() {
    let identity = client_identity();
    let plugin = start_plugin(&identity.pem);
    let channel = connect(&plugin, Some(&identity))
        .await
        .expect("mTLS connection");

    let mut provider = tfplugin6::provider_client::ProviderClient::new(channel.clone());
    let schema = provider
        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(schema.provider.is_some(), "provider schema present");
    let capabilities = schema.server_capabilities.expect("capabilities");
    assert!(capabilities.get_provider_schema_optional);

    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health check")
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
}

#[tokio::test]
async fn clients_without_expected_certificate_refused() {
    let expected = client_identity();
    let other = client_identity();
    let cases = [
        ("no certificate", None),
        ("another certificate", Some(&other)),
    ];
    for (name, identity) in cases {
        let plugin = start_plugin(&expected.pem);
        let result = match connect(&plugin, identity).await {
            Err(_) => None,
            Ok(channel) => {
                let mut provider = tfplugin6::provider_client::ProviderClient::new(channel);
                Some(
                    provider
                        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
                        .await,
                )
            }
        };
        assert!(
            !matches!(result, Some(Ok(_))),
            "case {name}: the client must not be served"
        );
    }
}

#[tokio::test]
async fn shutdown_exits_promptly_and_removes_socket() {
    let identity = client_identity();
    let mut plugin = start_plugin(&identity.pem);
    let channel = connect(&plugin, Some(&identity))
        .await
        .expect("mTLS connection");
    let mut controller = plugin::grpc_controller_client::GrpcControllerClient::new(channel);

    let started = Instant::now();
    controller
        .shutdown(plugin::Empty {})
        .await
        .expect("Shutdown");
    drop(controller);
    let status = loop {
        if let Some(status) = plugin.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "the process must exit within Terraform's two-second grace period"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(status.success(), "exit status {status:?}");
    assert!(
        !std::path::Path::new(&plugin.socket).exists(),
        "the socket file {} must be removed",
        plugin.socket
    );
}

#[test]
fn sigint_is_ignored() {
    let identity = client_identity();
    let mut plugin = start_plugin(&identity.pem);
    let status = Command::new("kill")
        .args(["-INT", &plugin.child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        plugin.child.try_wait().expect("wait").is_none(),
        "SIGINT must not end the provider; Terraform sends StopProvider instead"
    );
}

#[test]
fn wrong_cookie_exits_with_message() {
    let cases = [
        ("missing cookie", None),
        ("wrong cookie", Some("not-the-cookie")),
    ];
    for (name, cookie) in cases {
        let mut command = Command::new(PROVIDER);
        command.env_remove(MAGIC_COOKIE_KEY);
        if let Some(cookie) = cookie {
            command.env(MAGIC_COOKIE_KEY, cookie);
        }
        let output = command.output().expect("provider binary runs");
        assert_eq!(output.status.code(), Some(1), "case {name}");
        assert!(output.stdout.is_empty(), "case {name}: nothing on stdout");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("plugin for Terraform"),
            "case {name}: message says it is a Terraform plugin: {stderr}"
        );
    }
}

#[tokio::test]
async fn tcp_fallback_when_socket_dir_unusable() {
    let mut child = Command::new(PROVIDER)
        .env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env("PLUGIN_UNIX_SOCKET_DIR", "/nonexistent/plugin-socket-dir")
        .env("PLUGIN_MIN_PORT", "23000")
        .env("PLUGIN_MAX_PORT", "23999")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("provider binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("handshake line");
    let fields: Vec<String> = line.trim_end().split('|').map(str::to_string).collect();
    let plugin = Plugin {
        child,
        socket: String::new(),
        server_certificate: CertificateDer::from(Vec::new()),
    };

    assert_eq!(fields.len(), 6, "handshake line {line:?}");
    assert_eq!(fields[2], "tcp", "network in {line:?}");
    assert!(fields[5].is_empty(), "no certificate without TLS: {line:?}");
    let port: u16 = fields[3]
        .strip_prefix("127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("loopback address in {line:?}"));
    assert!(
        (23000..=23999).contains(&port),
        "port {port} within the range"
    );

    let channel = Endpoint::try_from(format!("http://{}", fields[3]))
        .expect("endpoint")
        .connect()
        .await
        .expect("plaintext connection over TCP");
    let mut provider = tfplugin6::provider_client::ProviderClient::new(channel);
    provider
        .get_provider_schema(tfplugin6::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema over TCP");
    drop(plugin);
}
