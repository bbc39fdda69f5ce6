//! Answers and input shaped the way SARK's Laravel 7 application shaped them: the request's fields
//! as Laravel's middleware leaves them, its validator's rules and English messages, and the JSON
//! bodies of its statuses (404 `{"reason":"Not Found!"}`, 409 `{"Error":…}`, 422 field → messages).
//!
//! A handler returns `Result<Response, Error>`; an [`Error`] whose code is [`BODY`] carries a
//! finished JSON body in its message, which the router's error renderer ([`render`]) sends as is.

use std::net::IpAddr;

use serde_json::Value;
use switchboard_sdk::php_json::{Json, obj};
use switchboard_sdk::prelude::*;

/// The code of an [`Error`] whose message is the JSON body to answer with.
pub const BODY: &str = "laravel";

/// The body of a route nobody serves.
pub const PAGE_NOT_FOUND: &str = "Page Not Found. Check your URI for correctness";

/// An error answer with a finished JSON body.
pub fn error_body(status: u16, body: &Json) -> Error {
    Error::new(status, BODY, body.encode())
}

/// 404 `{"reason":"Not Found!"}`: the record named in the path does not exist.
pub fn not_found() -> Error {
    error_body(404, &obj([("reason", "Not Found!")]))
}

/// 409 `{"Error":"…"}`: the database refused the change (a duplicate key, a dependency).
pub fn conflict(message: impl Into<String>) -> Error {
    error_body(409, &obj([("Error", message.into())]))
}

/// 422 with one field's messages.
pub fn invalid(field: &str, message: impl Into<String>) -> Error {
    Errors::default().with(field, message.into()).into_error()
}

/// 200 with `body`.
pub fn ok(body: &Json) -> Response {
    Response::php_json(body)
}

/// 201 with the created object.
pub fn created(body: &Json) -> Response {
    Response::php_json(body).with_status(201)
}

/// 204, no body: a deleted record.
pub fn deleted() -> Response {
    Response::empty(204)
}

/// Renders errors as SARK's Laravel application did: finished bodies as they are, an unknown
/// route as `{"message":"Page Not Found…"}`, a conflict as `{"Error":…}`, anything else as
/// `{"message":…}` with its status.
pub fn render(error: Error) -> Response {
    let status = error.status();
    let body = if error.code() == BODY {
        error.message().to_string()
    } else if status == 404 {
        obj([("message", PAGE_NOT_FOUND)]).encode()
    } else if status == 409 {
        obj([("Error", error.message())]).encode()
    } else if status == 405 {
        // Laravel's MethodNotAllowedHttpException, as its handler rendered it.
        let method = error.message().split(' ').next().unwrap_or_default();
        let allowed = error.headers().iter().find(|(n, _)| n == "allow").map(|(_, v)| v.as_str()).unwrap_or_default();
        obj([("message", format!("The {method} method is not supported for this route. Supported methods: {allowed}."))]).encode()
    } else {
        if status >= 500 {
            switchboard_sdk::log::error("request failed", &[("status", &status.to_string()), ("error", error.message())]);
        }
        obj([("message", error.message())]).encode()
    };
    let mut response = Response::bytes("application/json", body).with_status(status);
    for (name, value) in error.headers() {
        response = response.append_header(name, value.as_bytes());
    }
    response
}

/// An uploaded file as the validator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    /// The client's file name.
    pub filename: String,
    /// The MIME type read from the content (not the client's claim), e.g. `application/zip`.
    pub mime: String,
    /// Its size in bytes.
    pub size: usize,
}

/// One input field: a JSON value or an uploaded file.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// A value from the JSON body, the form or the query string.
    Value(Value),
    /// A file from a multipart form.
    File(Upload),
}

/// The request's fields in the order they came, as Laravel's `$request->all()` after its
/// `TrimStrings` and `ConvertEmptyStringsToNull` middleware: strings trimmed, `""` as null.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Input(Vec<(String, Field)>);

