//! `/snapshots`: the configuration at a moment, restorable whole.
//!
//! A snapshot is a zip holding `model.json` (see [`model`](super::model)), named `sark.db.<epoch>`
//! as SARK named its copies of `sark.db`, kept in the `backups` file area. A restore replaces the
//! configuration in one transaction: readers see the old configuration or the new one, and a row
//! the schema refuses aborts the whole restore with 422, nothing changed. Like SARK's, a restore
//! is not committed to the PBX until `GET /syscommands/commit`.

use std::io::BufReader;

use switchboard_sdk::php_json::obj;
use switchboard_sdk::prelude::*;

use super::archive;
use super::clock;
use super::model::{self, Dump};
use super::saved::{self, Kind};
use crate::laravel;

const KIND: Kind = Kind { prefix: "sark.db.", suffix: "", field: "uploadsnap", upload_dir: "snaps", noun: "snapshot" };

/// The name of the document inside a snapshot (and a backup).
pub const MODEL_ENTRY: &str = "model.json";

/// The largest `model.json` read (a PBX with thousands of extensions is a few megabytes).
pub const MAX_MODEL: u64 = 64 * 1024 * 1024;

pub fn routes(router: Router) -> Router {
    router
        .get("/snapshots", |_: &Request| KIND.index())
        .get("/snapshots/new", |_: &Request| new())
        .get("/snapshots/{snapshot}", |req: &Request| KIND.download(req.param("snapshot").unwrap_or_default()))
        .post("/snapshots", |req: &Request| KIND.upload(req, check))
        .put("/snapshots/{snapshot}", restore)
        .delete("/snapshots/{snapshot}", |req: &Request| KIND.delete(req.param("snapshot").unwrap_or_default()))
}

/// Writes the model dump as a zip at `path`, whole or not at all.
pub fn write_model_zip(path: &std::path::Path, dump: &Dump) -> Result<(), Error> {
    let json = serde_json::to_vec(&dump.to_json()).map_err(|e| Error::internal(format!("writing the model: {e}")))?;
    let mut zip = archive::Writer::new(std::io::Cursor::new(Vec::new()));
    zip.add(MODEL_ENTRY, &mut json.as_slice())?;
    super::area::write_atomic(path, &zip.finish()?.into_inner())
}

fn new() -> Result<Response, Error> {
    let (name, path) = KIND.new_name()?;
    let dump = model::dump(clock::now())?;
    write_model_zip(&path, &dump)?;
    Ok(laravel::ok(&obj([("newsnapshotname", name)])))
}

/// An upload must hold a model this plugin can restore.
fn check(bytes: &[u8]) -> Result<(), Error> {
    read_model(std::io::Cursor::new(bytes), KIND.field).map(|_| ())
}

/// The model inside a snapshot or backup zip; `None` when it holds none. A model that does not
/// read is a 422 naming `field`.
pub fn read_model<R: std::io::Read + std::io::Seek>(source: R, field: &str) -> Result<Dump, Error> {
    let mut zip = archive::Reader::new(source).map_err(|e| laravel::invalid(field, e.message().to_string()))?;
    let bytes = zip
        .read_named(MODEL_ENTRY, MAX_MODEL)
        .map_err(|e| laravel::invalid(field, e.message().to_string()))?
        .ok_or_else(|| laravel::invalid(field, format!("The {field} holds no {MODEL_ENTRY}.")))?;
    Dump::from_json(&bytes).map_err(|why| laravel::invalid(field, why))
}

fn restore(req: &Request) -> Result<Response, Error> {
    let name = req.param("snapshot").unwrap_or_default();
    let path = KIND.existing(name)?;
    let file = std::fs::File::open(&path).map_err(|e| Error::internal(format!("opening {}: {e}", path.display())))?;
    let dump = read_model(BufReader::new(file), "snapshot")?;
    model::restore(&dump)?;
    Ok(laravel::ok(&obj([("restored", name)])))
}

#[allow(dead_code)]
fn area() -> &'static str {
    saved::AREA
}
