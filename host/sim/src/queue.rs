//! `Queue()`: the caller waits while the queue's available members ring; the first to answer is
//! bridged with it, with app_queue's `QueueCallerJoin`/`Leave` and `Agent*` events around.

use std::time::{Duration, Instant, SystemTime};

use super::bridge::{
    CallScript, answer, Outcome, Ringing, TalkEndKind, answer_time, any_control, bridged, caller_outcome, new_callee,
    ringing_control, sleep_until, stop_ringing,
};
use super::calls::{Chan, wait_control};
use super::event_format::{self, class};
use super::state::{DevState, PbxRef};

/// An `Agent*` event: caller block, `Dest` (agent) block, then the queue fields.
fn agent_event(pbx: &PbxRef, name: &str, caller: &Chan, agent: &Chan, fields: &[(&str, String)]) {
    pbx.two_party_event(name, class::AGENT, Some(caller), agent, fields);
}

fn secs_since(t: Instant) -> u64 {
    t.elapsed().as_secs()
}

/// `Queue(name)`: the caller waits while available members ring; the first to answer is bridged.
pub async fn queue(pbx: &PbxRef, caller: &mut Chan, queue: &str, script: &CallScript) -> Outcome {
    let joined = Instant::now();
    let position = pbx.with(|st| {
        let q = st.queue_mut(queue)?;
        let pos = q.callers.len() + 1;
        q.callers.push(super::state::QueueCaller { uniqueid: caller.uniqueid.clone(), joined });
        let count = q.callers.len();
        let c = st.chan(&caller.uniqueid)?;
        let m = event_format::channel_event("QueueCallerJoin", class::AGENT, c)
            .with("Queue", queue)
            .with("Position", pos.to_string())
            .with("Count", count.to_string());
        st.emit(class::AGENT, m);
        st.refresh_queue_devices();
        Some(pos)
    });
    let Some(position) = position else {
        return Outcome::Continue("UNKNOWN".into());
    };
    let leave = |pbx: &PbxRef, caller: &Chan| {
        pbx.with(|st| {
            let Some(q) = st.queue_mut(queue) else { return };
            let pos = q.callers.iter().position(|c| c.uniqueid == caller.uniqueid).map(|p| p + 1).unwrap_or(position);
            q.callers.retain(|c| c.uniqueid != caller.uniqueid);
            let count = q.callers.len();
            if let Some(c) = st.chan(&caller.uniqueid) {
                let m = event_format::channel_event("QueueCallerLeave", class::AGENT, c)
                    .with("Queue", queue)
                    .with("Count", count.to_string())
                    .with("Position", pos.to_string());
                st.emit(class::AGENT, m);
            }
            st.refresh_queue_devices();
        });
    };
    let abandon = |pbx: &PbxRef, caller: &Chan| {
        pbx.with(|st| {
            let Some(q) = st.queue_mut(queue) else { return };
            q.abandoned += 1;
            let pos = q.callers.iter().position(|c| c.uniqueid == caller.uniqueid).map(|p| p + 1).unwrap_or(position);
            if let Some(c) = st.chan(&caller.uniqueid) {
                let m = event_format::channel_event("QueueCallerAbandon", class::AGENT, c)
                    .with("Queue", queue)
                    .with("Position", pos.to_string())
                    .with("OriginalPosition", position.to_string())
                    .with("HoldTime", secs_since(joined).to_string());
                st.emit(class::AGENT, m);
            }
        });
    };

    let ring_timeout = Duration::from_secs(15);
    loop {
        // Whom to ring now.
        let picks: Vec<(String, String, String)> = pbx.with(|st| {
            let Some(q) = st.queues.iter().find(|q| q.name == queue) else { return Vec::new() };
            let free: Vec<(String, String, String)> = q
                .members
                .iter()
                .filter(|m| !m.paused && m.status == DevState::NotInuse as u8)
                .filter_map(|m| {
                    let ep = m.interface.strip_prefix("PJSIP/")?;
                    Some((ep.to_string(), m.interface.clone(), m.name.clone()))
                })
                .collect();
            if free.is_empty() || q.strategy == "ringall" {
                return free;
            }
            let start = q.rr_next % q.members.len().max(1);
            let order: Vec<String> =
                q.members.iter().cycle().skip(start).take(q.members.len()).map(|m| m.interface.clone()).collect();
            let pick = order.iter().find_map(|i| free.iter().find(|f| &f.1 == i)).cloned();
            if let Some(p) = &pick {
                if let Some(idx) = q.members.iter().position(|m| m.interface == p.1) {
                    let next = idx + 1;
                    if let Some(q) = st.queue_mut(queue) {
                        q.rr_next = next;
                    }
                }
            }
            pick.into_iter().collect()
        });
        let mut ringing: Vec<Ringing> = Vec::new();
        for (endpoint, interface, member) in picks {
            let Some(agent) = new_callee(pbx, caller, &endpoint, &endpoint, true) else { continue };
            pbx.open_cdr(caller, Some(&agent), "Queue", queue);
            pbx.dial_begin(Some(caller), &agent, &endpoint);
            agent_event(
                pbx,
                "AgentCalled",
                caller,
                &agent,
                &[("Queue", queue.to_string()), ("Interface", interface.clone()), ("MemberName", member.clone())],
            );
            pbx.set_state(&agent, 5);
            let answer_at = answer_time(pbx, &script.answer, &endpoint);
            ringing.push(Ringing { chan: agent, number: endpoint, member: Some((interface, member)), answer_at });
        }
        let rang_at = Instant::now();
        let give_up = rang_at + if ringing.is_empty() { Duration::from_millis(250) } else { ring_timeout };
        let winner = loop {
            let next = ringing.iter().filter_map(|r| r.answer_at).min();
            tokio::select! {
                c = wait_control(&mut caller.control) => {
                    if let Some(out) = caller_outcome(pbx, caller, c) {
                        abandon(pbx, caller);
                        for r in &ringing {
                            stop_ringing(pbx, caller, r, "CANCEL", Some("NO ANSWER"), 0);
                        }
                        leave(pbx, caller);
                        return out;
                    }
                }
                (i, c) = any_control(&ringing) => {
                    ringing_control(pbx, caller, &mut ringing, i, c);
                }
                _ = sleep_until(next) => {
                    let now = Instant::now();
                    let i = ringing.iter().position(|r| r.answer_at.is_some_and(|a| a <= now)).unwrap_or(0);
                    break Some(ringing.remove(i));
                }
                _ = tokio::time::sleep_until(give_up.into()) => {
                    for r in &ringing {
                        if let Some((interface, member)) = &r.member {
                            agent_event(pbx, "AgentRingNoAnswer", caller, &r.chan, &[
                                ("Queue", queue.to_string()),
                                ("Interface", interface.clone()),
                                ("MemberName", member.clone()),
                                ("RingTime", secs_since(rang_at).to_string()),
                            ]);
                        }
                        stop_ringing(pbx, caller, r, "NOANSWER", Some("NO ANSWER"), 0);
                    }
                    break None;
                }
            }
        };
        let Some(winner) = winner else { continue };
        // Connected; the agent's device shows in use once it has joined the bridge.
        pbx.set_state_quiet(&winner.chan, 6);
        answer(pbx, caller);
        pbx.cdr_answer(caller, &winner.chan);
        pbx.dial_end(Some(caller), &winner.chan, "ANSWER");
        for r in &ringing {
            stop_ringing(pbx, caller, r, "CANCEL", Some("NO ANSWER"), 26);
        }
        let holdtime = secs_since(joined);
        leave(pbx, caller);
        let (interface, member) = winner.member.clone().unwrap_or_default();
        agent_event(
            pbx,
            "AgentConnect",
            caller,
            &winner.chan,
            &[
                ("Queue", queue.to_string()),
                ("Interface", interface.clone()),
                ("MemberName", member.clone()),
                ("HoldTime", holdtime.to_string()),
                ("RingTime", secs_since(rang_at).to_string()),
            ],
        );
        set_in_call(pbx, queue, &interface, true);
        let talk_start = Instant::now();
        let mut agent = winner.chan;
        let agent_for_end = agent.clone();
        let caller_for_end = caller.clone();
        let pbx_for_end = pbx.clone();
        let out = bridged(pbx, caller, &mut agent, script, None, move |end| {
            let reason = match end {
                TalkEndKind::Caller => "caller",
                TalkEndKind::Agent => "agent",
                TalkEndKind::Transfer => "transfer",
            };
            agent_event(
                &pbx_for_end,
                "AgentComplete",
                &caller_for_end,
                &agent_for_end,
                &[
                    ("Queue", queue.to_string()),
                    ("Interface", interface.clone()),
                    ("MemberName", member.clone()),
                    ("HoldTime", holdtime.to_string()),
                    ("TalkTime", secs_since(talk_start).to_string()),
                    ("Reason", reason.to_string()),
                ],
            );
        })
        .await;
        let talked = secs_since(talk_start);
        let interface = winner.member.map(|m| m.0).unwrap_or_default();
        pbx.with(|st| {
            let now = super::clock::epoch(SystemTime::now()).0;
            if let Some(q) = st.queue_mut(queue) {
                q.completed += 1;
                q.holdtime = (q.holdtime * 3 + holdtime) / 4;
                q.talktime = (q.talktime * 3 + talked) / 4;
                if let Some(m) = q.members.iter_mut().find(|m| m.interface == interface) {
                    m.calls_taken += 1;
                    m.last_call = now;
                    m.in_call = false;
                }
            }
        });
        return out;
    }
}

fn set_in_call(pbx: &PbxRef, queue: &str, interface: &str, on: bool) {
    pbx.with(|st| {
        if let Some(m) = st.queue_mut(queue).and_then(|q| q.members.iter_mut().find(|m| m.interface == interface)) {
            m.in_call = on;
        }
    });
}
