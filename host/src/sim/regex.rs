//! A small regular-expression matcher for `Hangup: /regex/` (POSIX extended subset: literals, `.`,
//! classes `[a-z]`/`[^…]`, `\d \w \s` and escapes, `* + ?`, `^ $`, top-level `|`; no groups).

#[derive(Debug, Clone)]
enum Atom {
    Any,
    Char(char),
    Class(Vec<(char, char)>, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rep {
    One,
    Star,
    Plus,
    Opt,
}

#[derive(Debug, Clone)]
struct Branch {
    start: bool,
    end: bool,
    items: Vec<(Atom, Rep)>,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Regex {
    branches: Vec<Branch>,
}

fn escape_class(c: char) -> Option<(Vec<(char, char)>, bool)> {
    Some(match c {
        'd' => (vec![('0', '9')], false),
        'D' => (vec![('0', '9')], true),
        'w' => (vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], false),
        'W' => (vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')], true),
        's' => (vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')], false),
        'S' => (vec![(' ', ' '), ('\t', '\t'), ('\n', '\n'), ('\r', '\r')], true),
        _ => return None,
    })
}

impl Regex {
    /// Compiles `pattern`; `None` if it is malformed.
    pub fn new(pattern: &str) -> Option<Regex> {
        let mut branches = Vec::new();
        let mut current = Branch { start: false, end: false, items: Vec::new() };
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            let atom = match c {
                '|' => {
                    branches
                        .push(std::mem::replace(&mut current, Branch { start: false, end: false, items: Vec::new() }));
                    continue;
                }
                '^' if current.items.is_empty() => {
                    current.start = true;
                    continue;
                }
                '$' if i == chars.len() || chars[i] == '|' => {
                    current.end = true;
                    continue;
                }
                '*' | '+' | '?' => {
                    let last = current.items.last_mut()?;
                    if last.1 != Rep::One {
                        return None;
                    }
                    last.1 = match c {
                        '*' => Rep::Star,
                        '+' => Rep::Plus,
                        _ => Rep::Opt,
                    };
                    continue;
                }
                '.' => Atom::Any,
                '\\' => {
                    let e = *chars.get(i)?;
                    i += 1;
                    match escape_class(e) {
                        Some((set, neg)) => Atom::Class(set, neg),
                        None => Atom::Char(match e {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        }),
                    }
                }
                '[' => {
                    let mut set = Vec::new();
                    let neg = chars.get(i) == Some(&'^');
                    if neg {
                        i += 1;
                    }
                    let mut first = true;
                    loop {
                        let c = *chars.get(i)?;
                        i += 1;
                        if c == ']' && !first {
                            break;
                        }
                        first = false;
                        let c = if c == '\\' {
                            let e = *chars.get(i)?;
                            i += 1;
                            if let Some((more, false)) = escape_class(e) {
                                set.extend(more);
                                continue;
                            }
                            e
                        } else {
                            c
                        };
                        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|n| *n != ']') {
                            let hi = chars[i + 1];
                            i += 2;
                            set.push((c, hi));
                        } else {
                            set.push((c, c));
                        }
                    }
                    Atom::Class(set, neg)
                }
                '(' | ')' | '{' | '}' => return None,
                c => Atom::Char(c),
            };
            current.items.push((atom, Rep::One));
        }
        branches.push(current);
        Some(Regex { branches })
    }

    /// Does the pattern match anywhere in `text`?
    pub fn is_match(&self, text: &str) -> bool {
        let t: Vec<char> = text.chars().collect();
        self.branches.iter().any(|b| {
            let starts: Vec<usize> = if b.start { vec![0] } else { (0..=t.len()).collect() };
            starts.into_iter().any(|s| matches_here(&b.items, &t[s..], b.end))
        })
    }
}

fn atom_matches(a: &Atom, c: char) -> bool {
    match a {
        Atom::Any => true,
        Atom::Char(x) => *x == c,
        Atom::Class(set, neg) => set.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *neg,
    }
}

fn matches_here(items: &[(Atom, Rep)], t: &[char], end: bool) -> bool {
    let Some(((atom, rep), rest)) = items.split_first() else { return !end || t.is_empty() };
    match rep {
        Rep::One => t.first().is_some_and(|c| atom_matches(atom, *c)) && matches_here(rest, &t[1..], end),
        Rep::Opt => {
            (t.first().is_some_and(|c| atom_matches(atom, *c)) && matches_here(rest, &t[1..], end))
                || matches_here(rest, t, end)
        }
        Rep::Star | Rep::Plus => {
            let min = usize::from(*rep == Rep::Plus);
            let mut n = 0;
            while n < t.len() && atom_matches(atom, t[n]) {
                n += 1;
            }
            (min..=n).rev().any(|k| matches_here(rest, &t[k..], end))
        }
    }
}
