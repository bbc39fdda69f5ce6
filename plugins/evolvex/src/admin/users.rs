//! API users (`/admin/users`). Keys are stored as their SHA-256; the plain key is in the answer
//! only when it is created or replaced.

use serde::{Deserialize, Serialize};
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{Connection, Row};

use super::groups::{path_uuid, require_group};
use super::validate::{self, uuid_or_new};
use crate::access::key_hash;
use crate::answer;
use crate::own;

/// A user as the admin resource shows it: never its key, except `api_key` right after it was set.
#[derive(Serialize)]
struct User {
    uuid: String,
    name: String,
    description: String,
    enable: String,
    group_uuid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
}

fn user_of(row: &Row) -> User {
    User { uuid: row.text(0), name: row.text(1), description: row.text(2), enable: row.text(3), group_uuid: row.text(4), api_key: None }
}

const COLUMNS: &str = "SELECT uuid, name, description, enable, group_uuid FROM api_users";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    uuid: Option<String>,
    name: String,
    description: Option<String>,
    enable: Option<String>,
    api_key: Option<String>,
    group_uuid: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChange {
    name: Option<String>,
    description: Option<String>,
    enable: Option<String>,
    api_key: Option<String>,
    group_uuid: Option<String>,
}

/// The key to store: the one given, or a fresh v4 UUID for none or `"new"`.
fn key_of(given: Option<&str>) -> Result<String, Error> {
    match given {
        None | Some("new") => Ok(validate::new_uuid()),
        Some(key) => validate::api_key(key),
    }
}

fn find(db: &Connection, uuid: &str) -> Result<Option<User>, Error> {
    Ok(db.query(&format!("{COLUMNS} WHERE uuid = ?"), &[uuid.into()])?.rows().first().map(user_of))
}

/// 409 when another user already has `key` (its hash is unique).
fn key_free(db: &Connection, hash: &str, except: &str) -> Result<(), Error> {
    let taken = db.query("SELECT 1 FROM api_users WHERE api_key_sha256 = ? AND uuid <> ?", &[hash.into(), except.into()])?;
    if taken.rows().is_empty() { Ok(()) } else { Err(Error::conflict("another API user already has this api_key")) }
}

/// `GET /admin/users`: every user, by name, without keys.
pub fn list(_req: &Request) -> Result<Response, Error> {
    let rows = own::open()?.query(&format!("{COLUMNS} ORDER BY name, uuid"), &[])?;
    answer::data(rows.rows().iter().map(user_of).collect::<Vec<_>>())
}

/// `POST /admin/users {uuid?, name, description?, enable?, api_key?, group_uuid}` → 201 with the
/// key (the one given, else a new v4 UUID).
pub fn create(req: &Request) -> Result<Response, Error> {
    let body: NewUser = req.json()?;
    let uuid = uuid_or_new(body.uuid.as_deref())?;
    let name = validate::text("name", &body.name, 255, true)?;
    let description = validate::text("description", body.description.as_deref().unwrap_or(""), 1024, false)?;
    let enable = validate::enable(body.enable.as_deref().unwrap_or("yes"))?;
    let key = key_of(body.api_key.as_deref())?;
    let hash = key_hash(&key);
    let db = own::open()?;
    let user = db.transaction(|tx| {
        let group_uuid = require_group(tx, "group_uuid", &body.group_uuid)?;
        if find(tx, &uuid)?.is_some() {
            return Err(Error::conflict(format!("API user {uuid} already exists")));
        }
        key_free(tx, &hash, &uuid)?;
        tx.query(
            "INSERT INTO api_users (uuid, name, description, enable, api_key_sha256, group_uuid) VALUES (?, ?, ?, ?, ?, ?)",
            &[
                uuid.as_str().into(),
                name.as_str().into(),
                description.as_str().into(),
                enable.as_str().into(),
                hash.as_str().into(),
                group_uuid.as_str().into(),
            ],
        )?;
        Ok::<_, Error>(User { uuid: uuid.clone(), name, description, enable, group_uuid, api_key: Some(key) })
    })?;
    Ok(answer::data(user)?.with_status(201))
}

/// `GET /admin/users/{uuid}` (no key).
pub fn show(req: &Request) -> Result<Response, Error> {
    let uuid = path_uuid(req, "API user")?;
    let user = find(&own::open()?, &uuid)?.ok_or_else(|| Error::not_found(format!("no API user {uuid}")))?;
    answer::data(user)
}

/// `PUT /admin/users/{uuid}`: changes the fields given; `api_key` sets a key (`"new"` makes
/// one), and the answer then carries it.
pub fn update(req: &Request) -> Result<Response, Error> {
    let uuid = path_uuid(req, "API user")?;
    let change: UserChange = req.json()?;
    let key = change.api_key.as_deref().map(|k| key_of(Some(k))).transpose()?;
    let db = own::open()?;
    let user = db.transaction(|tx| {
        let mut user = find(tx, &uuid)?.ok_or_else(|| Error::not_found(format!("no API user {uuid}")))?;
        if let Some(name) = &change.name {
            user.name = validate::text("name", name, 255, true)?;
        }
        if let Some(description) = &change.description {
            user.description = validate::text("description", description, 1024, false)?;
        }
        if let Some(enable) = &change.enable {
            user.enable = validate::enable(enable)?;
        }
        if let Some(group) = &change.group_uuid {
            user.group_uuid = require_group(tx, "group_uuid", group)?;
        }
        tx.query(
            "UPDATE api_users SET name = ?, description = ?, enable = ?, group_uuid = ? WHERE uuid = ?",
            &[
                user.name.as_str().into(),
                user.description.as_str().into(),
                user.enable.as_str().into(),
                user.group_uuid.as_str().into(),
                uuid.as_str().into(),
            ],
        )?;
        if let Some(key) = &key {
            let hash = key_hash(key);
            key_free(tx, &hash, &uuid)?;
            tx.query("UPDATE api_users SET api_key_sha256 = ? WHERE uuid = ?", &[hash.into(), uuid.as_str().into()])?;
            user.api_key = Some(key.clone());
        }
        Ok::<_, Error>(user)
    })?;
    answer::data(user)
}

/// `DELETE /admin/users/{uuid}`.
pub fn delete(req: &Request) -> Result<Response, Error> {
    let uuid = path_uuid(req, "API user")?;
    let db = own::open()?;
    db.transaction(|tx| {
        find(tx, &uuid)?.ok_or_else(|| Error::not_found(format!("no API user {uuid}")))?;
        tx.query("DELETE FROM api_users WHERE uuid = ?", &[uuid.as_str().into()])?;
        Ok::<_, Error>(())
    })?;
    answer::data(serde_json::json!({ "uuid": uuid, "deleted": true }))
}
