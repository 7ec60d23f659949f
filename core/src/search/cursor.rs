//! The character cursor under both search languages: scans identifiers, keywords, operators,
//! quoted strings and numbers, and turns a failure into a message that says where it happened.
//! Scanning is driven by the parser (it asks for "an operator" or "a value"), so characters
//! like `-` or `"` never need a context-free meaning.
use super::{Op, MAX_FILTER_LEN};
use crate::error::{Error, Result};

/// Characters of context shown before and after an error position.
const EXCERPT_BEFORE: usize = 24;
const EXCERPT_AFTER: usize = 16;

/// An identifier as written: `prefix.key` or a bare attribute name (no prefix).
#[derive(Debug)]
pub(super) struct RawIdent {
    /// Character index of the first character, for error positions.
    pub start: usize,
    pub prefix: Option<String>,
    pub key: String,
    /// The source text, for messages.
    pub text: String,
}

/// A literal value before it is coerced to the field's kind.
#[derive(Debug)]
pub(super) enum Lit {
    Str(String),
    /// The number and its source text: a string field compares against the text.
    Num(f64, String),
}

pub(super) struct Cursor {
    chars: Vec<char>,
    pos: usize,
    /// What is being parsed, for messages: "filter", "order_by item 2".
    what: String,
}

/// Characters allowed in a bare identifier after its first character. MLflow keys may hold
/// `/`, `-`, `.` and `:` (`metrics.val/loss`, `tags.mlflow.source.git.commit`).
pub(super) fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | ':')
}

/// Refuses over-long input before any scanning, so hostile sizes cost nothing.
pub(super) fn check_len(input: &str, what: &str) -> Result<()> {
    // A char is at most 4 bytes: past this many bytes the char count is over the limit too.
    if input.len() > MAX_FILTER_LEN * 4 || input.chars().count() > MAX_FILTER_LEN {
        return Err(Error::invalid(format!(
            "Invalid {what}: longer than {MAX_FILTER_LEN} characters"
        )));
    }
    Ok(())
}

