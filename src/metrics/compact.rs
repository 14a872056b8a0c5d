//! A period's figures as a short plain text for a phone: what `/stats` answers in Telegram
//! and what the supervisors' weekly digest says. The same [`Report`] the command line
//! prints as a table, in a few lines: the team's line first, then one short row per group
//! (per agent, for `/stats`).
//!
//! Plain text on purpose: no markup, no column alignment (a phone's proportional font
//! breaks it), every row readable on its own. Never longer than Telegram's 4096 characters:
//! rows past [`MAX_CHARS`] are counted ("… and 12 more") instead of listed.

use std::fmt::Write as _;

use super::period::{share, span};
use super::{Group, Report};

/// Room for the text of one Telegram message (4096), with a margin for the last line.
pub const MAX_CHARS: usize = 3_900;

/// The team's figures of `report` under `title`, one row per group of the report, and the
/// comparison with an earlier period when given (`label`, its report).
pub fn team_text(title: &str, report: &Report, before: Option<(&str, &Report)>) -> String {
    let mut out = format!("📊 {title}");
    write_group(&mut out, &report.total);
    write_deflections(&mut out, report);
    if let Some((label, before)) = before {
        let b = &before.total;
        let _ = write!(
            out,
            "\n{label}: tickets {} · resolved {} · first reply {} · SLA {}",
            b.tickets,
            b.resolved,
            span(b.first_response.calendar.median),
            sla_achieved(b),
        );
    }
    if report.groups.is_empty() {
        return out;
    }
    out.push_str("\nPer agent: tickets · resolved · first reply · SLA · CSAT · templates");
    for (shown, row) in report.groups.iter().enumerate() {
        let g = &row.group;
        let line = format!(
            "\n{}: {} · {} · {} · {} · {} · {}",
            crate::outbox::clip(&row.key, 24),
            g.tickets,
            g.resolved,
            span(g.first_response.calendar.median),
            sla_achieved(g),
            share(g.csat.satisfied, g.csat.answered),
            share(g.templates.uses, g.templates.agent_replies),
        );
        if out.chars().count() + line.chars().count() > MAX_CHARS {
            let _ = write!(out, "\n… and {} more", report.groups.len() - shown);
            break;
        }
        out.push_str(&line);
    }
    out
}

/// One person's (or any one group's) figures under `title`.
pub fn group_text(title: &str, group: &Group) -> String {
    let mut out = format!("📊 {title}");
    write_group(&mut out, group);
    out
}

/// One line of a day's figures, for the pinned queue summary.
pub fn day_line(g: &Group) -> String {
    format!(
        "Today: {} new · {} resolved · median first reply {} · SLA breaches {}",
        g.tickets,
        g.resolved,
        span(g.first_response.calendar.median),
        sla_breached(g),
    )
}

/// The lines that describe one group: counts, medians, quality.
fn write_group(out: &mut String, g: &Group) {
    let _ = write!(out, "\nTickets {} · resolved {} · open {}", g.tickets, g.resolved, g.open);
    let replies = replies_total(g);
    if replies > 0 {
        let _ = write!(out, " · agent replies {replies}");
    }
    let _ = write!(
        out,
        "\nMedian first reply {} · full resolution {}",
        span(g.first_response.calendar.median),
        span(g.full_resolution.calendar.median),
    );
    let _ = write!(
        out,
        "\nSLA achieved {} · reopened {} · first-contact resolution {}",
        sla_achieved(g),
        g.reopened_tickets,
        share(g.first_contact_resolutions, g.resolved),
    );
    let breached = sla_breached(g);
    if breached > 0 {
        let _ = write!(out, " · SLA breaches {breached}");
    }
    let c = g.csat;
    if c.asked > 0 {
        let _ = write!(
            out,
            "\nCSAT {} of {} ratings · {} of {} surveys answered",
            share(c.satisfied, c.answered),
            c.answered,
            share(c.answered, c.asked),
            c.asked,
        );
        if let Some(mean) = c.mean_rating {
            let _ = write!(out, " · mean {mean:.1}/5");
        }
        if c.commented > 0 {
            let _ = write!(out, " · comments {}", c.commented);
        }
    }
    let t = g.templates;
    if t.uses > 0 {
        let _ = write!(
            out,
            "\nTemplates {} of {} agent replies ({})",
            t.uses,
            t.agent_replies,
            share(t.uses, t.agent_replies)
        );
    }
}

/// The knowledge base's line, once an article answered a question in the period: how many,
/// their share of the questions, and the articles that answered most.
fn write_deflections(out: &mut String, report: &Report) {
    let d = &report.deflections;
    if d.count == 0 {
        return;
    }
    let _ = write!(
        out,
        "\nKB deflections {} ({} of questions)",
        d.count,
        share(d.count, d.count + report.tickets)
    );
    for (idx, top) in d.top_articles.iter().take(3).enumerate() {
        let article = crate::outbox::clip(&top.article, 24);
        let _ = write!(out, "{} {article} {}", if idx == 0 { " · top:" } else { "," }, top.count);
    }
}

