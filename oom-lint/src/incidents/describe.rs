//! `kubectl describe pod` text, as people paste it into tickets → pod states and the Events
//! table. Read by indentation and field names, so the layouts of kubectl versions (column
//! widths, `Age` or `Last Seen`/`FirstSeen` columns, `Created container: x`) all read the same.
//! A text whose layout is not recognised is an input error at the line where it stops making
//! sense; nothing is guessed.

use super::{
    ClusterEvent, ContainerState, Eviction, InputError, Kill, Memory, Origin, PodState, Qos, Role,
    Workload, app_index, evicted_usage, quantity_bytes, rfc3339,
};
use crate::engine::source::Position;

/// What one pod's description gave.
#[derive(Debug)]
pub struct Described {
    pub pod: PodState,
    pub events: Vec<ClusterEvent>,
    /// The pod's spec as far as the text shows it (image, command, args, env, memory), as a
    /// YAML Pod for the engine's runtime model: what `kubectl get pod -o yaml` would give.
    pub spec: Spec,
}

/// A pod spec written back from describe text, with the describe line of every YAML line.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Spec {
    pub yaml: String,
    /// The 1-based describe lines (first, last) each YAML line was written from (index = YAML
    /// line - 1): a multi-line value or script spans several.
    pub lines: Vec<(u32, u32)>,
}

impl Spec {
    /// The describe line a line of [`Spec::yaml`] was written from: of its lines, the first
    /// that holds `fact` (a flag of a multi-line script), else its first.
    pub fn describe_line(&self, yaml_line: u32, describe: &str, fact: &str) -> Option<u32> {
        let (first, last) = *self.lines.get(usize::try_from(yaml_line).ok()?.checked_sub(1)?)?;
        if fact.is_empty() || first == last {
            return Some(first);
        }
        let skip = usize::try_from(first).ok()?.saturating_sub(1);
        let span = usize::try_from(last.saturating_sub(first)).ok()?.saturating_add(1);
        let found = describe.lines().skip(skip).take(span).position(|l| l.contains(fact));
        Some(found.and_then(|i| u32::try_from(i).ok()).map_or(first, |i| first + i))
    }

    fn push(&mut self, at: usize, line: String) {
        self.push_span((at, at), line);
    }

    fn push_span(&mut self, (first, last): (usize, usize), line: String) {
        let line_of = |i: usize| u32::try_from(i + 1).unwrap_or(u32::MAX);
        self.yaml.push_str(&line);
        self.yaml.push('\n');
        self.lines.push((line_of(first), line_of(last.max(first))));
    }
}

/// What a container's description shows of its spec, with the line of each value.
#[derive(Debug, Default)]
struct ContainerSpec {
    name: (String, usize),
    image: Option<(String, usize)>,
    command: Vec<(String, usize)>,
    args: Vec<(String, usize)>,
    /// Name, value (`None`: set from a Secret, a ConfigMap key or a field: unknown), first
    /// and last line.
    env: Vec<(String, Option<String>, (usize, usize))>,
    /// `Environment Variables from:` sources: none of them is held, any variable may be set.
    env_from: Vec<usize>,
    limit: Option<(String, usize)>,
    request: Option<(String, usize)>,
}

/// Every pod described in `text` (`kubectl describe pods` prints several, each from `Name:`).
/// A text indented as a whole (pasted into a ticket or a Markdown list) is read as if it were
/// not: see [`dedent`].
pub fn read_describe(file: &str, text: &str, errors: &mut Vec<InputError>) -> Vec<Described> {
    let text = dedent(text);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let starts: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].starts_with("Name:")).collect();
    let mut out = Vec::new();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        match read_one(file, &lines, start, end) {
            Ok(described) => out.push(described),
            Err((line, message)) => errors.push(InputError {
                file: file.to_owned(),
                position: Some(Position::new(line + 1, 1)),
                message,
            }),
        }
    }
    if starts.is_empty() {
        errors.push(InputError {
            file: file.to_owned(),
            position: Some(Position::new(1, 1)),
            message: "not a `kubectl describe pod` text: no `Name:` line".into(),
        });
    }
    out
}

type Failure = (usize, String);

