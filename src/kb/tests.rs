//! The knowledge base's search over a few articles of two languages.

use super::{Article, KnowledgeBase, Language};

fn article(id: &str, title: &str, tags: &[&str], language: &str, text: &str) -> Article {
    Article {
        id: id.to_owned(),
        title: title.to_owned(),
        tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
        url: None,
        language: Language::from_code(language).expect("a known language"),
        text: text.to_owned(),
    }
}

fn knowledge_base() -> KnowledgeBase {
    KnowledgeBase::new(vec![
        article("reset-password", "Reset your password", &["login"], "en", "Press Forgot password."),
        article("refunds", "Refunds", &["billing", "money"], "en", "We refund within 14 days."),
        article("sbros-parolya", "Как сбросить пароль", &["вход"], "ru", "Нажмите «Забыли пароль»."),
    ])
}

#[track_caller]
fn check(question: &str, expect: &[&str]) {
    let knowledge_base = knowledge_base();
    let found: Vec<&str> =
        knowledge_base.search(question, 3).iter().map(|hit| hit.article.id.as_str()).collect();
    assert_eq!(found, expect, "{question}");
}

#[test]
fn finds_articles_in_either_language_with_typos() {
    check("I forgot my password", &["reset-password"]);
    check("can I get my money back?", &["refunds"]);
    check("refnud", &["refunds"]);
    check("забыл пароль", &["sbros-parolya"]);
    check("не помню пороль", &["sbros-parolya"]);
    check("weather in Paris", &[]);
}

#[test]
fn customers_get_the_link_or_the_whole_text() {
    let mut with_link = article("status", "Service status", &[], "en", "Ignored when there is a link.");
    with_link.url = Some("https://status.example.com".to_owned());
    assert_eq!(with_link.customer_text(), "Service status\nhttps://status.example.com");
    let without = article("refunds", "Refunds", &[], "en", "We refund within 14 days.");
    assert_eq!(without.customer_text(), "Refunds\n\nWe refund within 14 days.");
}

#[test]
fn articles_are_found_by_id() {
    let knowledge_base = knowledge_base();
    assert_eq!(knowledge_base.len(), 3);
    assert_eq!(knowledge_base.article("refunds").map(|a| a.title.as_str()), Some("Refunds"));
    assert!(knowledge_base.article("nothing").is_none());
    assert!(KnowledgeBase::default().is_empty());
}
