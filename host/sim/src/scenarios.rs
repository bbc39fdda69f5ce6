//! Scripted calls: the same primitives and applications as live calls, with the outcome decided
//! by the script (who answers, for how long, who hangs up or transfers).

use std::time::Duration;

use anyhow::{Context as _, bail};

use super::bridge::{self, AfterTalk, Answerer, CallScript, Outcome};
use super::calls::{Chan, NewChan};
use super::cdr::Cdr;
use super::dial::dial;
use super::dialplan;
use super::park;
use super::queue;
use super::state::PbxRef;

/// The extension a phone's park key blind-transfers to (FreePBX's default).
const PARK_EXTEN: &str = "700";

/// A scripted call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// A call from an outside number arrives on the first trunk and waits in a queue; a member
    /// answers and they talk, then the caller hangs up. Without `answered_by` nobody answers and
    /// the caller gives up after `talk` (`QueueCallerAbandon`).
    InboundToQueue {
        /// Caller number (`+15551234567`).
        from: String,
        /// Queue name.
        queue: String,
        /// Endpoint of the member who answers.
        answered_by: Option<String>,
        /// Talk time (or, unanswered, how long the caller waits).
        talk: Duration,
    },
    /// An endpoint dials another. If `answer`, they talk for `talk` and the caller hangs up; else
    /// the callee rings for `talk` and the caller gives up (`CANCEL`).
    Internal {
        /// Calling endpoint.
        from: String,
        /// Called endpoint.
        to: String,
        /// Whether `to` answers.
        answer: bool,
        /// Talk (or ring) time.
        talk: Duration,
    },
    /// An endpoint dials another, which rings until Dial's timeout (`NOANSWER`).
    Unanswered {
        /// Calling endpoint.
        from: String,
        /// Called endpoint.
        to: String,
        /// Dial's timeout.
        ring: Duration,
    },
    /// `from` calls `to`; after `talk`, `to` blind-transfers `from` to `transfer_to`, who answers
    /// and talks for `talk` before `from` hangs up.
    BlindTransfer {
        /// Calling endpoint.
        from: String,
        /// First called endpoint (the transferer).
        to: String,
        /// Transfer target extension (an endpoint).
        transfer_to: String,
        /// Talk time of each leg.
        talk: Duration,
    },
    /// `from` calls `to`; after `talk`, `to` parks `from` (a blind transfer to the parking
    /// extension `700`, as a phone's park key does); `from` waits in the `default` lot for
    /// `parked`, then hangs up (`ParkedCallGiveUp`; 45 s or more: `ParkedCallTimeOut`).
    Park {
        /// Calling endpoint (the one parked).
        from: String,
        /// Called endpoint (the parker).
        to: String,
        /// Talk time before parking.
        talk: Duration,
        /// Time spent parked.
        parked: Duration,
    },
}

/// What a scenario used and produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioReport {
    /// The call's linkedid (the first channel's uniqueid).
    pub linkedid: String,
    /// Uniqueids of every channel of the call, in creation order.
    pub uniqueids: Vec<String>,
    /// Names of those channels, same order.
    pub channels: Vec<String>,
    /// The CDR rows the call produced.
    pub cdrs: Vec<Cdr>,
}

/// A phone endpoint's caller side: its new inbound channel dialling `exten`.
fn phone_call(pbx: &PbxRef, from: &str, exten: &str) -> anyhow::Result<Chan> {
    let spec = pbx.with(|st| {
        let ep = st.endpoint(from).with_context(|| format!("no endpoint {from}"))?;
        if ep.contact.is_none() {
            bail!("endpoint {from} is not registered");
        }
        Ok(NewChan {
            endpoint: ep.name.clone(),
            state: 4,
            cid_num: ep.name.clone(),
            cid_name: ep.caller_name.clone(),
            context: ep.context.clone(),
            exten: exten.into(),
            ..NewChan::default()
        })
    })?;
    Ok(pbx.new_pjsip(spec))
}

