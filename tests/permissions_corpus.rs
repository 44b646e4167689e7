//! `permissions` over the shared corpus of real workflows: how many jobs it decides, and which
//! actions it still does not know (the list to work from when adding knowledge-base entries).
//!
//! ```sh
//! cargo test --test permissions_corpus -- --nocapture          # the numbers and the lists
//! PERMISSIONS_CORPUS_DETAIL=fwilhe2 cargo test --test permissions_corpus -- --nocapture
//! ```
//! (`PERMISSIONS_CORPUS_DETAIL` prints every declined job whose reason contains the text.)
//!
//! The corpus stores each repository's files flattened; they are laid out again in a temporary
//! directory at their original paths, with a git `origin` remote naming the repository, as in a
//! clone, so local actions, reusable workflows and the repository's own actions resolve as they
//! would there. Nothing is fetched: remote composite actions count as undescribed unless the
//! knowledge base describes them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use wffmt::kb::KnowledgeBase;
use wffmt::kb::Scopes;
use wffmt::passes::permissions::needs::{workflow_needs, Declared, JobNeeds, Repo};
use wffmt::syntax::parse;
use wffmt::syntax::views::Workflow;

/// Largest share of declined jobs, among those that need a decision, this test accepts.
const MAX_DECLINED_PERCENT: f64 = 5.0;

/// The corpus repositories rebuilt under `dir`: (repository, workflow file), sorted.
fn materialize(shared: &Path, dir: &Path) -> Vec<(String, PathBuf)> {
    let corpus = shared.join("corpus");
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let mut workflows = Vec::new();
    for line in manifest.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [repo, _commit, original, stored, ..] = cols[..] else {
            continue;
        };
        if !stored.starts_with("workflows/") {
            continue;
        }
        let git = dir.join(repo).join(".git");
        if !git.exists() {
            std::fs::create_dir_all(&git).unwrap();
            std::fs::write(
                git.join("config"),
                format!("[remote \"origin\"]\n\turl = https://github.com/{repo}.git\n"),
            )
            .unwrap();
        }
        let target = dir.join(repo).join(original);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(corpus.join(stored), &target).unwrap();
        if original.starts_with(".github/workflows/") {
            workflows.push((repo.to_string(), target));
        }
    }
    workflows.sort();
    workflows
}

/// One job of the corpus and what wffmt makes of it.
struct CorpusJob {
    /// `owner/repo/.github/workflows/x.yml`.
    file: String,
    id: String,
    /// The rule would decide it: no `permissions` at the top level nor on the job, and the
    /// workflow is not a reusable one (those only get advice).
    needs_decision: bool,
    /// The job's own `permissions`, else the workflow's, as the maintainers wrote them.
    declared: Option<Declared>,
    needs: JobNeeds,
}

fn corpus_jobs() -> Option<Vec<CorpusJob>> {
    use wffmt::passes::permissions::needs::declared;
    let shared = common::shared_dir()?;
    let tmp = tempfile::tempdir().unwrap();
    let files = materialize(&shared, tmp.path());
    let kb = KnowledgeBase::builtin_ref();
    let mut out = Vec::new();
    for (_, file) in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let tree = parse(&text);
        let Some(wf) = Workflow::new(&tree) else {
            continue;
        };
        if wf.on().is_none() {
            continue;
        }
        let repo = Repo::of_file(Some(file), kb);
        let top = wf
            .permissions_entry()
            .and_then(|e| tree.entry_value(e))
            .map(|v| declared(&tree, v));
        let reusable = wf.triggers().iter().any(|t| t.name == "workflow_call");
        let shown = file
            .strip_prefix(tmp.path())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for ((id, needs), job) in workflow_needs(&wf, &repo).into_iter().zip(wf.jobs()) {
            let own = job
                .permissions_entry()
                .and_then(|e| tree.entry_value(e))
                .map(|v| declared(&tree, v));
            out.push(CorpusJob {
                file: shown.clone(),
                id,
                needs_decision: top.is_none() && own.is_none() && !reusable,
                declared: own.clone().or_else(|| top.clone()),
                needs,
            });
        }
    }
    assert!(out.len() > 1000, "only {} jobs in the corpus", out.len());
    Some(out)
}

fn percent(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole.max(1) as f64
}

