//! What a plain scalar means, under the two schemas a workflow file meets.
//!
//! GitHub reads workflows as YAML 1.2 (core schema): `on`, `yes` and `12:30` are strings there.
//! Many other readers of the same files (yamllint, PyYAML scripts, older tooling) use YAML 1.1,
//! where `yes` is a boolean, `0755` an octal integer, `12:30` the sexagesimal integer 750 and
//! `2024-01-01` a date. A rewrite is only safe if *both* readers see the same data afterwards, so
//! [`resolve`] gives the type and normalised value of a plain scalar under each schema and the
//! comparison requires both to agree.
//!
//! The YAML 1.1 rules follow PyYAML's implicit resolvers (the de facto 1.1 reader), plus the
//! spec's one-letter booleans `y`/`n`, which PyYAML leaves out: treating more spellings as
//! non-strings only makes the check stricter. The matchers are written by hand (no regex crate),
//! on bytes, and never index out of bounds.
//!
//! Values are normalised so that different spellings of the same number compare equal (`0x10`
//! and `16`, `3.10` and `3.1`); strings and timestamps compare by their text.

/// Which schema a scalar is resolved under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Schema {
    /// YAML 1.2 core schema (what GitHub uses).
    Core,
    /// YAML 1.1 types, as PyYAML resolves them.
    Yaml11,
}

/// The type and normalised value of a scalar. `Str` and `Timestamp` take their value from the
/// scalar's text, which the caller compares separately.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(IntValue),
    Float(FloatValue),
    Str,
    /// YAML 1.1 only: compared by text.
    Timestamp,
    /// YAML 1.1 only: the merge key `<<`.
    Merge,
    /// YAML 1.1 only: the value key `=`.
    Value,
}

/// An integer's value; integers that do not fit in an `i128` keep a normalised text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IntValue {
    Exact(i128),
    Big(String),
}

/// A float's value: the bits of the `f64` (NaN normalised), or the text if it does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FloatValue {
    Bits(u64),
    Nan,
    Text(String),
}

impl Resolved {
    /// Short type name used in messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Resolved::Null => "null",
            Resolved::Bool(_) => "bool",
            Resolved::Int(_) => "int",
            Resolved::Float(_) => "float",
            Resolved::Str => "str",
            Resolved::Timestamp => "timestamp",
            Resolved::Merge => "merge",
            Resolved::Value => "value",
        }
    }

    /// Whether the value is the scalar's text (so two such values are equal only if the texts are).
    pub(crate) fn is_textual(&self) -> bool {
        matches!(self, Resolved::Str | Resolved::Timestamp)
    }
}

/// Resolve the text of an untagged plain scalar.
pub(crate) fn resolve(text: &str, schema: Schema) -> Resolved {
    match schema {
        Schema::Core => resolve_core(text),
        Schema::Yaml11 => resolve_11(text),
    }
}

fn resolve_core(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(FloatValue::Nan),
        _ => {}
    }
    if let Some(rest) = s.strip_prefix("0o") {
        if all_of(rest, |b| matches!(b, b'0'..=b'7')) {
            return Resolved::Int(int_value(false, rest, 8));
        }
    }
    if let Some(rest) = s.strip_prefix("0x") {
        if all_of(rest, |b| b.is_ascii_hexdigit()) {
            return Resolved::Int(int_value(false, rest, 16));
        }
    }
    let (negative, unsigned) = split_sign(s);
    if all_of(unsigned, |b| b.is_ascii_digit()) {
        return Resolved::Int(int_value(negative, unsigned, 10));
    }
    if let Some(inf) = infinity(negative, unsigned) {
        return inf;
    }
    if is_core_float(unsigned) {
        return Resolved::Float(float_value(s));
    }
    Resolved::Str
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (the sign already removed).
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let int_digits = count_while(b, 0, |c| c.is_ascii_digit());
    let mut i = int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_while(b, i, |c| c.is_ascii_digit());
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = count_while(b, i, |c| c.is_ascii_digit());
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == b.len()
}

