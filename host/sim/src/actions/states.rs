//! State actions: DeviceStateList, ExtensionStateList, ExtensionState, MailboxCount, MailboxStatus.

use switchboard_ami_wire::Message;

use super::session::{Reply, Session, error, header, item, list_complete, list_start, response};

/// `DeviceStateList`: the cached state of every device.
pub fn device_state_list(s: &Session, action: &Message) -> Reply {
    let items: Vec<Message> = s.pbx.with(|st| {
        st.devices
            .iter()
            .map(|(d, state)| item(action, "DeviceStateChange").with("Device", d.clone()).with("State", state.token()))
            .collect()
    });
    let n = items.len();
    let mut out = vec![list_start(action, "Device State Changes will follow")];
    out.extend(items);
    out.push(list_complete(action, "DeviceStateListComplete", n));
    Reply::many(out)
}

/// `ExtensionStateList`: every hint and its state.
pub fn extension_state_list(s: &Session, action: &Message) -> Reply {
    let items: Vec<Message> = s.pbx.with(|st| {
        st.dialplan
            .iter()
            .filter_map(|e| {
                let hint = e.hint.clone()?;
                let (status, text) = st.hint_state(&e.exten, &e.context);
                Some(
                    item(action, "ExtensionStatus")
                        .with("Exten", e.exten.clone())
                        .with("Context", e.context.clone())
                        .with("Hint", hint)
                        .with("Status", status.to_string())
                        .with("StatusText", text),
                )
            })
            .collect()
    });
    if items.is_empty() {
        return Reply::one(error(action, "No dialplan hints are available"));
    }
    let n = items.len();
    let mut out = vec![list_start(action, "Extension Statuses will follow")];
    out.extend(items);
    out.push(list_complete(action, "ExtensionStateListComplete", n));
    Reply::many(out)
}

/// `ExtensionState`.
pub fn extension_state(s: &Session, action: &Message) -> Reply {
    let exten = header(action, "Exten");
    let context = header(action, "Context");
    let context = if context.is_empty() { "default" } else { context };
    let (hint, (status, text)) =
        s.pbx.with(|st| (st.hint_of(exten, context).unwrap_or_default(), st.hint_state(exten, context)));
    Reply::one(
        response(action, "Success")
            .with("Message", "Extension Status")
            .with("Exten", exten)
            .with("Context", context)
            .with("Hint", hint)
            .with("Status", status.to_string())
            .with("StatusText", text),
    )
}

fn counts(s: &Session, mailbox: &str) -> (u32, u32, u32) {
    s.pbx.with(|st| {
        let mut total = (0, 0, 0);
        for one in mailbox.split([',', '&']) {
            let one = one.trim();
            let one = if one.contains('@') { one.to_string() } else { format!("{one}@default") };
            if let Some(m) = st.mailboxes.iter().find(|m| m.mailbox == one) {
                total.0 += m.urgent;
                total.1 += m.new;
                total.2 += m.old;
            }
        }
        total
    })
}

/// `MailboxCount`.
pub fn mailbox_count(s: &Session, action: &Message) -> Reply {
    let mailbox = header(action, "Mailbox");
    if mailbox.is_empty() {
        return Reply::one(error(action, "Mailbox not specified"));
    }
    let (urgent, new, old) = counts(s, mailbox);
    Reply::one(
        response(action, "Success")
            .with("Message", "Mailbox Message Count")
            .with("Mailbox", mailbox)
            .with("UrgMessages", urgent.to_string())
            .with("NewMessages", new.to_string())
            .with("OldMessages", old.to_string()),
    )
}

/// `MailboxStatus`.
pub fn mailbox_status(s: &Session, action: &Message) -> Reply {
    let mailbox = header(action, "Mailbox");
    if mailbox.is_empty() {
        return Reply::one(error(action, "Mailbox not specified"));
    }
    let (urgent, new, _) = counts(s, mailbox);
    Reply::one(
        response(action, "Success")
            .with("Message", "Mailbox Status")
            .with("Mailbox", mailbox)
            .with("Waiting", u32::from(urgent + new > 0).to_string()),
    )
}
