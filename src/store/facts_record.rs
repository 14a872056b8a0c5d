//! The facts record: a ticket's metric facts (see `metrics::Facts`) and the labels a report
//! groups by (`metrics::Labels`), one record per ticket in the facts table. It is rewritten
//! at every append to the ticket's history and read, for every ticket, by every report, so
//! it is compact binary, not JSON like the store's other records.
//!
//! Version 7, the one this build writes, starts with the byte 7. Then, in order:
//! - a presence bitmask (`HAS_*`) for what is optional;
//! - the counts: entries folded, agent replies, customer messages, reopens, priority
//!   changes, breaches per SLA metric, the stretch of the last breach per metric (0 for
//!   none, else the stretch plus one), escalations per trigger;
//! - `created_at` (nanoseconds since the Unix epoch) and the status;
//! - the status changes and the answered waits, each a count and its instants;
//! - the optional instants and groups the bitmask names, in the bitmask's order (the
//!   template replies, a count, after the sentiment; then the SLA warnings per metric,
//!   three counts; then the labels).
//!
//! Integers are LEB128 varints, signed ones zigzagged first; instants other than
//! `created_at` are nanoseconds after it, so every nanosecond of any `Timestamp` survives.
//! Statuses, priorities, timers and scales are the store's own numbers, never the enums'
//! order. A record with bytes left over, or cut short, is refused as corrupt.
//!
//! Versions 1 to 4 were JSON (`{"v":…`) and still read ([`JsonRecord`]): version 2 wrote
//! instants as integer nanoseconds, version 1 as RFC 3339 text, version 3 added the labels
//! and version 4 the staff group. A record older than version 4 counts as one without
//! labels: its reader takes them from the ticket. Version 6 is version 7 without the SLA
//! warnings, and version 5 is version 6 without the template replies: those builds did not
//! count them, so a record before version 7 is not current ([`is_current`]) and its
//! ticket's facts are folded again from the history (by the store when the ticket next
//! changes, by a report that meets it before then). Written again, any record is version 7.

use jiff::Timestamp;
use serde::Deserialize;

use super::StoreError;
use super::records::{parse_scale, rating_of};
use super::tx::{kind_byte, status_code};
use crate::csat::Scale;
use crate::deadline::DeadlineKind;
use crate::metrics::{CsatFacts, Escalations, Facts, Labels, SentimentSum};
use crate::ticket::{Priority, Status};

pub const FACTS_RECORD_VERSION: u8 = 7;
/// The last version before template replies were counted; still read.
const VERSION_5: u8 = 5;
/// The last version before SLA warnings were counted; still read.
const VERSION_6: u8 = 6;

const HAS_FIRST_REPLY: u32 = 1;
const HAS_WAITING: u32 = 1 << 1;
const HAS_FIRST_RESOLVED: u32 = 1 << 2;
const HAS_LAST_RESOLVED: u32 = 1 << 3;
const HAS_CLOSED: u32 = 1 << 4;
const HAS_LAST_MARK: u32 = 1 << 5;
const HAS_CSAT: u32 = 1 << 6;
const HAS_SENTIMENT: u32 = 1 << 7;
const HAS_LABELS: u32 = 1 << 8;
const HAS_CATEGORY: u32 = 1 << 9;
const HAS_ASSIGNEE: u32 = 1 << 10;
const HAS_STAFF_CHAT: u32 = 1 << 11;
const HAS_TEMPLATE_REPLIES: u32 = 1 << 12;
const HAS_WARNINGS: u32 = 1 << 13;
const KNOWN: u32 = (1 << 14) - 1;
/// Version 6 knew every field but the SLA warnings.
const KNOWN_V6: u32 = KNOWN & !HAS_WARNINGS;
/// Version 5 knew every field of version 6 but the template replies.
const KNOWN_V5: u32 = KNOWN_V6 & !HAS_TEMPLATE_REPLIES;

