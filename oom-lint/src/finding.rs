//! A finding is data: what rule, how severe, where, about which object and container.

use std::borrow::Cow;
use std::sync::Arc;

use compact_str::CompactString;
use serde::Serialize;

pub use crate::engine::model::ObjectRef;
pub use crate::engine::source::InputError;
use crate::engine::source::Position;

/// How serious a finding is. Ordered: `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Note => "note",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "note" => Some(Self::Note),
            "warning" => Some(Self::Warning),
            "error" => Some(Self::Error),
            _ => None,
        }
    }
}

/// Where in which input: the node the finding is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Index into the run's list of sources.
    pub source: usize,
    pub start: Position,
    pub end: Position,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Exactly sized: a large input has hundreds of thousands of findings.
    pub message: Box<str>,
    pub help: Option<Cow<'static, str>>,
    pub location: Location,
    /// Shared by the findings of one object: a large input has hundreds of thousands.
    pub object: Arc<ObjectRef>,
    /// `None` when the finding is about the pod as a whole.
    pub container: Option<CompactString>,
    /// The Helm template the object was rendered from, when known.
    pub template: Option<Arc<str>>,
}

/// A run's findings, in report order: by file, line, column and rule, then in input order.
///
/// They stay in the lists the batches of a run produced, with an order over them, rather than
/// being copied into one list: for a large input that copy held every finding twice.
#[derive(Debug, Default)]
pub struct Findings {
    lists: Vec<Vec<Finding>>,
    /// (list, index) pairs; 32 bits each, as a run never has 2³² batches or findings.
    order: Vec<(u32, u32)>,
}

impl Findings {
    /// Orders the findings of `lists`, which are in input order.
    pub fn new(lists: Vec<Vec<Finding>>) -> Self {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let mut order: Vec<(u32, u32)> = lists
            .iter()
            .enumerate()
            .flat_map(|(list, findings)| {
                (0..findings.len()).map(move |index| (narrow(list), narrow(index)))
            })
            .collect();
        // The list and index come last in the key: ties keep input order, and the sort need not
        // be stable (a stable sort would take another half of the order's memory).
        order.sort_unstable_by_key(|&(list, index)| {
            let finding = &lists[list as usize][index as usize];
            let start = finding.location.start;
            (finding.location.source, start.line, start.column, finding.rule, list, index)
        });
        Self { lists, order }
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn iter(&self) -> FindingsIter<'_> {
        FindingsIter { findings: self, order: self.order.iter() }
    }
}

impl<'a> IntoIterator for &'a Findings {
    type Item = &'a Finding;
    type IntoIter = FindingsIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The findings of a [`Findings`], in report order.
#[derive(Debug, Clone)]
pub struct FindingsIter<'a> {
    findings: &'a Findings,
    order: std::slice::Iter<'a, (u32, u32)>,
}

impl<'a> Iterator for FindingsIter<'a> {
    type Item = &'a Finding;

    fn next(&mut self) -> Option<&'a Finding> {
        let &(list, index) = self.order.next()?;
        self.findings.lists.get(list as usize)?.get(index as usize)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.order.size_hint()
    }
}

impl ExactSizeIterator for FindingsIter<'_> {}

/// How many of `findings` have `severity`, for summaries and the exit code.
pub fn count<'a>(findings: impl IntoIterator<Item = &'a Finding>, severity: Severity) -> usize {
    findings.into_iter().filter(|f| f.severity == severity).count()
}
