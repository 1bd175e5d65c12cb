//! Tokens of the expression language.
//!
//! Numbers take `_` separators, an exponent, and one suffix: `k` `M` `B` `T`
//! (1e3, 1e6, 1e9, 1e12) or `%` (1/100).

use crate::error::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Num(f64),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    End,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// A lexing or parsing failure, with a span relative to the expression text.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

impl SyntaxError {
    pub fn new(span: Span, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            message: message.into(),
            span,
            help: None,
        }
    }
}

const OPERATORS: [&str; 12] = [
    "<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "^", "=",
];

/// Tokens (names, numbers, operators, brackets) all the expressions of one model
/// file may hold: a 14 MB formula of 7 million terms took 1.8 GB to parse (a token and
/// a syntax node are ~250 bytes a term), past the memory any command should take.
/// Four million keep a model's parse near 500 MB; a real cost model has thousands.
pub const MAX_TOKENS: usize = 4_000_000;

pub fn tokenize(text: &str) -> Result<Vec<Token>, SyntaxError> {
    tokenize_within(text, MAX_TOKENS)
}

/// [`tokenize`], refusing text of more than `cap` tokens (what is left of the model's
/// [`MAX_TOKENS`]) before holding them.
pub fn tokenize_within(text: &str, cap: usize) -> Result<Vec<Token>, SyntaxError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let tok = if c.is_ascii_digit() || (c == b'.' && next_is_digit(bytes, i + 1)) {
            let (value, end) = number(text, i)?;
            i = end;
            Tok::Num(value)
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            Tok::Ident(text[start..i].to_string())
        } else if let Some(op) = OPERATORS.iter().find(|op| text[i..].starts_with(**op)) {
            if *op == "=" {
                return Err(SyntaxError::new(Span::new(i, i + 1), "unexpected `=`")
                    .with_help("compare with `==`; params are defined in the [params] table"));
            }
            i += op.len();
            Tok::Op(op)
        } else {
            i += 1;
            match c {
                b'(' => Tok::LParen,
                b')' => Tok::RParen,
                b'[' => Tok::LBracket,
                b']' => Tok::RBracket,
                b',' => Tok::Comma,
                _ => {
                    let ch = text[start..].chars().next().unwrap_or('?');
                    let end = start + ch.len_utf8();
                    return Err(SyntaxError::new(
                        Span::new(start, end),
                        format!("unexpected character `{ch}`"),
                    ));
                }
            }
        };
        if tokens.len() == cap {
            return Err(SyntaxError::new(
                Span::new(start, i),
                // MAX_TOKENS, written for people (a test keeps the two in step).
                "the model's expressions hold more than 4,000,000 tokens (names, numbers, operators): costsim's limit for one model file",
            )
            .with_help("a formula this long is generated: write repeated terms as a product (`n * x`), or model the quantity with fewer terms"));
        }
        tokens.push(Token {
            tok,
            span: Span::new(start, i),
        });
    }
    tokens.push(Token {
        tok: Tok::End,
        span: Span::new(text.len(), text.len()),
    });
    Ok(tokens)
}

impl SyntaxError {
    pub fn with_help(mut self, help: impl Into<String>) -> SyntaxError {
        self.help = Some(help.into());
        self
    }
}

fn next_is_digit(bytes: &[u8], i: usize) -> bool {
    i < bytes.len() && bytes[i].is_ascii_digit()
}

