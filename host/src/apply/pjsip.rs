//! `pjsip.switchboard.conf`: the `ps_*` rows (every PJSIP extension has its three through the
//! schema's triggers) and the enabled PJSIP trunks, as res_pjsip's config objects.
//!
//! The `ps_*` columns are named as pjsip.conf's options (Asterisk's realtime schema), so a row
//! becomes `[id]`, `type=…`, then its non-empty columns as `key=value` in table order (which puts
//! `disallow` before `allow`, as res_pjsip needs). Names follow FreePBX's generated pjsip files:
//! endpoint and AOR `[1001]`, auth `[1001-auth]` (`auth=`/`outbound_auth=` point at the rendered
//! name), a trunk's endpoint, AOR, identify and registration `[name]` and its auth `[name-auth]`.
//! Sorcery keys objects by type and id, so one name may serve several types — but two objects of
//! one type with one name make res_sorcery_config refuse the whole file, so that is an error here.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use rusqlite::Connection;

use super::cells::{self, Cell};
use super::syntax::{At, Conf, Unrenderable};

/// The rendered name of the `ps_auths` row `id`.
pub fn auth_section(id: &str) -> String {
    format!("{id}-auth")
}

/// One `ps_*` row: its id as stored, and its other columns in table order.
struct Row {
    id: Cell,
    fields: Vec<Field>,
}

/// One option of a `ps_*` row.
struct Field {
    column: &'static str,
    /// Declared INTEGER: only a whole number is a value Asterisk takes.
    integer: bool,
    cell: Cell,
}

fn rows(conn: &Connection, table: &'static str) -> anyhow::Result<Vec<Row>> {
    let columns: Vec<(String, bool)> = cells::rows(conn, "SELECT name, type FROM pragma_table_info(?1) ORDER BY cid", [table])
        .with_context(|| format!("reading the columns of {table}"))?
        .into_iter()
        .map(|c| (c[0].shown(), c[1].shown().eq_ignore_ascii_case("INTEGER")))
        .collect();
    let id = columns.iter().position(|(n, _)| n == "id").with_context(|| format!("{table} has no id column"))?;
    let rows = cells::rows(conn, &format!("SELECT * FROM {table} ORDER BY id"), []).with_context(|| format!("reading {table}"))?;
    Ok(rows
        .into_iter()
        .map(|cells| {
            let mut row = Row { id: Cell::Null, fields: Vec::new() };
            for (i, cell) in cells.into_iter().enumerate() {
                if i == id {
                    row.id = cell;
                } else {
                    row.fields.push(Field { column: column(&columns[i].0), integer: columns[i].1, cell });
                }
            }
            row
        })
        .collect())
}

