//! Feed decoding and parsing: any bytes through `parse_feed`, the function `newsd inspect feed`
//! and the pollers use (charset detection, root normalisation, repair, feed-rs, JSON Feed).
//!
//! `parse_feed` turns a panic inside it into an error, but libFuzzer's panic hook aborts before
//! that catch: a panic anywhere in the parser is reported as a crash here, as it should be.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = newsd::fetch::parse_feed(bytes, "https://news.example/feed.xml");
});
