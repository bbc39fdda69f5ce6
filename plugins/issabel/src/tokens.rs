//! `POST /authenticate` and `GET /authenticate/renewtoken`: the original's access/refresh token
//! pair, and the bearer check every other resource runs first.
//!
//! Lifetimes follow the original Issabel API: access `iat + 3600` (`expires_in: 3600`),
//! refresh `iat + 7200` at login and `iat + 86400` after a renew.

use switchboard_sdk::auth::constant_time_eq;
use switchboard_sdk::auth_throttle::{self, Locked};
use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;
use switchboard_sdk::{log, settings};

use crate::jwt::{self, Rejected};

/// Seconds an access token lives (`expires_in`).
pub const ACCESS_LIFETIME: i64 = 3600;
/// Seconds a refresh token lives when issued at login.
pub const REFRESH_LIFETIME: i64 = 2 * ACCESS_LIFETIME;
/// Seconds a refresh token lives when issued by a renew.
pub const RENEWED_REFRESH_LIFETIME: i64 = 86400;
/// How long after expiry an access token may still be renewed (php-jwt `$leeway` in the original).
pub const RENEW_LEEWAY: i64 = 720_000;
/// The only user the original accepted.
const ADMIN: &str = "admin";
/// Shortest signing secret accepted: an HS256 key much shorter than the hash is guessable offline.
const MIN_SECRET_LEN: usize = 16;

/// The mount's signing secret and admin password, or a 500 that names the missing setting.
pub struct Keys {
    pub secret: Vec<u8>,
    pub admin_password: String,
}

impl Keys {
    pub fn from_settings() -> Result<Keys, Error> {
        let secret = settings::get("jwt-secret").unwrap_or_default();
        if secret.len() < MIN_SECRET_LEN {
            return Err(Error::internal(format!(
                "the mount's setting \"jwt-secret\" is missing or shorter than {MIN_SECRET_LEN} characters; \
                 set it in switchboard.toml (e.g. jwt-secret = {{ env = \"ISSABEL_JWT_SECRET\" }})"
            )));
        }
        let admin_password = settings::get("admin-password").unwrap_or_default();
        if admin_password.is_empty() {
            return Err(Error::internal(
                "the mount has no setting \"admin-password\"; set it in switchboard.toml (e.g. admin-password = { env = \"ISSABEL_ADMIN_PASSWORD\" })",
            ));
        }
        Ok(Keys { secret: secret.into_bytes(), admin_password })
    }
}

/// Unix seconds from the WASI wall clock.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn access_claims(iat: i64, name: &str) -> Json {
    obj([("iat", Json::Int(iat)), ("exp", Json::Int(iat + ACCESS_LIFETIME)), ("data", obj([("name", name)]))])
}

fn refresh_claims(iat: i64, lifetime: i64) -> Json {
    obj([("iat", Json::Int(iat)), ("exp", Json::Int(iat + lifetime)), ("data", Json::Arr(Vec::new()))])
}

/// The answer body with a new pair; `renewed` adds the original's `"status":"authorized"`.
pub fn pair_body(secret: &[u8], iat: i64, name: &str, renewed: bool) -> String {
    let access = jwt::encode(secret, &access_claims(iat, name));
    let lifetime = if renewed { RENEWED_REFRESH_LIFETIME } else { REFRESH_LIFETIME };
    let refresh = jwt::encode(secret, &refresh_claims(iat, lifetime));
    let mut pairs = vec![
        ("access_token", Json::Str(access)),
        ("expires_in", Json::Int(ACCESS_LIFETIME)),
        ("refresh_token", Json::Str(refresh)),
        ("token_type", Json::from("Bearer")),
    ];
    if renewed {
        pairs.push(("status", Json::from("authorized")));
    }
    obj(pairs).encode()
}

fn json(body: impl Into<Vec<u8>>) -> Response {
    Response::bytes("application/json", body)
}

/// `POST /authenticate`: form `user` (or `username`) and `password`; 403 with an empty body otherwise.
pub fn authenticate(req: &Request) -> Result<Response, Error> {
    let keys = Keys::from_settings()?;
    Ok(login(&keys, &req.form(), now()))
}

/// Checks the credentials. Wrong ones are counted by the host per client address and per user
/// name (`auth_throttle`); once locked, the client is answered 429 with `Retry-After` and an empty
/// body (the original's refusals have none) before its password is compared, so a right password
/// during a lock counts for nothing. The original let anyone guess as fast as PHP answered.
fn login(keys: &Keys, form: &Params, now: i64) -> Response {
    // As the original: `user` when present (even empty), else `username`.
    let user = form.get("user").or_else(|| form.get("username")).unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    if let Err(locked) = auth_throttle::check(Some(user)) {
        return too_many_failures(locked);
    }
    let user_ok = constant_time_eq(user.as_bytes(), ADMIN.as_bytes());
    let password_ok = constant_time_eq(password.as_bytes(), keys.admin_password.as_bytes());
    if !(user_ok && password_ok) {
        // The user name as typed, cut short (people type passwords into it); never the password.
        let shown: String = user.chars().take(32).collect();
        log::info("authentication refused", &[("user", &shown)]);
        return match auth_throttle::failure(Some(user)) {
            Ok(()) => Response::empty(403),
            Err(locked) => too_many_failures(locked),
        };
    }
    auth_throttle::success(Some(user));
    json(pair_body(&keys.secret, now, ADMIN, false))
}

