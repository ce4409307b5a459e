//! The README's two rule tables are generated from the rule registry, so they cannot drift from
//! the code: this test rebuilds them between their marker comments and compares.
//! `UPDATE_DOCS=1 cargo test --test readme_rules` rewrites them (as for `docs/rules.md`).
//!
//! The manifest table lists every rule whose documentation does not start with
//! [`METRICS_ONLY`]; the `--metrics` table lists the others. Both keep the registry's order.

use std::path::Path;

use oom_lint::rules::{REGISTRY, Rule};

/// How the documentation of a rule that needs `check --metrics` begins.
const METRICS_ONLY: &str = "Active only with `oom-lint check --metrics FILE`";

/// Which rules a table lists.
type Keep = fn(&Rule) -> bool;

/// The tables, by the name in their markers (`<!-- rules:NAME:start -->` ... `:end -->`).
const TABLES: &[(&str, Keep)] =
    &[("manifest", |rule| !needs_metrics(rule)), ("metrics", needs_metrics)];

fn needs_metrics(rule: &Rule) -> bool {
    rule.doc.starts_with(METRICS_ONLY)
}

fn table(keep: Keep) -> String {
    let mut out = String::from(
        "<!-- Generated from the rule registry by tests/readme_rules.rs; do not edit. -->\n\n\
         | id | default | what it finds |\n|---|---|---|\n",
    );
    for rule in REGISTRY.iter().copied().filter(|rule| keep(rule)) {
        out.push_str(&format!(
            "| [`{id}`](docs/rules.md#{id}) | {} | {} |\n",
            rule.default_severity.as_str(),
            rule.summary,
            id = rule.id
        ));
    }
    // A blank line ends the table: on GitHub a line right after it would become a row.
    out.push('\n');
    out
}

/// `text` with the part between each table's markers replaced by the generated table.
fn with_tables(text: &str) -> Result<String, String> {
    let mut out = text.to_owned();
    for (name, keep) in TABLES {
        let start = format!("<!-- rules:{name}:start -->\n");
        let end = format!("<!-- rules:{name}:end -->");
        let from = match out.match_indices(&start).map(|(at, _)| at).collect::<Vec<_>>()[..] {
            [at] => at + start.len(),
            _ => return Err(format!("README.md needs exactly one line `{}`", start.trim_end())),
        };
        let to = match out.match_indices(&end).map(|(at, _)| at).collect::<Vec<_>>()[..] {
            [at] if at >= from => at,
            _ => return Err(format!("README.md needs exactly one `{end}`, after `{start}`")),
        };
        out.replace_range(from..to, &table(*keep));
    }
    Ok(out)
}

#[test]
fn readme_rule_tables_are_generated_from_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let actual = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let expected = with_tables(&actual).unwrap_or_else(|e| panic!("{e}"));
    if std::env::var_os("UPDATE_DOCS").is_some() && actual != expected {
        std::fs::write(&path, &expected).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let diff = similar::TextDiff::from_lines(&actual, &expected);
    assert!(
        actual == expected,
        "README.md's rule tables are stale: run `UPDATE_DOCS=1 cargo test --test readme_rules`\n{}",
        diff.unified_diff().header("README.md", "generated")
    );
}

#[test]
fn every_rule_is_in_exactly_one_table_and_both_have_rules() {
    for rule in REGISTRY {
        let tables = TABLES.iter().filter(|(_, keep)| keep(rule)).count();
        assert_eq!(tables, 1, "{} is in {tables} tables", rule.id);
    }
    for (name, keep) in TABLES {
        assert!(REGISTRY.iter().any(|rule| keep(rule)), "no rule in the {name} table");
    }
}

#[test]
fn a_stale_table_is_replaced_and_missing_markers_are_reported() {
    let stale = "intro\n<!-- rules:manifest:start -->\n| old |\n<!-- rules:manifest:end -->\n\
                 middle\n<!-- rules:metrics:start -->\n<!-- rules:metrics:end -->\nend\n";
    let fresh = with_tables(stale).unwrap_or_else(|e| panic!("{e}"));
    assert!(!fresh.contains("| old |"), "{fresh}");
    assert!(fresh.starts_with("intro\n") && fresh.ends_with("end\n"), "{fresh}");
    assert!(fresh.contains("[`memory-limit-missing`](docs/rules.md#memory-limit-missing)"));
    assert_eq!(with_tables(&fresh), Ok(fresh.clone()), "a second pass changes nothing");
    let Err(message) = with_tables("no markers\n") else { panic!("missing markers accepted") };
    assert!(message.contains("rules:manifest:start"), "{message}");
}
