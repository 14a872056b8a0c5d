//! Rendering every placeholder, fallbacks, missing values, languages, and the two searches.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Placeholder, Source, Template, Text, Values, for_ticket, matching};

fn values() -> Values {
    Values {
        customer_name: Some("Ann Smith".to_owned()),
        ticket_id: "T-000042".to_owned(),
        category: Some("Billing".to_owned()),
        priority: "high".to_owned(),
        agent_name: Some("Dana".to_owned()),
        fields: BTreeMap::from([("invoice".to_owned(), "INV-12345".to_owned())]),
    }
}

#[track_caller]
fn check(text: &str, values: &Values, expected: &str) {
    let parsed = Text::parse(text).unwrap_or_else(|errors| panic!("{text:?} does not parse: {errors:?}"));
    assert_eq!(parsed.render(values), expected, "rendering {text:?}");
}

fn template(id: &str, texts: &[(&str, &str)]) -> Template {
    Template {
        id: id.to_owned(),
        title: id.to_owned(),
        tags: Vec::new(),
        categories: Vec::new(),
        texts: texts
            .iter()
            .map(|(lang, text)| ((*lang).to_owned(), Text::parse(text).expect("parses")))
            .collect(),
        version: "test".to_owned(),
        source: Source::File(PathBuf::from("templates/test.yaml")),
        stems: super::Stems::default(),
    }
}

#[test]
fn every_placeholder_renders_its_value() {
    let values = values();
    check("Hi {{customer.first_name}}!", &values, "Hi Ann!");
    check("Dear {{customer.name}},", &values, "Dear Ann Smith,");
    check("Ticket {{ticket.id}}", &values, "Ticket T-000042");
    check("About {{ticket.category}}", &values, "About Billing");
    check("Priority {{ticket.priority}}", &values, "Priority high");
    check("{{agent.name}} here", &values, "Dana here");
    check("Invoice {{fields.invoice}}.", &values, "Invoice INV-12345.");
    check("{{ customer.first_name }}", &values, "Ann");
}

#[test]
fn fallbacks_fill_missing_values_only() {
    let mut values = values();
    check("Hi {{customer.first_name | \"there\"}}", &values, "Hi Ann");
    values.customer_name = None;
    values.category = None;
    values.agent_name = None;
    values.fields.clear();
    check("Hi {{customer.first_name | \"there\"}}", &values, "Hi there");
    check("Hi {{customer.name|\"friend\"}}", &values, "Hi friend");
    check("On {{ticket.category | \"your question\"}}", &values, "On your question");
    check("{{agent.name | \"The support team\"}}", &values, "The support team");
    check("Invoice {{fields.invoice | \"(none)\"}}", &values, "Invoice (none)");
    check("Empty {{fields.invoice | \"\"}}.", &values, "Empty .");
}

#[test]
fn a_missing_customer_name_without_fallback_renders_nothing() {
    let mut values = values();
    values.customer_name = Some("   ".to_owned());
    check("Hi {{customer.first_name}}, thanks", &values, "Hi , thanks");
    check("Hi {{customer.name}}!", &values, "Hi !");
    check("Hi {{customer.first_name | \"there\"}}", &values, "Hi there");
}

#[test]
fn values_are_never_read_again() {
    let mut values = values();
    values.customer_name = Some("{{ticket.id}} <b>x</b>".to_owned());
    check("Hi {{customer.name}}", &values, "Hi {{ticket.id}} <b>x</b>");
    check("*bold* _not_ {{ticket.id}}", &values, "*bold* _not_ T-000042");
}

#[test]
fn the_customers_language_picks_the_text_else_the_default() {
    let template = template(
        "refund",
        &[
            ("en", "Hi {{customer.first_name}}, your refund is on its way."),
            ("ru", "Здравствуйте, {{customer.first_name | \"клиент\"}}! Деньги вернутся."),
        ],
    );
    let values = values();
    assert_eq!(template.render(Some("en"), &values), "Hi Ann, your refund is on its way.");
    assert_eq!(template.render(Some("ru"), &values), "Здравствуйте, Ann! Деньги вернутся.");
    assert_eq!(template.render(Some("ru-RU"), &values), "Здравствуйте, Ann! Деньги вернутся.");
    assert_eq!(template.render(Some("de"), &values), "Hi Ann, your refund is on its way.");
    assert_eq!(template.render(None, &values), "Hi Ann, your refund is on its way.");
    let mut nameless = values.clone();
    nameless.customer_name = None;
    assert_eq!(template.render(Some("ru"), &nameless), "Здравствуйте, клиент! Деньги вернутся.");
    assert_eq!(template.default_language(), "en");
}