/// Reads a number starting at `i`; returns its value and the end offset.
fn number(text: &str, mut i: usize) -> Result<(f64, usize), SyntaxError> {
    let bytes = text.as_bytes();
    let start = i;
    let digits = |i: &mut usize| {
        while *i < bytes.len() && (bytes[*i].is_ascii_digit() || bytes[*i] == b'_') {
            *i += 1;
        }
    };
    digits(&mut i);
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        digits(&mut i);
    }
    // An exponent only when digits follow: `2e` stays a number then the name `e`.
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if next_is_digit(bytes, j) {
            i = j;
            digits(&mut i);
        }
    }
    let digits_end = i;
    // A suffix scales by a power of ten; adding it to the exponent keeps the value
    // correctly rounded (35% is exactly the double nearest 0.35).
    let power = match bytes.get(i) {
        Some(b'k') => 3,
        Some(b'M') => 6,
        Some(b'B') => 9,
        Some(b'T') => 12,
        Some(b'%') => -2,
        _ => 0,
    };
    if power != 0 {
        i += 1;
    }
    let value = scaled(&text[start..digits_end], power).ok_or_else(|| {
        SyntaxError::new(
            Span::new(start, i),
            format!("malformed number `{}`", &text[start..i]),
        )
    })?;
    if i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        let end = text[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(text.len(), |e| i + e);
        return Err(SyntaxError::new(
            Span::new(start, end),
            format!("malformed number `{}`", &text[start..end]),
        )
        .with_help(
            "number suffixes are k, M, B, T (1e3, 1e6, 1e9, 1e12) and %; write `2 * x`, not `2x`",
        ));
    }
    // A literal too large for a double would silently become infinity (and one too
    // small to be told from zero, 1e-400, silently 0): refuse both where they stand.
    if value.is_infinite() {
        return Err(SyntaxError::new(
            Span::new(start, i),
            format!(
                "number `{}` is too large (the largest is about 1.8e308)",
                &text[start..i]
            ),
        )
        .with_help("write a smaller number, or rescale the quantity (e.g. in millions)"));
    }
    let literal = &text[start..digits_end];
    let mantissa = literal.split(['e', 'E']).next().unwrap_or(literal);
    if value == 0.0 && mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        return Err(SyntaxError::new(
            Span::new(start, i),
            format!(
                "number `{}` is too small to tell from 0 (the smallest is about 4.9e-324)",
                &text[start..i]
            ),
        )
        .with_help("write 0 if you mean zero, or rescale the quantity"));
    }
    Ok((value, i))
}

/// Parses `literal` (digits, `_`, point, exponent) times 10^power, rounded once.
fn scaled(literal: &str, power: i32) -> Option<f64> {
    let plain: String = literal.chars().filter(|c| *c != '_').collect();
    let (mantissa, exponent) = match plain.find(['e', 'E']) {
        Some(k) => (&plain[..k], plain[k + 1..].parse::<i32>().ok()?),
        None => (plain.as_str(), 0),
    };
    format!("{mantissa}e{}", exponent.checked_add(power)?)
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(text: &str) -> Vec<f64> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .filter_map(|t| match t.tok {
                Tok::Num(v) => Some(v),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn numbers_with_separators_exponents_and_suffixes() {
        assert_eq!(
            nums("1_000 1.5 1e9 2.5E-3 .5"),
            vec![1000.0, 1.5, 1e9, 2.5e-3, 0.5]
        );
        assert_eq!(
            nums("3k 2.788M 1.6B 14.8T 35%"),
            vec![3e3, 2.788e6, 1.6e9, 14.8e12, 0.35]
        );
    }

    #[test]
    fn literals_beyond_a_double_are_refused_not_rounded_to_inf_or_zero() {
        for text in ["1e999", "2e308", "1.8e308k", &"9".repeat(400)] {
            let e = tokenize(text).unwrap_err();
            assert!(e.message.contains("too large"), "{text}: {}", e.message);
        }
        let e = tokenize("x + 1e-400").unwrap_err();
        assert!(e.message.contains("too small"), "{}", e.message);
        assert_eq!(e.span, Span::new(4, 10));
        assert_eq!(
            nums("0e5 + 1.7e308 + 5e-324 + 0.0"),
            [0.0, 1.7e308, 5e-324, 0.0]
        );
    }

    #[test]
    fn a_letter_after_a_number_is_an_error_with_advice() {
        let e = tokenize("2x + 1").unwrap_err();
        assert_eq!(e.span, Span::new(0, 2));
        assert!(e.help.unwrap().contains("2 * x"));
    }

    #[test]
    fn unknown_characters_are_reported_where_they_are() {
        let e = tokenize("a + $b").unwrap_err();
        assert_eq!(e.span, Span::new(4, 5));
        assert!(e.message.contains('$'));
    }
}
