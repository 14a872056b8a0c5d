//! `templates/*.yaml` checks, one snapshot each: the exact `path:line:col: message` a lead
//! sees for an unknown placeholder, a field no form asks, a bad fallback, and the rest.

use std::fs;
use std::path::Path;

use expect_test::{Expect, expect};

use super::{check_command, load};

const DESK: &str = "timezone: UTC\n";
const TEAM: &str = "agents:\n  - { id: 1, name: Ana, role: supervisor }\n";
const FORM: &str = "\
id: support
fields:
  - id: category
    prompt: About?
    type: choice
    choices: [billing, technical]
  - id: invoice
    prompt: Invoice?
    type: text
";

fn write_base(dir: &Path, files: &[(&str, &str)]) {
    let base = [("desk.yaml", DESK), ("team.yaml", TEAM), ("forms/support.yaml", FORM)];
    for (name, text) in base.iter().chain(files) {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("create dir");
        fs::write(path, text).expect("write file");
    }
}

#[track_caller]
fn check(files: &[(&str, &str)], expect: &Expect) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_base(dir.path(), files);
    let mut out = Vec::new();
    let code = check_command(dir.path(), &mut out);
    let prefix = format!("{}/", dir.path().display());
    let text = String::from_utf8(out).expect("utf-8").replace(&prefix, "");
    expect.assert_eq(&format!("{text}exit {code}\n"));
}

#[test]
fn a_valid_template_loads_with_its_languages_in_order() {
    let template = "\
id: refund
title: Refund approved
tags: [money]
categories: [billing]
default_language: ru
text:
  en: Hi {{customer.first_name | \"there\"}}, invoice {{fields.invoice}} is refunded.
  ru: |
    Здравствуйте, {{customer.first_name | \"клиент\"}}!
";
    let dir = tempfile::tempdir().expect("temp dir");
    write_base(dir.path(), &[("templates/refund.yaml", template)]);
    let (rules, diagnostics) = load(dir.path());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let rules = rules.expect("valid");
    let [loaded] = rules.templates() else { panic!("one template: {:?}", rules.templates()) };
    assert_eq!(loaded.id, "refund");
    assert_eq!(loaded.default_language(), "ru");
    let languages: Vec<&str> = loaded.texts.iter().map(|(language, _)| language.as_str()).collect();
    assert_eq!(languages, ["ru", "en"]);
    assert_eq!(loaded.version.len(), 12);
}

#[test]
fn unknown_placeholders_are_placed_on_the_placeholder() {
    let template = "\
id: refund
title: Refund
text:
  en: Hi {{customer.nickname}}, about {{ticket.status}}.
  ru: |
    Привет!
    Номер {{ticket.number}}
";
    check(
        &[("templates/refund.yaml", template)],
        &expect![[r#"
            templates/refund.yaml:4:10: unknown placeholder `customer.nickname`: use customer.first_name, customer.name, ticket.id, ticket.category, ticket.priority, agent.name, or fields.<form field>
            templates/refund.yaml:4:39: unknown placeholder `ticket.status`: use customer.first_name, customer.name, ticket.id, ticket.category, ticket.priority, agent.name, or fields.<form field>
            templates/refund.yaml:7:11: unknown placeholder `ticket.number`: use customer.first_name, customer.name, ticket.id, ticket.category, ticket.priority, agent.name, or fields.<form field>
            exit 1
        "#]],
    );
}

#[test]
fn a_field_no_form_asks_is_refused() {
    let template = "\
id: order
title: Order status
text:
  en: \"Order {{ fields.order_number }} for {{fields.invoice}}\"
";
    check(
        &[("templates/order.yaml", template)],
        &expect![[r#"
            templates/order.yaml:4:17: placeholder `fields.order_number`: no form in forms/ has a field `order_number`
            exit 1
        "#]],
    );
}

#[test]
fn fallbacks_languages_ids_and_schema() {
    let bad_fallback = "id: a\ntitle: A\ntext:\n  en: Hi {{customer.name | there}} {{agent.name\n";
    let wrong_default = "id: b\ntitle: B\ndefault_language: de\ntext:\n  en: Hi\n";
    let first = "id: ok\ntitle: First\ntext:\n  en: Hello\n";
    let same_id = "id: ok\ntitle: Again\ntext:\n  en: Hello again\n";
    let schema = "id: Bad Id\ntitle: C\ncolour: red\ntext:\n  english: Hi\n";
    let empty = "id: e\ntitle: E\ntext: {}\ncategories: [refunds]\n";
    check(
        &[
            ("templates/a.yaml", bad_fallback),
            ("templates/b.yaml", wrong_default),
            ("templates/c.yaml", schema),
            ("templates/d.yaml", first),
            ("templates/f.yaml", same_id),
            ("templates/e.yaml", empty),
        ],
        &expect![[r#"
            templates/a.yaml:4:10: the fallback of `customer.name` must be text in double quotes, like {{customer.name | "there"}}, found `there`
            templates/a.yaml:4:36: `{{` is never closed with `}}`
            templates/b.yaml:3:19: `default_language` is `de`, but `text` has only en
            templates/c.yaml:1:5: `id` must be text matching `^[a-z0-9][a-z0-9_-]{0,39}$`, found `Bad Id`
            templates/c.yaml:3:1: unknown field `colour`
            templates/e.yaml:3:7: `text` is empty: write the reply under a language, like `en:`
            templates/e.yaml:4:14: warning: no form offers category `refunds`, so this never puts the template first
            templates/f.yaml:1:5: template id `ok` is also used by templates/d.yaml
            exit 1
        "#]],
    );
}
