//! `GET|POST /acd/stats`, `GET|POST /acd/{uuid}/stats`: live queue state from AMI `QueueStatus`,
//! answered as `{"queues":[…]}`. `relative` subtracts the counters saved at the last `reset` (a
//! POST option), kept in the plugin's own database with the reset's time.

use std::collections::HashMap;

use serde::Serialize;
use switchboard_sdk::ami;
use switchboard_sdk::prelude::*;
use switchboard_sdk::sqlite::{self, Connection};

use super::{flag, ok, resolve};
use crate::auth;
use crate::devstate;
use crate::ids::{self, Kind};
use crate::model;
use crate::time;

#[derive(Serialize)]
struct Agent {
    calls_taken: u64,
    last_call: Option<String>,
    name: String,
    paused: bool,
    penalty: i64,
    status: &'static str,
    status_code: i32,
    user_uuid: Option<String>,
}

#[derive(Serialize)]
struct Call {
    callerid_name: String,
    callerid_num: String,
    position: u64,
    wait: u64,
}

#[derive(Serialize)]
struct Queue {
    uuid: String,
    name: String,
    calls_waiting: u64,
    longest_hold_time: u64,
    hold_time: u64,
    talk_time: u64,
    answered: u64,
    aborted: u64,
    service_level: f64,
    service_level_interval: u64,
    all_agents: u64,
    logged_in_agents: u64,
    free_agents: u64,
    available_agents: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    agents: Option<Vec<Agent>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    calls: Option<Vec<Call>>,
    relative: bool,
    last_reset: Option<String>,
    calls_taken: u64,
}

#[derive(Serialize)]
struct Answer {
    queues: Vec<Queue>,
}

type Fields = Vec<(String, String)>;

