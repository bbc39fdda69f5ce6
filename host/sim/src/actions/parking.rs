//! res_parking's `ParkedCalls` action.

use switchboard_ami_wire::Message;

use super::super::park::{PARKING_LOT, parked_call_fields};
use super::session::{Reply, Session, error, header, list_complete, list_start, with_id};

/// `ParkedCalls` (optionally `ParkingLot:`): the listack, one `ParkedCall` per parked call (its
/// fields, then the `ActionID`, as `manager_parking_status_all_lots` appends them), and
/// `ParkedCallsComplete`. An unknown lot is Asterisk's error.
pub fn parked_calls(s: &Session, action: &Message) -> Reply {
    let lot = header(action, "ParkingLot");
    if !lot.is_empty() && lot != PARKING_LOT {
        return Reply::one(error(action, "Requested parking lot could not be found."));
    }
    let items: Vec<Message> = s.pbx.with(|st| {
        st.parked
            .iter()
            .filter_map(|p| {
                let mut m = Message::new().with("Event", "ParkedCall");
                parked_call_fields(&mut m, st, p)?;
                Some(with_id(m, action))
            })
            .collect()
    });
    let n = items.len();
    let mut out = vec![list_start(action, "Parked calls will follow")];
    out.extend(items);
    out.push(list_complete(action, "ParkedCallsComplete", n));

    Reply::many(out)
}
