//! The JSON Schema of `wffmt.toml`, generated from the configuration types (schemars follows
//! their serde attributes: names, defaults, `deny_unknown_fields`), committed as
//! `schema/wffmt.schema.json` and checked by the tests, so editors complete and check the file
//! (Taplo / Even Better TOML: a `#:schema` comment on the first line).
//!
//! The tables of the migration rules (`[[runner-labels.label]]`, `[[archived-actions.action]]`,
//! `[[outdated-actions.action]]`) and `[[permissions.action]]` are described as lists of tables
//! here; each rule's documentation lists their keys, and wffmt checks them when it reads the file.

use schemars::JsonSchema;

use crate::config::Config;

/// One entry of a rule's table; its keys are checked when wffmt reads the file (see the rule's
/// documentation, `wffmt --explain RULE`).
pub type Table = serde_json::Map<String, serde_json::Value>;

/// `[[runner-labels.label]]`: retired runner labels of your own.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunnerLabelsTable {
    /// One entry per label (see `wffmt --explain runner-labels`).
    pub label: Option<Vec<Table>>,
}

/// `[[<rule>.action]]`: entries for actions of your own (see `wffmt --explain RULE`).
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionTable {
    /// One entry per action.
    pub action: Option<Vec<Table>>,
}

/// The schema as committed: pretty JSON with a final newline.
pub fn config_schema() -> String {
    let mut schema = serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default();
    if let Some(object) = schema.as_object_mut() {
        object.insert("$id".into(), "wffmt.schema.json".into());
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
