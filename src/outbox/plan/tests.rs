//! Data tests for the outbound planner: outbox entries and what the store knows in, the
//! exact calls planned (and what is settled, what waits) out. No store, no clock, no
//! Telegram.

use super::queues::CREATION_QUEUE;
use super::*;
use crate::outbox::{Button, Content, FileKind, Limits, Media, Outcome, TEXT_LIMIT, Target};

const STAFF: i64 = -100;
const CUSTOMER: i64 = 42;
/// Ticket 1's topic.
const THREAD: i32 = 9;

/// What the store knows for a round, and the queues in flight.
struct World {
    topics: HashMap<TicketId, Place>,
    copies: HashMap<(i64, i32), CopyOf>,
    busy: HashSet<u64>,
}

/// Thread `thread` of the staff group STAFF.
fn in_staff(thread: i32) -> Place {
    Place { chat_id: STAFF, thread: Some(thread) }
}

impl World {
    fn new() -> World {
        World {
            topics: HashMap::from([(TicketId(1), in_staff(THREAD))]),
            copies: HashMap::new(),
            busy: HashSet::new(),
        }
    }
}

/// A planner and a budget, planning round after round as the dispatcher does.
struct Rounds {
    planner: Planner,
    budget: Budget,
}

impl Rounds {
    fn new(limits: Limits) -> Rounds {
        Rounds { planner: Planner::default(), budget: Budget::new(limits) }
    }

    /// One round; every call planned is answered as accepted at once, as far as the budget
    /// cares, so the next round starts from a budget without sends in flight.
    fn plan(&mut self, world: &World, entries: &[(u64, Outgoing)], now: u64) -> Outbound {
        let known =
            Known { current: &|chat| chat, topics: &world.topics, copies: &world.copies, busy: &world.busy };
        let outbound = self.planner.plan(entries, &known, &mut self.budget, now);
        for planned in &outbound.send {
            self.budget.record(&planned.pending, Outcome::Sent, now, now, 0.0);
        }
        outbound
    }
}

fn unlimited() -> Limits {
    Limits { unlimited: true, ..Limits::TELEGRAM }
}

/// A staff group that admits two messages a minute: three waiting make the budget short.
fn short() -> Limits {
    Limits { group_per_minute: 2, ..Limits::TELEGRAM }
}

fn entry(seq: u64, lane: Lane, call: Call) -> (u64, Outgoing) {
    let chat_id = call.chat(STAFF);
    (seq, Outgoing { chat_id, lane, ticket: Some(TicketId(1)), call })
}

fn message(seq: u64, call: Call) -> (u64, Outgoing) {
    entry(seq, Lane::Message, call)
}

fn cosmetic(seq: u64, call: Call) -> (u64, Outgoing) {
    entry(seq, Lane::Cosmetic, call)
}

fn topic() -> Target {
    Target::Topic { ticket: TicketId(1) }
}

fn in_topic() -> Place {
    Place { chat_id: STAFF, thread: Some(THREAD) }
}

/// A customer's message copied into ticket 1's topic.
fn copy(message_id: i32) -> Call {
    Call::Copy {
        from_chat: CUSTOMER,
        message_ids: vec![message_id],
        to: topic(),
        reply_to: None,
        album: None,
        report: Some(Report::Relay { chat_id: CUSTOMER, message_id }),
        text: None,
        media: Vec::new(),
        caption: None,
    }
}

/// Part `message_id` of the customer's album `album`, with its file.
fn part(message_id: i32, album: Option<&str>) -> Call {
    let Call::Copy { from_chat, message_ids, to, reply_to, report, text, caption, .. } = copy(message_id)
    else {
        unreachable!()
    };
    let media = vec![Media { kind: FileKind::Photo, file_id: format!("file{message_id}"), caption: None }];
    Call::Copy {
        from_chat,
        message_ids,
        to,
        reply_to,
        album: album.map(str::to_owned),
        report,
        text,
        media,
        caption,
    }
}

/// A customer's plain text message copied into ticket 1's topic.
fn text(message_id: i32, said: &str, reply_to: Option<i32>) -> Call {
    let Call::Copy { from_chat, message_ids, to, album, report, media, caption, .. } = copy(message_id)
    else {
        unreachable!()
    };
    Call::Copy {
        from_chat,
        message_ids,
        to,
        reply_to,
        album,
        report,
        text: Some(said.to_owned()),
        media,
        caption,
    }
}