/// `text` without the indentation of its first `Name:` line, taken off every line that has
/// it: describe text pasted from a ticket, a chat or a Markdown list (`    Name:  web-1`) reads
/// as kubectl printed it. Lines stay where they were, so every line number still points at
/// the file; a line indented less (a signature under the paste) keeps what it has.
pub fn dedent(text: &str) -> std::borrow::Cow<'_, str> {
    let first = text.trim_start_matches('\u{feff}').lines().find(|l| !l.trim().is_empty());
    let Some(first) = first else { return text.into() };
    let body = first.trim_start();
    let indent = &first[..first.len() - body.len()];
    if indent.is_empty() || !body.starts_with("Name:") {
        return text.into();
    }
    text.split_inclusive('\n').map(|line| line.strip_prefix(indent).unwrap_or(line)).collect()
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// `Key:   value` → (`Key`, `value`); `None` for a line that is no field.
fn field(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.trim().split_once(':')?;
    (!key.is_empty() && !key.contains("  ")).then(|| (key.trim(), value.trim()))
}

fn read_one(file: &str, lines: &[&str], start: usize, end: usize) -> Result<Described, Failure> {
    let origin = |i: usize| Origin::new(file, u32::try_from(i + 1).ok());
    let mut top: Vec<(&str, &str, usize)> = Vec::new();
    let mut sections: Vec<(&str, usize, usize)> = Vec::new(); // (name, first line, end)
    let mut i = start;
    while i < end {
        let line = lines[i];
        if indent(line) == 0
            && !line.trim().is_empty()
            && let Some((key, value)) = field(line)
        {
            if value.is_empty() || key == "Events" {
                let mut j = i + 1;
                while j < end && (lines[j].trim().is_empty() || indent(lines[j]) > 0) {
                    j += 1;
                }
                sections.push((key, i, j));
                if !value.is_empty() {
                    top.push((key, value, i));
                }
                i = j;
                continue;
            }
            top.push((key, value, i));
        }
        i += 1;
    }
    let get = |key: &str| top.iter().find(|(k, _, _)| *k == key).map(|(_, v, i)| (*v, *i));
    let name = get("Name").map(|(v, _)| v.to_owned()).unwrap_or_default();
    if name.is_empty() {
        return Err((start, "describe text: `Name:` without a pod name".into()));
    }
    let Some(&(_, containers_at, containers_end)) =
        sections.iter().find(|(k, _, _)| *k == "Containers")
    else {
        return Err((
            start,
            format!(
                "expected a `kubectl describe pod` text (it starts with `Name:`), but the one \
                 of `{name}` has no `Containers:` section: cut short, or a kubectl layout \
                 oom-lint does not know"
            ),
        ));
    };
    let (mut containers, mut specs) =
        read_containers(file, lines, containers_at, containers_end, false)?;
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let app = app_index(&names, None);
    for (index, container) in containers.iter_mut().enumerate() {
        container.role = if index == app { Role::App } else { Role::Sidecar };
    }
    let regular = specs.len();
    if let Some(&(_, at, section_end)) = sections.iter().find(|(k, _, _)| *k == "Init Containers") {
        let (init, init_specs) = read_containers(file, lines, at, section_end, true)?;
        containers.extend(init);
        specs.extend(init_specs);
    }
    let namespace = get("Namespace").map(|(v, _)| v.to_owned());
    let spec = synthesize(
        start,
        (&name, start),
        get("Namespace"),
        (containers_at, &specs[..regular]),
        sections
            .iter()
            .find(|(k, _, _)| *k == "Init Containers")
            .map(|&(_, at, _)| (at, &specs[regular..])),
    );
    let events = match sections.iter().find(|(k, _, _)| *k == "Events") {
        Some(&(_, at, section_end)) => {
            read_events(file, lines, at, section_end, namespace.as_deref(), &name)?
        }
        None => Vec::new(),
    };
    let owner = get("Controlled By").and_then(|(v, _)| {
        let (kind, name) = v.split_once('/')?;
        Some(Workload { kind: kind.to_owned(), name: name.to_owned() })
    });
    let eviction = get("Reason").filter(|(v, _)| *v == "Evicted").map(|(_, at)| {
        let message = get("Message").map(|(v, _)| v.to_owned()).unwrap_or_default();
        Eviction { usage: evicted_usage(&message), message, time: None, origin: origin(at) }
    });
    Ok(Described {
        pod: PodState {
            namespace,
            name,
            owner,
            qos: get("QoS Class").map(|(v, at)| Qos { class: v.to_owned(), origin: origin(at) }),
            node: get("Node")
                .map(|(v, _)| v.split('/').next().unwrap_or(v).to_owned())
                .filter(|n| !n.is_empty() && n != "<none>"),
            eviction,
            pod_limit: None,
            containers,
            origin: origin(start),
        },
        events,
        spec,
    })
}