impl Input {
    /// The query string's fields, then the body's (JSON object, or a form), later ones winning.
    /// A body that is not JSON is no input, as Laravel read it; one that is JSON but not UTF-8 is
    /// a 422 naming the field that holds the bad bytes (nothing could be stored from it).
    pub fn from_request(req: &Request) -> Result<Input, Error> {
        let mut input = Input::default();
        for (key, value) in req.query().iter() {
            input.set(key, Field::Value(Value::String(value.to_string())));
        }
        let body = req.body();
        let is_form = req.header("content-type").is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            let form = switchboard_sdk::Params::parse_strict(body).map_err(|e| invalid(&e.key, format!("The {} must be a string.", attribute(&e.key))))?;
            for (key, value) in form.iter() {
                input.set(key, Field::Value(Value::String(value.to_string())));
            }
        } else if !body.iter().all(u8::is_ascii_whitespace) {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => {
                    for (key, value) in map {
                        input.set(&key, Field::Value(value));
                    }
                }
                Ok(_) => {}
                Err(_) => {
                    if let Some(field) = not_utf8_field(body) {
                        return Err(invalid(&field, format!("The {} must be a string.", attribute(&field))));
                    }
                }
            }
        }
        Ok(input.cleaned())
    }

    /// Input from `(field, value)` pairs (tests, and callers that build fields themselves).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, Field)>) -> Input {
        let mut input = Input::default();
        for (key, field) in pairs {
            input.set(&key, field);
        }
        input.cleaned()
    }

    /// Input from a JSON object, cleaned as a request's would be.
    pub fn from_json(value: Value) -> Input {
        match value {
            Value::Object(map) => Input::from_pairs(map.into_iter().map(|(k, v)| (k, Field::Value(v)))),
            _ => Input::default(),
        }
    }

    fn set(&mut self, key: &str, field: Field) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = field,
            None => self.0.push((key.to_string(), field)),
        }
    }

    /// `TrimStrings` (PHP's `trim` set, passwords left alone) and `ConvertEmptyStringsToNull`,
    /// into arrays and objects too.
    fn cleaned(mut self) -> Input {
        fn clean(key: &str, value: &mut Value) {
            match value {
                Value::String(s) => {
                    if key != "password" && key != "password_confirmation" {
                        let trimmed = s.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0b']);
                        if trimmed.len() != s.len() {
                            *s = trimmed.to_string();
                        }
                    }
                    if s.is_empty() {
                        *value = Value::Null;
                    }
                }
                Value::Array(items) => items.iter_mut().for_each(|v| clean(key, v)),
                Value::Object(map) => map.iter_mut().for_each(|(k, v)| clean(k, v)),
                _ => {}
            }
        }
        for (key, field) in &mut self.0 {
            if let Field::Value(value) = field {
                clean(key, value);
            }
        }
        self
    }

    /// The field `key`, if sent.
    pub fn get(&self, key: &str) -> Option<&Field> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, f)| f)
    }

    /// The JSON value of `key`, if sent (null included).
    pub fn value(&self, key: &str) -> Option<&Value> {
        match self.get(key)? {
            Field::Value(v) => Some(v),
            Field::File(_) => None,
        }
    }

    /// Whether `key` was sent (null included), as Laravel's `$request->has`.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The text of `key` as PHP's `(string)` cast gives it: strings as they are, numbers written,
    /// `true` as `1`, `false` and null as empty. `None` when not sent or not a scalar.
    pub fn text(&self, key: &str) -> Option<String> {
        php_string(self.value(key)?)
    }

    /// The fields, in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &Field)> {
        self.0.iter().map(|(k, f)| (k.as_str(), f))
    }
}

/// The field whose value holds bytes that are not UTF-8, in a JSON body that failed to parse.
fn not_utf8_field(body: &[u8]) -> Option<String> {
    if std::str::from_utf8(body).is_ok() {
        return None;
    }
    let lossy = String::from_utf8_lossy(body);
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&lossy) else {
        return Some("body".to_string());
    };
    fn holds(value: &Value) -> bool {
        match value {
            Value::String(s) => s.contains('\u{fffd}'),
            Value::Array(items) => items.iter().any(holds),
            Value::Object(map) => map.iter().any(|(k, v)| k.contains('\u{fffd}') || holds(v)),
            _ => false,
        }
    }
    map.iter().find(|(k, v)| k.contains('\u{fffd}') || holds(v)).map(|(k, _)| k.clone()).or(Some("body".to_string()))
}

/// PHP's `(string)` of a scalar JSON value; `None` for arrays and objects.
pub fn php_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        }),
        Value::Bool(true) => Some("1".into()),
        Value::Bool(false) | Value::Null => Some(String::new()),
        _ => None,
    }
}

/// The messages of failed fields, in the order the fields were validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Errors(Vec<(String, Vec<String>)>);

impl Errors {
    /// Adds `message` to `field`'s list.
    pub fn with(mut self, field: &str, message: String) -> Self {
        self.add(field, message);
        self
    }

    /// Adds `message` to `field`'s list.
    pub fn add(&mut self, field: &str, message: String) {
        match self.0.iter_mut().find(|(f, _)| f == field) {
            Some((_, messages)) => messages.push(message),
            None => self.0.push((field.to_string(), vec![message])),
        }
    }

    /// Whether no field failed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `field` failed.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }

    /// `{"field":["message",…],…}`.
    pub fn to_json(&self) -> Json {
        Json::Obj(self.0.iter().map(|(f, m)| (f.clone(), Json::from(m.clone()))).collect())
    }

    /// The 422 answer.
    pub fn into_error(self) -> Error {
        error_body(422, &self.to_json())
    }

    /// `Ok` when empty, else the 422 answer.
    pub fn result(self) -> Result<(), Error> {
        if self.is_empty() { Ok(()) } else { Err(self.into_error()) }
    }
}

