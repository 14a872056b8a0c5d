//! The transcript runner: a customer's side of the dialogue in, the bot's side out.
//!
//! Rules are loaded through the real loader (a form written into a fresh rules directory, or
//! a directory of the repository). A script is a list of `> ` lines: text and commands as the
//! customer types them, plus bracketed actions: `[button: Label]` presses the newest button
//! with that label, `[callback: data]` sends raw callback data, `[forge: o9]` sends a
//! well-formed press of this session's current prompt that the prompt does not offer,
//! `[photo: id]` and `[document: id]` send files, `[wait: 25h]` moves the clock, `[tick]` asks
//! for an expiry check, `[restart]` round-trips the session through a real redb store,
//! `[language: ru]` and `[open ticket: T-000042]` change what the host knows.
//!
//! The output echoes each line, then the bot's replies as `< ` lines (buttons indented in
//! brackets) and what the desk learns as `= ` lines. Every step also checks the invariants the
//! host relies on: callback data within 64 bytes, texts within Telegram's limit, and a session
//! that survives serialisation unchanged.

use crate::kb::Deflection;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use expect_test::Expect;
use jiff::Timestamp;

use crate::duration::Span;
use crate::intake::{
    Attachment, AttachmentKind, Event, Input, Keyboard, MAX_CALLBACK_BYTES, Outcome, Reply, Rules, Session,
    Transition, step,
};
use crate::rules::RuleSet;
use crate::store::{FILE_NAME, Store, StoreError};
use crate::ticket::TicketId;