impl Cursor {
    pub fn new(input: &str, what: impl Into<String>) -> Self {
        Cursor {
            chars: input.chars().collect(),
            pos: 0,
            what: what.into(),
        }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    pub fn bump(&mut self) {
        if self.pos < self.chars.len() {
            self.pos += 1;
        }
    }

    /// Consumes `c` if it is next.
    pub fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn text(&self, from: usize, to: usize) -> String {
        let to = to.min(self.chars.len());
        let from = from.min(to);
        self.chars
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .collect()
    }

    /// An `InvalidArgument` naming the 1-based position of character `at` and the text around it.
    pub fn error(&self, at: usize, msg: impl std::fmt::Display) -> Error {
        let from = at.saturating_sub(EXCERPT_BEFORE);
        let to = at.saturating_add(EXCERPT_AFTER).min(self.chars.len());
        let mut excerpt = self.text(from, to);
        if from > 0 {
            excerpt.insert(0, '…');
        }
        if to < self.chars.len() {
            excerpt.push('…');
        }
        Error::invalid(format!(
            "Invalid {} at position {} ({excerpt:?}): {msg}",
            self.what,
            at.saturating_add(1)
        ))
    }

    /// Describes what is at the cursor, for "found …" in messages.
    pub fn found(&self) -> String {
        if self.at_end() {
            return "the end of the input".to_string();
        }
        let mut end = self.pos;
        while end < self.chars.len() && end - self.pos < 20 {
            match self.chars.get(end) {
                Some(c) if !c.is_whitespace() => end += 1,
                _ => break,
            }
        }
        format!("'{}'", self.text(self.pos, end.max(self.pos + 1)))
    }

    /// A run of identifier characters (keywords such as AND, LIKE, ASC); empty if none.
    pub fn word(&mut self) -> String {
        let mut w = String::new();
        while let Some(c) = self.peek().filter(|c| is_key_char(*c)) {
            w.push(c);
            self.bump();
        }
        w
    }

    /// `prefix.key`, `` prefix.`quoted key` `` or a bare attribute name.
    pub fn identifier(&mut self) -> Result<RawIdent> {
        let start = self.pos;
        match self.peek() {
            Some(c) if c.is_alphabetic() || c == '_' => {}
            _ => {
                return Err(self.error(
                    start,
                    format!(
                        "expected an identifier such as name, metrics.<key>, params.<key> or tags.<key>, found {}",
                        self.found()
                    ),
                ))
            }
        }
        let word = self.word();
        let Some((prefix, rest)) = word.split_once('.') else {
            return Ok(RawIdent {
                start,
                prefix: None,
                key: word.clone(),
                text: word,
            });
        };
        let key = if rest.is_empty() {
            match self.peek() {
                Some(q @ ('`' | '"' | '\'')) => self.quoted(q, "quoted key")?,
                _ => {
                    return Err(self.error(
                        self.pos,
                        format!("expected a key after '{word}', found {}", self.found()),
                    ))
                }
            }
        } else {
            rest.to_string()
        };
        if key.is_empty() {
            return Err(self.error(start, format!("empty key after '{prefix}.'")));
        }
        Ok(RawIdent {
            start,
            prefix: Some(prefix.to_string()),
            key,
            text: self.text(start, self.pos),
        })
    }

    /// A string opened by the quote `q` at the cursor. Inside, a doubled quote or a
    /// backslash-escaped quote stands for the quote itself and `\\` for one backslash; any
    /// other backslash is literal, so LIKE patterns and Windows paths survive as written.
    pub fn quoted(&mut self, q: char, what: &str) -> Result<String> {
        let open = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error(
                    open,
                    format!("unterminated {what}: no closing {q} for the one opened here"),
                ));
            };
            self.bump();
            if c == q {
                if self.eat(q) {
                    out.push(q);
                    continue;
                }
                return Ok(out);
            }
            if c == '\\' {
                if let Some(n) = self.peek().filter(|n| *n == q || *n == '\\') {
                    self.bump();
                    out.push(n);
                    continue;
                }
            }
            out.push(c);
        }
    }

    /// A quoted string or a number; `after` names what precedes it, for the message.
    pub fn literal(&mut self, after: &str) -> Result<(usize, Lit)> {
        let at = self.pos;
        match self.peek() {
            Some(q @ ('\'' | '"')) => Ok((at, Lit::Str(self.quoted(q, "string")?))),
            Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.') => {
                Ok((at, self.number()?))
            }
            None => Err(self.error(at, format!("expected a value after {after}"))),
            Some(_) => Err(self.error(
                at,
                format!(
                    "expected a quoted string or a number after {after}, found {}",
                    self.found()
                ),
            )),
        }
    }

    /// `[+-]digits[.digits][e[+-]digits]`, finite, not followed by identifier characters.
    fn number(&mut self) -> Result<Lit> {
        let start = self.pos;
        let digits = |cur: &mut Cursor| {
            let from = cur.pos;
            while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
                cur.bump();
            }
            cur.pos - from
        };
        if matches!(self.peek(), Some('-' | '+')) {
            self.bump();
        }
        let mut mantissa = digits(self);
        if self.eat('.') {
            mantissa += digits(self);
        }
        let mut ok = mantissa > 0;
        if ok && matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('-' | '+')) {
                self.bump();
            }
            ok = digits(self) > 0;
        }
        // "1.2.3" or "12abc" is a typo, not a number followed by garbage.
        while self.peek().is_some_and(is_key_char) {
            ok = false;
            self.bump();
        }
        let text = self.text(start, self.pos);
        match text.parse::<f64>() {
            Ok(n) if ok && n.is_finite() => Ok(Lit::Num(n, text)),
            Ok(_) if ok => Err(self.error(start, format!("number '{text}' is out of range"))),
            _ => Err(self.error(start, format!("malformed number '{text}'"))),
        }
    }

    /// A comparison operator; `after` is the identifier's text, for the message.
    pub fn operator(&mut self, after: &str) -> Result<(usize, Op)> {
        let at = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.error(
                at,
                format!(
                    "expected an operator after '{after}' (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL)"
                ),
            ));
        };
        if matches!(c, '=' | '!' | '<' | '>') {
            let mut sym = String::new();
            while let Some(s) = self.peek().filter(|s| matches!(s, '=' | '!' | '<' | '>')) {
                sym.push(s);
                self.bump();
            }
            let op = match sym.as_str() {
                "=" => Op::Eq,
                "!=" | "<>" => Op::Ne,
                "<" => Op::Lt,
                "<=" => Op::Le,
                ">" => Op::Gt,
                ">=" => Op::Ge,
                _ => return Err(self.error(at, format!("unknown operator '{sym}'"))),
            };
            return Ok((at, op));
        }
        if !c.is_alphabetic() {
            let found = self.found();
            return Err(self.error(at, format!("unknown operator {found} after '{after}'")));
        }
        let word = self.word().to_ascii_uppercase();
        let op = match word.as_str() {
            "LIKE" => Op::Like,
            "ILIKE" => Op::ILike,
            "IN" => Op::In,
            "NOT" => {
                self.skip_ws();
                let next_at = self.pos;
                if !self.word().eq_ignore_ascii_case("IN") {
                    return Err(self.error(next_at, "expected IN after NOT"));
                }
                Op::NotIn
            }
            "IS" => {
                self.skip_ws();
                let next_at = self.pos;
                let next = self.word().to_ascii_uppercase();
                match next.as_str() {
                    "NULL" => Op::IsNull,
                    "NOT" => {
                        self.skip_ws();
                        let null_at = self.pos;
                        if !self.word().eq_ignore_ascii_case("NULL") {
                            return Err(self.error(null_at, "expected NULL after IS NOT"));
                        }
                        Op::IsNotNull
                    }
                    _ => return Err(self.error(next_at, "expected NULL or NOT NULL after IS")),
                }
            }
            _ => {
                return Err(self.error(
                    at,
                    format!(
                        "unknown operator '{}' after '{after}'",
                        self.text(at, self.pos)
                    ),
                ))
            }
        };
        Ok((at, op))
    }
}
