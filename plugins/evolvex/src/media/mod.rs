//! The recordings as files: `get_file_wav` and `get_file_mp3`. Placeholders until the media code
//! lands: both answer 501 `not_implemented`.

use switchboard_sdk::prelude::*;

fn not_implemented(method: &str) -> Error {
    Error::new(501, "not_implemented", format!("`{method}` is not implemented yet"))
}

/// The call's recording as WAV.
pub fn get_file_wav(_req: &Request) -> Result<Response, Error> {
    Err(not_implemented("get_file_wav"))
}

/// The call's recording as MP3.
pub fn get_file_mp3(_req: &Request) -> Result<Response, Error> {
    Err(not_implemented("get_file_mp3"))
}