/// The rendered objects, checked for same-type name clashes.
struct Objects {
    conf: Conf,
    seen: BTreeSet<(&'static str, String)>,
    /// Names taken by the row being written, given back if it is refused.
    taken: Vec<(&'static str, String)>,
}

impl Objects {
    /// Opens `[name]` with `type=kind`; a second object of one type and name is an error.
    fn open(&mut self, at: At<'_>, column: &'static str, kind: &'static str, name: &str) -> Result<(), Unrenderable> {
        at.name(column, name)?;
        if !self.seen.insert((kind, name.to_string())) {
            return Err(Unrenderable {
                table: at.table,
                key: at.key.to_string(),
                column,
                value: name.to_string(),
                problem: "names a PJSIP object that another row or trunk defines too",
            });
        }
        self.taken.push((kind, name.to_string()));
        self.conf.section(name);
        self.conf.set("type", kind);
        Ok(())
    }

    /// `transport=default` for a row whose own `transport` is empty. The name was checked when
    /// the config file was read.
    fn default_transport(&mut self, row: &Row, default: Option<&str>) {
        let Some(default) = default else { return };
        let own = row.fields.iter().any(|f| f.column == "transport" && !matches!(&f.cell, Cell::Null) && !f.cell.shown().is_empty());
        if !own {
            self.conf.set("transport", default);
        }
    }

    /// Writes one row's objects with `write`, or none of them when it refuses a value (which goes
    /// to `skipped`); a refused row's names stay free for the rows after it.
    fn row(&mut self, skipped: &mut Vec<Unrenderable>, write: impl FnOnce(&mut Objects) -> Result<(), Unrenderable>) {
        self.taken.clear();
        let mark = self.conf.mark();
        if let Err(refused) = write(self) {
            self.conf.truncate(mark);
            for name in self.taken.drain(..) {
                self.seen.remove(&name);
            }
            skipped.push(refused);
        }
    }
}

/// A `ps_*` row's columns as options; references to `ps_auths` rows renamed to their sections.
fn options(objects: &mut Objects, at: At<'_>, row: &Row, auths: &BTreeSet<String>) -> Result<(), Unrenderable> {
    for Field { column, integer, cell } in &row.fields {
        let value = match cell {
            Cell::Null => continue,
            cell if *integer => at.int(column, cell)?.to_string(),
            Cell::Int(n) => n.to_string(),
            cell => at.text(column, cell)?,
        };
        if value.is_empty() {
            continue;
        }
        if !column.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Unrenderable {
                table: at.table,
                key: at.key.to_string(),
                column,
                value: column.to_string(),
                problem: "is not a name pjsip.conf could take as an option",
            });
        }
        let value = if *column == "context" {
            at.name(column, &value)?.to_string()
        } else if matches!(*column, "auth" | "outbound_auth") {
            value
                .split(',')
                .map(|id| {
                    let id = id.trim();
                    at.name(column, id)?;
                    Ok(if auths.contains(id) { auth_section(id) } else { id.to_string() })
                })
                .collect::<Result<Vec<_>, Unrenderable>>()?
                .join(",")
        } else {
            at.value(column, &value)?
        };
        objects.conf.set(column, value);
    }
    Ok(())
}

/// Column names, for reports (`Unrenderable::column` is `&'static str`).
const COLUMNS: &[&str] = &[
    "transport", "aors", "auth", "outbound_auth", "context", "disallow", "allow", "direct_media", "dtmf_mode",
    "callerid", "mailboxes", "from_user", "from_domain", "rtp_symmetric", "force_rport", "rewrite_contact",
    "ice_support", "media_encryption", "trust_id_inbound", "send_rpid", "call_group", "pickup_group",
    "device_state_busy_at", "language", "auth_type", "username", "password", "md5_cred", "realm", "max_contacts",
    "remove_existing", "qualify_frequency", "default_expiration", "contact", "server_uri", "client_uri",
    "contact_user", "retry_interval", "expiration", "line", "endpoint",
];

/// `name` as one of [`COLUMNS`]; a column this build does not know is still rendered (a later
/// migration's), under a generic name in reports.
fn column(name: &str) -> &'static str {
    COLUMNS.iter().find(|c| **c == name).copied().unwrap_or("a column")
}

