//! Tests for the knowledge base: the built-in data, lookups, conditionals, token gating, merge.

use super::run::CommandTable;
use super::scopes::{check_scope, is_linter_gated};
use super::*;

fn kb() -> &'static KnowledgeBase {
    KnowledgeBase::builtin_ref()
}

fn has(needs: &[Need], scope: &str, level: Level) -> bool {
    needs.iter().any(|n| n.scope == scope && n.level == level)
}

fn with(pairs: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn builtin_parses_and_validates() {
    let kb = kb();
    assert!(kb.load_errors().is_empty(), "{:?}", kb.load_errors());
    assert!(kb.len() >= 150, "only {} entries", kb.len());
    assert!(CommandTable::builtin().load_errors().is_empty());
    for e in kb.entries() {
        let all = e
            .needs
            .iter()
            .chain(e.when.iter().flat_map(|c| c.needs.iter()));
        for (scope, level) in all {
            assert!(check_scope(scope, *level).is_ok(), "{}: {scope}", e.uses);
            assert!(
                !is_linter_gated(scope),
                "{}: built-in data must not use `{scope}`",
                e.uses
            );
            assert_ne!(scope, "repository-projects", "{}", e.uses);
        }
        assert!(!e.source.trim().is_empty(), "{}", e.uses);
        // Sources are public: a URL or `owner/repo: path`, never a local file.
        assert!(
            !e.source.contains("file://")
                && !e.source.split_whitespace().any(|w| w.starts_with('/')),
            "{}: {}",
            e.uses,
            e.source
        );
        assert!(
            e.needs.is_empty() || !e.reason.is_empty(),
            "{} has needs without a reason",
            e.uses
        );
        // Every entry can be found by its own name.
        assert_eq!(
            kb.lookup(&format!("{}@v1", e.uses)).map(|x| &x.uses),
            Some(&e.uses)
        );
    }
    // Every command-table rule that needs something says why and where from.
    for r in CommandTable::builtin().rules() {
        for (scope, level) in &r.needs {
            assert!(check_scope(scope, *level).is_ok());
            assert!(!is_linter_gated(scope));
        }
        if !r.needs.is_empty() {
            assert!(!r.reason.is_empty() && !r.source.is_empty());
        }
    }
}

#[test]
fn well_known_actions_are_covered() {
    for uses in [
        "actions/checkout",
        "actions/setup-node",
        "actions/cache",
        "actions/upload-artifact",
        "actions/github-script",
        "github/codeql-action/init",
        "github/codeql-action/analyze",
        "github/codeql-action/upload-sarif",
        "docker/build-push-action",
        "docker/login-action",
        "aws-actions/configure-aws-credentials",
        "google-github-actions/auth",
        "azure/login",
        "softprops/action-gh-release",
        "peaceiris/actions-gh-pages",
        "peter-evans/create-pull-request",
        "JamesIves/github-pages-deploy-action",
        "googleapis/release-please-action",
        "changesets/action",
        "codecov/codecov-action",
        "dtolnay/rust-toolchain",
        "Swatinem/rust-cache",
        "pypa/gh-action-pypi-publish",
        "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml",
    ] {
        assert!(kb().lookup(uses).is_some(), "{uses} missing");
    }
}

#[test]
fn checkout_needs_contents_read_even_with_another_token() {
    let e = kb().lookup("actions/checkout@v4").unwrap();
    let n = action_needs(e, &[]);
    assert_eq!(n.len(), 1);
    assert!(has(&n, "contents", Level::Read));
    let n = action_needs(e, &with(&[("token", Some("${{ secrets.PAT }}"))]));
    assert!(has(&n, "contents", Level::Read));
}

#[test]
fn lookup_case_refs_and_sub_paths() {
    let kb = kb();
    assert_eq!(
        kb.lookup("ACTIONS/Checkout@v4").unwrap().uses,
        "actions/checkout"
    );
    assert_eq!(
        kb.lookup("actions/checkout@8e5e7e5ab8b370d6c329ec480221332ada57f0ab")
            .unwrap()
            .uses,
        "actions/checkout"
    );
    assert_eq!(
        kb.lookup("github/codeql-action/analyze@v3").unwrap().uses,
        "github/codeql-action/analyze"
    );
    // A sub-action without its own entry falls back to the repository's.
    assert_eq!(
        kb.lookup("github/codeql-action/some-new-thing@v3")
            .unwrap()
            .uses,
        "github/codeql-action"
    );
    assert_eq!(
        kb.lookup("r-lib/actions/setup-r@v2").unwrap().uses,
        "r-lib/actions"
    );
    assert_eq!(
        kb.lookup("super-linter/super-linter/slim@v7").unwrap().uses,
        "super-linter/super-linter"
    );
    assert_eq!(
        kb.lookup("actions/cache/restore@v4").unwrap().uses,
        "actions/cache/restore"
    );
    // Reusable workflows match exactly.
    assert!(kb
        .lookup("slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@v2.0.0")
        .is_some());
    assert!(kb
        .lookup("github/codeql-action/.github/workflows/other.yml@main")
        .is_none());
    // Not described: local, docker, self-repository, malformed.
    for u in [
        "./.github/actions/x",
        "docker://alpine:3",
        "$/.github/workflows/x.yml",
        "",
        "checkout",
        "/x",
        "a//b",
        "unknown-owner/unknown-repo@v1",
    ] {
        assert!(kb.lookup(u).is_none(), "{u}");
    }
}

#[test]
fn conditionals_literal_expression_missing() {
    let e = kb().lookup("softprops/action-gh-release@v2").unwrap();
    // Missing: only the default needs.
    let n = action_needs(e, &[]);
    assert!(has(&n, "contents", Level::Write));
    assert!(!n.iter().any(|n| n.scope == "discussions"));
    // Literal: the conditional applies.
    let n = action_needs(
        e,
        &with(&[("discussion_category_name", Some("Announcements"))]),
    );
    assert!(has(&n, "discussions", Level::Write));
    // Empty literal: not set.
    let n = action_needs(e, &with(&[("discussion_category_name", Some(""))]));
    assert!(!n.iter().any(|n| n.scope == "discussions"));
    // Expression: conservative, and the reason says so.
    let n = action_needs(e, &with(&[("discussion_category_name", None)]));
    let d = n.iter().find(|n| n.scope == "discussions").unwrap();
    assert!(d.reason.contains("assumed"), "{}", d.reason);
    let n = action_needs(
        e,
        &with(&[("DISCUSSION_CATEGORY_NAME", Some("${{ inputs.cat }}"))]),
    );
    assert!(has(&n, "discussions", Level::Write));

    // equals: literal values are compared case-insensitively.
    let stale = kb().lookup("actions/stale@v9").unwrap();
    assert!(!action_needs(stale, &[])
        .iter()
        .any(|n| n.scope == "contents"));
    assert!(has(
        &action_needs(stale, &with(&[("delete-branch", Some("True"))])),
        "contents",
        Level::Write
    ));
    assert!(
        !action_needs(stale, &with(&[("delete-branch", Some("false"))]))
            .iter()
            .any(|n| n.scope == "contents")
    );

    // unless: missing input counts as "not excluded".
    let merge = kb()
        .lookup("fastify/github-action-merge-dependabot@v3")
        .unwrap();
    assert!(has(&action_needs(merge, &[]), "contents", Level::Write));
    assert!(
        !action_needs(merge, &with(&[("approve-only", Some("true"))]))
            .iter()
            .any(|n| n.scope == "contents")
    );

    // default + equals [""]: "when not set".
    let pypi = kb()
        .lookup("pypa/gh-action-pypi-publish@release/v1")
        .unwrap();
    assert!(has(&action_needs(pypi, &[]), "id-token", Level::Write));
    assert!(action_needs(pypi, &with(&[("password", Some("pypi-xyz"))])).is_empty());
    assert!(has(
        &action_needs(pypi, &with(&[("password", None)])),
        "id-token",
        Level::Write
    ));
}

#[test]
fn events_and_env_conditions() {
    let e = kb().lookup("gitleaks/gitleaks-action@v2").unwrap();
    let push = vec!["push".to_string()];
    let pr = vec!["pull_request".to_string()];
    let run = |events: Option<&[String]>, env: &[(String, String)]| {
        analyze_action(
            e,
            &StepContext {
                with: &[],
                env,
                events,
                ..StepContext::default()
            },
        )
        .needs
    };
    let token = env(&[("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}")]);
    assert!(!has(
        &run(Some(&push), &token),
        "pull-requests",
        Level::Write
    ));
    assert!(has(&run(Some(&pr), &token), "pull-requests", Level::Write));
    assert!(has(&run(None, &token), "pull-requests", Level::Write));
    let off = env(&[
        ("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"),
        ("GITLEAKS_ENABLE_COMMENTS", "false"),
    ]);
    assert!(!has(&run(Some(&pr), &off), "pull-requests", Level::Write));
    assert!(has(&run(Some(&pr), &off), "pull-requests", Level::Read));
}

#[test]
fn registry_patterns_and_env_references() {
    let e = kb().lookup("docker/login-action@v3").unwrap();
    let ghcr = with(&[
        ("registry", Some("ghcr.io")),
        ("password", Some("${{ secrets.GITHUB_TOKEN }}")),
    ]);
    assert!(has(&action_needs(e, &ghcr), "packages", Level::Write));
    let hub = with(&[
        ("username", Some("me")),
        ("password", Some("${{ secrets.HUB }}")),
    ]);
    assert!(action_needs(e, &hub).is_empty());
    // ghcr.io with a PAT: the write comes from the PAT.
    let pat = with(&[
        ("registry", Some("ghcr.io")),
        ("password", Some("${{ secrets.CR_PAT }}")),
    ]);
    assert!(action_needs(e, &pat).is_empty());
    // `${{ env.REGISTRY }}` is read from the environment when it is a literal there.
    let w = with(&[
        ("registry", Some("${{ env.REGISTRY }}")),
        ("password", Some("${{ github.token }}")),
    ]);
    let ctx_env = env(&[("REGISTRY", "docker.io")]);
    let ctx = StepContext {
        with: &w,
        env: &ctx_env,
        events: None,
        ..StepContext::default()
    };
    assert!(analyze_action(e, &ctx).needs.is_empty());
    let ctx_env = env(&[("REGISTRY", "ghcr.io")]);
    let ctx = StepContext {
        with: &w,
        env: &ctx_env,
        events: None,
        ..StepContext::default()
    };
    let n = analyze_action(e, &ctx).needs;
    assert!(has(&n, "packages", Level::Write));
    assert!(!n[0].reason.contains("assumed"));
    // Unknown variable: conservative.
    let ctx = StepContext {
        with: &w,
        env: &[],
        events: None,
        ..StepContext::default()
    };
    assert!(has(
        &analyze_action(e, &ctx).needs,
        "packages",
        Level::Write
    ));
}

#[test]
fn token_gating() {
    let e = kb().lookup("peter-evans/create-pull-request@v7").unwrap();
    assert!(has(&action_needs(e, &[]), "contents", Level::Write));
    for gh in [
        "${{ secrets.GITHUB_TOKEN }}",
        "${{ github.token }}",
        "${{ inputs.token }}",
    ] {
        let n = action_needs(e, &with(&[("token", Some(gh))]));
        assert!(has(&n, "pull-requests", Level::Write), "{gh}");
    }
    // Another credential: writes are not GITHUB_TOKEN's business; None (no text) stays conservative.
    for other in ["${{ secrets.BOT_PAT }}", "${{ steps.app.outputs.token }}"] {
        let n = action_needs(e, &with(&[("token", Some(other))]));
        assert!(n.is_empty(), "{other}: {n:?}");
    }
    assert!(!action_needs(e, &with(&[("token", None)])).is_empty());

    // Token in the environment.
    let g = kb().lookup("goreleaser/goreleaser-action@v6").unwrap();
    let ctx_env = env(&[("GITHUB_TOKEN", "${{ secrets.GORELEASER_PAT }}")]);
    let ctx = StepContext {
        with: &[],
        env: &ctx_env,
        events: None,
        ..StepContext::default()
    };
    assert!(analyze_action(g, &ctx).needs.is_empty());

    // id-token survives another token; `via-token = false` needs survive too.
    let c = kb().lookup("anthropics/claude-code-action@v1").unwrap();
    let n = action_needs(c, &with(&[("github_token", Some("${{ secrets.PAT }}"))]));
    assert!(has(&n, "id-token", Level::Write));
    assert!(has(&n, "actions", Level::Read));
    assert!(!has(&n, "contents", Level::Write));

    // github-script: unknown, unless it runs with another token.
    let s = kb().lookup("actions/github-script@v7").unwrap();
    let ctx = StepContext::default();
    assert_eq!(analyze_action(s, &ctx).unknown.len(), 1);
    let w = with(&[("github-token", Some("${{ secrets.PAT }}"))]);
    let ctx = StepContext {
        with: &w,
        ..StepContext::default()
    };
    assert!(analyze_action(s, &ctx).unknown.is_empty());
}

#[test]
fn one_need_per_scope_highest_level() {
    let kb = KnowledgeBase::from_toml_str(
        r#"
[[action]]
uses = "o/r"
needs = { contents = "read" }
reason = "reads"
source = "o/r: README.md"
[[action.when]]
input = "push"
equals = ["true"]
needs = { contents = "write" }
reason = "pushes"
"#,
    )
    .unwrap();
    let e = kb.lookup("o/r@v1").unwrap();
    let n = action_needs(e, &with(&[("push", Some("true"))]));
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].level, Level::Write);
    assert_eq!(n[0].reason, "pushes");
    assert_eq!(n[0].source, "o/r: README.md");
}

