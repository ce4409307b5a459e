//! `oom-lint fix`: minimal, atomic edits that make `check --metrics` pass.

mod common;

use common::{oom_lint, testdata};

fn workdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "oom-lint-fix-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    for (from, to) in [
        ("manifests/fix/shop.yaml", "shop.yaml"),
        ("manifests/fix/helm-rendered.yaml", "helm-rendered.yaml"),
        ("metrics/shop-usage.csv", "usage.csv"),
    ] {
        std::fs::copy(testdata(from), dir.join(to)).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

#[test]
fn fix_writes_only_the_memory_scalars_and_check_passes_afterwards() {
    let dir = workdir();
    let before = std::fs::read_to_string(dir.join("shop.yaml")).unwrap_or_default();
    let run = oom_lint(&["fix", "shop.yaml", "--metrics", "usage.csv"], &dir, None);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2 containers fixed in 1 file\n"), "{}", run.stdout);
    let after = std::fs::read_to_string(dir.join("shop.yaml")).unwrap_or_default();
    insta::assert_snapshot!(
        similar::TextDiff::from_lines(&before, &after).unified_diff().to_string()
    );
    // Comments and untouched lines survive byte for byte.
    assert!(after.contains("  name: web            # the storefront\n"));
    assert!(after.contains("-XX:+UseG1GC\"   # tuned in 2024\n"));
    // No temp file is left behind.
    let leftovers = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                .count()
        })
        .unwrap_or(usize::MAX);
    assert_eq!(leftovers, 0);

    let check =
        oom_lint(&["check", "--format", "json", "--metrics", "usage.csv", "shop.yaml"], &dir, None);
    let report = check.json();
    assert_eq!(report["findings"], serde_json::json!([]), "{}", check.stdout);
    assert_eq!(check.code, Some(0));
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let dir = workdir();
    let before = std::fs::read_to_string(dir.join("shop.yaml")).unwrap_or_default();
    let run = oom_lint(&["fix", "--dry-run", "shop.yaml", "--metrics", "usage.csv"], &dir, None);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.contains("--- a/shop.yaml") && run.stdout.contains("+++ b/shop.yaml"));
    assert!(
        run.stdout.contains("+              value: \"-Xms512m -Xmx864m -XX:+UseG1GC\""),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read_to_string(dir.join("shop.yaml")).unwrap_or_default(), before);
}

