//! The search query language: any text through the parser `newsd search` and the API use.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let _ = newsd::index::query::parse(input);
});
