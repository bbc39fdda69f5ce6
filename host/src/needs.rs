//! What a plugin declares it needs: the grants it cannot work without, embedded in its component.
//!
//! A component's imports say which interfaces it *may* call, not what it does with them: an AMI
//! import does not say which actions, a `sqlite` import not which tables, and a JavaScript or
//! Python component imports every interface its runtime was built against whether the plugin
//! uses it or not. So a plugin may declare its needs — a `grants` table, in the very syntax of a
//! mount's `grants` — in a custom section named [`SECTION`]. A Rust plugin writes it with the
//! SDK's `needs!` macro (the section then sits in the component's core module); any other
//! component gets it with `switchboard needs embed` (a section at the component's top level).
//!
//! `switchboard check` compares the declaration with each mount's grants ([`missing`]) and lists
//! what the mount does not lend; `check --strict` fails on it. When a plugin declares its needs,
//! the interfaces it imports but does not declare are reported as one line instead of one
//! warning each.

use std::path::Path;

use anyhow::{Context as _, bail};
use wasm_encoder::Encode as _;

use crate::capabilities::outbound_http::OutboundPolicy;
use crate::config::{self, FileAccess, Grants, PbxAccess};

/// The custom section's name.
pub const SECTION: &str = "switchboard:needs";

/// A plugin's declaration.
#[derive(Debug, Clone)]
pub struct Needs {
    /// The declaration as written (TOML).
    pub text: String,
    /// The same, checked like a mount's `grants`.
    pub grants: Grants,
}

/// The needs declared in the component `bytes` (from the file `origin`, named in errors), if it
/// declares any. A declaration that is not a valid `grants` table is an error: a plugin that says
/// it needs something must say it in a form `check` understands.
pub fn read(bytes: &[u8], origin: &Path) -> anyhow::Result<Option<Needs>> {
    let mut found: Option<String> = None;
    // `parse_all` walks nested core modules and components too, where a Rust plugin's section is.
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.with_context(|| format!("{}: not a valid component", origin.display()))?;
        let wasmparser::Payload::CustomSection(section) = payload else { continue };
        if section.name() != SECTION {
            continue;
        }
        let text = std::str::from_utf8(section.data())
            .with_context(|| format!("{}: the `{SECTION}` section is not UTF-8", origin.display()))?;
        match &found {
            Some(earlier) if earlier != text => {
                bail!("{}: the component declares its needs twice, differently (`{SECTION}` sections)", origin.display())
            }
            _ => found = Some(text.to_string()),
        }
    }
    let Some(text) = found else { return Ok(None) };
    let grants = parse(&text, origin)?;
    Ok(Some(Needs { text, grants }))
}

/// Checks a declaration `text` as `grants` (`origin` locates its problems).
pub fn parse(text: &str, origin: &Path) -> anyhow::Result<Grants> {
    let named = std::path::PathBuf::from(format!("{}#{SECTION}", origin.display()));
    config::parse_grants(text, &named).map_err(|e| anyhow::anyhow!("the declared needs are not a valid grants table:\n{e}"))
}

/// `component` with the declaration `text` appended as a top-level [`SECTION`]; refused when the
/// text is not a valid `grants` table or the component declares needs already.
pub fn embed(component: &[u8], text: &str, origin: &Path) -> anyhow::Result<Vec<u8>> {
    if read(component, origin)?.is_some() {
        bail!("{} already declares its needs; build it again from its source to change them", origin.display());
    }
    parse(text, origin)?;
    let mut out = component.to_vec();
    out.push(0); // A custom section's id; `encode` writes its size, name and payload.
    wasm_encoder::CustomSection { name: SECTION.into(), data: text.as_bytes().into() }.encode(&mut out);
    Ok(out)
}

/// Whether `needs` asks for anything under the grant key `grant` (`ami`, `sqlite`, …): an
/// interface the plugin imports under a key it does not declare is one its runtime brought along.
pub fn declares(needs: &Grants, grant: &str) -> bool {
    match grant {
        "ami" => !needs.ami.is_empty(),
        "outbound_http" => !needs.outbound_http.is_empty(),
        "events" => needs.events,
        "system" => needs.system,
        "apply_changes" => needs.apply_changes,
        "sqlite" => needs.sqlite.pbx.is_some() || needs.sqlite.own,
        "files" => !needs.files.is_empty(),
        "pbx_control" => needs.pbx_control.start || needs.pbx_control.stop || needs.pbx_control.reboot,
        _ => false,
    }
}

