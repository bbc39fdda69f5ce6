//! Decoded key/value pairs from a query string or an `application/x-www-form-urlencoded` body.
//!
//! Keys may repeat (`?ext=101&ext=102`) and order can matter to the APIs the compatibility plugins
//! imitate, so this is an ordered multimap rather than a `HashMap`.

/// An ordered multimap of decoded `key=value` pairs (`+` and `%XX` decoded, invalid UTF-8 replaced).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
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