#[test]
fn merge_adds_and_replaces() {
    let mut kb = KnowledgeBase::builtin();
    let before = kb.len();
    let overrides = KnowledgeBase::from_config_str(
        r#"
[permissions]
style = "empty-top-level"

[[permissions.action]]
uses = "my-org/deploy-action"
needs = { deployments = "write" }
reason = "records deployments"
source = "my-org/deploy-action: action.yml"

[[permissions.action]]
uses = "Actions/Checkout"
needs = { contents = "write" }
reason = "our checkout pushes"
source = "internal"
"#,
    )
    .unwrap();
    kb.merge(overrides);
    assert_eq!(kb.len(), before + 1);
    let d = kb.lookup("my-org/deploy-action/sub@v1").unwrap();
    assert!(has(&action_needs(d, &[]), "deployments", Level::Write));
    let c = kb.lookup("actions/checkout@v4").unwrap();
    assert_eq!(c.reason, "our checkout pushes");
    // The shared built-in copy is untouched.
    assert_eq!(
        KnowledgeBase::builtin_ref()
            .lookup("actions/checkout")
            .unwrap()
            .needs
            .get("contents"),
        Some(&Level::Read)
    );
}

#[test]
fn repository_entries_may_use_gated_scopes() {
    let kb = KnowledgeBase::from_toml_str(
        "[[action]]\nuses = \"o/alerts\"\nneeds = { vulnerability-alerts = \"read\" }\nreason = \"reads Dependabot alerts\"\nsource = \"o/alerts: README.md\"\n",
    )
    .unwrap();
    assert_eq!(kb.len(), 1);
    let e = KnowledgeBase::from_toml_str(
        "[[action]]\nuses = \"o/a\"\nneeds = { vulnerability-alerts = \"write\" }\nreason = \"x\"\nsource = \"s\"\n",
    )
    .unwrap_err();
    assert!(e.contains("line 3"), "{e}");
}

