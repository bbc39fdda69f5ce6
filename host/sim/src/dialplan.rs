//! The dialplan interpreter (what a channel does between `Newexten`s) and Originate.

use std::time::{Duration, Instant};

use super::bridge::{self, CallScript, Outcome};
use super::dial;
use super::queue;
use super::calls::{Chan, NewChan, pending_control, start, wait_control};
use super::channel::{Control, Pc};
use super::event_format::{self, channel_block, class};
use super::seed::ExtenSeed;
use super::state::{PbxRef, State};
use super::timing;

/// Does dialplan pattern `pattern` (`_10XX`, `_X.`, `1001`) match `exten`?
pub fn matches(pattern: &str, exten: &str) -> bool {
    let Some(p) = pattern.strip_prefix('_') else { return pattern == exten };
    fn go(p: &[u8], e: &[u8]) -> bool {
        let Some(&c) = p.first() else { return e.is_empty() };
        match c {
            b'.' => !e.is_empty() && (1..=e.len()).any(|n| go(&p[1..], &e[n..])),
            b'!' => (0..=e.len()).any(|n| go(&p[1..], &e[n..])),
            b'[' => {
                let Some(end) = p.iter().position(|&b| b == b']') else { return false };
                let set = &p[1..end];
                let Some(&x) = e.first() else { return false };
                let mut ok = false;
                let mut i = 0;
                while i < set.len() {
                    if i + 2 < set.len() && set[i + 1] == b'-' {
                        ok |= set[i] <= x && x <= set[i + 2];
                        i += 3;
                    } else {
                        ok |= set[i] == x;
                        i += 1;
                    }
                }
                ok && go(&p[end + 1..], &e[1..])
            }
            _ => {
                let Some(&x) = e.first() else { return false };
                let ok = match c.to_ascii_uppercase() {
                    b'X' => x.is_ascii_digit(),
                    b'Z' => (b'1'..=b'9').contains(&x),
                    b'N' => (b'2'..=b'9').contains(&x),
                    _ => c == x,
                };
                ok && go(&p[1..], &e[1..])
            }
        }
    }
    go(p.as_bytes(), exten.as_bytes())
}

/// The step at `pc`: (application, raw data). Exact extensions win over patterns, the context's
/// own extensions over those of the contexts it includes (searched in order, as Asterisk does).
/// An extension without that priority does not stand in the way: `exten => 1002,hint,PJSIP/1002`
/// alone leaves 1002's priority 1 to a matching pattern.
pub fn step(st: &State, pc: &Pc) -> Option<(String, String)> {
    let index = pc.priority.checked_sub(1)? as usize;
    let ext = find(st, &pc.context, &pc.exten, index, 0)?;
    ext.steps.get(index).cloned()
}

/// The extension `exten` reaches in `context` that has priority `index + 1`, following
/// `include =>` (at most 8 deep, so an include loop ends).
fn find<'a>(st: &'a State, context: &str, exten: &str, index: usize, depth: usize) -> Option<&'a ExtenSeed> {
    let in_ctx = || st.dialplan.iter().filter(|e| e.context == context && e.steps.len() > index);
    in_ctx().find(|e| e.exten == exten).or_else(|| in_ctx().find(|e| matches(&e.exten, exten))).or_else(|| {
        if depth >= 8 {
            return None;
        }
        st.includes.iter().filter(|(c, _)| c == context).find_map(|(_, inc)| find(st, inc, exten, index, depth + 1))
    })
}

/// Whether some extension of `context` (or of what it includes) has priority 1 and could match
/// a longer number starting with `prefix`: Asterisk's "match more", which decides whether to wait
/// for another key.
fn can_match_more(st: &State, context: &str, prefix: &str, depth: usize) -> bool {
    st.dialplan.iter().filter(|e| e.context == context && !e.steps.is_empty()).any(|e| longer_matches(&e.exten, prefix))
        || (depth < 8
            && st.includes.iter().filter(|(c, _)| c == context).any(|(_, inc)| can_match_more(st, inc, prefix, depth + 1)))
}

