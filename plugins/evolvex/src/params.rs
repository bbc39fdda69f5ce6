//! A method's parameters, as Evolvex read them (PHP's `$_REQUEST` with the query first): from the
//! query string, else from the form body — urlencoded, or the text fields of a multipart form.
//! The query wins when both carry one.

use switchboard_sdk::multipart;
use switchboard_sdk::prelude::*;

/// The request's parameters, query first.
pub struct Input {
    query: Params,
    /// The form's text fields, in order (file fields left out).
    form: Vec<(String, String)>,
}

/// The text fields of `req`'s form body; none for a body that is no form (JSON, empty).
fn form_fields(req: &Request) -> Vec<(String, String)> {
    let content_type = req.header("content-type").unwrap_or_default().trim().to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        // A multipart body that does not parse carries no parameters; the query still counts.
        let parts = multipart::parts(req).unwrap_or_default();
        return parts.iter().filter(|p| !p.is_file()).filter_map(|p| Some((p.name.clone(), p.text()?.to_string()))).collect();
    }
    let urlencoded = content_type.is_empty() || content_type.starts_with("application/x-www-form-urlencoded");
    if !urlencoded || req.body().is_empty() {
        return Vec::new();
    }
    req.form().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

impl Input {
    /// Reads the query and the form's fields.
    pub fn of(req: &Request) -> Input {
        Input { query: req.query(), form: form_fields(req) }
    }

    /// The value of `name` (the query's first, else the form's), `None` when absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query.get(name).or_else(|| self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()))
    }

    /// The value of `name`, absent or empty both `None` (Evolvex's `empty()`).
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// The value of `name`, or 400 `missing_parameter`.
    pub fn required(&self, name: &str) -> Result<&str, Error> {
        self.non_empty(name).ok_or_else(|| crate::answer::missing(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_over_the_form() {
        let req = Request::new("POST", "/check?api_key=q&context=").with_body("api_key=f&context=ctx&uniqueid=1.2");
        let input = Input::of(&req);
        assert_eq!(input.get("api_key"), Some("q"));
        assert_eq!(input.get("context"), Some(""));
        assert_eq!(input.non_empty("context"), None);
        assert_eq!(input.get("uniqueid"), Some("1.2"));
        assert_eq!(input.required("exten").unwrap_err().code(), "missing_parameter");
    }

    #[test]
    fn a_json_body_is_not_a_form() {
        let req = Request::new("POST", "/check").with_header("content-type", "application/json").with_body("api_key=x");
        assert_eq!(Input::of(&req).get("api_key"), None);
    }

    #[test]
    fn a_multipart_forms_text_fields_count_and_its_files_do_not() {
        let body = multipart::form("XyZ", &[("api_key", None, b"k1"), ("context", None, b"ctx"), ("uniqueid", Some("1.2"), b"file bytes")]);
        let req = Request::new("POST", "/check?context=q").with_header("content-type", "multipart/form-data; boundary=XyZ").with_body(body);
        let input = Input::of(&req);
        assert_eq!((input.get("api_key"), input.get("context"), input.get("uniqueid")), (Some("k1"), Some("q"), None));
        let broken = Request::new("POST", "/check?api_key=k").with_header("content-type", "multipart/form-data; boundary=XyZ").with_body("junk");
        assert_eq!(Input::of(&broken).get("api_key"), Some("k"));
    }
}