fn say(to: Target, said: &str) -> Call {
    Call::SendText { to, text: said.to_owned(), reply_to: None, buttons: Vec::new(), report: None }
}

fn with_reply(call: Call, reply: i32) -> Call {
    match call {
        Call::Copy { from_chat, message_ids, to, album, report, text, media, caption, .. } => Call::Copy {
            from_chat,
            message_ids,
            to,
            reply_to: Some(reply),
            album,
            report,
            text,
            media,
            caption,
        },
        other => other,
    }
}

fn queue(call: &Call) -> u64 {
    queue_of(queue_key(0, call))
}

/// The planned calls, as (first entry, joined entries, place, call).
#[track_caller]
fn sent(outbound: &Outbound) -> Vec<(u64, Vec<u64>, Place, Call)> {
    outbound
        .send
        .iter()
        .map(|p| (p.pending.seq, p.joined.iter().map(|(seq, _)| *seq).collect(), p.place, p.call.clone()))
        .collect()
}

/// The first entries of the planned calls.
fn seqs(outbound: &Outbound) -> Vec<u64> {
    outbound.send.iter().map(|p| p.pending.seq).collect()
}

// As calls are queued.

#[test]
fn a_text_over_4096_characters_is_queued_as_several_the_reply_first_the_buttons_last() {
    let long = format!("{}\n{}", "a".repeat(4000), "b".repeat(300));
    let buttons = vec![vec![Button::new("Close", "close:1")]];
    let report = Some(Report::Summary);
    let call =
        Call::SendText { to: topic(), text: long, reply_to: Some(5), buttons: buttons.clone(), report };
    assert_eq!(
        queued(call),
        [
            Call::SendText {
                to: topic(),
                text: "a".repeat(4000),
                reply_to: Some(5),
                buttons: Vec::new(),
                report: None
            },
            Call::SendText { to: topic(), text: "b".repeat(300), reply_to: None, buttons, report },
        ]
    );
    let exactly = say(topic(), &"c".repeat(TEXT_LIMIT));
    assert_eq!(queued(exactly.clone()), [exactly], "4096 characters go as one");
    assert_eq!(queued(copy(5)), [copy(5)], "only texts split");
}

/// A caption longer than a bot may send (a Premium customer's) cannot go with a copy that
/// replies: the copy goes without it, and the caption follows as a text, in that order.
#[test]
fn a_caption_over_1024_is_removed_from_the_copy_and_follows_it_as_a_text() {
    let long = "x".repeat(1_025);
    let photo = with_reply(copy(5), 88);
    let planned = relayed(photo.clone(), Some(&long));
    let Call::Copy { from_chat, message_ids, to, reply_to, album, report, text, media, .. } = photo.clone()
    else {
        unreachable!()
    };
    let without_caption = Call::Copy {
        from_chat,
        message_ids,
        to,
        reply_to,
        album,
        report,
        text,
        media,
        caption: Some(String::new()),
    };
    assert_eq!(planned, [without_caption.clone(), say(topic(), &long)]);
    // Counted as Telegram counts: UTF-16 code units.
    let fits = relayed(photo.clone(), Some(&"😀".repeat(512)));
    assert_eq!(fits, std::slice::from_ref(&photo), "1024 units fit");
    assert_eq!(relayed(photo.clone(), Some(&"😀".repeat(513))).len(), 2);
    assert_eq!(relayed(photo.clone(), None), [photo], "a text message has no caption");
    let album_part = with_reply(part(5, Some("a")), 88);
    assert_eq!(relayed(album_part.clone(), Some(&long)), [album_part], "an album keeps it (copyMessages)");

    // Queued as two entries of the topic's queue, they go one after the other.
    let entries = [message(1, without_caption.clone()), message(2, say(topic(), &long))];
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let mut world = World::new();
    let first = rounds.plan(&world, &entries, 0);
    assert_eq!(sent(&first), [(1, vec![], in_topic(), without_caption)]);
    world.busy.insert(queue(&entries[0].1.call));
    assert_eq!(seqs(&rounds.plan(&world, &entries, 1)), [0_u64; 0], "the text waits for the copy");
    world.busy.clear();
    let second = rounds.plan(&world, &entries[1..], 2);
    assert_eq!(sent(&second), [(2, vec![], in_topic(), say(topic(), &long))]);
}

