//! The shared `pbx` database and the plugins' private databases.

pub mod demo_pbx;
pub mod migrate;
pub mod wav;
