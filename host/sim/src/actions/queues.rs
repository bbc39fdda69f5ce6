//! Queue actions: QueueStatus, QueueSummary, QueueAdd, QueueRemove, QueuePause.

use std::time::SystemTime;

use switchboard_ami_wire::Message;

use super::super::clock;
use super::super::event_format::class;
use super::super::state::{DevState, Member};
use super::session::{Reply, Session, ack, error, header, list_complete, list_start, truthy, with_id};

fn available(m: &Member) -> bool {
    !m.paused && !m.in_call && (m.status == DevState::NotInuse as u8 || m.status == DevState::Unknown as u8)
}

/// `QueueStatus` (optionally one `Queue:`, one `Member:`).
pub fn status(s: &Session, action: &Message) -> Reply {
    let only_queue = header(action, "Queue");
    let only_member = header(action, "Member");
    let items: Vec<Message> = s.pbx.with(|st| {
        let mut out = Vec::new();
        for q in st.queues.iter().filter(|q| only_queue.is_empty() || q.name == only_queue) {
            out.push(with_id(
                Message::new()
                    .with("Event", "QueueParams")
                    .with("Queue", q.name.clone())
                    .with("Max", "0")
                    .with("Strategy", q.strategy.clone())
                    .with("Calls", q.callers.len().to_string())
                    .with("Holdtime", q.holdtime.to_string())
                    .with("TalkTime", q.talktime.to_string())
                    .with("Completed", q.completed.to_string())
                    .with("Abandoned", q.abandoned.to_string())
                    .with("ServiceLevel", "0")
                    .with("ServicelevelPerf", "0.0")
                    .with("ServicelevelPerf2", "0.0")
                    .with("Weight", "0"),
                action,
            ));
            for m in q.members.iter().filter(|m| {
                only_member.is_empty() || m.interface.eq_ignore_ascii_case(only_member) || m.name == only_member
            }) {
                out.push(with_id(
                    Message::new()
                        .with("Event", "QueueMember")
                        .with("Queue", q.name.clone())
                        .with("Name", m.name.clone())
                        .with("Location", m.interface.clone())
                        .with("StateInterface", m.state_interface.clone())
                        .with("Membership", if m.dynamic { "dynamic" } else { "static" })
                        .with("Penalty", m.penalty.to_string())
                        .with("CallsTaken", m.calls_taken.to_string())
                        .with("LastCall", m.last_call.to_string())
                        .with("LastPause", m.last_pause.to_string())
                        .with("LoginTime", m.login_time.to_string())
                        .with("InCall", u8::from(m.in_call).to_string())
                        .with("Status", m.status.to_string())
                        .with("Paused", u8::from(m.paused).to_string())
                        .with("PausedReason", m.paused_reason.clone())
                        .with("Wrapuptime", "0"),
                    action,
                ));
            }
            for (i, c) in q.callers.iter().enumerate() {
                let Some(ch) = st.chan(&c.uniqueid) else { continue };
                let or_unknown = |v: &str| if v.is_empty() { "<unknown>".to_string() } else { v.to_string() };
                out.push(with_id(
                    Message::new()
                        .with("Event", "QueueEntry")
                        .with("Queue", q.name.clone())
                        .with("Position", (i + 1).to_string())
                        .with("Channel", ch.name.clone())
                        .with("Uniqueid", ch.uniqueid.clone())
                        .with("CallerIDNum", or_unknown(&ch.cid_num))
                        .with("CallerIDName", or_unknown(&ch.cid_name))
                        .with("ConnectedLineNum", or_unknown(&ch.conn_num))
                        .with("ConnectedLineName", or_unknown(&ch.conn_name))
                        .with("Wait", c.joined.elapsed().as_secs().to_string())
                        .with("Priority", "0"),
                    action,
                ));
            }
        }
        out
    });
    let n = items.len();
    let mut out = vec![list_start(action, "Queue status will follow")];
    out.extend(items);
    out.push(list_complete(action, "QueueStatusComplete", n));
    Reply::many(out)
}

/// `QueueSummary` (optionally one `Queue:`).
pub fn summary(s: &Session, action: &Message) -> Reply {
    let only_queue = header(action, "Queue");
    let items: Vec<Message> = s.pbx.with(|st| {
        st.queues
            .iter()
            .filter(|q| only_queue.is_empty() || q.name == only_queue)
            .map(|q| {
                let longest = q.callers.iter().map(|c| c.joined.elapsed().as_secs()).max().unwrap_or(0);
                with_id(
                    Message::new()
                        .with("Event", "QueueSummary")
                        .with("Queue", q.name.clone())
                        .with("LoggedIn", q.members.len().to_string())
                        .with("Available", q.members.iter().filter(|m| available(m)).count().to_string())
                        .with("Callers", q.callers.len().to_string())
                        .with("HoldTime", q.holdtime.to_string())
                        .with("TalkTime", q.talktime.to_string())
                        .with("LongestHoldTime", longest.to_string()),
                    action,
                )
            })
            .collect()
    });
    let n = items.len();
    let mut out = vec![list_start(action, "Queue summary will follow")];
    out.extend(items);
    out.push(list_complete(action, "QueueSummaryComplete", n));
    Reply::many(out)
}