/// Does extension or pattern `exten` match some number longer than `prefix` that starts with it?
fn longer_matches(exten: &str, prefix: &str) -> bool {
    let Some(p) = exten.strip_prefix('_') else { return exten.len() > prefix.len() && exten.starts_with(prefix) };
    fn go(p: &[u8], e: &[u8]) -> bool {
        let Some(&c) = p.first() else { return false };
        let Some(&x) = e.first() else { return true };
        match c {
            b'.' | b'!' => true,
            b'[' => {
                let Some(end) = p.iter().position(|&b| b == b']') else { return false };
                matches(&format!("_{}", String::from_utf8_lossy(&p[..=end])), &(x as char).to_string()) && go(&p[end + 1..], &e[1..])
            }
            _ => {
                let ok = match c.to_ascii_uppercase() {
                    b'X' => x.is_ascii_digit(),
                    b'Z' => (b'1'..=b'9').contains(&x),
                    b'N' => (b'2'..=b'9').contains(&x),
                    _ => c == x,
                };
                ok && go(&p[1..], &e[1..])
            }
        }
    }
    go(p.as_bytes(), prefix.as_bytes())
}

/// Expands `${EXTEN}`, `${EXTEN:n}`, `${CALLERID(num)}`, `${CALLERID(name)}`, `${UNIQUEID}`,
/// `${CHANNEL}`, `${EPOCH}`, channel variables and globals, then evaluates `$[…]` expressions.
pub fn substitute(st: &State, uid: &str, text: &str) -> String {
    let out = substitute_variables(st, uid, text);
    if out.contains("$[") { timing::expand_expressions(&out) } else { out }
}

