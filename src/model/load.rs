//! Reading a model file and its overrides into a validated [`Model`].

use super::ast::{Expr, ExprKind};
use super::lexer::MAX_TOKENS;
use super::schema::{RawFile, RawOverrides, RawParam, RawValue};
use super::{Claim, DEFAULT_SAMPLES, DEFAULT_SEED, Model, Param, parser, validate};
use crate::error::{Diagnostic, Error, Source, Span};
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// Larger files are refused before parsing: no model is this big.
const MAX_FILE_BYTES: u64 = 16 << 20;

/// A change layered over the model for one run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Override {
    /// `NAME=EXPR`, as given to `--set`.
    Set(String),
    /// A TOML file with a `[params]` table, as given to `--set-file`.
    File(Source),
}

/// Reads a model (or overrides) file as UTF-8 text, refusing binary and huge files.
pub fn read_source(path: &Path) -> Result<Source, Error> {
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| {
        Error::from(Diagnostic::new(&name, format!("cannot read the file: {e}")))
    };
    // Read at most one byte past the limit: the size in the file's metadata cannot be
    // trusted (/dev/zero, a pipe or a growing file report 0 and never end).
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Diagnostic::new(
            &name,
            format!(
                "the file is larger than {} MB, the most a model file may be",
                MAX_FILE_BYTES >> 20
            ),
        )
        .help("is this the right file?")
        .into());
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source { name, text }),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let byte = e.as_bytes()[at];
            let source = Source {
                name,
                text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            };
            // The lossy text has one U+FFFD (3 bytes) per bad sequence before `at`: none.
            Err(Diagnostic::at(
                &source,
                Span::new(at, at + 1),
                format!("the file is not valid UTF-8 (byte 0x{byte:02X})"),
            )
            .help("save the model file as UTF-8 text")
            .into())
        }
    }
}

/// Parses, layers the overrides over, and validates a model.
pub fn load(source: Source, overrides: &[Override]) -> Result<Model, Diagnostic> {
    let raw: RawFile = parse_toml(&source)?;
    if raw.params.as_ref().is_none_or(|p| p.get_ref().is_empty()) {
        let msg = if source.text.trim().is_empty() {
            "the file is empty"
        } else {
            "the model has no params"
        };
        return Err(Diagnostic::new(&source.name, msg)
            .help("a model needs a [params] table, e.g.\n    [params]\n    price = \"1.5 to 3\""));
    }
    let mut sources = vec![source];
    let mut params = read_params(&sources, 0, raw.params.map(|p| p.into_inner()))?;
    let mut applied = Vec::new();
    for o in overrides {
        apply_override(&mut sources, &mut params, o, &mut applied)?;
    }
    if let Some(past) = params.get(MAX_PARAMS) {
        return Err(Diagnostic::at(
            &sources[past.origin],
            past.name_span,
            format!(
                "the model has {} params, more than costsim's limit of 100,000",
                params.len()
            ),
        )
        .param(&past.name)
        .help("every param holds 256 values per worker thread while a run computes (300,000 params took 2 GB): merge repeated params into fewer, e.g. `n * x` for n alike"));
    }
    let src = &sources[0];
    let model_table = raw.model;
    let (title, description, samples, seed, outputs) = match model_table {
        Some(m) => (m.title, m.description, m.samples, m.seed, m.outputs),
        None => (None, None, None, None, None),
    };
    let samples = match samples {
        None => DEFAULT_SAMPLES,
        Some(s) if *s.get_ref() >= 1 => *s.get_ref() as u64,
        Some(s) => {
            return Err(Diagnostic::at(
                src,
                span(&s),
                format!("samples must be at least 1, got {}", s.get_ref()),
            )
            .help("set `samples = 1_000_000` in [model], or pass --samples"));
        }
    };
    let seed = match seed {
        None => DEFAULT_SEED,
        Some(s) if *s.get_ref() >= 0 => *s.get_ref() as u64,
        Some(s) => {
            return Err(Diagnostic::at(
                src,
                span(&s),
                "seed must be a non-negative integer",
            ));
        }
    };
    let mut model = Model {
        title: title.unwrap_or_else(|| stem_of(&src.name)),
        description,
        file: src.name.clone(),
        samples,
        seed,
        params,
        order: Vec::new(),
        outputs: Vec::new(),
        claims: Vec::new(),
        correlations: Vec::new(),
        sources,
        overrides: applied,
    };
    validate::resolve(&mut model)?;
    let listed = outputs.is_some();
    model.outputs = validate::outputs(&model, outputs)?;
    model.claims = read_claims(&model, raw.claims)?;
    report_claimed_params(&mut model, listed);
    let (correlations, dropped) = read_correlations(&model, raw.correlations)?;
    model.correlations = correlations;
    model.overrides.extend(dropped);
    Ok(model)
}

