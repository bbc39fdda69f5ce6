//! `Dial()`: rings its targets, bridges the first to answer with the caller, and keeps app_dial's
//! variables on the caller as it goes — emptied when it starts, `RINGTIME` when a callee rings,
//! `DIALSTATUS`/`DIALEDPEERNAME`/`DIALEDPEERNUMBER` when one answers, `ANSWEREDTIME` and
//! `DIALEDTIME` when the call ends — in the order the real Asterisk 22 transcripts show.

use std::time::{Duration, Instant};

use super::bridge::{
    CallScript, Outcome, Ringing, answer, answer_time, any_control, bridged, caller_outcome, new_callee, parse_target,
    ringing_control, sleep_until, stop_ringing,
};
use super::calls::{Chan, wait_control};
use super::state::PbxRef;

/// Dial's variables, emptied in this order when it starts.
const VARIABLES: [&str; 11] = [
    "DIALSTATUS",
    "DIALEDPEERNUMBER",
    "DIALEDPEERNAME",
    "ANSWEREDTIME",
    "ANSWEREDTIME_MS",
    "DIALEDTIME",
    "DIALEDTIME_MS",
    "RINGTIME",
    "RINGTIME_MS",
    "PROGRESSTIME",
    "PROGRESSTIME_MS",
];

/// When an answered Dial began and when its callee answered.
#[derive(Debug, Clone, Copy)]
pub struct DialClock {
    began: Instant,
    answered: Instant,
}

impl DialClock {
    /// The caller's variables once the bridge is over: how long the call was up and how long
    /// Dial ran, then `DIALSTATUS` again.
    pub fn finish(&self, pbx: &PbxRef, caller: &Chan) {
        set_duration(pbx, caller, "ANSWEREDTIME", self.answered.elapsed());
        set_duration(pbx, caller, "DIALEDTIME", self.began.elapsed());
        pbx.var_set(&caller.uniqueid, "DIALSTATUS", "ANSWER");
    }
}

/// `NAME` in whole seconds and `NAME_MS` in milliseconds.
fn set_duration(pbx: &PbxRef, ch: &Chan, name: &str, d: Duration) {
    pbx.var_set(&ch.uniqueid, name, &d.as_secs().to_string());
    pbx.var_set(&ch.uniqueid, &format!("{name}_MS"), &d.as_millis().to_string());
}

/// The callee channel becomes the caller's outgoing line: its dialled number, the caller's
/// dialplan location (`Newexten` of `AppDial`, already showing the caller as connected line),
/// then `NewConnectedLine`.
fn outgoing_line(pbx: &PbxRef, caller: &Chan, callee: &Chan, number: &str) {
    pbx.var_set(&callee.uniqueid, "DIALEDPEERNUMBER", number);
    let from = pbx.with(|st| {
        let c = st.chan(&caller.uniqueid)?;
        Some((c.cid_num.clone(), c.cid_name.clone(), c.context.clone(), c.exten.clone()))
    });
    let Some((num, name, context, exten)) = from else { return };
    pbx.with(|st| {
        if let Some(c) = st.chan_mut(&callee.uniqueid) {
            c.conn_num.clone_from(&num);
            c.conn_name.clone_from(&name);
        }
    });
    pbx.newexten(callee, &context, &exten, 1, "AppDial", "(Outgoing Line)");
    pbx.set_connected(callee, &num, &name);
}

/// The caller's connected line becomes the callee.
fn connect_caller(pbx: &PbxRef, caller: &Chan, callee: &Chan) {
    let party = pbx.with(|st| st.chan(&callee.uniqueid).map(|c| (c.cid_num.clone(), c.cid_name.clone())));
    if let Some((num, name)) = party {
        pbx.set_connected(caller, &num, &name);
    }
}