fn substitute_variables(st: &State, uid: &str, text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let expr = &after[..end];
        let (name, offset) = match expr.split_once(':') {
            Some((n, o)) => (n, o.parse::<usize>().ok()),
            None => (expr, None),
        };
        let value = variable(st, uid, name).unwrap_or_default();
        let value = match offset {
            Some(o) => value.get(o..).unwrap_or("").to_string(),
            None => value,
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A variable or function as `Getvar` and the dialplan see it (`None`: not set).
pub fn variable(st: &State, uid: &str, name: &str) -> Option<String> {
    let ch = st.chan(uid);
    let upper = name.to_ascii_uppercase();
    if upper == "EPOCH" {
        return Some(super::clock::epoch(std::time::SystemTime::now()).0.to_string());
    }
    if let Some(arg) = upper.strip_prefix("DB(").and_then(|r| r.strip_suffix(')')) {
        let arg = &name[3..3 + arg.len()];
        return st.astdb.get(&format!("/{}", arg.trim_start_matches('/'))).cloned();
    }
    if let Some(c) = ch {
        let v = match upper.as_str() {
            "EXTEN" => Some(c.exten.clone()),
            "CONTEXT" => Some(c.context.clone()),
            "PRIORITY" => Some(c.priority.to_string()),
            "UNIQUEID" | "CHANNEL(UNIQUEID)" => Some(c.uniqueid.clone()),
            "CHANNEL" | "CHANNEL(NAME)" => Some(c.name.clone()),
            "CHANNEL(LINKEDID)" => Some(c.linkedid.clone()),
            "CHANNEL(STATE)" => Some(event_format::state_desc(c.state).to_string()),
            "CHANNEL(LANGUAGE)" => Some(c.language.clone()),
            "CHANNEL(ACCOUNTCODE)" | "CDR(ACCOUNTCODE)" => Some(c.accountcode.clone()),
            "CALLERID(NUM)" | "CALLERID(NUMBER)" => Some(c.cid_num.clone()),
            "CALLERID(NAME)" => Some(c.cid_name.clone()),
            "CALLERID(ALL)" => Some(super::calls::clid(&c.cid_name, &c.cid_num)),
            "CONNECTEDLINE(NUM)" => Some(c.conn_num.clone()),
            "CONNECTEDLINE(NAME)" => Some(c.conn_name.clone()),
            "BRIDGEPEER" => c.bridge.as_ref().and_then(|b| st.bridge(b)).and_then(|b| {
                b.channels.iter().find(|u| **u != c.uniqueid).and_then(|u| st.chan(u)).map(|p| p.name.clone())
            }),
            _ => None,
        };
        if v.is_some() {
            return v;
        }
        if let Some(v) = c.var(name) {
            return Some(v.to_string());
        }
    }
    st.globals.get(name).cloned()
}

/// How one application run ended.
enum Step {
    Next,
    Goto(Pc),
    Hangup(u16),
}

/// Waits `dur` (forever if `None`) unless the owner is asked something; `None` when the time ran out.
async fn wait(pbx: &PbxRef, ch: &mut Chan, dur: Option<Duration>) -> Option<Step> {
    let deadline = dur.map(|d| Instant::now() + d);
    loop {
        let timer = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            c = wait_control(&mut ch.control) => match c {
                Control::Run => {}
                Control::Hangup(cause) => return Some(Step::Hangup(cause)),
                Control::Redirect { context, exten, priority } => {
                    pbx.clear_control(ch);
                    return Some(Step::Goto(Pc { context, exten, priority }));
                }
                Control::BlindTransfer { .. } => pbx.clear_control(ch),
            },
            _ = timer => return None,
        }
    }
}

fn outcome(o: Outcome) -> Step {
    match o {
        Outcome::Continue(_) => Step::Next,
        Outcome::Hangup(c) => Step::Hangup(c),
        Outcome::Goto(pc) => Step::Goto(pc),
    }
}

/// Runs one application on the channel.
async fn exec(pbx: &PbxRef, ch: &mut Chan, app: &str, data: &str) -> Step {
    let args: Vec<&str> = data.split(',').map(str::trim).collect();
    match app.to_ascii_lowercase().as_str() {
        "noop" | "verbose" | "log" | "progress" | "ringing" | "set" | "execif" | "gosubif" | "userevent" => {
            if app.eq_ignore_ascii_case("set") {
                if let Some((k, v)) = data.split_once('=') {
                    if k.eq_ignore_ascii_case("CDR(userfield)") {
                        pbx.with(|st| st.chan_mut(&ch.uniqueid).map(|c| c.set_var("CDR(userfield)", v)));
                    } else if let Some(g) = k.strip_prefix("GLOBAL(").and_then(|g| g.strip_suffix(')')) {
                        pbx.with(|st| st.globals.insert(g.to_string(), v.to_string()));
                    } else {
                        pbx.var_set(&ch.uniqueid, k, v);
                    }
                }
            }
            Step::Next
        }
        "answer" => {
            if bridge::answer(pbx, ch) {
                // Asterisk lets media settle for half a second after answering.
                if let Some(s) = wait(pbx, ch, Some(Duration::from_millis(500))).await {
                    return s;
                }
            }
            Step::Next
        }
        "wait" => {
            let secs: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(0.0);
            wait(pbx, ch, Some(Duration::from_secs_f64(secs.max(0.0)))).await.unwrap_or(Step::Next)
        }
        "playback" | "saydigits" | "saynumber" => {
            bridge::answer(pbx, ch);
            let files = args.first().map(|f| f.split('&').count()).unwrap_or(1) as u64;
            wait(pbx, ch, Some(Duration::from_secs(files))).await.unwrap_or(Step::Next)
        }
        "echo" | "musiconhold" | "voicemail" | "voicemailmain" | "confbridge" | "park" | "milliwatt" => {
            if !app.eq_ignore_ascii_case("echo") && !app.eq_ignore_ascii_case("musiconhold") {
                bridge::answer(pbx, ch);
            }
            wait(pbx, ch, None).await.unwrap_or(Step::Next)
        }
        "mixmonitor" => {
            // The simulator writes no audio; what the dialplan and AMI see of a recording is the
            // variable MixMonitor sets, the file's full name (relative names land in the monitor
            // spool directory).
            let file = args.first().copied().unwrap_or_default();
            if !file.is_empty() {
                let path = if file.starts_with('/') { file.to_string() } else { format!("{MONITOR_DIR}/{file}") };
                pbx.var_set(&ch.uniqueid, "MIXMONITOR_FILENAME", &path);
            }
            Step::Next
        }
        "stopmixmonitor" => Step::Next,
        "hangup" => {
            pbx.soft_hangup_event(ch);
            Step::Hangup(args.first().and_then(|c| c.parse().ok()).unwrap_or(16))
        }
        "busy" | "congestion" => wait(pbx, ch, Some(Duration::from_secs(1)))
            .await
            .unwrap_or(Step::Hangup(if app.eq_ignore_ascii_case("busy") { 17 } else { 34 })),
        "goto" => goto(pbx, ch, &args),
        "gotoif" => {
            // `condition?[label if true][:label if false]`; a label is `[[context,]exten,]priority`.
            let (condition, labels) = data.split_once('?').unwrap_or((data, ""));
            let (yes, no) = labels.split_once(':').unwrap_or((labels, ""));
            branch(pbx, ch, if timing::truthy(condition) { yes } else { no })
        }
        "gotoiftime" => {
            let (spec, labels) = data.split_once('?').unwrap_or((data, ""));
            let (yes, no) = labels.split_once(':').unwrap_or((labels, ""));
            branch(pbx, ch, if timing::in_time_spec(spec, std::time::SystemTime::now()) { yes } else { no })
        }
        "background" => {
            bridge::answer(pbx, ch);
            let files = args.first().map(|f| f.split('&').count()).unwrap_or(1) as u64;
            // A key pressed while it plays stops it and starts the collecting of the number.
            match next_key(pbx, ch, Some(Duration::from_secs(files))).await {
                Err(step) => step,
                Ok(None) => Step::Next,
                Ok(Some(key)) => collect(pbx, ch, key.to_string()).await,
            }
        }
        "waitexten" => {
            // Seconds; none or 0: the response timeout, 10 s by default.
            let secs = args.first().and_then(|s| s.parse::<f64>().ok()).filter(|s| s.is_finite() && *s > 0.0).unwrap_or(10.0);
            match next_key(pbx, ch, Some(Duration::from_secs_f64(secs))).await {
                Err(step) => step,
                Ok(None) => special(pbx, ch, "t"),
                Ok(Some(key)) => collect(pbx, ch, key.to_string()).await,
            }
        }
        "dial" => {
            let targets: Vec<String> =
                args.first().map(|t| t.split('&').map(str::to_string).collect()).unwrap_or_default();
            // Seconds, fractions allowed (as app_dial parses them).
            let timeout = args
                .get(1)
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|t| t.is_finite() && *t > 0.0)
                .map(Duration::from_secs_f64);
            outcome(dial::dial(pbx, ch, &targets, &CallScript::live(timeout, spawn_run), data).await)
        }
        "queue" => {
            let name = args.first().copied().unwrap_or_default();
            let timeout = args.get(3).and_then(|t| t.parse::<u64>().ok()).map(Duration::from_secs);
            outcome(queue::queue(pbx, ch, name, &CallScript::live(timeout, spawn_run)).await)
        }
        // Asterisk hangs up a channel that asks for an application it does not have.
        _ => Step::Hangup(0),
    }
}

