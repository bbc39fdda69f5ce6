//! SARK's configuration resources, one module each, and what they share: records written as
//! SARK's SQLite rows came out of PHP (every column, values as strings or null, keys in the
//! table's column order), input checks against the shared model's rules before a write, and
//! the mapping of the model's refusals back to the SARK field that carried the value.

pub mod agents;
pub mod cos;
pub mod customapps;
pub mod daytimers;
pub mod destinations;
pub mod extensions;
pub mod holidaytimers;
pub mod inboundroutes;
pub mod ivrs;
pub mod queues;
pub mod ringgroups;
pub mod routes;
pub mod sysglobals;
pub mod templates;
pub mod tenants;
pub mod trunks;

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;
use switchboard_sdk::schema::{self, Refusal};
use switchboard_sdk::sqlite::Value;

use crate::laravel::{self, Errors, Input, Rules, attribute};
use crate::model::own::Fields;
use crate::model::{self, own};

/// Every configuration route.
pub fn routes(router: Router) -> Router {
    let router = tenants::routes(router);
    let router = extensions::routes(router);
    let router = trunks::routes(router);
    let router = inboundroutes::routes(router);
    let router = routes::routes(router);
    let router = ringgroups::routes(router);
    let router = queues::routes(router);
    let router = ivrs::routes(router);
    let router = daytimers::routes(router);
    let router = holidaytimers::routes(router);
    let router = customapps::routes(router);
    let router = cos::routes(router);
    let router = agents::routes(router);
    let router = templates::routes(router);
    let router = sysglobals::routes(router);
    destinations::routes(router)
}

/// A SARK column and the value it shows when nothing is stored for it (`None`: null).
pub type Column = (&'static str, Option<&'static str>);

/// One record as SARK answered it: `columns` in order, each from `shared` (what the shared model
/// holds) when there, else from the record's own fields, else its default.
pub fn record(columns: &[Column], shared: &[(&str, Option<String>)], own: Option<&Fields>) -> Json {
    Json::Obj(
        columns
            .iter()
            .map(|(name, default)| {
                let value = match shared.iter().find(|(n, _)| n == name) {
                    Some((_, v)) => v.clone(),
                    None => match own.and_then(|o| o.get(*name)) {
                        Some(v) => v.clone(),
                        None => default.map(str::to_string),
                    },
                };
                (name.to_string(), value.map_or(Json::Null, Json::Str))
            })
            .collect(),
    )
}

