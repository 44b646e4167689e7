//! `runner-labels`: move jobs off GitHub-hosted runner labels that GitHub retired.
//!
//! ## What it does
//! Reads `runs-on` of every job: a literal label, a list of labels, or `${{ matrix.<key> }}`
//! whose literal matrix values (the list, `include` and `exclude` entries) hold the labels.
//! A label in `rules/migrations/runner-labels.toml` (or `[[runner-labels.label]]` in
//! `wffmt.toml`) is, depending on today's date:
//! - deprecated (from its `deprecated` date): a warning with the brown-out days, the retirement
//!   day and the replacement;
//! - retired (from its `retired` date): replaced by its replacement (following the chain while a
//!   replacement is itself deprecated). The job cannot run at all as it is, so the fix is safe;
//!   a matrix value that other parts of the job also read (names, conditions, inputs) is
//!   changed there too, which makes that fix unsafe. Where the replacement is in the list
//!   already, the retired entry is removed instead (see [`duplicates`]).
//!
//! Reported, never rewritten: labels inside expressions, labels of runner groups and of
//! self-hosted label sets (a self-hosted runner may carry any label), and labels passed to a
//! reusable workflow or given as an input default.
//!
//! ## Why
//! A retired label leaves the job queued until it fails; GitHub warns about it only in the run
//! logs and by mail.

mod duplicates;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::{Context, Output, Rule};
use crate::discover::FileKind;
use crate::edit::{Edit, Fix};
use crate::finding::{Finding, Severity};
use crate::migrations::{self, Date};
use crate::syntax::views::{Job, Workflow};
use crate::syntax::{NodeId, NodeKind, SyntaxTree};

pub const NAME: &str = "runner-labels";

const BUILTIN: &str = include_str!("../../rules/migrations/runner-labels.toml");
const BUILTIN_NAME: &str = "rules/migrations/runner-labels.toml";

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LabelRow {
    pub label: String,
    pub replacement: Option<String>,
    pub deprecated: Option<Date>,
    #[serde(default)]
    pub brownouts: Vec<Date>,
    pub retired: Option<Date>,
    #[serde(default)]
    pub note: String,
    pub source: Option<String>,
}

/// `[runner-labels]` in `wffmt.toml`: rows that add to the built-in table or replace its row
/// for the same label.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunnerLabelsConfig {
    pub label: Vec<LabelRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    label: Vec<LabelRow>,
}

/// The built-in rows, parsed once. A broken data file is a bug the unit tests catch; it then
/// reads as an empty table and [`builtin_error`] says why.
fn builtin() -> &'static Result<Vec<LabelRow>, String> {
    static TABLE: OnceLock<Result<Vec<LabelRow>, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        migrations::parse_table::<TableFile>(BUILTIN_NAME, BUILTIN).map(|t| t.label)
    })
}

/// The problem with the built-in table, if any (none in a correct build).
pub fn builtin_error() -> Option<&'static str> {
    builtin().as_ref().err().map(String::as_str)
}

/// The rows that apply to one file: configured rows first, then built-in ones.
struct Table<'a> {
    /// The built-in rows by lower-case label, made once per run.
    builtin: &'static BTreeMap<String, &'static LabelRow>,
    /// `[[runner-labels.label]]` rows, which replace built-in rows of the same label.
    configured: BTreeMap<String, &'a LabelRow>,
}

fn builtin_rows() -> &'static BTreeMap<String, &'static LabelRow> {
    static ROWS: OnceLock<BTreeMap<String, &'static LabelRow>> = OnceLock::new();
    ROWS.get_or_init(|| match builtin() {
        Ok(rows) => by_label(rows),
        Err(_) => BTreeMap::new(),
    })
}

fn by_label(rows: &[LabelRow]) -> BTreeMap<String, &LabelRow> {
    rows.iter()
        .map(|row| (row.label.to_ascii_lowercase(), row))
        .collect()
}

impl<'a> Table<'a> {
    fn new(config: &'a RunnerLabelsConfig) -> Table<'a> {
        Table {
            builtin: builtin_rows(),
            configured: by_label(&config.label),
        }
    }

    fn get(&self, label: &str) -> Option<&'a LabelRow> {
        let key = label.trim().to_ascii_lowercase();
        self.configured
            .get(&key)
            .or_else(|| self.builtin.get(&key))
            .copied()
    }

