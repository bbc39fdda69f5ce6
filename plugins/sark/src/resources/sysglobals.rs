//! `/sysglobals`: SARK's one row of system-wide settings, in the own database (GET and PUT only).
//! `OPERATOR` is also where `Operator` targets lead.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;

use super::{Column, own_updates, record, validate};
use crate::laravel::{self, Input, Rules};
use crate::model::own;

const RESOURCE: &str = "sysglobals";
const KEY: &str = "global";

pub(crate) const RULES: &[Rules] = &[
    ("ABSTIMEOUT", &["integer"]),
    ("ACL", &["in:NO,YES"]),
    ("AGENTSTART", &["integer"]),
    ("ALERT", &["email"]),
    ("ALLOWHASHXFER", &["in:enabled,disabled"]),
    ("BLINDBUSY", &["integer|nullable"]),
    ("BOUNCEALERT", &["integer|nullable"]),
    ("CALLPARKING", &["in:NO,YES"]),
    ("CALLRECORD1", &["in:None,OTR,OTRR,Inbound.Outbound,Both"]),
    ("CAMPONQONOFF", &["in:OFF,ON"]),
    ("CAMPONQOPT", &["string|nullable"]),
    ("CFWDEXTRNRULE", &["in:enabled,disabled"]),
    ("CFWDPROGRESS", &["in:enabled,disabled"]),
    ("CFWDANSWER", &["in:enabled,disabled"]),
    ("CLUSTER", &["in:ON,OFF"]),
    ("CONFTYPE", &["in:simple,hosted"]),
    ("COSSTART", &["in:ON,OFF"]),
    ("COUNTRYCODE", &["alpha|size:2"]),
    ("EURL", &[laravel::URL]),
    ("EMERGENCY", &["digits:3"]),
    ("FQDN", &[laravel::FQDN]),
    ("FQDNINSPECT", &["in:NO,YES"]),
    ("FQDNPROV", &["in:NO,YES"]),
    ("INTRINGDELAY", &["integer"]),
    ("IVRKEYWAIT", &["integer|nullable"]),
    ("IVRDIGITWAIT", &["integer|nullable"]),
    ("LACL", &["in:NO,YES"]),
    ("LDAPBASE", &["string|nullable"]),
    ("LDAPOU", &["string|nullable"]),
    ("LDAPUSER", &["string|nullable"]),
    ("LDAPPASS", &["string|nullable"]),
    ("LEASEHDTIME", &["integer"]),
    ("LOCALIP", &["ip"]),
    ("LOGLEVEL", &["integer"]),
    ("LOGSIPDISPSIZE", &["integer"]),
    ("LOGSIPNUMFILES", &["integer"]),
    ("LOGSIPFILESIZE", &["integer"]),
    ("LTERM", &["in:NO,YES"]),
    ("MAXIN", &["integer"]),
    ("MIXMONITOR", &["in:NO,YES"]),
    ("MONITOROUT", &["string"]),
    ("MONITORSTAGE", &["string"]),
    ("MONITORTYPE", &["in:monitor,mixmonitor"]),
    ("NATDEFAULT", &["in:local,remote"]),
    ("OPERATOR", &["integer"]),
    ("PWDLEN", &["integer"]),
    ("PLAYBEEP", &["in:YES.NO"]),
    ("PLAYBUSY", &["in:YES,NO"]),
    ("PLAYCONGESTED", &["in:YES,NO"]),
    ("PLAYTRANSFER", &["in:YES,NO"]),
    ("RECFINALDEST", &["string"]),
    ("RECLIMIT", &["integer"]),
    ("RECQDITHER", &["integer"]),
    ("RECQSEARCHLIM", &["integer"]),
    ("RINGDELAY", &["integer"]),
    ("SESSIONTIMOUT", &["integer"]),
    ("SENDEDOMAIN", &["in:YES,NO"]),
    ("SIPIAXSTART", &["integer"]),
    ("SIPFLOOD", &["in:NO,YES"]),
    ("SPYPASS", &["integer"]),
    ("SUPEMAIL", &["email|nullable"]),
    ("SYSOP", &["integer"]),
    ("SYSPASS", &["integer"]),
    ("TLSPORT", &["integer"]),
    ("USEROTP", &["string"]),
    ("USERCREATE", &["in:NO,YES"]),
    ("VDELAY", &["integer"]),
    ("VMAILAGE", &["integer"]),
    ("VOICEINSTR", &["in:YES,NO"]),
    ("VOIPMAX", &["integer"]),
    ("VXT", &["in:0,1"]),
    ("ZTP", &["in:disabled,enabled"]),
];