// As entries are sent: albums.

#[test]
fn album_parts_join_only_their_own_album_in_order() {
    assert_eq!(album_part(&part(5, Some("a")), &part(6, Some("a"))), Some(6));
    assert_eq!(album_part(&part(5, Some("a")), &part(6, Some("b"))), None, "another album");
    assert_eq!(album_part(&part(5, None), &part(6, None)), None, "single messages");
    assert_eq!(album_part(&part(6, Some("a")), &part(5, Some("a"))), None, "out of order");
    let Call::Copy { from_chat, to, album, report, reply_to, .. } = part(1, Some("a")) else {
        unreachable!()
    };
    let full = Call::Copy {
        from_chat,
        message_ids: (1..=10).collect(),
        to,
        album,
        report,
        reply_to,
        text: None,
        media: Vec::new(),
        caption: None,
    };
    assert_eq!(album_part(&full, &part(11, Some("a"))), None, "an album holds at most ten");
}

#[test]
fn an_album_goes_once_no_part_joined_it_for_a_quiet_while_or_it_is_full() {
    let mut albums = Albums::default();
    let key = (42, "a".to_owned());
    assert_eq!(albums.hold(&key, 2, 0), Some(ALBUM_QUIET_MS), "first seen: wait");
    assert_eq!(albums.hold(&key, 2, 600), Some(ALBUM_QUIET_MS));
    assert_eq!(albums.hold(&key, 4, 700), Some(700 + ALBUM_QUIET_MS), "parts of a next page restart it");
    assert_eq!(albums.hold(&key, 4, 700 + ALBUM_QUIET_MS), None);
    assert_eq!(albums.hold(&(42, "b".to_owned()), ALBUM_MAX, 0), None, "a full album goes at once");
}

/// The parts of one album arrive in two pages of updates, so in two reads of the outbox:
/// the album waits for its rest until no part joined it for a quiet while, then goes as
/// one call carrying every part.
#[test]
fn an_album_across_two_outbox_reads_waits_for_its_rest_and_goes_as_one() {
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let world = World::new();
    let first_page = vec![message(1, part(5, Some("a"))), message(2, part(6, Some("a")))];
    let held = rounds.plan(&world, &first_page, 0);
    assert_eq!((seqs(&held), held.wake_at, held.waiting), (vec![], Some(ALBUM_QUIET_MS), false));
    let mut both_pages = first_page.clone();
    both_pages.push(message(3, part(7, Some("a"))));
    let restarted = rounds.plan(&world, &both_pages, 600);
    assert_eq!((seqs(&restarted), restarted.wake_at), (vec![], Some(600 + ALBUM_QUIET_MS)));
    assert_eq!(seqs(&rounds.plan(&world, &both_pages, 1_599)), [0_u64; 0], "still quiet");
    let album = Call::Copy {
        from_chat: CUSTOMER,
        message_ids: vec![5, 6, 7],
        to: topic(),
        reply_to: None,
        album: Some("a".to_owned()),
        report: Some(Report::Relay { chat_id: CUSTOMER, message_id: 5 }),
        text: None,
        // Copied (copyMessages keeps the captions): no files travel.
        media: Vec::new(),
        caption: None,
    };
    let gone = rounds.plan(&world, &both_pages, 1_600);
    assert_eq!(sent(&gone), [(1, vec![2, 3], in_topic(), album)]);
    assert_eq!(gone.send[0].joined, [(2, 6), (3, 7)]);
}

#[test]
fn a_full_album_goes_at_once() {
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let world = World::new();
    let entries: Vec<_> = (1..=10).map(|n| message(n, part(n as i32, Some("a")))).collect();
    let outbound = rounds.plan(&world, &entries, 0);
    let [planned] = outbound.send.as_slice() else { panic!("one call: {outbound:?}") };
    assert_eq!(planned.pending.seq, 1);
    assert_eq!(planned.joined, (2..=10).map(|n| (n, n as i32)).collect::<Vec<_>>());
    let Call::Copy { message_ids, .. } = &planned.call else { panic!("a copy") };
    assert_eq!(message_ids, &(1..=10).collect::<Vec<i32>>());
}

