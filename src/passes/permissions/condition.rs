//! The `if:` of a composite action's step, when the inputs of the call decide it.
//!
//! `if: inputs.attest == 'true'` in an action called without `attest` (default `false`) never
//! runs, so what that step needs is not needed. Only conditions made of literals and inputs
//! whose values are literal in the call are evaluated — `==`, `!=`, `!`, `&&`, `||`,
//! parentheses, strings compared case-insensitively as GitHub does; anything else (another
//! context, a function, an input given as an expression) keeps the step.

/// `Some(false)` when the condition is certainly false with these inputs (name, value as
/// text), `Some(true)` when certainly true, `None` when it cannot be told.
pub fn evaluate(condition: &str, inputs: &[(String, String)]) -> Option<bool> {
    let text = condition.trim();
    let text = match text.strip_prefix("${{").and_then(|t| t.strip_suffix("}}")) {
        Some(inner) if !inner.contains("${{") => inner,
        _ if text.contains("${{") => return None,
        _ => text,
    };
    let tokens = tokenize(text, inputs)?;
    let mut p = Parser { t: &tokens, i: 0 };
    let v = p.or()?;
    (p.i == tokens.len()).then(|| v.truthy())
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Value(Val),
    Op(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    Bool(bool),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::Bool(b) => *b,
            Val::Str(s) => !s.is_empty(),
        }
    }

    fn equals(&self, other: &Val) -> bool {
        match (self, other) {
            (Val::Str(a), Val::Str(b)) => a.eq_ignore_ascii_case(b),
            (Val::Bool(a), Val::Bool(b)) => a == b,
            // GitHub converts to numbers; `true` is 1 and a string like "true" is NaN: unequal.
            _ => false,
        }
    }
}

fn tokenize(src: &str, inputs: &[(String, String)]) -> Option<Vec<Tok>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if b[i].is_ascii_whitespace() {
            i += 1;
        } else if let Some(op) = ["==", "!=", "&&", "||", "!", "(", ")"]
            .into_iter()
            .find(|op| rest.starts_with(op))
        {
            out.push(Tok::Op(op));
            i += op.len();
        } else if b[i] == b'\'' {
            // 'it''s' is "it's".
            let mut s = String::new();
            i += 1;
            loop {
                let end = src[i..].find('\'')? + i;
                s.push_str(&src[i..end]);
                i = end + 1;
                if src[i..].starts_with('\'') {
                    s.push('\'');
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Tok::Value(Val::Str(s)));
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
                .map_or(src.len(), |j| i + j);
            let word = &src[i..end];
            if word.is_empty() {
                return None;
            }
            let value = match word {
                "true" => Val::Bool(true),
                "false" => Val::Bool(false),
                _ => {
                    let name = word.strip_prefix("inputs.")?;
                    let (_, v) = inputs.iter().find(|(n, _)| n == name)?;
                    if v.contains("${{") {
                        return None;
                    }
                    Val::Str(v.clone())
                }
            };
            out.push(Tok::Value(value));
            i = end;
        }
    }
    Some(out)
}

struct Parser<'t> {
    t: &'t [Tok],
    i: usize,
}

impl Parser<'_> {
    fn or(&mut self) -> Option<Val> {
        let mut v = self.and()?;
        while self.t.get(self.i) == Some(&Tok::Op("||")) {
            self.i += 1;
            let r = self.and()?;
            v = if v.truthy() { v } else { r };
        }
        Some(v)
    }

    fn and(&mut self) -> Option<Val> {
        let mut v = self.cmp()?;
        while self.t.get(self.i) == Some(&Tok::Op("&&")) {
            self.i += 1;
            let r = self.cmp()?;
            v = if v.truthy() { r } else { v };
        }
        Some(v)
    }

    fn cmp(&mut self) -> Option<Val> {
        let l = self.unary()?;
        match self.t.get(self.i) {
            Some(Tok::Op(op @ ("==" | "!="))) => {
                let eq = *op == "==";
                self.i += 1;
                let r = self.unary()?;
                Some(Val::Bool(l.equals(&r) == eq))
            }
            _ => Some(l),
        }
    }

    fn unary(&mut self) -> Option<Val> {
        match self.t.get(self.i)? {
            Tok::Op("!") => {
                self.i += 1;
                Some(Val::Bool(!self.unary()?.truthy()))
            }
            Tok::Op("(") => {
                self.i += 1;
                let v = self.or()?;
                (self.t.get(self.i) == Some(&Tok::Op(")"))).then_some(())?;
                self.i += 1;
                Some(v)
            }
            Tok::Value(v) => {
                self.i += 1;
                Some(v.clone())
            }
            Tok::Op(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn conditions_on_inputs() {
        let i = inputs(&[
            ("attest", "false"),
            ("mode", "Release"),
            ("token", "${{ github.token }}"),
            ("empty", ""),
        ]);
        assert_eq!(evaluate("${{ inputs.attest == 'true' }}", &i), Some(false));
        assert_eq!(evaluate("inputs.attest != 'true'", &i), Some(true));
        assert_eq!(evaluate("inputs.mode == 'release'", &i), Some(true));
        assert_eq!(evaluate("inputs.empty", &i), Some(false));
        assert_eq!(
            evaluate("!inputs.empty && (inputs.mode == 'x' || true)", &i),
            Some(true)
        );
        assert_eq!(evaluate("inputs.mode == 'it''s'", &i), Some(false));
        // What cannot be told keeps the step.
        assert_eq!(evaluate("inputs.token != ''", &i), None);
        assert_eq!(evaluate("inputs.missing == 'x'", &i), None);
        assert_eq!(evaluate("github.event_name == 'push'", &i), None);
        assert_eq!(evaluate("success() && inputs.attest == 'true'", &i), None);
        assert_eq!(evaluate("inputs.attest == 'true' && ${{ x }}", &i), None);
        assert_eq!(evaluate("(inputs.attest", &i), None);
        assert_eq!(evaluate("'unterminated", &i), None);
    }
}
