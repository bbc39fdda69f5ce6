//! Request headers as they arrived: ordered, repeats kept, values as raw bytes.
//!
//! HTTP allows a header to repeat and values that are not UTF-8, and some clients of the APIs we
//! imitate depend on both, so nothing is merged or lossily converted here; [`Headers::get`] is the
//! convenient string view.

/// An ordered multimap of header names (lowercase) to raw byte values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, Vec<u8>)>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// Adds a value after any existing ones; the name is stored lowercase.
    pub fn append(&mut self, name: &str, value: impl Into<Vec<u8>>) {
        self.0.push((name.to_ascii_lowercase(), value.into()));
    }

    /// The first value of `name` (case-insensitive) as text, or `None` when the header is absent or
    /// its first value is not UTF-8.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_bytes(name)
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The first value of `name` (case-insensitive) as raw bytes.
    pub fn get_bytes(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Every value of `name` (case-insensitive), in the order received.
    pub fn get_all(&self, name: &str) -> Vec<&[u8]> {
        self.0
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    /// Whether `name` (case-insensitive) is present.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// All `(name, value)` pairs in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// Number of header lines (a repeated header counts each time).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<N: AsRef<str>, V: Into<Vec<u8>>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (name, value) in iter {
            headers.append(name.as_ref(), value);
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_case_insensitive_and_returns_the_first_value() {
        let h: Headers = [("X-Ext", "101"), ("Accept", "a"), ("x-ext", "102")]
            .into_iter()
            .collect();
        assert_eq!(h.get("x-EXT"), Some("101"));
        assert_eq!(
            h.get_all("X-Ext"),
            vec![b"101".as_slice(), b"102".as_slice()]
        );
        assert!(h.contains("ACCEPT"));
        assert_eq!(h.get("missing"), None);
    }

    #[test]
    fn order_and_lowercase_names_are_kept() {
        let h: Headers = [("B", "1"), ("A", "2"), ("B", "3")].into_iter().collect();
        let pairs: Vec<(&str, &[u8])> = h.iter().collect();
        assert_eq!(
            pairs,
            [
                ("b", b"1".as_slice()),
                ("a", b"2".as_slice()),
                ("b", b"3".as_slice())
            ]
        );
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn non_utf8_values_are_kept_as_bytes() {
        let mut h = Headers::new();
        h.append("x-raw", vec![0xff, 0x41]);
        assert_eq!(h.get("x-raw"), None);
        assert_eq!(h.get_bytes("x-raw"), Some([0xff, 0x41].as_slice()));
    }
}
