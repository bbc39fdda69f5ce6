//! Decoded key/value pairs from a query string or an `application/x-www-form-urlencoded` body.
//!
//! Keys may repeat (`?ext=101&ext=102`) and order can matter to the APIs the compatibility plugins
//! imitate, so this is an ordered multimap rather than a `HashMap`.

/// An ordered multimap of decoded `key=value` pairs (`+` and `%XX` decoded, invalid UTF-8 replaced).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

/// A `key=value` pair whose decoded value (or key) is not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUtf8 {
    /// The key, with any invalid bytes replaced.
    pub key: String,
}

impl std::fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not UTF-8 text", self.key)
    }
}

impl std::error::Error for NotUtf8 {}

impl Params {
    /// Parses like [`Params::parse`], but refuses a pair whose key or value decodes to bytes that
    /// are not UTF-8, naming it, instead of replacing them: for values that will be stored, where a
    /// silently altered value is worse than a refusal.
    pub fn parse_strict(input: &[u8]) -> Result<Self, NotUtf8> {
        let mut pairs = Vec::new();
        for pair in input.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            let key = decode(key);
            let value = decode(value);
            match (String::from_utf8(key), String::from_utf8(value)) {
                (Ok(k), Ok(v)) => pairs.push((k, v)),
                (Ok(k), Err(_)) => return Err(NotUtf8 { key: k }),
                (Err(e), _) => return Err(NotUtf8 { key: String::from_utf8_lossy(e.as_bytes()).into_owned() }),
            }
        }
        Ok(Params(pairs))
    }

    /// Parses `a=1&b=two+words&a=3` (a query string without the `?`, or a form body).
    pub fn parse(input: &[u8]) -> Self {
        Params(
            form_urlencoded::parse(input)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`, in order.
    pub fn get_all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Whether `key` occurs at all (possibly with an empty value, as in `?verbose`).
    pub fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// All pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of pairs (repeated keys count each time).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `+` as space and `%XX` as its byte, as `application/x-www-form-urlencoded` encodes them; a `%`
/// not followed by two hex digits stays as it is (as `form_urlencoded` leaves it).
fn decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => match (input.get(i + 1).copied().and_then(hex), input.get(i + 2).copied().and_then(hex)) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Params {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Params(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl IntoIterator for Params {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Params {
    type Item = (&'a str, &'a str);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a str)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent_and_keeps_order_and_repeats() {
        let p = Params::parse(b"ext=101&name=J%C3%B6rg+M&ext=102&empty=&flag");
        assert_eq!(p.get("name"), Some("Jörg M"));
        assert_eq!(p.get("ext"), Some("101"));
        assert_eq!(p.get_all("ext"), vec!["101", "102"]);
        assert_eq!(p.get("empty"), Some(""));
        assert!(p.contains("flag"));
        assert_eq!(p.get("flag"), Some(""));
        assert_eq!(p.get("missing"), None);
        let keys: Vec<&str> = p.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["ext", "name", "ext", "empty", "flag"]);
        assert_eq!(p.len(), 5);
    }

    #[test]
    fn strict_parsing_decodes_as_parse_does_and_names_a_field_that_is_not_utf8() {
        for input in [&b"ext=101&name=J%C3%B6rg+M&ext=102&empty=&flag&x=%zz%4"[..], b"a=1&&b==2", b""] {
            assert_eq!(Params::parse_strict(input).unwrap(), Params::parse(input), "{}", String::from_utf8_lossy(input));
        }
        let err = Params::parse_strict(b"account=104&callerid=Bob%FF%FE").unwrap_err();
        assert_eq!(err.key, "callerid");
        assert_eq!(err.to_string(), "`callerid` is not UTF-8 text");
        assert_eq!(Params::parse_strict(b"name=\xff").unwrap_err().key, "name");
    }

    #[test]
    fn empty_input_is_empty() {
        assert!(Params::parse(b"").is_empty());
    }

    #[test]
    fn keys_are_case_sensitive() {
        let p = Params::parse(b"Key=1");
        assert_eq!(p.get("key"), None);
        assert_eq!(p.get("Key"), Some("1"));
    }

    #[test]
    fn collects_and_iterates() {
        let p: Params = [("a", "1"), ("b", "2")].into_iter().collect();
        let pairs: Vec<(&str, &str)> = (&p).into_iter().collect();
        assert_eq!(pairs, [("a", "1"), ("b", "2")]);
    }
}
