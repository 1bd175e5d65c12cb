//! Errors and their rendering.
//!
//! Every user-facing failure is an [`Error`]; `main` maps it to an exit code in one
//! place: 2 for a bad model file or bad arguments, 1 for I/O and internal failures.
//! A [`Diagnostic`] carries the file, the line and column, the param and a fix, and
//! renders like a compiler message with a caret under the offending text.

use std::fmt;

/// A byte range in a source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A named source text (a model file, or a `--set` expression).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// A position resolved to a line, with the line's text for the caret display.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    /// The line (or, for a long line, a window of it around the column), printable.
    pub line_text: String,
    /// Characters of `line_text` before the caret.
    pub caret_offset: usize,
    pub caret_len: usize,
}

/// A long line is shown as a window of this many characters each side of the column.
const WINDOW: usize = 60;

impl Source {
    /// Resolves a byte span to a 1-based line and column (columns count characters).
    pub fn locate(&self, span: Span) -> Location {
        let start = floor_char_boundary(&self.text, span.start.min(self.text.len()));
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line = self.text[..start].matches('\n').count() + 1;
        let column = self.text[line_start..start].chars().count() + 1;
        let end = floor_char_boundary(&self.text, span.end.clamp(start, line_end));
        let line_text = self.text[line_start..line_end].trim_end_matches('\r');
        // Very long lines (a 10 MB file of junk) would flood the terminal: show a
        // window around the column, with control characters made visible.
        let skip = (column - 1).saturating_sub(WINDOW);
        let prefix = if skip > 0 { "…" } else { "" };
        let shown: String = line_text
            .chars()
            .skip(skip)
            .take(2 * WINDOW)
            .map(|c| {
                if is_unsafe_char(c) && c != '\t' {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect();
        let caret_offset = column - 1 - skip + prefix.chars().count();
        let room = shown
            .chars()
            .count()
            .saturating_sub(caret_offset - prefix.chars().count());
        let caret_len = self.text[start..end].chars().count().clamp(1, room.max(1));
        Location {
            line,
            column,
            line_text: format!("{prefix}{shown}"),
            caret_offset,
            caret_len,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One clear message about a bad model, pointing at where it is bad.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub message: String,
    pub file: String,
    pub location: Option<Location>,
    pub param: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            file: file.to_string(),
            location: None,
            param: None,
            help: None,
        }
    }
    pub fn at(source: &Source, span: Span, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::new(&source.name, message);
        d.location = Some(source.locate(span));
        d
    }
    pub fn param(mut self, name: &str) -> Diagnostic {
        self.param = Some(name.to_string());
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.param {
            Some(p) => writeln!(f, "error: in param `{p}`: {}", self.message)?,
            None => writeln!(f, "error: {}", self.message)?,
        }
        match &self.location {
            Some(loc) => {
                let gutter = loc.line.to_string().len();
                let pad = " ".repeat(gutter);
                writeln!(f, "{pad}--> {}:{}:{}", self.file, loc.line, loc.column)?;
                writeln!(f, "{pad} |")?;
                writeln!(f, "{} | {}", loc.line, loc.line_text)?;
                let lead: String = loc
                    .line_text
                    .chars()
                    .take(loc.caret_offset)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "{pad} | {lead}{}", "^".repeat(loc.caret_len))?;
            }
            None => write!(f, "  --> {}", self.file)?,
        }
        if let Some(h) = &self.help {
            write!(f, "\n  = help: {h}")?;
        }
        Ok(())
    }
}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad model file or override: exit code 2.
    #[error("{0}")]
    Model(Box<Diagnostic>),
    /// Bad command-line arguments that clap could not catch: exit code 2.
    #[error("error: {0}")]
    Usage(String),
    /// Reading or writing a file failed: exit code 1.
    #[error("error: {action} `{path}`: {source}")]
    Io {
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Model(_) | Error::Usage(_) => 2,
            Error::Io { .. } => 1,
        }
    }
}

impl From<Diagnostic> for Error {
    fn from(d: Diagnostic) -> Error {
        Error::Model(Box::new(d))
    }
}

