//! Typed read-only views over the CST for GitHub Actions workflows and action metadata.
//!
//! Views never own data: they hand out [`NodeId`]s of the tree, so rules can both read values
//! and compute byte ranges for their edits from the same place.

use super::tree::{NodeId, NodeKind, SyntaxTree};

/// The filter keys of an event (`on.<event>.<filter>`).
pub const FILTER_KEYS: [&str; 6] = [
    "branches",
    "branches-ignore",
    "tags",
    "tags-ignore",
    "paths",
    "paths-ignore",
];

fn is_map(tree: &SyntaxTree, n: NodeId) -> bool {
    matches!(tree.kind(n), NodeKind::BlockMap | NodeKind::FlowMap)
}

/// A workflow file (`.github/workflows/*.yml`).
pub struct Workflow<'t> {
    pub tree: &'t SyntaxTree,
    /// The top-level mapping.
    pub root: NodeId,
}

/// One event under `on:`.
pub struct Trigger {
    pub name: String,
    /// The node naming the event (a key, or an item of a list/scalar form).
    pub name_node: NodeId,
    /// The event's configuration mapping, when it has one.
    pub config: Option<NodeId>,
}

/// One filter list: `on.<event>.<kind>`.
pub struct Filter {
    pub event: String,
    pub kind: String,
    /// The value node: a sequence or a single scalar.
    pub value: NodeId,
}

pub struct Job<'t> {
    pub tree: &'t SyntaxTree,
    pub id: String,
    /// The `id: ...` entry in `jobs`.
    pub entry: NodeId,
    /// The job's mapping.
    pub map: Option<NodeId>,
}

pub struct Step<'t> {
    pub tree: &'t SyntaxTree,
    /// The step's mapping.
    pub map: NodeId,
    pub index: usize,
}

impl<'t> Workflow<'t> {
    /// The workflow view of the first document, if its root is a mapping.
    pub fn new(tree: &'t SyntaxTree) -> Option<Self> {
        let root = tree.first_root()?;
        is_map(tree, root).then_some(Workflow { tree, root })
    }

    pub fn get(&self, key: &str) -> Option<NodeId> {
        self.tree.map_get(self.root, key)
    }

    /// The value of `on:` (GitHub reads the key `on` as a string; `true` is YAML 1.1's reading).
    pub fn on(&self) -> Option<NodeId> {
        self.get("on")
    }

    pub fn triggers(&self) -> Vec<Trigger> {
        let t = self.tree;
        let Some(on) = self.on() else {
            return Vec::new();
        };
        match t.kind(on) {
            NodeKind::Scalar => t
                .scalar_value(on)
                .map(|name| Trigger {
                    name: name.into_owned(),
                    name_node: on,
                    config: None,
                })
                .into_iter()
                .collect(),
            NodeKind::BlockSeq | NodeKind::FlowSeq => t
                .seq_items(on)
                .filter_map(|item| {
                    Some(Trigger {
                        name: t.scalar_value(item)?.into_owned(),
                        name_node: item,
                        config: None,
                    })
                })
                .collect(),
            NodeKind::BlockMap | NodeKind::FlowMap => t
                .map_entries(on)
                .filter_map(|e| {
                    let key = t.entry_key(e)?;
                    Some(Trigger {
                        name: t.scalar_value(key)?.into_owned(),
                        name_node: key,
                        config: t.entry_value(e).filter(|&v| is_map(t, v)),
                    })
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Every `on.<event>.<branches|tags|paths…>` list, for any event name.
    pub fn filters(&self) -> Vec<Filter> {
        let t = self.tree;
        let mut out = Vec::new();
        for trigger in self.triggers() {
            let Some(config) = trigger.config else {
                continue;
            };
            for e in t.map_entries(config) {
                let (Some(k), Some(v)) = (t.entry_key(e), t.entry_value(e)) else {
                    continue;
                };
                let Some(kind) = t.scalar_value(k) else {
                    continue;
                };
                if FILTER_KEYS.contains(&kind.as_ref()) {
                    out.push(Filter {
                        event: trigger.name.clone(),
                        kind: kind.into_owned(),
                        value: v,
                    });
                }
            }
        }
        out
    }

    pub fn jobs(&self) -> Vec<Job<'t>> {
        let t = self.tree;
        let Some(jobs) = self.get("jobs").filter(|&j| is_map(t, j)) else {
            return Vec::new();
        };
        t.map_entries(jobs)
            .filter_map(|e| {
                let id = t.scalar_value(t.entry_key(e)?)?.into_owned();
                Some(Job {
                    tree: t,
                    id,
                    entry: e,
                    map: t.entry_value(e).filter(|&v| is_map(t, v)),
                })
            })
            .collect()
    }

    /// The top-level `permissions` entry.
    pub fn permissions_entry(&self) -> Option<NodeId> {
        self.tree.map_entry(self.root, "permissions")
    }
}

impl<'t> Job<'t> {
    pub fn get(&self, key: &str) -> Option<NodeId> {
        self.map.and_then(|m| self.tree.map_get(m, key))
    }

    /// `jobs.<id>.uses` (a reusable workflow call).
    pub fn uses(&self) -> Option<NodeId> {
        self.get("uses")
    }

    pub fn permissions_entry(&self) -> Option<NodeId> {
        self.map.and_then(|m| self.tree.map_entry(m, "permissions"))
    }

    pub fn steps(&self) -> Vec<Step<'t>> {
        steps_of(self.tree, self.get("steps"))
    }
}

fn steps_of<'t>(tree: &'t SyntaxTree, seq: Option<NodeId>) -> Vec<Step<'t>> {
    let Some(seq) = seq else {
        return Vec::new();
    };
    tree.seq_items(seq)
        .enumerate()
        .filter(|(_, n)| is_map(tree, *n))
        .map(|(index, map)| Step { tree, map, index })
        .collect()
}

