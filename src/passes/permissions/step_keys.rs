//! The keys of a step that the walk reads, found in one pass over the step's entries instead
//! of one scan of them per key.

use crate::syntax::views::Step;
use crate::syntax::{NodeId, NodeKind, SyntaxTree};

/// The value of each key a step's analysis reads: that of the first entry with the key, as
/// [`SyntaxTree::map_get`] finds it.
#[derive(Clone, Copy, Default)]
pub struct StepKeys {
    pub name: Option<NodeId>,
    pub uses: Option<NodeId>,
    pub run: Option<NodeId>,
    pub shell: Option<NodeId>,
    pub working_directory: Option<NodeId>,
    pub with: Option<NodeId>,
    pub env: Option<NodeId>,
    pub condition: Option<NodeId>,
}

impl StepKeys {
    pub fn of(step: &Step) -> StepKeys {
        let t = step.tree;
        // The first entry of each key.
        let mut keys = StepKeys::default();
        for entry in t.map_entries(step.map) {
            let Some(key) = t.entry_key(entry).and_then(|k| t.scalar_value(k)) else {
                continue;
            };
            let slot = match key.as_ref() {
                "name" => &mut keys.name,
                "uses" => &mut keys.uses,
                "run" => &mut keys.run,
                "shell" => &mut keys.shell,
                "working-directory" => &mut keys.working_directory,
                "with" => &mut keys.with,
                "env" => &mut keys.env,
                "if" => &mut keys.condition,
                _ => continue,
            };
            slot.get_or_insert(entry);
        }
        let value = |entry: Option<NodeId>| entry.and_then(|e| t.entry_value(e));
        StepKeys {
            name: value(keys.name),
            uses: value(keys.uses),
            run: value(keys.run),
            shell: value(keys.shell),
            working_directory: value(keys.working_directory),
            with: value(keys.with),
            env: value(keys.env),
            condition: value(keys.condition),
        }
    }
}

/// The entries of a block or flow mapping with a scalar key and a value: name and value node
/// (as [`Step::with`] lists them).
pub fn pairs(tree: &SyntaxTree, map: Option<NodeId>) -> Vec<(String, NodeId)> {
    entries(tree, map)
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
}

/// The entries of a block or flow mapping with a scalar key: name and value node, if any.
pub fn entries(
    tree: &SyntaxTree,
    map: Option<NodeId>,
) -> impl Iterator<Item = (String, Option<NodeId>)> + '_ {
    let map = map.filter(|&m| matches!(tree.kind(m), NodeKind::BlockMap | NodeKind::FlowMap));
    map.into_iter().flat_map(move |m| {
        tree.map_entries(m).filter_map(move |e| {
            let k = tree.scalar_value(tree.entry_key(e)?)?.into_owned();
            Some((k, tree.entry_value(e)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;
    use crate::syntax::views::Workflow;

    #[test]
    fn the_first_entry_of_each_key_is_found_as_map_get_finds_it() {
        let text = "on: push\njobs:\n  a:\n    steps:\n      - name: n\n        'uses': a/b@v1\n        with: {x: 1, y: 2}\n        uses: c/d@v2\n        \"if\": true\n        other: 1\n      - run: echo\n        shell:\n        shell: bash\n";
        let tree = parse(text);
        let wf = Workflow::new(&tree).unwrap();
        let jobs = wf.jobs();
        for step in jobs[0].steps() {
            let keys = StepKeys::of(&step);
            assert_eq!(keys.name, step.get("name"));
            assert_eq!(keys.uses, step.uses());
            assert_eq!(keys.run, step.run());
            assert_eq!(keys.shell, step.get("shell"));
            assert_eq!(keys.working_directory, None);
            assert_eq!(keys.with, step.get("with"));
            assert_eq!(keys.condition, step.get("if"));
            assert_eq!(keys.env, None);
            assert_eq!(pairs(&tree, keys.with), step.with());
        }
    }
}