/// `Goto([[context,]exten,]priority)` from the channel's place.
fn goto(pbx: &PbxRef, ch: &Chan, args: &[&str]) -> Step {
    let (context, exten, priority) = pbx.with(|st| {
        let c = st.chan(&ch.uniqueid);
        let ctx = c.map(|c| c.context.clone()).unwrap_or_default();
        let ext = c.map(|c| c.exten.clone()).unwrap_or_default();
        match args {
            [c, e, p] => (c.to_string(), e.to_string(), p.parse().unwrap_or(1)),
            [e, p] => (ctx, e.to_string(), p.parse().unwrap_or(1)),
            [p] => (ctx, ext, p.parse().unwrap_or(1)),
            _ => (ctx, ext, 1),
        }
    });
    Step::Goto(Pc { context, exten, priority })
}

/// A `GotoIf`/`GotoIfTime` branch: to its label, or on to the next priority when it has none.
fn branch(pbx: &PbxRef, ch: &Chan, label: &str) -> Step {
    let label = label.trim();
    if label.is_empty() {
        return Step::Next;
    }
    let parts: Vec<&str> = label.split(',').map(str::trim).collect();
    goto(pbx, ch, &parts)
}

/// The next key the caller presses within `wait` (`Ok(None)`: none came); `Err` when the
/// channel's owner is asked something else meanwhile (a hangup, a redirect).
async fn next_key(pbx: &PbxRef, ch: &mut Chan, wait_for: Option<Duration>) -> Result<Option<char>, Step> {
    let deadline = wait_for.map(|d| Instant::now() + d);
    loop {
        if let Some(key) = pbx.take_dtmf(&ch.uniqueid) {
            return Ok(Some(key));
        }
        let timer = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        let ready = ch.dtmf.clone();
        tokio::select! {
            c = wait_control(&mut ch.control) => match c {
                Control::Run => {}
                Control::Hangup(cause) => return Err(Step::Hangup(cause)),
                Control::Redirect { context, exten, priority } => {
                    pbx.clear_control(ch);
                    return Err(Step::Goto(Pc { context, exten, priority }));
                }
                Control::BlindTransfer { .. } => pbx.clear_control(ch),
            },
            _ = ready.notified() => {}
            _ = timer => return Ok(None),
        }
    }
}

/// How long Asterisk waits for the next key of a number that could still go on (the digit
/// timeout, 5 s by default).
const DIGIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Collects the keys of a number after its first (`keys`), as Asterisk does after `Background`
/// or `WaitExten`: the number goes to its extension in the channel's context as soon as no
/// longer one could match, to `i` when none can, and, when a key does not come in time, to its
/// extension if it has one, else to `i`.
async fn collect(pbx: &PbxRef, ch: &mut Chan, mut keys: String) -> Step {
    loop {
        let (context, exact, more) = pbx.with(|st| {
            let context = st.chan(&ch.uniqueid).map(|c| c.context.clone()).unwrap_or_default();
            let exact = find(st, &context, &keys, 0, 0).is_some();
            let more = can_match_more(st, &context, &keys, 0);
            (context, exact, more)
        });
        if !more {
            return if exact { Step::Goto(Pc { context, exten: keys, priority: 1 }) } else { special(pbx, ch, "i") };
        }
        match next_key(pbx, ch, Some(DIGIT_TIMEOUT)).await {
            Err(step) => return step,
            Ok(Some(key)) => keys.push(key),
            Ok(None) if exact => return Step::Goto(Pc { context, exten: keys, priority: 1 }),
            Ok(None) => return special(pbx, ch, "i"),
        }
    }
}

