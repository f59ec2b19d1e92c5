//! The query language: what users type and what it means; mistakes and where they are.

use super::*;

fn word(field: Field, text: &str) -> Node {
    Node::Text {
        field,
        text: text.into(),
        phrase: false,
    }
}

fn any(text: &str) -> Node {
    word(Field::Any, text)
}

fn phrase(field: Field, text: &str) -> Node {
    Node::Text {
        field,
        text: text.into(),
        phrase: true,
    }
}

fn day(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn words_phrases_and_operators() {
    assert_eq!(parse("karabakh").unwrap(), any("karabakh"));
    assert_eq!(
        parse("karabakh talks").unwrap(),
        Node::And(vec![any("karabakh"), any("talks")])
    );
    assert_eq!(
        parse("\"peace talks\" geneva").unwrap(),
        Node::And(vec![phrase(Field::Any, "peace talks"), any("geneva")])
    );
    assert_eq!(
        parse("armenia OR azerbaijan talks").unwrap(),
        Node::Or(vec![
            any("armenia"),
            Node::And(vec![any("azerbaijan"), any("talks")])
        ])
    );
    assert_eq!(
        parse("(armenia OR azerbaijan) AND talks -football NOT cup").unwrap(),
        Node::And(vec![
            Node::Or(vec![any("armenia"), any("azerbaijan")]),
            any("talks"),
            Node::Not(Box::new(any("football"))),
            Node::Not(Box::new(any("cup"))),
        ])
    );
    assert_eq!(
        parse("+geneva").unwrap(),
        any("geneva"),
        "`+` is the default: must match"
    );
    // Typographic quotes, as phones type them.
    assert_eq!(
        parse("“peace talks”").unwrap(),
        phrase(Field::Any, "peace talks")
    );
}

#[test]
fn signs_inside_words_are_part_of_them() {
    assert_eq!(parse("covid-19").unwrap(), any("covid-19"));
    assert_eq!(parse("c++").unwrap(), any("c++"));
    assert_eq!(parse("12:30").unwrap(), any("12:30"));
    assert_eq!(
        parse("https://news.example/a").unwrap(),
        any("https://news.example/a")
    );
}

#[test]
fn fields() {
    assert_eq!(parse("title:talks").unwrap(), word(Field::Title, "talks"));
    assert_eq!(
        parse("source:\"France 24\" lang:fr").unwrap(),
        Node::And(vec![
            phrase(Field::Source, "France 24"),
            word(Field::Lang, "fr")
        ])
    );
    assert_eq!(
        parse("title:(armenia OR azerbaijan)").unwrap(),
        Node::Or(vec![
            word(Field::Title, "armenia"),
            word(Field::Title, "azerbaijan")
        ])
    );
    assert_eq!(
        parse("-author:smith").unwrap(),
        Node::Not(Box::new(word(Field::Author, "smith")))
    );
    assert_eq!(
        parse("url:https://news.example/a?b=c").unwrap(),
        word(Field::Url, "https://news.example/a?b=c")
    );
    assert_eq!(parse("TAG:world").unwrap(), word(Field::Tag, "world"));
}

#[test]
fn date_ranges() {
    assert_eq!(
        parse("published:[2025-11-01 TO 2025-11-30]").unwrap(),
        Node::Published {
            from: Some(day("2025-11-01T00:00:00Z")),
            to: Some(day("2025-11-30T23:59:59Z")),
        }
    );
    assert_eq!(
        parse("published:[2025-11-01T12:00:00+01:00 TO *]").unwrap(),
        Node::Published {
            from: Some(day("2025-11-01T11:00:00Z")),
            to: None,
        }
    );
    assert_eq!(
        parse("date:2025-11-04").unwrap(),
        Node::Published {
            from: Some(day("2025-11-04T00:00:00Z")),
            to: Some(day("2025-11-04T23:59:59Z")),
        }
    );
}

/// The error for `input`, as `(message, 1-based character position)`.
fn error(input: &str) -> (String, usize) {
    let error = parse(input).expect_err(input);
    (error.message, error.at + 1)
}

#[test]
fn mistakes_say_what_and_where() {
    let cases: &[(&str, &str, usize)] = &[
        ("", "empty", 1),
        ("   ", "empty", 1),
        ("peace \"talks", "phrase is not closed", 7),
        ("(armenia OR azerbaijan", "`(` is not closed", 1),
        ("armenia)", "without a matching `(`", 8),
        ("armenia OR", "ends where a word was expected", 11),
        ("AND talks", "`AND` needs a word on each side", 1),
        ("nosuchfield:word", "unknown field `nosuchfield:`", 1),
        ("title: talks", "needs a value right after", 1),
        (
            "published:[2025-11-01 2025-11-30]",
            "date range is `[FROM TO TO]`",
            11,
        ),
        (
            "published:[2025-13-01 TO *]",
            "`2025-13-01` is not a date",
            11,
        ),
        ("published:[2025-11-01 TO *", "not closed", 11),
        ("[2025-11-01 TO *]", "needs a field", 1),
        ("talks -", "sign needs a word", 7),
        ("talks - geneva", "sign needs a word", 7),
    ];
    for &(input, expected, at) in cases {
        let (message, position) = error(input);
        assert!(
            message.contains(expected),
            "{input:?}: {message:?} should say {expected:?}"
        );
        assert_eq!(position, at, "{input:?}: {message}");
    }
}

#[test]
fn size_caps() {
    let long = "word ".repeat(MAX_QUERY_LEN);
    assert!(error(&long).0.contains("longer than"));
    let many = "w ".repeat(MAX_CLAUSES + 1);
    assert!(error(&many).0.contains("more than"));
    let deep = format!("{}x{}", "(".repeat(40), ")".repeat(40));
    assert!(error(&deep).0.contains("nests too deeply"));
    assert_eq!(
        parse("-(-x)").unwrap(),
        Node::Not(Box::new(Node::Not(Box::new(any("x")))))
    );
}
