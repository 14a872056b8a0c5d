//! Agents' notification preferences through the real desk on the virtual clock: each kind
//! (assigned, customer wrote, SLA, escalation, mention) by a mention in the topic, a private
//! message and nothing; `/notify` and its buttons; private notices outside working hours
//! waiting for one digest when the shift starts; and the fallback to mentions for an agent
//! who never started the bot.

use super::*;
use crate::notify::{NotifyKind, notice_line};
use crate::sla::DeskTimer;

const ANN: u64 = 1;
const BEN: u64 = 2;
const CUSTOMER: u64 = 42;

/// Ann (a supervisor, who gets every ticket) and Ben, with Ann's `notify:` and hours.
fn world(ann_extra: &str) -> (World, tempfile::TempDir) {
    let team = format!(
        "agents:\n  - {{ id: 1, name: Ann, username: ann, role: supervisor{ann_extra} }}\n  - {{ id: 2, name: Ben, username: ben }}\n"
    );
    let route = "fn route(ticket, team) { 1 }\n";
    World::with_changed_rules(&[("team.yaml", &team), ("routing.rhai", route)])
}

/// Every kind set to `channel` in team.yaml.
fn all(channel: &str) -> String {
    format!(
        ", notify: {{ assigned: {channel}, customer_wrote: {channel}, sla: {channel}, escalation: {channel}, mention: {channel} }}"
    )
}

/// The messages that concern Ann, with their continuation lines: in a topic naming her,
/// and in her private chat. Card edits left out.
fn about_ann(transcript: &str) -> String {
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for line in transcript.lines() {
        match blocks.last_mut() {
            Some(block) if line.starts_with(' ') => block.push(line),
            _ => blocks.push(vec![line]),
        }
    }
    let concerns = |block: &Vec<&str>| {
        block[0].starts_with("chat 1 #")
            || (block[0].starts_with("topic ") && block.iter().any(|line| line.contains("@ann")))
    };
    blocks.into_iter().filter(concerns).flatten().collect::<Vec<_>>().join("\n")
}

/// Ann is told of each kind once: a ticket assigned to her, its customer writing, two days
/// on the SLA breach (whose ladder escalates to the supervisors: Ann), Ben mentioning her
/// in the topic and Ben escalating it himself.
fn every_kind(world: &mut World) -> String {
    let id = world.open(CUSTOMER, &[("category", "technical"), ("priority", "normal")]);
    assert_eq!(world.ticket(id).assignee, Some(ANN));
    let mut transcript = world.send_all();
    world.event(&customer_says(CUSTOMER, 5, "it still fails"));
    transcript.push_str(&world.send_all());
    world.minute += 2 * 24 * 60;
    world.event(&Event::Tick);
    transcript.push_str(&world.send_all());
    world.event(&staff_says(BEN, 11, 90, "@ann could you look at this one?"));
    transcript.push_str(&world.send_all());
    world.event(&staff_says(BEN, 11, 91, "/escalate the customer is a key account"));
    transcript.push_str(&world.send_all());
    world.event(&staff_says(BEN, 11, 92, "/note @ann the logs are attached above"));
    transcript.push_str(&world.send_all());
    transcript
}

