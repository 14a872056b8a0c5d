//! Retention, pure: what desk.yaml `retention` does to a closed ticket and when.
//!
//! Three steps, each some time after a ticket closed: its content erased
//! (`content_after`), its topic deleted in Telegram (`delete_closed_topics_after`), the
//! ticket removed (`delete_after`); and the audit log's own entries removed
//! `audit_after` after they were written. Each step walks the closed tickets in closing
//! order behind a [`Cursor`] of its own: every ticket closed at or before the cursor was
//! taken. A stricter policy moves a step's cutoff later, so the next pass takes the
//! tickets it now covers; a looser one leaves the cursor where it is. A reopened ticket
//! is not closed, so no step takes it; closed again, it counts from its new closing.
//!
//! Two kinds of record hold a customer's words without a ticket: the questions a
//! knowledge-base article answered before one (`deflections`) and the raw updates the desk
//! failed on (dead letters). They go [`Policy::loose_content_after`] after their own time
//! (asked, first failed): the question's text and asker erased (when, which form and which
//! article stay, for the reports), the dead letter removed.
//!
//! Nothing here reads the clock or the store: the desk (`desk::retention`) asks which
//! closed tickets are due, and the store erases (`store::erase`, `privacy`'s placeholders).

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::duration::Span;
use crate::ticket::{Status, TicketId};

/// At most this many tickets are taken in one pass's transaction; the next goes on
/// after whatever waits (customers' messages first).
pub const BATCH: usize = 200;

/// At most this many audit entries are removed in one pass's transaction.
pub const AUDIT_BATCH: usize = 1000;

/// After a finished pass that erased or deleted at least this many records (tickets, kept
/// questions and dead letters together; audit entries and topics do not count), the data file
/// is compacted (at the next quiet hour: see [`compaction_at`]), so erased words leave the
/// file's bytes. Fewer wait for the next large pass or a `topicdesk compact`.
pub const COMPACT_AFTER: u64 = 1000;

/// At most this many kept questions are looked at in one pass's transaction.
pub const QUESTION_BATCH: usize = 1000;

/// At most this many dead letters are removed in one pass's transaction.
pub const DEAD_LETTER_BATCH: usize = 200;

/// What one batch did to the customer's words kept outside tickets (questions a
/// knowledge-base article answered, dead letters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Records erased (questions) or removed (dead letters).
    pub erased: u64,
    /// Where the next batch starts (questions: the next sequence number to look at).
    pub next: Option<u64>,
    /// The batch stopped at its limit: more may be due at once.
    pub more: bool,
    /// The time of the first record left that is not due yet, if any.
    pub pending: Option<Timestamp>,
}

/// The local hour a compaction after a large pass runs at: the file is rewritten whole and
/// the desk waits meanwhile.
pub const COMPACT_HOUR: i8 = 3;

/// desk.yaml `retention`, as spans; `None` never does that step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Policy {
    pub content_after: Option<Span>,
    pub delete_after: Option<Span>,
    pub topics_after: Option<Span>,
    pub audit_after: Option<Span>,
}

/// What happens to a closed ticket, in the order a pass takes them: a ticket due for
/// deletion is not erased first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// The ticket and everything keyed by it removed.
    Delete,
    /// The ticket's topic deleted in Telegram; the ticket stays.
    Topic,
    /// Texts, captions, answers, names, usernames and file ids replaced by placeholders.
    Content,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Delete, Step::Topic, Step::Content];

    /// The setting's name in desk.yaml.
    pub fn setting(self) -> &'static str {
        match self {
            Step::Delete => "delete_after",
            Step::Topic => "delete_closed_topics_after",
            Step::Content => "content_after",
        }
    }

    /// A short name, for counters and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Delete => "delete",
            Step::Topic => "topic",
            Step::Content => "content",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a step's walk over closed tickets stands: every ticket closed before
/// `closed_at`, or at it with a number up to `ticket`, was taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    /// Unix milliseconds.
    pub closed_at: i64,
    pub ticket: u64,
}

