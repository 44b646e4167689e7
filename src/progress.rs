//! A progress line on standard error while the run waits on the network (ref listings, dates,
//! action files, image digests), so pinning 300 repositories is not 30 seconds of silence.
//!
//! It appears only after a task has taken a second, only when standard error is a terminal, and
//! never with `--quiet`; it is cleared when the task ends, so nothing of it stays in the output.
//! The resolver reports through the [`Progress`] trait and knows nothing of terminals.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Something that shows how far a batch of work is.
pub trait Progress: Send + Sync {
    /// A batch of `total` items described by `what` (e.g. `listing refs`) begins; it ends when
    /// the returned task is dropped.
    fn task(&self, what: &str, total: usize) -> Box<dyn ProgressTask>;
}

/// One batch under way.
pub trait ProgressTask: Send + Sync {
    /// One more item is done.
    fn advance(&self);
}

/// How long a task runs before its line appears.
const DELAY: Duration = Duration::from_secs(1);

/// The progress line of a terminal (indicatif), shown after [`DELAY`].
pub struct TerminalProgress;

impl Progress for TerminalProgress {
    fn task(&self, what: &str, total: usize) -> Box<dyn ProgressTask> {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos}/{len} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(format!("wffmt: {what}"));
        let (done, wait) = mpsc::channel::<()>();
        let shown = bar.clone();
        // Shows the line once the task has lasted DELAY, unless it ended before.
        let timer = std::thread::Builder::new()
            .name("wffmt-progress".into())
            .spawn(move || {
                if let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(DELAY) {
                    shown.set_draw_target(ProgressDrawTarget::stderr());
                    shown.enable_steady_tick(Duration::from_millis(120));
                }
            })
            .ok();
        Box::new(TerminalTask {
            bar,
            done: Some(done),
            timer,
        })
    }
}

struct TerminalTask {
    bar: ProgressBar,
    done: Option<Sender<()>>,
    timer: Option<JoinHandle<()>>,
}

impl ProgressTask for TerminalTask {
    fn advance(&self) {
        self.bar.inc(1);
    }
}

impl Drop for TerminalTask {
    fn drop(&mut self) {
        // Wake the timer (dropping the sender ends its wait), then clear the line.
        self.done.take();
        if let Some(timer) = self.timer.take() {
            let _ = timer.join();
        }
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A task that ends before the delay never draws and ends at once.
    #[test]
    fn a_short_task_ends_without_waiting_for_the_delay() {
        let started = std::time::Instant::now();
        let task = TerminalProgress.task("listing refs", 3);
        task.advance();
        drop(task);
        assert!(started.elapsed() < DELAY);
    }
}
