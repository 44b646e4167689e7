//! Tests for `run:` script analysis: a table of scripts and what they need.

use super::*;

const GH: (&str, &str) = ("GH_TOKEN", "${{ github.token }}");
const GT: (&str, &str) = ("GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}");
const PAT: (&str, &str) = ("GH_TOKEN", "${{ secrets.RELEASE_PAT }}");

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn render(a: &RunAnalysis) -> String {
    let mut s: Vec<String> = a.scopes().iter().map(|(k, v)| format!("{k}:{v}")).collect();
    if !a.unknown.is_empty() {
        s.push("?".into());
    }
    s.join(" ")
}

/// (script, env, expected scopes as "scope:level ..." with "?" when something is unknown)
type Case = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

const CASES: &[Case] = &[
    // Nothing to do.
    ("echo hello && ls -la", &[], ""),
    ("gh --version", &[], ""),
    ("gh --version", &[GH], ""),
    ("gh auth status", &[GH], ""),
    ("cargo test --all", &[], ""),
    ("npm ci\nnpm test", &[], ""),
    ("echo \"git push origin main\"", &[], ""),
    ("echo 'gh release create v1'", &[GH], ""),
    ("# gh pr merge --auto\necho done", &[GH], ""),
    ("cat <<EOF\ngit push\ngh release create x\nEOF", &[GH], ""),
    ("git commit -am x && git tag v1", &[], ""),
    ("command -v gh", &[GH], ""),
    // gh subcommands.
    ("gh release create v1.0.0 dist/*", &[GH], "contents:write"),
    ("gh release upload \"$TAG\" out.zip --clobber", &[GT], "contents:write"),
    ("gh release download v1 -p '*.tgz'", &[GH], "contents:read"),
    ("gh release create v1 --discussion-category General", &[GH], "contents:write discussions:write"),
    ("gh pr create --fill --base main", &[GH], "contents:read pull-requests:write"),
    ("gh pr merge --auto --squash \"$PR_URL\"", &[GH], "contents:write pull-requests:write"),
    ("gh pr comment 12 --body hi", &[GH], "pull-requests:write"),
    ("gh pr review --approve \"$PR\"", &[GH], "pull-requests:write"),
    ("gh pr view 3 --json title", &[GH], "pull-requests:read"),
    ("gh -R o/r pr list", &[GH], "pull-requests:read"),
    ("gh pr close 3 --delete-branch", &[GH], "contents:write pull-requests:write"),
    ("gh issue create --title t --body b", &[GH], "issues:write"),
    ("gh issue list --state open", &[GH], "issues:read"),
    ("gh label create bug --force", &[GH], "issues:write"),
    ("gh workflow run deploy.yml -f env=prod", &[GH], "actions:write"),
    ("gh extension install actions/gh-actions-cache\ngh actions-cache delete \"$k\" -R o/r --confirm", &[GH], "actions:write"),
    ("gh actions-cache list -B main", &[GH], "actions:read"),
    ("gh run rerun 123 --failed", &[GH], "actions:write"),
    ("gh run download 123 -n dist", &[GH], "actions:read"),
    ("gh run list --workflow ci.yml", &[GH], "actions:read"),
    ("gh cache delete --all", &[GH], "actions:write"),
    ("gh secret set X --body y", &[GH], "?"),
    ("gh frobnicate", &[GH], "?"),
    // gh with another token, or none.
    ("gh release create v1", &[PAT], ""),
    ("gh pr merge 1 --auto", &[("GH_TOKEN", "${{ steps.app.outputs.token }}")], ""),
    ("gh release create v1", &[], "contents:write"),
    ("GH_TOKEN=${{ secrets.PAT }} gh release create v1", &[], ""),
    ("export GH_TOKEN=${{ secrets.PAT }}\ngh release create v1", &[], ""),
    ("gh release create v1", &[("GH_TOKEN", "${{ inputs.token }}")], "contents:write"),
    ("gh release create v1", &[("GITHUB_TOKEN", "${{ github.token }}"), ("GH_TOKEN", "${{ secrets.PAT }}")], ""),
    // gh api.
    ("gh api repos/{owner}/{repo}/pulls", &[GH], "pull-requests:read"),
    ("gh api -X POST repos/$GITHUB_REPOSITORY/issues/1/labels -f labels[]=x", &[GH], "issues:write pull-requests:write"),
    ("gh api repos/${{ github.repository }}/dispatches -f event_type=go", &[GH], "contents:write"),
    ("gh api --method DELETE /repos/o/r/actions/caches/42", &[GH], "actions:write"),
    ("gh api graphql -f query='{ viewer { login } }'", &[GH], ""),
    ("gh api graphql -f query='query($n: Int!) { repository(owner: \"o\", name: \"r\") { pullRequest(number: $n) { title } } }' -F n=3", &[GH], "pull-requests:read"),
    ("gh api graphql -f query='mutation($id: ID!) { addLabelsToLabelable(input: {labelableId: $id, labelIds: []}) { clientMutationId } }'", &[GH], "issues:write pull-requests:write"),
    ("gh api graphql -f query='mutation { addProjectV2ItemById(input: {}) { item { id } } }'", &[GH], "?"),
    ("gh api graphql -F query=@q.graphql", &[GH], "?"),
    ("gh api graphql -f query=\"$(cat q.graphql)\"", &[GH], "?"),
    ("Q='{ repository(owner: \"o\", name: \"r\") { discussions(first: 1) { nodes { id } } } }'\ngh api graphql -f query=\"$Q\"", &[GH], "discussions:read"),
    ("gh pr view 3 --json title,statusCheckRollup", &[GH], "checks:read pull-requests:read statuses:read"),
    ("gh pr list --json=number,commits", &[GH], "contents:read pull-requests:read"),
    ("gh pr view --json closingIssuesReferences -q .x", &[GH], "issues:read pull-requests:read"),
    ("gh issue view 3 --json projectItems", &[GH], "issues:read ?"),
    ("gh pr checks 3 --watch", &[GH], "checks:read pull-requests:read statuses:read"),
    ("gh run view 123 --json jobs", &[GH], "actions:read"),
    ("gh api user --jq .login", &[GH], ""),
    ("gh api -X $METHOD repos/o/r/statuses/$SHA", &[GH], "statuses:write"),
    ("gh api repos/o/r/hooks", &[GH], "?"),
    ("gh api repos/o/r/pulls", &[PAT], ""),
    // git.
    ("git push origin HEAD:main", &[], "contents:write"),
    ("git -C site push", &[], "contents:write"),
    ("git push --dry-run", &[], ""),
    ("git push https://x-access-token:${{ secrets.BOT }}@github.com/o/r.git", &[], ""),
    ("git push https://x-access-token:${{ github.token }}@github.com/o/r.git", &[], "contents:write"),
    ("git fetch --tags origin", &[], "contents:read"),
    ("mkdocs gh-deploy --force", &[], "contents:write"),
    ("if [ -n \"$(git status --porcelain)\" ]; then git commit -am fmt && git push; fi", &[], "contents:write"),
    ("for f in a b; do\n  git add $f\ndone\ngit push", &[], "contents:write"),
    ("retry() { \"$@\"; }\nretry git push", &[], "contents:write"),
    // Registries.
    ("docker push ghcr.io/o/app:latest", &[], "packages:write"),
    ("docker push docker.io/o/app:latest", &[], ""),
    ("docker push $IMAGE", &[("IMAGE", "ghcr.io/o/app")], "packages:write"),
    ("docker push $IMAGE", &[("IMAGE", "quay.io/o/app")], ""),
    ("docker push \"$IMAGE\"", &[("REGISTRY", "ghcr.io"), ("IMAGE", "${{ env.REGISTRY }}/app")], "packages:write"),
    ("docker buildx build --push -t ghcr.io/o/a:1 .", &[], "packages:write"),
    ("docker build -t ghcr.io/o/a:1 .", &[], ""),
    ("docker pull ghcr.io/o/private:1", &[], "packages:read"),
    ("echo \"${{ secrets.GITHUB_TOKEN }}\" | docker login ghcr.io -u $ --password-stdin", &[], ""),
    ("npm publish", &[("NODE_AUTH_TOKEN", "${{ secrets.GITHUB_TOKEN }}")], "packages:write"),
    ("npm publish --registry https://npm.pkg.github.com", &[("NODE_AUTH_TOKEN", "${{ secrets.NPM }}")], "packages:write"),
    ("npm publish --access public", &[("NODE_AUTH_TOKEN", "${{ secrets.NPM_TOKEN }}")], ""),
    ("npm publish --provenance --access public", &[("NODE_AUTH_TOKEN", "${{ secrets.NPM_TOKEN }}")], "id-token:write"),
    ("npm publish", &[], "id-token:write"),
    ("npm ci", &[("NODE_AUTH_TOKEN", "${{ github.token }}")], "packages:read"),
    ("mvn -B deploy -s settings.xml", &[GT], "packages:write"),
    ("./gradlew build publish", &[("MAVEN_URL", "https://maven.pkg.github.com/o/r")], "packages:write"),
    ("./gradlew publishToMavenLocal", &[GT], ""),
    ("mvn -B deploy", &[("MAVEN_PASSWORD", "${{ secrets.OSSRH }}")], ""),
    ("dotnet nuget push out/*.nupkg --source https://nuget.pkg.github.com/o/index.json --api-key $T", &[], "packages:write"),
    // OIDC.
    ("curl -sH \"Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN\" \"$ACTIONS_ID_TOKEN_REQUEST_URL&audience=x\"", &[], "id-token:write"),
    ("cosign sign --yes ghcr.io/o/a@$DIGEST", &[], "id-token:write packages:write"),
    ("cosign sign --key env://KEY docker.io/o/a@sha256:1", &[], ""),
    ("uv publish", &[], "id-token:write"),
    ("uv publish --token $PYPI", &[], ""),
    ("twine upload dist/*", &[("TWINE_PASSWORD", "${{ secrets.PYPI }}")], ""),
    // curl / wget to the API.
    ("curl -s -H \"Authorization: token ${{ secrets.GITHUB_TOKEN }}\" https://api.github.com/repos/o/r/releases/latest", &[], "contents:read"),
    ("curl -X POST -H \"Authorization: Bearer $GITHUB_TOKEN\" \"$GITHUB_API_URL/repos/$GITHUB_REPOSITORY/issues/$N/comments\" -d @body.json", &[GT], "issues:write pull-requests:write"),
    ("curl -sSf -d '{}' -H \"Authorization: Bearer $TOKEN\" https://api.github.com/repos/o/r/dispatches", &[("TOKEN", "${{ secrets.PAT }}")], ""),
    ("curl -s https://api.github.com/repos/o/r/releases/latest", &[], ""),
    ("curl -H \"Authorization: token $GITHUB_TOKEN\" $URL", &[GT], "?"),
    ("curl --data-binary @a.zip -H \"Authorization: token $GITHUB_TOKEN\" \"https://uploads.github.com/repos/o/r/releases/1/assets?name=a.zip\"", &[GT], "contents:write"),
    ("wget --header=\"Authorization: token ${{ github.token }}\" https://api.github.com/repos/o/r/tarball/main", &[], "contents:read"),
    ("curl -fsSL https://example.com/install.sh | sh", &[], ""),
    ("curl -H 'Authorization: token ${{ github.token }}' https://api.github.com/graphql -d @q.json", &[], "?"),
    // Substitutions, wrappers, sub-shells.
    ("URL=$(gh pr view 1 --json url -q .url)\necho $URL", &[GH], "pull-requests:read"),
    ("echo \"$(gh release view --json tagName)\"", &[GH], "contents:read"),
    ("bash -c 'gh release create v1'", &[GH], "contents:write"),
    ("sudo -E env FOO=1 git push", &[], "contents:write"),
    ("echo 12 | xargs -I{} gh pr close {}", &[GH], "pull-requests:write"),
    ("timeout 60 gh run watch 1", &[GH], "actions:read"),
    ("eval \"gh issue comment 1 -b hi\"", &[GH], "issues:write"),
    ("npx semantic-release", &[GT], "contents:write issues:write pull-requests:write"),
    ("npx semantic-release@24 --dry-run", &[GT], ""),
    ("npx semantic-release", &[("GITHUB_TOKEN", "${{ secrets.SEMREL_PAT }}")], ""),
    ("goreleaser release --clean", &[GT], "contents:write"),
    ("goreleaser release --snapshot --clean", &[GT], ""),
    ("reviewdog -reporter=github-pr-review -f=golint", &[("REVIEWDOG_GITHUB_API_TOKEN", "${{ github.token }}")], "pull-requests:write"),
    ("reviewdog -reporter=local", &[("REVIEWDOG_GITHUB_API_TOKEN", "${{ github.token }}")], ""),
    // A program that receives the token cannot be read.
    ("python scripts/release.py", &[GT], "?"),
    ("./deploy.sh --token ${{ secrets.GITHUB_TOKEN }}", &[], "?"),
    ("python scripts/release.py", &[("GITHUB_TOKEN", "${{ secrets.PAT }}")], ""),
    ("python scripts/release.py", &[], ""),
    ("make release", &[("GH_TOKEN", "${{ inputs.token }}")], "?"),
    ("TOKEN=${{ github.token }}\n./tool --token \"$TOKEN\"", &[], "?"),
    // Shell reading: `[[ ]]` operators, environment set-up through eval, builtins.
    ("if [[ \"$A\" == x && \"$B\" == y ]]; then gh pr merge 1; fi", &[GH], "contents:write pull-requests:write"),
    ("[[ -n \"$A\" || ( -z \"$B\" && $C > 1 ) ]] && echo ok", &[GH], ""),
    ("eval \"$(/opt/homebrew/bin/brew shellenv)\"\nbrew install jq", &[GH], ""),
    ("eval \"$(ssh-agent -s)\"", &[GH], ""),
    ("eval \"$(./print-commands.sh)\"", &[GH], "?"),
    ("shopt -s globstar nullglob\nfor f in **/*.md; do echo \"$f\"; done", &[GH], ""),
    ("set -euo pipefail\nulimit -n 4096\nmapfile -t files < list", &[GH], ""),
];

