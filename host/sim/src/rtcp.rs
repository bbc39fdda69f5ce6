//! The media statistics an answered PJSIP channel publishes: an `RTCPSent` sender report every
//! `rtcpinterval` while it is up, and the `RTPAUDIOQOS…` variables when it hangs up. The
//! simulator carries no media; the figures are those of a G.711 stream (50 packets of 160 bytes a
//! second, an 8 kHz RTP clock) from the answer on, with nothing received.

use std::time::{Duration, SystemTime};

use super::clock;
use super::event_format::{channel_event, class};
use super::channel::Channel;
use super::state::PbxRef;

/// Sends the channel's sender reports until it is gone.
pub async fn reports(pbx: PbxRef, uniqueid: String) {
    let interval = pbx.with(|st| st.rtcp_interval);
    if interval.is_zero() {
        return;
    }
    let mut sent = 0u32;
    loop {
        tokio::time::sleep(interval).await;
        sent += 1;
        let alive = pbx.with(|st| {
            let Some(c) = st.chan(&uniqueid) else { return false };
            let (packets, octets, rtp) = counts(c);
            let (local, peer) =
                addresses(st.endpoint(c.device.trim_start_matches("PJSIP/")).and_then(|e| e.contact.clone()), c.ssrc);
            let msg = channel_event("RTCPSent", class::REPORTING, c)
                .with("To", peer)
                .with("From", local)
                .with("MES", format!("{:.1}", mes(sent)))
                .with("SSRC", format!("0x{:08x}", c.ssrc))
                .with("PT", "200(SR)")
                .with("ReportCount", "0")
                .with("SentNTP", clock::timestamp(SystemTime::now()))
                .with("SentRTP", rtp.to_string())
                .with("SentPackets", packets.to_string())
                .with("SentOctets", octets.to_string());
            st.emit(class::REPORTING, msg);
            true
        });
        if !alive {
            return;
        }
    }
}

/// `RTPAUDIOQOS`, `…JITTER`, `…LOSS`, `…RTT`, `…MES` as res_rtp_asterisk sets them at hangup
/// (no peer reports: the receive side and the round trip stay zero).
pub fn quality(ch: &Channel) -> Vec<(&'static str, String)> {
    let (packets, _, _) = counts(ch);
    // Every figure zero, each name after a fixed indent (res_rtp_asterisk's format strings).
    let zeros = |names: &[String], indent: usize| -> String {
        names.iter().map(|n| format!("{}{n}=000.000000;", " ".repeat(indent))).collect()
    };
    let stats = |what: &str, indent: usize| {
        let names: Vec<String> = ["rx", "tx"]
            .iter()
            .flat_map(|dir| ["min", "max", "avg", "stdev"].iter().map(move |s| format!("{s}{dir}{what}")))
            .collect();
        zeros(&names, indent)
    };
    let rtt: Vec<String> = ["min", "max", "avg", "stdev"].iter().map(|s| format!("{s}rtt")).collect();
    vec![
        (
            "RTPAUDIOQOS",
            format!(
                "ssrc={};themssrc=0;lp=0;rxjitter=0.000000;rxcount=0;txjitter=0.000000;txcount={packets};rlp=0;rtt=0.000000;rxmes=0.000000;txmes=0.000000",
                ch.ssrc
            ),
        ),
        ("RTPAUDIOQOSJITTER", stats("jitter", 0)),
        ("RTPAUDIOQOSLOSS", stats("lost", 2)),
        ("RTPAUDIOQOSRTT", zeros(&rtt, 5)),
        ("RTPAUDIOQOSMES", stats("mes", 3)),
    ]
}

/// Packets, octets and RTP timestamp sent since the answer.
fn counts(ch: &Channel) -> (u64, u64, u64) {
    let up = ch.answered_at.and_then(|a| SystemTime::now().duration_since(a).ok()).unwrap_or(Duration::ZERO);
    let ms = up.as_millis() as u64;
    let packets = ms / 20;
    (packets, packets * 160, ms * 8)
}