/// `QueueAdd`: a dynamic member.
pub fn add(s: &Session, action: &Message) -> Reply {
    let queue = header(action, "Queue");
    let interface = header(action, "Interface");
    if queue.is_empty() {
        return Reply::one(error(action, "'Queue' not specified."));
    }
    if interface.is_empty() {
        return Reply::one(error(action, "'Interface' not specified."));
    }
    let name = header(action, "MemberName");
    let state_interface = header(action, "StateInterface");
    let penalty = header(action, "Penalty").parse().unwrap_or(0);
    let paused = truthy(header(action, "Paused"));
    let reason = header(action, "Reason");
    let result = s.pbx.with(|st| {
        let now = clock::epoch(SystemTime::now()).0;
        let state_interface =
            if state_interface.is_empty() { interface.to_string() } else { state_interface.to_string() };
        let status = st.device_state(&state_interface);
        let Some(q) = st.queue_mut(queue) else { return Err("Unable to add interface to queue: No such queue") };
        if q.members.iter().any(|m| m.interface.eq_ignore_ascii_case(interface)) {
            return Err("Unable to add interface: Already there");
        }
        q.members.push(Member {
            interface: interface.to_string(),
            name: if name.is_empty() { interface.to_string() } else { name.to_string() },
            state_interface,
            dynamic: true,
            penalty,
            paused,
            paused_reason: if paused { reason.to_string() } else { String::new() },
            calls_taken: 0,
            last_call: 0,
            last_pause: if paused { now } else { 0 },
            login_time: now,
            in_call: false,
            status: status as u8,
        });
        if let Some(m) = st.member_event("QueueMemberAdded", queue, interface) {
            st.emit(class::AGENT, m);
        }
        st.refresh_queue_devices();
        Ok(())
    });
    match result {
        Ok(()) => Reply::one(ack(action, "Added interface to queue")),
        Err(e) => Reply::one(error(action, e)),
    }
}

/// `QueueRemove`: only dynamic members can go.
pub fn remove(s: &Session, action: &Message) -> Reply {
    let queue = header(action, "Queue");
    let interface = header(action, "Interface");
    if queue.is_empty() || interface.is_empty() {
        return Reply::one(error(action, "Need 'Queue' and 'Interface' parameters."));
    }
    let result = s.pbx.with(|st| {
        let Some(q) = st.queues.iter().find(|q| q.name == queue) else {
            return Err("Unable to remove interface from queue: No such queue");
        };
        let Some(m) = q.members.iter().find(|m| m.interface.eq_ignore_ascii_case(interface)) else {
            return Err("Unable to remove interface: Not there");
        };
        if !m.dynamic {
            return Err("Member not dynamic");
        }
        let event = st.member_event("QueueMemberRemoved", queue, interface);
        if let Some(q) = st.queue_mut(queue) {
            q.members.retain(|m| !m.interface.eq_ignore_ascii_case(interface));
        }
        if let Some(e) = event {
            st.emit(class::AGENT, e);
        }
        st.refresh_queue_devices();
        Ok(())
    });
    match result {
        Ok(()) => Reply::one(ack(action, "Removed interface from queue")),
        Err(e) => Reply::one(error(action, e)),
    }
}

/// `QueuePause`: in one queue, or in every queue the interface is in.
pub fn pause(s: &Session, action: &Message) -> Reply {
    let interface = header(action, "Interface");
    let paused = header(action, "Paused");
    if interface.is_empty() || paused.is_empty() {
        return Reply::one(error(action, "Need 'Interface' and 'Paused' parameters."));
    }
    let paused = truthy(paused);
    let queue = header(action, "Queue");
    let reason = header(action, "Reason");
    let found = s.pbx.with(|st| {
        let now = clock::epoch(SystemTime::now()).0;
        let mut changed = Vec::new();
        for q in st.queues.iter_mut().filter(|q| queue.is_empty() || q.name == queue) {
            for m in q.members.iter_mut().filter(|m| m.interface.eq_ignore_ascii_case(interface)) {
                m.paused = paused;
                m.paused_reason = if paused { reason.to_string() } else { String::new() };
                if paused {
                    m.last_pause = now;
                }
                changed.push(q.name.clone());
            }
        }
        for q in &changed {
            if let Some(m) = st.member_event("QueueMemberPause", q, interface) {
                st.emit(class::AGENT, m);
            }
        }
        // `Queue:NAME_pause_INTERFACE` and `Queue:NAME_avail` follow.
        st.refresh_queue_devices();
        !changed.is_empty()
    });
    if !found {
        return Reply::one(error(action, "Interface not found"));
    }
    Reply::one(ack(action, if paused { "Interface paused successfully" } else { "Interface unpaused successfully" }))
}
