//! Templates through inline mode on the memory state: the card's Templates button, the
//! answers to inline queries (rendered for the ticket the query names; nothing for strangers,
//! for a query naming no ticket or an unknown one), and a picked result arriving in the topic
//! `via_bot`: relayed, named in history and counted like `/t`.

use expect_test::expect;

use super::{DANA, STAFF, STRANGER, World, check};
use crate::desk::{Event, InlineMode, InlineQuery, Kind, StaffMessage, TypedIn};
use crate::history::EntryKind;
use crate::ticket::TicketId;

/// The bot's own id, as `via_bot` names it.
const BOT: u64 = 123_456_789;

fn query(from: u64, text: &str) -> Event {
    query_in(from, text, TypedIn::Supergroup)
}

fn query_in(from: u64, text: &str, typed_in: TypedIn) -> Event {
    Event::InlineQuery(InlineQuery { id: format!("q{from}"), from, query: text.to_owned(), typed_in })
}

fn picked(from: u64, thread: i32, message_id: i32, text: &str, via_bot: Option<u64>) -> Event {
    Event::Staff(StaffMessage {
        chat_id: STAFF,
        thread: Some(thread),
        from,
        from_name: format!("user{from}"),
        message_id,
        kind: Kind::Text,
        text: Some(text.to_owned()),
        reply_to: None,
        reply_author: None,
        reply_text: None,
        via_bot,
        entities: Vec::new(),
        file_id: None,
        single: None,
        album: None,
    })
}

#[test]
fn the_card_offers_templates_only_while_inline_mode_is_on() {
    let mut world = World::new();
    world.inline = InlineMode::On;
    world.open(42, &[("category", "billing"), ("invoice", "INV-12345")]);
    let on = world.send_all();
    let card = |transcript: &str| {
        transcript
            .lines()
            .skip_while(|line| !line.contains("Priority:"))
            .find(|l| l.contains("buttons:"))
            .map(str::to_owned)
    };
    expect![[r#"    buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Assign (t:1:assign), Unassign (t:1:unassign), Templates (@bot "T-000001 "), More (t:1:more)"#]].assert_eq(&card(&on).unwrap_or_default());
    let mut world = World::new();
    world.open(42, &[("category", "billing"), ("invoice", "INV-12345")]);
    let off = world.send_all();
    expect!["    buttons: Awaiting customer (t:1:await), Resolve (t:1:resolve), Assign (t:1:assign), Unassign (t:1:unassign), More (t:1:more)"].assert_eq(&card(&off).unwrap_or_default());
}

#[test]
fn an_inline_query_lists_the_templates_rendered_for_the_ticket_it_names() {
    let mut world = World::new();
    world.inline = InlineMode::On;
    world.open(42, &[("category", "billing"), ("invoice", "INV-12345")]);
    world.send_all();
    world.event(&query(DANA, "T-000001 refund"));
    world.event(&query(STRANGER, "T-000001 refund"));
    world.event(&query(DANA, "refund"));
    world.event(&query(DANA, "T-000099 refund"));
    world.event(&query(DANA, "#1 specialist"));
    world.event(&query_in(DANA, "T-000001 refund", TypedIn::Elsewhere));
    check(
        &world.send_all(),
        &expect![[r#"
            answer inline q111111111 (5 s): 2 result(s)
                1:refund [Refund approved] Hi Customer42, your refund for invoice INV-12345 is approved. The money is back on your c…
                  | Hi Customer42, your refund for invoice INV-12345 is approved. The money is back on your card within 5 to 10 business days, depending on your bank.
                1:double-charge [Charged twice] Sorry about the double charge, Customer42. The second payment is a card hold that your ba…
                  | Sorry about the double charge, Customer42. The second payment is a card hold that your bank releases on its own within 3 business days; if it is still there after that, reply here and we refund it at once.
            answer inline q999 (5 s): 0 result(s)
            answer inline q111111111 (5 s): 0 result(s)
            answer inline q111111111 (5 s): 0 result(s)
            answer inline q111111111 (5 s): 1 result(s)
                1:escalated [Passed to a specialist] I have passed T-000001 to a specialist on our Billing team with everything you told me, m…
                  | I have passed T-000001 to a specialist on our Billing team with everything you told me, marked normal priority. You will hear from us here, no need to repeat anything.
            answer inline q111111111 (5 s): 0 result(s)
        "#]],
    );
    world.event(&query(DANA, "T-000001 "));
    let best = world.send_all();
    // No words: the best fits, the ticket's category (billing) first, as `/t` lists them.
    let titles: Vec<&str> =
        best.lines().filter(|line| line.starts_with("    1:")).map(str::trim).take(5).collect();
    expect![[r#"
            1:invoice-copy [Copy of an invoice] Hi Customer42, every invoice is under Settings → Billing → Invoices, as a PDF. I have als…
            1:plan-change [Changing the plan] You can change your plan any time under Settings → Billing → Plan. An upgrade starts at o…
            1:double-charge [Charged twice] Sorry about the double charge, Customer42. The second payment is a card hold that your ba…
            1:refund [Refund approved] Hi Customer42, your refund for invoice INV-12345 is approved. The money is back on your c…
            1:escalated [Passed to a specialist] I have passed T-000001 to a specialist on our Billing team with everything you told me, m…"#]].assert_eq(&titles.join("\n"));
}

#[test]
fn a_picked_result_is_relayed_named_in_history_and_counted() {
    let mut world = World::new();
    world.inline = InlineMode::On;
    let ticket = world.open(42, &[("category", "billing"), ("invoice", "INV-12345")]);
    world.send_all();
    let refund = "Hi Customer42, your refund for invoice INV-12345 is approved. The money is back on your card \
                  within 5 to 10 business days, depending on your bank.";
    world.event(&picked(DANA, 11, 600, refund, Some(BOT)));
    // The same words typed by hand, and another bot's result, are replies like any other.
    world.event(&picked(DANA, 11, 601, refund, None));
    world.event(&picked(DANA, 11, 602, "Here is a GIF", Some(BOT)));
    check(
        &world.send_all(),
        &expect![[r#"
        chat 42 #1007: copy of -100777/[600]
        chat 42 #1008: copy of -100777/[601]
        chat 42 #1009: copy of -100777/[602]
    "#]],
    );
    let history = world.history(ticket);
    let named: Vec<String> = history
        .iter()
        .filter_map(|entry| match &entry.kind {
            EntryKind::TemplateUsed { template, version } => {
                Some(format!("{template} {version} rules {}", entry.rules.is_some()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(named.len(), 1, "one template named: {named:?}");
    assert!(named[0].starts_with("refund ") && named[0].ends_with("rules true"), "{named:?}");
    let replies = history.iter().filter(|entry| matches!(entry.kind, EntryKind::AgentReply { .. })).count();
    assert_eq!(replies, 3, "every message is the agent's reply");
    let uses = world.read(|state| state.template_uses());
    assert_eq!(
        uses.iter().map(|u| (u.template.as_str(), u.agent, u.ticket)).collect::<Vec<_>>(),
        [("refund", DANA, 1)]
    );
    assert_eq!(world.ticket(TicketId(1)).assignee, Some(DANA), "the first reply assigned it");
}