fn num(e: &Fields, key: &str) -> u64 {
    ami::field(e, key).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

/// One queue's live state: its `QueueParams`, `QueueMember`s and `QueueEntry`s.
#[derive(Default)]
struct Live {
    params: Fields,
    members: Vec<Fields>,
    entries: Vec<Fields>,
}

fn live(only: Option<&str>) -> Result<Vec<(String, Live)>, Error> {
    let answer = match only {
        Some(q) => ami::list("QueueStatus", &[("Queue", q)])?,
        None => ami::list("QueueStatus", &[])?,
    };
    let mut queues: Vec<(String, Live)> = Vec::new();
    for e in answer.events {
        let (Some(event), Some(queue)) = (ami::field(&e, "Event"), ami::field(&e, "Queue")) else { continue };
        let (event, queue) = (event.to_string(), queue.to_string());
        if event == "QueueParams" {
            queues.push((queue, Live { params: e, ..Live::default() }));
            continue;
        }
        let Some((_, q)) = queues.iter_mut().find(|(name, _)| *name == queue) else { continue };
        match event.as_str() {
            "QueueMember" => q.members.push(e),
            "QueueEntry" => q.entries.push(e),
            _ => {}
        }
    }
    Ok(queues)
}

/// The counters saved at a queue's last reset.
#[derive(Default, Clone)]
struct Baseline {
    at: Option<u64>,
    answered: u64,
    aborted: u64,
    agents: HashMap<String, u64>,
}

fn own() -> Result<Connection, Error> {
    let db = sqlite::open("own")?;
    db.query(
        "CREATE TABLE IF NOT EXISTS acd_resets (queue TEXT PRIMARY KEY, reset_at INTEGER NOT NULL, \
         answered INTEGER NOT NULL, aborted INTEGER NOT NULL)",
        &[],
    )?;
    db.query(
        "CREATE TABLE IF NOT EXISTS acd_agent_resets (queue TEXT NOT NULL, interface TEXT NOT NULL, \
         calls_taken INTEGER NOT NULL, PRIMARY KEY (queue, interface))",
        &[],
    )?;
    Ok(db)
}

fn baseline(db: &Connection, queue: &str) -> Result<Baseline, Error> {
    let mut b = Baseline::default();
    let rows = db.query("SELECT reset_at, answered, aborted FROM acd_resets WHERE queue = ?", &[queue.into()])?;
    if let Some(r) = rows.rows().first() {
        b.at = r.int(0).map(|v| v as u64);
        b.answered = r.int(1).unwrap_or(0) as u64;
        b.aborted = r.int(2).unwrap_or(0) as u64;
    }
    let rows = db.query("SELECT interface, calls_taken FROM acd_agent_resets WHERE queue = ?", &[queue.into()])?;
    b.agents = rows.rows().iter().map(|r| (r.text(0), r.int(1).unwrap_or(0) as u64)).collect();
    Ok(b)
}

/// Saves the queue's current counters as the new baseline.
fn reset(db: &Connection, queue: &str, q: &Live) -> Result<(), Error> {
    db.transaction(|tx| {
        tx.query(
            "INSERT INTO acd_resets (queue, reset_at, answered, aborted) VALUES (?, ?, ?, ?) \
             ON CONFLICT (queue) DO UPDATE SET reset_at = excluded.reset_at, answered = excluded.answered, aborted = excluded.aborted",
            &[queue.into(), (time::now() as i64).into(), (num(&q.params, "Completed") as i64).into(), (num(&q.params, "Abandoned") as i64).into()],
        )?;
        tx.query("DELETE FROM acd_agent_resets WHERE queue = ?", &[queue.into()])?;
        for m in &q.members {
            tx.query(
                "INSERT INTO acd_agent_resets (queue, interface, calls_taken) VALUES (?, ?, ?)",
                &[queue.into(), ami::field(m, "Location").unwrap_or_default().into(), (num(m, "CallsTaken") as i64).into()],
            )?;
        }
        Ok::<_, Error>(())
    })
}

/// `now - base`, or `now` when the counter went down (the PBX restarted since the reset).
fn since(now: u64, base: u64) -> u64 {
    if now >= base { now - base } else { now }
}

struct Options {
    agents: bool,
    calls: bool,
    relative: bool,
    reset: bool,
}

fn options(req: &Request) -> Options {
    let reset = req.method() == "POST" && (flag(req, "reset") || req.form().get("reset").is_some_and(|v| v != "0"));
    Options { agents: flag(req, "agents"), calls: flag(req, "calls"), relative: flag(req, "relative") || reset, reset }
}

/// The extension behind a member interface (`PJSIP/1001` → `1001`; `Local/1001@…` → `1001`).
fn member_extension(interface: &str) -> Option<&str> {
    let rest = interface.split_once('/')?.1;
    Some(rest.split(['@', '/']).next().unwrap_or(rest)).filter(|s| !s.is_empty())
}

fn queue(name: &str, q: &Live, base: Option<&Baseline>, opts: &Options, users: &HashMap<String, String>, uuid: String) -> Queue {
    let relative = opts.relative && base.is_some_and(|b| b.at.is_some());
    let b = base.cloned().unwrap_or_default();
    let statuses: Vec<(i32, bool, bool)> = q
        .members
        .iter()
        .map(|m| {
            let code = devstate::from_number(ami::field(m, "Status").unwrap_or_default()).0;
            (code, num(m, "Paused") == 1, num(m, "InCall") == 1)
        })
        .collect();
    let logged_in = statuses.iter().filter(|(code, _, _)| *code != 4 && *code != -1).count() as u64;
    let free = statuses.iter().filter(|(code, paused, in_call)| *code == 0 && !paused && !in_call).count() as u64;
    let unknown = q.members.iter().filter(|m| ami::field(m, "Status") == Some("0")).count() as u64;
    let agent = |m: &Fields| {
        let location = ami::field(m, "Location").unwrap_or_default();
        let taken = num(m, "CallsTaken");
        let taken = if relative { since(taken, b.agents.get(location).copied().unwrap_or(0)) } else { taken };
        let last = num(m, "LastCall");
        let last = if last == 0 || (relative && b.at.is_some_and(|at| last < at)) { None } else { Some(time::iso(last)) };
        let ext = member_extension(location);
        let (status_code, status) = devstate::from_number(ami::field(m, "Status").unwrap_or_default());
        Agent {
            calls_taken: taken,
            last_call: last,
            name: ext.filter(|e| users.contains_key(*e)).map(str::to_string).unwrap_or_else(|| ami::field(m, "Name").unwrap_or_default().to_string()),
            paused: num(m, "Paused") == 1,
            penalty: ami::field(m, "Penalty").and_then(|v| v.trim().parse().ok()).unwrap_or(0),
            status,
            status_code,
            user_uuid: ext.and_then(|e| users.get(e).cloned()),
        }
    };
    let agents: Vec<Agent> = q.members.iter().map(agent).collect();
    let answered = num(&q.params, "Completed");
    let aborted = num(&q.params, "Abandoned");
    Queue {
        uuid,
        name: name.to_string(),
        calls_waiting: num(&q.params, "Calls"),
        longest_hold_time: q.entries.iter().map(|e| num(e, "Wait")).max().unwrap_or(0),
        hold_time: num(&q.params, "Holdtime"),
        talk_time: num(&q.params, "TalkTime"),
        answered: if relative { since(answered, b.answered) } else { answered },
        aborted: if relative { since(aborted, b.aborted) } else { aborted },
        service_level: ami::field(&q.params, "ServicelevelPerf").and_then(|v| v.trim().parse().ok()).unwrap_or(0.0),
        service_level_interval: num(&q.params, "ServiceLevel"),
        all_agents: q.members.len() as u64,
        logged_in_agents: logged_in,
        free_agents: free,
        available_agents: free + unknown,
        calls_taken: agents.iter().map(|a| a.calls_taken).sum(),
        agents: opts.agents.then_some(agents),
        calls: opts.calls.then(|| {
            q.entries
                .iter()
                .map(|e| Call {
                    callerid_name: ami::field(e, "CallerIDName").unwrap_or_default().to_string(),
                    callerid_num: ami::field(e, "CallerIDNum").unwrap_or_default().to_string(),
                    position: num(e, "Position"),
                    wait: num(e, "Wait"),
                })
                .collect()
        }),
        relative,
        last_reset: b.at.map(time::iso),
    }
}

fn answer(req: &Request, only: Option<&str>) -> Result<Response, Error> {
    let opts = options(req);
    let live = live(only)?;
    if let Some(name) = only {
        if !live.iter().any(|(n, _)| n == name) {
            return Err(Error::not_found(format!("queue {name} is not on the PBX")));
        }
    }
    let names: Vec<String> = live.iter().map(|(n, _)| n.clone()).collect();
    let uuids = ids::uuids(Kind::Queue, &names)?;
    let exts = model::extensions(&model::pbx()?)?;
    let numbers: Vec<String> = exts.iter().map(|e| e.number.clone()).collect();
    let users = ids::uuids(Kind::User, &numbers)?;
    let users: HashMap<String, String> = users.into_iter().filter(|(n, _)| numbers.contains(n)).collect();
    let db = own()?;
    let mut queues = Vec::new();
    for (name, q) in &live {
        if opts.reset {
            reset(&db, name, q)?;
        }
        let base = if opts.relative { Some(baseline(&db, name)?) } else { None };
        queues.push(queue(name, q, base.as_ref(), &opts, &users, uuids.get(name).cloned().unwrap_or_default()));
    }
    ok(&Answer { queues })
}

pub fn all(req: &Request) -> Result<Response, Error> {
    auth::caller(req)?.require_admin()?;
    answer(req, None)
}

pub fn one(req: &Request) -> Result<Response, Error> {
    auth::caller(req)?.require_admin()?;
    let name = resolve(req, Kind::Queue, "queue")?;
    answer(req, Some(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_interfaces_name_extensions() {
        assert_eq!(member_extension("PJSIP/1001"), Some("1001"));
        assert_eq!(member_extension("Local/1002@from-queue/n"), Some("1002"));
        assert_eq!(member_extension("nothing"), None);
    }

    #[test]
    fn counters_since_a_reset_survive_a_pbx_restart() {
        assert_eq!(since(10, 4), 6);
        assert_eq!(since(3, 4), 3);
    }
}
