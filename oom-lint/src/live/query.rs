//! What to ask the server: the time window, its step, the windows a long range is split into,
//! and the PromQL of the memory and limit series.

/// Prometheus refuses a `query_range` whose result would exceed this many points per series.
pub const MAX_POINTS: i64 = 11_000;

/// The default window when neither `--since` nor `--start` is given: a week shows a slow leak.
pub const DEFAULT_SINCE: i64 = 7 * 86_400;

/// The smallest default step: cAdvisor is scraped every 15 to 60 seconds, and a minute is
/// plenty for trends while keeping a week in one request.
const MIN_DEFAULT_STEP: i64 = 60;

/// Round steps the default is rounded up to, in seconds.
const ROUND_STEPS: [i64; 12] =
    [60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400];

/// A `[start, end]` range evaluated every `step` seconds (all Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: i64,
    pub end: i64,
    pub step: i64,
}

impl Range {
    /// The points one series has over the range.
    pub fn points(&self) -> i64 {
        (self.end - self.start) / self.step + 1
    }

    /// Consecutive sub-ranges of at most [`MAX_POINTS`] points each, on the same grid, so that
    /// no point is asked twice and none is skipped.
    pub fn windows(&self) -> Vec<Range> {
        let span = self.step * (MAX_POINTS - 1);
        let mut windows = Vec::new();
        let mut start = self.start;
        while start <= self.end {
            let end = (start + span).min(self.end);
            windows.push(Range { start, end, step: self.step });
            start = end + self.step;
        }
        windows
    }
}

/// A Prometheus-style duration: `90s`, `5m`, `1h30m`, `3d`, `2w`, `1y`, or bare seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return if seconds > 0 { Ok(seconds) } else { Err(format!("`{text}` is not positive")) };
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            return Err(format!("`{text}`: milliseconds are below any useful step"));
        } else {
            match c {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                'y' => 365 * 86_400,
                _ => return Err(format!("`{text}` is not a duration such as 90m, 12h or 3d")),
            }
        };
        let value: i64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a duration such as 90m, 12h or 3d"))?;
        number.clear();
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("`{text}` is too long"))?;
        any = true;
    }
    if !number.is_empty() || !any || total <= 0 {
        return Err(format!("`{text}` is not a duration such as 90m, 12h or 3d"));
    }
    Ok(total)
}

/// `start`, `end` and step snapped to multiples of the step: the same request asked twice (or
/// by a query frontend's results cache) lands on the same grid.
pub fn plan(start: i64, end: i64, step: Option<i64>) -> Result<Range, String> {
    if end <= start {
        return Err("the window is empty: its end is not after its start".into());
    }
    let step = step.unwrap_or_else(|| default_step(end - start));
    let start = start.div_euclid(step) * step + if start.rem_euclid(step) == 0 { 0 } else { step };
    let end = end.div_euclid(step) * step;
    if end < start {
        return Err(format!("the window is shorter than one step ({step}s)"));
    }
    Ok(Range { start, end, step })
}

/// The smallest round step that keeps the window within one request, and at least a minute.
pub fn default_step(span: i64) -> i64 {
    let needed = (span + MAX_POINTS - 2) / (MAX_POINTS - 1);
    let needed = needed.max(MIN_DEFAULT_STEP);
    ROUND_STEPS
        .iter()
        .copied()
        .find(|&s| s >= needed)
        .unwrap_or_else(|| (needed + 86_399) / 86_400 * 86_400)
}

/// A value inside a PromQL double-quoted string.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The label matchers of `--selector`, without their braces: `{app="api"}` → `app="api"`.
pub fn selector_matchers(selector: &str) -> Result<String, String> {
    let inner = selector.trim();
    let inner = match inner.strip_prefix('{') {
        Some(rest) => rest
            .strip_suffix('}')
            .ok_or_else(|| format!("--selector `{selector}`: the `{{` is not closed"))?,
        None => inner,
    };
    let inner = inner.trim().trim_end_matches(',').trim();
    if inner.is_empty() {
        return Err(format!("--selector `{selector}` has no label matchers"));
    }
    Ok(inner.to_owned())
}

/// A metric name as PromQL accepts it.
pub fn check_metric_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        Ok(())
    } else {
        Err(format!("--metric `{name}` is not a metric name"))
    }
}

