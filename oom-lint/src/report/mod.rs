//! Results → text, one emitter per format: `check`'s findings (human, JSON, SARIF, GitHub
//! annotations), `analyze`'s verdicts (human, JSON, SVG), a fleet scan's ranked table (human,
//! JSON) and `diagnose`'s incidents (human, JSON,
//! Markdown).

pub mod analyze;
pub mod check;
pub mod diagnose;
pub mod fleet;