/// `value` as a YAML double-quoted scalar (a JSON string is one).
fn quoted(value: &str) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "\"\"".into())
}

/// The YAML Pod of what the description shows, each line mapped to the describe line it
/// comes from.
fn synthesize(
    start: usize,
    name: (&str, usize),
    namespace: Option<(&str, usize)>,
    containers: (usize, &[ContainerSpec]),
    init: Option<(usize, &[ContainerSpec])>,
) -> Spec {
    let mut spec = Spec::default();
    spec.push(start, "apiVersion: v1".into());
    spec.push(start, "kind: Pod".into());
    spec.push(start, "metadata:".into());
    spec.push(name.1, format!("  name: {}", quoted(name.0)));
    if let Some((namespace, at)) = namespace.filter(|(n, _)| !n.is_empty() && *n != "<none>") {
        spec.push(at, format!("  namespace: {}", quoted(namespace)));
    }
    spec.push(start, "spec:".into());
    for (key, (at, list)) in
        [("containers", containers)].into_iter().chain(init.map(|i| ("initContainers", i)))
    {
        if list.is_empty() {
            continue;
        }
        spec.push(at, format!("  {key}:"));
        for container in list {
            write_container(&mut spec, container);
        }
    }
    spec
}

fn write_container(spec: &mut Spec, container: &ContainerSpec) {
    let (name, at) = &container.name;
    spec.push(*at, format!("  - name: {}", quoted(name)));
    if let Some((image, at)) = &container.image {
        spec.push(*at, format!("    image: {}", quoted(image)));
    }
    let (command, args) = shell_scripts_whole(&container.command, &container.args);
    for (key, items) in [("command", command), ("args", args)] {
        if let Some((_, (at, _))) = items.first() {
            spec.push(*at, format!("    {key}:"));
        }
        for (item, span) in items {
            spec.push_span(span, format!("    - {}", quoted(&item)));
        }
    }
    if let Some((_, _, (at, _))) = container.env.first() {
        spec.push(*at, "    env:".into());
    }
    for (name, value, span) in &container.env {
        let at = &span.0;
        spec.push(*at, format!("    - name: {}", quoted(name)));
        match value {
            Some(value) => spec.push_span(*span, format!("      value: {}", quoted(value))),
            None => {
                // Unknown to the text: a Secret's key is what the engine never reads.
                spec.push(*at, "      valueFrom:".into());
                spec.push(*at, "        secretKeyRef:".into());
                spec.push(*at, "          name: \"unknown-to-describe\"".into());
                spec.push(*at, format!("          key: {}", quoted(name)));
            }
        }
    }
    if let Some(at) = container.env_from.first() {
        spec.push(*at, "    envFrom:".into());
        spec.push(*at, "    - secretRef:".into());
        spec.push(*at, "        name: \"unknown-to-describe\"".into());
    }
    if container.limit.is_some() || container.request.is_some() {
        let at = container.limit.as_ref().or(container.request.as_ref()).map_or(0, |(_, at)| *at);
        spec.push(at, "    resources:".into());
        for (key, value) in [("limits", &container.limit), ("requests", &container.request)] {
            if let Some((value, at)) = value {
                spec.push(*at, format!("      {key}:"));
                spec.push(*at, format!("        memory: {}", quoted(value)));
            }
        }
    }
}

/// Describe prints each line of a multi-line command or argument as its own line: after a
/// shell's `-c`, the script is every line that follows, as one argument again.
type Items = Vec<(String, (usize, usize))>;