/// `copyMessages` cannot reply: an album that replies goes from its files
/// (`sendMediaGroup`) when every part's file is known, and is copied otherwise.
#[test]
fn an_album_that_replies_goes_from_its_files_when_all_are_known() {
    let world = World::new();
    let replying = |n: u64| message(n, with_reply(part(n as i32, Some("a")), 3));
    // Each album waits its quiet while first.
    let quiet = |entries: &[(u64, Outgoing)]| {
        let mut rounds = Rounds::new(Limits::TELEGRAM);
        assert_eq!(seqs(&rounds.plan(&World::new(), entries, 0)), [0_u64; 0]);
        rounds.plan(&World::new(), entries, ALBUM_QUIET_MS)
    };
    let outbound = quiet(&[replying(1), replying(2)]);
    let files: Vec<String> = match &outbound.send[0].call {
        Call::Copy { media, reply_to: Some(3), .. } => media.iter().map(|m| m.file_id.clone()).collect(),
        other => panic!("a copy replying: {other:?}"),
    };
    assert_eq!(files, ["file1", "file2"]);
    let mut unknown = replying(2);
    if let Call::Copy { media, .. } = &mut unknown.1.call {
        media.clear();
    }
    let outbound = quiet(&[replying(1), unknown]);
    assert!(
        matches!(&outbound.send[0].call, Call::Copy { media, message_ids, .. } if media.is_empty() && message_ids.len() == 2)
    );
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let single = rounds.plan(&world, &[message(1, with_reply(part(1, None), 3))], 0);
    assert!(
        matches!(&single.send[0].call, Call::Copy { media, .. } if media.is_empty()),
        "a single message is copied (copyMessage replies)"
    );
}

#[test]
fn an_album_sent_as_one_call_links_each_part_to_its_copy() {
    let copies = vec![(STAFF, 70), (STAFF, 71), (STAFF, 72)];
    let verdict = Verdict::Done { delivery: Some(Delivery::Relayed { source: (CUSTOMER, 5), copies }) };
    let linked: Vec<(u64, Option<Delivery>)> = per_entry(1, verdict, &[(2, 6), (3, 7)])
        .into_iter()
        .map(|(seq, verdict)| match verdict {
            Verdict::Done { delivery } => (seq, delivery),
            Verdict::Retry { .. } => panic!("done"),
        })
        .collect();
    let relayed =
        |source, copy| Some(Delivery::Relayed { source: (CUSTOMER, source), copies: vec![(STAFF, copy)] });
    assert_eq!(linked, [(1, relayed(5, 70)), (2, relayed(6, 71)), (3, relayed(7, 72))]);
    let retry = Verdict::Retry { outcome: Outcome::Transient, delivery: None };
    let kept: Vec<u64> = per_entry(1, retry, &[(2, 6)]).into_iter().map(|(seq, _)| seq).collect();
    assert_eq!(kept, [1, 2], "a failed album stays queued whole");
}

// Coalescing customer texts while the budget is short.

#[test]
fn customer_texts_coalesce_into_one_message_with_the_first_ones_reply() {
    let ready = |call: Call| {
        let texts = match &call {
            Call::Copy { text: Some(text), .. } => vec![text.clone()],
            _ => Vec::new(),
        };
        let pending = Pending { seq: 1, chat_id: STAFF, queue: 1, lane: Lane::Message };
        Ready {
            planned: Planned {
                pending,
                call,
                place: in_topic(),
                ticket: Some(TicketId(1)),
                joined: Vec::new(),
            },
            texts,
        }
    };
    let mut head = ready(text(5, "first", Some(3)));
    for (id, said) in [(6, "second"), (7, "third")] {
        let (message_id, said) = text_part(&head, &text(id, said, None)).expect("joins");
        head.planned.joined.push((u64::from(message_id.unsigned_abs()), message_id));
        head.texts.push(said);
    }
    assert_eq!(text_part(&head, &text(8, "a reply", Some(2))), None, "a reply keeps its own message");
    assert_eq!(text_part(&head, &part(8, None)), None, "media is copied");
    assert_eq!(text_part(&ready(part(5, None)), &text(6, "x", None)), None, "only behind a text");
    let long = "x".repeat(TEXT_LIMIT);
    assert_eq!(text_part(&head, &text(8, &long, None)), None, "never over 4096 characters");
    let Call::SendText { text, reply_to, report, to, .. } = coalesced(&head.planned.call, &head.texts) else {
        panic!("one text message")
    };
    assert_eq!(
        (to, reply_to, report),
        (topic(), Some(3), Some(Report::Relay { chat_id: CUSTOMER, message_id: 5 }))
    );
    assert!(text.contains("first\n── 2/3 ──\nsecond\n── 3/3 ──\nthird"), "{text}");
}

