//! `GET /destinations`: every target an inbound route, ring group or IVR option may name, grouped
//! as SARK grouped them (custom apps, extensions, IVRs, queues, ring groups, trunks); a group
//! with nothing in it is left out.

use switchboard_sdk::php_json::Json;
use switchboard_sdk::prelude::*;

use crate::laravel;
use crate::model;

const GROUPS: &[(&str, &str)] = &[
    ("CustomApps", "SELECT name FROM custom_apps ORDER BY name"),
    ("Extensions", "SELECT number FROM extensions ORDER BY number"),
    ("IVRs", "SELECT name FROM ivrs ORDER BY name"),
    ("Queues", "SELECT name FROM queues ORDER BY name"),
    ("RingGroups", "SELECT number FROM ring_groups ORDER BY number"),
    ("Trunks", "SELECT name FROM trunks WHERE technology IN ('pjsip', 'sip', 'iax2') ORDER BY name"),
];

pub fn routes(router: Router) -> Router {
    router.get("/destinations", list)
}

fn list(_: &Request) -> Result<Response, Error> {
    let db = model::pbx()?;
    let statements: Vec<(&str, &[switchboard_sdk::sqlite::Value])> = GROUPS.iter().map(|(_, sql)| (*sql, &[][..])).collect();
    let answers = db.query_snapshot(&statements)?;
    let mut groups = Vec::new();
    for ((name, _), rows) in GROUPS.iter().zip(answers) {
        let names: Vec<Json> = rows.rows().iter().map(|r| Json::Str(r.text(0))).collect();
        if !names.is_empty() {
            groups.push((name.to_string(), Json::Arr(names)));
        }
    }
    // PHP writes an empty array as `[]`, a keyed one as an object.
    Ok(laravel::ok(&if groups.is_empty() { Json::Arr(Vec::new()) } else { Json::Obj(groups) }))
}
