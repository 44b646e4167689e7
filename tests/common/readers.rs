//! Strict readings of what wffmt wrote: the file must hold only characters YAML allows, load
//! with yaml-rust2 (YAML 1.2), and read the same when U+0085, U+2028 and U+2029 are line breaks
//! as YAML 1.1 readers take them (PyYAML, Ruby's Psych, go-yaml v2). When PyYAML can be run it
//! reads the files too.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Map, Value};
use yaml_rust2::{Yaml, YamlLoader};

/// The first character YAML does not allow in a stream (outside the `c-printable` set; a byte
/// order mark only at the start), with its byte offset.
pub fn forbidden_char(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|&(i, c)| {
        let printable = matches!(c,
            '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}'
            | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
            && !(c == '\u{feff}' && i > 0);
        !printable
    })
}

/// `text` as a YAML 1.1 reader splits it into lines: NEL, LS and PS become line breaks.
pub fn yaml_1_1_view(text: &str) -> String {
    text.replace(['\u{85}', '\u{2028}', '\u{2029}'], "\n")
}

/// The documents of `text` as JSON (mapping keys as strings), read strictly: allowed
/// characters only, yaml-rust2 loads the text, and the YAML 1.1 line breaks change nothing.
pub fn strict_read(text: &str) -> Result<Value, String> {
    if let Some((at, c)) = forbidden_char(text) {
        return Err(format!(
            "character {c:?} at byte {at} is not allowed in YAML"
        ));
    }
    let load = |t: &str| {
        YamlLoader::load_from_str(t.trim_start_matches('\u{feff}'))
            .map(|docs| Value::Array(docs.iter().map(to_json).collect()))
            .map_err(|e| e.to_string())
    };
    let v12 = load(text).map_err(|e| format!("yaml-rust2 rejects it: {e}"))?;
    let v11 = load(&yaml_1_1_view(text))
        .map_err(|e| format!("invalid with YAML 1.1 line breaks: {e}"))?;
    if v11 != v12 {
        return Err(format!(
            "YAML 1.1 line breaks change the data:\n  1.2: {v12}\n  1.1: {v11}"
        ));
    }
    Ok(v12)
}

fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Real(r) => r.parse::<f64>().map(Value::from).unwrap_or(Value::Null),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::from(s.as_str()),
        Yaml::Boolean(b) => Value::from(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| {
                    let key = match to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect::<Map<_, _>>(),
        ),
        _ => Value::Null,
    }
}

/// A Python with PyYAML (`WFFMT_PYTHON`, else `python3`), or `None` after printing why the
/// PyYAML reading is skipped.
pub fn pyyaml() -> Option<PathBuf> {
    let python = std::env::var_os("WFFMT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"));
    let ok = Command::new(&python)
        .args(["-c", "import yaml"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some(python)
    } else {
        eprintln!(
            "skipping the PyYAML reading: {} cannot import yaml (install PyYAML or set WFFMT_PYTHON)",
            python.display()
        );
        None
    }
}

/// Each text's documents as PyYAML's `safe_load_all` reads them, as JSON (`Err` with PyYAML's
/// message when it rejects the text). Mapping keys become strings as `json.dumps` writes them
/// (the YAML 1.1 boolean key `on` becomes `"true"`).
pub fn pyyaml_read(python: &PathBuf, texts: &[&str]) -> Vec<Result<Value, String>> {
    const SCRIPT: &str = r#"
import json, sys, yaml
def keys(v):
    if isinstance(v, dict):
        return {(json.dumps(k) if not isinstance(k, str) else k): keys(x) for k, x in v.items()}
    if isinstance(v, list):
        return [keys(x) for x in v]
    return v
for text in json.load(sys.stdin):
    try:
        print(json.dumps({"ok": keys(list(yaml.safe_load_all(text)))}, default=str))
    except yaml.YAMLError as e:
        print(json.dumps({"err": str(e)}))
"#;
    let mut child = Command::new(python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    let input = serde_json::to_string(texts).unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the PyYAML reader failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            match (v.get("ok"), v.get("err")) {
                (Some(ok), _) => Ok(ok.clone()),
                (_, Some(err)) => Err(err.as_str().unwrap_or("").to_string()),
                _ => Err(line.to_string()),
            }
        })
        .collect()
}