/// While more messages wait for the staff group than its budget admits, a burst of
/// customer texts goes as one message; with room to spare each goes as its own copy.
#[test]
fn a_burst_of_customer_texts_goes_as_one_message_only_while_the_budget_is_short() {
    let burst = [
        message(1, text(5, "first", Some(3))),
        message(2, text(6, "second", None)),
        message(3, text(7, "third", None)),
        message(4, text(8, "a reply", Some(6))),
    ];
    let world = World::new();
    let mut rounds = Rounds::new(short());
    let combined = Call::SendText {
        to: topic(),
        text: coalesce::combine(&["first", "second", "third"]),
        reply_to: Some(3),
        buttons: Vec::new(),
        report: Some(Report::Relay { chat_id: CUSTOMER, message_id: 5 }),
    };
    let outbound = rounds.plan(&world, &burst, 0);
    assert_eq!(sent(&outbound), [(1, vec![2, 3], in_topic(), combined)]);
    assert_eq!(outbound.send[0].joined, [(2, 6), (3, 7)]);
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let roomy = rounds.plan(&world, &burst, 0);
    assert_eq!(sent(&roomy), [(1, vec![], in_topic(), text(5, "first", Some(3)))]);
}

#[test]
fn every_coalesced_message_links_to_the_one_copy() {
    let verdict = Verdict::Done {
        delivery: Some(Delivery::Relayed { source: (CUSTOMER, 5), copies: vec![(STAFF, 70)] }),
    };
    let linked: Vec<(u64, Option<Delivery>)> = per_entry(1, verdict, &[(2, 6), (3, 7)])
        .into_iter()
        .map(|(seq, verdict)| match verdict {
            Verdict::Done { delivery } => (seq, delivery),
            Verdict::Retry { .. } => panic!("done"),
        })
        .collect();
    let relayed = |source| Some(Delivery::Relayed { source: (CUSTOMER, source), copies: vec![(STAFF, 70)] });
    assert_eq!(linked, [(1, relayed(5)), (2, relayed(6)), (3, relayed(7))]);
}

/// A customer's edit of a message that went out coalesced becomes a note replying to the
/// combined copy; of a message copied alone, an edit of that copy; of a message never
/// relayed, nothing (it is settled). An edit waits behind what its queue holds before it.
#[test]
fn an_edit_becomes_what_it_does_to_its_copy_once_everything_before_it_went() {
    let edit = |seq, message_id, text_message| {
        message(
            seq,
            Call::EditRelayed {
                source: (CUSTOMER, message_id),
                ticket: TicketId(1),
                text: "new words".to_owned(),
                text_message,
            },
        )
    };
    let mut world = World::new();
    world.copies.insert((CUSTOMER, 6), CopyOf { copy: 70, sources: vec![5, 6, 7] });
    world.copies.insert((CUSTOMER, 9), CopyOf { copy: 74, sources: vec![9] });
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let note = Call::SendText {
        to: topic(),
        text: "✎ The customer edited message 2 of 3 here: new words".to_owned(),
        reply_to: Some(70),
        buttons: Vec::new(),
        report: None,
    };
    assert_eq!(sent(&rounds.plan(&world, &[edit(1, 6, true)], 0)), [(1, vec![], in_topic(), note)]);
    let replaced = Call::EditText {
        chat_id: STAFF,
        message_id: 74,
        text: "new words\n✎ edited".to_owned(),
        buttons: Vec::new(),
    };
    let general = Place { chat_id: STAFF, thread: None };
    assert_eq!(sent(&rounds.plan(&world, &[edit(2, 9, true)], 0)), [(2, vec![], general, replaced)]);
    let never = rounds.plan(&world, &[edit(3, 12, true), message(4, copy(13))], 0);
    assert_eq!((never.settled.as_slice(), seqs(&never)), (&[3_u64][..], vec![]), "settled first, alone");
    let behind = rounds.plan(&world, &[message(5, copy(12)), edit(6, 12, true)], 0);
    assert_eq!(seqs(&behind), [5], "the edit waits for the copy it edits");
    assert!(behind.settled.is_empty());
}

