//! Quantity parsing, formatting round trip and sizing on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oom_core::quantity::{Quantity, format_bytes};

fuzz_target!(|text: &str| {
    if let Ok(quantity) = Quantity::parse(text)
        && let Some(bytes) = quantity.bytes()
    {
        let formatted = format_bytes(bytes);
        assert_eq!(Quantity::parse(&formatted).ok().and_then(|q| q.bytes()), Some(bytes), "{text} -> {formatted}");
        let _ = oom_core::sizing::recommend(bytes as f64, bytes as f64 / 2.0, &Default::default());
    }
});
