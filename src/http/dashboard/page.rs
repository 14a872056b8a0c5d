//! The dashboard's HTML, pure: a [`View`] and the rule set in, one page out. Mobile first,
//! the CSS inline, no script but the sign-in page's few lines, nothing from another host.
//! Every value that came from people (names, categories, history) is escaped.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::svg::{Series, bars};
use super::view::{AgentRow, Body, FIGURES_DAYS, Page, Row, SLA_BUCKETS, View};
use crate::desk::card_text;
use crate::metrics::{Report, Stats};
use crate::rules::{Role, RuleSet};
use crate::ticket::Ticket;

const STYLE: &str = "\
*{box-sizing:border-box}body{margin:0;font:15px/1.4 system-ui,-apple-system,sans-serif;\
color:#1c1c1e;background:#f2f2f7}header{background:#2481cc;color:#fff;padding:10px 12px}\
header h1{margin:0;font-size:18px}header small{opacity:.85}nav{display:flex;flex-wrap:wrap;\
gap:6px;padding:8px 12px;background:#fff;border-bottom:1px solid #ddd}nav a{padding:6px 10px;\
border-radius:14px;background:#e9eef5;color:#1c1c1e;text-decoration:none;font-size:14px}\
nav a.on{background:#2481cc;color:#fff}main{padding:10px 12px}section{background:#fff;\
border-radius:10px;padding:10px;margin-bottom:12px}h2{font-size:16px;margin:0 0 8px}\
table{width:100%;border-collapse:collapse;font-size:14px}th,td{text-align:left;padding:6px 4px;\
border-bottom:1px solid #eee;vertical-align:top}th{font-weight:600;color:#555}\
.late{color:#c0392b;font-weight:600}.soon{color:#d35400}.muted{color:#777}\
pre{white-space:pre-wrap;font:inherit;margin:0}figure{margin:0 0 12px}figcaption{font-weight:600;\
margin-bottom:4px}svg{width:100%;height:auto;display:block}.legend{font-size:13px;margin:2px 0}\
.kpis{display:grid;grid-template-columns:repeat(2,1fr);gap:8px}.kpi{background:#f7f9fc;\
border-radius:8px;padding:8px}.kpi b{display:block;font-size:20px}a{color:#2481cc}\
ol{padding-left:20px;margin:0}li{margin-bottom:4px}";

/// A whole page around `body`.
pub fn document(title: &str, nav: Option<(&View, &RuleSet)>, body: &str) -> String {
    let mut html = String::with_capacity(body.len() + 2048);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} · topicdesk</title><style>{STYLE}</style></head><body>",
        escape(title)
    );
    if let Some((view, _)) = nav {
        let role = match view.viewer.role {
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
        };
        let _ = write!(
            html,
            "<header><h1>{}</h1><small>{} · {role}</small></header><nav>",
            escape(title),
            escape(&view.viewer.name)
        );
        let mut links = vec![("queue", "Queue", Page::Queue)];
        if view.viewer.role == Role::Supervisor {
            links.extend([
                ("agents", "Agents", Page::Agents),
                ("sla", "SLA risk", Page::Sla),
                ("figures", "Figures", Page::Figures),
            ]);
        }
        for (path, label, page) in links {
            let on = if view.page == page { " class=\"on\"" } else { "" };
            let _ = write!(html, "<a href=\"/dashboard/{path}\"{on}>{label}</a>");
        }
        html.push_str("</nav>");
    } else {
        let _ = write!(html, "<header><h1>{}</h1></header>", escape(title));
    }
    let _ = write!(html, "<main>{body}</main></body></html>");
    html
}