/// An agent's edit of a reply waits behind the reply in the customer's chat, however soon
/// after it the agent edited (the copy's id comes back only with Telegram's answer), then
/// edits the copy's text, or (a caption) replies to it with a note; an edit of a reply that
/// never reached the customer is settled.
#[test]
fn an_agents_edit_waits_behind_its_reply_then_edits_the_copy_in_the_customers_chat() {
    let edit = |seq, message_id, text_message| {
        message(
            seq,
            Call::EditReply {
                source: (STAFF, message_id),
                chat_id: CUSTOMER,
                text: "new words".to_owned(),
                text_message,
            },
        )
    };
    let reply = |message_id| Call::Copy {
        from_chat: STAFF,
        message_ids: vec![message_id],
        to: Target::Chat { chat_id: CUSTOMER },
        reply_to: None,
        album: None,
        report: Some(Report::Relay { chat_id: STAFF, message_id }),
        text: Some("On it".to_owned()),
        media: Vec::new(),
        caption: None,
    };
    let chat = Place { chat_id: CUSTOMER, thread: None };
    let mut world = World::new();
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let behind = rounds.plan(&world, &[message(1, reply(60)), edit(2, 60, true)], 0);
    assert_eq!(seqs(&behind), [1], "the edit waits for the reply it edits");
    assert!(behind.settled.is_empty());
    world.copies.insert((STAFF, 60), CopyOf { copy: 900, sources: vec![60] });
    world.copies.insert((STAFF, 61), CopyOf { copy: 901, sources: vec![61] });
    // Later rounds, each with the chat's budget whole again.
    let rounds = || Rounds::new(Limits::TELEGRAM);
    let replaced = Call::EditText {
        chat_id: CUSTOMER,
        message_id: 900,
        text: "new words".to_owned(),
        buttons: Vec::new(),
    };
    assert_eq!(sent(&rounds().plan(&world, &[edit(2, 60, true)], 0)), [(2, vec![], chat, replaced)]);
    let note = Call::SendText {
        to: Target::Chat { chat_id: CUSTOMER },
        text: "✎ Edited: new words".to_owned(),
        reply_to: Some(901),
        buttons: Vec::new(),
        report: None,
    };
    assert_eq!(sent(&rounds().plan(&world, &[edit(3, 61, false)], 0)), [(3, vec![], chat, note)]);
    let never = rounds().plan(&world, &[edit(4, 62, true)], 0);
    assert_eq!((never.settled.as_slice(), seqs(&never)), (&[4_u64][..], vec![]));
}

// Topics.

/// Regression: a recreated topic got the messages queued for the old one before its
/// card, because the card waited in the topic's queue behind them.
#[test]
fn the_card_travels_with_the_topic_creation_not_behind_the_topic_messages() {
    let ticket = TicketId(7);
    let card = Call::SendText {
        to: Target::Topic { ticket },
        text: "T-000007 · new".to_owned(),
        reply_to: None,
        buttons: Vec::new(),
        report: Some(Report::Card { ticket, version: 1 }),
    };
    let create = Call::CreateTopic { chat_id: STAFF, ticket, name: "T-000007".to_owned(), icon_color: 0 };
    assert_eq!(queue_key(1, &card), (CREATION_QUEUE, 7));
    assert_eq!(queue_key(2, &create), (CREATION_QUEUE, 7));
    assert_eq!(queue_key(3, &part(5, None)), (TOPIC_QUEUE, 1));
    assert_eq!((creation_of(&card), creation_of(&part(5, None))), (Some(ticket), None));
}

