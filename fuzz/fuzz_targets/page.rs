//! Page extraction: any bytes through `extract_with`, as the page workers call it. The first
//! byte picks the `Content-Type` the page is served with, so charset handling is reached too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsd::extract::{SiteRules, extract_with};

const CONTENT_TYPES: [Option<&str>; 4] = [
    None,
    Some("text/html; charset=utf-8"),
    Some("text/html; charset=windows-1252"),
    Some("text/html; charset=shift_jis"),
];

fuzz_target!(|bytes: &[u8]| {
    let (content_type, page) = match bytes.split_first() {
        Some((&pick, rest)) if pick < 4 => (CONTENT_TYPES[usize::from(pick)], rest),
        _ => (None, bytes),
    };
    let _ = extract_with(
        page,
        content_type,
        "https://news.example/2025/11/04/article.html",
        &SiteRules::default(),
    );
});
