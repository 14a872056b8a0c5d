//! `topicdesk demo` runs the real host against the built-in Telegram stand-in; its
//! transcript must show the whole flow in order.

use crate::support::{stderr, stdout, topicdesk};

#[test]
fn the_demo_plays_the_whole_flow() {
    let output = topicdesk(&["demo"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let transcript = stdout(&output);
    // The lines that tell the story. Each chat's lines must come in this order; messages
    // in different chats may interleave (they are sent side by side).
    let story = [
        "[private › Ann] Ann: /start",
        "[private › Ann] bot: Hello! What can we help you with?",
        "  [Ann taps “Contact support”]",
        "  [Ann taps “Billing”]",
        "[private › Ann] Ann: INV-123",
        "[private › Ann] bot: Invoice numbers look like INV-12345",
        "[private › Ann] Ann: INV-10482",
        "  [Ann taps “Submit”]",
        "[billing › T-000001 · Billing · Ann] bot: T-000001 · open",
        "[private › Ann] bot: Thank you! Your request is registered as T-000001.",
        // Ann's billing question opened in the billing group, Boris's in support's.
        "[billing › T-000001 · Billing · Ann] bot: The second charge was on March 3rd.",
        "[billing › T-000001 · Billing · Ann] Dana: /t",
        "[billing › T-000001 · Billing · Ann] bot: Templates for T-000001, best first:",
        "  [Dana taps “1. Charged twice” under the list]",
        "[billing › T-000001 · Billing · Ann] bot: Dana (template double-charge):",
        "[private › Ann] bot: Sorry about the double charge, Ann. The second payment is a card hold",
        "[billing › T-000001 · Billing · Ann] bot: ✓ Dana resolved T-000001.",
        "[private › Ann] bot: Your ticket T-000001 is resolved.",
        "[billing › T-000001 · Billing · Ann] bot: Thanks! But my bank still shows both charges.",
        "[billing › T-000001 · Billing · Ann] bot: ↺ The customer wrote again, so T-000001 is open again.",
        "[private › Boris] bot: These articles may answer your question.",
        "  [Boris taps “📖 Reset your password”]",
        "[private › Boris] bot: Reset your password",
        "  [Boris taps “✅ That solved it”]",
        "[private › Boris] bot: Glad it helped! No request was opened.",
        "[private › Boris] bot: These articles may answer your question.",
        "  [Boris taps “I still need help”]",
        "[support › T-000002 · Technical problem · Boris] bot: T-000002 · open",
        "[support › T-000002 · Technical problem · Boris] bot: 📖 Articles that may answer this",
        "[support › T-000002 · Technical problem · Boris] bot: ✓ Dana took T-000002.",
        "[private › Boris] bot: Which browser do you use?",
        "  [Dana taps “Templates” on the ticket card and types “@topicdesk_bot T-000002 crash”]",
        "  [Dana picks “Asking for crash details” from the list]",
        "[support › T-000002 · Technical problem · Boris] Dana via @topicdesk_bot: Thanks, Boris. To find the cause",
        "[private › Boris] bot: Thanks, Boris. To find the cause",
        // The team's figures on the demo's store: two tickets, one of them resolved once
        // and reopened, each answered by Dana.
        "[support › General] Dana: /stats",
        "[support › General] bot: 📊 Team, last 7 days",
        "      Tickets 2 · resolved 0 · open 2 · agent replies 3",
        "      Per agent: tickets · resolved · first reply · SLA",
        "      Dana: 2 · 0 ·",
    ];
    let place =
        |line: &str| line.strip_prefix('[').and_then(|rest| rest.split_once(']')).map(|(p, _)| p.to_owned());
    let mut places: Vec<Option<String>> = story.iter().map(|line| place(line)).collect();
    places.sort();
    places.dedup();
    for wanted in places {
        let told: Vec<&str> = story.iter().copied().filter(|line| place(line) == wanted).collect();
        let shown: Vec<&str> = transcript.lines().filter(|line| place(line) == wanted).collect();
        let mut rest = shown.iter();
        for line in &told {
            assert!(
                rest.any(|shown| shown.starts_with(line)),
                "the demo transcript lacks {line:?} in its place and order\n\n{transcript}"
            );
        }
    }
    // The internal note never reaches the customer.
    let leaked = transcript.lines().any(|line| line.starts_with("[private › Ann]") && line.contains("4821"));
    assert!(!leaked, "{transcript}");
}

/// `demo --data DIR` keeps the demo's store, and `report` reads there what the demo's
/// script made certain: two tickets (Ann's high, Boris's normal), both answered once by
/// Dana, who has them both; Ann's resolved and reopened by her reply, so both are active.
#[test]
fn report_reads_the_figures_of_the_demo_s_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("demo-data");
    let output = topicdesk(&["demo", "--data", path(&data)]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let report = |by: &str| -> serde_json::Value {
        let output =
            topicdesk(&["report", "--data", path(&data), "--rules", rules, "--by", by, "--format", "json"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        serde_json::from_str(stdout(&output).trim()).expect("one JSON object")
    };
    let by_agent = report("agent");
    let total = &by_agent["total"];
    assert_eq!(by_agent["tickets"], 2, "{by_agent}");
    assert_eq!(total["first_response"]["calendar"]["count"], 2, "Dana answered both: {total}");
    assert_eq!(total["agent_replies"]["count"], 2, "{total}");
    assert_eq!(total["agent_replies"]["median"], 1, "the note is not a reply: {total}");
    assert_eq!(total["first_resolution"]["calendar"]["count"], 1, "Ann's ticket was resolved: {total}");
    assert_eq!(total["full_resolution"]["calendar"]["count"], 0, "and reopened: {total}");
    assert_eq!((total["reopened_tickets"].clone(), total["reopens"].clone()), (1.into(), 1.into()));
    assert_eq!((total["open"].clone(), total["resolved"].clone()), (2.into(), 0.into()));
    assert_eq!(total["first_contact_resolutions"], 0);
    assert!(total["sentiment"].is_number(), "Ann wrote: {total}");
    let under_an_hour = &by_agent["backlog"]["buckets"][0];
    assert_eq!(under_an_hour, &serde_json::json!(["under 1h", 2]), "{by_agent}");
    let groups: Vec<(String, u64)> = by_agent["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["key"].as_str().unwrap_or_default().to_owned(), g["tickets"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(groups, [("Dana".to_owned(), 2)], "Dana took Boris's ticket over");
    let by_priority = report("priority");
    let keys: Vec<(&str, u64)> = by_priority["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| (g["key"].as_str().unwrap_or_default(), g["tickets"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(keys, [("normal", 1), ("high", 1)], "Ann chose High, Boris Normal");
    // The demo writes a new store, never over one.
    let again = topicdesk(&["demo", "--data", path(&data)]);
    assert_eq!(again.status.code(), Some(1), "{}", stdout(&again));
    assert!(stderr(&again).contains("already holds a store"), "{}", stderr(&again));
}

fn path(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

#[test]
fn the_built_in_rules_are_the_shipped_rules() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut shipped = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).expect("rules dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(&root).expect("inside").to_string_lossy().replace('\\', "/");
                shipped.push((name, std::fs::read_to_string(&path).expect("text")));
            }
        }
    }
    shipped.sort();
    let mut built_in: Vec<(String, String)> =
        topicdesk::demo::DEFAULT_RULES.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect();
    built_in.sort();
    let names = |files: &[(String, String)]| files.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&built_in), names(&shipped), "DEFAULT_RULES must list every file under rules/");
    assert!(built_in == shipped);
}
