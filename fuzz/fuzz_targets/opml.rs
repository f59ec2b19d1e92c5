//! OPML import: any bytes through the lenient reader `newsd feeds import` uses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = newsd::config::parse_opml(bytes);
});