/// What identifies a container across the sources: cAdvisor's and kube-state-metrics' other
/// labels (`instance`, `job`, `id`, `image`, `uid`) differ, so every query keeps only these.
pub const CONTAINER_LABELS: &str = "namespace, pod, container";

/// The matchers shared by all queries: real containers (not the pod sandbox), in the namespaces.
fn container_matchers(namespace: Option<&str>) -> String {
    let mut matchers = vec![r#"container!="""#.to_owned(), r#"container!="POD""#.to_owned()];
    if let Some(namespace) = namespace {
        matchers.push(format!("namespace=~{}", quoted(namespace)));
    }
    matchers.join(", ")
}

/// The memory series' own selector (`metric{matchers}`), as `/api/v1/series` lists it.
pub fn memory_selector(metric: &str, namespace: Option<&str>, selector: Option<&str>) -> String {
    let mut matchers = container_matchers(namespace);
    if let Some(selector) = selector {
        matchers.push_str(", ");
        matchers.push_str(selector);
    }
    format!("{metric}{{{matchers}}}")
}

/// The memory series, one per container and pod (a restart within a pod keeps its series).
pub fn memory_query(metric: &str, namespace: Option<&str>, selector: Option<&str>) -> String {
    format!("max by ({CONTAINER_LABELS}) ({})", memory_selector(metric, namespace, selector))
}

/// The memory limits: kube-state-metrics' first (it knows the spec), then cAdvisor's (0 when
/// there is none, hence `> 0`). `pods` narrows them to a batch's pods (matchers such as
/// `pod=~"a|b"`).
pub fn limit_queries(namespace: Option<&str>, pods: Option<&str>) -> [String; 2] {
    let mut matchers = container_matchers(namespace);
    if let Some(pods) = pods {
        matchers.push_str(", ");
        matchers.push_str(pods);
    }
    [
        format!(
            "max by ({CONTAINER_LABELS}) \
             (kube_pod_container_resource_limits{{resource=\"memory\", {matchers}}})"
        ),
        format!(
            "max by ({CONTAINER_LABELS}) (container_spec_memory_limit_bytes{{{matchers}}} > 0)"
        ),
    ]
}

/// `text` as an RE2 regular expression that matches exactly it.
pub fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `pod=~"a|b|c"`: a matcher for exactly these pods.
pub fn pods_matcher<'p>(pods: impl IntoIterator<Item = &'p str>) -> String {
    let alternatives: Vec<String> = pods.into_iter().map(regex_literal).collect();
    format!("pod=~{}", quoted(&alternatives.join("|")))
}

/// The queries `diagnose --prometheus` finds the OOM-killed containers with, over the
/// `window` (a PromQL duration such as `86400s`) before the evaluation time.
pub fn kill_queries(namespace: Option<&str>, selector: Option<&str>, window: i64) -> KillQueries {
    let mut matchers = container_matchers(namespace);
    if let Some(selector) = selector {
        matchers.push_str(", ");
        matchers.push_str(selector);
    }
    let by = format!("max by ({CONTAINER_LABELS})");
    KillQueries {
        oom_killed: format!(
            "{by} (max_over_time({LAST_TERMINATED}{{reason=\"OOMKilled\", {matchers}}}[{window}s])) > 0"
        ),
        oom_events: format!("{by} (increase({OOM_EVENTS}{{{matchers}}}[{window}s])) > 0"),
        restarts: format!("{by} (increase({RESTARTS}{{{matchers}}}[{window}s]))"),
        restart_count: format!("{by} (last_over_time({RESTARTS}{{{matchers}}}[{window}s]))"),
        killed_at: format!("{by} (max_over_time({LAST_TERMINATED_TIME}{{{matchers}}}[{window}s]))"),
        limits: format!(
            "{by} (max_over_time(kube_pod_container_resource_limits{{resource=\"memory\", \
             {matchers}}}[{window}s]))"
        ),
        owners: format!(
            "max by (namespace, pod, owner_kind, owner_name) \
             (last_over_time(kube_pod_owner{{{}}}[{window}s]))",
            namespace.map(|n| format!("namespace=~{}", quoted(n))).unwrap_or_default()
        ),
        present: [LAST_TERMINATED, RESTARTS, OOM_EVENTS]
            .map(|metric| format!("count(last_over_time({metric}[{window}s]))")),
    }
}