/// The record of `facts`, holding `labels` when they are known.
pub fn encode(facts: &Facts, labels: Option<&Labels>) -> Vec<u8> {
    let f = facts;
    let mut flags = 0;
    for (present, flag) in [
        (f.first_reply_at.is_some(), HAS_FIRST_REPLY),
        (f.waiting_since.is_some(), HAS_WAITING),
        (f.first_resolved_at.is_some(), HAS_FIRST_RESOLVED),
        (f.last_resolved_at.is_some(), HAS_LAST_RESOLVED),
        (f.closed_at.is_some(), HAS_CLOSED),
        (f.last_mark.is_some(), HAS_LAST_MARK),
        (f.csat.is_some(), HAS_CSAT),
        (f.sentiment != SentimentSum::default(), HAS_SENTIMENT),
        (labels.is_some(), HAS_LABELS),
        (labels.is_some_and(|l| l.category.is_some()), HAS_CATEGORY),
        (labels.is_some_and(|l| l.assignee.is_some()), HAS_ASSIGNEE),
        (labels.is_some_and(|l| l.staff_chat.is_some()), HAS_STAFF_CHAT),
        (f.template_replies > 0, HAS_TEMPLATE_REPLIES),
        (f.warnings != [0; 3], HAS_WARNINGS),
    ] {
        if present {
            flags |= flag;
        }
    }
    let mut out = Out(Vec::with_capacity(64));
    out.byte(FACTS_RECORD_VERSION);
    out.uint(flags.into());
    let e = f.escalations;
    for count in [f.folded, f.agent_replies, f.customer_messages, f.reopens, f.priority_changes]
        .into_iter()
        .chain(f.breaches)
        .chain(f.breached_since.map(|since| since.map_or(0, |since| since + 1)))
        .chain([e.manual, e.breach, e.age, e.rule])
    {
        out.uint(count.into());
    }
    let base = f.created_at.as_nanosecond();
    let at = |out: &mut Out, t: Timestamp| out.int(t.as_nanosecond() - base);
    out.int(base);
    out.byte(status_code(f.status));
    out.uint(f.statuses.len() as u128);
    for (t, status) in &f.statuses {
        at(&mut out, *t);
        out.byte(status_code(*status));
    }
    out.uint(f.next_replies.len() as u128);
    for (since, reply) in &f.next_replies {
        at(&mut out, *since);
        at(&mut out, *reply);
    }
    for t in [f.first_reply_at, f.waiting_since, f.first_resolved_at, f.last_resolved_at, f.closed_at]
        .into_iter()
        .flatten()
    {
        at(&mut out, t);
    }
    if let Some((t, kind, since)) = f.last_mark {
        at(&mut out, t);
        out.byte(kind_byte(kind));
        out.uint(since.into());
    }
    if let Some(csat) = f.csat {
        at(&mut out, csat.asked_at);
        out.byte(scale_code(csat.rating.map_or(Scale::Five, |rating| rating.scale)));
        out.byte(csat.rating.map_or(0, |rating| rating.value));
        out.byte(u8::from(csat.commented));
    }
    if flags & HAS_SENTIMENT != 0 {
        let s = f.sentiment;
        out.uint(s.messages.into());
        for score in [s.total, s.first, s.last] {
            out.0.extend_from_slice(&score.to_le_bytes());
        }
    }
    if f.template_replies > 0 {
        out.uint(f.template_replies.into());
    }
    if flags & HAS_WARNINGS != 0 {
        for count in f.warnings {
            out.uint(count.into());
        }
    }
    if let Some(labels) = labels {
        out.text(&labels.form);
        out.byte(priority_code(labels.priority));
        if let Some(category) = &labels.category {
            out.text(category);
        }
        if let Some(assignee) = labels.assignee {
            out.uint(assignee.into());
        }
        if let Some(chat) = labels.staff_chat {
            out.int(chat.into());
        }
        out.uint(labels.tags.len() as u128);
        for tag in &labels.tags {
            out.text(tag);
        }
    }
    out.0
}

