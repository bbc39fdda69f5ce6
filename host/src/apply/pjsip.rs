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

use anyhow::{Context as _, bail};
use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::syntax::{At, Conf, Unrenderable};

/// The rendered name of the `ps_auths` row `id`.
pub fn auth_section(id: &str) -> String {
    format!("{id}-auth")
}

/// One `ps_*` row: its id and its other columns, in table order, as text.
struct Row {
    id: String,
    fields: Vec<(String, String)>,
}

fn rows(conn: &Connection, table: &'static str) -> anyhow::Result<Vec<Row>> {
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY id")).with_context(|| format!("reading {table}"))?;
    let names: Vec<String> = stmt.column_names().into_iter().map(str::to_string).collect();
    let mut out = Vec::new();
    let mut query = stmt.query([])?;
    while let Some(r) = query.next()? {
        let mut id = String::new();
        let mut fields = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let value = match r.get_ref(i)? {
                ValueRef::Null => String::new(),
                ValueRef::Integer(n) => n.to_string(),
                ValueRef::Real(x) => x.to_string(),
                ValueRef::Text(t) => String::from_utf8(t.to_vec()).with_context(|| format!("{table}.{name} is not UTF-8"))?,
                ValueRef::Blob(_) => bail!("{table}.{name} holds a blob"),
            };
            if name == "id" {
                id = value;
            } else {
                fields.push((name.clone(), value));
            }
        }
        out.push(Row { id, fields });
    }
    Ok(out)
}

/// The rendered objects, checked for same-type name clashes.
struct Objects {
    conf: Conf,
    seen: BTreeSet<(&'static str, String)>,
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
        self.conf.section(name);
        self.conf.set("type", kind);
        Ok(())
    }
}

/// A `ps_*` row's columns as options; references to `ps_auths` rows renamed to their sections.
fn options(objects: &mut Objects, at: At<'_>, row: &Row, auths: &BTreeSet<String>) -> Result<(), Unrenderable> {
    for (key, value) in &row.fields {
        if value.is_empty() {
            continue;
        }
        let column: &'static str = COLUMNS.iter().find(|c| **c == key).copied().unwrap_or("a column");
        if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Unrenderable {
                table: at.table,
                key: at.key.to_string(),
                column,
                value: key.clone(),
                problem: "is not a name pjsip.conf could take as an option",
            });
        }
        let value = if matches!(key.as_str(), "auth" | "outbound_auth") {
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
            at.value(column, value)?
        };
        objects.conf.set(key, value);
    }
    Ok(())
}

/// Column names, for error messages (`Unrenderable::column` is `&'static str`).
const COLUMNS: &[&str] = &[
    "transport", "aors", "auth", "outbound_auth", "context", "disallow", "allow", "direct_media", "dtmf_mode",
    "callerid", "mailboxes", "from_user", "from_domain", "rtp_symmetric", "force_rport", "rewrite_contact",
    "ice_support", "media_encryption", "trust_id_inbound", "send_rpid", "call_group", "pickup_group",
    "device_state_busy_at", "language", "auth_type", "username", "password", "md5_cred", "realm", "max_contacts",
    "remove_existing", "qualify_frequency", "default_expiration", "contact", "server_uri", "client_uri",
    "contact_user", "retry_interval", "expiration", "line", "endpoint",
];

/// A PJSIP trunk row.
struct Trunk {
    name: String,
    host: String,
    port: i64,
    username: String,
    secret: String,
    register: bool,
    context: String,
    codecs: String,
}

