//! Walking two node arenas side by side and finding the first difference in document order.
//!
//! The walk is driven by an explicit task stack (inputs may nest thousands of levels deep, so no
//! recursion), and mappings and sequences are compared with cursors that advance one pair or
//! item per task, so nothing is collected per collection. A task that finishes a child pushes
//! the continuation of its parent *below* the child's own work, which keeps the order in which
//! differences are found equal to document order: the first one reported is the first one a
//! reader meets.
//!
//! Allowed routes are applied while advancing a cursor: a pair whose key route matches a
//! pattern (or an item whose index route does) is skipped on the side where it occurs, so it
//! may be changed, added or removed, and everything around it is still compared in order.
//!
//! Anchors are compared as a correspondence built during the walk: the first time an anchored
//! node of the original is paired with one of the rewrite, the two anchor ids are tied, and an
//! alias must then refer to the tied anchor. This does not depend on anchor names or on how
//! many anchors a skipped (allowed) region contains.

use std::collections::HashMap;

use super::pattern::{RoutePattern, Step};
use super::schema::{resolve, Resolved, Schema};
use super::stream::{display_tag, Kind, Node, View};

/// The first difference: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Difference {
    pub(crate) route: String,
    pub(crate) detail: String,
    /// The node of the original where the difference was found, when there is one.
    pub(crate) node: Option<usize>,
}

/// Compare all documents of two streams.
pub(crate) fn streams(a: View, b: View, allowed: &[RoutePattern]) -> Result<(), Difference> {
    let (da, db) = (&a.stream.documents, &b.stream.documents);
    if da.len() != db.len() {
        return Err(Difference {
            node: None,
            route: ROOT.to_string(),
            detail: format!(
                "the original has {} document(s), the rewritten text {}",
                da.len(),
                db.len()
            ),
        });
    }
    let mut walk = Walk {
        a,
        b,
        allowed,
        longest: allowed.iter().map(RoutePattern::len).max().unwrap_or(0),
        a_to_b: HashMap::new(),
        route: Vec::new(),
        tasks: Vec::new(),
        current: None,
    };
    let multi = da.len() > 1;
    for (number, (&ra, &rb)) in da.iter().zip(db).enumerate() {
        walk.document(ra, rb).map_err(|mut d| {
            if multi {
                d.detail = format!("in document {}: {}", number + 1, d.detail);
            }
            d
        })?;
    }
    Ok(())
}

/// How the route of the document root is shown.
pub(crate) const ROOT: &str = "(root)";

/// One step of the current route; keys point at a node of either side.
#[derive(Clone, Copy, Debug)]
enum RouteStep {
    KeyA(usize),
    KeyB(usize),
    Index(usize),
}

/// A half-open range of sibling nodes still to compare.
#[derive(Clone, Copy, Debug)]
struct Cursor {
    next: usize,
    end: usize,
}

#[derive(Debug)]
enum Task {
    /// Compare two nodes; `depth` is the length of the parent's route, `step` leads to them.
    Nodes {
        a: usize,
        b: usize,
        depth: usize,
        step: Option<RouteStep>,
    },
    /// Compare the remaining pairs of two mappings whose route has length `depth`.
    Pairs { a: Cursor, b: Cursor, depth: usize },
    /// Compare the remaining items of two sequences; `ai`/`bi` are the next items' indices.
    Items {
        a: Cursor,
        b: Cursor,
        ai: usize,
        bi: usize,
        depth: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    A,
    B,
}

struct Walk<'a> {
    a: View<'a>,
    b: View<'a>,
    allowed: &'a [RoutePattern],
    /// Length of the longest pattern: deeper routes cannot be allowed.
    longest: usize,
    /// Anchor correspondence, original id to rewritten id.
    a_to_b: HashMap<usize, usize>,
    route: Vec<RouteStep>,
    tasks: Vec<Task>,
    /// The original's node being compared (for the position of a difference).
    current: Option<usize>,
}

