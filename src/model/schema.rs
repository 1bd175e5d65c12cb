//! The serde mirror of a model file: it fails only on TOML syntax and shape.
//! Every semantic check happens later, in `build`, with these spans for messages.

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub model: Option<RawModel>,
    pub params: Option<Spanned<BTreeMap<Spanned<String>, Spanned<RawParam>>>>,
    #[serde(default)]
    pub claims: Vec<Spanned<RawClaim>>,
    #[serde(default)]
    pub correlations: Vec<Spanned<RawCorrelation>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub params: Spanned<Vec<Spanned<String>>>,
    pub rank: Spanned<f64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub title: Option<String>,
    pub description: Option<String>,
    pub samples: Option<Spanned<i64>>,
    pub seed: Option<Spanned<i64>>,
    pub outputs: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawClaim {
    pub label: Spanned<String>,
    pub param: Spanned<String>,
    pub value: Spanned<RawValue>,
    pub source: Option<String>,
    pub description: Option<String>,
}

/// An overrides file: a `[params]` table layered over a model.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawOverrides {
    pub params: BTreeMap<Spanned<String>, Spanned<RawParam>>,
}

/// A param's value: a number or an expression string.
#[derive(Clone, Debug, PartialEq)]
pub enum RawValue {
    Number(f64),
    Expr(String),
}

/// A param: a bare value, or a table with `value` and optional metadata.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RawParam {
    pub value: Option<Spanned<RawValue>>,
    pub label: Option<String>,
    pub unit: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = RawValue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number or an expression string such as \"1 to 3\"")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Expr(v.to_string()))
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<RawValue, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ParamVisitor;

impl<'de> Visitor<'de> for ParamVisitor {
    type Value = RawParam;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, an expression string, or a table with `value`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawParam, A::Error> {
        let mut p = RawParam::default();
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "value" => {
                    p.value = Some(map.next_value()?);
                    continue;
                }
                "label" => &mut p.label,
                "unit" => &mut p.unit,
                "source" => &mut p.source,
                "description" => &mut p.description,
                other => {
                    const KEYS: [&str; 5] = ["value", "label", "unit", "source", "description"];
                    let hint = crate::error::did_you_mean(other, KEYS.into_iter())
                        .map_or_else(String::new, |h| format!(" ({h})"));
                    return Err(de::Error::custom(format!(
                        "unknown key `{other}` in a param table{hint}; expected value, label, unit, source or description"
                    )));
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(p)
    }
}

/// A bare number or string becomes a param with only a value; a table is read whole.
impl<'de> Deserialize<'de> for RawParam {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<RawParam, D::Error> {
        d.deserialize_any(BareOrTable)
    }
}

struct BareOrTable;

impl<'de> Visitor<'de> for BareOrTable {
    type Value = RawParam;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, an expression string, or a table with `value`")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawParam, E> {
        Ok(bare(RawValue::Number(v as f64)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawParam, E> {
        Ok(bare(RawValue::Number(v as f64)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawParam, E> {
        Ok(bare(RawValue::Number(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawParam, E> {
        Ok(bare(RawValue::Expr(v.to_string())))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawParam, A::Error> {
        ParamVisitor.visit_map(map)
    }
}

/// The span is filled in by the caller from the enclosing `Spanned<RawParam>`.
fn bare(v: RawValue) -> RawParam {
    RawParam {
        value: Some(Spanned::new(0..0, v)),
        ..RawParam::default()
    }
}
