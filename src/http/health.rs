//! Liveness and readiness of the host, as `/healthz` and `/readyz` answer them.
//!
//! Every task of the host holds a [`Heartbeat`]. A task is *busy* from the moment it takes
//! up a piece of work (a long poll and its commit, an input of the desk loop, a round of
//! the dispatcher, a tick) until that work is done, and *idle* while it waits for work (a
//! message, a deadline, a backoff). Progress means no piece of work lasts longer than the
//! task's limit; an idle task is healthy however long it waits, so a quiet desk whose
//! poller long-polls an empty chat is healthy. A task whose future has ended (returned,
//! panicked or was dropped) is unhealthy, whatever its last beat said.
//!
//! Readiness is separate: the store answers, the rules are loaded, and Telegram answered
//! recently (a long poll, a send, or the start-up checks).
//!
//! [`judge`] and [`Readiness::judge`] are pure: the clock is read by the caller.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A task's beat, shared between the task and the health endpoint.
#[derive(Debug)]
pub struct Heartbeat {
    name: &'static str,
    /// The longest a piece of work may take.
    limit: Duration,
    epoch: Instant,
    /// 0 while idle; else 1 + the milliseconds from `epoch` to when the work began.
    busy_since: AtomicU64,
    ended: AtomicBool,
}

/// What a heartbeat said when it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Beat {
    pub name: &'static str,
    pub limit: Duration,
    /// How long the current piece of work has lasted; `None` while idle.
    pub busy_for: Option<Duration>,
    pub ended: bool,
}

impl Heartbeat {
    /// The task takes up a piece of work now.
    pub fn busy(&self) {
        let since = self.epoch.elapsed().as_millis() as u64 + 1;
        self.busy_since.store(since, Ordering::Relaxed);
    }

    /// The task waits for work.
    pub fn idle(&self) {
        self.busy_since.store(0, Ordering::Relaxed);
    }

    /// Marks the task ended when the returned guard is dropped: hold it for the life of the
    /// task's future, so a return, a panic or a cancellation all count.
    pub fn alive(self: &Arc<Self>) -> Alive {
        Alive(Arc::clone(self))
    }

    fn read(&self, now: Instant) -> Beat {
        let since = self.busy_since.load(Ordering::Relaxed);
        let busy_for = (since != 0).then(|| {
            let began = self.epoch + Duration::from_millis(since - 1);
            now.saturating_duration_since(began)
        });
        Beat { name: self.name, limit: self.limit, busy_for, ended: self.ended.load(Ordering::Relaxed) }
    }
}

/// Held by a running task; dropping it marks the task ended.
#[derive(Debug)]
pub struct Alive(Arc<Heartbeat>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.ended.store(true, Ordering::Relaxed);
    }
}

/// Whether every task makes progress: `Ok` or the reason of each that does not.
pub fn judge(beats: &[Beat]) -> Result<(), Vec<String>> {
    let reasons: Vec<String> = beats
        .iter()
        .filter_map(|beat| {
            if beat.ended {
                Some(format!("the {} has stopped", beat.name))
            } else {
                beat.busy_for.filter(|busy| *busy > beat.limit).map(|busy| {
                    format!(
                        "the {} has been on one piece of work for {} s (limit {} s)",
                        beat.name,
                        busy.as_secs(),
                        beat.limit.as_secs()
                    )
                })
            }
        })
        .collect();
    if reasons.is_empty() { Ok(()) } else { Err(reasons) }
}

/// The host's tasks and what readiness needs to know.
#[derive(Debug)]
pub struct Health {
    epoch: Instant,
    beats: Mutex<Vec<Arc<Heartbeat>>>,
    /// 1 + milliseconds from `epoch` of Telegram's last answer that was not a refusal of
    /// the token or a network failure; 0 before any.
    telegram_ok: AtomicU64,
    rules_loaded: AtomicBool,
    /// How recent Telegram's last answer must be for the desk to be ready.
    telegram_within: Duration,
}

/// What `/readyz` needs, read at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Readiness {
    pub store_open: bool,
    pub rules_loaded: bool,
    /// How long ago Telegram last answered; `None` before it ever did.
    pub telegram_answered: Option<Duration>,
    pub telegram_within: Duration,
}

impl Readiness {
    /// `Ok` or every reason the desk is not ready.
    pub fn judge(&self) -> Result<(), Vec<String>> {
        let mut reasons = Vec::new();
        if !self.store_open {
            reasons.push("the store cannot be read".to_owned());
        }
        if !self.rules_loaded {
            reasons.push("the rules are not loaded".to_owned());
        }
        match self.telegram_answered {
            None => reasons.push("Telegram has not been reached yet".to_owned()),
            Some(ago) if ago > self.telegram_within => reasons.push(format!(
                "Telegram last answered {} s ago (more than {} s)",
                ago.as_secs(),
                self.telegram_within.as_secs()
            )),
            Some(_) => {}
        }
        if reasons.is_empty() { Ok(()) } else { Err(reasons) }
    }
}