/// kube-state-metrics' reason of the last termination (1 while it is the reason).
pub const LAST_TERMINATED: &str = "kube_pod_container_status_last_terminated_reason";
/// kube-state-metrics' time of the last termination (Unix seconds; kube-state-metrics ≥ 2.10).
pub const LAST_TERMINATED_TIME: &str = "kube_pod_container_status_last_terminated_timestamp";
/// kube-state-metrics' restart counter.
pub const RESTARTS: &str = "kube_pod_container_status_restarts_total";
/// cAdvisor's OOM event counter.
pub const OOM_EVENTS: &str = "container_oom_events_total";

/// See [`kill_queries`].
#[derive(Debug, Clone)]
pub struct KillQueries {
    /// Containers whose last termination was `OOMKilled` during the window.
    pub oom_killed: String,
    /// Containers with OOM events during the window.
    pub oom_events: String,
    /// Restarts during the window.
    pub restarts: String,
    /// The restart count at the end of the window.
    pub restart_count: String,
    /// When the last termination was.
    pub killed_at: String,
    /// The memory limits (kube-state-metrics).
    pub limits: String,
    /// The pods' owners (kube-state-metrics' `kube_pod_owner`).
    pub owners: String,
    /// Whether the server has each of [`LAST_TERMINATED`], [`RESTARTS`], [`OOM_EVENTS`].
    pub present: [String; 3],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(parse_duration("3d"), Ok(259_200));
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        assert_eq!(parse_duration("2w"), Ok(1_209_600));
        for bad in ["", "0", "-5", "3x", "h", "5h3", "1.5h", "100ms"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_step_keeps_one_window_and_rounds_up() {
        assert_eq!(default_step(3 * 86_400), 60);
        assert_eq!(default_step(7 * 86_400), 60); // 10,081 points
        assert_eq!(default_step(30 * 86_400), 300);
        let range = plan(0, 90 * 86_400, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(range.points() <= MAX_POINTS);
        assert_eq!(range.windows().len(), 1);
    }

    #[test]
    fn windows_tile_the_grid_without_overlap() {
        let range = Range { start: 100, end: 100 + 15 * 25_000, step: 15 };
        let windows = range.windows();
        assert_eq!(windows.len(), 3);
        assert_eq!(windows[0].start, range.start);
        assert_eq!(windows[2].end, range.end);
        for pair in windows.windows(2) {
            assert_eq!(pair[1].start, pair[0].end + 15);
        }
        assert!(windows.iter().all(|w| w.points() <= MAX_POINTS));
        assert_eq!(windows.iter().map(Range::points).sum::<i64>(), range.points());
    }

    #[test]
    fn plan_snaps_to_the_step() {
        assert_eq!(plan(61, 245, Some(60)), Ok(Range { start: 120, end: 240, step: 60 }));
        assert!(plan(61, 100, Some(60)).is_err());
        assert!(plan(100, 100, None).is_err());
    }

    #[test]
    fn queries_quote_and_keep_container_labels() {
        assert_eq!(
            memory_query("m", Some(r#"a\.b"c"#), Some(r#"app="api""#)),
            r#"max by (namespace, pod, container) (m{container!="", container!="POD", namespace=~"a\\.b\"c", app="api"})"#
        );
        assert_eq!(pods_matcher(["api-1", "db.0"]), r#"pod=~"api-1|db\\.0""#);
        assert_eq!(
            limit_queries(Some("shop"), Some(r#"pod=~"a""#))[1],
            r#"max by (namespace, pod, container) (container_spec_memory_limit_bytes{container!="", container!="POD", namespace=~"shop", pod=~"a"} > 0)"#
        );
        assert_eq!(selector_matchers(r#" {app="api",} "#), Ok(r#"app="api""#.to_owned()));
        assert!(selector_matchers("{}").is_err());
        assert!(selector_matchers("{a=\"b\"").is_err());
        assert!(check_metric_name("container_memory_rss").is_ok());
        assert!(check_metric_name("rate(x[5m])").is_err());
    }
}