/// Renders the file.
pub fn render(conn: &Connection) -> anyhow::Result<String> {
    let endpoints = rows(conn, "ps_endpoints")?;
    let auths = rows(conn, "ps_auths")?;
    let aors = rows(conn, "ps_aors")?;
    let registrations = rows(conn, "ps_registrations")?;
    let auth_ids: BTreeSet<String> = auths.iter().map(|r| r.id.clone()).collect();

    let mut objects = Objects {
        conf: Conf::new("PJSIP endpoints, auths and AORs (ps_* tables), PJSIP trunks, registrations."),
        seen: BTreeSet::new(),
    };
    // One block per id: endpoint, auth, AOR (as pjsip.conf.sample and FreePBX group them).
    let mut by_id: BTreeMap<&str, [Option<&Row>; 3]> = BTreeMap::new();
    for (slot, table) in [&endpoints, &auths, &aors].into_iter().enumerate() {
        for row in table {
            by_id.entry(row.id.as_str()).or_default()[slot] = Some(row);
        }
    }
    for (id, [endpoint, auth, aor]) in by_id {
        if let Some(row) = endpoint {
            let at = At::new("ps_endpoints", id);
            objects.open(at, "id", "endpoint", id)?;
            options(&mut objects, at, row, &auth_ids)?;
        }
        if let Some(row) = auth {
            let at = At::new("ps_auths", id);
            at.name("id", id)?;
            objects.open(at, "id", "auth", &auth_section(id))?;
            options(&mut objects, at, row, &auth_ids)?;
        }
        if let Some(row) = aor {
            let at = At::new("ps_aors", id);
            objects.open(at, "id", "aor", id)?;
            options(&mut objects, at, row, &auth_ids)?;
        }
    }

    let mut stmt = conn.prepare(
        "SELECT name, host, port, username, secret, register, context, codecs FROM trunks
         WHERE technology = 'pjsip' AND enabled = 1 ORDER BY name",
    )?;
    let trunks = stmt
        .query_map([], |r| {
            Ok(Trunk {
                name: r.get(0)?,
                host: r.get(1)?,
                port: r.get(2)?,
                username: r.get(3)?,
                secret: r.get(4)?,
                register: r.get::<_, i64>(5)? == 1,
                context: r.get(6)?,
                codecs: r.get(7)?,
            })
        })
        .context("reading trunks")?
        .collect::<Result<Vec<_>, _>>()?;
    for t in &trunks {
        trunk(&mut objects, t)?;
    }

    for row in &registrations {
        let at = At::new("ps_registrations", &row.id);
        objects.open(at, "id", "registration", &row.id)?;
        options(&mut objects, at, row, &auth_ids)?;
    }
    Ok(objects.conf.finish())
}

