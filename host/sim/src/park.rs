//! The `Park` application (res_parking's `default` lot): a parked call waits in a space (701…720)
//! until the caller gives up or the lot's `parkingtime` runs out, published as `ParkedCall`,
//! `ParkedCallGiveUp` and `ParkedCallTimeOut` with res_parking's fields.

use std::time::{Duration, Instant};

use switchboard_ami_wire::Message;

use super::bridge::Outcome;
use super::calls::{Chan, wait_control};
use super::channel::Control;
use super::event_format::{self, channel_block, class};
use super::state::{Parked, PbxRef, State};

/// The only lot the simulator has (res_parking's default).
pub const PARKING_LOT: &str = "default";

/// The default lot's spaces and `parkingtime` (res_parking.conf defaults).
const SPACES: std::ops::RangeInclusive<u32> = 701..=720;
const PARKINGTIME: Duration = Duration::from_secs(45);

/// `manager_build_parked_call_string`: the `Parkee` channel block, then `ParkerDialString`,
/// `Parkinglot`, `ParkingSpace`, `ParkingTimeout`, `ParkingDuration`. `None` if the parked
/// channel is gone.
pub fn parked_call_fields(m: &mut Message, st: &State, p: &Parked) -> Option<()> {
    let ch = st.chan(&p.uniqueid)?;
    let (timeout, duration) = p.timing();
    channel_block(m, "Parkee", ch);
    m.push("ParkerDialString", p.parker_dial_string.clone());
    m.push("Parkinglot", PARKING_LOT);
    m.push("ParkingSpace", p.space.to_string());
    m.push("ParkingTimeout", timeout.to_string());
    m.push("ParkingDuration", duration.to_string());
    Some(())
}

fn publish(st: &mut State, name: &str, p: &Parked) {
    let mut m = event_format::event(name, class::CALL);
    if parked_call_fields(&mut m, st, p).is_some() {
        st.emit(class::CALL, m);
    }
}

/// Parks `caller` (parked by `parker`, a dial string such as `PJSIP/1002`) in the lowest free
/// space. The caller gives up after `stay`, or is hung up by whoever controls it; the lot's
/// 45 s `parkingtime` ends the wait first if `stay` is longer (`ParkedCallTimeOut`; the
/// simulator then hangs up instead of calling the parker back). Returns the space and the
/// caller's outcome.
pub async fn park(pbx: &PbxRef, caller: &mut Chan, parker: &str, stay: Duration) -> (u32, Outcome) {
    pbx.set_app(caller, "Park", "");
    let parked = pbx.with(|st| {
        let space = SPACES.clone().find(|s| !st.parked.iter().any(|p| p.space == *s)).unwrap_or(*SPACES.end());
        let p = Parked {
            uniqueid: caller.uniqueid.clone(),
            space,
            parker_dial_string: parker.to_string(),
            since: Instant::now(),
            time_limit: PARKINGTIME,
        };
        st.parked.push(p.clone());
        publish(st, "ParkedCall", &p);
        p
    });
    let (event, cause) = tokio::select! {
        _ = tokio::time::sleep(stay.min(PARKINGTIME)) => {
            (if stay >= PARKINGTIME { "ParkedCallTimeOut" } else { "ParkedCallGiveUp" }, 16)
        }
        control = wait_control(&mut caller.control) => {
            ("ParkedCallGiveUp", match control { Control::Hangup(c) => c, _ => 16 })
        }
    };
    pbx.with(|st| {
        st.parked.retain(|p| p.uniqueid != parked.uniqueid);
        publish(st, event, &parked);
    });
    (parked.space, Outcome::Hangup(cause))
}
