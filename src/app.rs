//! The application: discover files, run the pipeline on each (in parallel), report, and pick
//! the exit code. `main.rs` only parses arguments and calls [`run`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::cli::{Cli, ColorArg, FormatArg};
use crate::config::{Config, ConfigFinder};
use crate::discover::{
    discover_excluding, first_names, kind_for_name, Discovered, ExcludeTest, FileKind,
};
use crate::early::EarlyWork;
use crate::exclude::Excluder;
use crate::finding::{Finding, Severity};
use crate::interrupt;
use crate::passes::permissions;
use crate::passes::pin::{self, PinData};
use crate::passes::{all_rules, rule_names, Rule, Setup};
use crate::pipeline::{process_parsed, Options};
use crate::read::{read_limited, read_listed_regular, read_regular, ReadError};
use crate::report::{
    finding_lines, printable_diff, render_run, terminal_safe, unified_diff, use_color, ColorChoice,
    FileReport, FixSummary, Format, Mode, RenderOptions, Rendered, RunFacts,
};
use crate::resolve::{RepoId, ResolveOptions, Session, NETWORK_RULE};
use crate::syntax::{parse, parse_owned, SyntaxTree};
use crate::write::{replace_if_unchanged, sweep_leftovers, WriteError};

/// Exit codes of the command-line contract.
pub mod exit {
    pub const OK: i32 = 0;
    pub const CHANGES: i32 = 1;
    pub const ERROR: i32 = 2;
    pub const NETWORK: i32 = 3;
}

