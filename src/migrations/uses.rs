//! `uses:` values for the rules that move an action to another name or release: where they are,
//! what they name, their version comment, and the edits that rewrite them.

use crate::discover::FileKind;
use crate::edit::Edit;
use crate::passes::pin::uses_sites;
use crate::resolve::{parse_uses, RemoteUses, UsesRef};
use crate::syntax::{NodeId, NodeKind, SyntaxTree};

/// A `uses:` of another repository.
pub struct Site {
    pub node: NodeId,
    /// The value as written (quotes removed).
    pub value: String,
    pub remote: RemoteUses,
    /// The comment after the value on its line (token index), outside flow collections.
    pub comment: Option<usize>,
}

impl Site {
    /// `owner/repo[/path]`, lower case (GitHub names are case-insensitive; paths are not, see
    /// [`Site::full_name`]).
    pub fn name(&self) -> String {
        self.full_name().to_ascii_lowercase()
    }

    /// `owner/repo[/path]` as written.
    pub fn full_name(&self) -> String {
        let mut name = format!("{}/{}", self.remote.owner, self.remote.repo);
        if let Some(path) = &self.remote.path {
            name.push('/');
            name.push_str(path);
        }
        name
    }

    /// The comment's text (`# v4.2.2`), if any.
    pub fn comment_text<'t>(&self, tree: &'t SyntaxTree) -> Option<&'t str> {
        self.comment
            .map(|i| tree.tokens()[i].text(tree.text()).trim_end())
    }

    /// The ref the site stands for: the ref itself, or for a SHA pin the version in its comment.
    pub fn version(&self, tree: &SyntaxTree) -> Option<String> {
        if self.remote.is_pinned() {
            self.comment_text(tree).and_then(version_in_comment)
        } else {
            Some(self.remote.git_ref.clone())
        }
    }
}

/// Every `uses:` of another repository in a workflow or an action.
pub fn remote_sites(tree: &SyntaxTree, kind: FileKind) -> Vec<Site> {
    uses_sites(tree, kind)
        .into_iter()
        .filter_map(|s| match parse_uses(&s.value) {
            UsesRef::Remote(remote) => Some(Site {
                comment: in_block(tree, s.node)
                    .then(|| tree.trailing_comment(s.node))
                    .flatten(),
                node: s.node,
                value: s.value,
                remote,
            }),
            _ => None,
        })
        .collect()
}

fn in_block(tree: &SyntaxTree, node: NodeId) -> bool {
    let mut n = node;
    while let Some(p) = tree.parent(n) {
        if matches!(tree.kind(p), NodeKind::FlowMap | NodeKind::FlowSeq) {
            return false;
        }
        n = p;
    }
    true
}

/// The version a pin comment names: `# v4.2.2`, `# tag=v4.2.2`, `# pin @v4.2.2`,
/// `# ratchet:owner/repo@v4` -> `v4.2.2` / `v4`. `None` when the comment names none.
pub fn version_in_comment(comment: &str) -> Option<String> {
    let text = comment.trim_start_matches('#').trim();
    let first = text.split_whitespace().next()?;
    let word = if first == "pin" {
        text.split_whitespace().nth(1)?
    } else {
        first
    };
    let word = word
        .strip_prefix("tag=")
        .or_else(|| {
            word.strip_prefix("ratchet:")
                .map(|r| r.rsplit('@').next().unwrap_or(r))
        })
        .unwrap_or(word);
    let word = word
        .trim_start_matches('@')
        .trim_end_matches([',', ';', ')']);
    let looks_like_version = word
        .trim_start_matches(['v', 'V'])
        .starts_with(|c: char| c.is_ascii_digit());
    looks_like_version.then(|| word.to_string())
}

/// Edits that make the site `new_value`, keeping its quoting; and when `comment` is given, the
/// version in the comment becomes `comment` (the rest of the comment is kept).
pub fn rewrite(
    tree: &SyntaxTree,
    site: &Site,
    new_value: &str,
    comment: Option<(&str, &str)>,
) -> Option<Vec<Edit>> {
    let mut edits = vec![super::replace_scalar(tree, site.node, new_value)?];
    if let (Some((old, new)), Some(i)) = (comment, site.comment) {
        let tok = tree.tokens()[i];
        let text = tok.text(tree.text());
        let at = text.find(old)?;
        let start = tok.start as usize + at;
        edits.push(Edit::replace(start..start + old.len(), new));
    }
    Some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_in_comments() {
        let v = |c| version_in_comment(c);
        assert_eq!(v("# v4.2.2").as_deref(), Some("v4.2.2"));
        assert_eq!(v("#v4").as_deref(), Some("v4"));
        assert_eq!(v("# tag=v3.0.0").as_deref(), Some("v3.0.0"));
        assert_eq!(v("# pin @v2.1.0").as_deref(), Some("v2.1.0"));
        assert_eq!(v("# ratchet:actions/checkout@v4").as_deref(), Some("v4"));
        assert_eq!(v("# 1.2.3 (latest)").as_deref(), Some("1.2.3"));
        assert_eq!(v("# main"), None);
        assert_eq!(v("# see issue 12"), None);
    }
}