/// Whether a record has every fact this build keeps (it is of this version): the facts of
/// an older one lack the SLA warnings (and before version 6 the template replies), and are
/// folded again from the ticket's history.
pub fn is_current(bytes: &[u8]) -> bool {
    bytes.first() == Some(&FACTS_RECORD_VERSION)
}

/// The facts and the labels of a record of this version or an earlier one; `None` labels
/// for a record without them (written before version 4, or before the ticket was known).
pub fn decode(bytes: &[u8]) -> Result<(Facts, Option<Labels>), StoreError> {
    let (mut facts, mut labels) = (Facts::new(Timestamp::UNIX_EPOCH), Labels::empty());
    let labelled = decode_into(bytes, &mut facts, &mut labels)?;
    Ok((facts, labelled.then_some(labels)))
}

/// [`decode`] into `facts` and `labels`, reusing what they hold: a scan over millions of
/// records allocates nothing per record once they have grown. `Ok(false)` for a record
/// without labels, which leaves `labels` as it found them.
pub fn decode_into(bytes: &[u8], facts: &mut Facts, labels: &mut Labels) -> Result<bool, StoreError> {
    match bytes.first() {
        Some(&version @ (VERSION_5 | VERSION_6 | FACTS_RECORD_VERSION)) => {
            let known = match version {
                VERSION_5 => KNOWN_V5,
                VERSION_6 => KNOWN_V6,
                _ => KNOWN,
            };
            let mut input = In { bytes, at: 1 };
            let labelled = input.record(known, facts, labels)?;
            if input.at != bytes.len() {
                return Err(input.corrupt("bytes after the end"));
            }
            Ok(labelled)
        }
        Some(b'{') => {
            let (read, read_labels) = serde_json::from_slice::<JsonRecord>(bytes)
                .map_err(|error| StoreError::Corrupt(format!("unreadable facts record: {error}")))?
                .into_parts()?;
            *facts = read;
            Ok(read_labels.map(|read| *labels = read).is_some())
        }
        Some(&version) => Err(StoreError::RecordVersion { what: "facts", version: version.into() }),
        None => Err(StoreError::Corrupt("an empty facts record".into())),
    }
}

struct Out(Vec<u8>);

impl Out {
    fn byte(&mut self, byte: u8) {
        self.0.push(byte);
    }