/// A claim's param is always reported: its rank alone, without its distribution,
/// drivers and charts, would leave the claim's footing unshown. Unlisted outputs take
/// their place in file order; a listed order is kept, with claimed params after it.
fn report_claimed_params(model: &mut Model, listed: bool) {
    for claim in &model.claims {
        if !model.outputs.contains(&claim.param) {
            model.outputs.push(claim.param);
        }
    }
    if !listed {
        model.outputs.sort_unstable();
    }
}

fn stem_of(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .map_or_else(|| name.to_string(), |s| s.to_string_lossy().into_owned())
}

fn span<T>(s: &Spanned<T>) -> Span {
    let r = s.span();
    Span::new(r.start, r.end)
}

/// Parses TOML, turning the parser's error into a located message.
fn parse_toml<T: serde::de::DeserializeOwned>(source: &Source) -> Result<T, Diagnostic> {
    toml::from_str(&source.text).map_err(|e| {
        let message = e.message().trim().to_string();
        let mut d = match e.span() {
            Some(r) => Diagnostic::at(source, Span::new(r.start, r.end), message),
            None => Diagnostic::new(&source.name, message),
        };
        d.message = format!("invalid TOML: {}", d.message);
        let at = e.span().map_or(0, |r| r.start);
        let line = line_of(&source.text, at);
        if let Some(key) = key_of_line(line).filter(|_| section_of(&source.text, at) == "params") {
            d = d.param(key);
        }
        if e.message().contains("duplicate key") {
            d = d.help("each name is defined once per table: rename or remove one of them");
        } else if value_is_unquoted_expression(line) {
            d = d.help(
                "expressions, and numbers with a suffix (k, M, B, T, %), go in quotes: x = \"2.788M\"",
            );
        }
        d
    })
}