/// Run the command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    if let Some(code) = crate::docs::run(&cli) {
        return code;
    }
    if cli.init {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        return crate::init::run(&cli.paths, &cwd, cli.max_file_size);
    }
    let mode = if cli.fix {
        Mode::Fix
    } else if cli.check {
        Mode::Check
    } else {
        Mode::Diff
    };
    let names = match selected_names(&cli.select, &cli.skip) {
        Ok(r) => r,
        Err(msg) => {
            say(&msg);
            return exit::ERROR;
        }
    };
    if let Err(msg) = check_combination(&cli, &names) {
        say(&msg);
        return exit::ERROR;
    }
    if names.contains(&pin::NAME) {
        // One configuration error for the run, not one per `uses:`.
        if let Err(e) = ResolveOptions::from_env(cli.offline).check_server_url() {
            say(&e);
            eprintln!("  help: set GITHUB_SERVER_URL to a URL such as https://github.com, or run with --skip pin");
            return exit::ERROR;
        }
    }
    let explicit_config = match &cli.config {
        Some(path) => match Config::load(path) {
            Ok(c) => Some(Arc::new(c)),
            Err(e) => {
                say(&e);
                return exit::ERROR;
            }
        },
        None => None,
    };
    let format = match cli.format {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Github => Format::Github,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Markdown => Format::Markdown,
    };
    let color_choice = match cli.color {
        ColorArg::Auto => ColorChoice::Auto,
        ColorArg::Always => ColorChoice::Always,
        ColorArg::Never => ColorChoice::Never,
    };
    let to_terminal = cli.output_file.is_none() && std::io::stdout().is_terminal();
    let render_opts = RenderOptions {
        color: use_color(color_choice, to_terminal),
        color_messages: use_color(color_choice, std::io::stderr().is_terminal()),
        verbose: cli.verbose,
        quiet: cli.quiet,
        statistics: cli.statistics,
        ..RenderOptions::new(format, mode)
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(cli.jobs.unwrap_or(0))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            say(&format!("cannot start worker threads: {e}"));
            return exit::ERROR;
        }
    };

    if cli.paths.len() == 1 && cli.paths[0] == Path::new("-") {
        return run_stdin(&cli, mode, &names, explicit_config, &render_opts);
    }
    if cli.paths.iter().any(|p| p == Path::new("-")) {
        eprintln!("wffmt: `-` (standard input) cannot be combined with other paths");
        return exit::ERROR;
    }

    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let paths = if cli.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        cli.paths.clone()
    };
    let finder = Arc::new(ConfigFinder::new());
    let excluder = match Excluder::new(
        &cli.exclude,
        &cwd,
        explicit_config.clone(),
        Arc::clone(&finder),
    ) {
        Ok(excluder) => Arc::new(excluder),
        Err(msg) => {
            say(&msg);
            return exit::ERROR;
        }
    };
    let exclude_test: ExcludeTest = {
        let excluder = Arc::clone(&excluder);
        Arc::new(move |path: &Path, is_dir: bool| excluder.is_excluded(path, is_dir))
    };
    let setup = prepare(&cli, &names);
    let rules = build_rules(&names, &setup);
    let rule_refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let options = pipeline_options(&cli);
    let mut diffs = DiffStream::new(&render_opts, cli.output_file.is_none());

    let process = |f: &Discovered, tree: SyntaxTree| {
        process_file(
            f,
            tree,
            mode,
            &rule_refs,
            &options,
            explicit_config.as_ref(),
            &finder,
        )
    };
    let prefetching = prefetch_wanted(&cli, &names, &setup);
    // Each file is read, parsed and processed by whichever worker is free.
    let work = |f: &Discovered| match load(f, cli.max_file_size) {
        Ok(text) => process(f, parse_owned(text)),
        Err(e) => error_report(&f.display, e),
    };
    // Where nothing is written and nothing asked of the network first, files are worked on as
    // the walk finds them, by the workers it leaves idle (see `crate::early`); with one worker
    // there are none.
    let early = EarlyWork::new(pool.current_num_threads());
    let early_wanted = mode != Mode::Fix && !prefetching && pool.current_num_threads() > 1;
    // The walk's threads and the workers share the cores while both have work.
    let walk_threads = match early_wanted {
        true => pool.current_num_threads().div_ceil(2),
        false => pool.current_num_threads(),
    };
    let (files, discover_errors, excluded, mut reports) = pool.in_place_scope(|scope| {
        let found_early = |f: &Discovered| {
            if early_wanted {
                early.start(scope, f, &work);
            }
        };
        let (files, discover_errors, excluded) = pool.install(|| {
            discover_excluding(
                &paths,
                &cwd,
                exclude_test,
                cli.force_exclude,
                walk_threads,
                &found_early,
            )
        });
        early.walk_ended();
        let (files, canonical) = pool.install(|| first_names(files, &paths, &cwd));
        if mode == Mode::Fix {
            interrupt::install();
            let dirs: std::collections::BTreeSet<&Path> = canonical
                .iter()
                .flatten()
                .filter_map(|p| p.parent())
                .collect();
            for leftover in sweep_leftovers(dirs.iter().copied()) {
                say(&format!(
                    "removed {}, a temporary file left by an interrupted run",
                    leftover.display()
                ));
            }
        }
        let mut reports: Vec<FileReport> = Vec::with_capacity(files.len());
        if prefetching {
            // Files go through in windows, in path order: a window is read, parsed and its
            // network questions asked together while the one before it is processed, and its
            // reports are printed or kept (without their diffs where those were printed)
            // before the next. Memory holds two windows, not the whole tree; each file is
            // parsed once.
            pool.install(|| {
                let mut windows = files.chunks(WINDOW);
                let mut next = windows
                    .next()
                    .map(|w| (w, read_window(w, &cli, &names, &setup)));
                // The reports of the window before, printed while this one is processed.
                let mut finished: Vec<FileReport> = Vec::new();
                while let Some((window, trees)) = next.take() {
                    let (done, (upcoming, ())) = rayon::join(
                        || {
                            window
                                .par_iter()
                                .zip(trees.into_par_iter())
                                .map(|(f, tree)| match tree {
                                    Ok(tree) => process(f, tree),
                                    Err(e) => error_report(&f.display, e),
                                })
                                .collect::<Vec<FileReport>>()
                        },
                        || {
                            rayon::join(
                                || {
                                    windows
                                        .next()
                                        .map(|w| (w, read_window(w, &cli, &names, &setup)))
                                },
                                || reports.extend(finished.drain(..).map(|r| diffs.print(r))),
                            )
                        },
                    );
                    finished = done;
                    next = upcoming;
                }
                reports.extend(finished.into_iter().map(|r| diffs.print(r)));
            });
        } else {
            // In path order, each report printed once the ones before it are. No worker waits
            // for a window's slowest file, and memory holds the files in flight.
            let work = |f: &Discovered| early.take_or_work(f, &work);
            reports = in_path_order(&pool, &files, work, |r| diffs.print(r));
        }
        (files, discover_errors, excluded, reports)
    });
    diffs.finish();
    if cli.verbose {
        if let (Some(session), Some(_)) = (&setup.session, &setup.pins) {
            let stats = session.stats();
            eprintln!(
                "pin: {} repositories, {} listed over the network, {} from the cache; {} fetches (release dates, files, image digests), {} answers from the cache",
                stats.listings_made + stats.cache_hits,
                stats.listings_made,
                stats.cache_hits,
                stats.fetches,
                stats.objects_from_cache
            );
        }
    }
    for e in discover_errors {
        let help = crate::docs::flag_hint(&e.path, &cli.paths)
            .unwrap_or_else(|| "check the path; the other paths were still processed".into());
        reports.push(error_report(
            &e.path,
            Finding::new("io", Severity::Error, 1, 1, e.message).with_help(help),
        ));
    }
    reports.sort_by(|a, b| a.path.cmp(&b.path));
    // One report per broken configuration file, however many files it applies to.
    // Files skipped because their configuration is broken: each is one report until the dedup.
    let is_config_error = |r: &FileReport| {
        r.error
            .as_ref()
            .is_some_and(|e| e.rule == crate::report::CONFIG_RULE)
    };
    let config_reports = reports.iter().filter(|r| is_config_error(r)).count();
    reports.dedup_by(|a, b| {
        a.path == b.path && a.error.is_some() && a.error == b.error && a.diff.is_none()
    });

    if cli.verbose {
        for file in &files {
            say(&format!(
                "configuration for {}: {}",
                file.display,
                config_source(&file.path, cli.config.as_deref(), &finder)
            ));
        }
    }
    let render_opts = RenderOptions {
        run: RunFacts {
            excluded,
            skipped_by_config: config_reports,
        },
        ..render_opts
    };
    if let Err(code) = emit(&render_run(&reports, &render_opts), &cli) {
        return code;
    }
    exit_code(&reports, mode, cli.exit_zero)
}

