//! `reload_ms_p99`: a rule file saved to the new rule set deciding. The real watcher
//! (`rules::watch`, inotify, debounce included) runs on a copy of the shipped rules; each
//! save rewrites `sla.rhai` with a new critical first-response target, and the time runs
//! until the running set's `sla` hook answers with that target.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::duration::Span;
use crate::rules::{ReloadEvent, RulesHandle, WatchMode};
use crate::ticket::{Answer, Customer, Ticket, TicketId};

/// Milliseconds from each of `saves` saves to the new rules deciding, in save order.
pub fn reload_times(dir: &Path, saves: u32) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let (rules, diagnostics) = crate::rules::load(dir);
    let rules = rules.ok_or_else(|| format!("the rules do not load: {diagnostics:?}"))?;
    let sla = dir.join("sla.rhai");
    let original = std::fs::read_to_string(&sla)?;
    if !original.contains(r#"first_response: "15m""#) {
        return Err("the shipped sla.rhai no longer sets a 15m critical first response".into());
    }
    let handle = RulesHandle::new(rules);
    let (events, reloads) = mpsc::channel();
    let _watcher = crate::rules::watch(dir, handle.clone(), WatchMode::Native, move |event| {
        let _ = events.send(event);
    })?;
    let who = Customer { id: 1, name: "Ann".into(), username: None, language: None };
    let answers = BTreeMap::from([("priority".to_owned(), Answer::Text("critical".into()))]);
    let (ticket, _) = Ticket::open(TicketId(1), who, "support", answers, jiff::Timestamp::now());
    let view = crate::desk::ticket_view(&ticket, ticket.created_at);
    let mut times = Vec::new();
    for save in 0..saves {
        // The watcher starts asynchronously, and two saves too close together are one
        // change to the debouncer: give each save its own quiet moment.
        std::thread::sleep(Duration::from_millis(150));
        while reloads.try_recv().is_ok() {}
        let minutes = 16 + save;
        let started = Instant::now();
        std::fs::write(
            &sla,
            original.replace(r#"first_response: "15m""#, &format!(r#"first_response: "{minutes}m""#)),
        )?;
        let wanted = Some(Span::from_mins(u64::from(minutes)));
        loop {
            match reloads.recv_timeout(Duration::from_secs(10)) {
                Ok(ReloadEvent::Reloaded { .. }) => {}
                Ok(ReloadEvent::Unchanged { .. }) => continue,
                Ok(ReloadEvent::Rejected { diagnostics, .. }) => {
                    return Err(format!("a benchmark edit was rejected: {diagnostics:?}").into());
                }
                Err(_) => return Err(format!("save {save} was never reloaded").into()),
            }
            let decided =
                handle.current().scripts().sla(&view).value.and_then(|targets| targets.first_response);
            if decided == wanted {
                break;
            }
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(times)
}
