//! The recordings as files: `get_file_wav` and `get_file_mp3` ([`serve`]), with the WAV reader
//! ([`wav`]) and the MP3 encoder ([`mp3`]) that turn a WAV into MP3 while it is sent.

mod mp3;
mod serve;
mod wav;

pub use serve::{get_file_mp3, get_file_wav};