/// The page for `view`.
pub fn render(view: &View, rules: &RuleSet) -> String {
    let zone = TimeZone::get(&rules.desk().timezone.value).unwrap_or(TimeZone::UTC);
    let mut body = String::new();
    let title = match &view.body {
        Body::Queue { unassigned, unassigned_total, mine, mine_total } => {
            for (heading, rows, total) in
                [("Unassigned", unassigned, unassigned_total), ("Yours", mine, mine_total)]
            {
                let _ = write!(body, "<section><h2>{heading}: {total}</h2>");
                rows_table(&mut body, rows, view.now, rules);
                if *total > rows.len() {
                    let _ = write!(body, "<p class=\"muted\">The oldest {} of {total}.</p>", rows.len());
                }
                body.push_str("</section>");
            }
            "Queue"
        }
        Body::Agents(agents) => {
            agents_table(&mut body, agents, view.now, &zone);
            "Agents"
        }
        Body::Sla { rows, total, without, buckets } => {
            sla_chart(&mut body, buckets, *total);
            let _ = write!(body, "<section><h2>Soonest first</h2>");
            rows_table(&mut body, rows, view.now, rules);
            if *total > rows.len() {
                let _ = write!(body, "<p class=\"muted\">The first {} of {total}.</p>", rows.len());
            }
            let _ = write!(
                body,
                "<p class=\"muted\">Active tickets without an SLA clock: {without}.</p></section>"
            );
            "SLA risk"
        }
        Body::Figures { report, days } => {
            figures(&mut body, report, days);
            "Figures"
        }
        Body::Ticket { ticket, history } => {
            ticket_page(&mut body, ticket, history, rules, &zone);
            return document(&ticket.id.to_string(), Some((view, rules)), &body);
        }
        Body::NoTicket(id) => {
            let _ = write!(body, "<section><p>There is no ticket {id}.</p></section>");
            "No such ticket"
        }
    };
    document(title, Some((view, rules)), &body)
}

/// A refusal or an error, with what to do about it.
pub fn message(title: &str, text: &str) -> String {
    document(title, None, &format!("<section><p>{}</p></section>", escape(text)))
}

/// The page the Mini App opens: Telegram puts the init data in the URL's fragment, which no
/// server sees, so a few lines post it to the server, which answers with a session cookie.
pub fn sign_in() -> String {
    // `?next=/dashboard/...` opens that page once signed in (a link to a ticket); only a
    // path of the dashboard's own is followed.
    let script = "<script>(function(){var p=new URLSearchParams(location.hash.slice(1));\
        var n=new URLSearchParams(location.search).get('next');\
        if(!n||n.indexOf('/dashboard/')!==0||n.indexOf('//')>=0||n.indexOf('\\\\')>=0){n='/dashboard/queue'}\
        var d=p.get('tgWebAppData');var s=document.getElementById('state');\
        if(!d){s.textContent='Open the dashboard from the bot\\u2019s menu in Telegram, or with a link from topicdesk dashboard-link.';return}\
        fetch('/dashboard/session',{method:'POST',body:d,credentials:'same-origin',headers:{'Content-Type':'text/plain'}})\
        .then(function(r){if(r.ok){location.replace(n)}else{return r.text().then(function(t){s.textContent=t})}})\
        .catch(function(){s.textContent='The desk could not be reached.'})})();</script>";
    document("Dashboard", None, &format!("<section><p id=\"state\">Signing in…</p></section>{script}"))
}

fn rows_table(out: &mut String, rows: &[Row], now: Timestamp, rules: &RuleSet) {
    if rows.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>");
        return;
    }
    out.push_str("<table><tr><th>Ticket</th><th>Waiting</th><th>SLA</th><th>Who</th></tr>");
    for row in rows {
        let category = row.category.as_deref().map(|c| format!(" · {}", escape(c))).unwrap_or_default();
        let who =
            row.assignee.map_or_else(|| "—".to_owned(), |id| escape(&crate::desk::agent_name(rules, id)));
        let sla = match row.next_sla {
            Some((due, kind)) => {
                let class = if due <= now {
                    "late"
                } else if due.duration_since(now).as_secs() < 3600 {
                    "soon"
                } else {
                    ""
                };
                let when = if due <= now {
                    format!("{} over", span(due, now))
                } else {
                    format!("{} left", span(now, due))
                };
                format!(
                    "<span class=\"{class}\">{when}</span><br><small class=\"muted\">{}</small>",
                    kind.as_str()
                )
            }
            None => "<span class=\"muted\">none</span>".to_owned(),
        };
        let _ = write!(
            out,
            "<tr><td><a href=\"/dashboard/ticket/{}\">{}</a><br><small class=\"muted\">{} · {}{category}</small></td>\
             <td>{}</td><td>{sla}</td><td>{who}</td></tr>",
            row.id.0,
            row.id,
            row.status,
            row.priority,
            span(row.created_at, now)
        );
    }
    out.push_str("</table>");
}