fn sorted_counts(map: BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<_> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

#[test]
fn corpus_decisions() {
    let Some(jobs) = corpus_jobs() else {
        return;
    };
    let detail = std::env::var("PERMISSIONS_CORPUS_DETAIL").unwrap_or_default();
    let mut undescribed: BTreeMap<String, usize> = BTreeMap::new();
    let mut other: BTreeMap<String, usize> = BTreeMap::new();
    for job in jobs.iter().filter(|j| !j.needs.unknown.is_empty()) {
        let mut actions: Vec<&str> = Vec::new();
        let mut reasons: Vec<&str> = Vec::new();
        for u in &job.needs.unknown {
            match &u.undescribed {
                Some(a) => actions.push(a),
                None => reasons.push(&u.why),
            }
            if !detail.is_empty()
                && (u.why.contains(&detail)
                    || u.origin.contains(&detail)
                    || (detail == "DECISION" && job.needs_decision))
            {
                eprintln!("{} `{}`: {}: {}", job.file, job.id, u.origin, u.why);
            }
        }
        actions.sort_unstable();
        actions.dedup();
        reasons.sort_unstable();
        reasons.dedup();
        for a in actions {
            *undescribed.entry(a.to_string()).or_default() += 1;
        }
        for r in reasons {
            *other.entry(r.to_string()).or_default() += 1;
        }
    }
    let count = |f: &dyn Fn(&CorpusJob) -> bool| {
        let all = jobs.iter().filter(|j| f(j)).count();
        let declined = jobs
            .iter()
            .filter(|j| f(j) && !j.needs.unknown.is_empty())
            .count();
        (all, declined)
    };
    let (decision, decision_declined) = count(&|j| j.needs_decision);
    let (all, all_declined) = count(&|_| true);
    eprintln!(
        "jobs that need a decision: {decision}, decided {}, declined {decision_declined} ({:.1}%)",
        decision - decision_declined,
        percent(decision_declined, decision)
    );
    eprintln!(
        "all jobs, declared permissions ignored: {all}, decided {}, declined {all_declined} ({:.1}%)",
        all - all_declined,
        percent(all_declined, all)
    );
    eprintln!("undescribed actions and reusable workflows (jobs declined for each):");
    for (a, n) in sorted_counts(undescribed) {
        eprintln!("{n:6}  {a}");
    }
    eprintln!("other reasons (jobs declined for each):");
    for (r, n) in sorted_counts(other) {
        eprintln!("{n:6}  {r}");
    }
    assert!(decision > 100, "only {decision} jobs need a decision");
    assert!(
        percent(decision_declined, decision) < MAX_DECLINED_PERCENT,
        "{decision_declined} of {decision} jobs declined"
    );
}

/// How wffmt's grants for a job compare with what its maintainers declared.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Equal,
    /// wffmt grants less: the declared scopes it does not grant (`scope=level`).
    Less(Vec<String>),
    /// wffmt grants more: the scopes it adds (`scope=level`), and what it grants less, if any.
    More(Vec<String>, Vec<String>),
    Declined,
}

fn compare(declared: &Scopes, derived: &Scopes) -> Verdict {
    let missing = |a: &Scopes, b: &Scopes| -> Vec<String> {
        a.iter()
            .filter(|(s, l)| b.get(*s).is_none_or(|have| have < *l))
            .map(|(s, l)| format!("{s}={l}"))
            .collect()
    };
    let less = missing(declared, derived);
    let more = missing(derived, declared);
    match (less.is_empty(), more.is_empty()) {
        (true, true) => Verdict::Equal,
        (false, true) => Verdict::Less(less),
        (_, false) => Verdict::More(more, less),
    }
}

/// Jobs for which wffmt grants less than the maintainers declared, with the reason their grant
/// is not needed: `file<TAB>job<TAB>scope=level[,…]<TAB>reason`.
const EXPLAINED: &str = include_str!("permissions_ground_truth.tsv");

#[test]
fn ground_truth_from_declared_permissions() {
    let Some(jobs) = corpus_jobs() else {
        return;
    };
    let mut explained: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
    for (n, line) in EXPLAINED.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, job, scopes, reason] = cols[..] else {
            panic!(
                "permissions_ground_truth.tsv line {}: expected 4 columns",
                n + 1
            );
        };
        assert!(!reason.trim().is_empty(), "line {}: no reason", n + 1);
        explained.insert(
            (file.to_string(), job.to_string()),
            (scopes.to_string(), reason.to_string()),
        );
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut seen = Vec::new();
    let mut more_lines = Vec::new();
    for job in &jobs {
        let Some(Declared::Scopes(declared)) = &job.declared else {
            continue;
        };
        let verdict = if job.needs.unknown.is_empty() {
            compare(declared, &job.needs.scopes())
        } else {
            Verdict::Declined
        };
        let key = (job.file.clone(), job.id.clone());
        match &verdict {
            Verdict::Equal => *counts.entry("equal").or_default() += 1,
            Verdict::Declined => *counts.entry("declined").or_default() += 1,
            Verdict::More(more, _) => {
                let only_read = more.iter().all(|m| m == "contents=read");
                *counts
                    .entry(if only_read {
                        "more (contents: read only)"
                    } else {
                        "more"
                    })
                    .or_default() += 1;
                if !only_read {
                    more_lines.push(format!("{}\t{}\t+{}", job.file, job.id, more.join(",")));
                }
            }
            Verdict::Less(less) => {
                *counts.entry("less").or_default() += 1;
                let scopes = less.join(",");
                match explained.get(&key) {
                    Some((listed, _)) if *listed == scopes => seen.push(key),
                    _ => unexplained.push(format!("{}\t{}\t{scopes}", job.file, job.id)),
                }
            }
        }
    }
    let needed = explained
        .values()
        .filter(|(_, reason)| reason.starts_with("NEEDED"))
        .count();
    eprintln!("ground truth (jobs whose maintainers declared permissions):");
    for (k, n) in &counts {
        eprintln!("{n:6}  {k}");
    }
    eprintln!(
        "{needed:6}  of the \"less\", grants that are needed but invisible in the corpus (see permissions_ground_truth.tsv)"
    );
    if std::env::var_os("PERMISSIONS_CORPUS_DETAIL").is_some() {
        for l in &more_lines {
            eprintln!("more\t{l}");
        }
    }
    let stale: Vec<String> = explained
        .keys()
        .filter(|k| !seen.contains(k))
        .map(|(f, j)| format!("{f}\t{j}"))
        .collect();
    assert!(
        unexplained.is_empty(),
        "jobs granted less than their maintainers declared, not explained in tests/permissions_ground_truth.tsv:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "tests/permissions_ground_truth.tsv lists jobs that are no longer granted less:\n{}",
        stale.join("\n")
    );
}
