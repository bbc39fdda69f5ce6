//! `queues.switchboard.conf`: one app_queue section per `queues` row, with its static members.
//!
//! ```text
//! [support]
//! strategy=ringall
//! …
//! member => PJSIP/1001,0,Alice Smith,PJSIP/1001
//! ```
//!
//! Members are `member => interface,penalty,membername,state_interface`, in the order they were
//! added (the order `linear` and `rrordered` ring them in); empty trailing fields are left out.

use std::collections::BTreeMap;

use anyhow::Context as _;
use rusqlite::Connection;

use super::cells::{self, Cell};
use super::syntax::{At, Conf, Unrenderable};

/// The integer settings, in the order of the query's columns 1–6.
const NUMBERS: [&str; 6] = ["timeout", "retry", "wrapuptime", "maxlen", "servicelevel", "weight"];

/// Renders the file; rows that cannot be rendered are left out and added to `skipped`.
pub fn render(conn: &Connection, skipped: &mut Vec<Unrenderable>) -> anyhow::Result<String> {
    let mut conf = Conf::new("Call queues (queues, queue_members).");
    let mut members: BTreeMap<String, Vec<Vec<Cell>>> = BTreeMap::new();
    for cells in cells::rows(
        conn,
        "SELECT queue_name, uniqueid, interface, penalty, membername, state_interface FROM queue_members ORDER BY queue_name, uniqueid",
        [],
    )
    .context("reading queue_members")?
    {
        members.entry(cells[0].shown()).or_default().push(cells);
    }
    for cells in cells::rows(
        conn,
        "SELECT name, timeout, retry, wrapuptime, maxlen, servicelevel, weight, strategy, musiconhold, announce,
                joinempty, leavewhenempty, ringinuse FROM queues ORDER BY name",
        [],
    )
    .context("reading queues")?
    {
        let key = cells[0].shown();
        let at = At::new("queues", &key);
        let written = conf.row(skipped, |conf| queue(conf, at, &cells));
        if !written {
            continue;
        }
        // A member that cannot be written is left out; the queue and its other members stay.
        for m in members.remove(&key).unwrap_or_default() {
            let key = m[1].shown();
            let at = At::new("queue_members", &key);
            conf.row(skipped, |conf| member(conf, at, &m));
        }
    }
    Ok(conf.finish())
}

/// A queue's section from the cells of `name, <NUMBERS>, strategy, musiconhold, announce,
/// joinempty, leavewhenempty, ringinuse`.
fn queue(conf: &mut Conf, at: At<'_>, cells: &[Cell]) -> Result<(), Unrenderable> {
    let name = at.text("name", &cells[0])?;
    // The dialplan reaches a queue by its name as a literal extension; a name the dialplan must
    // refuse (`_…`, a pattern) is refused here too, so a refused row is rendered nowhere.
    let name = at.exten("name", &name)?;
    if name.eq_ignore_ascii_case("general") {
        return Err(Unrenderable {
            table: "queues",
            key: at.key.to_string(),
            column: "name",
            value: name.to_string(),
            problem: "is queues.conf's settings section, not a queue",
        });
    }
    let numbers = NUMBERS.iter().zip(&cells[1..7]).map(|(key, cell)| Ok((*key, at.int(key, cell)?))).collect::<Result<Vec<_>, _>>()?;
    let text = |column: &'static str, i: usize| at.text(column, &cells[i]);
    conf.section(name);
    conf.set("strategy", at.value("strategy", &text("strategy", 7)?)?);
    for (key, n) in numbers {
        conf.set(key, n);
    }
    let musiconhold = text("musiconhold", 8)?;
    if !musiconhold.is_empty() {
        conf.set("musicclass", at.value("musiconhold", &musiconhold)?);
    }
    let announce = text("announce", 9)?;
    if !announce.is_empty() {
        conf.set("announce", at.value("announce", &announce)?);
    }
    conf.set("joinempty", at.value("joinempty", &text("joinempty", 10)?)?);
    conf.set("leavewhenempty", at.value("leavewhenempty", &text("leavewhenempty", 11)?)?);
    conf.set("ringinuse", at.yes_no("ringinuse", &text("ringinuse", 12)?)?);
    Ok(())
}

