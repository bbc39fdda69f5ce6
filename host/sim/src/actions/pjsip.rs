//! PJSIP actions: PJSIPShowEndpoints, PJSIPShowEndpoint, PJSIPShowContacts.

use md5::{Digest, Md5};

use switchboard_ami_wire::Message;

use super::super::clock;
use super::super::seed::EndpointSeed;
use super::super::state::{DevState, State};
use super::session::{Reply, Session, error, header, item, list_complete, list_start};

fn contact_hash(uri: &str) -> String {
    Md5::digest(uri.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The id of the endpoint's inbound auth (empty without one).
fn auth_id(e: &EndpointSeed) -> String {
    match (&e.password, &e.auth_name) {
        (None, _) => String::new(),
        (Some(_), Some(a)) => a.clone(),
        (Some(_), None) => e.name.clone(),
    }
}

/// The contact's id: `aor;@hash` for a registration, `aor@@hash` for a static contact (trunks).
fn contact_id(e: &EndpointSeed, uri: &str) -> String {
    let sep = if e.trunk { "@@" } else { ";@" };
    format!("{}{sep}{}", e.name, contact_hash(uri))
}

/// A stable, plausible qualify round trip for the endpoint (µs).
pub(super) fn roundtrip(e: &EndpointSeed) -> u64 {
    800 + e.name.bytes().map(u64::from).sum::<u64>() % 50 * 37
}

fn device_state(st: &State, e: &EndpointSeed) -> DevState {
    let device = format!("PJSIP/{}", e.name);
    st.device_state(&device)
}

fn active_channels(st: &State, e: &EndpointSeed) -> usize {
    let device = format!("PJSIP/{}", e.name);
    st.channels.iter().filter(|c| c.device == device).count()
}

/// `PJSIPShowEndpoints`: `EndpointList` per endpoint (an error when there are none).
pub fn show_endpoints(s: &Session, action: &Message) -> Reply {
    let items: Vec<Message> = s.pbx.with(|st| {
        st.endpoints
            .iter()
            .map(|e| {
                item(action, "EndpointList")
                    .with("ObjectType", "endpoint")
                    .with("ObjectName", e.name.clone())
                    .with("Transport", "")
                    .with("Aor", e.name.clone())
                    .with("Auths", auth_id(e))
                    .with("OutboundAuths", e.outbound_auth.clone().unwrap_or_default())
                    .with("Contacts", e.contact.as_ref().map(|c| format!("{}/{c},", e.name)).unwrap_or_default())
                    .with("DeviceState", device_state(st, e).text())
                    .with("ActiveChannels", active_channels(st, e).to_string())
            })
            .collect()
    });
    if items.is_empty() {
        return Reply::one(error(action, "No endpoints found"));
    }
    let n = items.len();
    let mut out = vec![list_start(action, "A listing of Endpoints follows, presented as EndpointList events")];
    out.extend(items);
    out.push(list_complete(action, "EndpointListComplete", n));
    Reply::many(out)
}

/// `PJSIPShowEndpoint`: the endpoint, its auths, AOR and contacts.
pub fn show_endpoint(s: &Session, action: &Message) -> Reply {
    let name = header(action, "Endpoint");
    if name.is_empty() {
        return Reply::one(error(action, "Endpoint parameter missing."));
    }
    let items = s.pbx.with(|st| {
        let e = st.endpoint(name)?.clone();
        let mut out = Vec::new();
        let mut detail =
            item(action, "EndpointDetail").with("ObjectType", "endpoint").with("ObjectName", e.name.clone());
        for (k, v) in ENDPOINT_DETAIL {
            let value = match *k {
                "Aors" => e.name.clone(),
                "Context" => e.context.clone(),
                "Callerid" if e.caller_name.is_empty() => String::new(),
                "Callerid" => format!("\"{}\" <{}>", e.caller_name, e.name),
                "Auth" => auth_id(&e),
                "OutboundAuth" => e.outbound_auth.clone().unwrap_or_default(),
                "Mailboxes" => e.mailbox.clone().unwrap_or_default(),
                "DeviceState" => device_state(st, &e).text().to_string(),
                "ActiveChannels" => active_channels(st, &e).to_string(),
                "FromDomain" if e.trunk => e.contact.as_deref().and_then(host_of).unwrap_or_default(),
                _ => v.to_string(),
            };
            detail.push(*k, value);
        }
        out.push(detail);
        let auths =
            e.password.iter().map(|p| (auth_id(&e), e.name.clone(), p.clone())).chain(
                e.outbound_auth.iter().map(|a| (a.clone(), e.name.clone(), format!("{}-provider-secret", e.name))),
            );
        for (id, user, password) in auths {
            out.push(
                item(action, "AuthDetail")
                    .with("ObjectType", "auth")
                    .with("ObjectName", id)
                    .with("OauthSecret", "")
                    .with("PasswordDigest", "")
                    .with("SupportedAlgorithmsUas", "MD5")
                    .with("RefreshToken", "")
                    .with("Username", user)
                    .with("Md5Cred", "")
                    .with("Realm", "")
                    .with("AuthType", "userpass")
                    .with("Password", password)
                    .with("SupportedAlgorithmsUac", "MD5")
                    .with("NonceLifetime", "32")
                    .with("OauthClientid", "")
                    .with("EndpointName", e.name.clone()),
            );
        }
        let contacts = e.contact.as_ref().map(|c| format!("{}/{c}", e.name)).unwrap_or_default();
        let registered = usize::from(e.contact.is_some() && !e.trunk);
        out.push(
            item(action, "AorDetail")
                .with("ObjectType", "aor")
                .with("ObjectName", e.name.clone())
                .with("MinimumExpiration", "60")
                .with("DefaultExpiration", "3600")
                .with("QualifyTimeout", "3.000000")
                .with("Qualify2xxOnly", "false")
                .with("Mailboxes", e.mailbox.clone().unwrap_or_default())
                .with("SupportPath", "false")
                .with("RemoveUnavailable", "false")
                .with("VoicemailExtension", "")
                .with("MaxContacts", if e.trunk { "0" } else { "1" })
                .with("AuthenticateQualify", "false")
                .with("Contacts", contacts)
                .with("MaximumExpiration", "7200")
                .with("QualifyFrequency", "60")
                .with("RemoveExisting", if e.trunk { "false" } else { "true" })
                .with("OutboundProxy", "")
                .with("TotalContacts", usize::from(e.contact.is_some()).to_string())
                .with("ContactsRegistered", registered.to_string())
                .with("EndpointName", e.name.clone()),
        );
        if let Some(uri) = &e.contact {
            out.push(
                item(action, "ContactStatusDetail")
                    .with("AOR", e.name.clone())
                    .with("URI", uri.clone())
                    .with("UserAgent", if e.trunk { "" } else { "Yealink SIP-T46U 108.86.0.20" })
                    .with("RegExpire", reg_expire(st, &e).to_string())
                    .with("Status", "Reachable")
                    .with("RoundtripUsec", roundtrip(&e).to_string())
                    .with("EndpointName", e.name.clone())
                    .with("ID", contact_id(&e, uri))
                    .with("AuthenticateQualify", "0")
                    .with("OutboundProxy", "")
                    .with("Path", "")
                    .with("QualifyFrequency", "60")
                    .with("QualifyTimeout", "3.000")
                    .with("Qualify2xxOnly", "0"),
            );
        }
        Some(out)
    });
    let Some(items) = items else { return Reply::one(error(action, &format!("Unable to retrieve endpoint {name}"))) };
    let n = items.len();
    let mut out = vec![list_start(action, "Following are Events for each object associated with the Endpoint")];
    out.extend(items);
    out.push(list_complete(action, "EndpointDetailComplete", n));
    Reply::many(out)
}

pub(super) fn host_of(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("sip:").unwrap_or(uri);
    let rest = rest.rsplit('@').next()?;
    Some(rest.split([':', ';']).next()?.to_string())
}

/// When a registration expires: an hour after the PBX started (static contacts: 0).
fn reg_expire(st: &State, e: &EndpointSeed) -> u64 {
    if e.trunk {
        return 0;
    }
    clock::epoch(st.started).0 + 3600
}

/// `PJSIPShowContacts`: `ContactList` per contact (an error when there are none).
pub fn show_contacts(s: &Session, action: &Message) -> Reply {
    let items: Vec<Message> = s.pbx.with(|st| {
        st.endpoints
            .iter()
            .filter_map(|e| {
                let uri = e.contact.as_ref()?;
                let host = host_of(uri).unwrap_or_default();
                let port = uri.rsplit(':').next().and_then(|p| p.parse::<u16>().ok()).unwrap_or(5060);
                Some(
                    item(action, "ContactList")
                        .with("ObjectType", "contact")
                        .with("ObjectName", contact_id(e, uri))
                        .with("ViaAddr", if e.trunk { String::new() } else { host })
                        .with("QualifyTimeout", "3")
                        .with(
                            "CallId",
                            if e.trunk { String::new() } else { format!("{}-{}", contact_hash(&e.name), e.name) },
                        )
                        .with("RegServer", "")
                        .with("PruneOnBoot", if e.trunk { "no" } else { "yes" })
                        .with("Path", "")
                        .with("Endpoint", e.name.clone())
                        .with("ViaPort", if e.trunk { 0 } else { port }.to_string())
                        .with("AuthenticateQualify", "no")
                        .with("Uri", uri.clone())
                        .with("QualifyFrequency", "60")
                        .with("UserAgent", if e.trunk { "" } else { "Yealink SIP-T46U 108.86.0.20" })
                        .with("ExpirationTime", reg_expire(st, e).to_string())
                        .with("OutboundProxy", "")
                        .with("Status", "Reachable")
                        .with("RoundtripUsec", roundtrip(e).to_string()),
                )
            })
            .collect()
    });
    if items.is_empty() {
        return Reply::one(error(action, "No Contacts found"));
    }
    let n = items.len();
    let mut out = vec![list_start(action, "A listing of Contacts follows, presented as ContactList events")];
    out.extend(items);
    out.push(list_complete(action, "ContactListComplete", n));
    Reply::many(out)
}

/// `EndpointDetail` fields after `ObjectName`, in Asterisk 22's order, with its defaults.
const ENDPOINT_DETAIL: &[(&str, &str)] = &[
    ("RpidImmediate", "false"),
    ("Webrtc", "no"),
    ("Ignore183WithoutSdp", "false"),
    ("SendAoc", "false"),
    ("DeviceStateBusyAt", "0"),
    ("T38UdptlMaxdatagram", "0"),
    ("CodecPrefsIncomingAnswer", "prefer:pending, operation:intersect, keep:all, transcode:allow"),
    ("SecurityNegotiation", "no"),
    ("DtlsRekey", "0"),
    ("RtpPortEnd", "0"),
    ("NamedPickupGroup", ""),
    ("DirectMediaMethod", "invite"),
    ("SendRpid", "false"),
    ("PickupGroup", ""),
    ("SdpSession", "Asterisk"),
    ("DtlsVerify", "No"),
    ("MessageContext", ""),
    ("Tenantid", ""),
    ("Mailboxes", ""),
    ("RecordOnFeature", "automixmon"),
    ("DtlsPrivateKey", ""),
    ("DtlsFingerprint", "SHA-256"),
    ("OverlapContext", ""),
    ("OutgoingCallOfferPref", "remote_merge"),
    ("RtpPortStart", "0"),
    ("FromDomain", ""),
    ("TimersSessExpires", "1800"),
    ("NamedCallGroup", ""),
    ("DtlsCipher", ""),
    ("MediaEncryptionOptimistic", "false"),
    ("SuppressQ850ReasonHeaders", "false"),
    ("Aors", "1001"),
    ("IdentifyBy", "username,ip"),
    ("CalleridPrivacy", "allowed_not_screened"),
    ("MwiSubscribeReplacesUnsolicited", "no"),
    ("CosAudio", "0"),
    ("FollowEarlyMediaFork", "true"),
    ("Context", "acceptance"),
    ("RtpSymmetric", "false"),
    ("Transport", ""),
    ("MohSuggest", "default"),
    ("T38Udptl", "false"),
    ("FaxDetect", "false"),
    ("T38BindUdptlToMediaAddress", "false"),
    ("TosVideo", "0"),
    ("SrtpTag32", "false"),
    ("ReferBlindProgress", "true"),
    ("MaxAudioStreams", "1"),
    ("Bundle", "false"),
    ("UseAvpf", "false"),
    ("CallGroup", ""),
    ("SendConnectedLine", "yes"),
    ("FaxDetectTimeout", "0"),
    ("SdpOwner", "-"),
    ("ForceRport", "true"),
    ("CalleridTag", ""),
    ("RtpTimeoutHold", "0"),
    ("SuppressMohOnSendonly", "false"),
    ("UsePtime", "false"),
    ("MediaAddress", ""),
    ("VoicemailExtension", ""),
    ("RtpTimeout", "0"),
    ("StirShaken", "no"),
    ("SetVar", ""),
    ("ContactAcl", ""),
    ("PreferredCodecOnly", "false"),
    ("GeolocOutgoingCallProfile", ""),
    ("ForceAvp", "false"),
    ("RecordOffFeature", "automixmon"),
    ("FromUser", ""),
    ("SendDiversion", "true"),
    ("SendHistoryInfo", "false"),
    ("T38UdptlIpv6", "false"),
    ("ToneZone", ""),
    ("Language", ""),
    ("AllowSubscribe", "true"),
    ("RtpIpv6", "false"),
    ("Callerid", "\"Acceptance 1001\" <1001>"),
    ("MohPassthrough", "false"),
    ("CosVideo", "0"),
    ("DtlsAutoGenerateCert", "No"),
    ("AsymmetricRtpCodec", "false"),
    ("GeolocIncomingCallProfile", ""),
    ("IceSupport", "false"),
    ("AggregateMwi", "true"),
    ("OneTouchRecording", "false"),
    ("MwiFromUser", ""),
    ("RedirectMethod", "user"),
    ("Accountcode", ""),
    ("CodecPrefsOutgoingAnswer", "prefer:pending, operation:intersect, keep:all, transcode:allow"),
    ("Allow", "(ulaw|alaw)"),
    ("RewriteContact", "false"),
    ("UserEqPhone", "false"),
    ("RtpEngine", "asterisk"),
    ("FollowRedirectMethods", ""),
    ("SubscribeContext", ""),
    ("NotifyEarlyInuseRinging", "false"),
    ("IncomingMwiMailbox", ""),
    ("IncomingCallOfferPref", "local"),
    ("AllowUnauthenticatedOptions", "false"),
    ("Auth", "1001"),
    ("DirectMediaGlareMitigation", "none"),
    ("TrustIdInbound", "false"),
    ("StirShakenProfile", ""),
    ("BindRtpToMediaAddress", "false"),
    ("DisableDirectMediaOnNat", "false"),
    ("MediaEncryption", "no"),
    ("MediaUseReceivedTransport", "false"),
    ("AllowOverlap", "true"),
    ("DtmfMode", "rfc4733"),
    ("OutboundAuth", ""),
    ("TosAudio", "0"),
    ("DtlsCertFile", ""),
    ("DtlsCaPath", ""),
    ("DtlsSetup", "active"),
    ("ConnectedLineMethod", "invite"),
    ("G726NonStandard", "false"),
    ("100rel", "yes"),
    ("Timers", "yes"),
    ("DirectMedia", "true"),
    ("Acl", ""),
    ("TimersMinSe", "90"),
    ("TrustIdOutbound", "false"),
    ("SubMinExpiry", "0"),
    ("RtcpMux", "false"),
    ("MaxVideoStreams", "1"),
    ("AcceptMultipleSdpAnswers", "false"),
    ("CodecPrefsIncomingOffer", "prefer:pending, operation:intersect, keep:all, transcode:allow"),
    ("CodecPrefsOutgoingOffer", "prefer:pending, operation:union, keep:all, transcode:allow"),
    ("TrustConnectedLine", "yes"),
    ("SendPai", "false"),
    ("RtpKeepalive", "0"),
    ("T38UdptlEc", "none"),
    ("T38UdptlNat", "false"),
    ("AllowTransfer", "true"),
    ("DtlsCaFile", ""),
    ("OutboundProxy", ""),
    ("InbandProgress", "false"),
    ("DeviceState", "Not in use"),
    ("ActiveChannels", "0"),
];