/// Met out of met and breached, over every SLA metric (first response, next response,
/// resolution) of every ticket: `-` when nothing was measured.
pub fn sla_achieved(g: &Group) -> String {
    let met: u64 = g.sla.values().map(|sla| sla.met).sum();
    share(met, met + sla_breached(g))
}

/// Breached SLA metrics over the group's tickets.
pub fn sla_breached(g: &Group) -> u64 {
    g.sla.values().map(|sla| sla.breached).sum()
}

/// Agent replies over the group's tickets.
fn replies_total(g: &Group) -> u64 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a mean of counts times their number: a non-negative whole number far below 2^52"
    )]
    g.agent_replies.mean.map_or(0, |mean| (mean * g.agent_replies.count as f64).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Backlog, GroupRow};

    fn report(agents: usize) -> Report {
        let group = Group { tickets: 3, resolved: 2, open: 1, ..Group::default() };
        Report {
            since: None,
            until: None,
            measured_at: String::new(),
            by: None,
            business_hours: true,
            tickets: 3,
            facts_from_history: 0,
            notes: Vec::new(),
            total: group.clone(),
            groups: (0..agents)
                .map(|i| GroupRow {
                    key: format!("Agent number {i:03} with a long name"),
                    group: group.clone(),
                })
                .collect(),
            backlog: Backlog::new(jiff::Timestamp::UNIX_EPOCH),
            busiest_hours: vec![0; 24],
            deflections: crate::metrics::Deflections::default(),
        }
    }

    #[test]
    fn a_large_team_fits_one_telegram_message_and_says_how_many_are_left_out() {
        let text = team_text("Team, last 7 days", &report(400), None);
        assert!(text.chars().count() <= MAX_CHARS + 20, "{}", text.chars().count());
        let last = text.lines().last().expect("lines");
        let listed = text.lines().filter(|line| line.starts_with("Agent number")).count();
        assert_eq!(last, format!("… and {} more", 400 - listed));
        assert!(listed > 50, "{listed} rows listed");
        // Agent names are clipped so a row stays short.
        assert!(text.contains("Agent number 000 with a…: 3 · 2 · - · - · - · -\n"), "{text}");
        let small = team_text("Team, today", &report(2), None);
        assert!(!small.contains("more"), "{small}");
    }

    #[test]
    fn satisfaction_shows_once_a_survey_was_sent_with_its_score_and_response_rate() {
        let quiet = group_text("Team", &Group::default());
        assert!(!quiet.contains("CSAT"), "no survey sent, no line: {quiet}");
        let csat = crate::metrics::CsatFigures {
            asked: 10,
            answered: 4,
            satisfied: 3,
            commented: 1,
            mean_rating: Some(3.75),
            ..Default::default()
        };
        let text = group_text("Team", &Group { csat, ..Group::default() });
        assert_eq!(
            text.lines().last(),
            Some("CSAT 75% of 4 ratings · 40% of 10 surveys answered · mean 3.8/5 · comments 1")
        );
        let mut agents = report(1);
        agents.groups[0].group.csat = csat;
        assert!(team_text("Team", &agents, None).ends_with(": 3 · 2 · - · - · 75% · -"));
    }

    #[test]
    fn deflections_and_template_replies_show_once_there_are_any() {
        let quiet = team_text("Team", &report(1), None);
        assert!(!quiet.contains("KB deflections") && !quiet.contains("Templates"), "{quiet}");
        let mut busy = report(2);
        let templates = crate::metrics::TemplateFigures { agent_replies: 8, uses: 2, share: Some(0.25) };
        busy.total.templates = templates;
        busy.groups[1].group.templates = templates;
        busy.deflections = crate::metrics::Deflections {
            count: 7,
            rate: Some(0.7),
            top_articles: ["reset-password", "invoices", "refunds", "plans"]
                .iter()
                .zip([3, 2, 1, 1])
                .map(|(article, count)| crate::metrics::ArticleDeflections {
                    article: (*article).into(),
                    count,
                })
                .collect(),
        };
        let text = team_text("Team, last 7 days", &busy, None);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.contains(&"Templates 2 of 8 agent replies (25%)"), "{text}");
        assert!(
            lines.contains(
                &"KB deflections 7 (70% of questions) · top: reset-password 3, invoices 2, refunds 1"
            ),
            "{text}"
        );
        assert!(text.ends_with(": 3 · 2 · - · - · - · 25%"), "{text}");
        let me = group_text("Dana, today", &busy.groups[1].group);
        assert!(me.ends_with("\nTemplates 2 of 8 agent replies (25%)"), "{me}");
        assert!(!me.contains("KB deflections"), "a deflection is no one's: {me}");
    }
}