    fn uint(&mut self, mut n: u128) {
        while n >= 0x80 {
            self.0.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn int(&mut self, n: i128) {
        self.uint(((n << 1) ^ (n >> 127)) as u128);
    }

    fn text(&mut self, text: &str) {
        self.uint(text.len() as u128);
        self.0.extend_from_slice(text.as_bytes());
    }
}

struct In<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl In<'_> {
    fn corrupt(&self, what: &str) -> StoreError {
        StoreError::Corrupt(format!("unreadable facts record: {what} at byte {}", self.at))
    }

    fn byte(&mut self) -> Result<u8, StoreError> {
        let byte = *self.bytes.get(self.at).ok_or_else(|| self.corrupt("cut short"))?;
        self.at += 1;
        Ok(byte)
    }

    fn uint(&mut self) -> Result<u128, StoreError> {
        // Nine bytes (63 bits) in a u64: every count and id, and any instant within about
        // 146 years of the creation; the rest of 128 bits after.
        let mut small = 0u64;
        for shift in (0..63).step_by(7) {
            let byte = self.byte()?;
            small |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(small.into());
            }
        }
        let mut n = u128::from(small);
        for shift in (63..128).step_by(7) {
            let byte = self.byte()?;
            let bits = u128::from(byte & 0x7f);
            if shift == 126 && bits > 0b11 {
                break;
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.corrupt("a number beyond 128 bits"))
    }

    fn u32(&mut self) -> Result<u32, StoreError> {
        let n = self.uint()?;
        u32::try_from(n).map_err(|_| self.corrupt("a count beyond 32 bits"))
    }

    fn int(&mut self) -> Result<i128, StoreError> {
        let n = self.uint()?;
        Ok((n >> 1) as i128 ^ -((n & 1) as i128))
    }

    fn float(&mut self) -> Result<f64, StoreError> {
        let end = self.at + 8;
        let bytes = self.bytes.get(self.at..end).ok_or_else(|| self.corrupt("cut short"))?;
        self.at = end;
        Ok(f64::from_le_bytes(bytes.try_into().expect("eight bytes")))
    }

    fn text_into(&mut self, out: &mut String) -> Result<(), StoreError> {
        let len = usize::try_from(self.uint()?).map_err(|_| self.corrupt("a text too long"))?;
        let end = self.at.checked_add(len).ok_or_else(|| self.corrupt("a text too long"))?;
        let bytes = self.bytes.get(self.at..end).ok_or_else(|| self.corrupt("cut short"))?;
        let text = std::str::from_utf8(bytes).map_err(|_| self.corrupt("a text not in UTF-8"))?;
        self.at = end;
        out.clear();
        out.push_str(text);
        Ok(())
    }

    fn instant(&mut self, base: Timestamp) -> Result<Timestamp, StoreError> {
        let offset = self.int()?;
        // Within an i64 of nanoseconds, by seconds and nanoseconds: no 128-bit division.
        let near = |offset: i64| {
            let nanos = i64::from(base.subsec_nanosecond()).checked_add(offset)?;
            let seconds = base.as_second().checked_add(nanos.div_euclid(1_000_000_000))?;
            Timestamp::new(seconds, nanos.rem_euclid(1_000_000_000) as i32).ok()
        };
        let at = match i64::try_from(offset) {
            Ok(offset) => near(offset),
            Err(_) => base
                .as_nanosecond()
                .checked_add(offset)
                .and_then(|nanos| Timestamp::from_nanosecond(nanos).ok()),
        };
        at.ok_or_else(|| self.corrupt("an instant out of range"))
    }

    fn status(&mut self) -> Result<Status, StoreError> {
        let code = self.byte()?;
        Status::ALL
            .into_iter()
            .find(|status| status_code(*status) == code)
            .ok_or_else(|| self.corrupt("an unknown status"))
    }

    fn record(&mut self, known: u32, facts: &mut Facts, labels: &mut Labels) -> Result<bool, StoreError> {
        let flags = u32::try_from(self.uint()?).ok().filter(|flags| flags & !known == 0);
        let flags = flags.ok_or_else(|| self.corrupt("unknown fields"))?;
        let has = |flag: u32| flags & flag != 0;
        let f = facts;
        [f.folded, f.agent_replies, f.customer_messages, f.reopens, f.priority_changes] = self.counts()?;
        f.breaches = self.counts()?;
        f.breached_since = self.counts::<3>()?.map(|since| since.checked_sub(1));
        let [manual, breach, age, rule] = self.counts()?;
        f.escalations = Escalations { manual, breach, age, rule };
        f.created_at =
            Timestamp::from_nanosecond(self.int()?).map_err(|_| self.corrupt("an instant out of range"))?;
        let base = f.created_at;
        f.status = self.status()?;
        f.statuses.clear();
        for _ in 0..self.u32()? {
            f.statuses.push((self.instant(base)?, self.status()?));
        }
        f.next_replies.clear();
        for _ in 0..self.u32()? {
            f.next_replies.push((self.instant(base)?, self.instant(base)?));
        }
        let mut optional = |flag: u32| if has(flag) { self.instant(base).map(Some) } else { Ok(None) };
        f.first_reply_at = optional(HAS_FIRST_REPLY)?;
        f.waiting_since = optional(HAS_WAITING)?;
        f.first_resolved_at = optional(HAS_FIRST_RESOLVED)?;
        f.last_resolved_at = optional(HAS_LAST_RESOLVED)?;
        f.closed_at = optional(HAS_CLOSED)?;
        f.last_mark = if has(HAS_LAST_MARK) {
            let t = self.instant(base)?;
            let code = self.byte()?;
            let kind = DeadlineKind::ALL
                .into_iter()
                .find(|kind| kind_byte(*kind) == code)
                .ok_or_else(|| self.corrupt("an unknown timer"))?;
            Some((t, kind, self.u32()?))
        } else {
            None
        };
        f.csat = if has(HAS_CSAT) {
            let asked_at = self.instant(base)?;
            let code = self.byte()?;
            let scale = Scale::ALL
                .into_iter()
                .find(|scale| scale_code(*scale) == code)
                .ok_or_else(|| self.corrupt("an unknown scale"))?;
            let rating = match self.byte()? {
                0 => None,
                value => Some(rating_of(scale, value)?),
            };
            let commented = match self.byte()? {
                0 => false,
                1 => true,
                _ => return Err(self.corrupt("a flag neither 0 nor 1")),
            };
            Some(CsatFacts { asked_at, rating, commented })
        } else {
            None
        };
        f.sentiment = if has(HAS_SENTIMENT) {
            SentimentSum {
                messages: self.u32()?,
                total: self.float()?,
                first: self.float()?,
                last: self.float()?,
            }
        } else {
            SentimentSum::default()
        };
        f.template_replies = if has(HAS_TEMPLATE_REPLIES) { self.u32()? } else { 0 };
        f.warnings = if has(HAS_WARNINGS) { self.counts()? } else { [0; 3] };
        if !has(HAS_LABELS) {
            if flags & (HAS_CATEGORY | HAS_ASSIGNEE | HAS_STAFF_CHAT) != 0 {
                return Err(self.corrupt("labels flagged without the labels"));
            }
            return Ok(false);
        }
        self.labels(flags, labels)?;
        Ok(true)
    }

    /// The labels of a record whose `flags` say it has them.
    fn labels(&mut self, flags: u32, l: &mut Labels) -> Result<(), StoreError> {
        self.text_into(&mut l.form)?;
        let code = self.byte()?;
        l.priority = Priority::ALL
            .into_iter()
            .find(|priority| priority_code(*priority) == code)
            .ok_or_else(|| self.corrupt("an unknown priority"))?;
        if flags & HAS_CATEGORY != 0 {
            self.text_into(l.category.get_or_insert_default())?;
        } else {
            l.category = None;
        }
        l.assignee = if flags & HAS_ASSIGNEE != 0 {
            Some(u64::try_from(self.uint()?).map_err(|_| self.corrupt("a user id beyond 64 bits"))?)
        } else {
            None
        };
        l.staff_chat = if flags & HAS_STAFF_CHAT != 0 {
            Some(i64::try_from(self.int()?).map_err(|_| self.corrupt("a chat id beyond 64 bits"))?)
        } else {
            None
        };
        let tags = self.u32()? as usize;
        l.tags.truncate(tags);
        for index in 0..tags {
            if index == l.tags.len() {
                l.tags.push(String::new());
            }
            self.text_into(&mut l.tags[index])?;
        }
        Ok(())
    }

    fn counts<const N: usize>(&mut self) -> Result<[u32; N], StoreError> {
        let mut counts = [0; N];
        for count in &mut counts {
            *count = self.u32()?;
        }
        Ok(counts)
    }
}

fn scale_code(scale: Scale) -> u8 {
    match scale {
        Scale::Five => 0,
        Scale::GoodBad => 1,
    }
}

fn priority_code(priority: Priority) -> u8 {
    match priority {
        Priority::Low => 0,
        Priority::Normal => 1,
        Priority::High => 2,
        Priority::Critical => 3,
    }
}

/// A facts record of versions 1 to 4, as JSON (see the module's note).
#[derive(Deserialize)]
struct JsonRecord {
    v: u32,
    #[serde(rename = "f", alias = "folded")]
    folded: u32,
    #[serde(rename = "c", alias = "created_at")]
    created_at: At,
    #[serde(rename = "s", alias = "status")]
    status: Status,
    #[serde(rename = "ss", alias = "statuses", default, skip_serializing_if = "Vec::is_empty")]
    statuses: Vec<(At, Status)>,
    #[serde(rename = "fr", alias = "first_reply_at", default, skip_serializing_if = "Option::is_none")]
    first_reply_at: Option<At>,
    #[serde(rename = "ar", alias = "agent_replies", default)]
    agent_replies: u32,
    #[serde(rename = "cm", alias = "customer_messages", default)]
    customer_messages: u32,
    #[serde(rename = "w", alias = "waiting_since", default, skip_serializing_if = "Option::is_none")]
    waiting_since: Option<At>,
    #[serde(rename = "nr", alias = "next_replies", default, skip_serializing_if = "Vec::is_empty")]
    next_replies: Vec<(At, At)>,
    #[serde(rename = "r1", alias = "first_resolved_at", default, skip_serializing_if = "Option::is_none")]
    first_resolved_at: Option<At>,
    #[serde(rename = "rl", alias = "last_resolved_at", default, skip_serializing_if = "Option::is_none")]
    last_resolved_at: Option<At>,
    #[serde(rename = "cl", alias = "closed_at", default, skip_serializing_if = "Option::is_none")]
    closed_at: Option<At>,
    #[serde(rename = "ro", alias = "reopens", default)]
    reopens: u32,
    #[serde(rename = "pc", alias = "priority_changes", default)]
    priority_changes: u32,
    /// Breached stretches per SLA metric: first response, next response, resolution.
    #[serde(rename = "b", alias = "breaches", default)]
    breaches: [u32; 3],
    #[serde(rename = "bs", alias = "breached_since", default)]
    breached_since: [Option<u32>; 3],
    /// Escalations by trigger: manual, breach, age, rule.
    #[serde(rename = "e", alias = "escalations", default)]
    escalations: [u32; 4],
    /// Customer messages' sentiment: messages, total, first, last.
    #[serde(rename = "se", alias = "sentiment", default)]
    sentiment: (u32, f64, f64, f64),
    /// The last breach or age mark: when, the timer's name, its stretch.
    #[serde(rename = "m", alias = "last_mark", default, skip_serializing_if = "Option::is_none")]
    last_mark: Option<(At, String, u32)>,
    /// The ticket's intake form; present exactly when the record holds the labels below
    /// (version 3 on).
    #[serde(rename = "fo", default, skip_serializing_if = "Option::is_none")]
    form: Option<String>,
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    priority: Option<Priority>,
    #[serde(rename = "ca", default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(rename = "as", default, skip_serializing_if = "Option::is_none")]
    assignee: Option<u64>,
    #[serde(rename = "t", default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    /// The staff group holding the ticket's topic (version 4 on).
    #[serde(rename = "sg", default, skip_serializing_if = "Option::is_none")]
    staff_chat: Option<i64>,
    /// The satisfaction survey: when asked, the scale's name, the latest rating (0: none
    /// yet), whether a comment came. Absent before surveys existed and for tickets never asked.
    #[serde(rename = "cs", default, skip_serializing_if = "Option::is_none")]
    csat: Option<(At, String, u8, bool)>,
}

/// An instant in a facts record: integer nanoseconds after a base (the Unix epoch for
/// `created_at`, `created_at` for the rest), or RFC 3339 text, which version 1 wrote
/// everywhere and version 2 writes only for an offset beyond an `i64` (about 292 years).
#[derive(Clone, Copy, Debug, PartialEq)]
enum At {
    Nanos(i64),
    Text(Timestamp),
}

impl At {
    fn from(self, base: Timestamp) -> Result<Timestamp, StoreError> {
        match self {
            At::Text(at) => Ok(at),
            At::Nanos(nanos) => Timestamp::from_nanosecond(base.as_nanosecond() + i128::from(nanos))
                .map_err(|_| StoreError::Corrupt(format!("facts hold an instant out of range: {nanos} ns"))),
        }
    }
}

impl<'de> Deserialize<'de> for At {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<At, D::Error> {
        struct AtVisitor;
        impl serde::de::Visitor<'_> for AtVisitor {
            type Value = At;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("integer nanoseconds or an RFC 3339 instant")
            }
            fn visit_i64<E: serde::de::Error>(self, nanos: i64) -> Result<At, E> {
                Ok(At::Nanos(nanos))
            }
            fn visit_u64<E: serde::de::Error>(self, nanos: u64) -> Result<At, E> {
                i64::try_from(nanos).map(At::Nanos).map_err(|_| E::custom("nanoseconds beyond an i64"))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<At, E> {
                text.parse().map(At::Text).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(AtVisitor)
    }
}

impl JsonRecord {
    /// The ticket's labels, if the record holds them all (version 4 on; a version 3 record
    /// lacks the staff group, so its reader takes them from the ticket).
    fn take_labels(&mut self) -> Option<Labels> {
        if self.v < 4 {
            return None;
        }
        let (form, priority) = (self.form.take()?, self.priority?);
        Some(Labels {
            assignee: self.assignee,
            category: self.category.take(),
            priority,
            form,
            tags: std::mem::take(&mut self.tags),
            staff_chat: self.staff_chat,
        })
    }