/// Each declared need `grants` does not lend, one line each (`grants.ami: Originate`).
pub fn missing(needs: &Grants, grants: &Grants) -> Vec<String> {
    let mut missing = Vec::new();
    for need in &needs.ami {
        if !grants.ami.iter().any(|grant| grant.covers(need)) {
            missing.push(format!("grants.ami: {need}"));
        }
    }
    let outbound = OutboundPolicy::new(&grants.outbound_http);
    for need in &needs.outbound_http {
        if !outbound.covers(need) {
            missing.push(format!("grants.outbound_http: {need}"));
        }
    }
    for (flag, needed, granted) in [
        ("events", needs.events, grants.events),
        ("system", needs.system, grants.system),
        ("apply_changes", needs.apply_changes, grants.apply_changes),
        ("sqlite.own", needs.sqlite.own, grants.sqlite.own),
        ("pbx_control.start", needs.pbx_control.start, grants.pbx_control.start),
        ("pbx_control.stop", needs.pbx_control.stop, grants.pbx_control.stop),
        ("pbx_control.reboot", needs.pbx_control.reboot, grants.pbx_control.reboot),
    ] {
        if needed && !granted {
            missing.push(format!("grants.{flag}"));
        }
    }
    if let Some(need) = &needs.sqlite.pbx {
        let have = TableAccess::of(grants.sqlite.pbx.as_ref());
        let want = TableAccess::of(Some(need));
        if want.read_all && !have.read_all {
            missing.push("grants.sqlite.pbx: read every table".into());
        }
        if want.write_all && !have.write_all {
            missing.push("grants.sqlite.pbx: write every table".into());
        }
        for table in want.read.iter().filter(|t| !have.reads(t)) {
            missing.push(format!("grants.sqlite.pbx: read {table}"));
        }
        for table in want.write.iter().filter(|t| !have.writes(t)) {
            missing.push(format!("grants.sqlite.pbx: write {table}"));
        }
    }
    for (area, need) in &needs.files {
        let enough = match (grants.files.get(area), need) {
            (Some(FileAccess::ReadWrite), _) | (Some(FileAccess::ReadOnly), FileAccess::ReadOnly) => true,
            _ => false,
        };
        if !enough {
            let access = if *need == FileAccess::ReadWrite { "read-write" } else { "read-only" };
            missing.push(format!("grants.files.{area}: {access}"));
        }
    }
    missing
}

/// The `pbx` database access of a grant or a need, as sets of tables.
#[derive(Default)]
struct TableAccess {
    read_all: bool,
    write_all: bool,
    read: Vec<String>,
    write: Vec<String>,
}

impl TableAccess {
    fn of(access: Option<&PbxAccess>) -> TableAccess {
        match access {
            None => TableAccess::default(),
            Some(PbxAccess::ReadOnly) => TableAccess { read_all: true, ..TableAccess::default() },
            Some(PbxAccess::ReadWrite) => TableAccess { read_all: true, write_all: true, ..TableAccess::default() },
            Some(PbxAccess::Tables { read, write }) => {
                let star = |list: &[String]| list.iter().any(|t| t == "*");
                TableAccess {
                    read_all: star(read) || star(write),
                    write_all: star(write),
                    read: read.iter().filter(|t| *t != "*").cloned().collect(),
                    write: write.iter().filter(|t| *t != "*").cloned().collect(),
                }
            }
        }
    }

    /// Writing a table implies reading it, as in the grant.
    fn reads(&self, table: &str) -> bool {
        self.read_all || self.read.iter().chain(&self.write).any(|t| t.eq_ignore_ascii_case(table))
    }

    fn writes(&self, table: &str) -> bool {
        self.write_all || self.write.iter().any(|t| t.eq_ignore_ascii_case(table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(text: &str) -> Grants {
        parse(text, Path::new("test")).unwrap_or_else(|e| panic!("{e:#}"))
    }

    #[test]
    fn what_the_mount_lends_covers_the_needs_and_the_rest_is_listed() {
        let needs = grants(
            r#"ami = ["Originate", "CoreShowChannels"]
events = true
outbound_http = ["https://crm.example.com"]
sqlite = { own = true, pbx = { read = ["extensions"], write = ["follow_me"] } }
files = { recordings = "read-only" }
"#,
        );
        let full = grants(
            r#"ami = ["*"]
events = true
outbound_http = ["https://*.example.com"]
sqlite = { own = true, pbx = "read-write" }
files = { recordings = "read-write" }
"#,
        );
        assert_eq!(missing(&needs, &full), Vec::<String>::new());
        let partial = grants(
            r#"ami = ["CoreShowChannels", "Originate Context=from-internal"]
sqlite = { pbx = { read = ["follow_me"] } }
files = { recordings = "read-only" }
"#,
        );
        assert_eq!(
            missing(&needs, &partial),
            [
                "grants.ami: Originate",
                "grants.outbound_http: https://crm.example.com",
                "grants.events",
                "grants.sqlite.own",
                "grants.sqlite.pbx: read extensions",
                "grants.sqlite.pbx: write follow_me",
            ]
        );
    }

    #[test]
    fn a_declaration_round_trips_through_a_component_and_is_refused_twice() {
        let component = wasm_encoder::Component::new().finish();
        assert!(read(&component, Path::new("c.wasm")).unwrap().is_none());
        let text = "ami = [\"Status\"]\n";
        let declared = embed(&component, text, Path::new("c.wasm")).unwrap();
        wasmparser::Validator::new().validate_all(&declared).expect("still a valid component");
        let needs = read(&declared, Path::new("c.wasm")).unwrap().expect("declared");
        assert_eq!(needs.text, text);
        assert_eq!(missing(&needs.grants, &grants("ami = [\"Status\"]")), Vec::<String>::new());
        let again = embed(&declared, text, Path::new("c.wasm")).unwrap_err();
        assert!(format!("{again:#}").contains("already declares"), "{again:#}");
    }

    #[test]
    fn a_declaration_that_is_no_grants_table_is_located() {
        let component = wasm_encoder::Component::new().finish();
        let e = embed(&component, "ami = [\"Originate\"]\nsqlite = { pbx = \"everything\" }\n", Path::new("c.wasm")).unwrap_err();
        let message = format!("{e:#}");
        assert!(message.contains("c.wasm#switchboard:needs:2:"), "{message}");
        let e = embed(&component, "amy = true\n", Path::new("c.wasm")).unwrap_err();
        assert!(format!("{e:#}").contains("amy"), "{e:#}");
    }
}