impl Cursor {
    pub fn at(closed_at: Timestamp, ticket: TicketId) -> Cursor {
        Cursor { closed_at: closed_at.as_millisecond(), ticket: ticket.0 }
    }
}

fn signed(span: Span) -> SignedDuration {
    SignedDuration::from_secs(i64::try_from(span.as_secs()).unwrap_or(i64::MAX))
}

impl Policy {
    /// The setting of `step`.
    pub fn after(&self, step: Step) -> Option<Span> {
        match step {
            Step::Delete => self.delete_after,
            Step::Topic => {
                self.topics_after.filter(|topics| self.delete_after.is_none_or(|delete| *topics < delete))
            }
            Step::Content => {
                self.content_after.filter(|content| self.delete_after.is_none_or(|delete| *content < delete))
            }
        }
    }

    /// How long the customer's words held outside a ticket (a kept question, a dead letter)
    /// stay: `content_after`, or `delete_after` when it is shorter or alone, since nothing of
    /// a customer's words outlives the ticket they wrote in. Counted from the record's own
    /// time.
    pub fn loose_content_after(&self) -> Option<Span> {
        match (self.content_after, self.delete_after) {
            (Some(content), Some(delete)) => Some(content.min(delete)),
            (content, delete) => content.or(delete),
        }
    }

