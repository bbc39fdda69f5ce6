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

use super::syntax::{At, Conf, Unrenderable};

/// A `queues` row.
struct Queue {
    name: String,
    strategy: String,
    numbers: [(&'static str, i64); 6],
    musiconhold: String,
    announce: String,
    joinempty: String,
    leavewhenempty: String,
    ringinuse: String,
}

/// Renders the file.
pub fn render(conn: &Connection) -> anyhow::Result<String> {
    let mut conf = Conf::new("Call queues (queues, queue_members).");
    let queues: Vec<Queue> = conn
        .prepare(
            "SELECT name, strategy, timeout, retry, wrapuptime, maxlen, servicelevel, weight, musiconhold, announce,
                    joinempty, leavewhenempty, ringinuse FROM queues ORDER BY name",
        )?
        .query_map([], |r| {
            Ok(Queue {
                name: r.get(0)?,
                strategy: r.get(1)?,
                numbers: [
                    ("timeout", r.get(2)?),
                    ("retry", r.get(3)?),
                    ("wrapuptime", r.get(4)?),
                    ("maxlen", r.get(5)?),
                    ("servicelevel", r.get(6)?),
                    ("weight", r.get(7)?),
                ],
                musiconhold: r.get(8)?,
                announce: r.get(9)?,
                joinempty: r.get(10)?,
                leavewhenempty: r.get(11)?,
                ringinuse: r.get(12)?,
            })
        })
        .context("reading queues")?
        .collect::<Result<_, _>>()?;
    let mut members: BTreeMap<String, Vec<(String, i64, String, String)>> = BTreeMap::new();
    for r in conn
        .prepare("SELECT queue_name, interface, penalty, membername, state_interface FROM queue_members ORDER BY queue_name, uniqueid")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))))
        .context("reading queue_members")?
    {
        let (queue, member) = r?;
        members.entry(queue).or_default().push(member);
    }

    for q in &queues {
        let at = At::new("queues", &q.name);
        let name = at.name("name", &q.name)?;
        if name.eq_ignore_ascii_case("general") {
            return Err(Unrenderable {
                table: "queues",
                key: q.name.clone(),
                column: "name",
                value: q.name.clone(),
                problem: "is queues.conf's settings section, not a queue",
            }
            .into());
        }
        conf.section(name);
        conf.set("strategy", at.value("strategy", &q.strategy)?);
        for (key, n) in q.numbers {
            conf.set(key, n);
        }
        if !q.musiconhold.is_empty() {
            conf.set("musicclass", at.value("musiconhold", &q.musiconhold)?);
        }
        if !q.announce.is_empty() {
            conf.set("announce", at.value("announce", &q.announce)?);
        }
        conf.set("joinempty", at.value("joinempty", &q.joinempty)?);
        conf.set("leavewhenempty", at.value("leavewhenempty", &q.leavewhenempty)?);
        conf.set("ringinuse", at.yes_no("ringinuse", &q.ringinuse)?);
        let at_member = At::new("queue_members", &q.name);
        for (interface, penalty, membername, state_interface) in members.get(&q.name).map(Vec::as_slice).unwrap_or_default() {
            let mut fields = vec![
                at_member.field("interface", interface)?,
                penalty.to_string(),
                at_member.field("membername", membername)?,
                at_member.field("state_interface", state_interface)?,
            ];
            while fields.last().is_some_and(String::is_empty) {
                fields.pop();
            }
            if fields[0].is_empty() {
                return Err(Unrenderable {
                    table: "queue_members",
                    key: q.name.clone(),
                    column: "interface",
                    value: String::new(),
                    problem: "is empty",
                }
                .into());
            }
            conf.line(format_args!("member => {}", fields.join(",")));
        }
    }
    Ok(conf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::migrate::test_db as db;


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
        assert_eq!(render(&conn).unwrap(), expected);
    }

    #[test]
    fn hostile_names_are_refused() {
        for (sql, column) in [
            ("INSERT INTO queues (name) VALUES ('general');", "name"),
            ("INSERT INTO queues (name) VALUES ('a]\n[b');", "name"),
            ("INSERT INTO queues (name, announce) VALUES ('q', 'x\nmember => PJSIP/666');", "announce"),
            ("INSERT INTO queues (name) VALUES ('q');
              INSERT INTO queue_members (queue_name, interface, membername) VALUES ('q', 'PJSIP/1', 'Doe, J');", "membername"),
            ("INSERT INTO queues (name, ringinuse) VALUES ('q', 'maybe');", "ringinuse"),
        ] {
            let err = render(&db(sql)).unwrap_err();
            let u = err.downcast_ref::<Unrenderable>().unwrap_or_else(|| panic!("{sql}: {err:#}"));
            assert_eq!(u.column, column, "{sql}");
        }
    }
}
