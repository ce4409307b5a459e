//! `--format github`: workflow commands that GitHub Actions shows as inline annotations.

use super::Report;
use crate::finding::Severity;

pub fn write(report: &Report<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for f in report.findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = format!("{} [{}]", f.message, f.object);
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        if let Some(template) = &f.template {
            message.push_str(&format!("\nHelm template: {template}"));
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(report.file_of(f)),
            f.location.start.line,
            f.location.start.column,
            f.location.end.line,
            f.location.end.column,
            property(&format!("oom-lint {}", f.rule)),
            data(&message),
        )?;
    }
    for e in report.errors {
        let position =
            e.position.map_or_else(String::new, |p| format!(",line={},col={}", p.line, p.column));
        writeln!(
            out,
            "::error file={}{position},title=oom-lint input error::{}",
            property(&e.file),
            data(&e.message)
        )?;
    }
    writeln!(out, "{}", report.summary_line())
}

/// Escaping for a command's message, as the Actions runner decodes it.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping for a command's properties, which also reserve `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::data("50%\nnext"), "50%25%0Anext");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