/// Every global in SARK's order, with the value a fresh SARK has.
const COLUMNS: &[Column] = &[
    ("pkey", Some(KEY)),
    ("ABSTIMEOUT", Some("14400")),
    ("ACL", Some("NO")),
    ("AGENTSTART", Some("1001")),
    ("ALERT", None),
    ("ALLOWHASHXFER", Some("enabled")),
    ("BLINDBUSY", None),
    ("BOUNCEALERT", None),
    ("CALLPARKING", Some("YES")),
    ("CALLRECORD1", Some("None")),
    ("CAMPONQONOFF", Some("OFF")),
    ("CAMPONQOPT", None),
    ("CFWDEXTRNRULE", Some("enabled")),
    ("CFWDPROGRESS", Some("enabled")),
    ("CFWDANSWER", Some("enabled")),
    ("CLUSTER", Some("OFF")),
    ("CONFTYPE", Some("simple")),
    ("COSSTART", Some("ON")),
    ("COUNTRYCODE", Some("uk")),
    ("EURL", None),
    ("EMERGENCY", Some("999")),
    ("FQDN", None),
    ("FQDNINSPECT", Some("NO")),
    ("FQDNPROV", Some("NO")),
    ("INTRINGDELAY", Some("20")),
    ("IVRKEYWAIT", Some("6")),
    ("IVRDIGITWAIT", Some("3")),
    ("LACL", Some("NO")),
    ("LDAPBASE", None),
    ("LDAPOU", None),
    ("LDAPUSER", None),
    ("LDAPPASS", None),
    ("LEASEHDTIME", Some("43200")),
    ("LOCALIP", None),
    ("LOGLEVEL", Some("0")),
    ("LOGSIPDISPSIZE", Some("100")),
    ("LOGSIPNUMFILES", Some("10")),
    ("LOGSIPFILESIZE", Some("2048")),
    ("LTERM", Some("NO")),
    ("MAXIN", Some("30")),
    ("MIXMONITOR", Some("NO")),
    ("MONITOROUT", Some("/var/spool/asterisk/monout")),
    ("MONITORSTAGE", Some("/var/spool/asterisk/monstage")),
    ("MONITORTYPE", Some("mixmonitor")),
    ("NATDEFAULT", Some("local")),
    ("OPERATOR", Some("0")),
    ("PWDLEN", Some("12")),
    ("PLAYBEEP", Some("YES")),
    ("PLAYBUSY", Some("YES")),
    ("PLAYCONGESTED", Some("YES")),
    ("PLAYTRANSFER", Some("YES")),
    ("RECFINALDEST", Some("/var/spool/asterisk/monout")),
    ("RECLIMIT", Some("0")),
    ("RECQDITHER", Some("0")),
    ("RECQSEARCHLIM", Some("0")),
    ("RINGDELAY", Some("20")),
    ("SESSIONTIMOUT", Some("3600")),
    ("SENDEDOMAIN", Some("NO")),
    ("SIPIAXSTART", Some("1000")),
    ("SIPFLOOD", Some("NO")),
    ("SPYPASS", Some("1234")),
    ("SUPEMAIL", None),
    ("SYSOP", Some("0")),
    ("SYSPASS", Some("1234")),
    ("TLSPORT", Some("5061")),
    ("USEROTP", None),
    ("USERCREATE", Some("NO")),
    ("VDELAY", Some("0")),
    ("VMAILAGE", Some("0")),
    ("VOICEINSTR", Some("YES")),
    ("VOIPMAX", Some("30")),
    ("VXT", Some("0")),
    ("ZTP", Some("disabled")),
];

pub fn routes(router: Router) -> Router {
    router.get("/sysglobals", show).put("/sysglobals", update)
}

fn globals() -> Result<Json, Error> {
    let db = own::open()?;
    Ok(record(COLUMNS, &[], Some(&own::one(&db, RESOURCE, KEY)?)))
}

fn show(_: &Request) -> Result<Response, Error> {
    Ok(laravel::ok(&globals()?))
}

fn update(req: &Request) -> Result<Response, Error> {
    let input = Input::from_request(req)?;
    validate(&input, RULES)?;
    let names: Vec<&str> = RULES.iter().map(|(n, _)| *n).collect();
    super::save_own(RESOURCE, KEY, &own_updates(&input, &names))?;
    Ok(laravel::ok(&globals()?))
}