/// The media experience score after `n` reports without any from the peer: it creeps up towards
/// 88, as Asterisk's does.
fn mes(n: u32) -> f64 {
    88.0 - 0.8 / f64::from(n.max(1))
}

/// (our RTCP address, the phone's) for a channel to `contact`: the phone's host, ports from the
/// stream's SSRC (RTP even, RTCP the odd one above it).
fn addresses(contact: Option<String>, ssrc: u32) -> (String, String) {
    let host = contact
        .as_deref()
        .and_then(|c| c.split('@').nth(1).or_else(|| c.strip_prefix("sip:")))
        .and_then(|h| h.split([':', ';', '>']).next())
        .unwrap_or("127.0.0.1")
        .to_string();
    let local = if host.starts_with("127.") { "127.0.0.1" } else { "192.0.2.1" };
    let port = |base: u32| base + (ssrc % 5000) * 2;
    (format!("{local}:{}", port(10000) + 1), format!("{host}:{}", port(6000)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_strings_are_shaped_like_asterisks() {
        // The exact padding res_rtp_asterisk prints, zeros in every figure.
        let jitter = "minrxjitter=000.000000;maxrxjitter=000.000000;avgrxjitter=000.000000;stdevrxjitter=000.000000;mintxjitter=000.000000;maxtxjitter=000.000000;avgtxjitter=000.000000;stdevtxjitter=000.000000;";
        let lost = "  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;  avgtxlost=000.000000;  stdevtxlost=000.000000;";
        let rtt = "     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;     stdevrtt=000.000000;";
        let mes = "   minrxmes=000.000000;   maxrxmes=000.000000;   avgrxmes=000.000000;   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;   avgtxmes=000.000000;   stdevtxmes=000.000000;";
        let ch = test_channel();
        let q = quality(&ch);
        let names: Vec<&str> = q.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["RTPAUDIOQOS", "RTPAUDIOQOSJITTER", "RTPAUDIOQOSLOSS", "RTPAUDIOQOSRTT", "RTPAUDIOQOSMES"]);
        assert_eq!((q[1].1.as_str(), q[2].1.as_str(), q[3].1.as_str(), q[4].1.as_str()), (jitter, lost, rtt, mes));
        assert!(q[0].1.starts_with("ssrc=1280979782;themssrc=0;lp=0;"), "{}", q[0].1);
    }

    #[test]
    fn addresses_follow_the_contact() {
        assert_eq!(
            addresses(Some("sip:1001@127.0.0.1:5081".into()), 0),
            ("127.0.0.1:10001".into(), "127.0.0.1:6000".into())
        );
        let (local, peer) = addresses(Some("sip:1002@192.0.2.12:5060".into()), 7);
        assert_eq!((local.as_str(), peer.as_str()), ("192.0.2.1:10015", "192.0.2.12:6014"));
        assert!((mes(1) - 87.2).abs() < 1e-9 && mes(3) > mes(2));
    }

    fn test_channel() -> Channel {
        let (control, _) = tokio::sync::watch::channel(super::super::channel::Control::Run);
        let (state_tx, _) = tokio::sync::watch::channel(6);
        Channel {
            name: "PJSIP/1001-00000000".into(),
            uniqueid: "1.0".into(),
            linkedid: "1.0".into(),
            state: 6,
            cid_num: "1001".into(),
            cid_name: String::new(),
            conn_num: String::new(),
            conn_name: String::new(),
            language: "en".into(),
            accountcode: String::new(),
            context: "fidelity".into(),
            exten: "1002".into(),
            priority: 1,
            app: String::new(),
            data: String::new(),
            created: std::time::Instant::now(),
            created_at: SystemTime::now(),
            answered_at: Some(SystemTime::now()),
            bridge: None,
            vars: Vec::new(),
            tech: super::super::channel::Tech::Pjsip,
            device: "PJSIP/1001".into(),
            partner: None,
            is_peer: false,
            call_id: String::new(),
            ssrc: 1_280_979_782,
            soft_hangup_pending: false,
            dtmf: Default::default(),
            dtmf_ready: Default::default(),
            control,
            state_tx,
        }
    }
}