/// Print what a run rendered: the report on standard output or in `--output-file`, the
/// messages on standard error. `Err` is the exit code when the output file cannot be written.
fn emit(rendered: &Rendered, cli: &Cli) -> Result<(), i32> {
    match &cli.output_file {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &rendered.stdout) {
                say(&format!(
                    "cannot write --output-file {}: {e}",
                    path.display()
                ));
                eprint!("{}", rendered.stderr);
                return Err(exit::ERROR);
            }
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(rendered.stdout.as_bytes());
            let _ = stdout.flush();
        }
    }
    eprint!("{}", rendered.stderr);
    Ok(())
}

/// Which configuration applies to `path`, in words, for `-v`.
fn config_source(path: &Path, explicit: Option<&Path>, finder: &ConfigFinder) -> String {
    if let Some(explicit) = explicit {
        return format!("{} (--config)", explicit.display());
    }
    match finder.for_file(path) {
        Ok(config) => match &config.source {
            Some(source) if finder.is_user_file(source) => {
                format!("{} (user-wide)", source.display())
            }
            Some(source) => {
                let cwd = std::env::current_dir().unwrap_or_default();
                crate::discover::display_path(source, &crate::discover::normalize_lexically(&cwd))
            }
            None => "none (built-in defaults)".to_string(),
        },
        Err(e) => format!("{} (invalid, the file was skipped)", e.path),
    }
}

/// What the command line asks of the pipeline.
fn pipeline_options(cli: &Cli) -> Options {
    Options {
        unsafe_fixes: cli.unsafe_fixes,
    }
}

/// Read (regular files only, up to the size limit) and decode one file.
fn load(file: &Discovered, limit: u64) -> Result<String, Finding> {
    let read = if file.listed_regular {
        read_listed_regular(&file.path, limit)
    } else {
        read_regular(&file.path, limit)
    };
    match read {
        Ok(bytes) => decode(bytes),
        Err(e) => Err(read_error(&e)),
    }
}