/// The caller hangs up after `after` unless the call ended before.
fn give_up_after(pbx: &PbxRef, caller: &Chan, after: Duration) {
    let (owner, uid) = (pbx.clone(), caller.uniqueid.clone());
    pbx.spawn(async move {
        tokio::time::sleep(after).await;
        owner.remote_hangup(&uid, 16);
    });
}

/// The end of the caller's part: hang up, or run on in the dialplan.
fn finish(pbx: &PbxRef, caller: Chan, outcome: Outcome, next_priority: u32) {
    match outcome {
        Outcome::Hangup(cause) => pbx.hangup(&caller, cause),
        Outcome::Continue(_) => {
            let (context, exten) = pbx
                .with(|st| st.chan(&caller.uniqueid).map(|c| (c.context.clone(), c.exten.clone())))
                .unwrap_or_default();
            pbx.newexten(&caller, &context, &exten, next_priority, "Hangup", "");
            pbx.soft_hangup_event(&caller);
            pbx.hangup(&caller, 16);
        }
        Outcome::Goto(pc) => dialplan::spawn_run(pbx, caller, pc),
    }
}

/// Plays `scenario` to its end.
pub async fn run(pbx: &PbxRef, scenario: Scenario) -> anyhow::Result<ScenarioReport> {
    let linkedid = match scenario {
        Scenario::InboundToQueue { from, queue, answered_by, talk } => {
            let (trunk, context, exten) = pbx.with(|st| {
                let q = st.queues.iter().find(|q| q.name == queue).with_context(|| format!("no queue {queue}"))?;
                if let Some(a) = &answered_by {
                    if !q.members.iter().any(|m| m.interface.strip_prefix("PJSIP/") == Some(a.as_str())) {
                        bail!("{a} is not a member of queue {queue}");
                    }
                }
                let trunk = st.endpoints.iter().find(|e| e.trunk).context("the PBX has no trunk")?;
                Ok((trunk.name.clone(), st.inbound_context.clone(), q.exten.clone().unwrap_or_else(|| "s".into())))
            })?;
            let mut caller = pbx.new_pjsip(NewChan {
                endpoint: trunk,
                state: 4,
                cid_num: from.clone(),
                context: context.clone(),
                exten: exten.clone(),
                ..NewChan::default()
            });
            let linkedid = caller.uniqueid.clone();
            pbx.newexten(&caller, &context, &exten, 1, "Answer", "");
            bridge::answer(pbx, &caller);
            pbx.newexten(&caller, &context, &exten, 2, "Queue", &queue);
            if answered_by.is_none() {
                give_up_after(pbx, &caller, talk);
            }
            let script = CallScript {
                answer: Answerer::Only(answered_by),
                timeout: None,
                talk: Some(talk),
                after: AfterTalk::CallerHangsUp,
                resume: dialplan::spawn_run,
            };
            let outcome = queue::queue(pbx, &mut caller, &queue, &script).await;
            finish(pbx, caller, outcome, 3);
            linkedid
        }
        Scenario::Internal { from, to, answer, talk } => {
            let mut caller = phone_call(pbx, &from, &to)?;
            let linkedid = caller.uniqueid.clone();
            let data = format!("PJSIP/{to},30");
            pbx.newexten(&caller, &context_of(pbx, &caller), &to, 1, "Dial", &data);
            if !answer {
                give_up_after(pbx, &caller, talk);
            }
            let who = if answer { Some(to.clone()) } else { None };
            let script = CallScript {
                answer: Answerer::Only(who),
                timeout: None,
                talk: Some(talk),
                after: AfterTalk::CallerHangsUp,
                resume: dialplan::spawn_run,
            };
            let outcome = dial(pbx, &mut caller, &[format!("PJSIP/{to}")], &script, &data).await;
            finish(pbx, caller, outcome, 2);
            linkedid
        }
        Scenario::Unanswered { from, to, ring } => {
            let mut caller = phone_call(pbx, &from, &to)?;
            let linkedid = caller.uniqueid.clone();
            let data = format!("PJSIP/{to},{}", ring.as_secs().max(1));
            pbx.newexten(&caller, &context_of(pbx, &caller), &to, 1, "Dial", &data);
            let script = CallScript {
                answer: Answerer::Only(None),
                timeout: Some(ring),
                talk: None,
                after: AfterTalk::CallerHangsUp,
                resume: dialplan::spawn_run,
            };
            let outcome = dial(pbx, &mut caller, &[format!("PJSIP/{to}")], &script, &data).await;
            finish(pbx, caller, outcome, 2);
            linkedid
        }
        Scenario::BlindTransfer { from, to, transfer_to, talk } => {
            let (mut caller, outcome) = answered_then_transferred(pbx, &from, &to, &transfer_to, talk).await?;
            let linkedid = caller.uniqueid.clone();
            match outcome {
                Outcome::Goto(pc) if pc.exten == transfer_to => {
                    let data = format!("PJSIP/{transfer_to},30");
                    pbx.newexten(&caller, &pc.context, &pc.exten, 1, "Dial", &data);
                    let script = CallScript {
                        answer: Answerer::Only(Some(transfer_to.clone())),
                        timeout: None,
                        talk: Some(talk),
                        after: AfterTalk::CallerHangsUp,
                        resume: dialplan::spawn_run,
                    };
                    let outcome = dial(pbx, &mut caller, &[format!("PJSIP/{transfer_to}")], &script, &data).await;
                    finish(pbx, caller, outcome, 2);
                }
                other => finish(pbx, caller, other, 2),
            }
            linkedid
        }
        Scenario::Park { from, to, talk, parked } => {
            let (mut caller, outcome) = answered_then_transferred(pbx, &from, &to, PARK_EXTEN, talk).await?;
            let linkedid = caller.uniqueid.clone();
            match outcome {
                Outcome::Goto(pc) if pc.exten == PARK_EXTEN => {
                    pbx.newexten(&caller, &pc.context, &pc.exten, 1, "Park", "");
                    let (_, outcome) = park::park(pbx, &mut caller, &format!("PJSIP/{to}"), parked).await;
                    finish(pbx, caller, outcome, 2);
                }
                other => finish(pbx, caller, other, 2),
            }
            linkedid
        }
    };
    let report = pbx.with(|st| {
        let (uniqueids, channels) =
            st.history.iter().filter(|h| h.0 == linkedid).map(|h| (h.1.clone(), h.2.clone())).unzip();
        ScenarioReport {
            linkedid: linkedid.clone(),
            uniqueids,
            channels,
            cdrs: st.cdrs.iter().filter(|c| c.linkedid == linkedid).cloned().collect(),
        }
    });
    Ok(report)
}

/// `from` dials `to`, who answers, talks for `talk` and blind-transfers `from` to `exten` in the
/// caller's context. Returns the caller and Dial's outcome (`Goto` the transfer target).
async fn answered_then_transferred(pbx: &PbxRef, from: &str, to: &str, exten: &str, talk: Duration) -> anyhow::Result<(Chan, Outcome)> {
    let mut caller = phone_call(pbx, from, to)?;
    let context = context_of(pbx, &caller);
    let data = format!("PJSIP/{to},30");
    pbx.newexten(&caller, &context, to, 1, "Dial", &data);
    let script = CallScript {
        answer: Answerer::Only(Some(to.to_string())),
        timeout: None,
        talk: Some(talk),
        after: AfterTalk::CalleeTransfers { context, exten: exten.to_string() },
        resume: dialplan::spawn_run,
    };
    let outcome = dial(pbx, &mut caller, &[format!("PJSIP/{to}")], &script, &data).await;
    Ok((caller, outcome))
}

fn context_of(pbx: &PbxRef, ch: &Chan) -> String {
    pbx.with(|st| st.chan(&ch.uniqueid).map(|c| c.context.clone())).unwrap_or_default()
}