/// A trunk's endpoint, AOR, auth, identify and (with `register = 1`) registration.
fn trunk(objects: &mut Objects, t: &Trunk) -> Result<(), Unrenderable> {
    let at = At::new("trunks", &t.name);
    let name = at.name("name", &t.name)?;
    let has_auth = !t.username.is_empty() || !t.secret.is_empty();
    let auth = auth_section(name);
    let host = if t.host.is_empty() { None } else { Some(at.host("host", &t.host)?) };
    let server = host.map(|h| format!("{h}:{}", t.port));

    objects.open(at, "name", "endpoint", name)?;
    objects.conf.set("context", at.name("context", &t.context)?);
    objects.conf.set("disallow", "all");
    objects.conf.set("allow", at.value("codecs", &t.codecs)?);
    if has_auth {
        objects.conf.set("outbound_auth", &auth);
    }
    objects.conf.set("aors", name);
    if !t.username.is_empty() {
        objects.conf.set("from_user", at.value("username", &t.username)?);
    }

    objects.open(at, "name", "aor", name)?;
    if let Some(server) = &server {
        objects.conf.set("contact", format!("sip:{server}"));
    }

    if has_auth {
        objects.open(at, "name", "auth", &auth)?;
        objects.conf.set("auth_type", "userpass");
        objects.conf.set("username", at.value("username", &t.username)?);
        objects.conf.set("password", at.value("secret", &t.secret)?);
    }

    if let Some(host) = host {
        objects.open(at, "name", "identify", name)?;
        objects.conf.set("endpoint", name);
        objects.conf.set("match", host);
    }

    if t.register {
        let Some(server) = &server else {
            return Err(Unrenderable {
                table: "trunks",
                key: t.name.clone(),
                column: "host",
                value: String::new(),
                problem: "is empty, and a registering trunk needs its provider's host",
            });
        };
        if t.username.is_empty() {
            return Err(Unrenderable {
                table: "trunks",
                key: t.name.clone(),
                column: "username",
                value: String::new(),
                problem: "is empty, and a registering trunk needs a user to register as",
            });
        }
        objects.open(at, "name", "registration", name)?;
        objects.conf.set("server_uri", format!("sip:{server}"));
        objects.conf.set("client_uri", format!("sip:{}@{server}", at.name("username", &t.username)?));
        if has_auth {
            objects.conf.set("outbound_auth", &auth);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate::test_db as db;


    #[test]
    fn an_extension_and_a_registering_trunk() {
        let conn = db(
            "INSERT INTO extensions (number, name, secret, voicemail) VALUES ('1001', 'Ada Lovelace', 's3;cret', 'default');
             INSERT INTO trunks (name, host, port, username, secret, register, codecs)
               VALUES ('provider', 'sip.example.com', 5060, 'acme', 'pw', 1, 'ulaw');
             INSERT INTO trunks (name, host, enabled) VALUES ('off', 'x.example.com', 0);",
        );
        let text = render(&conn).unwrap();
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
    fn hostile_ids_and_values_are_refused_not_written() {
        let conn = db("INSERT INTO ps_aors (id) VALUES ('x]\n[evil');");
        let err = render(&conn).unwrap_err();
        let u = err.downcast_ref::<Unrenderable>().expect("an Unrenderable");
        assert_eq!((u.table, u.column), ("ps_aors", "id"));

        let conn = db("INSERT INTO ps_endpoints (id, callerid) VALUES ('2001', 'Eve\n[2001]\ntype=auth');");
        let u = render(&conn).unwrap_err().downcast::<Unrenderable>().unwrap();
        assert_eq!((u.table, u.key.as_str(), u.column), ("ps_endpoints", "2001", "callerid"));

        let conn = db("INSERT INTO ps_endpoints (id, auth) VALUES ('2002', 'a,b;c');");
        let u = render(&conn).unwrap_err().downcast::<Unrenderable>().unwrap();
        assert_eq!(u.column, "auth");
    }

    #[test]
    fn two_objects_of_one_type_and_name_are_an_error() {
        // A trunk's endpoint `[1001]` would clash with extension 1001's.
        let conn = db(
            "INSERT INTO extensions (number) VALUES ('1001');
             INSERT INTO trunks (name, host) VALUES ('1001', 'example.com');",
        );
        let u = render(&conn).unwrap_err().downcast::<Unrenderable>().unwrap();
        assert_eq!((u.table, u.key.as_str()), ("trunks", "1001"));
        assert!(u.problem.contains("defines too"), "{u}");
    }

    #[test]
    fn auth_references_follow_the_rename_only_for_ps_auths_rows() {
        let conn = db(
            "INSERT INTO ps_auths (id, username, password) VALUES ('up', 'u', 'p');
             INSERT INTO ps_endpoints (id, outbound_auth) VALUES ('gw', 'up');
             INSERT INTO ps_registrations (id, server_uri, client_uri, outbound_auth) VALUES ('gw', 'sip:gw', 'sip:u@gw', 'elsewhere');",
        );
        let text = render(&conn).unwrap();
        assert!(text.contains("[gw]\ntype=endpoint\noutbound_auth=up-auth\n"), "{text}");
        assert!(text.contains("[up-auth]\ntype=auth\n"), "{text}");
        assert!(text.contains("[gw]\ntype=registration\nserver_uri=sip:gw\nclient_uri=sip:u@gw\noutbound_auth=elsewhere\n"), "{text}");
    }
}
