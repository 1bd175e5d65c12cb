//! The expression tree as the user wrote it, with spans into the model file.

use crate::error::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Num(f64),
    /// A reference to another param (or a constant such as `pi`).
    Ref(String),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// A left-associative run of two or more operators of one precedence level,
    /// `a + b - c + …`: evaluated left to right, exactly as the nested `Binary` tree
    /// would be, but held flat so that a 10,000-term sum is one level deep for every
    /// walk (validation, folding, compiling, printing, dropping) instead of 10,000.
    Chain(Box<Expr>, Vec<(BinOp, Expr)>),
    /// `A to B`: the lognormal with 5th percentile A and 95th percentile B.
    To(Box<Expr>, Box<Expr>),
    /// A function or distribution call; `name_span` covers the name alone.
    Call {
        name: String,
        name_span: Span,
        args: Vec<Expr>,
    },
    /// `[a, b, c]`: only as an argument of discrete() or mixture().
    List(Vec<Expr>),
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// Calls `f` on this node and every node below it, parents first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Num(_) | ExprKind::Ref(_) => {}
            ExprKind::Neg(a) => a.walk(f),
            ExprKind::Chain(first, rest) => {
                first.walk(f);
                rest.iter().for_each(|(_, e)| e.walk(f));
            }
            ExprKind::Binary(_, a, b) | ExprKind::To(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Call { args, .. } | ExprKind::List(args) => {
                args.iter().for_each(|a| a.walk(f));
            }
        }
    }
}