fn shell_scripts_whole(command: &[(String, usize)], args: &[(String, usize)]) -> (Items, Items) {
    let spans = |items: &[(String, usize)]| -> Items {
        items.iter().map(|(item, at)| (item.clone(), (*at, *at))).collect()
    };
    let all: Vec<&(String, usize)> = command.iter().chain(args).collect();
    let is_shell = |word: &str| {
        let base = word.rsplit('/').next().unwrap_or(word);
        matches!(base, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh")
    };
    let flag = (1..all.len()).find(|&i| {
        let word = all[i].0.as_str();
        is_shell(&all[i - 1].0)
            && word.starts_with('-')
            && !word.starts_with("--")
            && word.ends_with('c')
    });
    let Some(flag) = flag.filter(|&f| f + 2 < all.len()) else {
        return (spans(command), spans(args));
    };
    let script_at = (all[flag + 1].1, all[all.len() - 1].1);
    let script =
        all[flag + 1..].iter().map(|(line, _)| line.as_str()).collect::<Vec<_>>().join("\n");
    let mut command = spans(command);
    let mut args = spans(args);
    if flag + 1 < command.len() {
        command.truncate(flag + 1);
        command.push((script, script_at));
        args.clear();
    } else {
        let keep = flag + 1 - command.len();
        args.truncate(keep);
        args.push((script, script_at));
    }
    (command, args)
}

/// An `Environment:` value as describe prints it: `None` when the text does not hold it
/// (`<set to the key 'k' in secret 's'>`, `<set to the key 'k' of config map 'c'>`, a field or
/// resource reference `10.0.0.1 (v1:status.podIP)`, `(limits.memory)`).
fn env_value(value: &str) -> Option<String> {
    let value = value.trim();
    if value.starts_with("<set to the key ") || value.starts_with("<set to ") {
        return None;
    }
    if let Some(open) =
        value.rfind(" (").map(|i| i + 1).or_else(|| value.starts_with('(').then_some(0))
        && value.ends_with(')')
    {
        let inner = &value[open + 1..value.len() - 1];
        let field_ref = inner.split_once(':').is_some_and(|(version, path)| {
            !version.is_empty()
                && version.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '/')
                && !path.is_empty()
                && !path.contains(' ')
        });
        let resource_ref =
            ["limits.", "requests."].iter().any(|p| inner.starts_with(p)) && !inner.contains(' ');
        if field_ref || resource_ref {
            return None;
        }
    }
    Some(value.to_owned())
}

/// `NAME:  value` of an `Environment:` block (the name ends at the first colon the padding
/// follows).
fn env_entry(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    if let Some(name) = line.strip_suffix(':') {
        return (!name.is_empty() && !name.contains(char::is_whitespace)).then_some((name, ""));
    }
    let at = line
        .match_indices(':')
        .map(|(i, _)| i)
        .find(|&i| line[i + 1..].starts_with([' ', '\t']))?;
    let name = &line[..at];
    (!name.is_empty() && !name.contains(char::is_whitespace)).then(|| (name, line[at + 1..].trim()))
}