fn resolve_11(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false)
        }
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(FloatValue::Nan),
        "<<" => return Resolved::Merge,
        "=" => return Resolved::Value,
        _ => {}
    }
    let (negative, u) = split_sign(s);
    if let Some(rest) = u.strip_prefix("0b") {
        if all_of(rest, |b| matches!(b, b'0' | b'1' | b'_')) {
            return Resolved::Int(int_value(negative, &strip_underscores(rest), 2));
        }
    }
    if let Some(rest) = u.strip_prefix("0x") {
        if all_of(rest, |b| b.is_ascii_hexdigit() || b == b'_') {
            return Resolved::Int(int_value(negative, &strip_underscores(rest), 16));
        }
    }
    if let Some(rest) = u.strip_prefix('0') {
        if all_of(rest, |b| matches!(b, b'0'..=b'7' | b'_')) {
            return Resolved::Int(int_value(negative, &strip_underscores(rest), 8));
        }
    }
    if u == "0" {
        return Resolved::Int(IntValue::Exact(0));
    }
    if u.starts_with(|c: char| matches!(c, '1'..='9')) {
        if all_of(u, |b| b.is_ascii_digit() || b == b'_') {
            return Resolved::Int(int_value(negative, &strip_underscores(u), 10));
        }
        if let Some(value) = sexagesimal_int(negative, u) {
            return value;
        }
    }
    if let Some(inf) = infinity(negative, u) {
        return inf;
    }
    if is_11_decimal_float(s) || is_11_sexagesimal_float(u) {
        return Resolved::Float(float_11_value(negative, u));
    }
    if is_timestamp(s) {
        return Resolved::Timestamp;
    }
    Resolved::Str
}

/// PyYAML's `[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?|\.[0-9][0-9_]*([eE][-+][0-9]+)?`
/// (the second form without a sign), on the whole text.
fn is_11_decimal_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'.') {
        // `\.[0-9][0-9_]*`
        if !b.get(1).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        i = 1 + count_while(b, 1, |c| c.is_ascii_digit() || c == b'_');
    } else {
        if matches!(b.first(), Some(b'+' | b'-')) {
            i = 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        i += count_while(b, i, |c| c.is_ascii_digit() || c == b'_');
        if b.get(i) != Some(&b'.') {
            return false;
        }
        i += 1;
        i += count_while(b, i, |c| c.is_ascii_digit() || c == b'_');
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if !matches!(b.get(i), Some(b'+' | b'-')) {
            return false;
        }
        i += 1;
        let digits = count_while(b, i, |c| c.is_ascii_digit());
        if digits == 0 {
            return false;
        }
        i += digits;
    }
    i == b.len()
}

/// `[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*` (sign removed).
fn is_11_sexagesimal_float(u: &str) -> bool {
    let Some((head, frac)) = u.split_once('.') else {
        return false;
    };
    head.starts_with(|c: char| c.is_ascii_digit())
        && sexagesimal_parts(head).is_some()
        && all_or_empty(frac, |b| b.is_ascii_digit() || b == b'_')
}

/// `[1-9][0-9_]*(:[0-5]?[0-9])+` (sign removed) with its value.
fn sexagesimal_int(negative: bool, u: &str) -> Option<Resolved> {
    let parts = sexagesimal_parts(u)?;
    let mut value: i128 = 0;
    for part in parts {
        let digit = parse_radix(&strip_underscores(part), 10)?;
        value = value.checked_mul(60)?.checked_add(digit)?;
    }
    Some(Resolved::Int(IntValue::Exact(if negative {
        -value
    } else {
        value
    })))
}

/// Split `head(:[0-5]?[0-9])+` where head is `[0-9][0-9_]*`; `None` unless there is at least one
/// `:` part and every part is well formed.
fn sexagesimal_parts(u: &str) -> Option<Vec<&str>> {
    let mut parts = u.split(':');
    let head = parts.next()?;
    if !head.starts_with(|c: char| c.is_ascii_digit())
        || !all_of(head, |b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let mut out = vec![head];
    for part in parts {
        let ok = match part.as_bytes() {
            [d] => d.is_ascii_digit(),
            [a, b] => matches!(a, b'0'..=b'5') && b.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return None;
        }
        out.push(part);
    }
    (out.len() >= 2).then_some(out)
}

/// PyYAML's timestamp: `YYYY-MM-DD`, or `YYYY-M-D` followed by `T`/`t`/blanks, `H:MM:SS`, an
/// optional fraction and an optional zone.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize| count_while(b, from, |c| c.is_ascii_digit());
    // Date part.
    if digits(0) != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    let month = digits(5);
    if !(1..=2).contains(&month) || b.get(5 + month) != Some(&b'-') {
        return false;
    }
    let day_at = 6 + month;
    let day = digits(day_at);
    if !(1..=2).contains(&day) {
        return false;
    }
    let mut i = day_at + day;
    if i == b.len() {
        return month == 2 && day == 2;
    }
    // Separator.
    if matches!(b.get(i), Some(b'T' | b't')) {
        i += 1;
    } else {
        let blanks = count_while(b, i, |c| c == b' ' || c == b'\t');
        if blanks == 0 {
            return false;
        }
        i += blanks;
    }
    // Time.
    let hour = digits(i);
    if !(1..=2).contains(&hour) {
        return false;
    }
    i += hour;
    for _ in 0..2 {
        if b.get(i) != Some(&b':') || digits(i + 1) != 2 {
            return false;
        }
        i += 3;
    }
    if b.get(i) == Some(&b'.') {
        i += 1 + digits(i + 1);
    }
    if i == b.len() {
        return true;
    }
    // Zone.
    i += count_while(b, i, |c| c == b' ' || c == b'\t');
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let h = digits(i + 1);
            if !(1..=2).contains(&h) {
                return false;
            }
            i += 1 + h;
            if i == b.len() {
                return true;
            }
            b.get(i) == Some(&b':') && digits(i + 1) == 2 && i + 3 == b.len()
        }
        _ => false,
    }
}

