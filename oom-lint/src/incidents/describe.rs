//! `kubectl describe pod` text, as people paste it into tickets → pod states and the Events
//! table. Read by indentation and field names, so the layouts of kubectl versions (column
//! widths, `Age` or `Last Seen`/`FirstSeen` columns, `Created container: x`) all read the same.
//! A text whose layout is not recognised is an input error at the line where it stops making
//! sense; nothing is guessed.

use super::{
    ClusterEvent, ContainerState, Eviction, InputError, Kill, Memory, Origin, PodState, Role,
    Workload, app_index, evicted_usage, quantity_bytes, rfc3339,
};
use crate::engine::source::Position;

/// What one pod's description gave.
#[derive(Debug)]
pub struct Described {
    pub pod: PodState,
    pub events: Vec<ClusterEvent>,
}

/// Every pod described in `text` (`kubectl describe pods` prints several, each from `Name:`).
pub fn read_describe(file: &str, text: &str, errors: &mut Vec<InputError>) -> Vec<Described> {
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
                "describe text of `{name}` has no `Containers:` section: not `kubectl describe \
                 pod` output, or a kubectl layout oom-lint does not know"
            ),
        ));
    };
    let mut containers = read_containers(file, lines, containers_at, containers_end, false)?;
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let app = app_index(&names, None);
    for (index, container) in containers.iter_mut().enumerate() {
        container.role = if index == app { Role::App } else { Role::Sidecar };
    }
    if let Some(&(_, at, section_end)) = sections.iter().find(|(k, _, _)| *k == "Init Containers") {
        containers.extend(read_containers(file, lines, at, section_end, true)?);
    }
    let namespace = get("Namespace").map(|(v, _)| v.to_owned());
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
            qos_class: get("QoS Class").map(|(v, _)| v.to_owned()),
            node: get("Node")
                .map(|(v, _)| v.split('/').next().unwrap_or(v).to_owned())
                .filter(|n| !n.is_empty() && n != "<none>"),
            eviction,
            pod_limit: None,
            containers,
            origin: origin(start),
        },
        events,
    })
}

fn read_containers(
    file: &str,
    lines: &[&str],
    at: usize,
    end: usize,
    init: bool,
) -> Result<Vec<ContainerState>, Failure> {
    let origin = |i: usize| Origin::new(file, u32::try_from(i + 1).ok());
    let body: Vec<usize> = (at + 1..end).filter(|&i| !lines[i].trim().is_empty()).collect();
    let Some(name_indent) = body.first().map(|&i| indent(lines[i])) else {
        return Err((at, "a `Containers:` section without containers".into()));
    };
    let mut out: Vec<ContainerState> = Vec::new();
    let mut field_indent = usize::MAX;
    // The field the deeper lines belong to (`Last State`, `Limits`, ...).
    let mut current = String::new();
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
                waiting_reason: None,
                limit: None,
                request: None,
                image: None,
                origin: origin(i),
            });
            field_indent = usize::MAX;
            continue;
        }
        let Some(container) = out.last_mut() else { continue };
        if field_indent == usize::MAX {
            field_indent = depth;
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
                }
                "Image" => container.image = Some(value.to_owned()).filter(|v| !v.is_empty()),
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
                if current == "Limits" {
                    container.limit = memory;
                } else {
                    container.request = memory;
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
    Ok(out)
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
}