#[test]
fn helm_output_is_never_rewritten() {
    let dir = workdir();
    let before = std::fs::read_to_string(dir.join("helm-rendered.yaml")).unwrap_or_default();
    let run = oom_lint(&["fix", "helm-rendered.yaml", "--metrics", "usage.csv"], &dir, None);
    assert_eq!(run.code, Some(0));
    assert!(
        run.stdout.contains("not rewritten: it comes from Helm template shop/templates/api.yaml"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("+            limits: {memory: 768Mi}"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(dir.join("helm-rendered.yaml")).unwrap_or_default(), before);
}

/// An absolute path gets `git diff --no-index`'s headers: `a/` + the path without its leading
/// slash, never `a//…`.
#[test]
fn dry_run_headers_of_an_absolute_path() {
    let dir = workdir();
    let shop = dir.join("shop.yaml");
    let usage = dir.join("usage.csv");
    let (shop, usage) = (shop.to_string_lossy(), usage.to_string_lossy());
    let run = oom_lint(&["fix", "--dry-run", &shop, "--metrics", &usage], &dir, None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let relative = shop.trim_start_matches('/');
    assert!(run.stdout.contains(&format!("--- a/{relative}\n")), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("+++ b/{relative}\n")), "{}", run.stdout);
    assert!(!run.stdout.contains("a//") && !run.stdout.contains("b//"), "{}", run.stdout);
}

/// A UTF-16LE manifest (PowerShell's) is fixed and written back in UTF-16LE with its
/// byte-order mark: never silently turned into UTF-8, never refused as "changed".
#[test]
fn fix_writes_a_utf16_file_back_in_utf16() {
    let dir = workdir();
    let text = std::fs::read_to_string(dir.join("shop.yaml")).unwrap_or_default();
    let utf16 = |text: &str| -> Vec<u8> {
        [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect()
    };
    std::fs::write(dir.join("shop.yaml"), utf16(&text)).unwrap_or_else(|e| panic!("{e}"));
    let run = oom_lint(&["fix", "shop.yaml", "--metrics", "usage.csv"], &dir, None);
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("2 containers fixed in 1 file\n"), "{}", run.stdout);
    let bytes = std::fs::read(dir.join("shop.yaml")).unwrap_or_default();
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "the byte-order mark is kept");
    let units: Vec<u16> =
        bytes[2..].chunks_exact(2).map(|p| u16::from_le_bytes([p[0], p[1]])).collect();
    let after = String::from_utf16(&units).unwrap_or_default();
    assert_ne!(after, text, "the fix was written");
    assert!(after.contains("  name: web            # the storefront\n"), "{after}");
    let check =
        oom_lint(&["check", "--format", "json", "--metrics", "usage.csv", "shop.yaml"], &dir, None);
    assert_eq!(check.json()["findings"], serde_json::json!([]), "{}", check.stdout);
}

/// Copies one fix fixture and the usage dump into a fresh work directory.
fn workdir_with(fixture: &str) -> std::path::PathBuf {
    let dir = workdir();
    std::fs::copy(testdata(&format!("manifests/fix/{fixture}")), dir.join(fixture))
        .unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// `-Xmx` inside a block scalar is edited where it is written, as in any other style: only the
/// flag changes (the resources already match the usage), and `check` then has nothing to say.
#[test]
fn fix_edits_the_heap_flag_inside_block_scalars() {
    for fixture in ["block-literal.yaml", "block-folded.yaml", "block-indent-indicator.yaml"] {
        let dir = workdir_with(fixture);
        let before = std::fs::read_to_string(dir.join(fixture)).unwrap_or_default();
        let run = oom_lint(&["fix", fixture, "--metrics", "usage.csv"], &dir, None);
        assert_eq!(run.code, Some(0), "{fixture}: {}\n{}", run.stdout, run.stderr);
        assert!(!run.stdout.contains("skipped"), "{fixture}: {}", run.stdout);
        assert!(run.stdout.contains("1 container fixed in 1 file\n"), "{fixture}: {}", run.stdout);
        let after = std::fs::read_to_string(dir.join(fixture)).unwrap_or_default();
        assert_eq!(after, before.replacen("-Xmx2g", "-Xmx864m", 1), "{fixture}");

        let check =
            oom_lint(&["check", "--format", "json", "--metrics", "usage.csv", fixture], &dir, None);
        assert_eq!(check.json()["findings"], serde_json::json!([]), "{fixture}: {}", check.stdout);
        assert_eq!(check.code, Some(0), "{fixture}");
    }
}

/// A flag that cannot be written back as it was (an escape inside it) is left alone with the
/// true reason, and as `check` still reports the heap above the limit, fix exits 1.
#[test]
fn fix_exits_1_when_the_heap_flag_it_cannot_edit_still_exceeds_the_limit() {
    let fixture = "heap-escaped.yaml";
    let dir = workdir_with(fixture);
    let before = std::fs::read_to_string(dir.join(fixture)).unwrap_or_default();
    let run = oom_lint(&["fix", fixture, "--metrics", "usage.csv"], &dir, None);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "its max heap was not changed: `-Xmx2g` is written with an escape or across lines in \
             its value; set -Xmx864m; until then the heap is at or above the limit of 1152Mi\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read_to_string(dir.join(fixture)).unwrap_or_default(), before);

    let check =
        oom_lint(&["check", "--format", "json", "--metrics", "usage.csv", fixture], &dir, None);
    let rules: Vec<String> = check.json()["findings"]
        .as_array()
        .map(|findings| findings.iter().map(|f| f["rule"].to_string()).collect())
        .unwrap_or_default();
    assert!(rules.contains(&"\"jvm-heap-exceeds-limit\"".to_owned()), "{}", check.stdout);
}