/// `±.inf` in its three spellings.
fn infinity(negative: bool, unsigned: &str) -> Option<Resolved> {
    matches!(unsigned, ".inf" | ".Inf" | ".INF").then(|| {
        let v = if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        Resolved::Float(FloatValue::Bits(v.to_bits()))
    })
}

fn float_value(text: &str) -> FloatValue {
    match text.parse::<f64>() {
        Ok(v) if v.is_nan() => FloatValue::Nan,
        Ok(v) => FloatValue::Bits(v.to_bits()),
        Err(_) => FloatValue::Text(text.to_string()),
    }
}

/// Value of a YAML 1.1 float (decimal or sexagesimal) already matched by a resolver.
fn float_11_value(negative: bool, u: &str) -> FloatValue {
    let clean = strip_underscores(u);
    let magnitude = if clean.contains(':') {
        // Base 60; the last part carries the fraction (`1:30.5`).
        let mut value = 0.0f64;
        for part in clean.split(':') {
            match part.parse::<f64>() {
                Ok(p) => value = value * 60.0 + p,
                Err(_) => return FloatValue::Text(clean),
            }
        }
        value
    } else {
        match clean.parse::<f64>() {
            Ok(v) => v,
            Err(_) => return FloatValue::Text(clean),
        }
    };
    let v = if negative { -magnitude } else { magnitude };
    if v.is_nan() {
        FloatValue::Nan
    } else {
        FloatValue::Bits(v.to_bits())
    }
}

fn int_value(negative: bool, digits: &str, radix: u32) -> IntValue {
    match parse_radix(digits, radix) {
        Some(v) => IntValue::Exact(if negative { -v } else { v }),
        None => {
            let trimmed = digits.trim_start_matches('0');
            let sign = if negative { "-" } else { "" };
            IntValue::Big(format!("{sign}{radix}:{}", trimmed.to_ascii_lowercase()))
        }
    }
}

/// Digits in `radix` to a non-negative `i128`; `None` on overflow. Empty means 0 (`0o`-less
/// octal `0_`).
fn parse_radix(digits: &str, radix: u32) -> Option<i128> {
    let mut value: i128 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)?;
        value = value
            .checked_mul(i128::from(radix))?
            .checked_add(i128::from(d))?;
    }
    Some(value)
}