/// How a field is called in a message: Laravel's `str_replace('_', ' ', Str::snake($field))`
/// (`IPphone_pkey` → `i pphone pkey`, `ABSTIMEOUT` → `a b s t i m e o u t`).
pub fn attribute(field: &str) -> String {
    if !field.is_empty() && field.bytes().all(|b| b.is_ascii_lowercase()) {
        return field.to_string();
    }
    // ucwords, then whitespace removed.
    let mut words = String::with_capacity(field.len());
    let mut start = true;
    for c in field.chars() {
        if c.is_whitespace() {
            start = true;
            continue;
        }
        if start {
            words.extend(c.to_uppercase());
        } else {
            words.push(c);
        }
        start = false;
    }
    // `_` between any character and an uppercase letter, then lowercase.
    let chars: Vec<char> = words.chars().collect();
    let mut snake = String::with_capacity(words.len() + 8);
    for (i, c) in chars.iter().enumerate() {
        snake.extend(c.to_lowercase());
        if chars.get(i + 1).is_some_and(|n| n.is_ascii_uppercase()) {
            snake.push('_');
        }
    }
    snake.replace('_', " ")
}

/// One field's rules: strings in Laravel's notation, each either one rule or several joined with
/// `|` (a `regex:` rule is always whole, as in Laravel's array form).
pub type Rules<'a> = (&'a str, &'a [&'a str]);

/// Answers Laravel's `exists:table,column` for a value: whether a row has it.
pub trait Lookup {
    /// Whether `table.column` holds `value`.
    fn exists(&self, table: &str, column: &str, value: &str) -> Result<bool, Error>;
}

impl<F: Fn(&str, &str, &str) -> Result<bool, Error>> Lookup for F {
    fn exists(&self, table: &str, column: &str, value: &str) -> Result<bool, Error> {
        self(table, column, value)
    }
}

/// A lookup for rule sets without `exists` (every lookup fails the request with a 500).
pub fn no_lookup(table: &str, _: &str, _: &str) -> Result<bool, Error> {
    Err(Error::internal(format!("no lookup for exists:{table}")))
}

/// One parsed rule.
#[derive(Debug, Clone, PartialEq)]
enum Rule<'a> {
    Required,
    Nullable,
    Integer,
    Numeric,
    Min(f64),
    Max(f64),
    Size(f64),
    AlphaDash,
    AlphaNum,
    Alpha,
    String,
    In(Vec<String>),
    Exists(&'a str, &'a str),
    Regex(&'a str),
    Digits(usize),
    Email,
    Ip,
    Boolean,
    File,
    Mimetypes(Vec<String>),
    Mimes(Vec<String>),
}

/// Laravel's parameter list (`str_getcsv` of what follows the `:`), without quoting.
fn parameters(text: &str) -> Vec<String> {
    text.split(',').map(|s| s.trim_matches('"').to_string()).collect()
}

fn number(rule: &str, text: &str) -> Result<f64, Error> {
    text.trim().parse().map_err(|_| Error::internal(format!("rule {rule}: {text:?} is not a number")))
}

/// Parses one rule. An unknown rule is a 500 naming it, as Laravel's `BadMethodCallException`.
fn parse_rule(text: &str) -> Result<Rule<'_>, Error> {
    let (name, params) = text.split_once(':').unwrap_or((text, ""));
    Ok(match name.to_ascii_lowercase().as_str() {
        "required" => Rule::Required,
        "nullable" => Rule::Nullable,
        "integer" => Rule::Integer,
        "numeric" => Rule::Numeric,
        "min" => Rule::Min(number(text, params)?),
        "max" => Rule::Max(number(text, params)?),
        "size" => Rule::Size(number(text, params)?),
        "alpha_dash" => Rule::AlphaDash,
        "alpha_num" => Rule::AlphaNum,
        "alpha" => Rule::Alpha,
        "string" => Rule::String,
        "in" => Rule::In(parameters(params)),
        "exists" => {
            let (table, column) = params.split_once(',').unwrap_or((params, ""));
            Rule::Exists(table, column)
        }
        "regex" => Rule::Regex(params),
        "digits" => Rule::Digits(number(text, params)? as usize),
        "email" => Rule::Email,
        "ip" => Rule::Ip,
        "boolean" => Rule::Boolean,
        "file" => Rule::File,
        "mimetypes" => Rule::Mimetypes(parameters(params)),
        "mimes" => Rule::Mimes(parameters(params)),
        _ => return Err(Error::internal(format!("Method Illuminate\\Validation\\Validator::validate{name} does not exist."))),
    })
}

