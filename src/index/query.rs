//! The query language users type: words, `"phrases"`, `AND` / `OR` / `NOT`, `+` / `-`,
//! parentheses, fields (`title:`, `body:`, `source:`, `author:`, `lang:`, `tag:`, `feed:`,
//! `url:`, `story:`) and date ranges (`published:[2025-11-01 TO 2025-11-30]`, `*` for an open
//! end). Parsed into a small tree that `build` turns into a tantivy query; a mistake is an error
//! that says where it is.

use chrono::{DateTime, NaiveDate, Utc};

/// Longest accepted query, in bytes.
pub const MAX_QUERY_LEN: usize = 1024;
/// Most words and phrases in one query.
const MAX_CLAUSES: usize = 64;
/// Deepest nesting of parentheses and negations.
const MAX_DEPTH: usize = 16;

/// Where a word or phrase is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Title, body and outlet (a bare word).
    Any,
    Title,
    Body,
    Source,
    Author,
    Lang,
    Tag,
    Feed,
    Url,
    Story,
}

impl Field {
    fn named(name: &str) -> Option<Field> {
        Some(match name.to_ascii_lowercase().as_str() {
            "title" => Field::Title,
            "body" | "text" => Field::Body,
            "source" | "outlet" => Field::Source,
            "author" | "by" => Field::Author,
            "lang" | "language" => Field::Lang,
            "tag" => Field::Tag,
            "feed" => Field::Feed,
            "url" => Field::Url,
            "story" => Field::Story,
            _ => return None,
        })
    }
}

/// The names `field:` accepts, for error messages.
const FIELD_NAMES: &str = "title, body, source, author, lang, tag, feed, url, story, published";

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Every part must match (`a b`, `a AND b`, `+a`).
    And(Vec<Node>),
    /// At least one part must match.
    Or(Vec<Node>),
    /// Must not match (`-a`, `NOT a`).
    Not(Box<Node>),
    /// A word, or a phrase when `phrase`.
    Text {
        field: Field,
        text: String,
        phrase: bool,
    },
    /// Published between two moments (either end open).
    Published {
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    },
}

/// A malformed query: what is wrong, and where (a character offset, 0-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {})", .at + 1)]
pub struct QueryError {
    pub message: String,
    pub at: usize,
}