#[test]
fn each_kind_by_mention_in_the_topic() {
    let (mut world, _rules) = world(&all("mention"));
    check(
        &about_ann(&every_kind(&mut world)),
        &expect![[r#"
            topic T-000001 #1004: Assigned to @ann by the routing rules.
            topic T-000001 #1007: 🔔 @ann The customer wrote on T-000001.
            topic T-000001 #1008: ⚠ @ann T-000001: first_response target missed by 16h 6m
            topic T-000001 #1009: ⇧ Escalated to the supervisors: first_response missed twice on T-000001
                | @ann
                buttons: Undo escalation (x:1:9)
            topic T-000001 #1016: ⇧ Escalated to the supervisors by Ben: the customer is a key account
                | @ann
                buttons: Undo escalation (x:1:14)"#]],
    );
}

#[test]
fn each_kind_by_private_message() {
    let (mut world, _rules) = world(&all("private"));
    let transcript = every_kind(&mut world);
    check(
        &about_ann(&transcript),
        &expect![[r#"
            chat 1 #1006: 🔔 T-000001 was assigned to you.
                | https://t.me/c/777/11
            chat 1 #1008: 🔔 The customer wrote on T-000001.
                | https://t.me/c/777/11
            chat 1 #1009: 🔔 SLA warning or breach on T-000001.
                | T-000001: first_response target missed by 16h 6m
                | https://t.me/c/777/11
            chat 1 #1011: 🔔 T-000001 was escalated to you.
                | Reason: first_response missed twice on T-000001
                | https://t.me/c/777/11
            chat 1 #1018: 🔔 You were mentioned in T-000001.
                | https://t.me/c/777/11
            chat 1 #1020: 🔔 T-000001 was escalated to you.
                | Reason: the customer is a key account
                | https://t.me/c/777/11
            chat 1 #1023: 🔔 You were mentioned in T-000001.
                | https://t.me/c/777/11"#]],
    );
    for kind in NotifyKind::ALL {
        let line = format!("🔔 {}", notice_line(kind, "T-000001"));
        assert!(
            transcript.lines().any(|l| l.starts_with("chat 1 #") && l.ends_with(&line)),
            "{kind:?} goes privately:\n{transcript}"
        );
    }
}

#[test]
fn each_kind_off_says_nothing_to_the_agent() {
    let (mut world, _rules) = world(&all("off"));
    let transcript = every_kind(&mut world);
    assert_eq!(about_ann(&transcript), "", "nothing names Ann or reaches her:\n{transcript}");
    assert!(transcript.contains("Escalated to the supervisors by Ben"), "{transcript}");
    assert!(transcript.contains("Assigned to Ann by the routing rules."), "{transcript}");
}

#[test]
fn the_defaults_mention_everything_but_a_customer_writing() {
    let (mut world, _rules) = world("");
    let transcript = every_kind(&mut world);
    let said = about_ann(&transcript);
    assert!(said.contains("Assigned to @ann"), "{said}");
    assert!(!said.contains("The customer wrote"), "{said}");
    assert!(!said.contains("chat 1 #"), "{said}");
}

fn private_press(from: u64, message_id: i32, data: &str) -> Event {
    press_in(from, from as i64, None, message_id, data)
}

#[test]
fn notify_shows_the_choices_and_a_button_changes_one_for_good() {
    let (mut world, _rules) = world("");
    world.event(&customer_says(ANN, 3, "/notify"));
    let menu = world.send_all();
    check(
        &menu,
        &expect![[r#"
            chat 1 #1001: How you are told of things (tap to change):
                | • A ticket assigned to me: in the topic
                | • A customer wrote on my ticket: off
                | • SLA warning or breach on my ticket: in the topic
                | • An escalation to me: in the topic
                | • Someone mentioned me in a topic: in the topic
                | Private messages outside your working hours wait and come as one digest when your shift starts.
                buttons: ✓ Assigned: in the topic (notify:assigned:mention), Assigned: private (notify:assigned:private), Assigned: off (notify:assigned:off), Customer wrote: in the topic (notify:customer_wrote:mention), Customer wrote: private (notify:customer_wrote:private), ✓ Customer wrote: off (notify:customer_wrote:off), ✓ SLA: in the topic (notify:sla:mention), SLA: private (notify:sla:private), SLA: off (notify:sla:off), ✓ Escalation: in the topic (notify:escalation:mention), Escalation: private (notify:escalation:private), Escalation: off (notify:escalation:off), ✓ Mention: in the topic (notify:mention:mention), Mention: private (notify:mention:private), Mention: off (notify:mention:off)
        "#]],
    );
    world.event(&private_press(ANN, 1002, "notify:customer_wrote:private"));
    world.event(&private_press(ANN, 1002, "notify:assigned:off"));
    check(
        &world.send_all(),
        &expect![[r#"
            edit 1/1002: How you are told of things (tap to change):
                | • A ticket assigned to me: in the topic
                | • A customer wrote on my ticket: private
                | • SLA warning or breach on my ticket: in the topic
                | • An escalation to me: in the topic
                | • Someone mentioned me in a topic: in the topic
                | Private messages outside your working hours wait and come as one digest when your shift starts.
                buttons: ✓ Assigned: in the topic (notify:assigned:mention), Assigned: private (notify:assigned:private), Assigned: off (notify:assigned:off), Customer wrote: in the topic (notify:customer_wrote:mention), ✓ Customer wrote: private (notify:customer_wrote:private), Customer wrote: off (notify:customer_wrote:off), ✓ SLA: in the topic (notify:sla:mention), SLA: private (notify:sla:private), SLA: off (notify:sla:off), ✓ Escalation: in the topic (notify:escalation:mention), Escalation: private (notify:escalation:private), Escalation: off (notify:escalation:off), ✓ Mention: in the topic (notify:mention:mention), Mention: private (notify:mention:private), Mention: off (notify:mention:off)
            AnswerButton { callback_id: "cb1", text: Some("A customer wrote on my ticket: private") }
            edit 1/1002: How you are told of things (tap to change):
                | • A ticket assigned to me: off
                | • A customer wrote on my ticket: private
                | • SLA warning or breach on my ticket: in the topic
                | • An escalation to me: in the topic
                | • Someone mentioned me in a topic: in the topic
                | Private messages outside your working hours wait and come as one digest when your shift starts.
                buttons: Assigned: in the topic (notify:assigned:mention), Assigned: private (notify:assigned:private), ✓ Assigned: off (notify:assigned:off), Customer wrote: in the topic (notify:customer_wrote:mention), ✓ Customer wrote: private (notify:customer_wrote:private), Customer wrote: off (notify:customer_wrote:off), ✓ SLA: in the topic (notify:sla:mention), SLA: private (notify:sla:private), SLA: off (notify:sla:off), ✓ Escalation: in the topic (notify:escalation:mention), Escalation: private (notify:escalation:private), Escalation: off (notify:escalation:off), ✓ Mention: in the topic (notify:mention:mention), Mention: private (notify:mention:private), Mention: off (notify:mention:off)
            AnswerButton { callback_id: "cb1", text: Some("A ticket assigned to me: off") }
        "#]],
    );
    // A stranger's press, or one from another chat, changes nothing.
    world.event(&private_press(STRANGER, 1002, "notify:sla:off"));
    world.event(&press(BEN, 11, "notify:sla:off"));
    let refused = world.send_all();
    assert_eq!(
        refused.matches("Only members of the support team choose notifications.").count(),
        2,
        "{refused}"
    );
    // The choices hold: a ticket assigned to Ann names her without a mention, and her
    // customer writing reaches her in private.
    let id = world.open(CUSTOMER, &[("category", "technical")]);
    world.send_all();
    world.event(&customer_says(CUSTOMER, 5, "hello?"));
    let transcript = world.send_all();
    assert!(!transcript.contains("@ann"), "{transcript}");
    assert!(transcript.contains("chat 1 #1"), "{transcript}");
    assert!(transcript.contains(&notice_line(NotifyKind::CustomerWrote, &id.to_string())), "{transcript}");
}

#[test]
fn notify_choices_are_kept_in_the_store() {
    let team = "agents:\n  - { id: 1, name: Ann, username: ann, role: supervisor }\n";
    let (mut world, _rules) = World::with_changed_rules_on_store(&[
        ("team.yaml", team),
        ("routing.rhai", "fn route(ticket, team) { 1 }\n"),
    ]);
    world.event(&private_press(ANN, 1002, "notify:assigned:private"));
    world.send_all();
    // Each event is a new desk over the store's transaction: the choice is read back.
    world.open(CUSTOMER, &[("category", "technical")]);
    let transcript = world.send_all();
    assert!(transcript.contains("chat 1 #"), "{transcript}");
    assert!(transcript.contains("Assigned to Ann by the routing rules."), "{transcript}");
}

fn notices_due(world: &World) -> Option<String> {
    let due = world.deadlines();
    let at = due.iter().find(|d| d.timer == Timer::Desk(DeskTimer::Notices))?;
    let zone = jiff::tz::TimeZone::get("Europe/Berlin").expect("zone");
    Some(at.due.to_zoned_datetime(zone).strftime("%a %H:%M").to_string())
}

#[test]
fn outside_working_hours_private_notices_wait_for_one_digest_at_the_shift_start() {
    // The test clock reads Monday 16:14 in Berlin; Ann works until 16:30, from 08:00.
    let (mut world, _rules) =
        world(&format!("{}, working_hours: {{ mon-fri: \"08:00-16:30\" }}", all("private")));
    let id = world.open(CUSTOMER, &[("category", "technical")]);
    let on_shift = world.send_all();
    assert!(on_shift.contains("chat 1 #"), "on shift, at once:\n{on_shift}");
    assert_eq!(notices_due(&world), None);
    // 16:39: off shift. Two messages of the customer and a mention wait.
    world.minute = 25;
    world.event(&customer_says(CUSTOMER, 5, "anyone?"));
    world.event(&customer_says(CUSTOMER, 6, "hello?"));
    world.event(&staff_says(BEN, 11, 90, "@ann tomorrow please"));
    let off_shift = world.send_all();
    assert!(!off_shift.contains("chat 1 #"), "nothing goes off shift:\n{off_shift}");
    assert_eq!(notices_due(&world).as_deref(), Some("Tue 08:00"));
    // A tick before the shift starts sends nothing.
    world.minute = 12 * 60;
    world.event(&Event::Tick);
    assert!(!world.send_all().contains("chat 1 #"));
    // Tuesday 08:00: one digest.
    world.minute = 16 * 60;
    world.event(&Event::Tick);
    check(
        &about_ann(&world.send_all()),
        &expect![[r#"
            chat 1 #1014: While you were off shift (3 notices):
                | • The customer wrote on T-000001. (×2)
                | • You were mentioned in T-000001.
                | T-000001: https://t.me/c/777/11"#]],
    );
    assert_eq!(notices_due(&world), None, "nothing waits any more");
    world.event(&Event::Tick);
    assert!(!world.send_all().contains("chat 1 #"), "the digest goes once");
    let _ = id;
}

/// Sends everything queued, Telegram refusing every private message to Ann with a 403 as
/// for someone who never started the bot.
fn send_all_refusing_ann(world: &mut World) -> String {
    let mut transcript = String::new();
    while let Some(outgoing) = world.take_outgoing() {
        if let Call::SendText { to: Target::Chat { chat_id }, text, .. } = &outgoing.call
            && *chat_id == ANN as i64
        {
            let _ = writeln!(transcript, "refused chat 1: {}", text.replace('\n', " | "));
            let sent_at = world.desk().now;
            world.event(&Event::Delivered(Delivery::Unreachable { customer: ANN, sent_at }));
            continue;
        }
        if let Some(delivery) = world.pretend_telegram(&outgoing.call, outgoing.chat_id, &mut transcript) {
            world.event(&Event::Delivered(delivery));
        }
    }
    transcript
}

#[test]
fn an_agent_who_never_started_the_bot_gets_mentions_and_general_hears_once() {
    let (mut world, _rules) = world(&all("private"));
    world.open(CUSTOMER, &[("category", "technical")]);
    let first = send_all_refusing_ann(&mut world);
    world.event(&customer_says(CUSTOMER, 5, "anyone?"));
    let second = send_all_refusing_ann(&mut world);
    let transcript = without_card_edits(&format!("{first}{second}"));
    let lines: Vec<&str> = transcript
        .lines()
        .filter(|l| l.contains("Ann") || l.contains("@ann") || l.starts_with("refused"))
        .collect();
    check(
        &lines.join("\n"),
        &expect![[r#"
            topic T-000001 #1004: Assigned to Ann by the routing rules.
            refused chat 1: 🔔 T-000001 was assigned to you. | https://t.me/c/777/11
            topic T-000001 #1006: 🔔 @ann T-000001 was assigned to you.
            chat -100777 #1007: ⚠ Telegram refuses the bot's private messages to Ann (never started, or blocked): the weekly digest and other private notices cannot reach them until they open the bot and press Start. Meanwhile the notifications they chose to get in private come as mentions in the topics.
            topic T-000001 #1009: 🔔 @ann The customer wrote on T-000001."#]],
    );
    // Ann opens the bot: private messages go again.
    world.event(&customer_says(ANN, 3, "/notify"));
    world.send_all();
    world.event(&customer_says(CUSTOMER, 6, "still there?"));
    let after = world.send_all();
    assert!(after.contains("chat 1 #"), "{after}");
    assert!(!after.contains("@ann"), "{after}");
}
