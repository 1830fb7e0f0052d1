//! Rendering of diagnostics with miette: syntax errors with labelled source spans, and plain
//! errors with their cause chain. Colour follows `--color`, `NO_COLOR` and whether standard
//! error is a terminal.

use std::io::IsTerminal;

use cairn_syntax::SyntaxError;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};

use crate::ColorChoice;

/// Source text with the name it is shown under.
pub(crate) struct Source {
    pub(crate) name: String,
    pub(crate) text: String,
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

fn handler(color: ColorChoice) -> GraphicalReportHandler {
    let theme = if use_color(color) {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_context_lines(2)
}

/// The short text under the caret: what was expected, or where the input ended.
fn label_for(error: &SyntaxError, at_end: bool) -> String {
    if let Some((_, expected)) = error.message.split_once(", expected ") {
        return if at_end {
            format!("the input ends after this, expected {expected}")
        } else {
            format!("expected {expected}")
        };
    }
    if at_end {
        "the input ends here".to_string()
    } else {
        "here".to_string()
    }
}

/// Prints every syntax error of a source as its own diagnostic, then a summary line.
pub(crate) fn print_syntax_errors(source: &Source, errors: &[SyntaxError], color: ColorChoice) {
    let handler = handler(color);
    let named = NamedSource::new(&source.name, source.text.clone());
    let mut out = String::new();
    // Past this many, more diagnostics bury the first ones, which matter most.
    const SHOWN: usize = 50;
    for error in errors.iter().take(SHOWN) {
        let mut start: usize = error.range.start().into();
        let mut len: usize = error.range.len().into();
        let at_end = start >= source.text.len();
        if at_end {
            // An empty span at the end of the input is not drawn: point at the last visible
            // character instead.
            let visible = source.text.trim_end();
            if let Some(last) = visible.chars().next_back() {
                len = last.len_utf8();
                start = visible.len() - len;
            }
        }
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(label_for(error, at_end)),
            (start, len),
        )];
        if let Some((range, label)) = &error.related {
            labels.push(LabeledSpan::new_with_span(
                Some(label.clone()),
                (usize::from(range.start()), usize::from(range.len())),
            ));
        }
        let diagnostic = MietteDiagnostic::new(error.message.clone()).with_labels(labels);
        let report = Report::new(diagnostic).with_source_code(named.clone());
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out.push_str(&format!("error: {}\n", error.message));
        }
        out.push('\n');
    }
    let count = errors.len();
    if count > SHOWN {
        out.push_str(&format!(
            "… and {} more errors not shown\n\n",
            count - SHOWN
        ));
    }
    out.push_str(&format!(
        "error: could not parse `{}`: {count} error{}\n",
        source.name,
        if count == 1 { "" } else { "s" }
    ));
    eprint!("{out}");
}

/// Prints an error that has no source span, with its causes.
pub(crate) fn print_error(error: &anyhow::Error, color: ColorChoice) {
    let _ = color;
    let mut text = format!("error: {error}");
    for cause in error.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    eprintln!("{text}");
}
