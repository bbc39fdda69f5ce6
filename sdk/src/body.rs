//! [`BodyWriter`]: how a streaming response writes its body.
//!
//! A streaming response's closure runs after the status and headers were handed to the host, and
//! every chunk goes straight into the wasi:http outgoing body's output stream, so a 100 MB recording
//! never sits in plugin memory. The writer follows the `wasi:io/streams` rules: it asks how much it
//! may write (`check-write`), writes at most that, and when the host's buffer is full it waits on the
//! stream's pollable (`block`), which yields to the host instead of spinning.

use crate::bindings::wasi::io::streams::{OutputStream, StreamError};
use crate::error::Error;

/// The sink a streaming response writes its body to (see [`Response::stream`](crate::Response::stream)).
///
/// Also implements [`std::io::Write`], so `std::io::copy` from a file or `serde_json::to_writer` work.
pub struct BodyWriter {
    sink: Sink,
    written: u64,
}

enum Sink {
    /// The wasi:http outgoing body's stream (inside a component).
    Stream(OutputStream),
    /// Collected in memory: for native tests and [`Response::into_body_bytes`](crate::Response::into_body_bytes).
    Memory(Vec<u8>),
}

impl BodyWriter {
    pub(crate) fn for_stream(stream: OutputStream) -> Self {
        BodyWriter {
            sink: Sink::Stream(stream),
            written: 0,
        }
    }

    pub(crate) fn in_memory() -> Self {
        BodyWriter {
            sink: Sink::Memory(Vec::new()),
            written: 0,
        }
    }

    /// The bytes collected by an in-memory writer (empty for a stream writer).
    pub(crate) fn into_memory(self) -> Vec<u8> {
        match self.sink {
            Sink::Memory(bytes) => bytes,
            Sink::Stream(_) => Vec::new(),
        }
    }

    /// Writes all of `bytes`, waiting (without burning CPU) while the host's buffer is full.
    ///
    /// Fails when the client went away or the host refused the bytes (for example more than a
    /// `Content-Length` the response declared); the closure should then return the error with `?`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        match &mut self.sink {
            Sink::Memory(buffer) => buffer.extend_from_slice(bytes),
            Sink::Stream(stream) => write_all(stream, bytes).map_err(stream_error)?,
        }
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Waits until everything written so far has been handed to the host. Not needed before
    /// returning: the SDK flushes when the closure returns.
    pub fn flush(&mut self) -> Result<(), Error> {
        match &mut self.sink {
            Sink::Memory(_) => Ok(()),
            Sink::Stream(stream) => stream.blocking_flush().map_err(stream_error),
        }
    }

    /// The flush before `outgoing-body.finish`. A stream the host already closed is not a failure
    /// here: every byte was accepted by then, and the host closes a stream only when the client has
    /// gone (earlier hosts also closed it once the client had every byte a `Content-Length`
    /// announced), when there is nothing left to report the failure to.
    pub(crate) fn final_flush(&mut self) -> Result<(), Error> {
        match &mut self.sink {
            Sink::Memory(_) => Ok(()),
            Sink::Stream(stream) => match stream.blocking_flush() {
                Ok(()) | Err(StreamError::Closed) => Ok(()),
                Err(error) => Err(stream_error(error)),
            },
        }
    }

    /// How many body bytes were written so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }
}

impl std::io::Write for BodyWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        BodyWriter::write(self, buf).map_err(std::io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        BodyWriter::flush(self).map_err(std::io::Error::other)
    }
}

/// `check-write` / `write` / `subscribe`+`block` until all of `bytes` is accepted.
pub(crate) fn write_all(stream: &OutputStream, mut bytes: &[u8]) -> Result<(), StreamError> {
    while !bytes.is_empty() {
        let permitted = stream.check_write()?;
        if permitted == 0 {
            // The pollable is a child of the stream; it is dropped at the end of this statement,
            // before the stream is used again.
            stream.subscribe().block();
            continue;
        }
        let n = usize::try_from(permitted)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        stream.write(&bytes[..n])?;
        bytes = &bytes[n..];
    }
    Ok(())
}

fn stream_error(error: StreamError) -> Error {
    match error {
        StreamError::Closed => Error::internal("response body stream closed (client gone?)"),
        StreamError::LastOperationFailed(e) => Error::internal(format!(
            "writing the response body failed: {}",
            e.to_debug_string()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_writer_collects_and_counts() {
        let mut w = BodyWriter::in_memory();
        w.write(b"hello ").unwrap();
        std::io::Write::write_all(&mut w, b"world").unwrap();
        w.flush().unwrap();
        assert_eq!(w.bytes_written(), 11);
        assert_eq!(w.into_memory(), b"hello world");
    }
}