/// Renders the file; rows that cannot be rendered are left out and added to `skipped`. Endpoints
/// (extensions' and trunks') and registrations without a transport of their own get
/// `default_transport` when there is one.
pub fn render(conn: &Connection, default_transport: Option<&str>, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<String> {
    let endpoints = rows(conn, "ps_endpoints")?;
    let auths = rows(conn, "ps_auths")?;
    let aors = rows(conn, "ps_aors")?;
    let registrations = rows(conn, "ps_registrations")?;
    let auth_ids: BTreeSet<String> = auths.iter().filter_map(|r| if let Cell::Text(id) = &r.id { Some(id.clone()) } else { None }).collect();

    let mut objects = Objects {
        conf: Conf::new("PJSIP endpoints, auths and AORs (ps_* tables), PJSIP trunks, registrations."),
        seen: BTreeSet::new(),
        taken: Vec::new(),
    };
    // One block per id: endpoint, auth, AOR (as pjsip.conf.sample and FreePBX group them).
    let mut by_id: BTreeMap<String, [Option<&Row>; 3]> = BTreeMap::new();
    for (slot, table) in [&endpoints, &auths, &aors].into_iter().enumerate() {
        for row in table {
            by_id.entry(row.id.shown()).or_default()[slot] = Some(row);
        }
    }
    for (id, rows) in &by_id {
        for (row, (table, kind)) in rows.iter().zip([("ps_endpoints", "endpoint"), ("ps_auths", "auth"), ("ps_aors", "aor")]) {
            let Some(row) = row else { continue };
            let at = At::new(table, id);
            objects.row(skipped, |objects| {
                let id = at.text("id", &row.id)?;
                let name = if kind == "auth" { auth_section(at.name("id", &id)?) } else { id };
                objects.open(at, "id", kind, &name)?;
                options(objects, at, row, &auth_ids)?;
                if kind == "endpoint" {
                    objects.default_transport(row, default_transport);
                }
                Ok(())
            });
        }
    }

    for cells in cells::rows(
        conn,
        "SELECT name, host, port, username, secret, register, context, codecs FROM trunks
         WHERE technology = 'pjsip' AND enabled = 1 ORDER BY name",
        [],
    )
    .context("reading trunks")?
    {
        let key = cells[0].shown();
        let at = At::new("trunks", &key);
        objects.row(skipped, |objects| trunk(objects, at, &cells, default_transport));
    }

    for row in &registrations {
        let key = row.id.shown();
        let at = At::new("ps_registrations", &key);
        objects.row(skipped, |objects| {
            objects.open(at, "id", "registration", &at.text("id", &row.id)?)?;
            options(objects, at, row, &auth_ids)?;
            objects.default_transport(row, default_transport);
            Ok(())
        });
    }
    Ok(objects.conf.finish())
}

/// A trunk's endpoint, AOR, auth, identify and (with `register = 1`) registration, from the cells
/// of `name, host, port, username, secret, register, context, codecs`.
fn trunk(objects: &mut Objects, at: At<'_>, cells: &[Cell], transport: Option<&str>) -> Result<(), Unrenderable> {
    let name = at.text("name", &cells[0])?;
    let name = at.name("name", &name)?;
    let host = at.text("host", &cells[1])?;
    let port = at.int("port", &cells[2])?;
    let username = at.text("username", &cells[3])?;
    let secret = at.text("secret", &cells[4])?;
    let register = at.int("register", &cells[5])? == 1;
    let context = at.text("context", &cells[6])?;
    let codecs = at.text("codecs", &cells[7])?;
    let has_auth = !username.is_empty() || !secret.is_empty();
    let auth = auth_section(name);
    let host = if host.is_empty() { None } else { Some(at.host("host", &host)?) };
    let server = host.map(|h| format!("{h}:{port}"));

    objects.open(at, "name", "endpoint", name)?;
    if let Some(transport) = transport {
        objects.conf.set("transport", transport);
    }
    objects.conf.set("context", at.name("context", &context)?);
    objects.conf.set("disallow", "all");
    objects.conf.set("allow", at.value("codecs", &codecs)?);
    if has_auth {
        objects.conf.set("outbound_auth", &auth);
    }
    objects.conf.set("aors", name);
    if !username.is_empty() {
        objects.conf.set("from_user", at.value("username", &username)?);
    }

    objects.open(at, "name", "aor", name)?;
    if let Some(server) = &server {
        objects.conf.set("contact", format!("sip:{server}"));
    }

    if has_auth {
        objects.open(at, "name", "auth", &auth)?;
        objects.conf.set("auth_type", "userpass");
        objects.conf.set("username", at.value("username", &username)?);
        objects.conf.set("password", at.value("secret", &secret)?);
    }

    if let Some(host) = host {
        objects.open(at, "name", "identify", name)?;
        objects.conf.set("endpoint", name);
        objects.conf.set("match", host);
    }

    if register {
        let Some(server) = &server else {
            return Err(Unrenderable {
                table: "trunks",
                key: at.key.to_string(),
                column: "host",
                value: String::new(),
                problem: "is empty, and a registering trunk needs its provider's host",
            });
        };
        if username.is_empty() {
            return Err(Unrenderable {
                table: "trunks",
                key: at.key.to_string(),
                column: "username",
                value: String::new(),
                problem: "is empty, and a registering trunk needs a user to register as",
            });
        }
        objects.open(at, "name", "registration", name)?;
        if let Some(transport) = transport {
            objects.conf.set("transport", transport);
        }
        objects.conf.set("server_uri", format!("sip:{server}"));
        objects.conf.set("client_uri", format!("sip:{}@{server}", at.name("username", &username)?));
        if has_auth {
            objects.conf.set("outbound_auth", &auth);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate::{legacy_db, test_db as db};

    /// The file and what was skipped.
    fn rendered(conn: &Connection) -> (String, Vec<Unrenderable>) {
        let mut skipped = Vec::new();
        let text = render(conn, None, &mut skipped).unwrap();
        (text, skipped)
    }


    #[test]
    fn the_default_transport_fills_only_empty_ones() {
        let conn = db(
            "INSERT INTO extensions (number, name, secret) VALUES ('1001', 'Ada', 'pw1'), ('1002', 'Bob', 'pw2');
             UPDATE ps_endpoints SET transport = 'transport-tls' WHERE id = '1002';
             INSERT INTO trunks (name, host, port, username, secret, register, codecs)
               VALUES ('provider', 'sip.example.com', 5060, 'acme', 'pw', 1, 'ulaw');",
        );
        let mut skipped = Vec::new();
        let text = render(&conn, Some("transport-udp"), &mut skipped).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        let transports: Vec<(&str, &str)> = text
            .split("\n\n")
            .filter_map(|block| {
                let head = block.lines().find(|l| l.starts_with('['))?;
                let kind = block.lines().find_map(|l| l.strip_prefix("type="))?;
                let t = block.lines().find_map(|l| l.strip_prefix("transport=")).unwrap_or("-");
                matches!(kind, "endpoint" | "registration").then_some((head, t))
            })
            .collect();
        assert_eq!(
            transports,
            [("[1001]", "transport-udp"), ("[1002]", "transport-tls"), ("[provider]", "transport-udp"), ("[provider]", "transport-udp")],
            "{text}"
        );
        assert!(!rendered(&conn).0.contains("transport=transport-udp"), "no default, no transport line");
    }

    #[test]
    fn an_extension_and_a_registering_trunk() {
        let conn = db(
            "INSERT INTO extensions (number, name, secret, voicemail) VALUES ('1001', 'Ada Lovelace', 's3;cret', 'default');
             INSERT INTO trunks (name, host, port, username, secret, register, codecs)
               VALUES ('provider', 'sip.example.com', 5060, 'acme', 'pw', 1, 'ulaw');
             INSERT INTO trunks (name, host, enabled) VALUES ('off', 'x.example.com', 0);",
        );
        let (text, skipped) = rendered(&conn);
        assert!(skipped.is_empty(), "{skipped:?}");
        let expected = "\
; Generated by Switchboard from the pbx database — edits here are overwritten.
; PJSIP endpoints, auths and AORs (ps_* tables), PJSIP trunks, registrations.

[1001]
type=endpoint
aors=1001
auth=1001-auth
context=from-internal
disallow=all
allow=ulaw,alaw
direct_media=no
dtmf_mode=rfc4733
callerid=\"Ada Lovelace\" <1001>
mailboxes=1001@default
rtp_symmetric=yes
force_rport=yes
rewrite_contact=yes
ice_support=no
media_encryption=no
trust_id_inbound=yes
send_rpid=no
device_state_busy_at=0

[1001-auth]
type=auth
auth_type=userpass
username=1001
password=s3\\;cret

[1001]
type=aor
max_contacts=1
remove_existing=yes
qualify_frequency=60
default_expiration=3600
mailboxes=1001@default

[provider]
type=endpoint
context=from-trunk
disallow=all
allow=ulaw
outbound_auth=provider-auth
aors=provider
from_user=acme

[provider]
type=aor
contact=sip:sip.example.com:5060

[provider-auth]
type=auth
auth_type=userpass
username=acme
password=pw

[provider]
type=identify
endpoint=provider
match=sip.example.com

[provider]
type=registration
server_uri=sip:sip.example.com:5060
client_uri=sip:acme@sip.example.com:5060
outbound_auth=provider-auth
";
        assert_eq!(text, expected);
    }

    #[test]
    fn hostile_rows_are_skipped_and_reported_and_the_rest_renders() {
        let conn = legacy_db(
            "INSERT INTO ps_aors (id) VALUES ('x]\n[evil');
             INSERT INTO ps_endpoints (id, callerid) VALUES ('2001', 'Eve\n[2001]\ntype=auth');
             INSERT INTO ps_auths (id, username) VALUES ('2001', 'eve');
             INSERT INTO ps_endpoints (id, auth) VALUES ('2002', 'a,b;c');
             INSERT INTO ps_aors (id, max_contacts) VALUES ('2003', 'many');
             INSERT INTO ps_aors (id, contact) VALUES ('2004', x'00ff');
             INSERT INTO extensions (number, name) VALUES ('1001', 'Ada');",
        );
        let (text, skipped) = rendered(&conn);
        let got: Vec<(&str, &str, &str)> = skipped.iter().map(|u| (u.table, u.key.as_str(), u.column)).collect();
        assert_eq!(
            got,
            [
                ("ps_endpoints", "2001", "callerid"),
                ("ps_endpoints", "2002", "auth"),
                ("ps_aors", "2003", "max_contacts"),
                ("ps_aors", "2004", "contact"),
                ("ps_aors", "x]\n[evil", "id"),
            ]
        );
        // Each bad row's object is left out whole; its good neighbours (2001's auth) stay.
        assert!(text.contains("\n[2001-auth]\ntype=auth\nauth_type=userpass\nusername=eve\n"), "{text}");
        assert!(!text.contains("[2001]\ntype=endpoint") && !text.contains("evil") && !text.contains("[2003]"), "{text}");
        assert!(text.contains("\n[1001]\ntype=endpoint\n") && text.contains("\n[1001]\ntype=aor\n"), "{text}");
    }

    #[test]
    fn of_two_objects_of_one_type_and_name_the_second_is_skipped() {
        // A trunk's endpoint `[1001]` would clash with extension 1001's; written before the
        // schema refused such a trunk.
        let conn = legacy_db(
            "INSERT INTO extensions (number) VALUES ('1001');
             INSERT INTO trunks (name, host, username, secret) VALUES ('1001', 'example.com', 'u', 'p');
             INSERT INTO trunks (name, host) VALUES ('other', 'example.org');",
        );
        let (text, skipped) = rendered(&conn);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert_eq!((skipped[0].table, skipped[0].key.as_str()), ("trunks", "1001"));
        assert!(skipped[0].problem.contains("defines too"), "{}", skipped[0]);
        // None of the refused trunk's objects is written, not even those before the clash.
        assert!(!text.contains("example.com") && !text.contains("[1001-auth]\ntype=auth\nauth_type=userpass\nusername=u"), "{text}");
        assert!(text.contains("[other]\ntype=identify\nendpoint=other\nmatch=example.org\n"), "{text}");
    }

    #[test]
    fn the_schema_refuses_what_would_clash() {
        let conn = db("INSERT INTO extensions (number) VALUES ('1001');");
        let err = conn.execute("INSERT INTO trunks (name, host) VALUES ('1001', 'example.com')", []).unwrap_err();
        assert!(err.to_string().contains("trunks.name: is already an extension"), "{err}");
        conn.execute("INSERT INTO trunks (name, host) VALUES ('1002', 'example.com')", []).unwrap();
        let err = conn.execute("INSERT INTO extensions (number) VALUES ('1002')", []).unwrap_err();
        assert!(err.to_string().contains("extensions.number: is already the name of a trunk"), "{err}");
        let err = conn.execute("INSERT INTO ps_registrations (id, server_uri, client_uri) VALUES ('1002', 'sip:x', 'sip:y@x')", []).unwrap_err();
        assert!(err.to_string().contains("ps_registrations.id: is already the name of a trunk"), "{err}");
    }

    #[test]
    fn auth_references_follow_the_rename_only_for_ps_auths_rows() {
        let conn = db(
            "INSERT INTO ps_auths (id, username, password) VALUES ('up', 'u', 'p');
             INSERT INTO ps_endpoints (id, outbound_auth) VALUES ('gw', 'up');
             INSERT INTO ps_registrations (id, server_uri, client_uri, outbound_auth) VALUES ('gw', 'sip:gw', 'sip:u@gw', 'elsewhere');",
        );
        let (text, skipped) = rendered(&conn);
        assert!(skipped.is_empty(), "{skipped:?}");
        assert!(text.contains("[gw]\ntype=endpoint\noutbound_auth=up-auth\n"), "{text}");
        assert!(text.contains("[up-auth]\ntype=auth\n"), "{text}");
        assert!(text.contains("[gw]\ntype=registration\nserver_uri=sip:gw\nclient_uri=sip:u@gw\noutbound_auth=elsewhere\n"), "{text}");
    }
}