/// The largest char boundary at or before `at`.
fn boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// The whole line holding byte `at`.
fn line_of(text: &str, at: usize) -> &str {
    let at = boundary(text, at);
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The name of the `[table]` (or `[[array]]`) that byte `at` is in.
fn section_of(text: &str, at: usize) -> &str {
    text[..boundary(text, at)]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map_or("", |l| l.trim_matches(|c| c == '[' || c == ']').trim())
}

/// `name` from a line `name = ...`, to say which param a TOML error is in.
fn key_of_line(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    let ok = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    ok.then_some(key)
}

/// `x = 2.788M` or `x = 1 to 3`: a value that should have been a quoted string.
fn value_is_unquoted_expression(line: &str) -> bool {
    let Some((_, value)) = line.split_once('=') else {
        return false;
    };
    let v = value.trim();
    !v.is_empty() && !v.starts_with(['"', '\'', '{', '[']) && v.parse::<f64>().is_err()
}

type RawParams = BTreeMap<Spanned<String>, Spanned<RawParam>>;

/// Turns the raw `[params]` table into params in file order, parsing each expression.
fn read_params(
    sources: &[Source],
    origin: usize,
    raw: Option<RawParams>,
) -> Result<Vec<Param>, Diagnostic> {
    let mut entries: Vec<_> = raw.unwrap_or_default().into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    // One budget of tokens for the file's expressions (lexer::MAX_TOKENS).
    let mut left = MAX_TOKENS;
    entries
        .into_iter()
        .map(|(key, value)| read_param(&sources[origin], origin, key, value, &mut left))
        .collect()
}

fn read_param(
    source: &Source,
    origin: usize,
    key: Spanned<String>,
    raw: Spanned<RawParam>,
    left: &mut usize,
) -> Result<Param, Diagnostic> {
    let name_span = span(&key);
    let name = key.into_inner();
    let outer = span(&raw);
    let raw = raw.into_inner();
    let value = raw.value.ok_or_else(|| {
        Diagnostic::at(source, outer, "the param's table has no `value`")
            .param(&name)
            .help("add `value = ...`, e.g. { value = \"1 to 3\", unit = \"USD\" }")
    })?;
    let vspan = match span(&value) {
        s if s == Span::default() => outer,
        s => s,
    };
    let expr = parse_value(source, vspan, value.into_inner(), left).map_err(|d| d.param(&name))?;
    Ok(Param {
        name,
        label: raw.label,
        unit: raw.unit,
        source: raw.source,
        description: raw.description,
        expr,
        origin,
        name_span,
        deps: Vec::new(),
    })
}

/// A number, or an expression string parsed with spans pointing into the file.
/// The most params a model may have (the message says 100,000: keep them in step).
pub const MAX_PARAMS: usize = 100_000;

/// `left`: the tokens the file's expressions may still hold.
fn parse_value(
    source: &Source,
    at: Span,
    value: RawValue,
    left: &mut usize,
) -> Result<Expr, Diagnostic> {
    match value {
        RawValue::Number(v) => Ok(Expr::new(ExprKind::Num(v), at)),
        RawValue::Expr(text) => {
            let base = string_content_start(source, at, &text);
            parser::parse_within(&text, base, left).map_err(|e| {
                let d = Diagnostic::at(source, e.span, e.message);
                match e.help {
                    Some(h) => d.help(h),
                    None => d,
                }
            })
        }
    }
}

/// Where the characters of a TOML string start, past its opening quotes.
fn string_content_start(source: &Source, at: Span, text: &str) -> usize {
    let raw = source.text.get(at.start..at.end).unwrap_or("");
    if text.is_empty() {
        return at.start + raw.len().min(1);
    }
    raw.find(text).map_or(at.start, |i| at.start + i)
}

fn apply_override(
    sources: &mut Vec<Source>,
    params: &mut [Param],
    o: &Override,
    applied: &mut Vec<String>,
) -> Result<(), Diagnostic> {
    let origin = sources.len();
    let replacements = match o {
        Override::Set(text) => {
            let source = Source {
                name: "--set".into(),
                text: text.clone(),
            };
            sources.push(source);
            vec![read_set(&sources[origin], origin)?]
        }
        Override::File(source) => {
            sources.push(source.clone());
            let raw: RawOverrides = parse_toml(&sources[origin])?;
            read_params(sources, origin, Some(raw.params))?
        }
    };
    for new in replacements {
        let Some(old) = params.iter_mut().find(|p| p.name == new.name) else {
            let d = Diagnostic::at(
                &sources[origin],
                new.name_span,
                format!(
                    "cannot override `{}`: the model has no such param",
                    new.name
                ),
            );
            let names = params.iter().map(|p| p.name.as_str());
            return Err(d.help(crate::error::did_you_mean_or_list(
                &new.name, "params", names,
            )));
        };
        let text = &sources[origin].text;
        let shown = text
            .get(new.expr.span.start..new.expr.span.end)
            .unwrap_or("");
        applied.push(format!("{} = {}", new.name, shown));
        old.expr = new.expr;
        old.origin = origin;
        old.label = new.label.or(old.label.take());
        old.unit = new.unit.or(old.unit.take());
        old.source = new.source.or(old.source.take());
        old.description = new.description.or(old.description.take());
    }
    Ok(())
}

/// `NAME=EXPR` from `--set`.
fn read_set(source: &Source, origin: usize) -> Result<Param, Diagnostic> {
    let text = &source.text;
    let Some(eq) = text.find('=') else {
        return Err(
            Diagnostic::at(source, Span::new(0, text.len()), "expected NAME=EXPR")
                .help("e.g. --set rental_price=\"uniform(2, 4)\""),
        );
    };
    let name = text[..eq].trim().to_string();
    let at = Span::new(eq + 1, text.len());
    let left = &mut MAX_TOKENS.clone();
    let expr = parse_value(source, at, RawValue::Expr(text[eq + 1..].to_string()), left)
        .map_err(|d| d.param(&name))?;
    Ok(Param {
        name,
        label: None,
        unit: None,
        source: None,
        description: None,
        expr,
        origin,
        name_span: Span::new(0, eq),
        deps: Vec::new(),
    })
}

fn read_claims(
    model: &Model,
    raw: Vec<Spanned<super::schema::RawClaim>>,
) -> Result<Vec<Claim>, Diagnostic> {
    let src = &model.sources[0];
    let mut claims: Vec<Claim> = Vec::new();
    for c in raw {
        let c = c.into_inner();
        let label = c.label.get_ref().clone();
        if claims.iter().any(|k| k.label == label) {
            return Err(Diagnostic::at(
                src,
                span(&c.label),
                format!("two claims are labelled `{label}`"),
            )
            .help("give each claim its own label"));
        }
        let name = c.param.get_ref();
        let param = model.index_of(name).ok_or_else(|| {
            let mut d = validate::unknown_name(model, src, span(&c.param), name, "param");
            d.message = format!("claim `{label}` is about an {}", d.message);
            d
        })?;
        let vspan = span(&c.value);
        let expr = parse_value(src, vspan, c.value.into_inner(), &mut MAX_TOKENS.clone())?;
        let value = validate::constant_value(&expr).ok_or_else(|| {
            Diagnostic::at(
                src,
                vspan,
                format!("the value of claim `{label}` is not a constant number"),
            )
            .help("a claim's value is a number such as 5.576e6 or \"5.576M\"")
        })?;
        // A claim of −0 is the claim 0 (every file prints it so).
        let value = value + 0.0;
        // A NaN claim would be "below" nothing and "above" nothing; an infinite one
        // is not a figure anyone published. Both are typos, refused where they stand.
        if !value.is_finite() {
            return Err(Diagnostic::at(
                src,
                vspan,
                format!("the value of claim `{label}` is {value}, not a finite number"),
            )
            .help("a claim's value is a number such as 5.576e6 or \"5.576M\""));
        }
        claims.push(Claim {
            label,
            param,
            value,
            source: c.source,
            description: c.description,
        });
    }
    Ok(claims)
}

/// The correlations, and a note for each one dropped because an override holds one
/// of its params fixed (as `sweep --param` does): a fixed value has nothing to
/// correlate, which is what the user asked for, not an error in the file.
fn read_correlations(
    model: &Model,
    raw: Vec<Spanned<super::schema::RawCorrelation>>,
) -> Result<(Vec<super::Correlation>, Vec<String>), Diagnostic> {
    let src = &model.sources[0];
    let mut out: Vec<super::Correlation> = Vec::new();
    let mut dropped = Vec::new();
    for entry in raw {
        let entry = entry.into_inner();
        let at = span(&entry.params);
        let names = entry.params.get_ref();
        if names.len() != 2 {
            return Err(Diagnostic::at(
                src,
                at,
                format!("a correlation names exactly 2 params, got {}", names.len()),
            )
            .help(
                "write params = [\"a\", \"b\"]; list each pair in its own [[correlations]] entry",
            ));
        }
        let mut ids = [0; 2];
        for (id, n) in ids.iter_mut().zip(names) {
            *id = model
                .index_of(n.get_ref())
                .ok_or_else(|| validate::unknown_name(model, src, span(n), n.get_ref(), "param"))?;
        }
        if ids[0] == ids[1] {
            return Err(Diagnostic::at(
                src,
                at,
                format!("`{}` is correlated with itself", names[0].get_ref()),
            )
            .help("a correlation is between two different params"));
        }
        let rank = *entry.rank.get_ref();
        if !(-1.0..=1.0).contains(&rank) {
            return Err(Diagnostic::at(
                src,
                span(&entry.rank),
                format!("a rank correlation lies in [-1, 1], got {rank}"),
            ));
        }
        let fixed = ids
            .iter()
            .find(|&&i| model.params[i].origin != 0 && !model.param_has_distribution(i));
        if let Some(&i) = fixed {
            let other = if i == ids[0] { ids[1] } else { ids[0] };
            dropped.push(format!(
                "({} is held fixed by the override, so its correlation with {} is dropped)",
                model.params[i].name, model.params[other].name
            ));
            continue;
        }
        let (a, b) = (ids[0].min(ids[1]), ids[0].max(ids[1]));
        if let Some(first) = out.iter().find(|c| (c.a, c.b) == (a, b)) {
            let line = src.locate(first.span).line;
            return Err(Diagnostic::at(
                src,
                at,
                format!(
                    "the pair `{}`, `{}` is correlated twice (first at line {line})",
                    model.params[a].name, model.params[b].name
                ),
            )
            .help("keep one entry per pair"));
        }
        out.push(super::Correlation {
            a,
            b,
            rank,
            span: at,
        });
    }
    Ok((out, dropped))
}
