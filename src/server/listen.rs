//! The listening socket and the connections Terraform opens on it.
//!
//! go-plugin servers listen on a fresh Unix socket by default and fall back
//! to TCP on 127.0.0.1 within `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` where Unix
//! sockets are unavailable. With automatic mutual TLS every accepted
//! connection first completes a TLS handshake. Connections that fail it are
//! closed and logged, so they never reach the gRPC server.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

/// How long a client may take to finish the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound listener and the address to announce in the handshake line.
#[derive(Debug)]
pub enum PluginListener {
    /// A Unix domain socket at the given path.
    Unix(UnixListener, PathBuf),
    /// A TCP socket on the loopback interface.
    Tcp(TcpListener),
}

impl PluginListener {
    /// Binds a fresh Unix socket in `dir`, or, when that fails, a TCP port on
    /// 127.0.0.1 within `ports`.
    ///
    /// # Errors
    ///
    /// Returns the last bind error when neither kind of socket can be opened.
    pub async fn bind(
        dir: &Path,
        ports: std::ops::RangeInclusive<u16>,
    ) -> std::io::Result<PluginListener> {
        let unix_error = match bind_unix(dir) {
            Ok((listener, path)) => return Ok(PluginListener::Unix(listener, path)),
            Err(err) => err,
        };
        tracing::debug!(error = %unix_error, "binding a Unix socket failed, trying TCP");
        let mut last_error = unix_error;
        for port in ports {
            match TcpListener::bind(("127.0.0.1", port)).await {
                Ok(listener) => return Ok(PluginListener::Tcp(listener)),
                Err(err) => last_error = err,
            }
        }
        Err(last_error)
    }

    /// Returns the network name and address for the handshake line.
    pub fn network_and_address(&self) -> (&'static str, String) {
        match self {
            PluginListener::Unix(_, path) => ("unix", path.display().to_string()),
            PluginListener::Tcp(listener) => (
                "tcp",
                listener
                    .local_addr()
                    .map(|addr| addr.to_string())
                    .unwrap_or_default(),
            ),
        }
    }

    /// Returns the socket file to remove on exit, if any.
    pub fn socket_path(&self) -> Option<PathBuf> {
        match self {
            PluginListener::Unix(_, path) => Some(path.clone()),
            PluginListener::Tcp(_) => None,
        }
    }

    /// Accepts connections until the receiver is dropped, wrapping each in
    /// TLS when an acceptor is given.
    pub fn incoming(
        self,
        tls: Option<TlsAcceptor>,
    ) -> ReceiverStream<Result<PluginConnection, std::io::Error>> {
        let (sender, receiver) = mpsc::channel(16);
        tokio::spawn(accept_loop(self, tls.map(Arc::new), sender));
        ReceiverStream::new(receiver)
    }
}

fn bind_unix(dir: &Path) -> std::io::Result<(UnixListener, PathBuf)> {
    // A few attempts with random names, as mktemp would do, in case a stale
    // socket of another process has the same name.
    let mut last_error = None;
    for _ in 0..8 {
        let path = dir.join(format!(
            "plugin{}",
            fastrand::u64(100_000_000..1_000_000_000)
        ));
        match UnixListener::bind(&path) {
            Ok(listener) => {
                restrict_socket_group(&path)?;
                return Ok((listener, path));
            }
            Err(err) => last_error = Some(err),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("no socket name could be bound")))
}

/// Applies `PLUGIN_UNIX_SOCKET_GROUP`: the socket is handed to that group
/// (a name or a numeric id) and made readable and writable for it.
fn restrict_socket_group(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let Ok(group) = std::env::var("PLUGIN_UNIX_SOCKET_GROUP") else {
        return Ok(());
    };
    let gid = match group.parse::<u32>() {
        Ok(gid) => gid,
        Err(_) => lookup_group_id(&group).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("PLUGIN_UNIX_SOCKET_GROUP names unknown group {group:?}"),
            )
        })?,
    };
    std::os::unix::fs::chown(path, None, Some(gid))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660))
}

fn lookup_group_id(name: &str) -> Option<u32> {
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != name {
            return None;
        }
        fields.nth(1)?.parse().ok()
    })
}

async fn accept_loop(
    listener: PluginListener,
    tls: Option<Arc<TlsAcceptor>>,
    sender: mpsc::Sender<Result<PluginConnection, std::io::Error>>,
) {
    loop {
        let accepted: std::io::Result<Box<dyn Io>> = match &listener {
            PluginListener::Unix(l, _) => l.accept().await.map(|(s, _)| Box::new(s) as Box<dyn Io>),
            PluginListener::Tcp(l) => l.accept().await.map(|(s, _)| {
                let _ = s.set_nodelay(true);
                Box::new(s) as Box<dyn Io>
            }),
        };
        let stream = match accepted {
            Ok(stream) => stream,
            Err(err) => {
                tracing::warn!(error = %err, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if sender.is_closed() {
            return;
        }
        let sender = sender.clone();
        match &tls {
            None => {
                if sender.send(Ok(PluginConnection(stream))).await.is_err() {
                    return;
                }
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                // The handshake runs in its own task so that one slow or
                // hostile client cannot hold up the others.
                tokio::spawn(async move {
                    let handshake = acceptor.accept(stream);
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, handshake).await {
                        Ok(Ok(tls_stream)) => {
                            let _ = sender
                                .send(Ok(PluginConnection(Box::new(tls_stream))))
                                .await;
                        }
                        Ok(Err(err)) => {
                            tracing::warn!(error = %err, "rejected a connection: TLS handshake failed");
                        }
                        Err(_) => {
                            tracing::warn!("rejected a connection: TLS handshake timed out");
                        }
                    }
                });
            }
        }
    }
}

/// Anything the gRPC server can speak HTTP/2 over.
trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// One accepted connection, plain or TLS, over a Unix or TCP socket.
pub struct PluginConnection(Box<dyn Io>);

impl std::fmt::Debug for PluginConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PluginConnection")
    }
}

impl Connected for PluginConnection {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for PluginConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for PluginConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}