    /// The setting [`Policy::loose_content_after`] comes from, as desk.yaml names it.
    pub fn loose_content_setting(&self) -> &'static str {
        match (self.content_after, self.delete_after) {
            (Some(content), Some(delete)) if delete < content => "delete_after",
            (Some(_), _) => "content_after",
            _ => "delete_after",
        }
    }

    /// Kept questions asked and dead letters first failed at or before this are due at `now`.
    pub fn loose_content_cutoff(&self, now: Timestamp) -> Option<Timestamp> {
        let after = self.loose_content_after()?;
        Some(now.checked_sub(signed(after)).unwrap_or(Timestamp::MIN))
    }

    /// When a kept question asked (a dead letter failed) at `at` falls due.
    pub fn loose_content_due(&self, at: Timestamp) -> Option<Timestamp> {
        let after = self.loose_content_after()?;
        Some(at.checked_add(signed(after)).unwrap_or(Timestamp::MAX))
    }

    /// How long a topic a transferred ticket left stays before it is deleted in Telegram,
    /// counted from the transfer: `delete_closed_topics_after`, or `delete_after` when that
    /// setting alone deletes topics. The old topic is closed at once and belongs to no
    /// ticket, so it goes after the span a closed ticket's topic stays.
    pub fn left_topic_after(&self) -> Option<Span> {
        self.after(Step::Topic).or(self.delete_after)
    }

    /// Topics left at or before this time are due for deletion at `now`.
    pub fn left_topic_cutoff(&self, now: Timestamp) -> Option<Timestamp> {
        let after = self.left_topic_after()?;
        Some(now.checked_sub(signed(after)).unwrap_or(Timestamp::MIN))
    }

    /// When a topic left at `left_at` falls due for deletion.
    pub fn left_topic_due(&self, left_at: Timestamp) -> Option<Timestamp> {
        let after = self.left_topic_after()?;
        Some(left_at.checked_add(signed(after)).unwrap_or(Timestamp::MAX))
    }

    /// Whether the policy does anything at all.
    pub fn is_empty(&self) -> bool {
        Step::ALL.iter().all(|step| self.after(*step).is_none()) && self.audit_after.is_none()
    }

    /// Tickets closed at or before this time are due for `step` at `now`.
    pub fn cutoff(&self, step: Step, now: Timestamp) -> Option<Timestamp> {
        let after = self.after(step)?;
        Some(now.checked_sub(signed(after)).unwrap_or(Timestamp::MIN))
    }

    /// When a ticket closed at `closed_at` falls due for `step`.
    pub fn due_at(&self, step: Step, closed_at: Timestamp) -> Option<Timestamp> {
        let after = self.after(step)?;
        Some(closed_at.checked_add(signed(after)).unwrap_or(Timestamp::MAX))
    }

    /// Whether a ticket in `status`, closed at `closed_at`, is due for `step` at `now`. Asked
    /// again of the ticket itself when a pass takes it: only a ticket closed now, and closed
    /// long enough ago, is touched.
    pub fn is_due(&self, step: Step, status: Status, closed_at: Option<Timestamp>, now: Timestamp) -> bool {
        status == Status::Closed
            && closed_at.zip(self.cutoff(step, now)).is_some_and(|(closed, cutoff)| closed <= cutoff)
    }

    /// Whether deleting a ticket must delete its topic too: when no earlier step did.
    pub fn delete_takes_topic(&self) -> bool {
        self.after(Step::Topic).is_none()
    }

    /// The earliest time after a ticket closed at `closed_at` that any step falls due.
    pub fn first_due(&self, closed_at: Timestamp) -> Option<Timestamp> {
        Step::ALL.iter().filter_map(|step| self.due_at(*step, closed_at)).min()
    }

    /// Audit entries written before this are removed at `now`.
    pub fn audit_cutoff(&self, now: Timestamp) -> Option<Timestamp> {
        let after = self.audit_after?;
        Some(now.checked_sub(signed(after)).unwrap_or(Timestamp::MIN))
    }

    /// When the next pass is due: the first ticket each step has not taken yet
    /// (`pending`: its closing time), the oldest audit entry kept and the oldest question or
    /// dead letter not erased yet (`loose`: its time). `None`: nothing will fall due until
    /// another ticket closes, a question is kept or an update is set aside.
    pub fn next_due(
        &self,
        pending: &[(Step, Timestamp)],
        oldest_audit: Option<Timestamp>,
        loose: &[Timestamp],
    ) -> Option<Timestamp> {
        let tickets = pending.iter().filter_map(|(step, closed)| self.due_at(*step, *closed));
        let audit = oldest_audit
            .zip(self.audit_after)
            .map(|(at, after)| at.checked_add(signed(after)).unwrap_or(Timestamp::MAX));
        let loose = loose.iter().filter_map(|at| self.loose_content_due(*at));
        tickets.chain(audit).chain(loose).min()
    }

    /// What the policy does, in plain words, one line per setting (`topicdesk check`).
    pub fn explain(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.is_empty() {
            return lines;
        }
        if let Some(after) = self.after(Step::Content) {
            let words = after.in_words();
            lines.push(format!(
                "content_after {after}: {words} after a ticket closes, its message texts, captions, form \
                 answers, agents' replies and notes, the customer's name and username and file ids are \
                 replaced by placeholders in the desk's data file; times, statuses, priority, category, tags, \
                 assignees, SLA marks and the satisfaction score stay, so reports keep their figures."
            ));
        }
        if let Some(after) = self.after(Step::Topic) {
            let words = after.in_words();
            lines.push(format!(
                "delete_closed_topics_after {after}: {words} after a ticket closes, its topic is deleted in \
                 the Telegram staff group (with every message in it); the desk keeps the ticket. A customer \
                 writing again gets a new ticket and topic. A topic a /transfer left in another staff group \
                 is deleted {words} after the transfer."
            ));
        }
        if let Some(after) = self.after(Step::Delete) {
            let words = after.in_words();
            let topic = if self.delete_takes_topic() {
                format!(
                    ", and its topic is deleted in Telegram (a topic a /transfer left in another staff group, \
                     {words} after the transfer)"
                )
            } else {
                String::new()
            };
            lines.push(format!(
                "delete_after {after}: {words} after a ticket closes, the ticket is removed from the data file \
                 entirely (history, figures, index entries, timers, template uses){topic}; reports no longer \
                 count it."
            ));
        }
        if let Some(after) = self.audit_after {
            lines.push(format!(
                "audit_after {after}: audit log entries (who viewed or erased what) are removed {} after \
                 they were written.",
                after.in_words()
            ));
        }
        if let Some(after) = self.loose_content_after() {
            let words = after.in_words();
            lines.push(format!(
                "Outside tickets: {words} after it was asked, a question a knowledge-base article answered \
                 before any ticket loses its text and who asked it (when, the form and the article stay for \
                 reports); {words} after the desk first failed on it, an update set aside as a dead letter \
                 (it holds the customer's words) is removed."
            ));
        }
        lines.push(
            "A reopened ticket is not touched; closed again, it counts from its new closing. Passes run in \
             batches of at most 200 tickets, each recorded in the audit log; erased bytes leave the data file \
             when it is compacted (after a pass that erased 1000 tickets, questions or dead letters or more, at \
             03:00 desk time)."
                .to_owned(),
        );
        lines
    }
}