fn read_containers(
    file: &str,
    lines: &[&str],
    at: usize,
    end: usize,
    init: bool,
) -> Result<(Vec<ContainerState>, Vec<ContainerSpec>), Failure> {
    let origin = |i: usize| Origin::new(file, u32::try_from(i + 1).ok());
    let body: Vec<usize> = (at + 1..end).filter(|&i| !lines[i].trim().is_empty()).collect();
    let Some(name_indent) = body.first().map(|&i| indent(lines[i])) else {
        return Err((at, "a `Containers:` section without containers".into()));
    };
    let mut out: Vec<ContainerState> = Vec::new();
    let mut specs: Vec<ContainerSpec> = Vec::new();
    let mut field_indent = usize::MAX;
    // The field the deeper lines belong to (`Last State`, `Limits`, ...).
    let mut current = String::new();
    // The indentation of the entries of an `Environment:` block (deeper: a value's next line).
    let mut entry_indent = usize::MAX;
    for &i in &body {
        let line = lines[i];
        let depth = indent(line);
        if depth < name_indent {
            return Err((i, "unexpected indentation in the `Containers:` section".into()));
        }
        if depth == name_indent {
            let Some((name, "")) = field(line) else {
                return Err((
                    i,
                    format!("expected a container name (`  name:`), found `{}`", line.trim()),
                ));
            };
            out.push(ContainerState {
                name: name.to_owned(),
                role: if init { Role::Init } else { Role::App },
                kills: Vec::new(),
                restart_count: None,
                restart_origin: None,
                waiting_reason: None,
                limit: None,
                request: None,
                image: None,
                resources_origin: None,
                origin: origin(i),
            });
            specs.push(ContainerSpec { name: (name.to_owned(), i), ..ContainerSpec::default() });
            field_indent = usize::MAX;
            current.clear();
            continue;
        }
        let (Some(container), Some(spec)) = (out.last_mut(), specs.last_mut()) else { continue };
        if field_indent == usize::MAX {
            field_indent = depth;
        }
        // Lines of a block that are no `key: value` fields.
        if depth > field_indent {
            let raw = line.trim();
            match current.as_str() {
                "Command" => {
                    spec.command.push((raw.to_owned(), i));
                    continue;
                }
                "Args" => {
                    spec.args.push((raw.to_owned(), i));
                    continue;
                }
                "Environment Variables from" => {
                    spec.env_from.push(i);
                    continue;
                }
                "Environment" => {
                    if entry_indent == usize::MAX {
                        entry_indent = depth;
                    }
                    if depth > entry_indent {
                        // The next line of a multi-line value.
                        if let Some((_, value, (_, last))) = spec.env.last_mut() {
                            if let Some(value) = value {
                                value.push('\n');
                                value.push_str(raw);
                            }
                            *last = i;
                        }
                    } else if let Some((name, value)) = env_entry(raw) {
                        spec.env.push((name.to_owned(), env_value(value), (i, i)));
                    }
                    continue;
                }
                _ => {}
            }
        }
        let Some((key, value)) = field(line) else { continue };
        if depth <= field_indent {
            current = key.to_owned();
            match key {
                "State" | "Last State" => {
                    if !matches!(value, "Waiting" | "Running" | "Terminated" | "") {
                        return Err((
                            i,
                            format!(
                                "`{key}: {value}`: a container state kubectl does not print (expected Waiting, Running or Terminated)"
                            ),
                        ));
                    }
                    if value == "Terminated" {
                        container.kills.push(Kill {
                            started: None,
                            finished: None,
                            reason: String::new(),
                            exit_code: None,
                            origin: origin(i),
                        });
                        current = format!("{key}/Terminated");
                    }
                }
                "Restart Count" => {
                    container.restart_count =
                        Some(value.parse().map_err(|_| {
                            (i, format!("`Restart Count: {value}` is not a number"))
                        })?);
                    container.restart_origin = Some(origin(i));
                }
                "Image" => {
                    container.image = Some(value.to_owned()).filter(|v| !v.is_empty());
                    spec.image = container.image.clone().map(|image| (image, i));
                }
                "Environment" => {
                    entry_indent = usize::MAX;
                    // `Environment:  <none>`, or one variable on the same line (never printed
                    // so by kubectl, but read as such).
                    if !value.is_empty()
                        && value != "<none>"
                        && let Some((name, value)) = env_entry(value)
                    {
                        spec.env.push((name.to_owned(), env_value(value), (i, i)));
                    }
                }
                _ => {}
            }
            continue;
        }
        // A line under the current field.
        match current.as_str() {
            "State/Terminated" | "Last State/Terminated" => {
                let Some(kill) = container.kills.last_mut() else { continue };
                match key {
                    "Reason" => {
                        kill.reason = value.to_owned();
                        kill.origin = origin(i);
                    }
                    "Exit Code" => kill.exit_code = value.parse().ok(),
                    "Started" => kill.started = describe_time(value),
                    "Finished" => kill.finished = describe_time(value),
                    _ => {}
                }
            }
            "State" if key == "Reason" => container.waiting_reason = Some(value.to_owned()),
            "Limits" | "Requests" if key == "memory" => {
                let memory = quantity_bytes(value).map(|bytes| Memory {
                    bytes,
                    text: value.to_owned(),
                    origin: origin(i),
                });
                let written = memory.as_ref().map(|m| (m.text.clone(), i));
                if current == "Limits" {
                    container.limit = memory;
                    spec.limit = written;
                } else {
                    container.request = memory;
                    spec.request = written;
                }
            }
            _ => {}
        }
    }
    // A terminated state that is the running one of a crash loop is the same kill as `Last
    // State`'s only when both say the same; a kill with neither reason nor code is no kill.
    for container in &mut out {
        container.kills.retain(|k| !k.reason.is_empty() || k.exit_code.is_some());
    }
    Ok((out, specs))
}