    /// Every label of the table, lower case, in order.
    fn labels(&self) -> Vec<&str> {
        let mut labels: Vec<&str> = self
            .builtin
            .keys()
            .chain(self.configured.keys())
            .map(String::as_str)
            .collect();
        if !self.configured.is_empty() {
            labels.sort_unstable();
            labels.dedup();
        }
        labels
    }

    fn status(&self, label: &str, today: Date) -> Status<'a> {
        let Some(row) = self.get(label) else {
            return Status::Fine;
        };
        let replacement = self.final_replacement(row, today);
        if row.retired.is_some_and(|d| d <= today) {
            Status::Retired { row, replacement }
        } else if row.deprecated.is_some_and(|d| d <= today) {
            Status::Deprecated { row, replacement }
        } else {
            Status::Fine
        }
    }

    /// The row's replacement, followed while the replacement is itself deprecated.
    fn final_replacement(&self, row: &LabelRow, today: Date) -> Option<String> {
        let mut current = row.replacement.clone()?;
        for _ in 0..8 {
            let Some(next) = self.get(&current) else {
                break;
            };
            let outdated = next.deprecated.is_some_and(|d| d <= today)
                || next.retired.is_some_and(|d| d <= today);
            match &next.replacement {
                Some(r) if outdated && !r.eq_ignore_ascii_case(&row.label) => current = r.clone(),
                _ => break,
            }
        }
        Some(current)
    }
}

enum Status<'a> {
    Fine,
    Deprecated {
        row: &'a LabelRow,
        replacement: Option<String>,
    },
    Retired {
        row: &'a LabelRow,
        replacement: Option<String>,
    },
}

pub struct RunnerLabels;

impl Rule for RunnerLabels {
    fn name(&self) -> &'static str {
        NAME
    }

    fn allowed_routes(&self) -> &'static [&'static str] {
        &["jobs.*.runs-on", "jobs.*.strategy.matrix.*"]
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        if cx.kind != FileKind::Workflow {
            return out;
        }
        let Some(wf) = Workflow::new(cx.tree) else {
            return out;
        };
        let today = match Date::today() {
            Ok(d) => d,
            Err(msg) => {
                out.findings
                    .push(Finding::new(NAME, Severity::Error, 1, 1, msg));
                return out;
            }
        };
        let table = Table::new(&cx.config.runner_labels);
        let mut run = Run {
            tree: cx.tree,
            table: &table,
            today,
            out: &mut out,
        };
        for job in wf.jobs() {
            run.job(&wf, &job);
        }
        out
    }
}

struct Run<'a, 'o> {
    tree: &'a SyntaxTree,
    table: &'a Table<'a>,
    today: Date,
    out: &'o mut Output,
}

/// A scalar's literal text, `None` for collections and expressions.
fn literal(tree: &SyntaxTree, node: NodeId) -> Option<String> {
    let v = tree.scalar_value(node)?;
    (!v.contains("${{")).then(|| v.into_owned())
}

impl Run<'_, '_> {
    fn at(&self, node: NodeId) -> (usize, usize) {
        self.tree.line_col(self.tree.range(node).start)
    }

    /// A warning of this rule at `node`.
    fn warn(&mut self, node: NodeId, message: String, help: String) {
        let (line, column) = self.at(node);
        self.out
            .findings
            .push(Finding::new(NAME, Severity::Warning, line, column, message).with_help(help));
    }