    /// The facts and the labels of a record of this version or an earlier one.
    fn into_parts(mut self) -> Result<(Facts, Option<Labels>), StoreError> {
        let labels = self.take_labels();
        Ok((self.into_facts()?, labels))
    }

    fn into_facts(self) -> Result<Facts, StoreError> {
        if !(1..=4).contains(&self.v) {
            return Err(StoreError::RecordVersion { what: "facts", version: self.v });
        }
        let base = self.created_at.from(Timestamp::UNIX_EPOCH)?;
        let at = |t: At| t.from(base);
        let opt = |t: Option<At>| t.map(at).transpose();
        let last_mark = match self.last_mark {
            Some((t, name, since)) => {
                let kind = DeadlineKind::from_name(&name)
                    .ok_or_else(|| StoreError::Corrupt(format!("facts name unknown timer `{name}`")))?;
                Some((at(t)?, kind, since))
            }
            None => None,
        };
        let csat = match self.csat {
            Some((asked_at, scale, value, commented)) => {
                let rating = match value {
                    0 => None,
                    value => Some(rating_of(parse_scale(&scale)?, value)?),
                };
                Some(CsatFacts { asked_at: at(asked_at)?, rating, commented })
            }
            None => None,
        };
        let [manual, breach, age, rule] = self.escalations;
        let (messages, total, first, last) = self.sentiment;
        Ok(Facts {
            folded: self.folded,
            created_at: base,
            status: self.status,
            statuses: self
                .statuses
                .into_iter()
                .map(|(t, status)| Ok((at(t)?, status)))
                .collect::<Result<_, StoreError>>()?,
            first_reply_at: opt(self.first_reply_at)?,
            agent_replies: self.agent_replies,
            // JSON records are from before template replies were counted (not current).
            template_replies: 0,
            customer_messages: self.customer_messages,
            waiting_since: opt(self.waiting_since)?,
            next_replies: self
                .next_replies
                .into_iter()
                .map(|(since, reply)| Ok((at(since)?, at(reply)?)))
                .collect::<Result<_, StoreError>>()?,
            first_resolved_at: opt(self.first_resolved_at)?,
            last_resolved_at: opt(self.last_resolved_at)?,
            closed_at: opt(self.closed_at)?,
            reopens: self.reopens,
            priority_changes: self.priority_changes,
            breaches: self.breaches,
            breached_since: self.breached_since,
            warnings: [0; 3],
            escalations: Escalations { manual, breach, age, rule },
            sentiment: SentimentSum { messages, total, first, last },
            last_mark,
            csat,
        })
    }
}