impl Walk<'_> {
    fn document(&mut self, a: usize, b: usize) -> Result<(), Difference> {
        self.route.clear();
        self.tasks.clear();
        self.tasks.push(Task::Nodes {
            a,
            b,
            depth: 0,
            step: None,
        });
        while let Some(task) = self.tasks.pop() {
            match task {
                Task::Nodes { a, b, depth, step } => {
                    self.set_route(depth, step);
                    self.nodes(a, b)?;
                }
                Task::Pairs { a, b, depth } => {
                    self.set_route(depth, None);
                    self.pairs(a, b, depth)?;
                }
                Task::Items {
                    a,
                    b,
                    ai,
                    bi,
                    depth,
                } => {
                    self.set_route(depth, None);
                    self.items(a, b, ai, bi, depth)?;
                }
            }
        }
        Ok(())
    }

    fn set_route(&mut self, depth: usize, step: Option<RouteStep>) {
        self.route.truncate(depth);
        if let Some(step) = step {
            self.route.push(step);
        }
    }

    fn stream(&self, side: Side) -> View<'_> {
        match side {
            Side::A => self.a,
            Side::B => self.b,
        }
    }

    fn nodes(&mut self, ia: usize, ib: usize) -> Result<(), Difference> {
        let (Some(na), Some(nb)) = (self.a.node(ia), self.b.node(ib)) else {
            return Err(self.internal());
        };
        self.current = Some(ia);
        let here = self.route.len();
        match (&na.kind, &nb.kind) {
            (Kind::Scalar { .. }, Kind::Scalar { .. }) => {
                self.anchor_and_tag(&na, &nb)?;
                if let Some(detail) = scalar_difference(&na, &nb) {
                    return Err(self.fail(None, detail));
                }
            }
            (Kind::Alias(x), Kind::Alias(y)) => match self.a_to_b.get(x) {
                Some(paired) if paired == y => {}
                Some(_) => {
                    return Err(self.fail(None, "the alias refers to a different anchor".into()))
                }
                // The anchor sits in a skipped (allowed) region, so what the alias means may
                // have changed.
                None => {
                    let detail = "the alias refers to an anchor under a route the rule may change";
                    return Err(self.fail(None, detail.into()));
                }
            },
            (Kind::Sequence, Kind::Sequence) => {
                self.anchor_and_tag(&na, &nb)?;
                self.tasks.push(Task::Items {
                    a: Cursor {
                        next: ia + 1,
                        end: na.end,
                    },
                    b: Cursor {
                        next: ib + 1,
                        end: nb.end,
                    },
                    ai: 0,
                    bi: 0,
                    depth: here,
                });
            }
            (Kind::Mapping, Kind::Mapping) => {
                self.anchor_and_tag(&na, &nb)?;
                self.tasks.push(Task::Pairs {
                    a: Cursor {
                        next: ia + 1,
                        end: na.end,
                    },
                    b: Cursor {
                        next: ib + 1,
                        end: nb.end,
                    },
                    depth: here,
                });
            }
            _ => {
                let detail = format!("was {}, now {}", describe(&na), describe(&nb));
                return Err(self.fail(None, detail));
            }
        }
        Ok(())
    }

    fn anchor_and_tag(&mut self, na: &Node, nb: &Node) -> Result<(), Difference> {
        match (na.anchor, nb.anchor) {
            (0, 0) => {}
            (_, 0) => return Err(self.fail(None, "the anchor was removed".into())),
            (0, _) => return Err(self.fail(None, "an anchor was added".into())),
            (x, y) => {
                self.a_to_b.insert(x, y);
            }
        }
        if na.tag != nb.tag {
            let show = |t: Option<&str>| t.map_or("none".into(), display_tag);
            let detail = format!("tag was {}, now {}", show(na.tag), show(nb.tag));
            return Err(self.fail(None, detail));
        }
        Ok(())
    }

    fn pairs(&mut self, mut ca: Cursor, mut cb: Cursor, depth: usize) -> Result<(), Difference> {
        let pa = self.next_pair(Side::A, &mut ca, depth)?;
        let pb = self.next_pair(Side::B, &mut cb, depth)?;
        match (pa, pb) {
            (None, None) => Ok(()),
            (Some((ka, _)), None) => {
                let detail = format!("key {} was removed", self.key_text(Side::A, ka));
                Err(self.fail(Some(RouteStep::KeyA(ka)), detail))
            }
            (None, Some((kb, _))) => {
                let detail = format!("key {} was added", self.key_text(Side::B, kb));
                Err(self.fail(Some(RouteStep::KeyB(kb)), detail))
            }
            (Some((ka, va)), Some((kb, vb))) => {
                let same_key = self.shallow_key_eq(ka, kb, depth);
                if same_key == Some(false) {
                    return Err(self.key_difference(ka, kb, ca, cb, depth));
                }
                let next_a = self.after(Side::A, va)?;
                let next_b = self.after(Side::B, vb)?;
                self.tasks.push(Task::Pairs {
                    a: Cursor {
                        next: next_a,
                        end: ca.end,
                    },
                    b: Cursor {
                        next: next_b,
                        end: cb.end,
                    },
                    depth,
                });
                let step = Some(RouteStep::KeyA(ka));
                self.tasks.push(Task::Nodes {
                    a: va,
                    b: vb,
                    depth,
                    step,
                });
                if same_key.is_none() {
                    // A non-scalar (or anchored) key: compare it in full, before its value.
                    self.tasks.push(Task::Nodes {
                        a: ka,
                        b: kb,
                        depth,
                        step,
                    });
                }
                Ok(())
            }
        }
    }

    /// The next pair at or after the cursor that no pattern allows, as (key, value); the cursor
    /// is left at that pair's key.
    fn next_pair(
        &self,
        side: Side,
        cursor: &mut Cursor,
        depth: usize,
    ) -> Result<Option<(usize, usize)>, Difference> {
        let stream = self.stream(side);
        while cursor.next < cursor.end {
            let key = cursor.next;
            let value = self.after(side, key)?;
            if !self.allowed(depth, stream.key_step(key)) {
                return Ok(Some((key, value)));
            }
            cursor.next = self.after(side, value)?;
        }
        Ok(None)
    }

    fn items(
        &mut self,
        mut ca: Cursor,
        mut cb: Cursor,
        mut ai: usize,
        mut bi: usize,
        depth: usize,
    ) -> Result<(), Difference> {
        while ca.next < ca.end && self.allowed(depth, Step::Index(ai)) {
            ca.next = self.after(Side::A, ca.next)?;
            ai += 1;
        }
        while cb.next < cb.end && self.allowed(depth, Step::Index(bi)) {
            cb.next = self.after(Side::B, cb.next)?;
            bi += 1;
        }
        match (ca.next < ca.end, cb.next < cb.end) {
            (false, false) => Ok(()),
            (true, false) => {
                let detail = match self.a.node(ca.next) {
                    Some(n) => format!("an item was removed (it was {})", describe(&n)),
                    None => "an item was removed".into(),
                };
                Err(self.fail(Some(RouteStep::Index(ai)), detail))
            }
            (false, true) => {
                let detail = match self.b.node(cb.next) {
                    Some(n) => format!("an item was added ({})", describe(&n)),
                    None => "an item was added".into(),
                };
                Err(self.fail(Some(RouteStep::Index(bi)), detail))
            }
            (true, true) => {
                let (item_a, item_b) = (ca.next, cb.next);
                ca.next = self.after(Side::A, item_a)?;
                cb.next = self.after(Side::B, item_b)?;
                self.tasks.push(Task::Items {
                    a: ca,
                    b: cb,
                    ai: ai + 1,
                    bi: bi + 1,
                    depth,
                });
                self.tasks.push(Task::Nodes {
                    a: item_a,
                    b: item_b,
                    depth,
                    step: Some(RouteStep::Index(ai)),
                });
                Ok(())
            }
        }
    }

    /// Whether the route of the current collection (length `depth`) followed by `last` is one a
    /// pattern allows to differ.
    fn allowed(&self, depth: usize, last: Step<'_>) -> bool {
        if depth >= self.longest {
            return false;
        }
        let Some(prefix) = self.route.get(..depth) else {
            return false;
        };
        self.allowed
            .iter()
            .any(|p| p.len() == depth + 1 && p.matches(prefix.iter().map(|s| self.step(*s)), last))
    }

    fn step(&self, step: RouteStep) -> Step<'_> {
        match step {
            RouteStep::KeyA(k) => self.a.key_step(k),
            RouteStep::KeyB(k) => self.b.key_step(k),
            RouteStep::Index(i) => Step::Index(i),
        }
    }

    /// Index just past the subtree of node `index`.
    fn after(&self, side: Side, index: usize) -> Result<usize, Difference> {
        match self.stream(side).end(index) {
            Some(end) => Ok(end),
            None => Err(self.internal()),
        }
    }

    /// `Some(equal)` when both keys are plain data (unanchored scalars); `None` when they need
    /// a full comparison.
    fn shallow_key_eq(&self, ka: usize, kb: usize, depth: usize) -> Option<bool> {
        let (na, nb) = (self.a.node(ka)?, self.b.node(kb)?);
        let simple = |n: &Node| n.anchor == 0 && matches!(n.kind, Kind::Scalar { .. });
        if !simple(&na) || !simple(&nb) {
            return None;
        }
        Some(scalar_keys_equal(&na, &nb, depth))
    }

    /// Explain two different keys at the same position: an insertion, a removal, a reorder or a
    /// replacement, judged from the keys that follow on each side.
    fn key_difference(
        &self,
        ka: usize,
        kb: usize,
        ca: Cursor,
        cb: Cursor,
        depth: usize,
    ) -> Difference {
        let a_later_in_b = self.key_occurs(Side::B, cb, depth, ka);
        let b_later_in_a = self.key_occurs(Side::A, ca, depth, kb);
        let (text_a, text_b) = (self.key_text(Side::A, ka), self.key_text(Side::B, kb));
        match (a_later_in_b, b_later_in_a) {
            (true, true) => self.fail(
                Some(RouteStep::KeyA(ka)),
                format!("the keys are in a different order: {text_a} now comes after {text_b}"),
            ),
            (true, false) => {
                self.fail(Some(RouteStep::KeyB(kb)), format!("key {text_b} was added"))
            }
            (false, true) => self.fail(
                Some(RouteStep::KeyA(ka)),
                format!("key {text_a} was removed"),
            ),
            (false, false) => self.fail(
                Some(RouteStep::KeyA(ka)),
                format!("key {text_a} was replaced by {text_b}"),
            ),
        }
    }

    /// Whether a pair after the one at `cursor` on `side` has a key equal to `key` (a key node of
    /// the other side).
    fn key_occurs(&self, side: Side, mut cursor: Cursor, depth: usize, key: usize) -> bool {
        let other = match side {
            Side::A => self.b,
            Side::B => self.a,
        };
        let Some(wanted) = other.node(key) else {
            return false;
        };
        // Skip the pair at the cursor itself.
        let mut first = true;
        while let Ok(Some((k, v))) = self.next_pair(side, &mut cursor, depth) {
            if !first {
                if let Some(candidate) = self.stream(side).node(k) {
                    if matches!(candidate.kind, Kind::Scalar { .. })
                        && scalar_keys_equal(&candidate, &wanted, depth)
                    {
                        return true;
                    }
                }
            }
            first = false;
            match self.after(side, v) {
                Ok(next) => cursor.next = next,
                Err(_) => return false,
            }
        }
        false
    }

    /// A key for a message: the quoted text for keys GitHub reads as strings, value and type
    /// otherwise.
    fn key_text(&self, side: Side, key: usize) -> String {
        match self.stream(side).node(key) {
            Some(node) => match &node.kind {
                Kind::Scalar { text, plain }
                    if node.tag.is_none()
                        && resolved(text, *plain, Schema::Core) == Resolved::Str =>
                {
                    quote(text)
                }
                _ => describe(&node),
            },
            None => "?".into(),
        }
    }

    fn render_route(&self, extra: Option<RouteStep>) -> String {
        let mut out = String::new();
        for step in self.route.iter().chain(extra.as_ref()) {
            match *step {
                RouteStep::KeyA(k) => self.a.push_key_step(&mut out, k),
                RouteStep::KeyB(k) => self.b.push_key_step(&mut out, k),
                RouteStep::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        if out.is_empty() {
            out.push_str(ROOT);
        }
        out
    }

    fn fail(&self, extra: Option<RouteStep>, detail: String) -> Difference {
        let node = match extra {
            Some(RouteStep::KeyA(key)) => Some(key),
            _ => self.current,
        };
        Difference {
            route: self.render_route(extra),
            detail,
            node,
        }
    }

    fn internal(&self) -> Difference {
        self.fail(None, "internal error: inconsistent event arena".into())
    }
}

/// Whether two scalar keys of a mapping whose route has length `depth` are the same key.
///
/// One deliberate exception to "equal under both schemas": the key `on` of a document's root
/// mapping (GitHub's trigger key) may change between plain and quoted. GitHub and every YAML 1.2
/// reader see the string `on` either way; YAML 1.1 readers see `true` for the plain form, a
/// well-known artefact that workflow-aware 1.1 tooling already has to special-case, and quoting
/// the key (as yamllint's `truthy` rule asks) only makes them agree with GitHub.
fn scalar_keys_equal(na: &Node, nb: &Node, depth: usize) -> bool {
    if na.tag != nb.tag {
        return false;
    }
    if depth == 0 && na.tag.is_none() && is_on(na) && is_on(nb) {
        return true;
    }
    scalar_difference(na, nb).is_none()
}

fn is_on(node: &Node) -> bool {
    matches!(&node.kind, Kind::Scalar { text, .. } if &**text == "on")
}

/// Resolved type of a scalar: quoted and block scalars are strings, plain ones depend on the
/// schema. (Tagged scalars are handled by the caller.)
fn resolved(text: &str, plain: bool, schema: Schema) -> Resolved {
    if plain {
        resolve(text, schema)
    } else {
        Resolved::Str
    }
}

/// `None` if two scalar nodes (with equal tags) mean the same under both schemas, else a
/// description of the change.
fn scalar_difference(na: &Node, nb: &Node) -> Option<String> {
    let (
        Kind::Scalar {
            text: ta,
            plain: pa,
        },
        Kind::Scalar {
            text: tb,
            plain: pb,
        },
    ) = (&na.kind, &nb.kind)
    else {
        return Some(format!("was {}, now {}", describe(na), describe(nb)));
    };
    if ta == tb && (pa == pb || na.tag.is_some()) {
        return None;
    }
    let value_eq = |ra: &Resolved, rb: &Resolved| ra == rb && (!ra.is_textual() || ta == tb);
    let (core_a, core_b) = (
        resolved(ta, *pa, Schema::Core),
        resolved(tb, *pb, Schema::Core),
    );
    let (y11_a, y11_b) = (
        resolved(ta, *pa, Schema::Yaml11),
        resolved(tb, *pb, Schema::Yaml11),
    );
    let core_same = na.tag.is_none() && value_eq(&core_a, &core_b);
    if core_same && value_eq(&y11_a, &y11_b) {
        return None;
    }
    let all_textual = [&core_a, &core_b, &y11_a, &y11_b]
        .iter()
        .all(|r| r.is_textual());
    let mut detail = if all_textual && na.tag == nb.tag {
        describe_texts(ta, tb, &core_a)
    } else {
        format!("value was {}, now {}", describe(na), describe(nb))
    };
    if core_same {
        detail.push_str(" (the same under YAML 1.2, different under YAML 1.1)");
    }
    Some(detail)
}

/// A node for a message: `"foo" (str)`, `3 (int)`, `yes (str; YAML 1.1: bool)`, `a mapping`.
fn describe(node: &Node) -> String {
    match &node.kind {
        Kind::Mapping => "a mapping".into(),
        Kind::Sequence => "a sequence".into(),
        Kind::Alias(_) => "an alias".into(),
        Kind::Scalar { text, plain } => {
            if let Some(tag) = &node.tag {
                return format!("{} ({})", quote(text), display_tag(tag));
            }
            let core = resolved(text, *plain, Schema::Core);
            let y11 = resolved(text, *plain, Schema::Yaml11);
            let shown = if core.is_textual() {
                quote(text)
            } else if text.is_empty() {
                "empty".into()
            } else {
                shorten(text)
            };
            if core.type_name() == y11.type_name() {
                format!("{shown} ({})", core.type_name())
            } else {
                format!(
                    "{shown} ({}; YAML 1.1: {})",
                    core.type_name(),
                    y11.type_name()
                )
            }
        }
    }
}

/// Two strings that differ: when both are short, whole; else the part around their first
/// difference, so that the message shows what changed and not a long prefix both share
/// (`value was …"echo b\n\n" (str), now …"echo b\n" (str); they differ at character 1041`).
fn describe_texts(a: &str, b: &str, resolved: &Resolved) -> String {
    let type_name = resolved.type_name();
    if a.chars().count() <= MAX_SHOWN && b.chars().count() <= MAX_SHOWN {
        return format!("value was {a:?} ({type_name}), now {b:?} ({type_name})");
    }
    let common = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    // Some context before the difference, then the rest up to the length shown.
    let from = common.saturating_sub(CONTEXT);
    let window = |text: &str| {
        let tail: String = text.chars().skip(from).collect();
        let lead = if from > 0 { "…" } else { "" };
        format!("{lead}{}", quote(&tail))
    };
    format!(
        "value was {} ({type_name}), now {} ({type_name}); they differ from character {}",
        window(a),
        window(b),
        common + 1
    )
}

/// Characters shown before the first difference of two long strings.
const CONTEXT: usize = 20;

const MAX_SHOWN: usize = 60;

fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_SHOWN) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)),
        None => text.to_string(),
    }
}

fn quote(text: &str) -> String {
    match text.char_indices().nth(MAX_SHOWN) {
        Some((cut, _)) => format!("{:?}…", text.get(..cut).unwrap_or(text)),
        None => format!("{text:?}"),
    }
}