/// Parses `input`.
pub fn parse(input: &str) -> Result<Node, QueryError> {
    if input.len() > MAX_QUERY_LEN {
        return Err(QueryError {
            message: format!("the query is longer than {MAX_QUERY_LEN} bytes"),
            at: 0,
        });
    }
    let tokens = lex(input)?;
    if tokens.is_empty() {
        return Err(QueryError {
            message: "the query is empty".into(),
            at: 0,
        });
    }
    let clauses = tokens
        .iter()
        .filter(|t| matches!(t.kind, Kind::Word(_) | Kind::Phrase(_)))
        .count();
    if clauses > MAX_CLAUSES {
        return Err(QueryError {
            message: format!("the query has more than {MAX_CLAUSES} words and phrases"),
            at: 0,
        });
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        end: input.chars().count(),
        depth: 0,
    };
    let node = parser.or()?;
    match parser.peek() {
        None => Ok(node),
        Some(token) => Err(QueryError {
            message: match token.kind {
                Kind::Close => "`)` without a matching `(`".into(),
                _ => "unexpected text".into(),
            },
            at: token.at,
        }),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Word(String),
    Phrase(String),
    /// `name:` directly followed by its value.
    Field(String),
    Open,
    Close,
    Plus,
    Minus,
    /// `[from TO to]` (or `{…}`), the raw bounds.
    Range(String, String),
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: Kind,
    /// Character offset.
    at: usize,
}

fn lex(input: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let at = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token {
                    kind: Kind::Open,
                    at,
                });
                i += 1;
            }
            ')' => {
                tokens.push(Token {
                    kind: Kind::Close,
                    at,
                });
                i += 1;
            }
            // A sign only at the start of a clause: `-word`, `+"a phrase"`, `-(a OR b)`.
            '+' | '-' if starts_clause(&tokens, &chars, i) => {
                let kind = if c == '+' { Kind::Plus } else { Kind::Minus };
                tokens.push(Token { kind, at });
                i += 1;
            }
            '+' | '-'
                if (i == 0 || chars[i - 1].is_whitespace())
                    && chars
                        .get(i + 1)
                        .is_none_or(|c| c.is_whitespace() || *c == ')') =>
            {
                return Err(QueryError {
                    message: "a sign needs a word right after it".into(),
                    at,
                });
            }
            '"' | '“' | '”' | '«' | '»' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| matches!(c, '"' | '“' | '”' | '«' | '»'))
                    .ok_or_else(|| QueryError {
                        message: "a phrase is not closed: add the closing `\"`".into(),
                        at,
                    })?;
                let text: String = chars[i + 1..i + 1 + close].iter().collect();
                tokens.push(Token {
                    kind: Kind::Phrase(text),
                    at,
                });
                i += close + 2;
            }
            '[' | '{' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']' || c == '}')
                    .ok_or_else(|| QueryError {
                        message: "a date range is not closed: add the closing `]`".into(),
                        at,
                    })?;
                let inside: String = chars[i + 1..i + 1 + close].iter().collect();
                let parts: Vec<&str> = inside.split_whitespace().collect();
                let (from, to) = match parts.as_slice() {
                    [from, to_kw, to] if to_kw.eq_ignore_ascii_case("to") => (*from, *to),
                    _ => {
                        return Err(QueryError {
                            message: "a date range is `[FROM TO TO]`, e.g. \
                                      `[2025-11-01 TO 2025-11-30]` (`*` for an open end)"
                                .into(),
                            at,
                        });
                    }
                };
                tokens.push(Token {
                    kind: Kind::Range(from.to_owned(), to.to_owned()),
                    at,
                });
                i += close + 2;
            }
            _ => {
                let start = i;
                // The value of a field is taken as it is (`url:https://…`).
                let is_value = matches!(
                    tokens.last(),
                    Some(Token {
                        kind: Kind::Field(_),
                        ..
                    })
                ) && start > 0
                    && chars[start - 1] == ':';
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '"' | '“' | '”' | '[' | '{')
                {
                    // `name:` ends a field name, unless it is part of a URL or a time.
                    if chars[i] == ':' && i > start && !is_value && chars.get(i + 1) != Some(&'/') {
                        let name: String = chars[start..i].iter().collect();
                        if name.chars().all(|c| c.is_alphabetic()) {
                            tokens.push(Token {
                                kind: Kind::Field(name),
                                at: start,
                            });
                            i += 1;
                            if i >= chars.len() || chars[i].is_whitespace() {
                                return Err(QueryError {
                                    message: "a field name needs a value right after `:`".into(),
                                    at: start,
                                });
                            }
                            break;
                        }
                    }
                    i += 1;
                }
                if i > start && !matches!(tokens.last(), Some(t) if t.at == start) {
                    tokens.push(Token {
                        kind: Kind::Word(chars[start..i].iter().collect()),
                        at: start,
                    });
                }
            }
        }
    }
    Ok(tokens)
}