/// `member => interface,penalty,membername,state_interface` from the cells of `queue_name,
/// uniqueid, interface, penalty, membername, state_interface`; empty trailing fields left out.
fn member(conf: &mut Conf, at: At<'_>, cells: &[Cell]) -> Result<(), Unrenderable> {
    let interface = at.field("interface", &at.text("interface", &cells[2])?)?;
    if interface.is_empty() {
        return Err(Unrenderable { table: "queue_members", key: at.key.to_string(), column: "interface", value: String::new(), problem: "is empty" });
    }
    let mut fields = vec![
        interface,
        at.int("penalty", &cells[3])?.to_string(),
        at.field("membername", &at.text("membername", &cells[4])?)?,
        at.field("state_interface", &at.text("state_interface", &cells[5])?)?,
    ];
    while fields.last().is_some_and(String::is_empty) {
        fields.pop();
    }
    conf.line(format_args!("member => {}", fields.join(",")));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate::{legacy_db, test_db as db};

    /// The file and what was skipped.
    fn rendered(conn: &Connection) -> (String, Vec<Unrenderable>) {
        let mut skipped = Vec::new();
        let text = render(conn, &mut skipped).unwrap();
        (text, skipped)
    }


    #[test]
    fn a_queue_with_members() {
        let conn = db(
            "INSERT INTO queues (name, strategy, announce) VALUES ('support', 'rrmemory', 'queue-support');
             INSERT INTO queue_members (queue_name, interface, penalty, membername, state_interface)
               VALUES ('support', 'PJSIP/1002', 1, 'Bob; Jones', 'PJSIP/1002');
             INSERT INTO queue_members (queue_name, interface) VALUES ('support', 'Local/1001@from-queue/n');
             INSERT INTO queues (name) VALUES ('empty');",
        );
        let expected = "\
; Generated by Switchboard from the pbx database — edits here are overwritten.
; Call queues (queues, queue_members).

[empty]
strategy=ringall
timeout=15
retry=5
wrapuptime=0
maxlen=0
servicelevel=60
weight=0
musicclass=default
joinempty=yes
leavewhenempty=no
ringinuse=no

[support]
strategy=rrmemory
timeout=15
retry=5
wrapuptime=0
maxlen=0
servicelevel=60
weight=0
musicclass=default
announce=queue-support
joinempty=yes
leavewhenempty=no
ringinuse=no
member => PJSIP/1002,1,Bob\\; Jones,PJSIP/1002
member => Local/1001@from-queue/n,0
";
        assert_eq!(rendered(&conn), (expected.to_string(), Vec::new()));
    }

    #[test]
    fn hostile_rows_are_skipped_and_reported() {
        for (sql, table, column) in [
            ("INSERT INTO queues (name) VALUES ('general');", "queues", "name"),
            ("INSERT INTO queues (name) VALUES ('a]\n[b');", "queues", "name"),
            // Found by the `apply` fuzz target: refused by the dialplan, yet written here.
            ("INSERT INTO queues (name) VALUES ('_1NXXNXXXXXX1001');", "queues", "name"),
            ("INSERT INTO queues (name, announce) VALUES ('q', 'x\nmember => PJSIP/666');", "queues", "announce"),
            ("INSERT INTO queues (name) VALUES ('q');
              INSERT INTO queue_members (queue_name, interface, membername) VALUES ('q', 'PJSIP/1', 'Doe, J');", "queue_members", "membername"),
            ("INSERT INTO queues (name, ringinuse) VALUES ('q', 'maybe');", "queues", "ringinuse"),
            ("INSERT INTO queues (name, timeout) VALUES ('q', 'soon');", "queues", "timeout"),
        ] {
            let conn = legacy_db(&format!("INSERT INTO queues (name) VALUES ('fine'); {sql}"));
            let (text, skipped) = rendered(&conn);
            assert_eq!(skipped.iter().map(|u| (u.table, u.column)).collect::<Vec<_>>(), [(table, column)], "{sql}");
            assert!(text.contains("\n[fine]\nstrategy=ringall\n"), "{sql}: {text}");
            assert!(!text.contains("666") && !text.contains("Doe") && !text.contains("maybe") && !text.contains("[b"), "{sql}: {text}");
        }
    }
}