impl Health {
    /// `telegram_within`: how recent Telegram's last answer must be (longer than a long
    /// poll, which answers at its timeout when nothing happens).
    pub fn new(telegram_within: Duration) -> Health {
        Health {
            epoch: Instant::now(),
            beats: Mutex::new(Vec::new()),
            telegram_ok: AtomicU64::new(0),
            rules_loaded: AtomicBool::new(false),
            telegram_within,
        }
    }

    /// A heartbeat for the task `name` whose pieces of work last at most `limit`.
    pub fn task(&self, name: &'static str, limit: Duration) -> Arc<Heartbeat> {
        let beat = Arc::new(Heartbeat {
            name,
            limit,
            epoch: self.epoch,
            busy_since: AtomicU64::new(0),
            ended: AtomicBool::new(false),
        });
        self.beats.lock().unwrap_or_else(PoisonError::into_inner).push(Arc::clone(&beat));
        beat
    }

    /// Every task's beat at `now`.
    pub fn beats(&self, now: Instant) -> Vec<Beat> {
        self.beats.lock().unwrap_or_else(PoisonError::into_inner).iter().map(|beat| beat.read(now)).collect()
    }

    /// Telegram answered just now.
    pub fn telegram_answered(&self) {
        let at = self.epoch.elapsed().as_millis() as u64 + 1;
        self.telegram_ok.store(at, Ordering::Relaxed);
    }

    /// The rules are loaded (they stay loaded: a refused edit keeps the set in force).
    pub fn rules_loaded(&self) {
        self.rules_loaded.store(true, Ordering::Relaxed);
    }

    /// Readiness at `now`, given whether the store answers.
    pub fn readiness(&self, now: Instant, store_open: bool) -> Readiness {
        let at = self.telegram_ok.load(Ordering::Relaxed);
        let telegram_answered =
            (at != 0).then(|| now.saturating_duration_since(self.epoch + Duration::from_millis(at - 1)));
        Readiness {
            store_open,
            rules_loaded: self.rules_loaded.load(Ordering::Relaxed),
            telegram_answered,
            telegram_within: self.telegram_within,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(beats: &[Beat], expect: Result<(), &[&str]>) {
        let got = judge(beats);
        let expect = expect.map_err(|reasons| reasons.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>());
        assert_eq!(got, expect);
    }

    fn beat(name: &'static str, busy_for: Option<u64>, ended: bool) -> Beat {
        Beat { name, limit: Duration::from_mins(1), busy_for: busy_for.map(Duration::from_secs), ended }
    }

    #[test]
    fn idle_tasks_are_healthy_however_long_they_wait() {
        check(&[beat("poller", None, false), beat("timer", None, false)], Ok(()));
        check(&[beat("desk loop", Some(60), false)], Ok(()));
    }

    #[test]
    fn work_past_its_limit_and_ended_tasks_are_named() {
        check(
            &[beat("poller", None, false), beat("desk loop", Some(61), false), beat("timer", None, true)],
            Err(&[
                "the desk loop has been on one piece of work for 61 s (limit 60 s)",
                "the timer has stopped",
            ]),
        );
        // Ended counts whatever the last beat said.
        check(&[beat("dispatcher", Some(1), true)], Err(&["the dispatcher has stopped"]));
    }

    #[test]
    fn a_heartbeat_reads_busy_idle_and_ended() {
        let health = Health::new(Duration::from_mins(1));
        let beat = health.task("timer", Duration::from_secs(1));
        let alive = beat.alive();
        let start = Instant::now();
        assert_eq!(health.beats(start)[0].busy_for, None);
        beat.busy();
        let later = health.beats(start + Duration::from_secs(5));
        assert!(later[0].busy_for.is_some_and(|busy| busy >= Duration::from_secs(4)), "{later:?}");
        assert!(judge(&later).is_err());
        beat.idle();
        assert!(judge(&health.beats(start + Duration::from_secs(5))).is_ok());
        drop(alive);
        assert_eq!(judge(&health.beats(start)), Err(vec!["the timer has stopped".to_owned()]));
    }

    #[test]
    fn readiness_names_each_missing_part() {
        let within = Duration::from_secs(90);
        let ready = Readiness {
            store_open: true,
            rules_loaded: true,
            telegram_answered: Some(Duration::ZERO),
            telegram_within: within,
        };
        assert_eq!(ready.judge(), Ok(()));
        let never = Readiness { telegram_answered: None, ..ready };
        assert_eq!(never.judge(), Err(vec!["Telegram has not been reached yet".to_owned()]));
        let stale =
            Readiness { store_open: false, telegram_answered: Some(Duration::from_secs(91)), ..ready };
        assert_eq!(
            stale.judge(),
            Err(vec![
                "the store cannot be read".to_owned(),
                "Telegram last answered 91 s ago (more than 90 s)".to_owned()
            ])
        );
        let health = Health::new(within);
        let now = Instant::now();
        assert_eq!(health.readiness(now, true).telegram_answered, None);
        assert!(!health.readiness(now, true).rules_loaded);
        health.rules_loaded();
        health.telegram_answered();
        let read = health.readiness(Instant::now(), true);
        assert_eq!(read.judge(), Ok(()), "{read:?}");
    }
}
