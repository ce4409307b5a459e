//! Shared by the rules that compare manifests with observed usage (`check --metrics`).

use super::memory_anchor;
use crate::usage::{Usage, matching, worst};
use crate::workloads::{Container, Context, Pod};
use crate::yaml::Node;

/// The observed usage of a container and its memory limit, when both are known.
pub struct Observed<'a> {
    pub usage: &'a Usage,
    pub limit_bytes: u64,
    pub anchor: &'a Node,
}

pub fn observed<'a>(
    pod: &'a Pod<'a>,
    container: &'a Container<'a>,
    context: &'a Context<'a>,
) -> Option<Observed<'a>> {
    let usage = worst(&matching(context.usage?, pod, container))?;
    let (limit_bytes, _) = pod.memory_limit(container)?;
    Some(Observed { usage, limit_bytes, anchor: memory_anchor(container) })
}

/// `size`'s answer for the observed peak and average (for a leak too: today's peak is what the
/// container needs right now).
pub fn peak_recommendation(usage: &Usage) -> Option<oom_core::sizing::Recommendation> {
    let analysis = &usage.analysis;
    oom_core::sizing::recommend(analysis.peak_bytes, analysis.average_bytes, &Default::default())
        .ok()
}
