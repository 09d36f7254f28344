//! Transport tests of the client against a scripted HTTP server on 127.0.0.1: headers,
//! retries, timeouts, dropped connections, create recovery, decoding errors, TLS and logging.
//!
//! The server reads each request and responds with whatever the test's script returns for it,
//! so every failure mode (including a connection closed without a response) is reproducible.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use terraform_provider_workload::client::{
    ApiKey, AuthHeader, Client, ClientConfig, Error, ImRule,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// Key that must never appear in logs or debug output.
const SECRET_KEY: &str = "2:SeCrEtKeY-8f3a1c-DO-NOT-LOG";

/// A request as the scripted server received it.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What the scripted server does with one request.
#[derive(Debug, Clone)]
enum Reply {
    /// Responds with a status, extra headers and a body.
    Send(u16, Vec<(&'static str, String)>, String),
    /// Closes the connection after reading the request, without a response.
    Drop,
    /// Waits, then responds 200 with the body.
    Stall(Duration, String),
}

fn ok(body: &str) -> Reply {
    Reply::Send(200, vec![], body.to_string())
}

fn status(code: u16, body: &str) -> Reply {
    Reply::Send(code, vec![], body.to_string())
}

type Script = dyn Fn(&Received, usize) -> Reply + Send + Sync;

struct Server {
    base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Server {
    fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("request log lock").clone()
    }

    fn count(&self, method: &str, path: &str) -> usize {
        self.requests()
            .iter()
            .filter(|request| request.method == method && request.path == path)
            .count()
    }
}

/// Starts the scripted server over plain HTTP.
async fn serve(script: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Server {
    serve_with(script, None).await
}

async fn serve_with(
    script: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let address = listener.local_addr().expect("bound address");
    let scheme = if tls.is_some() { "https" } else { "http" };
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    let script: Arc<Script> = Arc::new(script);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            let script = Arc::clone(&script);
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            handle(stream, log, script).await;
                        }
                    }
                    None => handle(stream, log, script).await,
                }
            });
        }
    });
    Server {
        base_url: format!("{scheme}://{address}/api"),
        received,
    }
}

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    log: Arc<Mutex<Vec<Received>>>,
    script: Arc<Script>,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let index = {
        let mut log = log.lock().expect("request log lock");
        log.push(request.clone());
        log.len() - 1
    };
    let (code, headers, body) = match script(&request, index) {
        Reply::Drop => return,
        Reply::Send(code, headers, body) => (code, headers, body),
        Reply::Stall(delay, body) => {
            tokio::time::sleep(delay).await;
            (200, vec![], body)
        }
    };
    let mut head = format!(
        "HTTP/1.1 {code} Scripted\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(position) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break position + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let path = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = String::from_utf8_lossy(&buffer[header_end..header_end + length]).to_string();
    Some(Received {
        method,
        path,
        headers,
        body,
    })
}

fn config(base_url: &str) -> ClientConfig {
    let mut config = ClientConfig::new(base_url, ApiKey::new(SECRET_KEY));
    config.request_timeout = Duration::from_secs(5);
    config.max_retries = 3;
    config.retry_base_delay = Duration::from_millis(5);
    config.retry_max_delay = Duration::from_millis(50);
    config
}

fn client(server: &Server) -> Client {
    Client::new(config(&server.base_url)).expect("test configuration is valid")
}

const RULE_7: &str = r#"{"ID": 7, "name": "watch-etc", "template": "file"}"#;

#[tokio::test]
async fn requests_carry_required_headers() {
    let server = serve(|_, _| ok(RULE_7)).await;
    let mut config = config(&server.base_url);
    config.auth_header = AuthHeader::Authorization;
    config.user_agent = "test-agent/1".into();
    let client = Client::new(config).expect("valid configuration");

    client.get_rule(7).await.expect("rule is served");
    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/api/integritymonitoringrules/7");
    assert_eq!(request.header("api-version"), Some("v1"));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("user-agent"), Some("test-agent/1"));
    let authorization = format!("ApiKey {SECRET_KEY}");
    assert_eq!(
        request.header("authorization"),
        Some(authorization.as_str())
    );
    assert_eq!(request.header("api-secret-key"), None);
}