fn agents_table(out: &mut String, agents: &[AgentRow], now: Timestamp, zone: &TimeZone) {
    out.push_str("<section><h2>Load</h2>");
    let labels: Vec<String> = agents.iter().map(|agent| agent.name.clone()).collect();
    let load = agents.iter().map(|agent| Some(agent.load as f64)).collect();
    let capacity = agents.iter().map(|agent| Some(f64::from(agent.capacity))).collect();
    let series = [Series { name: "load", colour: "#2481cc" }, Series { name: "capacity", colour: "#c8d6e5" }];
    out.push_str(&bars("Active tickets against capacity", &labels, &series, &[load, capacity], &|v| {
        format!("{v:.0}")
    }));
    out.push_str("<table><tr><th>Agent</th><th>Load</th><th>Now</th></tr>");
    for agent in agents {
        let state = if agent.away {
            "<span class=\"soon\">away</span>".to_owned()
        } else if agent.on_duty {
            match agent.shift_ends {
                Some(end) => {
                    format!("on shift until {}", end.to_zoned_datetime(zone.clone()).strftime("%H:%M"))
                }
                None => "on shift".to_owned(),
            }
        } else {
            "<span class=\"muted\">off shift</span>".to_owned()
        };
        let full = if agent.load >= agent.capacity as usize { " class=\"late\"" } else { "" };
        let role =
            if agent.role == Role::Supervisor { "<br><small class=\"muted\">supervisor</small>" } else { "" };
        let _ = write!(
            out,
            "<tr><td>{}{role}</td><td{full}>{} / {}</td><td>{state}</td></tr>",
            escape(&agent.name),
            agent.load,
            agent.capacity
        );
    }
    let _ = write!(
        out,
        "</table><p class=\"muted\">As of {}.</p></section>",
        now.to_zoned_datetime(zone.clone()).strftime("%H:%M")
    );
}

fn sla_chart(out: &mut String, buckets: &[u64], total: usize) {
    let labels: Vec<String> = SLA_BUCKETS.iter().map(|(label, _)| (*label).to_owned()).collect();
    let _ = write!(out, "<section><h2>Open tickets by time to their next SLA step: {total}</h2>");
    out.push_str(&bars(
        "Tickets by time left",
        &labels,
        &[Series { name: "tickets", colour: "#e67e22" }],
        &[buckets.iter().map(|count| Some(*count as f64)).collect()],
        &|v| format!("{v:.0}"),
    ));
    out.push_str("</section>");
}

