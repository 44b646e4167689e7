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
use wffmt::passes::permissions::needs::{workflow_needs, JobNeeds, Repo};
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