/// What goes into a topic waits while the topic is being created (or created again after
/// it was deleted, when the store still knows the old thread); then it goes to the new one.
#[test]
fn a_topic_call_waits_while_its_topic_is_being_created() {
    let create =
        Call::CreateTopic { chat_id: STAFF, ticket: TicketId(1), name: "T-000001".to_owned(), icon_color: 0 };
    let card = Call::SendText {
        to: topic(),
        text: "T-000001 · new".to_owned(),
        reply_to: None,
        buttons: Vec::new(),
        report: Some(Report::Card { ticket: TicketId(1), version: 1 }),
    };
    let entries = [message(1, create.clone()), message(2, card.clone()), message(3, copy(5))];
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let mut world = World::new();
    world.topics.clear();
    let creating = rounds.plan(&world, &entries, 0);
    assert_eq!(sent(&creating), [(1, vec![], Place { chat_id: STAFF, thread: None }, create)]);
    world.topics.insert(TicketId(1), in_staff(3));
    assert_eq!(seqs(&rounds.plan(&world, &entries, 1)), [1], "the old topic's thread is not used");
    world.topics.insert(TicketId(1), in_staff(12));
    let card_next = rounds.plan(&world, &entries[1..], 2);
    assert_eq!(sent(&card_next), [(2, vec![], Place { chat_id: STAFF, thread: Some(12) }, card)]);
    let then = rounds.plan(&world, &entries[2..], 3);
    assert_eq!(sent(&then), [(3, vec![], Place { chat_id: STAFF, thread: Some(12) }, copy(5))]);
    world.topics.clear();
    let without = rounds.plan(&world, &entries[2..], 4);
    assert_eq!(
        (seqs(&without), without.waiting, without.settled.len()),
        (vec![], false, 0),
        "no topic: it waits"
    );
}

// Order.

/// Within a queue a cosmetic call (a topic rename) never goes before a message still
/// queued, earlier or later; nor while the queue has a call in flight.
#[test]
fn cosmetic_calls_never_overtake_a_message_of_their_queue() {
    let rename = Call::EditTopic { ticket: TicketId(1), name: "T-000001 · renamed".to_owned() };
    let world = World::new();
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let entries = [cosmetic(1, rename.clone()), message(2, copy(5)), message(3, say(topic(), "hello"))];
    assert_eq!(sent(&rounds.plan(&world, &entries, 0)), [(2, vec![], in_topic(), copy(5))]);
    let mut busy = World::new();
    busy.busy.insert(queue(&copy(5)));
    assert_eq!(seqs(&rounds.plan(&busy, &[entries[0].clone(), entries[2].clone()], 1)), [0_u64; 0]);
    assert_eq!(seqs(&rounds.plan(&world, &[entries[0].clone(), entries[2].clone()], 2)), [3]);
    assert_eq!(sent(&rounds.plan(&world, &entries[..1], 3)), [(1, vec![], in_topic(), rename)]);
    // Other queues go side by side.
    let private = Call::SendText {
        to: Target::Chat { chat_id: CUSTOMER },
        text: "hi".to_owned(),
        reply_to: None,
        buttons: Vec::new(),
        report: None,
    };
    let mixed =
        [cosmetic(1, Call::EditTopic { ticket: TicketId(1), name: "x".to_owned() }), message(2, private)];
    assert_eq!(seqs(&rounds.plan(&world, &mixed, 5_000)), [2, 1], "messages first, then cosmetics");
}

#[test]
fn calls_for_a_staff_chat_telegram_moved_go_to_its_new_id() {
    let world = World::new();
    let mut rounds = Rounds::new(unlimited());
    let known = Known {
        current: &|chat| if chat == STAFF { -200 } else { chat },
        topics: &world.topics,
        copies: &world.copies,
        busy: &world.busy,
    };
    let entries = vec![message(1, say(Target::Chat { chat_id: STAFF }, "in General"))];
    let outbound = rounds.planner.plan(&entries, &known, &mut rounds.budget, 0);
    assert_eq!(outbound.send[0].place, Place { chat_id: -200, thread: None });
    assert_eq!(outbound.send[0].pending.chat_id, -200);
}

