//! Groups and the contexts they grant (`/admin/groups`, `/admin/access`).

use serde::{Deserialize, Serialize};
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{Connection, Row};

use super::validate::{self, uuid_or_new};
use crate::access::Access;
use crate::answer::{self, invalid};
use crate::own;

/// A group as the admin resource shows it.
#[derive(Serialize)]
struct Group {
    uuid: String,
    name: String,
    description: String,
}

fn group_of(row: &Row) -> Group {
    Group { uuid: row.text(0), name: row.text(1), description: row.text(2) }
}

fn access_of(row: &Row) -> Access {
    Access { uuid: row.text(0), name: row.text(1), description: row.text(2), group_uuid: row.text(3) }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewGroup {
    uuid: Option<String>,
    name: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupChange {
    name: Option<String>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccess {
    uuid: Option<String>,
    name: String,
    description: Option<String>,
    group_uuid: String,
}

/// The `{uuid}` of the route, or a 404 (a malformed UUID names nothing).
pub fn path_uuid(req: &Request, what: &str) -> Result<String, Error> {
    let raw = req.param("uuid").unwrap_or_default();
    validate::parse_uuid(raw).ok_or_else(|| Error::not_found(format!("no {what} {raw}")))
}

fn find_group(db: &Connection, uuid: &str) -> Result<Option<Group>, Error> {
    let rows = db.query("SELECT uuid, name, description FROM groups WHERE uuid = ?", &[uuid.into()])?;
    Ok(rows.rows().first().map(group_of))
}

/// The group `uuid` names, or 400 naming `field` (a user or an access pointing at no group).
pub fn require_group(db: &Connection, field: &str, uuid: &str) -> Result<String, Error> {
    let uuid = validate::parse_uuid(uuid).ok_or_else(|| invalid(field, "must be a group's UUID"))?;
    match find_group(db, &uuid)? {
        Some(_) => Ok(uuid),
        None => Err(invalid(field, format!("names no group ({uuid})"))),
    }
}

/// `GET /admin/groups`: every group, by name.
pub fn list(_req: &Request) -> Result<Response, Error> {
    let db = own::open()?;
    let rows = db.query("SELECT uuid, name, description FROM groups ORDER BY name, uuid", &[])?;
    answer::data(rows.rows().iter().map(group_of).collect::<Vec<_>>())
}

/// `POST /admin/groups {uuid?, name, description?}` → 201.
pub fn create(req: &Request) -> Result<Response, Error> {
    let body: NewGroup = req.json()?;
    let uuid = uuid_or_new(body.uuid.as_deref())?;
    let group = Group {
        uuid,
        name: validate::text("name", &body.name, 255, true)?,
        description: validate::text("description", body.description.as_deref().unwrap_or(""), 1024, false)?,
    };
    let db = own::open()?;
    db.transaction(|tx| {
        if find_group(tx, &group.uuid)?.is_some() {
            return Err(Error::conflict(format!("group {} already exists", group.uuid)));
        }
        tx.query(
            "INSERT INTO groups (uuid, name, description) VALUES (?, ?, ?)",
            &[group.uuid.as_str().into(), group.name.as_str().into(), group.description.as_str().into()],
        )?;
        Ok(())
    })?;
    Ok(answer::data(&group)?.with_status(201))
}

/// `GET /admin/groups/{uuid}`.
pub fn show(req: &Request) -> Result<Response, Error> {
    let uuid = path_uuid(req, "group")?;
    let group = find_group(&own::open()?, &uuid)?.ok_or_else(|| Error::not_found(format!("no group {uuid}")))?;
    answer::data(group)
}

/// `PUT /admin/groups/{uuid} {name?, description?}`: changes the fields given.
pub fn update(req: &Request) -> Result<Response, Error> {
    let uuid = path_uuid(req, "group")?;
    let change: GroupChange = req.json()?;
    let db = own::open()?;
    let group = db.transaction(|tx| {
        let mut group = find_group(tx, &uuid)?.ok_or_else(|| Error::not_found(format!("no group {uuid}")))?;
        if let Some(name) = &change.name {
            group.name = validate::text("name", name, 255, true)?;
        }
        if let Some(description) = &change.description {
            group.description = validate::text("description", description, 1024, false)?;
        }
        tx.query(
            "UPDATE groups SET name = ?, description = ? WHERE uuid = ?",
            &[group.name.as_str().into(), group.description.as_str().into(), uuid.as_str().into()],
        )?;
        Ok::<_, Error>(group)
    })?;
    answer::data(group)
}

/// `DELETE /admin/groups/{uuid}`: with the contexts it grants; 409 while users are in it.
pub fn delete(req: &Request) -> Result<Response, Error> {
    let uuid = path_uuid(req, "group")?;
    let db = own::open()?;
    db.transaction(|tx| {
        find_group(tx, &uuid)?.ok_or_else(|| Error::not_found(format!("no group {uuid}")))?;
        let users = tx.query("SELECT count(*) FROM api_users WHERE group_uuid = ?", &[uuid.as_str().into()])?;
        let users = users.rows().first().and_then(|r| r.int(0)).unwrap_or(0);
        if users > 0 {
            return Err(Error::conflict(format!("group {uuid} still has {users} API user(s); move or delete them first")));
        }
        tx.query("DELETE FROM access WHERE group_uuid = ?", &[uuid.as_str().into()])?;
        tx.query("DELETE FROM groups WHERE uuid = ?", &[uuid.as_str().into()])?;
        Ok(())
    })?;
    answer::data(serde_json::json!({ "uuid": uuid, "deleted": true }))
}

const ACCESS_COLUMNS: &str = "SELECT uuid, name, description, group_uuid FROM access";

/// `GET /admin/access[?group_uuid=…]`: every grant, by group and context.
pub fn list_access(req: &Request) -> Result<Response, Error> {
    let db = own::open()?;
    let query = req.query();
    let rows = match query.get("group_uuid") {
        Some(group) => {
            let group = validate::parse_uuid(group).ok_or_else(|| invalid("group_uuid", "must be a group's UUID"))?;
            db.query(&format!("{ACCESS_COLUMNS} WHERE group_uuid = ? ORDER BY name, uuid"), &[group.into()])?
        }
        None => db.query(&format!("{ACCESS_COLUMNS} ORDER BY group_uuid, name, uuid"), &[])?,
    };
    answer::data(rows.rows().iter().map(access_of).collect::<Vec<_>>())
}

/// `POST /admin/access {uuid?, name, description?, group_uuid}` → 201; the same context twice
/// in one group is a 409.
pub fn create_access(req: &Request) -> Result<Response, Error> {
    let body: NewAccess = req.json()?;
    let uuid = uuid_or_new(body.uuid.as_deref())?;
    if !validate::is_context(&body.name) {
        return Err(invalid("name", "must be a context name: 1 to 80 of A-Z a-z 0-9 _ -"));
    }
    let description = validate::text("description", body.description.as_deref().unwrap_or(""), 1024, false)?;
    let db = own::open()?;
    let access = db.transaction(|tx| {
        let group_uuid = require_group(tx, "group_uuid", &body.group_uuid)?;
        let taken = tx.query(
            "SELECT uuid, group_uuid = ? AND name = ? FROM access WHERE uuid = ? OR (group_uuid = ? AND name = ?)",
            &[group_uuid.as_str().into(), body.name.as_str().into(), uuid.as_str().into(), group_uuid.as_str().into(), body.name.as_str().into()],
        )?;
        if let Some(row) = taken.rows().first() {
            return Err(if row.int(1) == Some(1) {
                Error::conflict(format!("group {group_uuid} already grants context `{}`", body.name))
            } else {
                Error::conflict(format!("access {uuid} already exists"))
            });
        }
        tx.query(
            "INSERT INTO access (uuid, name, description, group_uuid) VALUES (?, ?, ?, ?)",
            &[uuid.as_str().into(), body.name.as_str().into(), description.as_str().into(), group_uuid.as_str().into()],
        )?;
        Ok::<_, Error>(Access { uuid: uuid.clone(), name: body.name.clone(), description, group_uuid })
    })?;
    Ok(answer::data(access)?.with_status(201))
}

/// `GET /admin/access/{uuid}`.
pub fn show_access(req: &Request) -> Result<Response, Error> {
    let uuid = path_uuid(req, "access")?;
    let rows = own::open()?.query(&format!("{ACCESS_COLUMNS} WHERE uuid = ?"), &[uuid.as_str().into()])?;
    let access = rows.rows().first().map(access_of).ok_or_else(|| Error::not_found(format!("no access {uuid}")))?;
    answer::data(access)
}

/// `DELETE /admin/access/{uuid}`.
pub fn delete_access(req: &Request) -> Result<Response, Error> {
    let uuid = path_uuid(req, "access")?;
    let db = own::open()?;
    let gone = db.transaction(|tx| {
        let found = tx.query("SELECT 1 FROM access WHERE uuid = ?", &[uuid.as_str().into()])?;
        if found.rows().is_empty() {
            return Ok(false);
        }
        tx.query("DELETE FROM access WHERE uuid = ?", &[uuid.as_str().into()])?;
        Ok::<_, Error>(true)
    })?;
    if !gone {
        return Err(Error::not_found(format!("no access {uuid}")));
    }
    answer::data(serde_json::json!({ "uuid": uuid, "deleted": true }))
}
