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
    /// A JSON report of `oom-lint diagnose` itself (`"version"` and `"incidents"`), saved into
    /// the incident's folder: output, not evidence, so it is not read.
    Report,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Describe => "describe",
            Self::EventsCsv => "events-csv",
            Self::Kubernetes => "kubernetes",
            Self::Metrics => "metrics",
            Self::Report => "oom-lint-report",
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
    if is_report(text, head) {
        return InputKind::Report;
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

/// A JSON object whose top level is a diagnose report's: `version` and `incidents`, and no
/// Kubernetes `kind`.
fn is_report(text: &str, head: &str) -> bool {
    if !head.trim_start().starts_with('{') || !head.contains("\"incidents\"") {
        return false;
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(top)) => {
            top.contains_key("version")
                && top.get("incidents").is_some_and(serde_json::Value::is_array)
                && !top.contains_key("kind")
                && !top.contains_key("apiVersion")
        }
        _ => false,
    }
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
        assert_eq!(detect("{\"version\": 1, \"incidents\": []}"), InputKind::Report);
        assert_eq!(detect("{\"version\": 1, \"incidents\": [}"), InputKind::Metrics);
    }
}