#[test]
fn analysis_scopes_keeps_highest() {
    let a = Analysis {
        needs: vec![
            Need {
                scope: "contents".into(),
                level: Level::Read,
                reason: "a".into(),
                source: "s".into(),
            },
            Need {
                scope: "contents".into(),
                level: Level::Write,
                reason: "b".into(),
                source: "s".into(),
            },
        ],
        unknown: vec![],
    };
    assert_eq!(a.scopes().get("contents"), Some(&Level::Write));
}

#[test]
fn script_inputs_are_read_when_literal() {
    let s = kb().lookup("actions/github-script@v7").unwrap();
    let w = with(&[(
        "script",
        Some("await github.rest.issues.addLabels({ ...context.repo, issue_number: 1, labels: ['x'] })"),
    )]);
    let a = analyze_action(
        s,
        &StepContext {
            with: &w,
            ..StepContext::default()
        },
    );
    assert!(a.unknown.is_empty(), "{:?}", a.unknown);
    assert!(has(&a.needs, "issues", Level::Write));
    assert!(has(&a.needs, "pull-requests", Level::Write));
    // Expressions inside the script only fill in values.
    let w = with(&[(
        "script",
        Some("github.rest.pulls.get({ pull_number: ${{ github.event.number }} })"),
    )]);
    let a = analyze_action(
        s,
        &StepContext {
            with: &w,
            ..StepContext::default()
        },
    );
    assert!(a.unknown.is_empty(), "{:?}", a.unknown);
    assert!(has(&a.needs, "pull-requests", Level::Read));
    // An expression script stays unknown.
    let w = with(&[("script", Some("${{ inputs.script }}"))]);
    let a = analyze_action(
        s,
        &StepContext {
            with: &w,
            ..StepContext::default()
        },
    );
    assert_eq!(a.unknown.len(), 1);
    // With another token, writes go away.
    let w = with(&[
        ("script", Some("github.rest.issues.create({})")),
        ("github-token", Some("${{ secrets.BOT }}")),
    ]);
    let a = analyze_action(
        s,
        &StepContext {
            with: &w,
            ..StepContext::default()
        },
    );
    assert!(a.needs.is_empty() && a.unknown.is_empty(), "{a:?}");

    // A shell script input is read like a `run:` step.
    let r = kb().lookup("uraimo/run-on-arch-action@v2").unwrap();
    let w = with(&[("run", Some("make && git push"))]);
    let a = analyze_action(
        r,
        &StepContext {
            with: &w,
            ..StepContext::default()
        },
    );
    assert!(a.unknown.is_empty(), "{:?}", a.unknown);
    assert!(has(&a.needs, "contents", Level::Write));
}