/// Validates `input` against `rules`, answering `exists:` from the databases.
pub fn validate(input: &Input, rules: &[Rules<'_>]) -> Result<(), Error> {
    laravel::validate(input, rules, &model::exists)
}

/// The fields of `input` among `updatable`, as SARK moved them onto its model: text trimmed, a
/// null as empty text.
pub fn own_updates(input: &Input, updatable: &[&str]) -> Vec<(String, Option<String>)> {
    input
        .fields()
        .filter(|(k, _)| updatable.contains(k))
        .filter_map(|(k, _)| Some((k.to_string(), Some(input.text(k)?.trim().to_string()))))
        .collect()
}

/// The field names of a rule table.
pub fn names<'a>(rules: &'a [Rules<'a>]) -> Vec<&'a str> {
    rules.iter().map(|(n, _)| *n).collect()
}

/// Column values for the shared model, each checked against the model's rules as it is added
/// and remembered with the SARK field it came from, so a refusal (here or by the database)
/// names that field.
#[derive(Default)]
pub struct Changes {
    /// `(column, value)` in the order added.
    pub columns: Vec<(&'static str, Value)>,
    origins: Vec<(String, String)>,
    errors: Errors,
}

impl Changes {
    /// Adds `table.column` = `value`, from SARK field `field`.
    pub fn text(&mut self, table: &str, column: &'static str, field: &str, value: impl Into<String>) {
        let value = value.into();
        self.origins.push((format!("{table}.{column}"), field.to_string()));
        if let Err(refusal) = schema::check(table, column, &value) {
            self.refuse(field, &refusal);
        }
        self.columns.push((column, Value::Text(value)));
    }

    /// Adds `table.column` = the whole number `value`, from SARK field `field`.
    pub fn int(&mut self, table: &str, column: &'static str, field: &str, value: i64) {
        self.origins.push((format!("{table}.{column}"), field.to_string()));
        if let Err(refusal) = schema::check_int(table, column, value) {
            self.refuse(field, &refusal);
        }
        self.columns.push((column, Value::Integer(value)));
    }

    /// Records that SARK field `field` cannot be stored.
    pub fn refuse(&mut self, field: &str, _why: &Refusal) {
        if !self.errors.has(field) {
            self.errors.add(field, format!("The {} format is invalid.", attribute(field)));
        }
    }

    /// Records a message for `field`.
    pub fn fail(&mut self, field: &str, message: String) {
        self.errors.add(field, message);
    }

    /// `Ok` when every value can be stored, else the 422 naming the fields.
    pub fn checked(&mut self) -> Result<(), Error> {
        std::mem::take(&mut self.errors).result()
    }

    /// A database error of a write of these changes, in SARK's terms: a refused value names its
    /// field (422), a clash is a 409 `{"Error":…}`, anything else passes through.
    pub fn explain(&self, error: Error) -> Error {
        explain(error, &self.origins)
    }
}

/// A database error in SARK's terms; `origins` maps `table.column` to the SARK field.
pub fn explain(error: Error, origins: &[(String, String)]) -> Error {
    if error.code() == laravel::BODY {
        return error;
    }
    match error.status() {
        422 => {
            let place = Refusal::parse(error.message()).map(|r| format!("{}.{}", r.table, r.column));
            let field = place
                .as_ref()
                .and_then(|p| origins.iter().find(|(o, _)| o == p).map(|(_, f)| f.clone()))
                .or_else(|| place.as_ref().map(|p| p.rsplit('.').next().unwrap_or(p).to_string()))
                .unwrap_or_else(|| "pkey".to_string());
            laravel::invalid(&field, format!("The {} format is invalid.", attribute(&field)))
        }
        409 => laravel::conflict(error.message()),
        _ => error,
    }
}

/// Refuses a write the PBX could never be given (the mount may not apply changes), before
/// anything is stored. The change itself is applied by `GET /syscommands/commit`.
pub fn can_apply() -> Result<(), Error> {
    switchboard_sdk::pbx::can_apply()?;
    Ok(())
}

/// A list answer: `[record,…]`.
pub fn list(records: Vec<Json>) -> Response {
    laravel::ok(&Json::Arr(records))
}

/// Whether `text` is an integer in PHP's sense, as the stored value of an `integer` field.
pub fn int_of(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// The tenant id of SARK `cluster` (validated before, so it exists); the default tenant when absent.
pub fn tenant_of(db: &switchboard_sdk::sqlite::Connection, cluster: Option<&str>) -> Result<i64, Error> {
    match cluster {
        Some(name) => model::tenant_id(db, name)?.ok_or_else(|| laravel::invalid("cluster", "The selected cluster is invalid.")),
        None => Ok(1),
    }
}

/// The SARK `Operator` global: the extension `Operator` targets lead to.
pub fn operator() -> Result<String, Error> {
    let db = own::open()?;
    Ok(own::one(&db, "sysglobals", "global")?.get("OPERATOR").cloned().flatten().unwrap_or_else(|| "0".into()))
}

/// A SARK target field resolved to a destination, or SARK's "could not be resolved" message.
pub fn target(db: &switchboard_sdk::sqlite::Connection, changes: &mut Changes, field: &str, value: &str) -> Result<Option<String>, Error> {
    match model::dest::resolve(db, value, &operator()?)? {
        Some(destination) => Ok(Some(destination)),
        None => {
            changes.fail(field, format!("The target could not be resolved {value}"));
            Ok(None)
        }
    }
}

/// `INSERT INTO table (…changes…)`.
pub fn insert(tx: &switchboard_sdk::sqlite::Connection, table: &str, changes: &Changes) -> Result<(), Error> {
    let cols: Vec<&str> = changes.columns.iter().map(|(c, _)| *c).collect();
    let values: Vec<Value> = changes.columns.iter().map(|(_, v)| v.clone()).collect();
    tx.query(&format!("INSERT INTO {table} ({}) VALUES ({})", cols.join(", "), vec!["?"; cols.len()].join(", ")), &values)?;
    Ok(())
}

/// [`insert`], answering the new row's id (for tables keyed by an integer id).
pub fn insert_returning_id(tx: &switchboard_sdk::sqlite::Connection, table: &str, changes: &Changes) -> Result<String, Error> {
    insert(tx, table, changes)?;
    let rows = tx.query("SELECT last_insert_rowid()", &[])?;
    Ok(rows.rows().first().map(|r| r.text(0)).unwrap_or_default())
}

/// The rows `sql` (a `SELECT … FROM table` without a `WHERE`) reads: the one whose `key_column` is
/// `key`, or, without a key, all of them in `key_column`'s order (a resource's show and its list).
pub fn select(db: &switchboard_sdk::sqlite::Connection, sql: &str, key_column: &str, key: Option<&str>) -> Result<switchboard_sdk::sqlite::Rows, Error> {
    Ok(match key {
        Some(key) => db.query(&format!("{sql} WHERE {key_column} = ?"), &[key.into()])?,
        None => db.query(&format!("{sql} ORDER BY {key_column}"), &[])?,
    })
}

/// Whether `table` has a row whose `key_column` is `key`.
pub fn exists(db: &switchboard_sdk::sqlite::Connection, table: &str, key_column: &str, key: &str) -> Result<bool, Error> {
    Ok(!db.query(&format!("SELECT 1 FROM {table} WHERE {key_column} = ?"), &[key.into()])?.rows().is_empty())
}

/// `UPDATE table SET …changes… WHERE key_column = key` (nothing when there are no changes).
pub fn update(tx: &switchboard_sdk::sqlite::Connection, table: &str, key_column: &str, key: Value, changes: &Changes) -> Result<(), Error> {
    if changes.columns.is_empty() {
        return Ok(());
    }
    let sets: Vec<String> = changes.columns.iter().map(|(c, _)| format!("{c} = ?")).collect();
    let mut values: Vec<Value> = changes.columns.iter().map(|(_, v)| v.clone()).collect();
    values.push(key);
    tx.query(&format!("UPDATE {table} SET {} WHERE {key_column} = ?", sets.join(", ")), &values)?;
    Ok(())
}

/// Stores a record's own fields.
pub fn save_own(resource: &str, pkey: &str, fields: &[(String, Option<String>)]) -> Result<(), Error> {
    own::open()?.transaction(|tx| own::set(tx, resource, pkey, fields))
}

/// Forgets a record's own fields.
pub fn forget_own(resource: &str, pkey: &str) -> Result<(), Error> {
    own::open()?.transaction(|tx| own::remove(tx, resource, pkey))
}

/// `"YES"`/`"NO"` of a flag.
pub fn yes_no(flag: Option<i64>) -> String {
    if flag == Some(0) { "NO".into() } else { "YES".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule of every resource is one the validator knows, so no request can meet an unknown
    /// rule at run time.
    #[test]
    fn every_rule_table_is_known_to_the_validator() {
        let tables: Vec<&[Rules]> = vec![
            tenants::CREATE, tenants::UPDATABLE, extensions::CREATE, extensions::CREATE_PROVISIONED, extensions::UPDATABLE,
            extensions::RUNTIME, trunks::CREATE, trunks::UPDATABLE, inboundroutes::CREATE, inboundroutes::UPDATABLE, routes::CREATE,
            routes::UPDATABLE, ringgroups::CREATE, ringgroups::UPDATABLE, queues::CREATE, queues::UPDATABLE, daytimers::RULES,
            holidaytimers::RULES, customapps::CREATE, customapps::UPDATABLE, cos::CREATE, cos::UPDATABLE, cos::ASSIGN, agents::CREATE,
            agents::UPDATABLE, templates::CREATE, templates::UPDATABLE, sysglobals::RULES,
        ];
        for table in tables {
            laravel::check_rules(table).unwrap();
        }
        laravel::check_rules(&ivrs::rules(true)).unwrap();
        laravel::check_rules(&ivrs::rules(false)).unwrap();
    }

    #[test]
    fn records_take_shared_then_own_then_defaults() {
        let columns: &[Column] = &[("pkey", None), ("a", Some("x")), ("b", None), ("c", Some("d"))];
        let own: Fields = [("b".to_string(), Some("own".to_string())), ("c".to_string(), None)].into();
        let json = record(columns, &[("pkey", Some("1".into())), ("a", None)], Some(&own));
        assert_eq!(json.encode(), r#"{"pkey":"1","a":null,"b":"own","c":null}"#);
    }

    #[test]
    fn refusals_name_the_sark_field() {
        let mut changes = Changes::default();
        changes.text("extensions", "number", "pkey", "10\r\n01");
        changes.text("extensions", "name", "desc", "ok");
        let err = changes.checked().unwrap_err();
        assert_eq!((err.status(), err.message()), (422, r#"{"pkey":["The pkey format is invalid."]}"#));
        let db_refusal = Error::new(422, "invalid_value", "statement 1: ivr_entries.digits: holds a line break or another control character");
        let err = explain(db_refusal, &[("ivr_entries.digits".into(), "option10".into())]);
        assert_eq!(err.message(), r#"{"option10":["The option10 format is invalid."]}"#);
        assert_eq!(explain(Error::conflict("UNIQUE constraint failed"), &[]).message(), r#"{"Error":"UNIQUE constraint failed"}"#);
    }
}
