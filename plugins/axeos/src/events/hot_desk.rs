//! "user logged in" / "user logged out": hot-desk logins change only through this API's
//! `POST /users/{uuid}`, so the request that writes them also says what changed (no bus event
//! carries astdb keys).

use std::collections::HashMap;

use super::translate::Directory;
use super::types::Event;

/// The events for hot-desk logins going from `before` to `after` (user extension → phone
/// extension): a logout for each login that ended or moved, then a login for each new one.
pub fn changes(before: &HashMap<String, String>, after: &HashMap<String, String>, dir: &dyn Directory) -> Vec<Event> {
    let ids = |user: &str, phone: &str| Some((dir.user(user)?, dir.phone(phone)?));
    let mut users: Vec<&String> = before.keys().chain(after.keys()).collect();
    users.sort();
    users.dedup();
    let mut out = Vec::new();
    for user in &users {
        if let Some(old) = before.get(*user).filter(|old| after.get(*user) != Some(*old)) {
            if let Some((user_uuid, phone_uuid)) = ids(user, old) {
                out.push(Event::UserLoggedOut { user_uuid, phone_uuid });
            }
        }
    }
    for user in &users {
        if let Some(new) = after.get(*user).filter(|new| before.get(*user) != Some(*new)) {
            if let Some((user_uuid, phone_uuid)) = ids(user, new) {
                out.push(Event::UserLoggedIn { user_uuid, phone_uuid });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir;
    impl Directory for Dir {
        fn phone(&self, ext: &str) -> Option<String> {
            Some(format!("phone-{ext}"))
        }
        fn user(&self, ext: &str) -> Option<String> {
            Some(format!("user-{ext}"))
        }
        fn trunk(&self, _: &str) -> Option<String> {
            None
        }
        fn mailbox(&self, _: &str) -> Option<String> {
            None
        }
    }

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn taking_over_a_desk_logs_the_previous_user_out_first() {
        let out = changes(&map(&[("1001", "1007")]), &map(&[("1002", "1007")]), &Dir);
        assert_eq!(
            out,
            vec![
                Event::UserLoggedOut { user_uuid: "user-1001".into(), phone_uuid: "phone-1007".into() },
                Event::UserLoggedIn { user_uuid: "user-1002".into(), phone_uuid: "phone-1007".into() },
            ]
        );
        assert!(changes(&map(&[("1001", "1007")]), &map(&[("1001", "1007")]), &Dir).is_empty());
        assert_eq!(out[1].to_json(), r#"{"event_type":"user logged in","user_uuid":"user-1002","phone_uuid":"phone-1007"}"#);
    }
}