/// Characters that must not reach a terminal or a document raw: controls (an ESC
/// starts a terminal escape sequence, a CR rewrites the line, a BEL rings) and the
/// invisible formatting characters (a bidi override such as U+202E reorders what
/// follows it; zero-width spaces hide text).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
        )
}

/// Text with every unsafe character but line breaks and tabs shown as U+FFFD: what
/// an error or warning quoting a model's names or a command's arguments prints.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if is_unsafe_char(c) && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

/// "did you mean" for a misspelt name: the closest candidate, if close enough.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (name.len().max(c.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// [`did_you_mean`], else the names there are to choose from (the first ten, and how
/// many in all): a name with no near match still says what would do.
pub fn did_you_mean_or_list<'a>(
    name: &str,
    what: &str,
    candidates: impl Iterator<Item = &'a str> + Clone,
) -> String {
    const SHOWN: usize = 10;
    if let Some(hint) = did_you_mean(name, candidates.clone()) {
        return hint;
    }
    let all: Vec<&str> = candidates.collect();
    let mut listed: Vec<String> = all.iter().take(SHOWN).map(|c| format!("`{c}`")).collect();
    if all.len() > SHOWN {
        listed.push(format!(
            "… ({} in all: `costsim check` lists them)",
            all.len()
        ));
    }
    match all.len() {
        0 => format!("it has no {what}"),
        _ => format!("its {what}: {}", listed.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_no_near_match_lists_the_choices() {
        let names = ["alpha", "beta", "gamma"];
        assert_eq!(
            did_you_mean_or_list("alpah", "params", names.iter().copied()),
            "did you mean `alpha`?"
        );
        assert_eq!(
            did_you_mean_or_list("zzz", "params", names.iter().copied()),
            "its params: `alpha`, `beta`, `gamma`"
        );
        let many: Vec<String> = (0..12).map(|k| format!("p{k}")).collect();
        let listed = did_you_mean_or_list("qqqqqq", "params", many.iter().map(String::as_str));
        assert!(listed.starts_with("its params: `p0`, `p1`"), "{listed}");
        assert!(
            listed.ends_with("`p9`, … (12 in all: `costsim check` lists them)"),
            "{listed}"
        );
        assert_eq!(
            did_you_mean_or_list("x", "outputs", std::iter::empty()),
            "it has no outputs"
        );
    }

    #[test]
    fn locate_counts_lines_and_characters() {
        let s = Source {
            name: "m.toml".into(),
            text: "a = 1\nbé = \"x + y\"\n".into(),
        };
        let at = s.text.find("x +").unwrap();
        let loc = s.locate(Span::new(at, at + 1));
        assert_eq!((loc.line, loc.column, loc.caret_len), (2, 7, 1));
        assert_eq!(loc.line_text, "bé = \"x + y\"");
    }

    #[test]
    fn long_lines_show_a_window_around_the_column() {
        let s = Source {
            name: "junk".into(),
            text: format!("{}\u{7}{}", "a".repeat(100_000), "b".repeat(100)),
        };
        let loc = s.locate(Span::new(100_000, 100_001));
        assert_eq!(loc.column, 100_001);
        assert!(loc.line_text.chars().count() <= 2 * WINDOW + 1);
        assert_eq!(
            loc.line_text.chars().nth(loc.caret_offset),
            Some('\u{FFFD}')
        );
    }

    #[test]
    fn rendering_puts_the_caret_under_the_span() {
        let s = Source {
            name: "m.toml".into(),
            text: "x = \"foo + 1\"".into(),
        };
        let d = Diagnostic::at(&s, Span::new(5, 8), "unknown param `foo`")
            .param("x")
            .help("did you mean `fob`?");
        let text = d.to_string();
        assert!(text.contains("--> m.toml:1:6"), "{text}");
        assert!(text.contains("1 | x = \"foo + 1\"\n  |      ^^^"), "{text}");
        assert!(text.contains("help: did you mean `fob`?"));
    }

    #[test]
    fn did_you_mean_finds_near_misses_only() {
        let names = ["rental_price", "gpu_hours"];
        assert_eq!(
            did_you_mean("renatl_price", names.iter().copied()).as_deref(),
            Some("did you mean `rental_price`?")
        );
        assert_eq!(did_you_mean("zzz", names.iter().copied()), None);
    }
}
