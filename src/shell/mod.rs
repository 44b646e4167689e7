//! A small, forgiving shell reader: just enough of POSIX sh / bash to find the simple commands of
//! a `run:` script, their words and where they stand. Shared by the rules that read scripts:
//! `permissions` (what a script does with the token) and `deprecated-commands` (which commands
//! print workflow commands, and whether they can be rewritten in place).
//!
//! It understands quoting (`'...'`, `"..."`, backslashes), line continuations, comments,
//! command separators (newline, `;`, `&`, `&&`, `|`, `||`, subshell parentheses), redirections
//! (kept apart from the words, with their targets), here-documents (their bodies are data, not
//! commands), GitHub expressions `${{ ... }}` (kept whole, even with spaces inside), command and
//! process substitutions `$(...)`, `` `...` ``, `<(...)`, whose contents are returned separately
//! so the caller can analyse them as scripts too, and conditional expressions `[[ ... ]]` (whose
//! `&&`, `||`, `<`, `>` and parentheses are operators of the test, not of the shell). `case`
//! patterns and function headers are dropped.
//!
//! Each command knows its byte span and the span of each word, and the compound commands around
//! it (loops, functions, `if`, `case`, groups, subshells), and whether its standard output goes
//! somewhere else than the step's output (a pipe, or a redirection of the command or of a group
//! around it). That is what a rewrite needs to know before touching a command.
//!
//! It never fails: unterminated quotes or substitutions run to the end of the script. Byte
//! offsets are used throughout; every special character is ASCII, so slicing at them is always
//! on a UTF-8 character boundary.

mod reader;
#[cfg(test)]
mod tests;

use std::ops::Range;

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    /// The words, quotes removed, `${{ ... }}` and `$(...)` kept as written. Leading
    /// assignments are kept as words; redirections and their targets are not words.
    pub words: Vec<String>,
    /// Byte range of each word in the script, as written (quotes included).
    pub word_spans: Vec<Range<usize>>,
    /// From the start of the first word or redirection to the end of the last one.
    pub span: Range<usize>,
    /// Redirections of this command, in order.
    pub redirects: Vec<Redirect>,
    /// The compound commands around this one, outermost first.
    pub context: Vec<Construct>,
    /// The command's standard output does not reach the step's output as it is: it goes into a
    /// pipe, or a redirection of the command or of a group, loop or subshell around it, or the
    /// script ran `exec >file` before it.
    pub output_diverted: bool,
}

/// A redirection: `>`, `>>`, `2>&1`, `<<EOF`, `&>`...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The operator with its descriptor number, e.g. `>>`, `2>`, `<<-`, `>&`.
    pub op: String,
    /// The target word with quotes removed (`None` for `>&2`-style duplications, where
    /// [`Redirect::op`] holds the whole text).
    pub target: Option<String>,
    /// Byte range of the whole redirection, target included.
    pub span: Range<usize>,
}

impl Redirect {
    /// Whether this redirection sends the standard output somewhere else (a file, another
    /// descriptor). `2>file`, `<in` and here-documents do not.
    pub fn diverts_output(&self) -> bool {
        let op = self.op.as_str();
        if op.starts_with("<<") || op.starts_with('<') {
            return false;
        }
        let fd: String = op.chars().take_while(char::is_ascii_digit).collect();
        let rest = &op[fd.len()..];
        if rest.starts_with('<') {
            return false;
        }
        rest.starts_with('&') || fd.is_empty() || fd == "1"
    }
}

/// A compound command around a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Construct {
    /// `for`, `while`, `until`, `select`: the command may run any number of times.
    Loop,
    /// The body of a shell function: it runs where the function is called.
    Function,
    /// `if ... fi`.
    If,
    /// `case ... esac`.
    Case,
    /// `{ ...; }`.
    Group,
    /// `( ... )`.
    Subshell,
}

/// The commands of a script, plus what else the reader found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// Simple commands in order.
    pub commands: Vec<Command>,
    /// Inner texts of `$(...)`, backtick and `<(...)` substitutions, in order.
    pub substitutions: Vec<String>,
    /// Byte ranges of those inner texts in the script.
    pub substitution_spans: Vec<Range<usize>>,
    /// Names of the shell functions the script defines (`name() {` or `function name`).
    pub functions: Vec<String>,
    /// Byte ranges of here-document bodies (delimiter line excluded).
    pub heredoc_bodies: Vec<Range<usize>>,
    /// Byte ranges of comments (`#` to the end of the line).
    pub comments: Vec<Range<usize>>,
}

/// Splits `src` into simple commands. A PowerShell line continuation (a line ending in a
/// backtick after a space) is read as one, so that `pwsh` scripts split the same way.
pub fn parse(src: &str) -> Script {
    reader::read(src).into_script()
}

/// The same reading as [`parse`], kept compactly for callers that only look at the words of
/// each command: the text of every word lies in one string (no string per word).
pub fn commands(src: &str) -> Commands {
    reader::read(src)
}

/// What [`commands`] returns: the commands' words, with the rest of a [`Script`].
#[derive(Debug, Clone, Default)]
pub struct Commands {
    /// The text of every word (quotes removed), one after the other.
    text: String,
    /// Each word of each command, in order.
    words: Vec<WordAt>,
    commands: Vec<CommandAt>,
    /// The redirections of every command, in order.
    redirects: Vec<Redirect>,
    /// The compound commands around every command, outermost first.
    contexts: Vec<Construct>,
    /// As in [`Script`].
    pub substitutions: Vec<String>,
    pub substitution_spans: Vec<Range<usize>>,
    pub functions: Vec<String>,
    pub heredoc_bodies: Vec<Range<usize>>,
    pub comments: Vec<Range<usize>>,
}