/// Where the rules of a transcript come from.
#[derive(Clone, Copy, Debug)]
pub(super) enum Source<'a> {
    /// One form's YAML, alone in a fresh rules directory.
    Form(&'a str),
    /// One form's YAML and a `.rhai` file with its `validate:` function.
    FormAndScript(&'a str, &'a str),
    /// A rules directory, relative to the repository root.
    Dir(&'a str),
}

/// The customer id sessions are stored under.
const CUSTOMER: u64 = 42;

/// One customer talking to the machine, with a virtual clock and a store for restarts.
pub(super) struct Harness {
    _rules_dir: Option<tempfile::TempDir>,
    /// Made at the first `[restart]`.
    store_dir: Option<tempfile::TempDir>,
    pub(super) rule_set: Arc<RuleSet>,
    /// Offer every form of the rule set, not only desk.yaml's `intake.forms`.
    pub(super) offer_all_forms: bool,
    pub(super) session: Option<Session>,
    pub(super) now: Timestamp,
    language: Option<String>,
    open_ticket: Option<TicketId>,
    events: u64,
    /// Every keyboard shown, oldest first (an edit replaces the newest).
    pub(super) keyboards: Vec<Keyboard>,
    pub(super) out: String,
    /// Outcomes so far, in order.
    pub(super) outcomes: Vec<Outcome>,
}

/// Runs `script` and compares the transcript with `expect`.
#[track_caller]
#[allow(clippy::needless_pass_by_value)] // An `expect![[...]]` literal reads best passed by value.
pub(super) fn check(source: Source<'_>, script: &str, expect: Expect) {
    let mut harness = Harness::new(source);
    for line in script.lines().map(str::trim).filter(|line| !line.is_empty()) {
        harness.run_line(line);
    }
    expect.assert_eq(&harness.out);
}

impl Harness {
    pub(super) fn new(source: Source<'_>) -> Harness {
        let (rules_dir, path) = match source {
            Source::Form(form) => write_rules(form, None),
            Source::FormAndScript(form, script) => write_rules(form, Some(script)),
            Source::Dir(relative) => (None, Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)),
        };
        Harness::load(rules_dir, &path)
    }

    pub(super) fn load(rules_dir: Option<tempfile::TempDir>, path: &Path) -> Harness {
        let rule_set = load_rules(path);
        Harness::build(Arc::new(rule_set), rules_dir)
    }

    /// A customer with no session yet, under an already loaded rule set.
    pub(super) fn with_rule_set(rule_set: Arc<RuleSet>) -> Harness {
        Harness::build(rule_set, None)
    }

    fn build(rule_set: Arc<RuleSet>, rules_dir: Option<tempfile::TempDir>) -> Harness {
        Harness {
            _rules_dir: rules_dir,
            store_dir: None,
            rule_set,
            offer_all_forms: false,
            session: None,
            now: "2026-03-02T10:00:00Z".parse().expect("valid timestamp"),
            language: None,
            open_ticket: None,
            events: 0,
            keyboards: Vec::new(),
            out: String::new(),
            outcomes: Vec::new(),
        }
    }

    /// Runs one `> ` line of a script.
    pub(super) fn run_line(&mut self, line: &str) {
        let action =
            line.strip_prefix('>').unwrap_or_else(|| panic!("script lines start with `>`: {line}")).trim();
        writeln!(self.out, "> {action}").expect("write to string");
        let bracketed = action.strip_prefix('[').and_then(|rest| rest.strip_suffix(']'));
        let Some(inner) = bracketed else {
            self.send(Input::from_text(action));
            return;
        };
        let (verb, argument) = inner.split_once(':').map_or((inner, ""), |(v, a)| (v.trim(), a.trim()));
        match verb {
            "button" => {
                let data = self
                    .button_data(argument)
                    .unwrap_or_else(|| panic!("no button `{argument}` was shown:\n{}", self.out));
                self.send(Input::Button(data));
            }
            "callback" => {
                self.send(Input::Button(argument.to_owned()));
            }
            "forge" => {
                let session = self.session.as_ref().expect("a session to forge a press for");
                let data = format!("i:{:x}:{:x}:{argument}", session.nonce, session.prompt_seq);
                self.send(Input::Button(data));
            }
            "photo" | "document" => {
                let kind = if verb == "photo" { AttachmentKind::Photo } else { AttachmentKind::Document };
                self.send(Input::Attachment(Attachment { file_id: argument.to_owned(), kind }));
            }
            "wait" => {
                let span: Span = argument.parse().expect("a duration like 25h");
                self.now += jiff::SignedDuration::from_secs(span.as_secs() as i64);
            }
            "tick" => {
                self.send(Input::Tick);
            }
            "restart" => self.restart(),
            "language" => self.language = Some(argument.to_owned()),
            "open ticket" => self.open_ticket = Some(argument.parse().expect("a ticket id")),
            _ => panic!("unknown action `[{inner}]`"),
        }
    }

    /// The callback data of the newest button labelled `label`.
    pub(super) fn button_data(&self, label: &str) -> Option<String> {
        self.keyboards
            .iter()
            .rev()
            .find_map(|keyboard| keyboard.buttons().find(|button| button.label == label))
            .map(|button| button.callback_data.clone())
    }

    /// Sends one input at the current time and records what came back.
    pub(super) fn send(&mut self, input: Input) -> Transition {
        self.events += 1;
        let mut rules = Rules::of(&self.rule_set);
        if self.offer_all_forms {
            rules.forms = self.rule_set.forms().to_vec();
        }
        let event = Event {
            input,
            now: self.now,
            language: self.language.as_deref(),
            open_ticket: self.open_ticket,
            entropy: 0xa000 + self.events,
        };
        let had_session = self.session.is_some();
        let transition = step(&rules, self.session.take(), &event);
        self.record(&transition, had_session);
        self.session.clone_from(&transition.session);
        transition
    }

    fn record(&mut self, transition: &Transition, had_session: bool) {
        for reply in &transition.replies {
            match reply {
                Reply::Message { text, keyboard } => {
                    assert!(
                        !text.is_empty() && text.chars().count() <= 4096,
                        "message text length: {text:?}"
                    );
                    for line in text.lines() {
                        // An empty line is `<` alone, so snapshots carry no trailing spaces.
                        writeln!(self.out, "{}", format!("< {line}").trim_end()).expect("write to string");
                    }
                    self.show_keyboard(keyboard, "<  ");
                    if !keyboard.is_empty() {
                        self.keyboards.push(keyboard.clone());
                    }
                }
                Reply::EditButtons(keyboard) => {
                    writeln!(self.out, "< (buttons changed)").expect("write to string");
                    self.show_keyboard(keyboard, "<  ");
                    match self.keyboards.last_mut() {
                        Some(last) => *last = keyboard.clone(),
                        None => self.keyboards.push(keyboard.clone()),
                    }
                }
                Reply::RemoveButtons => writeln!(self.out, "< (buttons removed)").expect("write to string"),
                Reply::RemovePressedButtons => {
                    writeln!(self.out, "< (pressed message's buttons removed)").expect("write to string");
                }
                Reply::Notice(text) => writeln!(self.out, "< (notice) {text}").expect("write to string"),
            }
        }
        match &transition.outcome {
            Some(Outcome::Submitted(submission)) => {
                writeln!(self.out, "= submitted `{}`", submission.form_id).expect("write to string");
                for (id, answer) in &submission.answers {
                    writeln!(self.out, "=   {id}: {answer:?}").expect("write to string");
                }
                for file in &submission.attachments {
                    writeln!(self.out, "=   file {} ({:?})", file.file_id, file.kind)
                        .expect("write to string");
                }
                let confirmation = submission.confirmation(TicketId(1));
                writeln!(self.out, "< {confirmation}").expect("write to string");
            }
            Some(Outcome::AddToTicket(ticket)) => writeln!(self.out, "= add to {ticket}").expect("write"),
            Some(Outcome::Cancelled) => writeln!(self.out, "= cancelled").expect("write to string"),
            Some(Outcome::Expired) => writeln!(self.out, "= expired").expect("write to string"),
            Some(Outcome::Deflected(deflection)) => {
                let Deflection { form, article, question, .. } = deflection;
                writeln!(self.out, "= deflected by `{article}` in `{form}`: {question:?}")
                    .expect("write to string");
            }
            None if had_session && transition.session.is_none() => {
                writeln!(self.out, "= session ended").expect("write to string");
            }
            None => {}
        }
        if let Some(outcome) = &transition.outcome {
            self.outcomes.push(outcome.clone());
        }
        check_invariants(transition);
    }

    fn show_keyboard(&mut self, keyboard: &Keyboard, indent: &str) {
        for row in &keyboard.rows {
            let labels: Vec<String> = row.iter().map(|button| format!("[{}]", button.label)).collect();
            writeln!(self.out, "{indent} {}", labels.join(" ")).expect("write to string");
        }
    }

    /// Stores the session in a real redb file, closes it, reopens it and reads the session back.
    fn restart(&mut self) {
        let store_dir = self.store_dir.get_or_insert_with(|| tempfile::tempdir().expect("temp dir"));
        let path = store_dir.path().join(FILE_NAME);
        {
            let store = Store::open(&path).expect("store opens");
            store
                .write(|tx| -> Result<(), StoreError> {
                    match &self.session {
                        Some(session) => tx.put_session(CUSTOMER, session),
                        None => tx.delete_session(CUSTOMER),
                    }
                })
                .expect("session stored");
        }
        let store = Store::open(&path).expect("store reopens");
        let restored: Option<Session> =
            store.read().and_then(|read| read.session(CUSTOMER)).expect("session read back");
        assert_eq!(restored, self.session, "the store gives back the session it was given");
        self.session = restored;
    }
}