#[tokio::test]
async fn api_secret_key_header_chosen() {
    let server = serve(|_, _| ok(RULE_7)).await;
    let mut config = config(&server.base_url);
    config.auth_header = AuthHeader::ApiSecretKey;
    let client = Client::new(config).expect("valid configuration");

    client.get_rule(7).await.expect("rule is served");
    let request = &server.requests()[0];
    assert_eq!(request.header("api-secret-key"), Some(SECRET_KEY));
    assert_eq!(request.header("authorization"), None);
}

#[tokio::test]
async fn retries_429_then_succeeds() {
    let server = serve(|_, index| match index {
        0 => Reply::Send(429, vec![("retry-after", "0".into())], "{}".into()),
        1 => status(429, r#"{"message": "Too many API requests"}"#),
        _ => ok(RULE_7),
    })
    .await;
    let rule = client(&server)
        .get_rule(7)
        .await
        .expect("third attempt works");
    assert_eq!(rule.id, Some(7));
    assert_eq!(server.count("GET", "/api/integritymonitoringrules/7"), 3);
}

#[tokio::test]
async fn gives_up_after_max_retries() {
    let server = serve(|_, _| status(429, r#"{"message": "Too many API requests"}"#)).await;
    let error = client(&server)
        .get_rule(7)
        .await
        .expect_err("always limited");
    assert!(
        matches!(error, Error::RateLimited { attempts: 4, .. }),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 4);
    assert!(
        error.to_string().contains("Too many API requests"),
        "{error}"
    );
}

#[tokio::test]
async fn retries_gateway_errors_and_drops() {
    let server = serve(|_, index| match index {
        0 => status(503, ""),
        1 => status(502, "bad gateway"),
        2 => Reply::Drop,
        _ => ok(RULE_7),
    })
    .await;
    client(&server)
        .get_rule(7)
        .await
        .expect("fourth attempt works");
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn timeout_retried_then_reported() {
    let server = serve(|_, _| Reply::Stall(Duration::from_secs(2), RULE_7.into())).await;
    let mut config = config(&server.base_url);
    config.request_timeout = Duration::from_millis(200);
    config.max_retries = 1;
    let client = Client::new(config).expect("valid configuration");

    let error = client.get_rule(7).await.expect_err("server is too slow");
    match &error {
        Error::Timeout {
            after, attempts, ..
        } => {
            assert_eq!(*after, Duration::from_millis(200));
            assert_eq!(*attempts, 2);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 2);
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[tokio::test]
async fn client_errors_not_retried() {
    let server = serve(|request, _| match request.path.as_str() {
        "/api/integritymonitoringrules/1" => status(404, r#"{"message": "rule not found"}"#),
        "/api/integritymonitoringrules/2" => status(401, r#"{"message": "invalid API key"}"#),
        "/api/integritymonitoringrules/3" => status(400, r#"{"errors": "bad severity"}"#),
        _ => status(500, "internal failure"),
    })
    .await;
    let client = client(&server);

    let not_found = client.delete_rule(1).await.expect_err("404");
    assert!(matches!(not_found, Error::NotFound { .. }), "{not_found:?}");
    assert_eq!(
        not_found.to_string(),
        "request DELETE /api/integritymonitoringrules/1 failed: not found (HTTP 404): rule not found"
    );
    let unauthorized = client.get_rule(2).await.expect_err("401");
    assert!(matches!(
        unauthorized,
        Error::Unauthorized { status: 401, .. }
    ));
    assert!(unauthorized.to_string().contains("invalid API key"));
    let invalid = client.get_rule(3).await.expect_err("400");
    assert!(
        invalid.to_string().contains("HTTP 400: bad severity"),
        "{invalid}"
    );
    let internal = client.get_rule(4).await.expect_err("500");
    assert_eq!(internal.status(), Some(500));
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn create_adopts_rule_after_drop() {
    let server = serve(
        |request, _| match (request.method.as_str(), request.path.as_str()) {
            ("POST", "/api/integritymonitoringrules") => Reply::Drop,
            ("POST", "/api/integritymonitoringrules/search") => ok(
                r#"{"integrityMonitoringRules": [{"ID": 7, "name": "watch-etc", "template": "file"},
                                            {"ID": 8, "name": "WATCH-ETC"}]}"#,
            ),
            _ => status(500, "unexpected"),
        },
    )
    .await;
    let rule = ImRule {
        name: Some("watch-etc".into()),
        template: Some("file".into()),
        ..ImRule::default()
    };
    let created = client(&server)
        .create_rule(&rule)
        .await
        .expect("rule adopted");
    assert_eq!(created.id, Some(7));
    assert_eq!(server.count("POST", "/api/integritymonitoringrules"), 1);

    let search = &server.requests()[1];
    let body: serde_json::Value = serde_json::from_str(&search.body).expect("search is JSON");
    assert_eq!(
        body["searchCriteria"][0],
        serde_json::json!({"fieldName": "name", "stringTest": "equal",
                           "stringValue": "watch-etc", "stringWildcards": false})
    );
}

#[tokio::test]
async fn create_retried_when_search_empty() {
    let server = serve(
        |request, index| match (request.method.as_str(), request.path.as_str()) {
            ("POST", "/api/integritymonitoringrules") if index == 0 => status(503, ""),
            ("POST", "/api/integritymonitoringrules") => ok(RULE_7),
            ("POST", "/api/integritymonitoringrules/search") => ok("{}"),
            _ => status(500, "unexpected"),
        },
    )
    .await;
    let rule = ImRule {
        name: Some("watch-etc".into()),
        ..ImRule::default()
    };
    let created = client(&server)
        .create_rule(&rule)
        .await
        .expect("second create works");
    assert_eq!(created.id, Some(7));
    assert_eq!(server.count("POST", "/api/integritymonitoringrules"), 2);
    assert_eq!(
        server.count("POST", "/api/integritymonitoringrules/search"),
        1
    );
}

#[tokio::test]
async fn create_after_429_skips_search() {
    let server = serve(|request, index| match (request.method.as_str(), index) {
        ("POST", 0) => status(429, r#"{"message": "Too many API requests"}"#),
        ("POST", _) => ok(RULE_7),
        _ => status(500, "unexpected"),
    })
    .await;
    let rule = ImRule {
        name: Some("watch-etc".into()),
        ..ImRule::default()
    };
    client(&server)
        .create_rule(&rule)
        .await
        .expect("second create works");
    assert_eq!(server.count("POST", "/api/integritymonitoringrules"), 2);
    assert_eq!(
        server.count("POST", "/api/integritymonitoringrules/search"),
        0
    );
}

#[tokio::test]
async fn create_fails_on_duplicate_names() {
    let server = serve(|request, _| match request.path.as_str() {
        "/api/integritymonitoringrules" => status(504, ""),
        _ => ok(
            r#"{"integrityMonitoringRules": [{"ID": 7, "name": "dup"}, {"ID": 9, "name": "dup"}]}"#,
        ),
    })
    .await;
    let rule = ImRule {
        name: Some("dup".into()),
        ..ImRule::default()
    };
    let error = client(&server)
        .create_rule(&rule)
        .await
        .expect_err("two matches");
    assert!(
        matches!(
            &error,
            Error::CreateFailed { finding: Some(finding), .. }
                if matches!(finding.as_ref(), Error::DuplicateRules { ids, .. } if ids == &[7, 9])
        ),
        "{error:?}"
    );
    assert_eq!(server.count("POST", "/api/integritymonitoringrules"), 1);
}

#[tokio::test]
async fn connection_refused_is_retried() {
    // Bind and release a port so that nothing listens on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("bound address");
    drop(listener);
    let client = Client::new(config(&format!("http://{address}/api"))).expect("valid");

    let rule = ImRule {
        name: Some("watch-etc".into()),
        ..ImRule::default()
    };
    let error = client
        .create_rule(&rule)
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(error, Error::Connect { attempts: 4, .. }),
        "{error:?}"
    );
    let message = error.with_causes();
    assert!(
        message.starts_with("request POST /api/integritymonitoringrules failed: cannot connect"),
        "{message}"
    );
    assert!(
        message.len() > error.to_string().len(),
        "no cause in {message}"
    );
}

#[tokio::test]
async fn bad_json_names_field() {
    let server = serve(|request, _| match request.path.as_str() {
        "/api/integritymonitoringrules/1" => ok(r#"{"ID": 1, "alertEnabled": "yes"}"#),
        "/api/integritymonitoringrules/2" => ok("<html>oops</html>"),
        "/api/policies/3?overrides=true" => {
            ok(r#"{"ID": 3, "integrityMonitoring": {"ruleIDs": [1, "x"]}}"#)
        }
        _ => ok(r#"{"assignedRuleIDs": {}}"#),
    })
    .await;
    let client = client(&server);

    let error = client
        .get_rule(1)
        .await
        .expect_err("alertEnabled is a string");
    match &error {
        Error::Decode { field, detail, .. } => {
            assert_eq!(field.as_deref(), Some("alertEnabled"));
            assert_eq!(detail, "expected a boolean, found a string");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains("field \"alertEnabled\": expected a boolean, found a string"),
        "{error}"
    );
    let html = client.get_rule(2).await.expect_err("body is not JSON");
    assert!(
        matches!(html, Error::Decode { field: None, .. }),
        "{html:?}"
    );
    let policy = client
        .get_policy(3, true)
        .await
        .expect_err("ruleIDs holds a string");
    assert!(
        matches!(&policy, Error::Decode { field: Some(f), .. } if f == "integrityMonitoring.ruleIDs[1]"),
        "{policy:?}"
    );
    let assignments = client.list_assignments(4, false).await.expect_err("object");
    assert!(
        matches!(&assignments, Error::Decode { field: Some(f), .. } if f == "assignedRuleIDs"),
        "{assignments:?}"
    );
}

/// A writer that appends formatted log lines to a shared buffer.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("log buffer lock")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn api_key_never_logged() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = serve(|_, index| match index {
        0 => status(503, ""),
        1 => Reply::Drop,
        2 => ok(RULE_7),
        _ => status(401, r#"{"message": "invalid API key"}"#),
    })
    .await;
    let config = config(&server.base_url);
    let client = Client::new(config.clone()).expect("valid configuration");
    client.get_rule(7).await.expect("third attempt works");
    let error = client.get_rule(8).await.expect_err("401");

    let text =
        String::from_utf8(logs.0.lock().expect("log buffer lock").clone()).expect("logs are UTF-8");
    assert!(
        text.contains("retrying api request"),
        "no retry logged:\n{text}"
    );
    assert!(text.contains("duration_ms"), "no request logged:\n{text}");
    assert!(!text.contains("SeCrEtKeY"), "key in logs:\n{text}");
    for debug in [
        format!("{config:?}"),
        format!("{client:?}"),
        format!("{error:?}"),
        format!("{error}"),
    ] {
        assert!(!debug.contains("SeCrEtKeY"), "key in debug output: {debug}");
    }
}

/// Creates a CA and a server certificate for 127.0.0.1 signed by it.
fn test_certificates() -> (String, tokio_rustls::TlsAcceptor) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let ca_key = KeyPair::generate().expect("key generation works");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("empty names");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA signs itself");

    let server_key = KeyPair::generate().expect("key generation works");
    let server_params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("IP name");
    let server = server_params
        .signed_by(&server_key, &ca, &ca_key)
        .expect("CA signs the server certificate");

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("default versions are supported")
        .with_no_client_auth()
        .with_single_cert(vec![server.der().clone()], key)
        .expect("certificate matches key");
    (ca.pem(), tokio_rustls::TlsAcceptor::from(Arc::new(tls)))
}

#[tokio::test]
async fn tls_verification_and_overrides() {
    let (ca_pem, acceptor) = test_certificates();
    let server = serve_with(|_, _| ok(RULE_7), Some(acceptor)).await;

    let strict = Client::new(config(&server.base_url)).expect("valid configuration");
    let error = strict.get_rule(7).await.expect_err("unknown CA");
    assert!(matches!(error, Error::Tls { .. }), "{error:?}");

    let mut trusted = config(&server.base_url);
    trusted.ca_certificate_pem = Some(ca_pem);
    let trusted = Client::new(trusted).expect("valid configuration");
    trusted.get_rule(7).await.expect("CA is trusted");

    let mut insecure = config(&server.base_url);
    insecure.insecure = true;
    let insecure = Client::new(insecure).expect("valid configuration");
    insecure.get_rule(7).await.expect("verification is off");
}
