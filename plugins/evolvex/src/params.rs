//! A method's parameters, as Evolvex read them (PHP's `$_REQUEST` with the query first): from the
//! query string, else from a urlencoded form body. The query wins when both carry one.

use switchboard_sdk::prelude::*;

/// The request's parameters, query first.
pub struct Input {
    query: Params,
    form: Params,
}

impl Input {
    /// Reads the query and, for a form body, its fields (a JSON or multipart body has none here).
    pub fn of(req: &Request) -> Input {
        let urlencoded = req.header("content-type").is_none_or(|t| {
            let t = t.trim().to_ascii_lowercase();
            t.is_empty() || t.starts_with("application/x-www-form-urlencoded")
        });
        let form = if urlencoded && !req.body().is_empty() { req.form() } else { Params::parse(b"") };
        Input { query: req.query(), form }
    }

    /// The value of `name` (the query's first, else the form's), `None` when absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query.get(name).or_else(|| self.form.get(name))
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
}
