//! The Axeos event stream: what the API publishes (`types`), how PBX bus events become it
//! (`translate`, fed by `handler` with UUIDs from `directory`), hot-desk logins (`hot_desk`) and
//! the `GET /events` answer (`answer`).

pub mod answer;
pub mod directory;
pub mod handler;
pub mod hot_desk;
pub mod translate;
pub mod types;