/// The rules of one field, `|`-joined strings split.
fn parse_rules<'a>(rules: &'a [&'a str]) -> Result<Vec<Rule<'a>>, Error> {
    let mut parsed = Vec::new();
    for text in rules {
        if text.starts_with("regex:") {
            parsed.push(parse_rule(text)?);
        } else {
            for part in text.split('|').filter(|p| !p.is_empty()) {
                parsed.push(parse_rule(part)?);
            }
        }
    }
    Ok(parsed)
}

/// Checks that every rule of `rules` is one this validator knows (for tests of rule tables).
pub fn check_rules(rules: &[Rules<'_>]) -> Result<(), Error> {
    for (_, field_rules) in rules {
        for rule in parse_rules(field_rules)? {
            if let Rule::Regex(pattern) = rule {
                if regex_matches(pattern, "").is_none() {
                    return Err(Error::internal(format!("no matcher for regex {pattern}")));
                }
            }
        }
    }
    Ok(())
}

/// Validates `input` against `rules` as Laravel 7's validator: fields in the order given; a field
/// not sent is checked only by `required`; a null field with `nullable` by nothing; a failed
/// `required` ends that field's checks; every other rule runs and adds its message.
pub fn validate(input: &Input, rules: &[Rules<'_>], lookup: &dyn Lookup) -> Result<(), Error> {
    let mut errors = Errors::default();
    for (field, field_rules) in rules {
        let rules = parse_rules(field_rules)?;
        let value = input.get(field);
        let nullable = rules.contains(&Rule::Nullable);
        let numeric = rules.iter().any(|r| matches!(r, Rule::Integer | Rule::Numeric));
        for rule in &rules {
            let Some(message) = check(field, value, rule, nullable, numeric, lookup)? else { continue };
            errors.add(field, message);
            if *rule == Rule::Required {
                break;
            }
        }
    }
    errors.result()
}

/// One rule on one field: `Some(message)` when it fails.
fn check(field: &str, value: Option<&Field>, rule: &Rule<'_>, nullable: bool, numeric: bool, lookup: &dyn Lookup) -> Result<Option<String>, Error> {
    let name = attribute(field);
    if *rule == Rule::Required {
        let present = match value {
            None | Some(Field::Value(Value::Null)) => false,
            Some(Field::Value(Value::Array(a))) => !a.is_empty(),
            Some(Field::Value(Value::Object(o))) => !o.is_empty(),
            Some(Field::Value(_)) => true,
            Some(Field::File(upload)) => !upload.filename.is_empty(),
        };
        return Ok((!present).then(|| format!("The {name} field is required.")));
    }
    let Some(field_value) = value else { return Ok(None) };
    let json = match field_value {
        Field::Value(v) => Some(v),
        Field::File(_) => None,
    };
    if nullable && json.is_some_and(Value::is_null) {
        return Ok(None);
    }
    let text = json.and_then(php_string);
    let fails = |passes: bool, message: String| Ok((!passes).then_some(message));
    match rule {
        Rule::Required | Rule::Nullable => Ok(None),
        Rule::Integer => fails(json.is_some_and(is_php_integer), format!("The {name} must be an integer.")),
        Rule::Numeric => fails(json.is_some_and(is_php_numeric), format!("The {name} must be a number.")),
        Rule::Min(min) => {
            let size = size_of(field_value, numeric);
            fails(size.is_some_and(|s| s >= *min), size_message(&name, "at least", *min, field_value, numeric))
        }
        Rule::Max(max) => {
            let size = size_of(field_value, numeric);
            fails(size.is_some_and(|s| s <= *max), size_message(&name, "not greater than", *max, field_value, numeric))
        }
        Rule::Size(n) => {
            let size = size_of(field_value, numeric);
            fails(size.is_some_and(|s| s == *n), size_message(&name, "", *n, field_value, numeric))
        }
        Rule::AlphaDash => fails(
            scalar_text(json).is_some_and(|t| !t.is_empty() && t.chars().all(|c| is_letter(c) || c.is_numeric() || c == '_' || c == '-')),
            format!("The {name} may only contain letters, numbers, dashes and underscores."),
        ),
        Rule::AlphaNum => fails(
            scalar_text(json).is_some_and(|t| !t.is_empty() && t.chars().all(|c| is_letter(c) || c.is_numeric())),
            format!("The {name} may only contain letters and numbers."),
        ),
        Rule::Alpha => fails(
            json.and_then(Value::as_str).is_some_and(|t| !t.is_empty() && t.chars().all(is_letter)),
            format!("The {name} may only contain letters."),
        ),
        Rule::String => fails(json.is_some_and(Value::is_string), format!("The {name} must be a string.")),
        Rule::In(allowed) => fails(
            json.is_some_and(|v| !v.is_array() && !v.is_object()) && text.as_ref().is_some_and(|t| allowed.iter().any(|a| a == t)),
            format!("The selected {name} is invalid."),
        ),
        Rule::Exists(table, column) => {
            let column = if column.is_empty() { field } else { column };
            let found = match &text {
                Some(t) if json.is_some_and(|v| !v.is_null()) => lookup.exists(table, column, t)?,
                _ => false,
            };
            fails(found, format!("The selected {name} is invalid."))
        }
        Rule::Regex(pattern) => {
            let matched = match json.and_then(|v| if v.is_string() || v.is_number() { php_string(v) } else { None }) {
                Some(t) => regex_matches(pattern, &t).ok_or_else(|| Error::internal(format!("no matcher for regex {pattern}")))?,
                None => false,
            };
            fails(matched, format!("The {name} format is invalid."))
        }
        Rule::Digits(n) => fails(
            text.as_ref().is_some_and(|t| json.is_some_and(|v| !v.is_null()) && t.bytes().all(|b| b.is_ascii_digit()) && t.len() == *n),
            format!("The {name} must be {n} digits."),
        ),
        Rule::Email => fails(json.and_then(Value::as_str).is_some_and(is_email), format!("The {name} must be a valid email address.")),
        Rule::Ip => fails(json.and_then(Value::as_str).is_some_and(|t| t.parse::<IpAddr>().is_ok()), format!("The {name} must be a valid IP address.")),
        Rule::Boolean => fails(
            json.is_some_and(|v| match v {
                Value::Bool(_) => true,
                Value::Number(n) => n.as_i64().is_some_and(|i| i == 0 || i == 1),
                Value::String(s) => s == "0" || s == "1",
                _ => false,
            }),
            format!("The {name} field must be true or false."),
        ),
        Rule::File => fails(matches!(field_value, Field::File(_)), format!("The {name} must be a file.")),
        Rule::Mimetypes(types) => fails(
            matches!(field_value, Field::File(u) if types.iter().any(|t| t == &u.mime || (t.ends_with("/*") && u.mime.starts_with(&t[..t.len() - 1])))),
            format!("The {name} must be a file of type: {}.", types.join(", ")),
        ),
        Rule::Mimes(extensions) => fails(
            matches!(field_value, Field::File(u) if guess_extension(&u.mime).is_some_and(|e| extensions.iter().any(|x| x == e))),
            format!("The {name} must be a file of type: {}.", extensions.join(", ")),
        ),
    }
}

/// `\pL\pM`: a letter (or a combining mark).
fn is_letter(c: char) -> bool {
    c.is_alphabetic() || ('\u{300}'..='\u{36f}').contains(&c)
}

/// The text of a string or number (what `alpha_dash` and `alpha_num` accept).
fn scalar_text(json: Option<&Value>) -> Option<String> {
    match json? {
        v @ (Value::String(_) | Value::Number(_)) => php_string(v),
        _ => None,
    }
}

/// PHP's `filter_var($v, FILTER_VALIDATE_INTEGER)`: an optional sign and digits without a leading
/// zero, spaces around allowed; `true` counts as 1, a float only when whole.
fn is_php_integer(value: &Value) -> bool {
    let text = match value {
        Value::Number(n) => return n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.2e18),
        Value::Bool(b) => return *b,
        Value::String(s) => s.trim_matches([' ', '\t', '\n', '\r', '\x0b']),
        _ => return false,
    };
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && digits.parse::<i64>().is_ok()
}

/// PHP 7's `is_numeric`: leading whitespace, a sign, digits with an optional fraction, an optional
/// exponent.
fn is_php_numeric(value: &Value) -> bool {
    match value {
        Value::Number(_) => true,
        Value::String(s) => numeric_text(s).is_some(),
        _ => false,
    }
}

fn numeric_text(s: &str) -> Option<f64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !digits(e) {
            return None;
        }
    }
    t.parse().ok()
}