/// Part `message_id` of an album sent again (a business message into the topic).
fn resent(message_id: i32, album: Option<&str>) -> Call {
    Call::Resend {
        to: topic(),
        parts: vec![Content {
            text: None,
            entities: Vec::new(),
            file: Some((FileKind::Photo, format!("file{message_id}"))),
            single: None,
        }],
        reply_to: None,
        album: album.map(str::to_owned),
        report: Some(Report::Relay { chat_id: CUSTOMER, message_id }),
    }
}

/// An album that cannot be copied is sent again as one album: its parts wait for the quiet
/// while like a copied album's, then go as one call carrying every part's file; a part of
/// another album, and a message of no album, go on their own.
#[test]
fn an_album_sent_again_waits_for_its_rest_and_goes_as_one() {
    assert_eq!(album_part(&resent(5, Some("a")), &resent(6, Some("a"))), Some(6));
    assert_eq!(album_part(&resent(5, Some("a")), &resent(6, Some("b"))), None, "another album");
    assert_eq!(album_part(&resent(5, None), &resent(6, None)), None, "single messages");
    assert_eq!(album_part(&resent(5, Some("a")), &part(6, Some("a"))), None, "a copy is not a resend");
    let mut rounds = Rounds::new(Limits::TELEGRAM);
    let world = World::new();
    let entries = vec![message(1, resent(5, Some("a"))), message(2, resent(6, Some("a")))];
    let held = rounds.plan(&world, &entries, 0);
    assert_eq!((seqs(&held), held.wake_at), (vec![], Some(ALBUM_QUIET_MS)));
    let gone = rounds.plan(&world, &entries, ALBUM_QUIET_MS);
    let [planned] = gone.send.as_slice() else { panic!("one call: {gone:?}") };
    assert_eq!(planned.joined, [(2, 6)]);
    let Call::Resend { parts, .. } = &planned.call else { panic!("a resend") };
    let files: Vec<_> = parts.iter().map(|part| part.file.clone().map(|(_, id)| id)).collect();
    assert_eq!(files, [Some("file5".to_owned()), Some("file6".to_owned())]);
}

/// Ticket 2's copy of `call` (a customer's message copied into ticket 1's topic).
fn for_ticket_2(call: Call) -> Call {
    let Call::Copy { from_chat, message_ids, reply_to, album, report, text, media, caption, .. } = call
    else {
        unreachable!()
    };
    let to = Target::Topic { ticket: TicketId(2) };
    Call::Copy { from_chat, message_ids, to, reply_to, album, report, text, media, caption }
}

#[test]
fn each_staff_group_keeps_its_own_budget() {
    const OTHER: i64 = -500;
    let mut world = World::new();
    world.topics.insert(TicketId(2), Place { chat_id: OTHER, thread: Some(20) });
    let in_other = |seq: u64, call: Call| {
        (
            seq,
            Outgoing {
                chat_id: OTHER,
                lane: Lane::Message,
                ticket: Some(TicketId(2)),
                call: for_ticket_2(call),
            },
        )
    };
    // Three texts wait for STAFF, which admits two a minute: they go as one. Two wait for
    // the other group, which has room for both: they go one by one, in its own topic.
    let entries = vec![
        message(1, text(1, "a", None)),
        message(2, text(2, "b", None)),
        message(3, text(3, "c", None)),
        in_other(4, text(11, "x", None)),
        in_other(5, text(12, "y", None)),
    ];
    let mut rounds = Rounds::new(short());
    let first = rounds.plan(&world, &entries, 0);
    let mut planned: Vec<(u64, Vec<u64>, Place, i64)> = first
        .send
        .iter()
        .map(|p| (p.pending.seq, p.joined.iter().map(|(seq, _)| *seq).collect(), p.place, p.pending.chat_id))
        .collect();
    planned.sort_by_key(|(seq, ..)| *seq);
    assert_eq!(
        planned,
        [(1, vec![2, 3], in_topic(), STAFF), (4, vec![], Place { chat_id: OTHER, thread: Some(20) }, OTHER)]
    );
    // The other group spent one of its two; the next goes at once, whatever STAFF spent.
    assert_eq!(seqs(&rounds.plan(&world, &entries[4..], 1)), [5]);
}