/// Loads a rules directory through the loader `topicdesk check` uses; it must be valid.
pub(super) fn load_rules(path: &Path) -> RuleSet {
    let (rule_set, diagnostics) = crate::rules::load(path);
    let Some(rule_set) = rule_set else {
        let lines: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        panic!("rules in {} do not load:\n{}", path.display(), lines.join("\n"));
    };
    rule_set
}

/// What the host relies on after every transition.
pub(super) fn check_invariants(transition: &Transition) {
    for reply in &transition.replies {
        let (Reply::Message { keyboard, .. } | Reply::EditButtons(keyboard)) = reply else { continue };
        for button in keyboard.buttons() {
            let bytes = button.callback_data.len();
            assert!((1..=MAX_CALLBACK_BYTES).contains(&bytes), "callback data of {bytes} bytes");
            assert!(!button.label.is_empty(), "a button without a label");
        }
    }
    if let Some(session) = &transition.session {
        let json = serde_json::to_string(session).expect("a session serialises");
        let back: Session = serde_json::from_str(&json).expect("a session deserialises");
        assert_eq!(&back, session, "a session survives serialisation");
    }
}

/// A fresh rules directory with one form (and a script).
fn write_rules(form: &str, script: Option<&str>) -> (Option<tempfile::TempDir>, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_owned();
    std::fs::create_dir(path.join("forms")).expect("forms dir");
    std::fs::write(path.join("desk.yaml"), "timezone: UTC\n").expect("desk.yaml");
    std::fs::write(path.join("team.yaml"), "agents: []\n").expect("team.yaml");
    std::fs::write(path.join("forms/form.yaml"), form).expect("form");
    if let Some(script) = script {
        std::fs::write(path.join("validation.rhai"), script).expect("script");
    }
    (Some(dir), path)
}
