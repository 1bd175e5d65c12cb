//! The progress bar on stderr: samples done, samples per second and the time left.
//!
//! It is drawn only when stderr is a terminal and `--quiet` is off, and only once
//! the run has taken more than a second, so quick runs print nothing extra.

use crate::report::format::si;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Runs shorter than this show no bar.
const SHOW_AFTER: Duration = Duration::from_secs(1);

pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    shown: AtomicBool,
}

impl Progress {
    /// A bar for `total` samples; `enabled` false makes every call a no-op.
    pub fn new(total: u64, enabled: bool) -> Progress {
        Progress::counting(total, enabled, "samples")
    }

    /// A bar counting `total` of some `unit` (samples, steps, models).
    pub fn counting(total: u64, enabled: bool, unit: &str) -> Progress {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            let template =
                format!("{{bar:40}} {{human_pos}}/{{human_len}} {unit} · {{msg}} · ETA {{eta}}");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
            }
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    /// Whether a bar would be drawn: stderr is a terminal and the run is not quiet.
    pub fn wanted(quiet: bool) -> bool {
        use std::io::IsTerminal;
        !quiet && std::io::stderr().is_terminal()
    }

    /// `done` samples are finished.
    pub fn update(&self, done: u64) {
        let Some(bar) = &self.bar else { return };
        let elapsed = self.started.elapsed();
        bar.set_position(done);
        bar.set_message(format!(
            "{}/s",
            si(done as f64 / elapsed.as_secs_f64().max(1e-9))
        ));
        if elapsed >= SHOW_AFTER && !self.shown.swap(true, Ordering::Relaxed) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Removes the bar, so that what follows starts on a clean line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