#[test]
fn nothing_when_drops_every_need_for_literal_values_only() {
    let g = kb().lookup("goreleaser/goreleaser-action@v6").unwrap();
    assert!(has(&action_needs(g, &[]), "contents", Level::Write));
    assert!(action_needs(g, &with(&[("install-only", Some("true"))])).is_empty());
    assert!(action_needs(g, &with(&[("args", Some("release --snapshot --clean"))])).is_empty());
    assert!(action_needs(g, &with(&[("args", Some("build --single-target"))])).is_empty());
    assert!(has(
        &action_needs(g, &with(&[("args", Some("release --clean"))])),
        "contents",
        Level::Write
    ));
    // An expression may be anything: the needs stay.
    assert!(has(
        &action_needs(g, &with(&[("install-only", None)])),
        "contents",
        Level::Write
    ));

    let bad = "[[action]]\nuses = \"a/b\"\nsource = \"s\"\n[[action.nothing-when]]\ninput = \"x\"\nequals = [\"1\"]\nneeds = { issues = \"write\" }\nreason = \"r\"\n";
    let e = KnowledgeBase::from_toml_str(bad).unwrap_err();
    assert!(e.contains("line 4") && e.contains("nothing-when"), "{e}");
}

#[test]
fn conditions_by_input_value_lists() {
    let lock = kb().lookup("dessant/lock-threads@v5").unwrap();
    let scopes = |w: &[(&str, Option<&str>)]| {
        let mut s: Vec<String> = action_needs(lock, &with(w))
            .iter()
            .map(|n| n.scope.clone())
            .collect();
        s.sort();
        s.join(",")
    };
    assert_eq!(scopes(&[]), "discussions,issues,pull-requests");
    assert_eq!(scopes(&[("process-only", Some("issues"))]), "issues");
    assert_eq!(
        scopes(&[("process-only", Some("issues, prs"))]),
        "issues,pull-requests"
    );
    assert_eq!(
        scopes(&[("process-only", None)]),
        "discussions,issues,pull-requests"
    );

    let gradle = kb().lookup("gradle/actions/setup-gradle@v4").unwrap();
    assert!(action_needs(gradle, &[]).is_empty());
    assert!(has(
        &action_needs(
            gradle,
            &with(&[("add-job-summary-as-pr-comment", Some("always"))])
        ),
        "pull-requests",
        Level::Write
    ));
}

#[test]
fn pushes_with_the_checkout_credentials() {
    let e = kb()
        .lookup("stefanzweifel/git-auto-commit-action@v5")
        .unwrap();
    assert!(has(&action_needs(e, &[]), "contents", Level::Write));
    let ctx = StepContext {
        git: GitAuth::NotPersisted,
        ..StepContext::default()
    };
    assert!(analyze_action(e, &ctx).needs.is_empty());
}