/// To `t` (timeout) or `i` (invalid) of the channel's context; without one Asterisk hangs up.
fn special(pbx: &PbxRef, ch: &Chan, exten: &str) -> Step {
    pbx.with(|st| {
        let context = st.chan(&ch.uniqueid).map(|c| c.context.clone()).unwrap_or_default();
        match find(st, &context, exten, 0, 0) {
            Some(_) => Step::Goto(Pc { context, exten: exten.into(), priority: 1 }),
            None => Step::Hangup(16),
        }
    })
}

/// Runs the channel through the dialplan from `pc` until it hangs up.
pub async fn run(pbx: PbxRef, mut ch: Chan, mut pc: Pc) {
    loop {
        match pending_control(&ch.control) {
            Control::Hangup(cause) => return pbx.hangup(&ch, cause),
            Control::Redirect { context, exten, priority } => {
                pbx.clear_control(&mut ch);
                pc = Pc { context, exten, priority };
                continue;
            }
            _ => {}
        }
        let found = pbx.with(|st| {
            // ${EXTEN} and friends see the new location.
            if let Some(c) = st.chan_mut(&ch.uniqueid) {
                c.context.clone_from(&pc.context);
                c.exten.clone_from(&pc.exten);
                c.priority = pc.priority;
            }
            step(st, &pc).map(|(a, d)| (a, substitute(st, &ch.uniqueid, &d)))
        });
        let Some((app, data)) = found else {
            // The end of the dialplan: Asterisk hangs up (normal clearing).
            return pbx.hangup(&ch, 16);
        };
        pbx.newexten(&ch, &pc.context, &pc.exten, pc.priority, &app, &data);
        match exec(&pbx, &mut ch, &app, &data).await {
            Step::Next => pc.priority += 1,
            Step::Goto(next) => pc = next,
            Step::Hangup(cause) => return pbx.hangup(&ch, cause),
        }
    }
}

/// Starts [`run`] for the channel as its own call task (a plain function, so async callers inside
/// `run`'s own call tree can use it).
pub fn spawn_run(pbx: &PbxRef, ch: Chan, pc: Pc) {
    let fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> = Box::pin(run(pbx.clone(), ch, pc));
    start(pbx, fut);
}

/// Runs one application on the channel (Originate's `Application:`), then hangs up.
pub async fn run_app(pbx: PbxRef, mut ch: Chan, app: String, data: String) {
    pbx.set_app(&ch, &app, &data);
    match exec(&pbx, &mut ch, &app, &data).await {
        Step::Goto(pc) => run(pbx, ch, pc).await,
        Step::Hangup(cause) => pbx.hangup(&ch, cause),
        Step::Next => pbx.hangup(&ch, 16),
    }
}

/// Where an originated call goes once answered.
#[derive(Debug, Clone)]
pub enum Target {
    Exten(Pc),
    App { app: String, data: String },
}

/// An Originate request.
#[derive(Debug, Clone)]
pub struct Originate {
    pub channel: String,
    pub target: Target,
    pub cid_num: String,
    pub cid_name: String,
    pub timeout: Duration,
    pub variables: Vec<(String, String)>,
    pub account: String,
    /// `Some(action id)` for `Async: true`: publish `OriginateResponse`.
    pub async_action_id: Option<String>,
}

/// How an Originate ended.
#[derive(Debug, Clone)]
pub struct Originated {
    pub success: bool,
    pub reason: u8,
    pub channel: String,
    pub uniqueid: Option<String>,
}

/// How placing an originated call went: the report, the Local device that is now in use, and
/// the answered channel to start on its target.
type Placed = (Originated, Option<String>, Option<Chan>);