    fn job(&mut self, wf: &Workflow, job: &Job) {
        let t = self.tree;
        if let Some(with) = job.uses().and(job.get("with")) {
            // Inputs of a reusable workflow may become its `runs-on`.
            for e in t.map_entries(with) {
                if let Some(v) = t.entry_value(e) {
                    if let Some(label) = literal(t, v) {
                        self.report(v, &label, "passed to a reusable workflow");
                    }
                }
            }
        }
        let Some(runs_on) = job.get("runs-on") else {
            return;
        };
        match t.kind(runs_on) {
            NodeKind::Scalar => {
                let Some(value) = t.scalar_value(runs_on).map(|v| v.into_owned()) else {
                    return;
                };
                if value.contains("${{") {
                    self.expression(wf, job, runs_on, &value);
                } else {
                    self.fix_literal(runs_on, &value);
                }
            }
            NodeKind::BlockSeq | NodeKind::FlowSeq => {
                let items: Vec<NodeId> = t.seq_items(runs_on).collect();
                let self_hosted = items
                    .iter()
                    .any(|&i| literal(t, i).is_some_and(|l| l.eq_ignore_ascii_case("self-hosted")));
                if self_hosted {
                    for item in items {
                        if let Some(label) = literal(t, item) {
                            self.report(item, &label, "in a self-hosted label set");
                        }
                    }
                } else {
                    self.fix_list(runs_on, &items);
                }
            }
            NodeKind::BlockMap | NodeKind::FlowMap => {
                if let Some(labels) = t.map_get(runs_on, "labels") {
                    let items: Vec<NodeId> = match t.kind(labels) {
                        NodeKind::Scalar => vec![labels],
                        _ => t.seq_items(labels).collect(),
                    };
                    for item in items {
                        if let Some(label) = literal(t, item) {
                            self.report(item, &label, "in the labels of a runner group");
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// `runs-on: [a, b]`, labels a runner must all have: each retired one is replaced, or
    /// removed when its replacement is listed already (the same set of labels, without a
    /// repeated one).
    fn fix_list(&mut self, list: NodeId, items: &[NodeId]) {
        let t = self.tree;
        let mut renamed = duplicates::Renames::new();
        for &item in items {
            if let Some(Status::Retired {
                replacement: Some(new),
                ..
            }) = literal(t, item).map(|l| self.table.status(&l, self.today))
            {
                renamed.insert(item, new);
            }
        }
        let entries: Vec<(NodeId, Option<NodeId>)> = items.iter().map(|&i| (i, Some(i))).collect();
        let removed = duplicates::removed_items(t, &entries, &renamed);
        for &item in items {
            let Some(label) = literal(t, item) else {
                continue;
            };
            if !removed.contains(&item) {
                self.fix_literal(item, &label);
                continue;
            }
            let Some(edit) = duplicates::remove_item(t, list, item) else {
                self.report(
                    item,
                    &label,
                    "in a label list that has a comment or shares its line",
                );
                continue;
            };
            let fix = Fix::new(
                NAME,
                format!(
                    "remove retired runner label `{label}` from `runs-on`, which already lists `{}`",
                    renamed[&item]
                ),
                vec![edit],
            );
            migrations::propose(self.out, fix, None, t.range(item).start);
        }
    }

    /// A literal label: a fix once retired, a warning while deprecated.
    fn fix_literal(&mut self, node: NodeId, label: &str) {
        match self.table.status(label, self.today) {
            Status::Fine => {}
            Status::Deprecated { row, replacement } => self.deprecated(node, row, replacement),
            Status::Retired { row, replacement } => {
                let Some(new) = replacement else {
                    self.retired_without_replacement(node, row);
                    return;
                };
                let Some(edit) = migrations::replace_scalar(self.tree, node, &new) else {
                    self.report(node, label, "written in a style this rule does not rewrite");
                    return;
                };
                let fix = Fix::new(
                    NAME,
                    format!("replace retired runner label `{label}` with `{new}`"),
                    vec![edit],
                );
                let at = self.tree.range(node).start;
                migrations::propose(self.out, fix, None, at);
            }
        }
    }

    fn deprecated(&mut self, node: NodeId, row: &LabelRow, replacement: Option<String>) {
        let mut msg = format!("runner label `{}` is deprecated", row.label);
        if let Some(d) = row.retired {
            msg.push_str(&format!(" and retires on {d}"));
        }
        let upcoming: Vec<String> = row
            .brownouts
            .iter()
            .filter(|d| **d >= self.today)
            .map(Date::to_string)
            .collect();
        if !upcoming.is_empty() {
            msg.push_str(&format!(
                "; jobs using it fail on purpose on {}",
                upcoming.join(", ")
            ));
        }
        let help = self.help(replacement.as_deref(), row);
        self.warn(node, msg, help);
    }

    fn retired_without_replacement(&mut self, node: NodeId, row: &LabelRow) {
        let help = self.help(None, row);
        self.warn(
            node,
            format!("runner label `{}` was retired", row.label),
            help,
        );
    }

    fn help(&self, replacement: Option<&str>, row: &LabelRow) -> String {
        let mut help = match replacement {
            Some(r) => format!("use `{r}`"),
            None => "choose another runner".to_string(),
        };
        if !row.note.is_empty() {
            help.push_str(&format!(" ({})", row.note));
        }
        if let Some(source) = &row.source {
            help.push_str(&format!("; see {source}"));
        }
        help
    }

    /// A label found where it cannot be rewritten safely: a warning when it is deprecated or
    /// retired.
    fn report(&mut self, node: NodeId, label: &str, place: &str) {
        let (row, replacement, retired) = match self.table.status(label, self.today) {
            Status::Fine => return,
            Status::Deprecated { row, replacement } => (row, replacement, false),
            Status::Retired { row, replacement } => (row, replacement, true),
        };
        let state = if retired {
            format!(
                "was retired on {}",
                row.retired.map(|d| d.to_string()).unwrap_or_default()
            )
        } else {
            "is deprecated".to_string()
        };
        let help = format!(
            "{}; wffmt does not rewrite it here",
            self.help(replacement.as_deref(), row)
        );
        self.warn(
            node,
            format!("runner label `{}` ({place}) {state}", row.label),
            help,
        );
    }

    /// `runs-on` with an expression.
    fn expression(&mut self, wf: &Workflow, job: &Job, runs_on: NodeId, value: &str) {
        let t = self.tree;
        if let Some(path) = sole_reference(value, "matrix.") {
            self.matrix(job, runs_on, &path);
            return;
        }
        if let Some((prefix, path, suffix)) = template(value, "matrix.") {
            // `macos-${{ matrix.v }}`: the labels it can make.
            for site in matrix_sites(t, job, &path) {
                if let Some(v) = literal(t, site) {
                    let label = format!("{prefix}{v}{suffix}");
                    self.report(runs_on, &label, "made from a matrix value");
                }
            }
            return;
        }
        if let Some(input) = sole_reference(value, "inputs.") {
            for default in input_defaults(t, wf, &input) {
                if let Some(label) = literal(t, default) {
                    self.report(default, &label, "the default of an input used as `runs-on`");
                }
            }
            return;
        }
        // Literal labels written inside the expression (`cond && 'macos-13' || 'macos-14'`).
        let table = self.table;
        let lower = value.to_ascii_lowercase();
        for label in table.labels() {
            if lower.contains(&format!("'{label}'")) {
                self.report(runs_on, label, "inside an expression");
            }
        }
    }

    /// `runs-on: ${{ matrix.<path> }}`: the literal matrix values that name retired labels.
    fn matrix(&mut self, job: &Job, runs_on: NodeId, path: &[String]) {
        let t = self.tree;
        let axis = matrix_axis(t, job, path);
        let entry_sites = matrix_entry_sites(t, job, path);
        let sites = axis
            .iter()
            .flat_map(|(_, items)| items.iter().filter_map(|&(_, site)| site))
            .chain(entry_sites.iter().copied());
        // Group the sites by the label they hold: one fix per label changes them all, so that
        // `include`/`exclude` entries still match the list.
        let mut by_label: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
        for site in sites {
            if let Some(v) = literal(t, site) {
                by_label
                    .entry(v.to_ascii_lowercase())
                    .or_default()
                    .push(site);
            }
        }
        // What every retired label becomes, to see which entries the fixes together would make
        // the same as another.
        let mut renamed = duplicates::Renames::new();
        for nodes in by_label.values() {
            let label = literal(t, nodes[0]).unwrap_or_default();
            if let Status::Retired {
                replacement: Some(new),
                ..
            } = self.table.status(&label, self.today)
            {
                renamed.extend(nodes.iter().map(|&n| (n, new.clone())));
            }
        }
        let removed = axis
            .as_ref()
            .map(|(_, items)| duplicates::removed_items(t, items, &renamed))
            .unwrap_or_default();
        let label_after = |n: NodeId| {
            renamed
                .get(&n)
                .cloned()
                .or_else(|| literal(t, n))
                .map(|l| l.to_ascii_lowercase())
        };
        let reference = format!("matrix.{}", path.join("."));
        let other_uses = other_references(t, job, runs_on, &reference);
        for (_, nodes) in by_label {
            let Some(label) = literal(t, nodes[0]) else {
                continue;
            };
            match self.table.status(&label, self.today) {
                Status::Fine => {}
                Status::Deprecated { row, replacement } => {
                    self.deprecated(nodes[0], row, replacement)
                }
                Status::Retired { row, replacement } => {
                    let Some(new) = replacement else {
                        self.retired_without_replacement(nodes[0], row);
                        continue;
                    };
                    // The list items of this label that would repeat an entry the list keeps.
                    let removing: Vec<NodeId> = axis
                        .iter()
                        .flat_map(|(_, items)| items)
                        .filter(|(item, site)| {
                            site.is_some_and(|s| nodes.contains(&s)) && removed.contains(item)
                        })
                        .map(|&(item, _)| item)
                        .collect();
                    // `include`/`exclude` entries that name the replacement already would then
                    // apply to this label's jobs too; and this label's entries would apply to
                    // the jobs of the replacement listed before.
                    let merges = entry_sites.iter().any(|&e| {
                        !nodes.contains(&e)
                            && label_after(e).as_deref() == Some(&new.to_ascii_lowercase())
                    }) || (!removing.is_empty()
                        && nodes.iter().any(|n| entry_sites.contains(n)));
                    if merges {
                        self.merged(nodes[0], row, &new, &reference);
                        continue;
                    }
                    let edits: Option<Vec<Edit>> = nodes
                        .iter()
                        .map(|&n| {
                            let item = axis
                                .iter()
                                .flat_map(|(_, items)| items)
                                .find(|(_, site)| *site == Some(n))
                                .map(|&(item, _)| item);
                            match (&axis, item) {
                                (Some((list, _)), Some(item)) if removing.contains(&item) => {
                                    duplicates::remove_item(t, *list, item)
                                }
                                _ => migrations::replace_scalar(t, n, &new),
                            }
                        })
                        .collect();
                    let Some(edits) = edits else {
                        let how = if removing.is_empty() {
                            "written in a style this rule does not rewrite"
                        } else {
                            "in a matrix entry that has a comment or shares its line"
                        };
                        self.report(nodes[0], &label, how);
                        continue;
                    };
                    let mut reasons = Vec::new();
                    let title = if removing.is_empty() {
                        format!(
                            "replace retired runner label `{label}` with `{new}` in `{reference}`"
                        )
                    } else {
                        // `new` is listed, or another retired label listed becomes it.
                        let listed = match axis_sites_becoming(t, &axis, &renamed, &new)
                            .into_iter()
                            .find(|s| !nodes.contains(s))
                            .and_then(|s| literal(t, s))
                        {
                            Some(l) if !l.eq_ignore_ascii_case(&new) => {
                                format!("`{l}`, which also becomes `{new}`")
                            }
                            _ => format!("`{new}`"),
                        };
                        reasons.push(format!(
                            "`{reference}` already has {listed}, so `{label}` is removed rather \
                             than replaced (a second `{new}` would run the same jobs twice); the \
                             matrix loses the `{label}` combinations"
                        ));
                        format!(
                            "remove retired runner label `{label}` from `{reference}`, which already has {listed}"
                        )
                    };
                    if let Some(place) = &other_uses {
                        reasons.push(format!(
                            "`{reference}` is also read {place}, where the new value may change \
                             a name, a condition or an input"
                        ));
                    }
                    let fix = Fix::new(NAME, title, edits);
                    let reason = (!reasons.is_empty()).then(|| reasons.join("; "));
                    let at = t.range(nodes[0]).start;
                    migrations::propose(self.out, fix, reason, at);
                }
            }
        }
    }

    /// A retired label whose replacement the matrix already names where replacing it would
    /// merge the two: reported, never rewritten.
    fn merged(&mut self, node: NodeId, row: &LabelRow, new: &str, reference: &str) {
        let help = format!(
            "edit the matrix by hand: remove `{}` and the entries that name it, or choose \
             another runner; {}",
            row.label,
            self.help(Some(new), row)
        );
        self.warn(
            node,
            format!(
                "runner label `{}` was retired; `{new}` is already in the matrix, and \
                 replacing `{}` with it in `{reference}` would merge their jobs and their \
                 `include`/`exclude` entries",
                row.label, row.label
            ),
            help,
        );
    }
}

/// The label sites of the matrix list that read `new` once the fixes are applied.
fn axis_sites_becoming(
    tree: &SyntaxTree,
    axis: &Option<Axis>,
    renamed: &duplicates::Renames,
    new: &str,
) -> Vec<NodeId> {
    axis.iter()
        .flat_map(|(_, items)| items.iter().filter_map(|&(_, site)| site))
        .filter(|s| {
            renamed
                .get(s)
                .cloned()
                .or_else(|| literal(tree, *s))
                .is_some_and(|l| l.eq_ignore_ascii_case(new))
        })
        .collect()
}

/// `${{ <prefix>a.b }}` (the whole value) -> `["a", "b"]`.
fn sole_reference(value: &str, prefix: &str) -> Option<Vec<String>> {
    let inner = value.trim().strip_prefix("${{")?.strip_suffix("}}")?.trim();
    let path = inner.strip_prefix(prefix)?;
    let parts: Vec<String> = path.split('.').map(str::to_string).collect();
    parts
        .iter()
        .all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .then_some(parts)
}

/// `text${{ <prefix>a }}text` -> (prefix text, path, suffix text), for one reference.
fn template(value: &str, prefix: &str) -> Option<(String, Vec<String>, String)> {
    let open = value.find("${{")?;
    let close = value[open..].find("}}")? + open + 2;
    if value[close..].contains("${{") {
        return None;
    }
    let path = sole_reference(&value[open..close], prefix)?;
    Some((value[..open].to_string(), path, value[close..].to_string()))
}

/// The scalar nodes that can give `matrix.<path>` its values: items of the list under the key,
/// and the key in `include` and `exclude` entries.
fn matrix_sites(tree: &SyntaxTree, job: &Job, path: &[String]) -> Vec<NodeId> {
    let mut out: Vec<NodeId> = matrix_axis(tree, job, path)
        .map(|(_, items)| items.into_iter().filter_map(|(_, site)| site).collect())
        .unwrap_or_default();
    out.extend(matrix_entry_sites(tree, job, path));
    out
}

/// The job's `strategy.matrix` mapping and the first key of `path` and the keys below it.
fn matrix_of<'p>(
    tree: &SyntaxTree,
    job: &Job,
    path: &'p [String],
) -> Option<(NodeId, &'p String, &'p [String])> {
    let matrix = job
        .get("strategy")
        .and_then(|s| tree.map_get(s, "matrix"))
        .filter(|&m| matches!(tree.kind(m), NodeKind::BlockMap | NodeKind::FlowMap))?;
    let (first, rest) = path.split_first()?;
    Some((matrix, first, rest))
}

/// The scalar at `rest` below `node`.
fn follow(tree: &SyntaxTree, mut node: NodeId, rest: &[String]) -> Option<NodeId> {
    for key in rest {
        node = tree.map_get(node, key)?;
    }
    (tree.kind(node) == NodeKind::Scalar).then_some(node)
}

/// The list under the matrix key of `path`, with each item and the scalar in it that holds
/// `matrix.<path>` (`None` for an item without one).
type Axis = (NodeId, Vec<(NodeId, Option<NodeId>)>);

fn matrix_axis(tree: &SyntaxTree, job: &Job, path: &[String]) -> Option<Axis> {
    let (matrix, first, rest) = matrix_of(tree, job, path)?;
    let list = tree
        .map_get(matrix, first)
        .filter(|&l| matches!(tree.kind(l), NodeKind::BlockSeq | NodeKind::FlowSeq))?;
    let items = tree
        .seq_items(list)
        .map(|i| (i, follow(tree, i, rest)))
        .collect();
    Some((list, items))
}

/// The scalars that set `matrix.<path>` in the matrix's `include` and `exclude` entries.
fn matrix_entry_sites(tree: &SyntaxTree, job: &Job, path: &[String]) -> Vec<NodeId> {
    let mut out = Vec::new();
    let Some((matrix, first, rest)) = matrix_of(tree, job, path) else {
        return out;
    };
    for extra in ["include", "exclude"] {
        if let Some(list) = tree.map_get(matrix, extra) {
            for entry in tree.seq_items(list) {
                if let Some(v) = tree
                    .map_get(entry, first)
                    .and_then(|v| follow(tree, v, rest))
                {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// Where else in the job `reference` (e.g. `matrix.os`) is read, outside `runs_on` and the
/// matrix itself: a short description of the first place, or `None`.
fn other_references(
    tree: &SyntaxTree,
    job: &Job,
    runs_on: NodeId,
    reference: &str,
) -> Option<String> {
    let map = job.map?;
    let skip = tree.range(runs_on);
    let strategy = job.get("strategy").map(|s| tree.range(s));
    for e in tree.map_entries(map) {
        let range = tree.range(e);
        if range.start <= skip.start && skip.end <= range.end {
            continue;
        }
        if strategy
            .as_ref()
            .is_some_and(|s| range.start <= s.start && s.end <= range.end)
        {
            continue;
        }
        let text = &tree.text()[range];
        if mentions(text, reference) {
            let key = tree
                .entry_key(e)
                .and_then(|k| tree.scalar_value(k))
                .unwrap_or_default();
            return Some(format!("in `{key}`"));
        }
    }
    None
}

/// `text` mentions `reference` as a whole path (`matrix.os` but not `matrix.os-version`).
fn mentions(text: &str, reference: &str) -> bool {
    let mut rest = text;
    while let Some(i) = rest.find(reference) {
        let after = &rest[i + reference.len()..];
        let before_ok = rest[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'));
        let after_ok = after
            .chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        if before_ok && after_ok {
            return true;
        }
        rest = after;
    }
    false
}

/// The `default` (and `options`) nodes of input `name` of `workflow_call` / `workflow_dispatch`.
fn input_defaults(tree: &SyntaxTree, wf: &Workflow, path: &[String]) -> Vec<NodeId> {
    let mut out = Vec::new();
    let [name] = path else {
        return out;
    };
    for trigger in wf.triggers() {
        let Some(config) = trigger.config else {
            continue;
        };
        let Some(input) = tree
            .map_get(config, "inputs")
            .and_then(|i| tree.map_get(i, name))
        else {
            continue;
        };
        if let Some(d) = tree.map_get(input, "default") {
            out.push(d);
        }
        if let Some(options) = tree.map_get(input, "options") {
            out.extend(tree.seq_items(options));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_loads_and_every_row_has_a_source_and_dates_in_order() {
        assert_eq!(builtin_error(), None);
        let rows = builtin().as_ref().unwrap();
        assert!(rows.len() >= 10);
        for row in rows {
            assert!(
                row.source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("https://")),
                "{row:?}"
            );
            if let (Some(d), Some(r)) = (row.deprecated, row.retired) {
                assert!(d < r, "{}", row.label);
            }
            assert!(row.replacement.is_some(), "{}", row.label);
        }
    }

    #[test]
    fn replacements_follow_the_chain_as_of_a_day() {
        let config = RunnerLabelsConfig::default();
        let table = Table::new(&config);
        let day = |s| Date::parse(s).unwrap();
        let replacement = |label, today| match table.status(label, day(today)) {
            Status::Retired { replacement, .. } => format!("retired -> {replacement:?}"),
            Status::Deprecated { replacement, .. } => format!("deprecated -> {replacement:?}"),
            Status::Fine => "fine".into(),
        };
        assert_eq!(replacement("ubuntu-20.04", "2025-01-01"), "fine");
        assert_eq!(
            replacement("ubuntu-20.04", "2025-03-01"),
            "deprecated -> Some(\"ubuntu-22.04\")"
        );
        assert_eq!(
            replacement("Ubuntu-20.04", "2026-10-01"),
            "retired -> Some(\"ubuntu-24.04\")"
        );
        assert_eq!(
            replacement("ubuntu-18.04", "2026-01-01"),
            "retired -> Some(\"ubuntu-22.04\")"
        );
        assert_eq!(replacement("ubuntu-latest", "2026-01-01"), "fine");
    }

    #[test]
    fn references_in_expressions() {
        assert_eq!(
            sole_reference("${{ matrix.os }}", "matrix."),
            Some(vec!["os".to_string()])
        );
        assert_eq!(
            sole_reference("${{matrix.platform.runner}}", "matrix."),
            Some(vec!["platform".to_string(), "runner".to_string()])
        );
        assert_eq!(sole_reference("${{ matrix.os || 'x' }}", "matrix."), None);
        assert_eq!(
            template("macos-${{ matrix.v }}-large", "matrix."),
            Some(("macos-".into(), vec!["v".into()], "-large".into()))
        );
        assert!(mentions("name: test ${{ matrix.os }}", "matrix.os"));
        assert!(!mentions("${{ matrix.os-version }}", "matrix.os"));
        assert!(!mentions("${{ matrix.osx }}", "matrix.os"));
    }
}
