//! The API's event objects. Typed structs keep the documented property order; `event_type` comes
//! first (serde's internal tag), `seq` and `timestamp` are added by the stream.

use serde::Serialize;

/// Who placed a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Caller {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trunk_uuid: Option<String>,
    pub number: String,
    pub name: String,
}

/// The properties every call event carries ("the same as for incoming call").
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Call {
    pub event_tag: String,
    pub unique_id: String,
    pub account_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called_did: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub called_extension: Option<String>,
    pub caller: Caller,
    /// The user and phone UUIDs taking part so far (the caller and every dialled leg). A PBX user's
    /// view of the stream keeps the calls they take part in, including the events (a hangup, a
    /// transfer) that name no party; `GET /events` drops this key from its answer.
    #[serde(rename = "_parties", skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<String>,
}

/// One dialled leg.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Target {
    pub unique_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_phone_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trunk_uuid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

/// One side of a transfer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Party {
    pub unique_id: String,
    pub linked_id: String,
    pub account_code: String,
    pub number: String,
    pub name: String,
}

/// The transferrer of an attended transfer: both of its connections.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AttendedTransferer {
    pub unique_id_1: String,
    pub unique_id_2: String,
    pub linked_id_1: String,
    pub linked_id_2: String,
    pub account_code: String,
    pub number: String,
    pub name: String,
}

/// An event of the stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event_type")]
pub enum Event {
    #[serde(rename = "phone status update")]
    PhoneStatus { phone_uuid: String, status_code: i32, status: String },
    #[serde(rename = "user logged in")]
    UserLoggedIn { user_uuid: String, phone_uuid: String },
    #[serde(rename = "user logged out")]
    UserLoggedOut { user_uuid: String, phone_uuid: String },
    #[serde(rename = "user list changed")]
    UserListChanged {},
    #[serde(rename = "phone list changed")]
    PhoneListChanged {},
    #[serde(rename = "incoming call")]
    IncomingCall {
        #[serde(flatten)]
        call: Call,
    },
    #[serde(rename = "internal dial")]
    InternalDial {
        #[serde(flatten)]
        call: Call,
        targets: Vec<Target>,
    },
    #[serde(rename = "call answered")]
    CallAnswered {
        #[serde(flatten)]
        call: Call,
        target: Target,
    },
    #[serde(rename = "call finished")]
    CallFinished {
        #[serde(flatten)]
        call: Call,
        reason: String,
    },
    #[serde(rename = "blind transfer")]
    BlindTransfer {
        #[serde(flatten)]
        call: Call,
        status: String,
        transfer_extension: String,
        transferer: Party,
        transferee: Party,
    },
    #[serde(rename = "attended transfer")]
    AttendedTransfer {
        #[serde(flatten)]
        call: Call,
        status: String,
        transferer: AttendedTransferer,
        transferee: Party,
        transfer_target: Party,
    },
    #[serde(rename = "voicemail status")]
    VoicemailStatus { voicemail_uuid: String, mailbox_number: String, new_messages: u64, old_messages: u64 },
}

impl Event {
    /// The event as the JSON the stream carries.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
