//! Serving accepted connections: plain HTTP/1.1, or TLS with HTTP/2 where ALPN settles on it; the
//! timeouts every connection gets; and the graceful shutdown that lets open requests finish.
//!
//! The plugin listeners and the admin listener accept differently (they route to different
//! places) but must treat a connection alike — a slow or silent client is cut at the same points
//! on both — so both hand their connections here.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpStream;

use super::{HttpResponse, Tls};

/// How long a graceful shutdown lets open requests finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// A client must send its request headers within this time.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// A client must finish the TLS handshake within this time.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// An HTTP/2 connection is pinged after this long without a frame, and closed when the ping is not
/// answered within [`HANDSHAKE_TIMEOUT`]: HTTP/2 has no header-read timeout, and a peer that went
/// away would otherwise hold its connection until the kernel notices.
const H2_KEEP_ALIVE: Duration = Duration::from_secs(30);

/// The connections of one listener.
pub(crate) struct Connections {
    /// Names the listener in log lines (`"admin listener"`, or a plugin listener's name).
    what: String,
    graceful: GracefulShutdown,
    http1: http1::Builder,
    h2: http2::Builder<TokioExecutor>,
}

impl Connections {
    /// Connections of the listener `what`.
    pub(crate) fn new(what: impl Into<String>) -> Self {
        let mut http1 = http1::Builder::new();
        http1.timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).keep_alive(true);
        // HTTP/2 only where TLS negotiated it (ALPN `h2`): a plain listener stays HTTP/1.1 alone, so
        // its connections are not sniffed for a preface first and keep the header-read timeout
        // from their first byte.
        let mut h2 = http2::Builder::new(TokioExecutor::new());
        h2.timer(TokioTimer::new()).keep_alive_interval(H2_KEEP_ALIVE).keep_alive_timeout(HANDSHAKE_TIMEOUT);
        Connections { what: what.into(), graceful: GracefulShutdown::new(), http1, h2 }
    }

    /// Serves `stream` from `peer` in a task of its own, each request answered by `answer`; over
    /// TLS when `tls` is given (the handshake runs in that task too, so a slow client never holds
    /// up the accept loop).
    pub(crate) fn serve<F, Fut>(&self, stream: TcpStream, peer: SocketAddr, tls: Option<&Tls>, answer: F)
    where
        F: Fn(hyper::Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = HttpResponse> + Send + 'static,
    {
        let service = hyper::service::service_fn(move |request| {
            let answer = answer.clone();
            async move { Ok::<_, Infallible>(answer(request).await) }
        });
        let what = self.what.clone();
        let Some(tls) = tls else {
            let connection = self.graceful.watch(self.http1.serve_connection(TokioIo::new(stream), service));
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!(listener = %what, error = %e, "connection ended with an error");
                }
            });
            return;
        };
        let (acceptor, watcher, http1, h2) = (tls.acceptor.clone(), self.graceful.watcher(), self.http1.clone(), self.h2.clone());
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => return tracing::debug!(listener = %what, %peer, error = %e, "TLS handshake failed"),
                Err(_) => return tracing::debug!(listener = %what, %peer, "TLS handshake timed out"),
            };
            // The protocol is the one ALPN settled on; a client that offered none speaks HTTP/1.1.
            let ended = if stream.get_ref().1.alpn_protocol() == Some(b"h2") {
                watcher.watch(h2.serve_connection(TokioIo::new(stream), service)).await
            } else {
                watcher.watch(http1.serve_connection(TokioIo::new(stream), service)).await
            };
            if let Err(e) = ended {
                tracing::debug!(listener = %what, error = %e, "connection ended with an error");
            }
        });
    }

    /// Lets the open connections finish their requests, for [`SHUTDOWN_GRACE`] at most.
    pub(crate) async fn shutdown(self) {
        if tokio::time::timeout(SHUTDOWN_GRACE, self.graceful.shutdown()).await.is_err() {
            tracing::warn!(listener = %self.what, "some connections were still open after the shutdown grace period");
        }
    }
}
