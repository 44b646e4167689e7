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
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wffmt"))
            .args([mode, "--format", "json", "--skip", "pin"])
            .current_dir(dir.path())
            .output()
            .unwrap();
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