/// Whether a `+`/`-` at `i` starts a clause (after a space, a `(`, a field, or at the start)
/// rather than sitting inside a word (`covid-19`, `c++`).
fn starts_clause(tokens: &[Token], chars: &[char], i: usize) -> bool {
    let after_gap = i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(';
    let next_ok = chars
        .get(i + 1)
        .is_some_and(|c| !c.is_whitespace() && *c != ')');
    after_gap
        && next_ok
        && !matches!(
            tokens.last(),
            Some(Token {
                kind: Kind::Field(_),
                ..
            })
        )
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Length of the input in characters, for errors at its end.
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: Kind::Word(w), .. }) if w == keyword)
    }

    fn or(&mut self) -> Result<Node, QueryError> {
        let mut parts = vec![self.and()?];
        while self.is_keyword("OR") {
            self.next += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Node, QueryError> {
        let mut parts = vec![self.unary()?];
        loop {
            if self.is_keyword("AND") {
                self.next += 1;
                parts.push(self.unary()?);
                continue;
            }
            match self.peek() {
                None
                | Some(Token {
                    kind: Kind::Close, ..
                }) => break,
                Some(_) if self.is_keyword("OR") => break,
                Some(_) => parts.push(self.unary()?),
            }
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here("the query nests too deeply"));
        }
        let node =
            if self.is_keyword("NOT") || matches!(self.peek(), Some(t) if t.kind == Kind::Minus) {
                self.next += 1;
                Node::Not(Box::new(self.unary()?))
            } else if matches!(self.peek(), Some(t) if t.kind == Kind::Plus) {
                self.next += 1;
                self.unary()?
            } else {
                self.primary()?
            };
        self.depth -= 1;
        Ok(node)
    }

    fn primary(&mut self) -> Result<Node, QueryError> {
        let Some(token) = self.tokens.get(self.next).cloned() else {
            return Err(self.error_here("the query ends where a word was expected"));
        };
        self.next += 1;
        match token.kind {
            Kind::Open => {
                let inner = self.or()?;
                match self.peek() {
                    Some(Token {
                        kind: Kind::Close, ..
                    }) => {
                        self.next += 1;
                        Ok(inner)
                    }
                    _ => Err(QueryError {
                        message: "`(` is not closed: add the closing `)`".into(),
                        at: token.at,
                    }),
                }
            }
            Kind::Close => Err(QueryError {
                message: "`)` without a matching `(`".into(),
                at: token.at,
            }),
            Kind::Word(word) if matches!(word.as_str(), "AND" | "OR" | "NOT") => Err(QueryError {
                message: format!("`{word}` needs a word on each side"),
                at: token.at,
            }),
            Kind::Word(text) => Ok(Node::Text {
                field: Field::Any,
                text,
                phrase: false,
            }),
            Kind::Phrase(text) => Ok(Node::Text {
                field: Field::Any,
                text,
                phrase: true,
            }),
            Kind::Plus | Kind::Minus => Err(QueryError {
                message: "a sign needs a word right after it".into(),
                at: token.at,
            }),
            Kind::Range(..) => Err(QueryError {
                message: "a date range needs a field: `published:[FROM TO TO]`".into(),
                at: token.at,
            }),
            Kind::Field(name) => self.field_value(&name, token.at),
        }
    }

    fn field_value(&mut self, name: &str, at: usize) -> Result<Node, QueryError> {
        let value = self.tokens.get(self.next).cloned();
        self.next += 1;
        let value = value.ok_or_else(|| QueryError {
            message: format!("`{name}:` needs a value"),
            at,
        })?;
        if matches!(name.to_ascii_lowercase().as_str(), "published" | "date") {
            return match value.kind {
                Kind::Range(from, to) => Ok(Node::Published {
                    from: bound(&from, value.at, false)?,
                    to: bound(&to, value.at, true)?,
                }),
                Kind::Word(day) => {
                    let from = bound(&day, value.at, false)?;
                    let to = bound(&day, value.at, true)?;
                    Ok(Node::Published { from, to })
                }
                _ => Err(QueryError {
                    message: "`published:` takes a date (2025-11-04) or a range \
                              ([2025-11-01 TO 2025-11-30])"
                        .into(),
                    at: value.at,
                }),
            };
        }
        let field = Field::named(name).ok_or_else(|| QueryError {
            message: format!("unknown field `{name}:`; fields are {FIELD_NAMES}"),
            at,
        })?;
        match value.kind {
            Kind::Word(text) => Ok(Node::Text {
                field,
                text,
                phrase: false,
            }),
            Kind::Phrase(text) => Ok(Node::Text {
                field,
                text,
                phrase: true,
            }),
            Kind::Open => {
                // `title:(a OR b)`: the field applies to every word inside.
                self.next -= 1;
                let inner = self.primary()?;
                Ok(with_field(inner, field))
            }
            _ => Err(QueryError {
                message: format!("`{name}:` needs a word or a \"phrase\""),
                at: value.at,
            }),
        }
    }

    fn error_here(&self, message: &str) -> QueryError {
        QueryError {
            message: message.into(),
            at: self.peek().map_or(self.end, |t| t.at),
        }
    }
}

/// `node` with every bare word and phrase looked for in `field`.
fn with_field(node: Node, field: Field) -> Node {
    match node {
        Node::And(parts) => Node::And(parts.into_iter().map(|n| with_field(n, field)).collect()),
        Node::Or(parts) => Node::Or(parts.into_iter().map(|n| with_field(n, field)).collect()),
        Node::Not(inner) => Node::Not(Box::new(with_field(*inner, field))),
        Node::Text {
            field: Field::Any,
            text,
            phrase,
        } => Node::Text {
            field,
            text,
            phrase,
        },
        other => other,
    }
}

/// One end of a date range: `*` (open), a day (its start, or its end when `upper`), or an RFC
/// 3339 moment.
fn bound(text: &str, at: usize, upper: bool) -> Result<Option<DateTime<Utc>>, QueryError> {
    if text == "*" {
        return Ok(None);
    }
    if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(moment.with_timezone(&Utc)));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| QueryError {
        message: format!("`{text}` is not a date: write 2025-11-04, or * for an open end"),
        at,
    })?;
    let day = if upper {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    let moment = day.and_time(Default::default()).and_utc();
    Ok(Some(if upper {
        moment - chrono::TimeDelta::seconds(1)
    } else {
        moment
    }))
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