fn figures(out: &mut String, report: &Report, days: &[String]) {
    let total = &report.total;
    let _ = write!(out, "<section><h2>The last {FIGURES_DAYS} days</h2><div class=\"kpis\">");
    let kpi = |out: &mut String, label: &str, value: String| {
        let _ = write!(out, "<div class=\"kpi\"><b>{}</b>{}</div>", escape(&value), escape(label));
    };
    kpi(out, "tickets", total.tickets.to_string());
    kpi(out, "still open", total.open.to_string());
    kpi(out, "first response p50", seconds(total.first_response.calendar.median));
    kpi(out, "resolution p50", seconds(total.full_resolution.calendar.median));
    kpi(
        out,
        "CSAT",
        total.csat.score.map_or_else(|| "—".to_owned(), |score| format!("{:.0}%", score * 100.0)),
    );
    kpi(out, "CSAT answers", total.csat.answered.to_string());
    out.push_str("</div></section><section>");
    // Every day of the period, those without tickets too; labelled `MM-DD`.
    let labels: Vec<String> = days.iter().map(|day| day.get(5..).unwrap_or(day).to_owned()).collect();
    let column = |pick: &dyn Fn(&crate::metrics::Group) -> Option<f64>| -> Vec<Option<f64>> {
        days.iter()
            .map(|day| report.groups.iter().find(|row| row.key == *day).and_then(|row| pick(&row.group)))
            .collect()
    };
    out.push_str(&bars(
        "Tickets a day",
        &labels,
        &[Series { name: "tickets", colour: "#2481cc" }],
        &[days
            .iter()
            .map(|day| {
                Some(
                    report
                        .groups
                        .iter()
                        .find(|row| row.key == *day)
                        .map_or(0.0, |row| row.group.tickets as f64),
                )
            })
            .collect()],
        &|v| format!("{v:.0}"),
    ));
    let p50_p90 = [Series { name: "p50", colour: "#2481cc" }, Series { name: "p90", colour: "#9b59b6" }];
    let spans = |stats: fn(&crate::metrics::Group) -> Stats| {
        [
            column(&|group| stats(group).median.map(|s| s as f64)),
            column(&|group| stats(group).p90.map(|s| s as f64)),
        ]
    };
    out.push_str(&bars(
        "First response, p50 and p90",
        &labels,
        &p50_p90,
        &spans(|group| group.first_response.calendar),
        &|v| seconds(Some(v as u64)),
    ));
    out.push_str(&bars(
        "Resolution, p50 and p90",
        &labels,
        &p50_p90,
        &spans(|group| group.full_resolution.calendar),
        &|v| seconds(Some(v as u64)),
    ));
    out.push_str(&bars(
        "CSAT score",
        &labels,
        &[Series { name: "CSAT", colour: "#27ae60" }],
        &[column(&|group| group.csat.score.map(|score| score * 100.0))],
        &|v| format!("{v:.0}%"),
    ));
    let backlog_labels: Vec<String> =
        report.backlog.buckets.iter().map(|(label, _)| (*label).to_owned()).collect();
    out.push_str(&bars(
        "Backlog by age",
        &backlog_labels,
        &[Series { name: "tickets", colour: "#e67e22" }],
        &[report.backlog.buckets.iter().map(|(_, count)| Some(*count as f64)).collect()],
        &|v| format!("{v:.0}"),
    ));
    out.push_str("<p class=\"muted\">Calendar time; definitions as in topicdesk report.</p></section>");
}

fn ticket_page(
    out: &mut String,
    ticket: &Ticket,
    history: &[crate::history::Entry],
    rules: &RuleSet,
    zone: &TimeZone,
) {
    let _ = write!(out, "<section><h2>Card</h2><pre>{}</pre>", escape(&card_text(ticket, rules)));
    if let Some(topic) = ticket.topic {
        let _ = write!(
            out,
            "<p><a href=\"{}\">Open its topic in Telegram</a></p>",
            escape(&topic_link(topic.chat_id, topic.thread_id))
        );
    }
    let _ = write!(out, "</section><section><h2>History ({})</h2><ol>", history.len());
    for entry in history {
        let _ = write!(
            out,
            "<li><small class=\"muted\">{} · {}</small><br>{}</li>",
            entry.at.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%d %H:%M"),
            escape(&entry.actor.to_string()),
            escape(&entry.kind.to_string())
        );
    }
    out.push_str("</ol></section>");
}

/// `https://t.me/c/<chat without -100>/<topic>`: the link Telegram gives a supergroup's topic.
pub fn topic_link(chat_id: i64, thread_id: i32) -> String {
    let chat = chat_id.to_string();
    let internal = chat.strip_prefix("-100").unwrap_or(chat.trim_start_matches('-'));
    format!("https://t.me/c/{internal}/{thread_id}")
}

/// A span between two instants, like `2h 05m` or `3d 4h`.
fn span(from: Timestamp, to: Timestamp) -> String {
    seconds(Some(to.as_second().saturating_sub(from.as_second()).max(0) as u64))
}

fn seconds(value: Option<u64>) -> String {
    let Some(seconds) = value else {
        return "—".to_owned();
    };
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3_600, seconds % 3_600 / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else {
        format!("{minutes}m")
    }
}

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_links_drop_the_supergroup_prefix() {
        assert_eq!(topic_link(-1_001_234_567_890, 42), "https://t.me/c/1234567890/42");
    }

    #[test]
    fn spans_read_at_a_glance() {
        assert_eq!(seconds(Some(59)), "0m");
        assert_eq!(seconds(Some(3_900)), "1h 05m");
        assert_eq!(seconds(Some(3 * 86_400 + 7_200)), "3d 2h");
        assert_eq!(seconds(None), "—");
    }

    #[test]
    fn people_text_is_escaped() {
        assert_eq!(escape(r#"<b a="1">&'"#), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
    }
}