fn too_many_failures(locked: Locked) -> Response {
    Response::empty(429).header("retry-after", locked.retry_after_secs().to_string())
}

/// `GET /authenticate/renewtoken?refresh_token=R&access_token=A`.
pub fn renew(req: &Request) -> Result<Response, Error> {
    let keys = Keys::from_settings()?;
    let query = req.query();
    Ok(json(renew_body(&keys.secret, query.get("refresh_token").unwrap_or_default(), query.get("access_token").unwrap_or_default(), now())))
}

const UNAUTHORIZED: &str = r#"{"status": "unauthorized"}"#;

fn renew_body(secret: &[u8], refresh: &str, access: &str, now: i64) -> String {
    match jwt::decode(secret, refresh, now, 0) {
        Err(Rejected::Expired) => return r#"{"status": "expired", "type": "refresh"}"#.into(),
        // The original went on to renew even with a forged refresh token; not here.
        Err(Rejected::Invalid) => return UNAUTHORIZED.into(),
        // Only a refresh token (empty `data`) renews: an access token cannot stand in for one.
        Ok(claims) if claims.get("data") != Some(&serde_json::json!([])) => return UNAUTHORIZED.into(),
        Ok(_) => {}
    }
    match jwt::decode(secret, access, now, RENEW_LEEWAY).ok().as_ref().and_then(access_name) {
        Some(name) => pair_body(secret, now, &name, true),
        None => UNAUTHORIZED.into(),
    }
}

/// The `data.name` of an access token's claims.
fn access_name(claims: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    claims.get("data")?.get("name")?.as_str().map(str::to_string)
}

/// What the bearer check decided for a resource request.
pub enum Gate {
    Pass,
    /// The answer to send instead: 403 empty, or 200 `{"status": "expired"}`.
    Stop(Response),
}

/// The original's `authorize`: no or bad token → 403 with an empty body; a correctly signed but
/// expired access token → HTTP 200 `{"status": "expired"}` (clients renew on that).
pub fn gate(req: &Request) -> Result<Gate, Error> {
    let keys = Keys::from_settings()?;
    Ok(check(&keys.secret, req.bearer_token(), now()))
}

