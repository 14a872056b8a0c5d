//! Articles before a ticket: after the form's `suggest_kb_after` field, the customer sees up
//! to three articles that match their answer, reads one, and either answers "That solved it"
//! (the dialogue ends without a ticket: [`Outcome::Deflected`]) or "I still need help" (the
//! form goes on where it was). Offered once a session, and only articles that match well
//! enough: a search score of at least the form's `suggest_kb_min_score` (3.0 by default), so
//! an answer that shares only a common word with an article goes straight on with the form.

use super::callback::Action;
use super::machine::Machine;
use super::reply::Outcome;
use super::session::{Given, Session, Step, Value};
use crate::kb::Deflection;
use crate::rules::{Field, Form};

/// How many articles are offered.
const OFFERED: usize = 3;

impl Machine<'_> {
    /// After `field` was answered: the articles step, when `field` is the form's
    /// `suggest_kb_after`, they were not offered yet, and some article matches the answer.
    pub(super) fn offer_articles(
        &mut self,
        session: &mut Session,
        form: &Form,
        field: &Field,
    ) -> Option<Session> {
        if form.suggest_kb_after.as_deref() != Some(field.id.as_str()) || session.articles_offered {
            return None;
        }
        let question = question(session, form)?;
        let articles: Vec<String> = self
            .rules
            .knowledge_base
            .search(&question, OFFERED)
            .iter()
            .filter(|hit| hit.score >= form.suggest_kb_min_score)
            .map(|hit| hit.article.id.clone())
            .collect();
        if articles.is_empty() {
            return None;
        }
        session.articles_offered = true;
        let mut offered = session.clone();
        offered.step = Step::Articles { articles, read: None };
        Some(self.ask(offered, Some(form), Vec::new()))
    }

    /// A press on the articles step.
    pub(super) fn article_action(
        &mut self,
        mut session: Session,
        form: &Form,
        action: Action,
    ) -> Option<Session> {
        let c = self.catalogue;
        let Step::Articles { articles, read } = &session.step else { return Some(session) };
        let articles = articles.clone();
        match action {
            Action::Article(index) => {
                let found =
                    articles.get(usize::from(index)).and_then(|id| self.rules.knowledge_base.article(id));
                let Some(article) = found else {
                    return Some(self.advance(session, form, vec![c.article_gone.to_owned()]));
                };
                self.say(article.customer_text());
                session.step = Step::Articles { articles, read: Some(index) };
                Some(self.ask(session, Some(form), Vec::new()))
            }
            Action::Solved => {
                let article = read.and_then(|index| articles.get(usize::from(index)).cloned());
                let (Some(article), Some(question)) = (article, question(&session, form)) else {
                    return Some(session);
                };
                self.clear_prompt();
                self.say(c.deflected.to_owned());
                self.outcome = Some(Outcome::Deflected(Deflection {
                    at: self.event.now,
                    form: form.id.clone(),
                    article,
                    question,
                    customer: None,
                }));
                None
            }
            Action::NeedHelp => Some(self.advance(session, form, vec![c.going_on.to_owned()])),
            // The keyboard offers only the actions above.
            _ => Some(session),
        }
    }
}

/// The customer's answer to the form's `suggest_kb_after` field.
fn question(session: &Session, form: &Form) -> Option<String> {
    match session.answers.get(form.suggest_kb_after.as_ref()?) {
        Some(Given::Answer(Value::Text(text))) => Some(text.clone()),
        _ => None,
    }
}
