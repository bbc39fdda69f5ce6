//! A plugin's stdout and stderr, turned into log lines attributed to the plugin.
//!
//! `wasmtime serve` prefixes guest output with an instance id; we go one step further and emit one
//! `tracing` event a line, with the plugin and route as fields, so plugin output lands in the same
//! structured log as everything else. Output is bounded: past [`MAX_BYTES`] a request's output is
//! dropped (and counted) instead of growing host memory, and writes never fail, so a chatty plugin
//! cannot crash itself on `eprintln!`.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use super::MountContext;

/// Bytes of output one request may log; the rest is counted and dropped.
pub const MAX_BYTES: usize = 256 * 1024;
/// Longest line logged; longer lines are split.
const MAX_LINE: usize = 8 * 1024;

/// Which stream, which decides the log level.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    /// stdout: logged at `info`.
    Stdout,
    /// stderr: logged at `warn` (a Rust panic message arrives here).
    Stderr,
}

#[derive(Debug)]
struct Buffer {
    pending: Vec<u8>,
    written: usize,
    dropped: usize,
}

/// One request's stdout or stderr. Clones share the buffer.
#[derive(Clone)]
pub struct LogOutput {
    mount: Arc<MountContext>,
    stream: Stream,
    buffer: Arc<Mutex<Buffer>>,
}

impl LogOutput {
    /// A fresh output for one request.
    pub fn new(mount: Arc<MountContext>, stream: Stream) -> Self {
        LogOutput { mount, stream, buffer: Arc::new(Mutex::new(Buffer { pending: Vec::new(), written: 0, dropped: 0 })) }
    }

    fn push(&self, bytes: &[u8]) {
        let mut buf = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
        let room = MAX_BYTES.saturating_sub(buf.written);
        let take = bytes.len().min(room);
        buf.dropped += bytes.len() - take;
        buf.written += take;
        buf.pending.extend_from_slice(&bytes[..take]);
        while let Some(end) = buf.pending.iter().position(|&b| b == b'\n').or_else(|| (buf.pending.len() >= MAX_LINE).then_some(MAX_LINE)) {
            let end = end.min(buf.pending.len() - 1);
            let line: Vec<u8> = buf.pending.drain(..=end).collect();
            self.emit(&line);
        }
    }

    fn emit(&self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches(['\n', '\r']);
        let (plugin, route) = (&*self.mount.plugin, &*self.mount.route);
        match self.stream {
            Stream::Stdout => tracing::info!(target: "plugin", plugin, route, stream = "stdout", "{text}"),
            Stream::Stderr => tracing::warn!(target: "plugin", plugin, route, stream = "stderr", "{text}"),
        }
    }

    /// Logs a last unterminated line and how much was dropped; called when the request (or an
    /// event handler's call) ends. The byte budget starts over, for a long-lived handler instance.
    pub fn finish(&self) {
        let (rest, dropped) = {
            let mut buf = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
            buf.written = 0;
            (std::mem::take(&mut buf.pending), std::mem::take(&mut buf.dropped))
        };
        if !rest.is_empty() {
            self.emit(&rest);
        }
        if dropped > 0 {
            let (plugin, route) = (&*self.mount.plugin, &*self.mount.route);
            tracing::warn!(target: "plugin", plugin, route, dropped, "plugin output over {MAX_BYTES} bytes in one request was dropped");
        }
    }
}

impl IsTerminal for LogOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LogOutput {
    async fn ready(&mut self) {}
}

impl OutputStream for LogOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }
    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

impl AsyncWrite for LogOutput {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