fn split_sign(s: &str) -> (bool, &str) {
    if let Some(rest) = s.strip_prefix('-') {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix('+') {
        (false, rest)
    } else {
        (false, s)
    }
}

fn strip_underscores(s: &str) -> String {
    s.chars().filter(|&c| c != '_').collect()
}

/// Non-empty and every byte satisfies `pred`.
fn all_of(s: &str, pred: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(pred)
}

fn all_or_empty(s: &str, pred: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(pred)
}

fn count_while(b: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    b.get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| pred(c)).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(s: &str) -> Resolved {
        resolve(s, Schema::Core)
    }

    fn y11(s: &str) -> Resolved {
        resolve(s, Schema::Yaml11)
    }

    fn int(v: i128) -> Resolved {
        Resolved::Int(IntValue::Exact(v))
    }

    fn float(v: f64) -> Resolved {
        Resolved::Float(FloatValue::Bits(v.to_bits()))
    }

    #[test]
    fn core_schema() {
        for s in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(core(s), Resolved::Null, "{s:?}");
        }
        assert_eq!(core("true"), Resolved::Bool(true));
        assert_eq!(core("FALSE"), Resolved::Bool(false));
        for s in [
            "on",
            "off",
            "yes",
            "no",
            "y",
            "n",
            "tRue",
            "12:30",
            "1_000",
            "2024-01-01",
        ] {
            assert_eq!(core(s), Resolved::Str, "{s:?}");
        }
        assert_eq!(core("0755"), int(755));
        assert_eq!(core("-12"), int(-12));
        assert_eq!(core("+12"), int(12));
        assert_eq!(core("0o755"), int(0o755));
        assert_eq!(core("0x1F"), int(31));
        assert_eq!(core("0x"), Resolved::Str);
        assert_eq!(core("-0x1"), Resolved::Str);
        assert_eq!(core("3.10"), core("3.1"));
        assert_eq!(core("3.10"), float(3.1));
        assert_eq!(core("1e3"), float(1000.0));
        assert_eq!(core(".5"), float(0.5));
        assert_eq!(core("5."), float(5.0));
        assert_eq!(core("-.inf"), float(f64::NEG_INFINITY));
        assert_eq!(core(".NaN"), Resolved::Float(FloatValue::Nan));
        for s in [".", "1e", "e3", "1.2.3", "+", "-", ".infinity", "1,000"] {
            assert_eq!(core(s), Resolved::Str, "{s:?}");
        }
        assert!(matches!(
            core("123456789012345678901234567890123456789012"),
            Resolved::Int(IntValue::Big(_))
        ));
    }

    #[test]
    fn yaml_11_schema() {
        for s in ["y", "Y", "yes", "On", "ON", "true"] {
            assert_eq!(y11(s), Resolved::Bool(true), "{s:?}");
        }
        for s in ["n", "no", "Off", "FALSE"] {
            assert_eq!(y11(s), Resolved::Bool(false), "{s:?}");
        }
        assert_eq!(y11("0755"), int(0o755));
        assert_eq!(y11("0"), int(0));
        assert_eq!(y11("0b101"), int(5));
        assert_eq!(y11("-0x_1F"), int(-31));
        assert_eq!(y11("1_000"), int(1000));
        assert_eq!(y11("12:30"), int(750));
        assert_eq!(y11("1:00:00"), int(3600));
        assert_eq!(y11("12:60"), Resolved::Str);
        assert_eq!(y11("0o755"), Resolved::Str);
        assert_eq!(y11("0789"), Resolved::Str);
        assert_eq!(y11("3.10"), float(3.1));
        assert_eq!(y11("1_0.5"), float(10.5));
        assert_eq!(y11("1.0e+3"), float(1000.0));
        assert_eq!(y11("1e3"), Resolved::Str);
        assert_eq!(y11(".5"), float(0.5));
        assert_eq!(y11("1:30.5"), float(90.5));
        assert_eq!(y11("+.inf"), float(f64::INFINITY));
        assert_eq!(y11("2024-01-01"), Resolved::Timestamp);
        assert_eq!(y11("2001-12-14t21:59:43.10-05:00"), Resolved::Timestamp);
        assert_eq!(y11("2001-12-14 21:59:43.10 Z"), Resolved::Timestamp);
        assert_eq!(y11("2001-1-4 1:59:43"), Resolved::Timestamp);
        assert_eq!(y11("2001-1-4"), Resolved::Str);
        assert_eq!(y11("2001-12-14x"), Resolved::Str);
        assert_eq!(y11("<<"), Resolved::Merge);
        assert_eq!(y11("="), Resolved::Value);
        assert_eq!(y11("ubuntu-latest"), Resolved::Str);
        assert_eq!(y11("v1.2"), Resolved::Str);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for s in [
            "-",
            "+",
            ".",
            ":",
            "0:",
            "1:",
            "1::2",
            "0b",
            "0x_",
            "0_",
            "-0",
            "é",
            "1é",
            "2024-",
            "2024-1-",
            "2024-01-01T",
            "2024-01-01 1:2",
            "1:2.",
            ".e+1",
            "1.e+",
            "…",
        ] {
            let _ = core(s);
            let _ = y11(s);
        }
        assert_eq!(y11("0_"), int(0));
        assert_eq!(y11("1:2."), float(62.0));
    }
}