#[test]
fn unreadable_placeholders_are_reported_with_their_offsets() {
    let errors =
        Text::parse("Hi {{customer.nickname}} and {{fields.}} {{ticket.id | there}} {{}} {{agent.name")
            .unwrap_err();
    let seen: Vec<(usize, &str, &str)> =
        errors.iter().map(|e| (e.offset, e.written.as_str(), e.message.as_str())).collect();
    assert_eq!(seen.len(), 5, "{seen:#?}");
    assert_eq!(seen[0].0, 3);
    assert_eq!(seen[0].1, "{{customer.nickname}}");
    assert!(seen[0].2.starts_with("unknown placeholder `customer.nickname`"), "{}", seen[0].2);
    assert!(seen[1].2.starts_with("unknown placeholder `fields.`"), "{}", seen[1].2);
    assert!(seen[2].2.contains("must be text in double quotes"), "{}", seen[2].2);
    assert_eq!(seen[3].2, "empty placeholder `{{}}`");
    assert_eq!(seen[4].2, "`{{` is never closed with `}}`");
}

#[test]
fn placeholders_are_listed_in_order() {
    let text = Text::parse("{{fields.order}} {{customer.name}} {{fields.order | \"?\"}}").expect("parses");
    let used: Vec<String> = text.placeholders().map(ToString::to_string).collect();
    assert_eq!(used, ["fields.order", "customer.name", "fields.order"]);
    assert_eq!(Placeholder::parse("fields.invoice"), Some(Placeholder::Field("invoice".to_owned())));
    assert_eq!(Placeholder::parse("ticket.status"), None);
}

#[test]
fn for_ticket_puts_the_category_first_then_the_conversation() {
    let mut refund = template("refund", &[("en", "Your refund of the invoice is on its way.")]);
    refund.categories = vec!["billing".to_owned()];
    let mut invoice = template("invoice-copy", &[("en", "Here is a copy of your invoice.")]);
    invoice.categories = vec!["billing".to_owned()];
    let mut crash = template("crash", &[("en", "Please send the crash report.")]);
    crash.categories = vec!["technical".to_owned()];
    let greeting = template("greeting", &[("en", "Hello, we are looking at it.")]);
    let all = [refund, invoice, crash, greeting];
    let ids =
        |ranked: Vec<super::Ranked<'_>>| ranked.iter().map(|r| r.template.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(for_ticket(&all, Some("billing"), "I need a copy of my invoice please", 10)),
        ["invoice-copy", "refund", "greeting", "crash"]
    );
    assert_eq!(ids(for_ticket(&all, Some("technical"), "it crashes on start", 2)), ["crash", "greeting"]);
    assert_eq!(ids(for_ticket(&all, None, "refunded twice?", 1)), ["greeting"]);
}

#[test]
fn matching_finds_ids_titles_tags_and_texts_by_a_few_letters() {
    let mut refund = template("refund", &[("en", "Your money is on its way back.")]);
    refund.title = "Refund approved".to_owned();
    let mut password = template("password-reset", &[("en", "Use the link to reset it.")]);
    password.tags = vec!["login".to_owned()];
    let delivery =
        template("delivery", &[("en", "Your order ships tomorrow."), ("ru", "Заказ отправим завтра.")]);
    let all = [refund, password, delivery];
    let ids =
        |query: &str| matching(&all, query, 5).iter().map(|r| r.template.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids("ref"), ["refund"]);
    assert_eq!(ids("password"), ["password-reset"]);
    assert_eq!(ids("LOGIN"), ["password-reset"]);
    assert_eq!(ids("money"), ["refund"]);
    assert_eq!(ids("заказа"), ["delivery"]);
    assert_eq!(ids("reset order"), ["password-reset", "delivery"]);
    assert!(ids("nothing similar").is_empty());
    assert_eq!(ids("it"), ["password-reset"], "two letters find whole words only, not `its`");
    assert!(ids("  ").is_empty());
}