/// Laravel's `getSize`: the number for a numeric field holding a number, a file's kilobytes, an
/// array's length, else the text's length in characters.
fn size_of(field: &Field, numeric: bool) -> Option<f64> {
    match field {
        Field::File(u) => Some(u.size as f64 / 1024.0),
        Field::Value(Value::Array(a)) => Some(a.len() as f64),
        Field::Value(v) => {
            if numeric {
                let number = match v {
                    Value::Number(n) => n.as_f64(),
                    Value::String(s) => numeric_text(s),
                    _ => None,
                };
                if number.is_some() {
                    return number;
                }
            }
            php_string(v).map(|t| t.chars().count() as f64)
        }
    }
}

/// `min`/`max`/`size` messages by the field's type.
fn size_message(name: &str, relation: &str, limit: f64, field: &Field, numeric: bool) -> String {
    let limit = if limit.fract() == 0.0 { format!("{}", limit as i64) } else { limit.to_string() };
    let unit = match field {
        Field::File(_) => " kilobytes",
        Field::Value(Value::Array(_)) => " items",
        _ if numeric => "",
        _ => " characters",
    };
    match relation {
        "at least" => format!("The {name} must be at least {limit}{unit}."),
        "not greater than" => format!("The {name} may not be greater than {limit}{unit}."),
        _ => format!("The {name} must be {limit}{unit}."),
    }
}

/// An address of the form `local@domain`, without spaces, control characters or empty parts.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let domain_ok = !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty() && !label.starts_with('-') && !label.ends_with('-') && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// The extension Symfony's `guessExtension` gives a MIME type (the ones SARK's uploads use).
fn guess_extension(mime: &str) -> Option<&'static str> {
    Some(match mime {
        "audio/x-wav" | "audio/wav" | "audio/wave" => "wav",
        "audio/mpeg" => "mpga",
        "video/mpeg" => "mpeg",
        "application/zip" => "zip",
        "application/x-sqlite3" | "application/vnd.sqlite3" => "sqlite",
        _ => return None,
    })
}

