//! Rules (codemod passes). Each rule reads the tree and proposes [`Fix`]es made of text edits;
//! it never re-serializes the document. A rule declares which data routes its edits may change
//! ([`Rule::allowed_routes`]); the verifier rejects any other difference and names the rule.

pub mod archived_actions;
pub mod deprecated_commands;
pub mod layout;
pub mod outdated_actions;
pub mod permissions;
pub mod pin;
pub mod quote_patterns;
pub mod runner_labels;

use std::any::Any;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::discover::FileKind;
use crate::edit::Fix;
use crate::finding::Finding;
use crate::resolve::Session;
use crate::suppress::Suppressions;
use crate::syntax::SyntaxTree;

/// Everything a rule may look at for one file.
pub struct Context<'a> {
    pub tree: &'a SyntaxTree,
    /// Display path of the file (for messages).
    pub path: &'a str,
    /// The file on disk, when there is one (not for standard input).
    pub file: Option<&'a Path>,
    pub kind: FileKind,
    pub config: &'a Config,
    /// The file's suppression comments. The pipeline applies them to every fix and finding by
    /// position; a rule whose one fix spans the file (layout, permissions) asks
    /// [`Context::suppressed`] to leave a line or a job alone.
    pub suppressions: &'a Suppressions,
    /// Scratch space for this file, shared by every run of every rule on it.
    pub memo: &'a FileMemo,
}

impl Context<'_> {
    /// Whether a `# wffmt: ignore[…]` comment silences `rule` at `line` (1-based). Asking counts
    /// as using the comment, so it is not reported as unused.
    pub fn suppressed(&self, rule: &str, line: usize) -> bool {
        self.suppressions.silences(rule, line)
    }
}

/// Scratch space that lives while one file is processed and is dropped with it. A rule may keep
/// here pure analyses, keyed by everything they depend on, so that its later runs on the same
/// file (further rounds, and the stability pass on the final text, which must still run in full)
/// find them instead of working them out again. Nothing that read another file may be kept (that
/// file may be read differently later), and nothing here outlives the file, so memory does not
/// grow with the tree.
#[derive(Default)]
pub struct FileMemo {
    /// One value per type: each rule keeps its own types, so rules cannot see each other's.
    slots: Mutex<Vec<Arc<dyn Any + Send + Sync>>>,
}

impl FileMemo {
    /// This file's value of type `T`, made by `T::default()` the first time it is asked for.
    pub fn get<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = slots.iter().find(|s| (***s).is::<T>()) {
            if let Ok(found) = Arc::clone(slot).downcast::<T>() {
                return found;
            }
        }
        let made = Arc::new(T::default());
        slots.push(Arc::clone(&made) as Arc<dyn Any + Send + Sync>);
        made
    }
}

/// What a rule found and proposes.
#[derive(Default)]
pub struct Output {
    pub fixes: Vec<Fix>,
    pub findings: Vec<Finding>,
}

pub trait Rule: Sync + Send {
    /// The rule's name, as used by `--select` / `--skip`.
    fn name(&self) -> &'static str;
    /// Whether the rule runs when no `--select` is given.
    fn default_on(&self) -> bool {
        true
    }
    /// Route patterns (see [`crate::verify::RoutePattern`]) whose data the rule may change.
    /// Empty: the rule may change only the layout, never the data.
    fn allowed_routes(&self) -> &'static [&'static str];
    /// Whether the rule adds or moves comments (the verifier then skips the comment check).
    fn may_edit_comments(&self) -> bool {
        false
    }
    fn run(&self, cx: &Context) -> Output;
}

/// Data some rules need that is gathered for the whole run before any file is processed.
#[derive(Default, Clone)]
pub struct Setup {
    /// The run's resolver: ref listings, files and dates from the git server, each asked once
    /// per run (see [`crate::resolve::Session`]). `None` in tools and tests that resolve nothing.
    pub session: Option<Arc<Session>>,
    pub pins: Option<Arc<pin::PinData>>,
    /// Rules explain their reasoning as findings (`-v`, `--format json`).
    pub explain: bool,
}

/// All rules in the order they run (`layout` last: it formats what the others wrote).
pub fn all_rules(setup: &Setup) -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(quote_patterns::QuotePatterns),
        Box::new(deprecated_commands::DeprecatedCommands),
        Box::new(runner_labels::RunnerLabels),
        Box::new(archived_actions::ArchivedActions {
            session: setup.session.clone(),
        }),
        Box::new(outdated_actions::OutdatedActions {
            session: setup.session.clone(),
        }),
        Box::new(pin::Pin {
            data: setup.pins.clone(),
            session: setup.session.clone(),
        }),
        Box::new(permissions::Permissions {
            explain: setup.explain,
            session: setup.session.clone(),
            cache: Default::default(),
        }),
        Box::new(layout::Layout),
    ]
}

/// Names of every rule, in pipeline order.
pub fn rule_names() -> Vec<&'static str> {
    all_rules(&Setup::default())
        .iter()
        .map(|r| r.name())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Counts(Mutex<usize>);

    #[derive(Default)]
    struct Names(Mutex<Vec<String>>);

    #[test]
    fn a_file_memo_keeps_one_value_per_type() {
        let memo = FileMemo::default();
        *memo.get::<Counts>().0.lock().unwrap() += 2;
        memo.get::<Names>().0.lock().unwrap().push("a".to_string());
        assert_eq!(*memo.get::<Counts>().0.lock().unwrap(), 2);
        assert_eq!(*memo.get::<Names>().0.lock().unwrap(), ["a"]);
        assert!(Arc::ptr_eq(&memo.get::<Counts>(), &memo.get::<Counts>()));
        // Another file starts empty.
        assert_eq!(*FileMemo::default().get::<Counts>().0.lock().unwrap(), 0);
    }
}