#[test]
fn usage_counts_per_template_agent_and_day_and_finds_the_never_used_and_the_reopened() {
    use super::{TemplateUse, usage};
    let all = [
        template("refund", &[("en", "a")]),
        template("greeting", &[("en", "b")]),
        template("unused", &[("en", "c")]),
    ];
    let at = |text: &str| -> jiff::Timestamp { text.parse().expect("time") };
    let one = |template: &str, agent: u64, ticket: u64, when: &str| TemplateUse {
        template: template.to_owned(),
        version: "v1".to_owned(),
        agent,
        ticket,
        at: at(when),
    };
    let uses = [
        one("refund", 1, 10, "2026-03-01T23:30:00Z"),
        one("refund", 2, 11, "2026-03-02T08:00:00Z"),
        one("greeting", 1, 12, "2026-03-02T09:00:00Z"),
        one("refund", 1, 13, "2026-03-02T10:00:00Z"),
        one("retired", 2, 13, "2026-03-02T11:00:00Z"),
    ];
    // Tickets 11 and 13 were reopened after the refund.
    let zone = jiff::tz::TimeZone::get("Europe/Berlin").expect("zone");
    let report = usage(&all, &uses, &zone, |u| u.template == "refund" && (u.ticket == 11 || u.ticket == 13));
    assert_eq!(report.uses, 5);
    assert_eq!(report.by_template[0], ("refund".to_owned(), 3));
    assert_eq!(report.by_agent, [(1, 3), (2, 2)]);
    // 23:30 UTC on the 1st is already the 2nd in Berlin.
    assert_eq!(report.by_day, [(jiff::civil::date(2026, 3, 2), 5)]);
    assert_eq!(report.never_used, ["unused"]);
    assert_eq!(report.reopened, [("refund".to_owned(), 2, 3)]);
    let text = report.text(|agent| if agent == 1 { "Dana".to_owned() } else { format!("agent {agent}") });
    expect_test::expect![[r"
        Templates: 5 uses of 3 templates by 2 agents.
        Most used: refund 3, greeting 1, retired 1
        Never used: unused
        Followed by a reopen: refund 2 of 3
        By agent: Dana 3, agent 2 2
        By day: 03-02 5"]]
    .assert_eq(&text);
    let nothing = usage(&all, &[], &zone, |_| false);
    assert_eq!(
        nothing.text(|_| String::new()),
        "No template has been sent yet. In force: refund, greeting, unused."
    );
}

#[test]
fn a_saved_template_wins_until_the_file_it_was_saved_over_changes() {
    use super::{SavedTemplate, in_force};
    let file = |text: &str, version: &str| Template {
        version: version.to_owned(),
        ..template("refund", &[("en", text)])
    };
    let saved = |number: u32, over: Option<&str>| SavedTemplate {
        id: "refund".to_owned(),
        number,
        author: 7,
        author_name: "Dana".to_owned(),
        at: "2026-03-01T10:00:00Z".parse().expect("time"),
        title: "Refund".to_owned(),
        tags: Vec::new(),
        categories: Vec::new(),
        texts: vec![("en".to_owned(), format!("saved {number}"))],
        over: over.map(str::to_owned),
    };
    let sent = |files: &[Template], saves: &[SavedTemplate]| -> Vec<(String, String)> {
        in_force(files, saves).iter().map(|t| (t.id.clone(), t.version.clone())).collect()
    };
    let refund = |version: &str| vec![("refund".to_owned(), version.to_owned())];
    // Saved over the file's version: the newest save is in force.
    assert_eq!(sent(&[file("old", "aaa")], &[saved(1, Some("aaa")), saved(2, Some("aaa"))]), refund("v2"));
    // The lead edited the file since: the file wins.
    assert_eq!(sent(&[file("new", "bbb")], &[saved(1, Some("aaa")), saved(2, Some("aaa"))]), refund("bbb"));
    // Saved with no file, then the export moved into rules/: the file wins.
    assert_eq!(sent(&[], &[saved(1, None)]), refund("v1"));
    assert_eq!(sent(&[file("saved 1", "ccc")], &[saved(1, None)]), refund("ccc"));
    // Other ids are untouched and everything comes sorted by id.
    let mut greeting = template("greeting", &[("en", "hi")]);
    greeting.version = "ggg".to_owned();
    let all = sent(&[greeting, file("old", "aaa")], &[saved(1, Some("aaa"))]);
    assert_eq!(all, [("greeting".to_owned(), "ggg".to_owned()), ("refund".to_owned(), "v1".to_owned())]);
}
