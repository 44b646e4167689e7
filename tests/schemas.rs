//! The committed JSON Schemas match the code: `schema/report.schema.json` (the `--format json`
//! document). Regenerate with `UPDATE_SCHEMAS=1 cargo test --test schemas` after a deliberate
//! change, and bump the schema version when a field is removed, renamed or changes meaning.

mod common;

fn check(file: &str, generated: &str) {
    let path = common::project_dir().join("schema").join(file);
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/{file} is out of date with the code: run `UPDATE_SCHEMAS=1 cargo test --test schemas` \
         and commit it (bump the schema version if a field was removed, renamed or changed meaning)"
    );
}

#[test]
fn report_schema_is_current() {
    check("report.schema.json", &wffmt::report::json::json_schema());
}

/// Real reports (changes, warnings, a syntax error, an unreadable file, fix and check modes)
/// are valid against the committed schema.
#[test]
fn real_reports_validate_against_the_committed_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::project_dir().join("schema/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(
        wf.join("a.yml"),
        "on:\n  push:\n    paths:\n      - **/x\njobs:\n    b:\n        runs-on: x\n        steps:\n        - uses: o/r@0123456789abcdef0123456789abcdef01234567\n",
    )
    .unwrap();
    std::fs::write(wf.join("broken.yml"), "on: [\n").unwrap();
    std::fs::write(wf.join("binary.yml"), b"on: push\0\n").unwrap();
    for mode in ["--check", "--fix"] {
        let out = common::run::Wffmt::in_dir(dir.path())
            .args([mode, "--format", "json", "--skip", "pin"])
            .output();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(report["files"].as_array().unwrap().len() == 3);
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{mode}: {errors:#?}");
    }
    // The validator does reject a document of another shape.
    assert!(!validator.is_valid(&serde_json::json!({"schema_version": "1"})));
}

#[test]
fn config_schema_is_current() {
    check("wffmt.schema.json", &wffmt::config_schema::config_schema());
}

/// The README's configuration example and wrong files, through the committed schema: what wffmt
/// accepts validates, typos and bad values do not.
#[test]
fn configurations_validate_against_the_committed_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::project_dir().join("schema/wffmt.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let readme = std::fs::read_to_string(common::project_dir().join("README.md")).unwrap();
    let section = readme.split("\n## Configuration\n").nth(1).unwrap();
    let example = section
        .split("```toml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let as_json = |text: &str| -> serde_json::Value {
        let value: toml::Value = toml::from_str(text).unwrap();
        serde_json::to_value(value).unwrap()
    };
    // wffmt itself accepts the example, and so does the schema.
    wffmt::config::Config::from_toml_str(example, std::path::Path::new("wffmt.toml")).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&as_json(example))
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    for wrong in [
        "[layout]\nindnet = 2\n",
        "[layout]\nindent = 9\n",
        "[layout]\nline-ending = \"cr\"\n",
        "[pin]\nignore = \"my-org/*\"\n",
        "exclude = \"generated\"\n",
        "[format]\n",
    ] {
        assert!(!validator.is_valid(&as_json(wrong)), "{wrong}");
        assert!(
            wffmt::config::Config::from_toml_str(wrong, std::path::Path::new("wffmt.toml"))
                .is_err(),
            "{wrong}"
        );
    }
}

#[test]
fn the_schema_states_the_default_exclude_list() {
    let schema: serde_json::Value =
        serde_json::from_str(&wffmt::config_schema::config_schema()).unwrap();
    let default: Vec<&str> = schema["properties"]["exclude"]["default"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(default, wffmt::config::DEFAULT_EXCLUDE);
}
