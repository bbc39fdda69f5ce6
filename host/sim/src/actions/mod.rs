//! AMI actions: login and dispatch here, the session and reply helpers in `session`, one file per
//! area for the rest.

mod channels;
mod core;
mod db;
mod parking;
mod pjsip;
mod queues;
mod session;
mod sip;
mod states;

pub use session::{After, Reply, Session, ack, error, header, response};

use std::time::{Duration, SystemTime};

use tokio::sync::mpsc;

use switchboard_ami_wire::Message;

use super::asterisk::md5_key;
use super::clock;
use super::event_format::{self, class};
use super::seed::SipDriver;
use super::state::EVENT_QUEUE;

/// Answers one action.
pub async fn handle(s: &mut Session, action: &Message) -> Reply {
    let Some(name) = action.get("Action").map(str::trim) else {
        return Reply::one(error(action, "Missing action in request"));
    };
    let lower = name.to_ascii_lowercase();
    if !s.authed && !matches!(lower.as_str(), "login" | "logoff" | "challenge") {
        return Reply::one(error(action, "Permission denied"));
    }
    let pjsip = s.pbx.with(|st| st.sip_driver) == SipDriver::Pjsip;
    match lower.as_str() {
        "login" => login(s, action).await,
        "logoff" => Reply::close(vec![response(action, "Goodbye").with("Message", "Thanks for all the fish.")]),
        "challenge" => challenge(s, action),
        "ping" => Reply::one(
            response(action, "Success").with("Ping", "Pong").with("Timestamp", clock::timestamp(SystemTime::now())),
        ),
        "events" => events_action(s, action),
        "listcommands" => core::list_commands(s, action),
        "coresettings" => core::core_settings(s, action),
        "corestatus" => core::core_status(s, action),
        "coreshowchannels" => core::core_show_channels(s, action),
        "status" => core::status(s, action),
        "reload" => core::reload(s, action).await,
        "modulecheck" => core::module_check(s, action),
        "command" => core::command(s, action),
        "userevent" => core::user_event(s, action),
        "originate" => channels::originate(s, action).await,
        "hangup" => channels::hangup(s, action),
        "redirect" => channels::redirect(s, action),
        "playdtmf" => channels::play_dtmf(s, action),
        "blindtransfer" => channels::blind_transfer(s, action),
        "getvar" => channels::getvar(s, action),
        "setvar" => channels::setvar(s, action),
        "pjsipshowendpoints" if pjsip => pjsip::show_endpoints(s, action),
        "pjsipshowendpoint" if pjsip => pjsip::show_endpoint(s, action),
        "pjsipshowcontacts" if pjsip => pjsip::show_contacts(s, action),
        "sippeers" if !pjsip => sip::peers(s, action),
        "parkedcalls" => parking::parked_calls(s, action),
        "queuestatus" => queues::status(s, action),
        "queuesummary" => queues::summary(s, action),
        "queueadd" => queues::add(s, action),
        "queueremove" => queues::remove(s, action),
        "queuepause" => queues::pause(s, action),
        "dbget" => db::get(s, action),
        "dbput" => db::put(s, action),
        "dbdel" => db::del(s, action),
        "dbdeltree" => db::deltree(s, action),
        "dbgettree" => db::gettree(s, action),
        "devicestatelist" => states::device_state_list(s, action),
        "extensionstatelist" => states::extension_state_list(s, action),
        "extensionstate" => states::extension_state(s, action),
        "mailboxcount" => states::mailbox_count(s, action),
        "mailboxstatus" => states::mailbox_status(s, action),
        _ => {
            let m = s
                .security_event("RequestBadFormat", "Error")
                .with("SessionID", s.session_id())
                .with("LocalAddress", Session::addr(&s.local))
                .with("RemoteAddress", Session::addr(&s.remote))
                .with("RequestType", format!("Action: {name}"))
                .with("SessionTV", clock::event_tv(s.connected))
                .with("AccountID", s.username.clone());
            s.pbx.with(|st| st.emit(class::SECURITY, m));
            Reply::one(error(
                action,
                &format!("Invalid/unknown command: {name}. Use Action: ListCommands to show available commands."),
            ))
        }
    }
}

fn challenge(s: &mut Session, action: &Message) -> Reply {
    if !header(action, "AuthType").eq_ignore_ascii_case("md5") {
        return Reply::one(error(action, "Must specify AuthType"));
    }
    let c = s.challenge.get_or_insert_with(|| {
        let n = s.pbx.with(|st| st.random()) % 1_000_000_000;
        n.to_string()
    });
    let c = c.clone();
    Reply::one(response(action, "Success").with("Challenge", c))
}

async fn login(s: &mut Session, action: &Message) -> Reply {
    if s.authed {
        return Reply::one(ack(action, "Already authenticated"));
    }
    let user = header(action, "Username");
    let user_ok = user.eq_ignore_ascii_case(&s.pbx.username);
    let md5 = header(action, "AuthType").eq_ignore_ascii_case("md5");
    let secret_ok = if md5 {
        match &s.challenge {
            Some(c) => header(action, "Key").eq_ignore_ascii_case(&md5_key(c, &s.pbx.secret)),
            None => false,
        }
    } else {
        action.get("Secret").is_some_and(|v| v == s.pbx.secret)
    };
    if !(user_ok && secret_ok) {
        // Asterisk sleeps a second before refusing, then hangs up.
        tokio::time::sleep(Duration::from_secs(1)).await;
        return Reply::close(vec![error(action, "Authentication failed")]);
    }
    s.authed = true;
    s.username = user.to_string();
    s.mask = action.get("Events").map(event_format::parse_mask).unwrap_or(class::ALL);
    let (tx, rx) = mpsc::channel(EVENT_QUEUE);
    let (uptime, last_reload) = s.pbx.with(|st| {
        st.subscribe(s.id, s.mask, tx);
        let now = SystemTime::now();
        let secs = |t: SystemTime| now.duration_since(t).map(|d| d.as_secs()).unwrap_or(0);
        (secs(st.started), secs(st.last_reload))
    });
    let mut messages = vec![ack(action, "Authentication accepted")];
    if s.mask & class::SYSTEM != 0 {
        messages.push(
            event_format::event("FullyBooted", class::SYSTEM)
                .with("Uptime", uptime.to_string())
                .with("LastReload", last_reload.to_string())
                .with("Status", "Fully Booted"),
        );
    }
    let m = s
        .security_event("SuccessfulAuth", "Informational")
        .with("AccountID", s.username.clone())
        .with("SessionID", s.session_id())
        .with("LocalAddress", Session::addr(&s.local))
        .with("RemoteAddress", Session::addr(&s.remote))
        .with("UsingPassword", "0")
        .with("SessionTV", clock::event_tv(s.connected));
    s.pbx.with(|st| st.emit(class::SECURITY, m));
    Reply { messages, after: After::Continue, subscribe: Some(rx) }
}

fn events_action(s: &mut Session, action: &Message) -> Reply {
    let mask = event_format::parse_mask(header(action, "EventMask"));
    s.mask = mask;
    s.pbx.with(|st| st.set_mask(s.id, mask));
    Reply::one(response(action, "Success").with("Events", if mask != 0 { "On" } else { "Off" }))
}
