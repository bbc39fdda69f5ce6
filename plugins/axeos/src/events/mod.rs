//! The Axeos event stream: what the API publishes (`types`) and how PBX bus events become it
//! (`translate`). Serving `GET /events` waits for the host's per-mount event streams.

pub mod answer;
pub mod hot_desk;
pub mod translate;
pub mod types;
