//! JVM, Node.js, Go and .NET option parsing on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oom_core::runtime::{JvmOptions, node_max_old_space, parse_dotnet_hex, parse_gomemlimit, split_shell_words};

fuzz_target!(|text: &str| {
    let mut jvm = JvmOptions::default();
    jvm.apply_text(text, 0);
    for limit in [0, 1, 1 << 20, 1 << 30, u64::MAX] {
        let _ = jvm.effective_max_heap(limit);
    }
    let words = split_shell_words(text);
    let _ = node_max_old_space(words.iter().map(String::as_str));
    let _ = parse_gomemlimit(text);
    let _ = parse_dotnet_hex(text);
});