/// `*` or `HH:MM-HH:MM` (00:00–23:59): a day timer's span.
pub const TIMESPAN: &str = r"regex:/^\*|(2[0-3]|[01][0-9]):([0-5][0-9])\-(2[0-3]|[01][0-9]):([0-5][0-9])$/";
/// Twelve hex digits: a phone's MAC address.
pub const MAC: &str = "regex:/^[0-9a-fA-F]{12}$/";
/// Digits with an optional leading `+`: a call-forward number.
pub const PHONE: &str = r"regex:/^\+?\d+$/";
/// `usergreeting` and four digits: a greeting file's name.
pub const GREETING: &str = r"regex:/^usergreeting\d{4}$/";
/// Ring group members: 2 to 1024 of letters, digits, `@ - _ /` and spaces.
pub const RING_LIST: &str = r"regex:/^[@A-Za-z0-9-_\/\s]{2,1024}$/";
/// A trunk's number transforms: `digits:digits` pairs separated by spaces.
pub const TRANSFORM: &str = r"regex:/$(\d+?:\d+?\s*)+/";
/// A tenant's local dial plan: `_` and one or more `X`.
pub const LOCAL_DIALPLAN: &str = r"regex:/^\s*(_?(XZN[0-9])\.?)\s*$";
/// An external URL.
pub const URL: &str = r"regex:/^(https?:\/\/)?([\da-z\.-]+)\.([a-z\.]{2,6})([\/\w \.-]*)*\/?$/";
/// A fully qualified domain name.
pub const FQDN: &str = r"regex:/^(?!:\/\/)(?=.{1,255}$)((.{1,63}\.){1,127}(?![0-9]*$)[a-z0-9-]+\.?)$/i";