/// A word: its text in [`Commands::text`] and its place in the script.
#[derive(Debug, Clone)]
struct WordAt {
    text: Range<usize>,
    span: Range<usize>,
}

/// A command: its parts in the lists of [`Commands`], as [`Command`] has them.
#[derive(Debug, Clone)]
struct CommandAt {
    words: Range<usize>,
    span: Range<usize>,
    redirects: Range<usize>,
    context: Range<usize>,
    output_diverted: bool,
}

impl Commands {
    /// The words of each simple command, in order (as [`Command::words`]).
    pub fn each(&self) -> impl Iterator<Item = impl Iterator<Item = &str> + '_> + '_ {
        self.commands.iter().map(|c| self.words_of(c))
    }

    fn words_of<'c>(&'c self, c: &CommandAt) -> impl Iterator<Item = &'c str> + 'c {
        self.words[c.words.clone()]
            .iter()
            .map(|w| &self.text[w.text.clone()])
    }

    fn into_script(mut self) -> Script {
        let mut redirects = std::mem::take(&mut self.redirects).into_iter();
        let commands = self
            .commands
            .iter()
            .map(|c| Command {
                words: self.words_of(c).map(str::to_string).collect(),
                word_spans: self.words[c.words.clone()]
                    .iter()
                    .map(|w| w.span.clone())
                    .collect(),
                span: c.span.clone(),
                redirects: redirects.by_ref().take(c.redirects.len()).collect(),
                context: self.contexts[c.context.clone()].to_vec(),
                output_diverted: c.output_diverted,
            })
            .collect();
        Script {
            commands,
            substitutions: self.substitutions,
            substitution_spans: self.substitution_spans,
            functions: self.functions,
            heredoc_bodies: self.heredoc_bodies,
            comments: self.comments,
        }
    }
}

/// Whether `name` is a bash builtin that runs no other program and never reads a token: a
/// command starting with one of them does nothing the `permissions` rule has to account for.
/// (`eval`, `source`, `.`, `exec`, `command`, `builtin` and `trap` run other code and are not
/// here.) A `match`, which compiles to a few comparisons: every command of every script asks.
pub fn is_plain_builtin(name: &str) -> bool {
    matches!(
        name,
        ":" | "["
            | "[["
            | "alias"
            | "bg"
            | "bind"
            | "break"
            | "caller"
            | "cd"
            | "compgen"
            | "complete"
            | "compopt"
            | "continue"
            | "declare"
            | "dirs"
            | "disown"
            | "echo"
            | "enable"
            | "exit"
            | "export"
            | "false"
            | "fc"
            | "fg"
            | "getopts"
            | "hash"
            | "help"
            | "history"
            | "jobs"
            | "kill"
            | "let"
            | "local"
            | "logout"
            | "mapfile"
            | "popd"
            | "printf"
            | "pushd"
            | "pwd"
            | "read"
            | "readarray"
            | "readonly"
            | "return"
            | "set"
            | "shift"
            | "shopt"
            | "suspend"
            | "test"
            | "times"
            | "true"
            | "type"
            | "typeset"
            | "ulimit"
            | "umask"
            | "unalias"
            | "unset"
            | "wait"
    )
}

/// Programs whose output is shell code that only sets up the environment (variables, `PATH`,
/// shell functions), written to be run as `eval "$(program ...)"`. Evaluating their output
/// runs nothing that could use a token.
const ENV_SETUP: &[&[&str]] = &[
    &["brew", "shellenv"],
    &["ssh-agent"],
    &["opam", "env"],
    &["opam", "config", "env"],
    &["pyenv", "init"],
    &["pyenv", "virtualenv-init"],
    &["rbenv", "init"],
    &["nodenv", "init"],
    &["goenv", "init"],
    &["jenv", "init"],
    &["plenv", "init"],
    &["fnm", "env"],
    &["direnv", "export"],
    &["conda", "shell.bash", "hook"],
    &["conda", "shell.zsh", "hook"],
    &["micromamba", "shell", "hook"],
    &["dircolors"],
    &["luarocks", "path"],
    &["mise", "activate"],
    &["mise", "env"],
    &["rtx", "activate"],
    &["zoxide", "init"],
    &["starship", "init"],
    &["gpg-agent"],
    &["keychain"],
];

/// Whether the command `words` (program first, options anywhere) prints only environment set-up
/// code (see [`ENV_SETUP`]); the program may be given by a path (`/opt/homebrew/bin/brew`).
pub fn prints_env_setup<W: AsRef<str>>(words: &[W]) -> bool {
    let Some((program, args)) = words.split_first() else {
        return false;
    };
    let program = program.as_ref();
    let program = memchr::memrchr(b'/', program.as_bytes()).map_or(program, |i| &program[i + 1..]);
    if !ENV_SETUP.iter().any(|pattern| pattern[0] == program) {
        return false;
    }
    let positional: Vec<&str> = args
        .iter()
        .map(AsRef::as_ref)
        .filter(|w| !w.starts_with('-'))
        .collect();
    ENV_SETUP.iter().any(|pattern| {
        pattern[0] == program
            && pattern.len() - 1 <= positional.len()
            && pattern[1..].iter().zip(&positional).all(|(p, w)| p == w)
    })
}