impl Step<'_> {
    pub fn get(&self, key: &str) -> Option<NodeId> {
        self.tree.map_get(self.map, key)
    }

    pub fn uses(&self) -> Option<NodeId> {
        self.get("uses")
    }

    pub fn run(&self) -> Option<NodeId> {
        self.get("run")
    }

    /// `with:` inputs: name and value node.
    pub fn with(&self) -> Vec<(String, NodeId)> {
        self.pairs("with")
    }

    /// `env:` variables: name and value node.
    pub fn env(&self) -> Vec<(String, NodeId)> {
        self.pairs("env")
    }

    fn pairs(&self, key: &str) -> Vec<(String, NodeId)> {
        let t = self.tree;
        let Some(m) = self.get(key).filter(|&m| is_map(t, m)) else {
            return Vec::new();
        };
        t.map_entries(m)
            .filter_map(|e| {
                let k = t.scalar_value(t.entry_key(e)?)?.into_owned();
                Some((k, t.entry_value(e)?))
            })
            .collect()
    }
}

/// Action metadata (`action.yml`).
pub struct ActionMeta<'t> {
    pub tree: &'t SyntaxTree,
    pub root: NodeId,
}

impl<'t> ActionMeta<'t> {
    pub fn new(tree: &'t SyntaxTree) -> Option<Self> {
        let root = tree.first_root()?;
        is_map(tree, root).then_some(ActionMeta { tree, root })
    }

    pub fn runs(&self) -> Option<NodeId> {
        self.tree
            .map_get(self.root, "runs")
            .filter(|&r| is_map(self.tree, r))
    }

    /// `runs.using` (`composite`, `node20`, `docker`).
    pub fn using(&self) -> Option<String> {
        let runs = self.runs()?;
        let u = self.tree.map_get(runs, "using")?;
        self.tree.scalar_value(u).map(|s| s.into_owned())
    }

    /// `runs.steps` of a composite action.
    pub fn steps(&self) -> Vec<Step<'t>> {
        let steps = self.runs().and_then(|r| self.tree.map_get(r, "steps"));
        steps_of(self.tree, steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    #[test]
    fn workflow_views() {
        let src = "on:\n  push:\n    branches: [main]\n    paths:\n      - 'src/**'\n  pull_request:\n    branches-ignore: x\njobs:\n  a:\n    uses: o/r/.github/workflows/w.yml@v1\n  b:\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          fetch-depth: 0\n      - run: make\n";
        let tree = parse(src);
        let wf = Workflow::new(&tree).unwrap();
        let names: Vec<_> = wf.triggers().into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["push", "pull_request"]);
        let filters: Vec<_> = wf
            .filters()
            .into_iter()
            .map(|f| format!("{}.{}", f.event, f.kind))
            .collect();
        assert_eq!(
            filters,
            [
                "push.branches",
                "push.paths",
                "pull_request.branches-ignore"
            ]
        );
        let jobs = wf.jobs();
        assert_eq!(jobs.len(), 2);
        assert!(jobs[0].uses().is_some());
        let steps = jobs[1].steps();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].with()[0].0, "fetch-depth");
        assert!(steps[1].run().is_some());
    }

    #[test]
    fn on_as_list_and_scalar() {
        for src in ["on: [push, pull_request]\n", "on: push\n"] {
            let tree = parse(src);
            let wf = Workflow::new(&tree).unwrap();
            assert_eq!(wf.triggers()[0].name, "push");
        }
    }

    #[test]
    fn composite_action_steps() {
        let src = "name: x\nruns:\n  using: composite\n  steps:\n    - uses: actions/cache@v4\n    - run: echo\n      shell: bash\n";
        let tree = parse(src);
        let a = ActionMeta::new(&tree).unwrap();
        assert_eq!(a.using().as_deref(), Some("composite"));
        assert_eq!(a.steps().len(), 2);
    }
}