/// Matches `value` against one of the patterns above (the text after `regex:`); `None` for a
/// pattern this validator has no matcher for. Each is matched by hand, whole-string: where the
/// original's pattern was unanchored by mistake, the value must still be wholly of the intended form.
pub fn regex_matches(pattern: &str, value: &str) -> Option<bool> {
    let all = |s: &str, f: fn(char) -> bool| s.chars().all(f);
    Some(match pattern {
        p if p == pattern_of(TIMESPAN) => value == "*" || parse_timespan(value).is_some(),
        p if p == pattern_of(MAC) => value.len() == 12 && value.bytes().all(|b| b.is_ascii_hexdigit()),
        p if p == pattern_of(PHONE) => {
            let digits = value.strip_prefix('+').unwrap_or(value);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
        p if p == pattern_of(GREETING) => value.strip_prefix("usergreeting").is_some_and(|d| d.len() == 4 && d.bytes().all(|b| b.is_ascii_digit())),
        p if p == pattern_of(RING_LIST) => {
            (2..=1024).contains(&value.chars().count()) && all(value, |c| c.is_ascii_alphanumeric() || "@-_/".contains(c) || matches!(c, ' ' | '\t'))
        }
        p if p == pattern_of(TRANSFORM) => {
            !value.trim().is_empty()
                && value.split_whitespace().all(|pair| pair.split_once(':').is_some_and(|(a, b)| is_digits(a) && is_digits(b)))
        }
        p if p == pattern_of(LOCAL_DIALPLAN) => {
            let v = value.trim();
            let v = v.strip_suffix('.').unwrap_or(v);
            let v = v.strip_prefix('_').unwrap_or(v);
            v.len() >= 2 && v.starts_with(['X', 'Z', 'N']) && all(&v[1..], |c| c.is_ascii_digit() || matches!(c, 'X' | 'Z' | 'N'))
        }
        p if p == pattern_of(URL) => is_url(value),
        p if p == pattern_of(FQDN) => is_fqdn(value),
        _ => return None,
    })
}

/// The text after `regex:` of one of the pattern rules above.
fn pattern_of(rule: &str) -> &str {
    rule.strip_prefix("regex:").unwrap_or(rule)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `HH:MM-HH:MM` as its two `HH:MM` halves.
pub fn parse_timespan(value: &str) -> Option<(&str, &str)> {
    let (begin, end) = value.split_once('-')?;
    let clock = |t: &str| {
        let (h, m) = t.split_once(':')?;
        let ok = h.len() == 2 && m.len() == 2 && is_digits(h) && is_digits(m) && h.parse::<u8>().ok()? < 24 && m.parse::<u8>().ok()? < 60;
        ok.then_some(())
    };
    clock(begin)?;
    clock(end)?;
    Some((begin, end))
}

fn is_url(value: &str) -> bool {
    let rest = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://")).unwrap_or(value);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Some((name, tld)) = host.rsplit_once('.') else { return false };
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || c == '.' || c == '-')
        && (2..=6).contains(&tld.len())
        && tld.chars().all(|c| c.is_ascii_lowercase() || c == '.')
        && path.chars().all(|c| c.is_ascii_alphanumeric() || "_ .-/".contains(c))
}

fn is_fqdn(value: &str) -> bool {
    let v = value.strip_suffix('.').unwrap_or(value);
    let labels: Vec<&str> = v.split('.').collect();
    !value.is_empty()
        && value.len() <= 255
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && !labels.last().is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(body: Value, rules: &[Rules<'_>]) -> Result<(), String> {
        let lookup = |table: &str, column: &str, value: &str| Ok(table == "cluster" && (column == "pkey" || column == "cluster") && value == "default");
        validate(&Input::from_json(body), rules, &lookup).map_err(|e| {
            assert_eq!((e.status(), e.code()), (422, BODY));
            e.message().to_string()
        })
    }

    #[test]
    fn attributes_are_laravels_snake_case_with_spaces() {
        assert_eq!(attribute("pkey"), "pkey");
        assert_eq!(attribute("option10"), "option10");
        assert_eq!(attribute("IPphone_pkey"), "i pphone pkey");
        assert_eq!(attribute("COS_pkey"), "c o s pkey");
        assert_eq!(attribute("ABSTIMEOUT"), "a b s t i m e o u t");
        assert_eq!(attribute("cluster_id"), "cluster id");
    }

    #[test]
    fn the_seeds_agent_rules_with_laravels_messages() {
        let rules: &[Rules] = &[
            ("pkey", &["required|integer|min:1000|max:9999"]),
            ("cluster", &["required|exists:cluster"]),
            ("name", &["required|alpha_dash"]),
            ("passwd", &["required|integer|min:1000|max:9999"]),
        ];
        assert_eq!(run(json!({"pkey": 1001, "cluster": "default", "name": "bob_1", "passwd": "1234"}), rules), Ok(()));
        assert_eq!(
            run(json!({}), rules).unwrap_err(),
            r#"{"pkey":["The pkey field is required."],"cluster":["The cluster field is required."],"name":["The name field is required."],"passwd":["The passwd field is required."]}"#
        );
        assert_eq!(
            run(json!({"pkey": "abc", "cluster": "nope", "name": "a b", "passwd": 99}), rules).unwrap_err(),
            r#"{"pkey":["The pkey must be an integer.","The pkey must be at least 1000."],"cluster":["The selected cluster is invalid."],"name":["The name may only contain letters, numbers, dashes and underscores."],"passwd":["The passwd must be at least 1000."]}"#
        );
        assert_eq!(run(json!({"pkey": 10000, "cluster": "default", "name": "x", "passwd": 1000}), rules).unwrap_err(), r#"{"pkey":["The pkey may not be greater than 9999."]}"#);
    }

    #[test]
    fn each_rule_fails_and_passes() {
        let cases: &[(&str, Value, Value, &str)] = &[
            ("integer", json!("12"), json!("1.5"), "The f must be an integer."),
            ("numeric", json!("1.5"), json!("x1"), "The f must be a number."),
            ("min:3", json!("abc"), json!("ab"), "The f must be at least 3 characters."),
            ("max:3", json!("abc"), json!("abcd"), "The f may not be greater than 3 characters."),
            ("size:2", json!("GB"), json!("GBR"), "The f must be 2 characters."),
            ("alpha_dash", json!("a-b_c1"), json!("a;b"), "The f may only contain letters, numbers, dashes and underscores."),
            ("alpha_num", json!("ab12"), json!("ab-12"), "The f may only contain letters and numbers."),
            ("alpha", json!("abc"), json!("ab1"), "The f may only contain letters."),
            ("string", json!("x"), json!(5), "The f must be a string."),
            ("in:YES,NO", json!("YES"), json!("yes"), "The selected f is invalid."),
            ("exists:cluster,pkey", json!("default"), json!("other"), "The selected f is invalid."),
            ("digits:10", json!("1600000000"), json!("160000000"), "The f must be 10 digits."),
            ("email", json!("ops@example.com"), json!("ops at example"), "The f must be a valid email address."),
            ("ip", json!("192.0.2.1"), json!("192.0.2.300"), "The f must be a valid IP address."),
            ("boolean", json!(true), json!("yes"), "The f field must be true or false."),
            (MAC, json!("001122aabbcc"), json!("0011-22aabbcc"), "The f format is invalid."),
            (PHONE, json!("+4401234"), json!("01234;1"), "The f format is invalid."),
            (TIMESPAN, json!("09:00-17:30"), json!("9:00-17:30"), "The f format is invalid."),
            (GREETING, json!("usergreeting1234"), json!("usergreeting12"), "The f format is invalid."),
            (RING_LIST, json!("1001 1002"), json!("1001;1002"), "The f format is invalid."),
            (TRANSFORM, json!("44:0 1:2"), json!("44-0"), "The f format is invalid."),
            (URL, json!("https://example.com/x"), json!("ftp:/x"), "The f format is invalid."),
            (FQDN, json!("pbx.example.com"), json!("pbx"), "The f format is invalid."),
        ];
        for (rule, good, bad, message) in cases {
            let rules: &[Rules] = &[("f", &[rule])];
            assert_eq!(run(json!({ "f": good }), rules), Ok(()), "{rule} {good}");
            assert_eq!(run(json!({ "f": bad }), rules).unwrap_err(), format!(r#"{{"f":["{message}"]}}"#), "{rule} {bad}");
        }
    }

    #[test]
    fn absent_fields_skip_and_nullable_accepts_null() {
        let rules: &[Rules] = &[("a", &["integer"]), ("b", &["integer|nullable"]), ("c", &["string"])];
        assert_eq!(run(json!({}), rules), Ok(()));
        assert_eq!(run(json!({"b": null, "a": 3}), rules), Ok(()));
        // "" becomes null (ConvertEmptyStringsToNull), which only `nullable` accepts.
        assert_eq!(run(json!({"b": "", "c": ""}), rules).unwrap_err(), r#"{"c":["The c must be a string."]}"#);
        // TrimStrings: surrounding blanks go before validation.
        assert_eq!(run(json!({"a": " 12\r\n"}), rules), Ok(()));
    }

    #[test]
    fn uploads_are_checked_by_type_and_presence() {
        let zip = Upload { filename: "b.zip".into(), mime: "application/zip".into(), size: 10 };
        let input = Input::from_pairs([("uploadzip".to_string(), Field::File(zip))]);
        let rules: &[Rules] = &[("uploadzip", &["required|file|mimetypes:application/zip"])];
        assert!(validate(&input, rules, &no_lookup).is_ok());
        let wav = Upload { filename: "g.txt".into(), mime: "text/plain".into(), size: 10 };
        let input = Input::from_pairs([("greeting".to_string(), Field::File(wav))]);
        let err = validate(&input, &[("greeting", &["required|file|mimes:wav,mpeg"])], &no_lookup).unwrap_err();
        assert_eq!(err.message(), r#"{"greeting":["The greeting must be a file of type: wav, mpeg."]}"#);
        let err = validate(&Input::from_json(json!({"greeting": "x"})), &[("greeting", &["required|file"])], &no_lookup).unwrap_err();
        assert_eq!(err.message(), r#"{"greeting":["The greeting must be a file."]}"#);
    }

    #[test]
    fn unknown_rules_are_server_errors() {
        let err = validate(&Input::from_json(json!({"pkey": "x"})), &[("pkey", &["required|alpha_dashy"])], &no_lookup).unwrap_err();
        assert_eq!(err.status(), 500);
        assert!(check_rules(&[("x", &["regex:/^a$/"])]).is_err());
    }

    #[test]
    fn request_bodies_become_input() {
        let req = Request::new("PUT", "/x?a=1").with_body(r#"{"b":" two ","c":""}"#);
        let input = Input::from_request(&req).unwrap();
        assert_eq!(input.text("a").as_deref(), Some("1"));
        assert_eq!(input.text("b").as_deref(), Some("two"));
        assert_eq!(input.value("c"), Some(&Value::Null));
        // Not JSON: no input, as Laravel read it.
        assert_eq!(Input::from_request(&Request::new("POST", "/x").with_body("{nope")).unwrap(), Input::default());
        // JSON whose text is not UTF-8: 422 naming the field.
        let err = Input::from_request(&Request::new("POST", "/x").with_body(b"{\"desc\":\"a\xffb\"}".to_vec())).unwrap_err();
        assert_eq!((err.status(), err.message()), (422, r#"{"desc":["The desc must be a string."]}"#));
        let form = Request::new("POST", "/x").with_header("content-type", "application/x-www-form-urlencoded").with_body("pkey=1001&desc=a+b");
        assert_eq!(Input::from_request(&form).unwrap().text("desc").as_deref(), Some("a b"));
    }

    #[test]
    fn answers_have_sarks_bodies() {
        let body = |e: Error| String::from_utf8(render(e).into_body_bytes().unwrap()).unwrap();
        assert_eq!(body(not_found()), r#"{"reason":"Not Found!"}"#);
        assert_eq!(body(conflict("Key already exists")), r#"{"Error":"Key already exists"}"#);
        assert_eq!(body(Error::not_found("no route")), r#"{"message":"Page Not Found. Check your URI for correctness"}"#);
        assert_eq!(render(invalid("pkey", "The pkey field is required.")).status(), 422);
        assert_eq!(deleted().status(), 204);
        let wrong = Error::method_not_allowed("POST is not allowed on /api/sysglobals").with_header("allow", "GET, HEAD, PUT");
        let response = render(wrong);
        assert_eq!(response.header_value("allow"), Some("GET, HEAD, PUT"));
        assert_eq!(
            String::from_utf8(response.into_body_bytes().unwrap()).unwrap(),
            r#"{"message":"The POST method is not supported for this route. Supported methods: GET, HEAD, PUT."}"#
        );
    }

    #[test]
    fn php_strings_of_json_values() {
        assert_eq!(php_string(&json!(5)).unwrap(), "5");
        assert_eq!(php_string(&json!(5.0)).unwrap(), "5");
        assert_eq!(php_string(&json!(1.5)).unwrap(), "1.5");
        assert_eq!(php_string(&json!(true)).unwrap(), "1");
        assert_eq!(php_string(&json!(null)).unwrap(), "");
        assert_eq!(php_string(&json!([1])), None);
    }
}