#[test]
fn run_script_table() {
    let mut failures = Vec::new();
    for (script, e, want) in CASES {
        let got = run_needs(script, &env(e));
        let r = render(&got);
        if r != *want {
            failures.push(format!(
                "script {script:?} env {e:?}\n   want {want:?}\n    got {r:?} {:?}",
                got.unknown
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn reasons_and_sources() {
    let a = run_needs("gh release create v1", &env(&[GH]));
    assert_eq!(a.needs.len(), 1);
    assert!(a.needs[0].reason.contains("`gh release create`"));
    assert!(a.needs[0].source.starts_with("https://"));
    let a = run_needs("gh release create v1", &[]);
    assert!(
        a.needs[0].reason.contains("no GH_TOKEN"),
        "{}",
        a.needs[0].reason
    );
    let a = run_needs("gh api -X POST repos/o/r/issues -f title=x", &env(&[GH]));
    assert!(a.needs[0].reason.contains("POST"), "{}", a.needs[0].reason);
    let a = run_needs("python x.py", &env(&[GT]));
    assert!(a.unknown[0].contains("`python`"), "{:?}", a.unknown);
}

#[test]
fn never_panics() {
    for s in [
        "",
        "\u{0}",
        "gh",
        "gh api",
        "gh api -X",
        "curl -H",
        "curl -X",
        "git -C",
        "sudo",
        "env -u",
        "xargs -I",
        "timeout",
        "bash -c",
        "npx",
        "npx -p",
        "eval",
        "$(",
        "`",
        "\"",
        "'",
        "${{",
        "A=1",
        "export",
        "pnpm dlx",
        "dotnet tool run",
        "é ü ${{ x }} $(é)",
        "((((((((",
        "curl -H 'Authorization: token ${{ github.token }}'",
        "gh api -f",
        "docker push",
        "$(($(($((1))))))",
        "bash -c \"bash -c 'bash -c \\\"bash -c x\\\"'\"",
    ] {
        let _ = run_needs(s, &env(&[GH, ("X", "$X")]));
    }
}

#[test]
fn more_cases() {
    let cases: &[Case] = &[
        // Functions defined by the script are not opaque programs.
        (
            "notify() {\n  gh pr comment \"$PR\" -b \"$1\"\n}\nnotify done",
            &[GH],
            "pull-requests:write",
        ),
        // Webhook URL fields.
        (
            "gh api ${{ github.event.pull_request.comments_url }} -f body=hi",
            &[GH],
            "issues:write pull-requests:write",
        ),
        (
            "curl -H \"Authorization: token $GITHUB_TOKEN\" ${{ github.event.pull_request.url }}",
            &[GT],
            "pull-requests:read",
        ),
        (
            "gh api ${{ env.URL }}",
            &[GH, ("URL", "repos/o/r/releases")],
            "contents:read",
        ),
        // A registry on localhost is not npm trusted publishing.
        ("npm publish --registry http://localhost:4873/", &[], ""),
        // Array appends are assignments.
        (
            "args+=(--verbose)\ngh release create v1 \"${args[@]}\"",
            &[GH],
            "contents:write",
        ),
        // Arithmetic commands run nothing.
        (
            "if (( COUNT > 0 )); then gh pr close 1; fi",
            &[GH],
            "pull-requests:write",
        ),
        // PowerShell continuation.
        (
            "gh release upload $env:TAG `\n  --clobber `\n  a.msi",
            &[GH],
            "contents:write",
        ),
        // A wrapper we do not know around a command we do.
        ("retry git push", &[], "contents:write"),
        // Unknown variables sent to another service are not GitHub's.
        (
            "curl -H \"Authorization: Bearer $API_KEY\" https://example.com/deploy",
            &[],
            "",
        ),
        (
            "curl -H \"Authorization: Bearer $GITHUB_TOKEN\" \"$URL\"",
            &[],
            "?",
        ),
        (
            "curl -H \"Authorization: Bearer $T\" https://api.github.com/repos/o/r/pulls",
            &[],
            "pull-requests:read",
        ),
    ];
    let mut failures = Vec::new();
    for (script, e, want) in cases {
        let got = run_needs(script, &env(e));
        let r = render(&got);
        if r != *want {
            failures.push(format!(
                "{script:?}: want {want:?} got {r:?} {:?}",
                got.unknown
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    let a = run_needs(
        "gh api -X POST repos/$GITHUB_REPOSITORY/issues/$N/comments -f body=x",
        &env(&[GH]),
    );
    assert!(
        a.needs[0]
            .reason
            .contains("repos/{owner}/{repo}/issues/{…}/comments"),
        "{}",
        a.needs[0].reason
    );
}

#[test]
fn shells() {
    let e = env(&[GT]);
    assert_eq!(
        render(&run_needs_in_shell(
            "import os\nprint(os.environ['GITHUB_TOKEN'])",
            &e,
            Some("python")
        )),
        "?"
    );
    assert_eq!(
        render(&run_needs_in_shell("print(1)", &[], Some("python {0}"))),
        ""
    );
    assert_eq!(
        render(&run_needs_in_shell(
            "gh release create v1 ^\n  --notes x",
            &env(&[GH]),
            Some("cmd")
        )),
        "contents:write"
    );
    assert_eq!(
        render(&run_needs_in_shell("git push", &[], Some("bash -e {0}"))),
        "contents:write"
    );
    assert_eq!(
        render(&run_needs_in_shell(
            "gh pr view 1",
            &env(&[GH]),
            Some("pwsh")
        )),
        "pull-requests:read"
    );
}

#[test]
fn git_uses_the_credentials_the_checkouts_left() {
    let not_persisted = |script: &str, pairs: &[(&str, &str)]| {
        let e = env(pairs);
        render(&run_needs_with(
            script,
            &RunContext {
                env: &e,
                git: GitAuth::NotPersisted,
                ..RunContext::default()
            },
        ))
    };
    assert_eq!(render(&run_needs("git push", &[])), "contents:write");
    assert_eq!(not_persisted("git push origin main", &[]), "");
    assert_eq!(not_persisted("git fetch --tags", &[]), "");
    // The script hands the token to git itself.
    assert_eq!(
        not_persisted(
            "git push https://x-access-token:${{ github.token }}@github.com/o/r HEAD",
            &[]
        ),
        "contents:write"
    );
    assert_eq!(
        not_persisted("gh auth setup-git\ngit push", &[GH]),
        "contents:write"
    );
    // Another token in the environment does not make git use GITHUB_TOKEN.
    assert_eq!(not_persisted("git push", &[PAT]), "");
}

#[test]
fn scripts_of_the_repository_are_read() {
    let files = |path: &str| -> Option<String> {
        match path {
            "scripts/release.sh" => Some("gh release create \"$TAG\"\n. scripts/env.sh\n".into()),
            "scripts/env.sh" => Some("export X=1\n".into()),
            "ci/sign.py" => Some("os.environ['ACTIONS_ID_TOKEN_REQUEST_URL']".into()),
            "ci/loop.sh" => Some("./ci/loop.sh\n".into()),
            _ => None,
        }
    };
    let with_files = |script: &str, pairs: &[(&str, &str)]| {
        let e = env(pairs);
        render(&run_needs_with(
            script,
            &RunContext {
                env: &e,
                files: Some(&files),
                ..RunContext::default()
            },
        ))
    };
    assert_eq!(
        with_files("./scripts/release.sh v1", &[GH]),
        "contents:write"
    );
    assert_eq!(
        with_files("bash -e scripts/release.sh", &[GH]),
        "contents:write"
    );
    assert_eq!(
        with_files("source ./scripts/release.sh", &[GH]),
        "contents:write"
    );
    // Another token: gh does not use GITHUB_TOKEN.
    assert_eq!(with_files("./scripts/release.sh", &[PAT]), "");
    assert_eq!(with_files("python3 -u ci/sign.py", &[]), "id-token:write");
    // A script that calls itself ends.
    assert_eq!(with_files("./ci/loop.sh", &[]), "");
    // Not in the repository: opaque, unknown with the token.
    assert_eq!(with_files("./scripts/other.sh", &[GH]), "?");
    assert_eq!(with_files("./scripts/other.sh", &[]), "");
    // Without a repository, the same script is opaque.
    assert_eq!(render(&run_needs("./scripts/release.sh", &env(&[GH]))), "?");
}

/// Steps with the same environment share whether it carries the token
/// (`RunContext::env_token`): each answer is the one the step gets alone, whichever step asked
/// first, and a script that sets variables of its own is not misled by it.
#[test]
fn a_shared_environment_answer_changes_nothing() {
    let first_asker = "some-tool --flag";
    for (script, e, _) in CASES {
        let e = env(e);
        let alone = render(&run_needs(script, &e));
        let cell = OnceCell::new();
        let shared = RunContext {
            env: &e,
            env_token: Some(&cell),
            ..RunContext::default()
        };
        run_needs_with(first_asker, &shared);
        assert!(cell.get().is_some(), "{first_asker:?} asks");
        assert_eq!(
            render(&run_needs_with(script, &shared)),
            alone,
            "{script:?}"
        );
    }
    let e = env(&[("CI", "true")]);
    let cell = OnceCell::new();
    let shared = RunContext {
        env: &e,
        env_token: Some(&cell),
        ..RunContext::default()
    };
    assert_eq!(render(&run_needs_with(first_asker, &shared)), "");
    let sets_token = "export GH_TOKEN=${{ github.token }}\nsome-tool";
    assert_eq!(render(&run_needs_with(sets_token, &shared)), "?");
}

#[test]
fn program_names_are_normalized() {
    for (written, program) in [
        ("gh", "gh"),
        ("/usr/bin/gh", "gh"),
        ("./gradlew", "gradle"),
        ("Gradlew.bat", "gradle"),
        ("MVNW", "mvn"),
        ("mvnw.CMD", "mvn"),
        ("Docker-Buildx.exe", "docker"),
        ("git.exe", "git"),
        ("GIT.exe", "GIT.exe"),
        ("C:\\tools\\Make.EXE", "Make.EXE"),
        ("semantic-release@21", "semantic-release"),
        ("@scope/pkg@1.2", "@scope/pkg"),
        ("@scope/pkg", "@scope/pkg"),
    ] {
        assert_eq!(normalize_program(written), program, "{written}");
    }
}