/// The next local `COMPACT_HOUR` strictly after `now` in `zone`: when a compaction after a
/// large pass runs.
pub fn compaction_at(now: Timestamp, zone: &jiff::tz::TimeZone) -> Timestamp {
    let mut date = now.to_zoned_datetime(zone.clone()).date();
    for _ in 0..3 {
        if let Ok(local) =
            date.to_datetime(jiff::civil::time(COMPACT_HOUR, 0, 0, 0)).to_zoned_datetime(zone.clone())
            && local.timestamp() > now
        {
            return local.timestamp();
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    now + SignedDuration::from_hours(24)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn policy() -> Policy {
        Policy {
            content_after: Some("90d".parse().unwrap()),
            delete_after: Some("730d".parse().unwrap()),
            topics_after: Some("30d".parse().unwrap()),
            audit_after: Some("365d".parse().unwrap()),
        }
    }

    #[test]
    fn a_topic_left_by_a_transfer_goes_after_the_topic_span_or_with_deletion() {
        let left = at("2026-01-01T00:00:00Z");
        assert_eq!(policy().left_topic_due(left), Some(at("2026-01-31T00:00:00Z")));
        assert_eq!(policy().left_topic_cutoff(at("2026-01-31T00:00:00Z")), Some(left));
        let deleting = Policy { topics_after: None, ..policy() };
        assert_eq!(deleting.left_topic_due(left), Some(at("2028-01-01T00:00:00Z")));
        let keeping = Policy { topics_after: None, delete_after: None, ..policy() };
        assert_eq!(keeping.left_topic_due(left), None);
        assert_eq!(keeping.left_topic_cutoff(at("2030-01-01T00:00:00Z")), None);
    }

    #[test]
    fn a_step_is_due_its_span_after_closing_and_only_while_closed() {
        let policy = policy();
        let closed = at("2026-01-01T00:00:00Z");
        assert_eq!(policy.due_at(Step::Content, closed), Some(at("2026-04-01T00:00:00Z")));
        assert_eq!(policy.due_at(Step::Topic, closed), Some(at("2026-01-31T00:00:00Z")));
        assert_eq!(policy.first_due(closed), Some(at("2026-01-31T00:00:00Z")));
        let just_before = at("2026-03-31T23:59:59Z");
        assert!(!policy.is_due(Step::Content, Status::Closed, Some(closed), just_before));
        assert!(policy.is_due(Step::Content, Status::Closed, Some(closed), at("2026-04-01T00:00:00Z")));
        // Reopened: not closed, so never due, however old its last closing.
        assert!(!policy.is_due(Step::Content, Status::Open, Some(closed), at("2027-01-01T00:00:00Z")));
        assert!(!policy.is_due(Step::Content, Status::Closed, None, at("2027-01-01T00:00:00Z")));
    }

    #[test]
    fn the_next_pass_is_the_earliest_pending_step_or_audit_entry() {
        let policy = policy();
        let pending =
            [(Step::Content, at("2026-01-01T00:00:00Z")), (Step::Delete, at("2025-01-01T00:00:00Z"))];
        assert_eq!(policy.next_due(&pending, None, &[]), Some(at("2026-04-01T00:00:00Z")));
        let oldest_audit = Some(at("2025-02-01T00:00:00Z"));
        assert_eq!(policy.next_due(&pending, oldest_audit, &[]), Some(at("2026-02-01T00:00:00Z")));
        // A question kept on 2025-10-01 falls due 90 days on, before either.
        let question = [at("2025-10-01T00:00:00Z")];
        assert_eq!(policy.next_due(&pending, oldest_audit, &question), Some(at("2025-12-30T00:00:00Z")));
        assert_eq!(Policy::default().next_due(&pending, oldest_audit, &question), None);
    }

    #[test]
    fn words_outside_tickets_go_at_the_shorter_of_content_and_delete() {
        let ninety: Span = "90d".parse().unwrap();
        assert_eq!(policy().loose_content_after(), Some(ninety));
        let delete_only = Policy { delete_after: Some("2y".parse().unwrap()), ..Policy::default() };
        assert_eq!(delete_only.loose_content_after(), Some("730d".parse().unwrap()));
        let contradictory = Policy {
            content_after: Some(ninety),
            delete_after: Some("30d".parse().unwrap()),
            ..Policy::default()
        };
        assert_eq!(contradictory.loose_content_after(), Some("30d".parse().unwrap()));
        assert_eq!(contradictory.loose_content_setting(), "delete_after");
        assert_eq!(policy().loose_content_setting(), "content_after");
        assert_eq!(delete_only.loose_content_setting(), "delete_after");
        assert_eq!(Policy { audit_after: Some(ninety), ..Policy::default() }.loose_content_after(), None);
        let asked = at("2026-01-01T00:00:00Z");
        assert_eq!(policy().loose_content_due(asked), Some(at("2026-04-01T00:00:00Z")));
        assert_eq!(policy().loose_content_cutoff(at("2026-04-01T00:00:00Z")), Some(asked));
    }

    #[test]
    fn a_step_a_deletion_makes_moot_does_nothing() {
        let policy = Policy {
            content_after: Some("30d".parse().unwrap()),
            delete_after: Some("30d".parse().unwrap()),
            topics_after: Some("60d".parse().unwrap()),
            audit_after: None,
        };
        assert_eq!(policy.after(Step::Content), None);
        assert_eq!(policy.after(Step::Topic), None);
        assert!(policy.delete_takes_topic());
        assert!(!policy.is_empty());
        assert!(Policy::default().is_empty());
    }

    #[test]
    fn a_stricter_policy_moves_the_cutoff_later() {
        let now = at("2026-06-01T00:00:00Z");
        let loose = policy();
        let strict = Policy { content_after: Some("30d".parse().unwrap()), ..loose };
        assert!(strict.cutoff(Step::Content, now) > loose.cutoff(Step::Content, now));
    }

    #[test]
    fn compaction_waits_for_the_next_quiet_hour() {
        let zone = jiff::tz::TimeZone::UTC;
        assert_eq!(compaction_at(at("2026-06-01T14:00:00Z"), &zone), at("2026-06-02T03:00:00Z"));
        assert_eq!(compaction_at(at("2026-06-01T01:00:00Z"), &zone), at("2026-06-01T03:00:00Z"));
    }

    #[test]
    fn the_explanation_names_what_stays_and_what_goes() {
        let lines = policy().explain();
        assert_eq!(lines.len(), 6);
        assert!(lines[0].starts_with("content_after 90d: 90 days after a ticket closes"));
        assert!(lines[2].starts_with("delete_after 2y: 2 years after a ticket closes"), "{}", lines[2]);
        assert!(lines[4].starts_with("Outside tickets: 90 days after it was asked"), "{}", lines[4]);
        assert!(lines[0].contains("satisfaction score stay"));
        assert!(lines[2].contains("removed from the data file entirely"));
        assert!(!lines[2].contains("its topic is deleted"));
        assert!(Policy::default().explain().is_empty());
    }
}