/// Places the call; returns once it is answered or has failed (the call itself goes on). The
/// answered channel starts on its target before the `OriginateResponse` goes out: Asterisk's
/// originate thread reports while the channel's own thread already runs the dialplan, so the
/// report (and the channel's device state) lands after the first dialplan steps — within Dial,
/// after its variables and before its callee exists.
pub async fn originate(pbx: PbxRef, req: Originate) -> Originated {
    let (result, local_device, answered) = match req.channel.split_once('/') {
        Some((tech, rest)) if tech.eq_ignore_ascii_case("local") => originate_local(&pbx, &req, rest).await,
        Some((tech, rest)) if tech.eq_ignore_ascii_case("pjsip") => originate_pjsip(&pbx, &req, rest).await,
        _ => (fail(&req, 0), None, None),
    };
    let report = req.async_action_id.as_ref().map(|id| {
        let (context, exten) = match &req.target {
            Target::Exten(pc) => (pc.context.clone(), pc.exten.clone()),
            Target::App { .. } => (String::new(), String::new()),
        };
        let mut m = event_format::event("OriginateResponse", class::CALL);
        if !id.is_empty() {
            m.push("ActionID", id.clone());
        }
        m.push("Response", if result.success { "Success" } else { "Failure" });
        m.push("Channel", result.channel.clone());
        m.push("Context", context);
        m.push("Exten", exten);
        m.push("Reason", result.reason.to_string());
        m.push("Uniqueid", result.uniqueid.clone().unwrap_or_else(|| "<null>".into()));
        m.push("CallerIDNum", if req.cid_num.is_empty() { "<unknown>".into() } else { req.cid_num.clone() });
        m.push("CallerIDName", if req.cid_name.is_empty() { "<unknown>".into() } else { req.cid_name.clone() });
        m
    });
    match answered {
        Some(ch) => {
            let uniqueid = ch.uniqueid.clone();
            pbx.with(|st| st.hold(&uniqueid, report.into_iter().map(|m| (class::CALL, m)).collect()));
            run_target(&pbx, ch, &req);
            pbx.with(|st| st.release_held(&uniqueid));
        }
        None => {
            if let Some(m) = report {
                pbx.with(|st| st.emit(class::CALL, m));
            }
        }
    }
    if let Some(device) = local_device {
        pbx.local_device_state(&device, "INUSE");
    }
    result
}

fn fail(req: &Originate, reason: u8) -> Originated {
    Originated { success: false, reason, channel: req.channel.clone(), uniqueid: None }
}

/// Starts the answered channel on its target.
fn run_target(pbx: &PbxRef, ch: Chan, req: &Originate) {
    let owner = pbx.clone();
    match req.target.clone() {
        Target::Exten(pc) => start(pbx, run(owner, ch, pc)),
        Target::App { app, data } => start(pbx, run_app(owner, ch, app, data)),
    }
}

/// Where MixMonitor puts a recording named without a directory (Asterisk's `astspooldir`/monitor).
const MONITOR_DIR: &str = "/var/spool/asterisk/monitor";

/// A Local channel, when called, hands its `;1` half's variables to the `;2` half in the same
/// order, so the dialplan the `;2` half runs (and `Status` on it) sees the originate's variables.
/// Functions written through (`CDR(userfield)`) stay with `;1`'s own record.
fn copy_variables(pbx: &PbxRef, one: &Chan, two: &Chan) {
    pbx.with(|st| {
        let vars: Vec<_> = st
            .chan(&one.uniqueid)
            .map(|c| c.vars.iter().filter(|(k, _)| !k.ends_with(')')).cloned().collect())
            .unwrap_or_default();
        if let Some(c) = st.chan_mut(&two.uniqueid) {
            c.vars.extend(vars);
        }
    });
}

fn set_variables(pbx: &PbxRef, ch: &Chan, req: &Originate) {
    pbx.with(|st| {
        if let Some(c) = st.chan_mut(&ch.uniqueid) {
            for (k, v) in &req.variables {
                c.set_var(k, v);
            }
            if !req.account.is_empty() {
                c.accountcode = req.account.clone();
            }
        }
    });
}

/// What an originated channel's owner sees while it waits for the answer.
enum Wait {
    Answered,
    TimedOut,
    Gone(u16),
}

