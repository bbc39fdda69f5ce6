//! The shared `pbx` database and the plugins' private databases.

pub mod migrate;
