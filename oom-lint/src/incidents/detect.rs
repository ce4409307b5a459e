//! Which kind of input a file is, from its content (never from its name: people paste and
//! rename freely).

/// The kinds of input `diagnose` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `kubectl describe pod` text.
    Describe,
    /// `analyze --events`' CSV of `timestamp,event` rows.
    EventsCsv,
    /// Kubernetes objects in YAML or JSON: `kubectl get … -o json|yaml`, manifests.
    Kubernetes,
    /// A metric dump, as `analyze` reads it.
    Metrics,
    /// A JSON report of oom-lint itself (a saved `diagnose --format json`, or the JSON of
    /// `check`, `analyze` or a fleet scan), named by the command that writes it: output, not
    /// evidence, so it is not read, and the report says so.
    Report(&'static str),
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Describe => "describe",
            Self::EventsCsv => "events-csv",
            Self::Kubernetes => "kubernetes",
            Self::Metrics => "metrics",
            Self::Report(_) => "oom-lint-report",
        }
    }
}

/// How far into a file the markers of Kubernetes objects are looked for.
const SNIFF_BYTES: usize = 64 << 10;

pub fn detect(text: &str) -> InputKind {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Describe text pasted with an indent (a ticket, a Markdown list) is still describe text.
    let text = &*super::describe::dedent(text);
    let mut lines = text.lines().map(str::trim_end).filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("");
    if is_describe(first, text) {
        return InputKind::Describe;
    }
    let header: String = first.chars().filter(|c| !c.is_whitespace()).collect();
    if header.eq_ignore_ascii_case("timestamp,event") {
        return InputKind::EventsCsv;
    }
    let head = head(text, SNIFF_BYTES);
    if let Some(command) = report_of(text, head) {
        return InputKind::Report(command);
    }
    let json_markers = head.trim_start().starts_with(['{', '['])
        && (head.contains("\"kind\"") || head.contains("\"apiVersion\""));
    let yaml_markers = head.lines().any(|line| {
        let line = line.trim_start_matches("- ").trim_start();
        line.starts_with("apiVersion:") || line.starts_with("kind:")
    });
    if json_markers || yaml_markers {
        InputKind::Kubernetes
    } else if first.starts_with("Name:") {
        // Only describe output starts so: one cut short, or of a layout oom-lint does not know,
        // is a describe text whose reader names what is missing, never a metric dump.
        InputKind::Describe
    } else {
        InputKind::Metrics
    }
}

/// The keys only the top level of each oom-lint JSON report has (beside `"version"`), and the
/// command that writes it.
const REPORTS: [(&[&str], &str); 4] = [
    (&["incidents"], "oom-lint diagnose --format json"),
    (&["findings", "summary"], "oom-lint check --format json"),
    (&["series", "inputs"], "oom-lint analyze --format json"),
    (&["fleet", "rows"], "oom-lint analyze --prometheus … --format json"),
];

/// The command whose JSON report `text` is: a top-level object with `version`, the report's
/// arrays, and no Kubernetes `kind`.
fn report_of(text: &str, head: &str) -> Option<&'static str> {
    if !head.trim_start().starts_with('{') || !head.contains("\"version\"") {
        return None;
    }
    let Ok(serde_json::Value::Object(top)) = serde_json::from_str::<serde_json::Value>(text) else {
        return None;
    };
    if !top.contains_key("version") || top.contains_key("kind") || top.contains_key("apiVersion") {
        return None;
    }
    REPORTS
        .iter()
        .find(|(keys, _)| keys.iter().all(|key| top.contains_key(*key)))
        .map(|(_, command)| *command)
}

/// `Name:` first, and a field only describe output has.
fn is_describe(first: &str, text: &str) -> bool {
    first.starts_with("Name:")
        && head(text, SNIFF_BYTES).lines().any(|line| {
            ["Namespace:", "Containers:", "Controlled By:", "Node:", "Status:"]
                .iter()
                .any(|field| line.starts_with(field))
        })
}

fn head(text: &str, bytes: usize) -> &str {
    let mut end = text.len().min(bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(detect("Name:   web-1\nNamespace: x\n"), InputKind::Describe);
        assert_eq!(detect("timestamp,event\n2026-01-01T00:00:00Z,deploy\n"), InputKind::EventsCsv);
        assert_eq!(detect("{\"apiVersion\": \"v1\", \"items\": ["), InputKind::Kubernetes);
        assert_eq!(detect("apiVersion: v1\nkind: List\n"), InputKind::Kubernetes);
        assert_eq!(detect("{\"status\":\"success\",\"data\":{}}"), InputKind::Metrics);
        assert_eq!(detect("timestamp,container,value\n1,a,2\n"), InputKind::Metrics);
        assert_eq!(detect(""), InputKind::Metrics);
        assert_eq!(detect("Name: x\nthis is not describe\n"), InputKind::Describe);
        assert_eq!(detect("Name: x\nkind: Pod\n"), InputKind::Kubernetes);
        assert_eq!(detect("    Name:   web-1\n    Namespace: x\n"), InputKind::Describe);
        assert_eq!(detect("\n\tName:   web-1\n\tStatus: Running\n"), InputKind::Describe);
        assert_eq!(
            detect("{\"version\": 1, \"incidents\": []}"),
            InputKind::Report("oom-lint diagnose --format json")
        );
        assert_eq!(
            detect("{\"version\": 1, \"findings\": [], \"summary\": {}}"),
            InputKind::Report("oom-lint check --format json")
        );
        assert_eq!(detect("{\"version\": 1, \"incidents\": [}"), InputKind::Metrics);
    }
}
