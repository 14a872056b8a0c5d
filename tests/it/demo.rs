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
        "[staff › T-000001 · Billing · Ann] bot: T-000001 · open",
        "[private › Ann] bot: Thank you! Your request is registered as T-000001.",
        "[staff › T-000001 · Billing · Ann] bot: The second charge was on March 3rd.",
        "[private › Ann] bot: Hi Ann, I see the double charge. I have refunded the second one.",
        "[staff › T-000001 · Billing · Ann] bot: ✓ Dana resolved T-000001.",
        "[private › Ann] bot: Your ticket T-000001 is resolved.",
        "[staff › T-000001 · Billing · Ann] bot: Thanks! But my bank still shows both charges.",
        "[staff › T-000001 · Billing · Ann] bot: ↺ The customer wrote again, so T-000001 is open again.",
        "[private › Boris] bot: These articles may answer your question.",
        "  [Boris taps “📖 Reset your password”]",
        "[private › Boris] bot: Reset your password",
        "  [Boris taps “✅ That solved it”]",
        "[private › Boris] bot: Glad it helped! No request was opened.",
        "[private › Boris] bot: These articles may answer your question.",
        "  [Boris taps “I still need help”]",
        "[staff › T-000002 · Technical problem · Boris] bot: T-000002 · open",
        "[staff › T-000002 · Technical problem · Boris] bot: 📖 Articles that may answer this",
        "[staff › T-000002 · Technical problem · Boris] bot: ✓ Dana took T-000002.",
        "[private › Boris] bot: Which browser do you use?",
        // The team's figures on the demo's store: two tickets, one of them resolved once
        // and reopened, each answered by Dana.
        "[staff › General] Dana: /stats",
        "[staff › General] bot: 📊 Team, last 7 days",
        "      Tickets 2 · resolved 0 · open 2 · agent replies 2",
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