/// The Events table, by its header's columns: `Type Reason Age From Message` (kubectl 1.14+),
/// `Last Seen`, or the old `FirstSeen LastSeen Count From SubObjectPath Type Reason Message`.
fn read_events(
    file: &str,
    lines: &[&str],
    at: usize,
    end: usize,
    namespace: Option<&str>,
    pod: &str,
) -> Result<Vec<ClusterEvent>, Failure> {
    let header_at = (at..end).find(|&i| {
        let line = lines[i].trim();
        !line.is_empty() && !line.starts_with("Events:")
    });
    let inline = lines[at].trim().strip_prefix("Events:").map(str::trim).unwrap_or("");
    let Some(header_at) = header_at else {
        return if inline.is_empty() || inline == "<none>" {
            Ok(Vec::new())
        } else {
            Err((at, format!("`Events: {inline}`: an Events table kubectl does not print")))
        };
    };
    let header = lines[header_at];
    let column = |names: &[&str]| names.iter().find_map(|n| find_word(header, n));
    let (Some(reason), Some(message)) = (column(&["Reason"]), column(&["Message"])) else {
        return Err((
            header_at,
            format!("an Events table with unknown columns: `{}`", header.trim()),
        ));
    };
    let count_column = column(&["Count"]);
    let mut starts: Vec<usize> = COLUMNS.iter().filter_map(|n| find_word(header, n)).collect();
    starts.sort_unstable();
    let cell = |row: &str, from: usize| -> String {
        let to = starts.iter().copied().find(|&s| s > from).unwrap_or(usize::MAX);
        let to = if from == message { usize::MAX } else { to };
        let from = floor_boundary(row, from);
        let to = floor_boundary(row, to.min(row.len()));
        row.get(from..to).unwrap_or("").trim().to_owned()
    };
    let mut out = Vec::new();
    for (i, row) in lines.iter().enumerate().take(end).skip(header_at + 1) {
        if row.trim().is_empty() || row.trim().chars().all(|c| c == '-' || c == ' ') {
            continue;
        }
        let reason_text = cell(row, reason);
        let message_text = cell(row, message);
        if reason_text.is_empty() {
            return Err((i, format!("an Events row without a reason: `{}`", row.trim())));
        }
        let age =
            column(&["Age", "Last Seen", "LastSeen"]).map(|c| cell(row, c)).unwrap_or_default();
        let count = count_column
            .and_then(|c| cell(row, c).parse().ok())
            .or_else(|| {
                age.split_once("(x").and_then(|(_, r)| r.split_whitespace().next()?.parse().ok())
            })
            .unwrap_or(1);
        out.push(ClusterEvent {
            namespace: namespace.map(str::to_owned),
            kind: "Pod".into(),
            name: pod.to_owned(),
            container: super::events::container_of_message(&message_text),
            reason: reason_text,
            message: message_text,
            count,
            first: None,
            last: None,
            host: None,
            origin: Origin::new(file, u32::try_from(i + 1).ok()),
        });
    }
    Ok(out)
}

/// Column names of Events tables across kubectl versions.
const COLUMNS: [&str; 10] = [
    "Type",
    "Reason",
    "Age",
    "Last Seen",
    "LastSeen",
    "FirstSeen",
    "Count",
    "From",
    "SubObjectPath",
    "Message",
];

/// `at`, or the nearest character boundary before it.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The byte offset of `word` in a header line, as a whole column name.
fn find_word(header: &str, word: &str) -> Option<usize> {
    header.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = header[..i].chars().next_back();
        let after = header[i + word.len()..].chars().next();
        before.is_none_or(|c| c == ' ') && after.is_none_or(|c| c == ' ')
    })
}