/// `Dial(targets)`: rings every reachable target, bridges the first that answers with the caller.
pub async fn dial(pbx: &PbxRef, caller: &mut Chan, targets: &[String], script: &CallScript, data: &str) -> Outcome {
    let began = Instant::now();
    for v in VARIABLES {
        pbx.var_set(&caller.uniqueid, v, "");
    }
    // An originate reports its answered channel now, before Dial has a callee.
    pbx.with(|st| st.release_held(&caller.uniqueid));
    let mut ringing: Vec<Ringing> = Vec::new();
    // With one target, the caller sees it as its connected line at once; with several, once one
    // answers.
    let single = targets.len() == 1;
    for t in targets {
        let Some((endpoint, number)) = parse_target(t) else { continue };
        let Some(callee) = new_callee(pbx, caller, &endpoint, &number, false) else { continue };
        outgoing_line(pbx, caller, &callee, &number);
        pbx.open_cdr(caller, Some(&callee), "Dial", data);
        pbx.dial_begin(Some(caller), &callee, &number);
        if single {
            connect_caller(pbx, caller, &callee);
        }
        pbx.set_state(&callee, 5);
        set_duration(pbx, caller, "RINGTIME", began.elapsed());
        pbx.dial_state(Some(caller), &callee, "RINGING");
        let answer_at = answer_time(pbx, &script.answer, &endpoint);
        ringing.push(Ringing { chan: callee, number, member: None, answer_at });
    }
    if ringing.is_empty() {
        pbx.open_cdr(caller, None, "Dial", data);
        pbx.cdr_end(caller, "", Some("FAILED"));
        return status(pbx, caller, "CHANUNAVAIL");
    }
    let deadline = script.timeout.map(|t| Instant::now() + t);
    let winner = loop {
        let next = ringing.iter().filter_map(|r| r.answer_at).min();
        tokio::select! {
            c = wait_control(&mut caller.control) => {
                if let Some(out) = caller_outcome(pbx, caller, c) {
                    for r in &ringing {
                        stop_ringing(pbx, caller, r, "CANCEL", Some("NO ANSWER"), 0);
                    }
                    pbx.var_set(&caller.uniqueid, "DIALSTATUS", "CANCEL");
                    return out;
                }
            }
            (i, c) = any_control(&ringing) => {
                ringing_control(pbx, caller, &mut ringing, i, c);
                if ringing.is_empty() {
                    return status(pbx, caller, "BUSY");
                }
            }
            _ = sleep_until(next) => {
                let now = Instant::now();
                let i = ringing.iter().position(|r| r.answer_at.is_some_and(|a| a <= now)).unwrap_or(0);
                break ringing.remove(i);
            }
            _ = sleep_until(deadline) => {
                for r in &ringing {
                    stop_ringing(pbx, caller, r, "NOANSWER", Some("NO ANSWER"), 0);
                }
                return status(pbx, caller, "NOANSWER");
            }
        }
    };
    // The callee's device shows in use once it has joined the bridge.
    pbx.set_state_quiet(&winner.chan, 6);
    answer(pbx, caller);
    pbx.var_set(&caller.uniqueid, "DIALSTATUS", "ANSWER");
    pbx.var_set(&caller.uniqueid, "DIALEDPEERNAME", &winner.chan.name);
    pbx.var_set(&caller.uniqueid, "DIALEDPEERNUMBER", &winner.number);
    pbx.cdr_answer(caller, &winner.chan);
    pbx.clear_exten(&winner.chan);
    if !single {
        connect_caller(pbx, caller, &winner.chan);
    }
    pbx.dial_end(Some(caller), &winner.chan, "ANSWER");
    for r in &ringing {
        stop_ringing(pbx, caller, r, "CANCEL", Some("NO ANSWER"), 26);
    }
    let clock = DialClock { began, answered: Instant::now() };
    let mut peer = winner.chan;
    let finish = move |pbx: &PbxRef, caller: &Chan| clock.finish(pbx, caller);
    bridged(pbx, caller, &mut peer, script, Some(&finish), |_| {}).await
}

/// Dial ends without a call: `DIALSTATUS`, and the dialplan goes on.
fn status(pbx: &PbxRef, caller: &Chan, status: &str) -> Outcome {
    pbx.var_set(&caller.uniqueid, "DIALSTATUS", status);
    Outcome::Continue(status.into())
}
