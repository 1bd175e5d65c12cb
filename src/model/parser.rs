//! Recursive-descent parser for expressions.
//!
//! Precedence, loosest first: `to`; comparisons `< <= > >= == !=`; `+ -`; `* /`;
//! unary `-`; `^` (right-associative). So `-2^2` is -4 and `2^3^2` is 2^9.
//! Nesting is limited to [`MAX_DEPTH`] so a hostile file cannot overflow the stack.

use super::ast::{BinOp, Expr, ExprKind};
use super::lexer::{MAX_TOKENS, SyntaxError, Tok, Token, tokenize_within};
use crate::error::Span;

pub const MAX_DEPTH: usize = 200;

/// Parses `text`; spans in the result and in errors are offset by `base`.
pub fn parse(text: &str, base: usize) -> Result<Expr, SyntaxError> {
    parse_within(text, base, &mut MAX_TOKENS.clone())
}

/// [`parse`], counting the tokens off `left` (what is left of a model's
/// [`MAX_TOKENS`]) and refusing text that would pass it.
pub fn parse_within(text: &str, base: usize, left: &mut usize) -> Result<Expr, SyntaxError> {
    let shift = |mut e: SyntaxError| {
        e.span = Span::new(e.span.start + base, e.span.end + base);
        e
    };
    let tokens = tokenize_within(text, *left).map_err(shift)?;
    *left -= tokens.len() - 1;
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        base,
    };
    if p.peek() == &Tok::End {
        return Err(shift(SyntaxError::new(
            Span::new(0, text.len()),
            "empty expression",
        )));
    }
    let e = p.expr()?;
    match p.peek() {
        Tok::End => Ok(e),
        _ => Err(p.unexpected("an operator or the end of the expression")),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    base: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos].tok
    }
    fn span(&self) -> Span {
        let s = self.tokens[self.pos].span;
        Span::new(s.start + self.base, s.end + self.base)
    }
    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        Token {
            tok: t.tok,
            span: Span::new(t.span.start + self.base, t.span.end + self.base),
        }
    }
    fn unexpected(&self, wanted: &str) -> SyntaxError {
        let found = match self.peek() {
            Tok::End => "the end of the expression".to_string(),
            Tok::Num(_) => "a number".to_string(),
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Op(o) => format!("`{o}`"),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::Comma => "`,`".into(),
        };
        SyntaxError::new(self.span(), format!("expected {wanted}, found {found}"))
    }
    fn expect(&mut self, tok: Tok, what: &str) -> Result<Span, SyntaxError> {
        if *self.peek() == tok {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(what))
        }
    }
    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SyntaxError::new(
                self.span(),
                format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
            )
            .with_help("split the expression into several params"));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.enter()?;
        let lhs = self.comparison()?;
        let e = if matches!(self.peek(), Tok::Ident(s) if s == "to") {
            self.bump();
            let rhs = self.comparison()?;
            let span = lhs.span.to(rhs.span);
            Expr::new(ExprKind::To(Box::new(lhs), Box::new(rhs)), span)
        } else {
            lhs
        };
        if matches!(self.peek(), Tok::Ident(s) if s == "to") {
            return Err(SyntaxError::new(self.span(), "`to` cannot be chained")
                .with_help("write `A to B` once, with parentheses around other `to`s"));
        }
        self.depth -= 1;
        Ok(e)
    }

    fn binary_level(
        &mut self,
        ops: &[(&str, BinOp)],
        next: fn(&mut Parser) -> Result<Expr, SyntaxError>,
    ) -> Result<Expr, SyntaxError> {
        let first = next(self)?;
        let mut rest: Vec<(BinOp, Expr)> = Vec::new();
        loop {
            let op = match self.peek() {
                Tok::Op(o) => ops.iter().find(|(s, _)| s == o).map(|(_, op)| *op),
                _ => None,
            };
            let Some(op) = op else { break };
            self.bump();
            rest.push((op, next(self)?));
        }
        // One operator stays a plain binary node; a longer run is held flat (see
        // `ExprKind::Chain`), so its length never deepens the tree.
        Ok(match rest.len() {
            0 => first,
            1 => {
                let (op, rhs) = rest.pop().expect("one");
                let span = first.span.to(rhs.span);
                Expr::new(ExprKind::Binary(op, Box::new(first), Box::new(rhs)), span)
            }
            _ => {
                let span = first.span.to(rest.last().expect("two or more").1.span);
                Expr::new(ExprKind::Chain(Box::new(first), rest), span)
            }
        })
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        const OPS: [(&str, BinOp); 6] = [
            ("<", BinOp::Lt),
            ("<=", BinOp::Le),
            (">", BinOp::Gt),
            (">=", BinOp::Ge),
            ("==", BinOp::Eq),
            ("!=", BinOp::Ne),
        ];
        self.binary_level(&OPS, Parser::additive)
    }

    fn additive(&mut self) -> Result<Expr, SyntaxError> {
        self.binary_level(&[("+", BinOp::Add), ("-", BinOp::Sub)], Parser::term)
    }

    fn term(&mut self) -> Result<Expr, SyntaxError> {
        self.binary_level(&[("*", BinOp::Mul), ("/", BinOp::Div)], Parser::unary)
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if self.peek() == &Tok::Op("-") {
            self.enter()?;
            let minus = self.bump().span;
            let operand = self.unary()?;
            self.depth -= 1;
            let span = minus.to(operand.span);
            return Ok(Expr::new(ExprKind::Neg(Box::new(operand)), span));
        }
        self.power()
    }

    fn power(&mut self) -> Result<Expr, SyntaxError> {
        let base = self.atom()?;
        if self.peek() != &Tok::Op("^") {
            return Ok(base);
        }
        self.bump();
        self.enter()?;
        // Right-associative, and the exponent may carry its own sign: 2^-1.
        let exponent = self.unary()?;
        self.depth -= 1;
        let span = base.span.to(exponent.span);
        Ok(Expr::new(
            ExprKind::Binary(BinOp::Pow, Box::new(base), Box::new(exponent)),
            span,
        ))
    }

    fn atom(&mut self) -> Result<Expr, SyntaxError> {
        match self.peek().clone() {
            Tok::Num(v) => Ok(Expr::new(ExprKind::Num(v), self.bump().span)),
            Tok::Ident(name) if name == "to" => {
                Err(self.unexpected("a value before `to`").with_help(
                    "a range is `LOW to HIGH` (a lognormal with that 90% interval), e.g. `1 to 3`",
                ))
            }
            Tok::Ident(name) => {
                let name_span = self.bump().span;
                if self.peek() != &Tok::LParen {
                    return Ok(Expr::new(ExprKind::Ref(name), name_span));
                }
                self.bump();
                let (args, close) = self.list(Tok::RParen, "`)`")?;
                let kind = ExprKind::Call {
                    name,
                    name_span,
                    args,
                };
                Ok(Expr::new(kind, name_span.to(close)))
            }
            Tok::LParen => {
                self.enter()?;
                let open = self.bump().span;
                let inner = self.expr()?;
                let close = self.expect(Tok::RParen, "`)`")?;
                self.depth -= 1;
                // Keep the parenthesised span so carets cover what the user wrote.
                Ok(Expr::new(inner.kind, open.to(close)))
            }
            Tok::LBracket => {
                let open = self.bump().span;
                let (items, close) = self.list(Tok::RBracket, "`]`")?;
                Ok(Expr::new(ExprKind::List(items), open.to(close)))
            }
            _ => Err(self.unexpected("a number, a name or `(`")),
        }
    }

    /// Comma-separated expressions up to `close`; returns them and the closing span.
    fn list(&mut self, close: Tok, what: &str) -> Result<(Vec<Expr>, Span), SyntaxError> {
        self.enter()?;
        let mut items = Vec::new();
        if *self.peek() != close {
            loop {
                items.push(self.expr()?);
                if *self.peek() != Tok::Comma {
                    break;
                }
                self.bump();
            }
        }
        let end = self.expect(close, &format!("`,` or {what}"))?;
        self.depth -= 1;
        Ok((items, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the tree fully parenthesised, to test the grouping.
    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Num(v) => format!("{v}"),
            ExprKind::Ref(n) => n.clone(),
            ExprKind::Neg(a) => format!("(-{})", show(a)),
            ExprKind::Binary(op, a, b) => format!("({} {} {})", show(a), op.symbol(), show(b)),
            ExprKind::Chain(first, rest) => rest.iter().fold(show(first), |acc, (op, e)| {
                format!("({acc} {} {})", op.symbol(), show(e))
            }),
            ExprKind::To(a, b) => format!("({} to {})", show(a), show(b)),
            ExprKind::Call { name, args, .. } => {
                let a: Vec<_> = args.iter().map(show).collect();
                format!("{name}({})", a.join(", "))
            }
            ExprKind::List(items) => {
                let a: Vec<_> = items.iter().map(show).collect();
                format!("[{}]", a.join(", "))
            }
        }
    }

    fn p(text: &str) -> String {
        show(&parse(text, 0).unwrap())
    }

    #[test]
    fn precedence_loosest_to_tightest() {
        assert_eq!(p("1 + 2 * 3"), "(1 + (2 * 3))");
        assert_eq!(p("a < b + 1"), "(a < (b + 1))");
        assert_eq!(p("1 to 2 + 3"), "(1 to (2 + 3))");
        assert_eq!(p("-2^2"), "(-(2 ^ 2))");
        assert_eq!(p("2 * -x"), "(2 * (-x))");
    }

    #[test]
    fn associativity() {
        assert_eq!(p("8 - 4 - 2"), "((8 - 4) - 2)");
        assert_eq!(p("8 / 4 / 2"), "((8 / 4) / 2)");
        assert_eq!(p("2 ^ 3 ^ 2"), "(2 ^ (3 ^ 2))");
        assert_eq!(p("2 ^ -1"), "(2 ^ (-1))");
    }

    #[test]
    fn calls_lists_and_suffixes() {
        assert_eq!(
            p("mixture([normal(0, 1), 2M], [30%, 0.7])"),
            "mixture([normal(0, 1), 2000000], [0.3, 0.7])"
        );
        assert_eq!(p("if(x >= 1k, a, b)"), "if((x >= 1000), a, b)");
        assert_eq!(p("f()"), "f()");
    }

    #[test]
    fn spans_are_offset_by_the_base() {
        let e = parse("a + bb", 10).unwrap();
        assert_eq!(e.span, Span::new(10, 16));
        let ExprKind::Binary(_, _, rhs) = e.kind else {
            panic!("not binary")
        };
        assert_eq!(rhs.span, Span::new(14, 16));
    }

    #[test]
    fn errors_carry_positions() {
        let e = parse("1 + * 2", 0).unwrap_err();
        assert_eq!(e.span, Span::new(4, 5));
        assert!(e.message.contains("expected a number"), "{}", e.message);
        let e = parse("(1 + 2", 5).unwrap_err();
        assert_eq!(e.span, Span::new(11, 11));
        assert!(e.message.contains("`)`"));
        let e = parse("1 2", 0).unwrap_err();
        assert_eq!(e.span, Span::new(2, 3));
        assert!(parse("  ", 0).unwrap_err().message.contains("empty"));
        let e = parse("1 to 2 to 3", 0).unwrap_err();
        assert!(e.message.contains("chained"));
    }

    proptest::proptest! {
        /// Any text parses or fails with a span inside it: never a panic.
        #[test]
        fn arbitrary_text_never_panics(text in "[-+*/^()\\[\\],.0-9a-zA-Z_%<>=! \\t]{0,60}|\\PC{0,40}") {
            match parse(&text, 7) {
                Ok(e) => proptest::prop_assert!(e.span.end <= text.len() + 7),
                Err(err) => proptest::prop_assert!(err.span.start >= 7 && err.span.end <= text.len() + 7),
            }
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let e = parse(&deep, 0).unwrap_err();
        assert!(e.message.contains("nested too deeply"));
        let minus = format!("{}1", "-".repeat(10_000));
        assert!(parse(&minus, 0).is_err());
        let pow = format!("2{}", "^2".repeat(10_000));
        assert!(parse(&pow, 0).is_err());
        let calls = format!("{}1{}", "abs(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&calls, 0).is_err());
    }
}
