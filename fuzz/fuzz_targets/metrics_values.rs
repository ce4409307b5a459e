//! Memory values (units, separators, gaps) and timestamps, one cell at a time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oom_core::metrics::{parse_bytes, parse_time};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(Some(bytes)) = parse_bytes(&text) {
        assert!(bytes.is_finite() && bytes >= 0.0, "{text:?} gave {bytes}");
    }
    if let Ok(time) = parse_time(&text) {
        assert!(time.is_finite(), "{text:?} gave {time}");
    }
});
