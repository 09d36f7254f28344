//! The HTTP server: accepts connections, applies injected faults, checks authentication, the
//! `api-version` header and the rate limit, records each `/api` request and dispatches it.
//!
//! hyper serves each connection directly, not through a framework, because a dropped-connection
//! fault needs the service to fail: hyper then closes the connection without sending anything.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::api::{self, ApiError, Reply};
use super::control;
use super::faults::FaultKind;
use super::requests::RequestRecord;
use super::state::{lock, Shared};

/// The largest request body the emulator reads.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// The message of a 429, as the manager words it.
const RATE_LIMIT_MESSAGE: &str = "Too many API requests";

/// The service error that makes hyper close a connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected fault")]
struct InjectedDrop;

/// Accepts connections until `shutdown` changes, then stops serving every open connection.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&shared)));
                }
                Err(error) => {
                    // Running out of file descriptors is the usual cause, so back off briefly.
                    tracing::error!(%error, "failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let service = service_fn(move |request| handle(Arc::clone(&shared), request));
    if let Err(error) = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(%error, "connection closed with an error");
    }
}

async fn handle(
    shared: Arc<Shared>,
    request: hyper::Request<Incoming>,
) -> Result<Response<Body>, InjectedDrop> {
    let path = request.uri().path().to_string();
    if path == "/api" || path.starts_with("/api/") {
        return handle_api(&shared, request).await;
    }
    if let Some(rest) = path.strip_prefix("/_emulator") {
        let method = request.method().clone();
        let rest = rest.to_string();
        let reply = match read_body(request.into_body()).await {
            Ok((_, Ok(body))) => control::dispatch(&shared, &method, &rest, body),
            Ok((_, Err(error))) | Err(error) => error.into_reply(),
        };
        return Ok(to_response(reply, None));
    }
    Ok(to_response(api::unknown_path().into_reply(), None))
}

async fn handle_api(
    shared: &Shared,
    request: hyper::Request<Incoming>,
) -> Result<Response<Body>, InjectedDrop> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let mut record = RequestRecord {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        status: None,
        body: None,
    };

    let fault = lock(&shared.faults).take(&method, &path);
    if fault == Some(FaultKind::DropBeforeProcessing) {
        finish(shared, record, started);
        return Err(InjectedDrop);
    }
    let (headers, body) = request.into_parts();
    let body = match read_body(body).await {
        Ok((logged, parsed)) => {
            record.body = logged;
            parsed
        }
        Err(error) => Err(error),
    };

    let mut retry_after = None;
    let reply = match fault {
        Some(FaultKind::TooManyRequests {
            retry_after: seconds,
        }) => {
            retry_after = seconds;
            ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                message: RATE_LIMIT_MESSAGE.to_string(),
            }
            .into_reply()
        }
        Some(FaultKind::Status(code)) => fault_reply(code),
        Some(FaultKind::Delay(duration)) => {
            tokio::time::sleep(duration).await;
            serve_api(
                shared,
                &headers.headers,
                &method,
                &path,
                query.as_deref(),
                body,
            )
        }
        _ => serve_api(
            shared,
            &headers.headers,
            &method,
            &path,
            query.as_deref(),
            body,
        ),
    };

    if fault == Some(FaultKind::DropAfterProcessing) {
        finish(shared, record, started);
        return Err(InjectedDrop);
    }
    record.status = Some(reply.status.as_u16());
    finish(shared, record, started);
    Ok(to_response(reply, retry_after))
}

/// Checks the key, the API version and the rate limit, then runs the request.
fn serve_api(
    shared: &Shared,
    headers: &HeaderMap,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: Result<Option<Value>, ApiError>,
) -> Reply {
    let key = match api_key(headers) {
        Some(key) if key == shared.api_key => key,
        Some(_) => return unauthorized("Invalid API key."),
        None => return unauthorized("Missing API key: send it in the api-secret-key header or as Authorization: ApiKey KEY."),
    };
    match headers.get("api-version").map(HeaderValue::to_str) {
        Some(Ok("v1")) => {}
        Some(_) => {
            return ApiError::bad_request("Unsupported api-version header: use v1.").into_reply()
        }
        None => {
            return ApiError::bad_request("Missing required header api-version: use v1.")
                .into_reply()
        }
    }
    if !lock(&shared.limiter).admit(key, Instant::now()) {
        return ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: RATE_LIMIT_MESSAGE.to_string(),
        }
        .into_reply();
    }
    let body = match body {
        Ok(body) => body,
        Err(error) => return error.into_reply(),
    };
    let below_api = path.strip_prefix("/api").unwrap_or(path);
    api::dispatch(shared, method, below_api, query, body)
}

/// Reads the key from `api-secret-key`, or else from `Authorization: ApiKey KEY`.
fn api_key(headers: &HeaderMap) -> Option<&str> {
    if let Some(key) = headers
        .get("api-secret-key")
        .and_then(|value| value.to_str().ok())
    {
        return Some(key);
    }
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("ApiKey "))
}

fn unauthorized(message: &str) -> Reply {
    ApiError {
        status: StatusCode::UNAUTHORIZED,
        message: message.to_string(),
    }
    .into_reply()
}

fn fault_reply(code: u16) -> Reply {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match status {
        StatusCode::TOO_MANY_REQUESTS => RATE_LIMIT_MESSAGE.to_string(),
        other => other
            .canonical_reason()
            .unwrap_or("Injected failure")
            .to_string(),
    };
    ApiError { status, message }.into_reply()
}

/// Reads a body in full. Returns what the request log keeps (the JSON, or the text as a JSON
/// string when it does not parse) and the parsed JSON or a 400 for the handler.
async fn read_body(
    body: Incoming,
) -> Result<(Option<Value>, Result<Option<Value>, ApiError>), ApiError> {
    let bytes = axum::body::to_bytes(Body::new(body), MAX_BODY_BYTES)
        .await
        .map_err(|error| {
            ApiError::bad_request(format!("Failed to read the request body: {error}."))
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok((None, Ok(None)));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) => Ok((Some(value.clone()), Ok(Some(value)))),
        Err(error) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let problem =
                ApiError::bad_request(format!("The request body is not valid JSON: {error}."));
            Ok((Some(Value::String(text)), Err(problem)))
        }
    }
}

fn finish(shared: &Shared, record: RequestRecord, started: Instant) {
    let status = record
        .status
        .map_or_else(|| "dropped".to_string(), |status| status.to_string());
    tracing::info!(
        method = %record.method,
        path = %record.path,
        status = %status,
        duration_ms = started.elapsed().as_millis() as u64,
        "api request"
    );
    lock(&shared.requests).push(record);
}

fn to_response(reply: Reply, retry_after: Option<u64>) -> Response<Body> {
    let mut response = match reply.body {
        Some(body) => {
            let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
            let mut response = Response::new(Body::from(bytes));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        None => Response::new(Body::empty()),
    };
    *response.status_mut() = reply.status;
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Returns a JSON reply for control requests that fail before dispatch.
pub(crate) fn message_reply(status: StatusCode, message: &str) -> Reply {
    Reply {
        status,
        body: Some(json!({ "message": message })),
    }
}