fn read_error(e: &ReadError) -> Finding {
    Finding::new("io", Severity::Error, 1, 1, e.to_string()).with_help(e.help())
}

/// Gather what rules need for the whole run: the shared resolver [`Session`] and, for `pin`,
/// how it runs. What each file needs from the network is fetched by [`prefetch`].
fn prepare(cli: &Cli, names: &[&'static str]) -> Setup {
    let session = Arc::new(Session::new(ResolveOptions::from_env(cli.offline)));
    if !cli.quiet && std::io::stderr().is_terminal() {
        session.set_progress(Arc::new(crate::progress::TerminalProgress));
    }
    let mut setup = Setup {
        explain: cli.verbose || matches!(cli.format, FormatArg::Json | FormatArg::Sarif),
        session: Some(Arc::clone(&session)),
        ..Setup::default()
    };
    if names.contains(&pin::NAME) {
        let explicit = cli.select.iter().any(|s| s.trim() == pin::NAME);
        let mode = if cli.upgrade {
            pin::Mode::Upgrade
        } else if cli.update {
            pin::Mode::Update
        } else {
            pin::Mode::Pin
        };
        setup.pins = Some(Arc::new(PinData {
            verify_pins: cli.verify_pins,
            explicit,
            mode,
            pin_images: cli.pin_images,
            min_age: cli.min_age,
            explain: setup.explain,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
            dependabot: Default::default(),
            lockfiles: Default::default(),
        }));
    }
    setup
}

/// What rules will ask of the network for `files`, fetched in parallel (each once per run)
/// before the files are processed. For `pin`: the ref listing of every repository the files
/// use, with `--pin-images` the digests of their images, and with `--update`/`--upgrade` and a
/// cooldown the dates of the release candidates. For `outdated-actions`: the listings and the
/// `action.yml` at the commit used of actions outside its table. For `permissions`: what it
/// reads of the actions its knowledge base does not describe. Offline there is nothing to fetch: a rule
/// reads the cache as fast as a prefetch would.
fn prefetch(
    cli: &Cli,
    names: &[&'static str],
    setup: &Setup,
    files: &[(&SyntaxTree, FileKind, Option<&Path>)],
) {
    let Some(session) = &setup.session else {
        return;
    };
    if !prefetch_wanted(cli, names, setup) {
        return;
    }
    if let Some(pins) = &setup.pins {
        // Files left to GitHub's actions lockfile need no listing.
        let trees: Vec<&(&SyntaxTree, FileKind, Option<&Path>)> = files
            .iter()
            .filter(|(_, _, path)| {
                pins.explicit || path.and_then(|p| pins.actions_lockfile(p)).is_none()
            })
            .collect();
        let repos: Vec<RepoId> = trees
            .iter()
            .flat_map(|(tree, kind, _)| pin::repos_to_resolve(tree, *kind))
            .collect();
        session.prefetch_listings(&repos);
        if cli.pin_images {
            let mut images: Vec<crate::resolve::ImageRef> = trees
                .iter()
                .flat_map(|(tree, kind, _)| pin::images_to_resolve(tree, *kind))
                .map(|mut i| {
                    i.digest = None;
                    i
                })
                .collect();
            images.sort();
            images.dedup();
            session.prefetch_image_digests(&images);
        }
        let texts: Vec<(&str, FileKind, Option<&Path>)> = files
            .iter()
            .map(|(tree, kind, path)| (tree.text(), *kind, *path))
            .collect();
        if pins.mode != pin::Mode::Pin
            && (cli.min_age.is_some() || pin::cooldown_configured(&texts))
        {
            // The dates a cooldown may ask for: the newest candidates of each `uses:`, fetched
            // in parallel now rather than one by one while files are processed.
            let dates: Vec<(RepoId, String)> = trees
                .iter()
                .flat_map(|(tree, kind, _)| {
                    pin::dates_to_prefetch(tree, *kind, session, pins.mode, 2)
                })
                .collect();
            session.prefetch_dates(&dates);
        }
    }
    if names.contains(&crate::passes::outdated_actions::NAME) {
        let trees: Vec<(&SyntaxTree, FileKind)> =
            files.iter().map(|(tree, kind, _)| (*tree, *kind)).collect();
        crate::passes::outdated_actions::prefetch(session, &trees);
    }
    if names.contains(&permissions::NAME) {
        let kb = crate::kb::KnowledgeBase::builtin_ref();
        let targets: Vec<_> = files
            .iter()
            .flat_map(|(tree, kind, _)| permissions::remote::prefetch_targets(tree, *kind, kb))
            .collect();
        permissions::remote::prefetch(session, &targets);
    }
}

/// Whether [`prefetch`] has anything to do: online, with a rule that asks the network.
fn prefetch_wanted(cli: &Cli, names: &[&'static str], setup: &Setup) -> bool {
    setup.session.is_some()
        && !cli.offline
        && (setup.pins.is_some()
            || names.contains(&crate::passes::outdated_actions::NAME)
            || names.contains(&permissions::NAME))
}

/// Files read, parsed and processed together (see `run`).
const WINDOW: usize = 128;

/// Read and parse a window of files (in parallel) and fetch what the rules will ask the
/// network about them.
fn read_window(
    files: &[Discovered],
    cli: &Cli,
    names: &[&'static str],
    setup: &Setup,
) -> Vec<Result<SyntaxTree, Finding>> {
    let trees: Vec<Result<SyntaxTree, Finding>> = files
        .par_iter()
        .map(|f| load(f, cli.max_file_size).map(parse_owned))
        .collect();
    let parsed: Vec<(&SyntaxTree, FileKind, Option<&Path>)> = files
        .iter()
        .zip(&trees)
        .filter_map(|(f, t)| t.as_ref().ok().map(|t| (t, f.kind, Some(f.path.as_path()))))
        .collect();
    prefetch(cli, names, setup, &parsed);
    trees
}

/// Runs `work` on every file on the pool's workers, handing files out in path order as
/// workers come free, and passes each result to `finish` in path order: the worker that
/// completes the next file in line finishes it and any later ones already done (no other
/// thread to wake). Returns what `finish` returned, in path order.
fn in_path_order<W, F>(
    pool: &rayon::ThreadPool,
    files: &[Discovered],
    work: W,
    finish: F,
) -> Vec<FileReport>
where
    W: Fn(&Discovered) -> FileReport + Sync,
    F: FnMut(FileReport) -> FileReport + Send,
{
    struct InOrder<F> {
        /// Results that wait for an earlier file.
        waiting: std::collections::BTreeMap<usize, FileReport>,
        finished: Vec<FileReport>,
        finish: F,
    }
    let in_order = std::sync::Mutex::new(InOrder {
        waiting: std::collections::BTreeMap::new(),
        finished: Vec::with_capacity(files.len()),
        finish,
    });
    pool.install(|| {
        files
            .iter()
            .enumerate()
            .par_bridge()
            .for_each(|(index, file)| {
                let report = work(file);
                let mut guard = in_order.lock().unwrap_or_else(|p| p.into_inner());
                let state = &mut *guard;
                state.waiting.insert(index, report);
                while let Some(report) = state.waiting.remove(&state.finished.len()) {
                    let report = (state.finish)(report);
                    state.finished.push(report);
                }
            });
    });
    in_order
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .finished
}

/// Prints diffs as files finish, in path order, where nothing else needs them: the text
/// format in preview and check mode, to standard output. The reports it passes on keep
/// everything but the diffs it printed, so a large tree's diffs are not held to the end.
struct DiffStream {
    on: bool,
    color: bool,
    out: std::io::BufWriter<std::io::Stdout>,
}

impl DiffStream {
    fn new(opts: &RenderOptions, to_stdout: bool) -> DiffStream {
        DiffStream {
            on: to_stdout
                && opts.format == Format::Text
                && opts.mode != Mode::Fix
                && !opts.quiet
                && !opts.statistics,
            color: opts.color,
            out: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()),
        }
    }

    fn print(&mut self, mut report: FileReport) -> FileReport {
        if self.on {
            if let Some(diff) = report.diff.take() {
                let _ = self
                    .out
                    .write_all(printable_diff(&diff, self.color).as_bytes());
            }
        }
        report
    }

    fn finish(&mut self) {
        let _ = self.out.flush();
    }
}

/// The exit code of a run; `--exit-zero` turns "changes found" (1) into 0, never an error.
fn exit_code(reports: &[FileReport], mode: Mode, exit_zero: bool) -> i32 {
    match exit_code_of(reports, mode) {
        exit::CHANGES if exit_zero => exit::OK,
        code => code,
    }
}

fn exit_code_of(reports: &[FileReport], mode: Mode) -> i32 {
    let has_error = reports.iter().any(|r| {
        r.error.is_some()
            || r.findings
                .iter()
                .any(|f| f.severity == Severity::Error && f.rule == "syntax")
    });
    if has_error {
        return exit::ERROR;
    }
    if reports
        .iter()
        .any(|r| r.findings.iter().any(|f| f.rule == NETWORK_RULE))
    {
        return exit::NETWORK;
    }
    if mode == Mode::Check
        && reports
            .iter()
            .any(|r| r.changed || r.findings.iter().any(|f| f.severity == Severity::Error))
    {
        return exit::CHANGES;
    }
    exit::OK
}

/// Flags that make no sense together are a wrong command line, not a silent no-op.
fn check_combination(cli: &Cli, names: &[&'static str]) -> Result<(), String> {
    if !cli.select.is_empty() && cli.select.iter().all(|s| s.trim().is_empty()) {
        return Err("--select needs at least one rule name".into());
    }
    if names.is_empty() {
        return Err("no rule left to run (every selected rule is also skipped)".into());
    }
    if cli.verify_pins && !names.contains(&pin::NAME) {
        return Err("--verify-pins needs the `pin` rule, which is not selected".into());
    }
    for (set, flag) in [(cli.update, "--update"), (cli.upgrade, "--upgrade")] {
        if set && !names.contains(&pin::NAME) {
            return Err(format!(
                "{flag} needs the `pin` rule, which is not selected"
            ));
        }
    }
    if cli.pin_images && !names.contains(&pin::NAME) {
        return Err("--pin-images needs the `pin` rule, which is not selected".into());
    }
    if cli.min_age.is_some() && !(cli.update || cli.upgrade) {
        return Err("--min-age only applies with --update or --upgrade".into());
    }
    let stdin = cli.paths.len() == 1 && cli.paths[0] == Path::new("-");
    if cli.statistics && !matches!(cli.format, FormatArg::Text) {
        return Err(
            "--statistics prints a table in the text format (--format json always carries `statistics`)"
                .into(),
        );
    }
    if cli.stdin_filename.is_some() && !stdin {
        return Err("--stdin-filename only applies when the path is `-` (standard input)".into());
    }
    Ok(())
}

/// Parse `--select` / `--skip` into the names of the rules to run, in pipeline order.
pub fn selected_names(select: &[String], skip: &[String]) -> Result<Vec<&'static str>, String> {
    let known = rule_names();
    for name in select.iter().chain(skip) {
        let name = name.trim();
        if !name.is_empty() && !known.contains(&name) {
            return Err(format!(
                "unknown rule `{name}`; the rules are: {}",
                known.join(", ")
            ));
        }
    }
    let selected: Vec<&str> = select
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let all = all_rules(&Setup::default());
    Ok(all
        .iter()
        .filter(|r| {
            let chosen = if selected.is_empty() {
                r.default_on()
            } else {
                selected.contains(&r.name())
            };
            chosen && !skip.iter().any(|s| s.trim() == r.name())
        })
        .map(|r| r.name())
        .collect())
}

/// The rule instances for `names`, in pipeline order.
pub fn build_rules(names: &[&'static str], setup: &Setup) -> Vec<Box<dyn Rule>> {
    all_rules(setup)
        .into_iter()
        .filter(|r| names.contains(&r.name()))
        .collect()
}

/// `--select` / `--skip` straight to rule instances, with no run-wide data (tests, tools).
pub fn select_rules(select: &[String], skip: &[String]) -> Result<Vec<Box<dyn Rule>>, String> {
    let names = selected_names(select, skip)?;
    Ok(build_rules(&names, &Setup::default()))
}

fn error_report(path: &str, error: Finding) -> FileReport {
    FileReport {
        path: path.to_string(),
        changed: false,
        diff: None,
        fixes: Vec::new(),
        findings: Vec::new(),
        error: Some(Box::new(error)),
    }
}

/// Decode file bytes as UTF-8 text, or say precisely why not.
pub fn decode(bytes: Vec<u8>) -> Result<String, Finding> {
    if let Some(pos) = memchr::memchr(0, &bytes) {
        let (line, column) = line_col_bytes(&bytes, pos);
        return Err(Finding::new(
            "io",
            Severity::Error,
            line,
            column,
            "binary file (contains a NUL byte); skipped",
        )
        .with_help(
            "wffmt reads YAML text only; leave this file out of the paths or list it in .ignore",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let pos = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let (line, column) = line_col_bytes(&bytes, pos);
        Finding::new(
            "io",
            Severity::Error,
            line,
            column,
            "not valid UTF-8; skipped",
        )
        .with_help("wffmt reads UTF-8 only; convert the file (e.g. with iconv) and run again")
    })
}

fn line_col_bytes(bytes: &[u8], pos: usize) -> (usize, usize) {
    let before = &bytes[..pos.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

fn process_file(
    file: &Discovered,
    tree: SyntaxTree,
    mode: Mode,
    rules: &[&dyn Rule],
    options: &Options,
    explicit_config: Option<&Arc<Config>>,
    finder: &ConfigFinder,
) -> FileReport {
    let config = match explicit_config {
        Some(c) => c.clone(),
        None => match finder.for_file(&file.path) {
            Ok(c) => c,
            Err(e) => {
                // Reported once per configuration file, at its own position (see `run`).
                return error_report(
                    &e.path,
                    Finding::new(
                        crate::report::CONFIG_RULE,
                        Severity::Error,
                        e.line.max(1),
                        e.column.max(1),
                        format!("invalid configuration: {}", e.message),
                    )
                    .with_help("fix the configuration file (the README's Configuration section lists every key); the files it applies to were skipped"),
                );
            }
        },
    };
    let (mut report, output, text) = report_for_tree(
        tree,
        &file.display,
        Some(&file.path),
        file.kind,
        &config,
        rules,
        options,
    );
    if mode == Mode::Fix && report.error.is_none() && report.changed {
        if let Err(e) = replace_if_unchanged(&file.path, text.as_bytes(), output.as_bytes()) {
            // Nothing was fixed: say so, and only that.
            report.changed = false;
            report.diff = None;
            report.fixes.clear();
            let finding = match e {
                WriteError::Changed => Finding::new(
                    "io",
                    Severity::Error,
                    1,
                    1,
                    format!("{e}; it was left as it is (nothing of the edit is lost) and not fixed"),
                )
                .with_help("run wffmt again to fix the file as it is now"),
                WriteError::Io(e) => Finding::new(
                    "io",
                    Severity::Error,
                    1,
                    1,
                    format!("cannot write: {e}; the file was left unchanged"),
                )
                .with_help("check the file's and its directory's permissions and attributes, then run again"),
            };
            report.error = Some(Box::new(finding));
        }
    }
    report
}

/// Process one document's text into a report (diff included when it changes) and the new text.
pub fn report_for(
    text: &str,
    display: &str,
    file: Option<&Path>,
    kind: FileKind,
    config: &Config,
    rules: &[&dyn Rule],
    options: &Options,
) -> (FileReport, String) {
    let (report, output, _) =
        report_for_tree(parse(text), display, file, kind, config, rules, options);
    (report, output)
}

/// [`report_for`] of a text already parsed: the report, the new text and the text it came with.
fn report_for_tree(
    tree: SyntaxTree,
    display: &str,
    file: Option<&Path>,
    kind: FileKind,
    config: &Config,
    rules: &[&dyn Rule],
    options: &Options,
) -> (FileReport, String, String) {
    let processed = process_parsed(tree, kind, display, file, config, rules, options);
    let text = processed.input.as_str();
    let changed = processed.error.is_none() && processed.output != text;
    let report = FileReport {
        path: display.to_string(),
        changed,
        diff: changed.then(|| unified_diff(display, text, &processed.output)),
        fixes: processed
            .applied
            .iter()
            .map(|a| FixSummary {
                rule: a.rule.to_string(),
                title: a.title.clone(),
                applicability: a.applicability,
            })
            .collect(),
        findings: processed.findings,
        error: processed.error.map(Box::new),
    };
    (report, processed.output, processed.input)
}

fn run_stdin(
    cli: &Cli,
    mode: Mode,
    names: &[&'static str],
    explicit_config: Option<Arc<Config>>,
    render_opts: &RenderOptions,
) -> i32 {
    let name = cli
        .stdin_filename
        .clone()
        .unwrap_or_else(|| "-".to_string());
    let kind = if cli.stdin_filename.is_some() {
        kind_for_name(&name)
    } else {
        FileKind::Workflow
    };
    let finder = ConfigFinder::new();
    let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = match explicit_config {
        Some(c) => c,
        None => match finder.for_file(&base.join(&name)) {
            Ok(c) => c,
            Err(e) => {
                say(&e);
                return exit::ERROR;
            }
        },
    };
    if cli.verbose {
        say(&format!(
            "configuration for {name}: {}",
            config_source(&base.join(&name), cli.config.as_deref(), &finder)
        ));
    }
    let bytes = match read_limited(std::io::stdin().lock(), cli.max_file_size) {
        Ok(bytes) => bytes,
        Err(e) => {
            say(&format!("standard input: {e}"));
            return exit::ERROR;
        }
    };
    let report = match decode(bytes) {
        Ok(text) => {
            let setup = prepare(cli, names);
            let tree = parse(&text);
            prefetch(cli, names, &setup, &[(&tree, kind, None)]);
            let rules = build_rules(names, &setup);
            let rules: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
            let (report, output, _) = report_for_tree(
                tree,
                &name,
                None,
                kind,
                &config,
                &rules,
                &pipeline_options(cli),
            );
            if mode == Mode::Fix {
                // `--fix -` prints the whole fixed document; messages go to stderr.
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(output.as_bytes());
                let _ = stdout.flush();
                for f in report.error.as_deref().into_iter().chain(&report.findings) {
                    if !cli.quiet || f.severity == Severity::Error {
                        eprint!("{}", finding_lines(&name, f, false));
                    }
                }
                return exit_code(&[report], mode, cli.exit_zero);
            }
            report
        }
        Err(f) => error_report(&name, f),
    };
    let reports = [report];
    if let Err(code) = emit(&render_run(&reports, render_opts), cli) {
        return code;
    }
    exit_code(&reports, mode, cli.exit_zero)
}

/// A run-level message on standard error. It may quote a configuration file, a path or an
/// environment variable, so it is made terminal-safe.
fn say(message: &dyn std::fmt::Display) {
    eprintln!("wffmt: {}", terminal_safe(&message.to_string(), false));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(n: usize) -> Discovered {
        Discovered {
            path: PathBuf::from(format!("f{n}.yml")),
            display: format!("f{n}.yml"),
            kind: FileKind::Workflow,
            explicit: false,
            symlink: false,
            listed_regular: false,
        }
    }

    /// Files that take very different times still come out, and are finished, in path order,
    /// on one worker and on several.
    #[test]
    fn results_are_finished_in_path_order() {
        let files: Vec<Discovered> = (0..200).map(file).collect();
        for threads in [1, 2, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let work = |f: &Discovered| {
                // Every seventh file is slow, so later files finish first.
                let n: usize = f.display[1..f.display.len() - 4].parse().unwrap();
                if n.is_multiple_of(7) {
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                FileReport {
                    path: f.display.clone(),
                    ..FileReport::default()
                }
            };
            let mut finished = Vec::new();
            let out = in_path_order(&pool, &files, work, |r| {
                finished.push(r.path.clone());
                r
            });
            let expected: Vec<String> = files.iter().map(|f| f.display.clone()).collect();
            assert_eq!(
                out.iter().map(|r| r.path.clone()).collect::<Vec<_>>(),
                expected
            );
            assert_eq!(finished, expected, "{threads} threads");
        }
    }
}