async fn wait_answer(ch: &mut Chan, timeout: Duration, answer_at: Option<Instant>) -> Wait {
    let deadline = Instant::now() + timeout;
    loop {
        let answer = async {
            match answer_at {
                Some(a) => tokio::time::sleep_until(a.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = ch.state.wait_for(|s| *s == 6) => {
                if r.is_ok() { return Wait::Answered; }
                return Wait::Gone(0);
            }
            c = wait_control(&mut ch.control) => {
                if let Control::Hangup(cause) = c { return Wait::Gone(cause); }
                // Redirects and transfers mean nothing before the answer.
                let _ = ch.control.borrow_and_update();
            }
            _ = answer => return Wait::Answered,
            _ = tokio::time::sleep_until(deadline.into()) => return Wait::TimedOut,
        }
    }
}

async fn originate_local(pbx: &PbxRef, req: &Originate, rest: &str) -> Placed {
    let dest = rest.split('/').next().unwrap_or(rest);
    let (exten, context) = dest.split_once('@').unwrap_or((dest, "default"));
    let (mut one, two) = pbx.new_local_pair(exten, context, None);
    pbx.newexten(&one, context, exten, 1, "AppDial2", "(Outgoing Line)");
    if !req.cid_num.is_empty() || !req.cid_name.is_empty() {
        pbx.set_callerid(&one, &req.cid_num, &req.cid_name);
        pbx.set_connected(&one, &req.cid_num, &req.cid_name);
        pbx.with(|st| {
            if let Some(c) = st.chan_mut(&two.uniqueid) {
                c.conn_num = req.cid_num.clone();
                c.conn_name = req.cid_name.clone();
            }
        });
        pbx.set_callerid(&two, &req.cid_num, &req.cid_name);
        pbx.set_connected(&two, &req.cid_num, &req.cid_name);
    }
    set_variables(pbx, &one, req);
    copy_variables(pbx, &one, &two);
    pbx.with(|st| {
        let (Some(a), Some(b)) = (st.chan(&one.uniqueid), st.chan(&two.uniqueid)) else { return };
        let mut m = event_format::event("LocalBridge", class::CALL);
        channel_block(&mut m, "LocalOne", a);
        channel_block(&mut m, "LocalTwo", b);
        m.push("Context", context);
        m.push("Exten", exten);
        m.push("LocalOptimization", "Yes");
        st.emit(class::CALL, m);
    });
    pbx.dial_begin(None, &one, dest);
    let pc = Pc { context: context.into(), exten: exten.into(), priority: 1 };
    start(pbx, run(pbx.clone(), two, pc));
    match wait_answer(&mut one, req.timeout, None).await {
        Wait::Answered => {
            pbx.dial_end(None, &one, "ANSWER");
            let uniqueid = one.uniqueid.clone();
            let name = one.name.clone();
            (
                Originated { success: true, reason: 4, channel: name, uniqueid: Some(uniqueid) },
                Some(format!("Local/{dest}")),
                Some(one),
            )
        }
        Wait::TimedOut => {
            pbx.dial_end(None, &one, "NOANSWER");
            pbx.hangup(&one, 0);
            (fail(req, 3), None, None)
        }
        Wait::Gone(cause) => {
            pbx.dial_end(None, &one, "CANCEL");
            pbx.hangup(&one, cause);
            (fail(req, 1), None, None)
        }
    }
}

/// Rings the endpoint as Asterisk's originate dials it: the channel's Dial events carry only
/// the `Dest…` block (no caller), `DialState RINGING` follows the ringing, and the device's
/// state comes after both.
async fn originate_pjsip(pbx: &PbxRef, req: &Originate, rest: &str) -> Placed {
    let (endpoint, number) = match rest.split_once('@') {
        Some((num, ep)) => (ep.to_string(), num.to_string()),
        None => (rest.to_string(), rest.to_string()),
    };
    let spec = pbx.with(|st| {
        let ep = st.endpoint(&endpoint)?;
        ep.contact.as_ref()?;
        let (cid_num, cid_name) =
            if ep.trunk { (number.clone(), String::new()) } else { (ep.name.clone(), ep.caller_name.clone()) };
        Some((
            NewChan {
                endpoint: ep.name.clone(),
                state: 0,
                cid_num,
                cid_name,
                context: ep.context.clone(),
                exten: "s".into(),
                ..NewChan::default()
            },
            ep.auto_answer.then_some(ep.ring),
            ep.busy,
        ))
    });
    // No such endpoint, or no contact to call: the channel cannot be created.
    let Some((spec, ring, busy)) = spec else { return (fail(req, 0), None, None) };
    let context = spec.context.clone();
    let mut ch = pbx.new_pjsip(spec);
    pbx.newexten(&ch, &context, "s", 1, "AppDial2", "(Outgoing Line)");
    if !req.cid_num.is_empty() || !req.cid_name.is_empty() {
        pbx.set_callerid(&ch, &req.cid_num, &req.cid_name);
        pbx.set_connected(&ch, &req.cid_num, &req.cid_name);
    }
    set_variables(pbx, &ch, req);
    pbx.dial_begin(None, &ch, &number);
    pbx.set_state_quiet(&ch, 5);
    pbx.dial_state(None, &ch, "RINGING");
    pbx.publish_device_of(&ch);
    // A busy phone answers 486 at once.
    let outcome = if busy { Wait::Gone(17) } else { wait_answer(&mut ch, req.timeout, ring.map(|r| Instant::now() + r)).await };
    match outcome {
        Wait::Answered => {
            // Its device shows in use once the originate has reported (see `originate`).
            pbx.set_state_quiet(&ch, 6);
            pbx.dial_end(None, &ch, "ANSWER");
            let uniqueid = ch.uniqueid.clone();
            let name = ch.name.clone();
            (Originated { success: true, reason: 4, channel: name, uniqueid: Some(uniqueid) }, None, Some(ch))
        }
        Wait::TimedOut => {
            pbx.dial_end(None, &ch, "NOANSWER");
            pbx.hangup(&ch, 19);
            (fail(req, 3), None, None)
        }
        Wait::Gone(cause) => {
            pbx.dial_end(None, &ch, if cause == 17 { "BUSY" } else { "CANCEL" });
            pbx.hangup(&ch, if cause == 0 { 16 } else { cause });
            (fail(req, if cause == 17 { 5 } else { 1 }), None, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::PbxSeed;
    use crate::state::Pbx;

    #[test]
    fn a_hint_alone_leaves_the_priority_to_a_matching_pattern() {
        let mut seed = PbxSeed::empty();
        seed.dialplan = vec![
            ExtenSeed::new("fidelity", "1002", &[]).with_hint("PJSIP/1002"),
            ExtenSeed::new("fidelity", "_10XX", &["Dial(PJSIP/${EXTEN},20)", "Hangup()"]),
            ExtenSeed::new("fidelity", "1003", &["Answer"]),
        ];
        let pbx = Pbx::new(seed, String::new(), String::new(), None);
        let at = |exten: &str, priority| Pc { context: "fidelity".into(), exten: exten.into(), priority };
        pbx.with(|st| {
            assert_eq!(step(st, &at("1002", 1)), Some(("Dial".into(), "PJSIP/${EXTEN},20".into())));
            assert_eq!(step(st, &at("1002", 2)), Some(("Hangup".into(), String::new())));
            // An exact extension with the priority still wins; past its last one, the pattern's next.
            assert_eq!(step(st, &at("1003", 1)), Some(("Answer".into(), String::new())));
            assert_eq!(step(st, &at("1003", 2)), Some(("Hangup".into(), String::new())));
            assert_eq!(step(st, &at("1002", 3)), None);
        });
    }

    /// An originate into a Local channel: both halves hold its variables (functions aside), and
    /// MixMonitor leaves the recording's full name on the channel that ran it.
    #[tokio::test]
    async fn a_local_originate_hands_its_variables_to_the_second_half() {
        let mut seed = PbxSeed::empty();
        seed.dialplan = vec![ExtenSeed::new("rec", "100", &["MixMonitor(${UNIQUEID}.wav,b)", "Answer", "Wait(60)"])];
        let pbx = Pbx::new(seed, String::new(), String::new(), None);
        let req = Originate {
            channel: "Local/100@rec".into(),
            target: Target::App { app: "Wait".into(), data: "60".into() },
            cid_num: String::new(),
            cid_name: String::new(),
            timeout: Duration::from_secs(30),
            variables: vec![("__CRM_ID".into(), "7=a".into()), ("CDR(userfield)".into(), "tag".into())],
            account: String::new(),
            async_action_id: None,
        };
        let done = originate(pbx.clone(), req).await;
        assert!(done.success);
        pbx.with(|st| {
            let one = st.chan_by_name("Local/100@rec-00000000;1").expect("first half");
            let two = st.chan_by_name("Local/100@rec-00000000;2").expect("second half");
            assert_eq!(one.var("__CRM_ID"), Some("7=a"));
            assert_eq!(one.var("CDR(userfield)"), Some("tag"));
            assert_eq!(two.var("__CRM_ID"), Some("7=a"));
            assert_eq!(two.var("CDR(userfield)"), None);
            let recording = format!("{MONITOR_DIR}/{}.wav", two.uniqueid);
            assert_eq!(two.var("MIXMONITOR_FILENAME"), Some(recording.as_str()));
        });
    }

    #[test]
    fn a_number_waits_for_more_keys_only_while_a_longer_one_can_match() {
        for (exten, keys, more) in [
            ("_1XXX", "1", true),
            ("_1XXX", "1001", false),
            ("1001", "1", true),
            ("1", "1", false),
            ("2", "1", false),
            ("_X.", "5", true),
            ("_X.", "55", true),
            ("_[2-3]X", "2", true),
            ("_[2-3]X", "4", false),
            ("_NXX", "1", false),
        ] {
            assert_eq!(longer_matches(exten, keys), more, "{exten} after {keys}");
        }
    }
}
