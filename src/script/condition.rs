//! Form `when:` expressions, compiled once at load time and evaluated over `answers`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use rhai::{AST, Dynamic, Scope};

use super::api::answers_map;
use super::convert::friendly_type;
use super::engine::{bare_message, engine, forbidden_calls, lowercase_first, with_budget};
use super::hooks::{FailureKind, HookFailure};
use super::views::FieldValue;
use crate::diagnostic::Position;

/// A compiled `when:` expression and where it was written.
#[derive(Clone, Debug)]
pub struct Condition {
    text: String,
    ast: Arc<AST>,
    path: PathBuf,
    position: Position,
}

impl Condition {
    /// Compiles `text`; the only variable in scope is `answers`. Errors are
    /// `(offset in the expression's first line, message)` for the loader to place.
    pub fn compile(text: &str, path: PathBuf, position: Position) -> Result<Condition, (u32, String)> {
        let mut scope = Scope::new();
        scope.push("answers", rhai::Map::new());
        let ast = engine().compile_expression_with_scope(&scope, text).map_err(|error| {
            let offset = error.position().position().unwrap_or(1) as u32;
            let message = error.err_type().to_string();
            (offset.saturating_sub(1), lowercase_first(&message))
        })?;
        if let Some((at, why)) = forbidden_calls(&ast, &|_| false).first() {
            return Err((at.position().unwrap_or(1).saturating_sub(1) as u32, (*why).to_owned()));
        }
        Ok(Condition { text: text.to_owned(), ast: Arc::new(ast), path, position })
    }

    /// The expression as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the field should be asked. A failing expression asks it (never skip a question
    /// silently because of a broken rule) and reports why.
    pub fn evaluate(&self, answers: &BTreeMap<String, FieldValue>) -> (bool, Option<HookFailure>) {
        let mut scope = Scope::new();
        scope.push("answers", answers_map(answers));
        let (result, _) = with_budget(|engine| engine.eval_ast_with_scope::<Dynamic>(&mut scope, &self.ast));
        let failure = |kind, message: String| HookFailure {
            function: "when".to_owned(),
            path: self.path.clone(),
            position: self.position,
            kind,
            message,
        };
        match result {
            Ok(value) => match value.as_bool() {
                Ok(ask) => (ask, None),
                Err(type_name) => (
                    true,
                    Some(failure(
                        FailureKind::Error,
                        format!("`{}` gave {}, not true or false", self.text, friendly_type(type_name)),
                    )),
                ),
            },
            Err(error) => {
                let kind = if matches!(
                    *error,
                    rhai::EvalAltResult::ErrorTooManyOperations(_)
                        | rhai::EvalAltResult::ErrorDataTooLarge(..)
                        | rhai::EvalAltResult::ErrorTerminated(..)
                ) {
                    FailureKind::OverBudget
                } else {
                    FailureKind::Error
                };
                let failure = failure(kind, bare_message(&error));
                tracing::error!("{failure}; asking the field");
                (true, Some(failure))
            }
        }
    }
}