fn check(secret: &[u8], token: Option<&str>, now: i64) -> Gate {
    let Some(token) = token else { return Gate::Stop(Response::empty(403)) };
    match jwt::decode(secret, token, now, 0) {
        Ok(claims) if access_name(&claims).is_some() => Gate::Pass,
        Err(Rejected::Expired) => Gate::Stop(json(r#"{"status": "expired"}"#)),
        // A refresh token (no `data.name`) is not an access token.
        Ok(_) | Err(Rejected::Invalid) => Gate::Stop(Response::empty(403)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"unit-test-secret-0123456789";
    const T: i64 = 1_700_000_000;

    fn keys() -> Keys {
        Keys { secret: SECRET.to_vec(), admin_password: "pa55word".into() }
    }

    fn body(res: Response) -> (u16, String) {
        let status = res.status();
        (status, String::from_utf8(res.into_body_bytes().unwrap()).unwrap())
    }

    fn form(pairs: &str) -> Params {
        Request::new("POST", "/pbxapi/authenticate").with_body(pairs).form()
    }

    fn b64(s: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn login_issues_the_original_pair_byte_for_byte() {
        let (status, text) = body(login(&keys(), &form("user=admin&password=pa55word"), T));
        assert_eq!(status, 200);
        let access = jwt::encode(SECRET, &access_claims(T, "admin"));
        let refresh = jwt::encode(SECRET, &refresh_claims(T, REFRESH_LIFETIME));
        assert_eq!(text, format!(r#"{{"access_token":"{access}","expires_in":3600,"refresh_token":"{refresh}","token_type":"Bearer"}}"#));
        let header = b64(r#"{"typ":"JWT","alg":"HS256"}"#);
        assert!(access.starts_with(&format!("{header}.{}.", b64(r#"{"iat":1700000000,"exp":1700003600,"data":{"name":"admin"}}"#))));
        assert!(refresh.starts_with(&format!("{header}.{}.", b64(r#"{"iat":1700000000,"exp":1700007200,"data":[]}"#))));
        // `username` works too; `user` wins when both are sent.
        assert_eq!(login(&keys(), &form("username=admin&password=pa55word"), T).status(), 200);
        assert_eq!(login(&keys(), &form("user=root&username=admin&password=pa55word"), T).status(), 403);
    }

    #[test]
    fn bad_credentials_are_403_with_an_empty_body() {
        for f in ["user=admin&password=wrong", "user=admin", "password=pa55word", "user=Admin&password=pa55word", ""] {
            assert_eq!(body(login(&keys(), &form(f), T)), (403, String::new()), "{f}");
        }
    }

    #[test]
    fn renew_gives_a_new_pair_with_status_authorized() {
        let access = jwt::encode(SECRET, &access_claims(T, "admin"));
        let refresh = jwt::encode(SECRET, &refresh_claims(T, REFRESH_LIFETIME));
        let later = T + 5000; // the access token expired 1400 s ago; the refresh token is still good
        let text = renew_body(SECRET, &refresh, &access, later);
        let new_access = jwt::encode(SECRET, &access_claims(later, "admin"));
        let new_refresh = jwt::encode(SECRET, &refresh_claims(later, RENEWED_REFRESH_LIFETIME));
        assert_eq!(
            text,
            format!(r#"{{"access_token":"{new_access}","expires_in":3600,"refresh_token":"{new_refresh}","token_type":"Bearer","status":"authorized"}}"#)
        );
        assert!(new_refresh.contains(&b64(r#"{"iat":1700005000,"exp":1700091400,"data":[]}"#)));
    }

    #[test]
    fn renew_refusals() {
        let access = jwt::encode(SECRET, &access_claims(T, "admin"));
        let refresh = jwt::encode(SECRET, &refresh_claims(T, REFRESH_LIFETIME));
        assert_eq!(renew_body(SECRET, &refresh, &access, T + REFRESH_LIFETIME), r#"{"status": "expired", "type": "refresh"}"#);
        assert_eq!(renew_body(b"another-secret-of-length", &refresh, &access, T), UNAUTHORIZED);
        assert_eq!(renew_body(SECRET, "", &access, T), UNAUTHORIZED);
        assert_eq!(renew_body(SECRET, &access, &access, T), UNAUTHORIZED, "an access token is not a refresh token");
        assert_eq!(renew_body(SECRET, &refresh, "", T), UNAUTHORIZED);
        assert_eq!(renew_body(SECRET, &refresh, &refresh, T), UNAUTHORIZED, "no name to carry over");
        // Past the leeway the access token is no longer renewable.
        let fresh_refresh = jwt::encode(SECRET, &refresh_claims(T + RENEW_LEEWAY, REFRESH_LIFETIME));
        assert_eq!(renew_body(SECRET, &fresh_refresh, &access, T + ACCESS_LIFETIME + RENEW_LEEWAY), UNAUTHORIZED);
    }

    #[test]
    fn gate_answers_like_the_original() {
        let access = jwt::encode(SECRET, &access_claims(T, "admin"));
        let refresh = jwt::encode(SECRET, &refresh_claims(T, REFRESH_LIFETIME));
        assert!(matches!(check(SECRET, Some(&access), T), Gate::Pass));
        let stop = |g: Gate| match g {
            Gate::Stop(r) => body(r),
            Gate::Pass => panic!("passed"),
        };
        assert_eq!(stop(check(SECRET, None, T)), (403, String::new()));
        assert_eq!(stop(check(SECRET, Some("garbage"), T)), (403, String::new()));
        assert_eq!(stop(check(SECRET, Some(&refresh), T)), (403, String::new()));
        assert_eq!(stop(check(b"wrong-secret-wrong-secret", Some(&access), T)), (403, String::new()));
        assert_eq!(stop(check(SECRET, Some(&access), T + ACCESS_LIFETIME)), (200, r#"{"status": "expired"}"#.into()));
    }

    #[test]
    fn settings_are_required_and_the_secret_long_enough() {
        switchboard_sdk::settings::set_native(&[("admin-password", "x")], "/pbxapi");
        let e = Keys::from_settings().err().unwrap();
        assert_eq!(e.status(), 500);
        assert!(e.message().contains("jwt-secret"), "{}", e.message());
        switchboard_sdk::settings::set_native(&[("jwt-secret", "short"), ("admin-password", "x")], "/pbxapi");
        assert!(Keys::from_settings().is_err());
        switchboard_sdk::settings::set_native(&[("jwt-secret", "0123456789abcdef")], "/pbxapi");
        assert!(Keys::from_settings().err().unwrap().message().contains("admin-password"));
        switchboard_sdk::settings::set_native(&[("jwt-secret", "0123456789abcdef"), ("admin-password", "x")], "/pbxapi");
        assert!(Keys::from_settings().is_ok());
    }
}