/// `Mon, 30 Nov 2026 02:48:47 +0100` (RFC 1123 with a numeric zone, kubectl's layout), with
/// `UTC`/`GMT` zones as older versions printed them, or RFC 3339.
pub fn describe_time(text: &str) -> Option<f64> {
    let text = text.trim();
    let rest = text.split_once(", ").map_or(text, |(_, rest)| rest);
    let parts: Vec<&str> = rest.split_whitespace().collect();
    let [day, month, year, clock, zone] = parts[..] else { return rfc3339(text) };
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let mut clock = clock.split(':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    let offset = match zone {
        "UTC" | "GMT" | "Z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: i64 = zone.get(1..5)?.parse().ok()?;
            sign * ((digits / 100) * 3600 + (digits % 100) * 60)
        }
    };
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // `Mon, 01 Jan 0001 00:00:00 +0000` is Go's zero time: kubectl's way of printing "not
    // known" (a container the kubelet could not find after an eviction).
    if year <= 1 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + hour * 3600 + minute * 60 + second - offset) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(
            describe_time("Mon, 30 Nov 2026 02:48:47 +0100"),
            rfc3339("2026-11-30T01:48:47Z")
        );
        assert_eq!(describe_time("Tue, 01 Feb 2022 13:36:17 UTC"), rfc3339("2022-02-01T13:36:17Z"));
        assert_eq!(describe_time("2022-02-01T13:36:17Z"), rfc3339("2022-02-01T13:36:17Z"));
        assert_eq!(describe_time("yesterday"), None);
        assert_eq!(describe_time("Mon, 99 Foo 2026 02:48:47 +0100"), None);
        assert_eq!(describe_time("Mon, 01 Jan 0001 00:00:00 +0000"), None, "Go's zero time");
    }

    #[test]
    fn unknown_layouts_are_errors_with_a_line() {
        let mut errors = Vec::new();
        let pods = read_describe("d.txt", "Name: x\nNamespace: y\nStatus: Running\n", &mut errors);
        assert!(pods.is_empty());
        assert_eq!(errors[0].position.map(|p| p.line), Some(1));
        let text = "Name: x\nContainers:\n  app:\n    Last State:  Terminated (OOMKilled)\n";
        let pods = read_describe("d.txt", text, &mut errors);
        assert!(pods.is_empty());
        assert_eq!(errors[1].position.map(|p| p.line), Some(4));
    }

    #[test]
    fn environment_values_the_text_does_not_hold_are_unknown() {
        assert_eq!(env_value("-Xmx1g -Xms1g"), Some("-Xmx1g -Xms1g".into()));
        assert_eq!(env_value("<set to the key 'jvm' in secret 'opts'>  Optional: false"), None);
        assert_eq!(env_value("<set to the key 'jvm' of config map 'opts'>  Optional: false"), None);
        assert_eq!(env_value(" (v1:status.podIP)"), None);
        assert_eq!(env_value("10.0.0.1 (v1:status.podIP)"), None);
        assert_eq!(env_value("1073741824 (limits.memory)"), None);
        assert_eq!(env_value("a (note)"), Some("a (note)".into()));
        assert_eq!(env_entry("JAVA_OPTS:  -Dx=a:b"), Some(("JAVA_OPTS", "-Dx=a:b")));
        assert_eq!(env_entry("EMPTY:"), Some(("EMPTY", "")));
        assert_eq!(env_entry("not an entry"), None);
    }

    /// The YAML written from a describe text parses, and maps back to the describe lines.
    #[test]
    fn spec_of_a_describe_text() {
        let text = "Name: web-1\nNamespace: shop\nContainers:\n  web:\n    Image:  node:20\n    \
                    Command:\n      sh\n      -c\n      set -e\n      exec node --max-old-space-size=900 s.js\n    \
                    Restart Count:  2\n    Limits:\n      memory:  1Gi\n    Environment:\n      \
                    NODE_OPTIONS:  --enable-source-maps\n                     --trace-gc\n      \
                    TOKEN:  <set to the key 't' in secret 's'>  Optional: false\n    \
                    Environment Variables from:\n      web  ConfigMap  Optional: false\n";
        let mut errors = Vec::new();
        let pods = read_describe("d.txt", text, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let spec = &pods[0].spec;
        assert_eq!(
            pods[0].pod.containers[0].restart_origin.as_ref().and_then(|o| o.line),
            Some(11)
        );
        let mut yaml_errors = Vec::new();
        let sources = [crate::engine::source::SourceFile::new("d.txt".into(), spec.yaml.clone())];
        let documents = crate::engine::walk::read_documents(&sources, &mut yaml_errors);
        assert!(yaml_errors.is_empty(), "{yaml_errors:?}\n{}", spec.yaml);
        assert_eq!(documents[0].len(), 1);
        assert_eq!(spec.lines.len(), spec.yaml.lines().count());
        assert!(
            spec.yaml.contains("\"set -e\\nexec node --max-old-space-size=900 s.js\""),
            "{}",
            spec.yaml
        );
        assert!(spec.yaml.contains("\"--enable-source-maps\\n--trace-gc\""), "{}", spec.yaml);
        assert!(
            spec.yaml.contains("secretKeyRef") && spec.yaml.contains("envFrom"),
            "{}",
            spec.yaml
        );
        let script = spec.yaml.lines().position(|l| l.contains("set -e")).map(|i| i as u32 + 1);
        let script = script.unwrap_or(0);
        assert_eq!(spec.describe_line(script, text, "--max-old-space-size=900"), Some(10));
        assert_eq!(spec.describe_line(script, text, ""), Some(9));
        assert_eq!(spec.describe_line(9999, text, ""), None);
    }

    mod hostile {
        use proptest::prelude::*;

        use super::*;
        use crate::incidents::read;
        use crate::settings::Settings;

        /// Lines as describe prints them, and near misses: each header at each indentation.
        const LINES: &[&str] = &[
            "Name: web-1",
            "Name:",
            "Namespace: shop",
            "Controlled By: ReplicaSet/web-7d9f8c6b5",
            "Containers:",
            "Init Containers:",
            "  app:",
            "  istio-proxy:",
            "    Image:  eclipse-temurin:21",
            "    Command:",
            "    Args:",
            "      /bin/sh",
            "      -c",
            "      exec java -Xmx900m -jar a.jar",
            "      --max-old-space-size=700",
            "    Environment:",
            "    Environment:  <none>",
            "    Environment Variables from:",
            "      cm  ConfigMap  Optional: false",
            "      JAVA_TOOL_OPTIONS:  -Xmx2g -XX:MaxRAMPercentage=90",
            "      GOMEMLIMIT:  900MiB",
            "      NODE_OPTIONS:  --max-old-space-size=3000",
            "      DOTNET_GCHeapHardLimit:  0x20000000",
            "      TOKEN:  <set to the key 't' in secret 's'>  Optional: false",
            "      IP:   (v1:status.podIP)",
            "                   -Xms1g",
            "    State:          Terminated",
            "    Last State:     Terminated",
            "    State:          Waiting",
            "      Reason:       OOMKilled",
            "      Reason:       CrashLoopBackOff",
            "      Exit Code:    137",
            "      Started:      Mon, 02 Mar 2020 10:00:03 +0000",
            "      Finished:     Tue, 03 Mar 2020 08:12:40 +0000",
            "    Restart Count:  3",
            "    Restart Count:  x",
            "    Limits:",
            "    Requests:",
            "      memory:  1Gi",
            "      memory:  512m",
            "Events:",
            "Events:  <none>",
            "  Type     Reason     Age   From     Message",
            "  ----     ------     ----  ----     -------",
            "  Warning  OOMKilling  5m   kubelet  Memory cgroup out of memory: Killed process 1",
            "  Normal   Killing     1m   kubelet  Container app failed liveness probe",
            "QoS Class:  Burstable",
            "Status:  Failed",
            "Reason:  Evicted",
            "Message:  Container app was using 1521316Ki, request is 512Mi",
            "",
            "\t",
            "日本: 😀",
            "  :",
            ":",
        ];

        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

            /// No panic on any arrangement of describe-like lines; the spec written back always
            /// parses and maps each of its lines to a describe line.
            #[test]
            fn any_describe_like_text_reads_without_panic(
                picks in proptest::collection::vec((0..LINES.len(), 0usize..4), 0..40),
                crlf in any::<bool>(),
            ) {
                let mut text = String::from("Name: fuzz\n");
                for (line, extra) in picks {
                    text.push_str(&" ".repeat(extra * 2));
                    text.push_str(LINES[line]);
                    text.push_str(if crlf { "\r\n" } else { "\n" });
                }
                let mut errors = Vec::new();
                for pod in read_describe("p.txt", &text, &mut errors) {
                    let spec = &pod.spec;
                    prop_assert_eq!(spec.lines.len(), spec.yaml.lines().count());
                    let lines = u32::try_from(text.lines().count()).unwrap_or(u32::MAX);
                    prop_assert!(spec.lines.iter().all(|&(a, b)| 1 <= a && a <= b && b <= lines));
                    let sources =
                        [crate::engine::source::SourceFile::new("p.txt".into(), spec.yaml.clone())];
                    let mut yaml_errors = Vec::new();
                    let _ = crate::engine::walk::read_documents(&sources, &mut yaml_errors);
                    prop_assert!(yaml_errors.is_empty(), "{:?}\n{}", yaml_errors, spec.yaml);
                }
                let files = vec![crate::engine::source::SourceFile::new("p.txt".into(), text)];
                let collected = read::collect(files, &Settings::default(), Vec::new());
                let incidents = crate::diagnose::diagnose(&collected, &Settings::default());
                let _ = crate::report::diagnose::json::render(&incidents, &collected.errors, &[]);
                let _ = crate::report::diagnose::human::render(&incidents, &collected.errors, &[]);
            }
        }
    }
}
