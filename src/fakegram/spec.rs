//! The Bot API as data: the vendored `api.json` (Bot API 10.1, PaulSonOfLars/telegram-bot-api-spec)
//! embedded in the binary, and the one recursive checker that holds both directions to it.
//!
//! Requests: method names are found case-insensitively, required parameters must be present,
//! parameters the spec does not list are refused, values must have the listed types, and nested
//! objects (keyboards, reply parameters) are checked field by field. Form and multipart values arrive
//! as strings and are converted to the listed type first. Responses: every result the fake returns is
//! checked against the method's return type, so a misspelt or missing field in our own rendering shows
//! up as a recorded violation instead of a confusing decode error in a client.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::ApiFailure;

const API_JSON: &str = include_str!("../../tests/fixtures/telegram-bot-api/api.json");

/// Nested objects deeper than this are accepted unchecked (the spec has recursive types).
const MAX_DEPTH: usize = 12;

/// One parameter of a method or field of a type.
#[derive(Debug, Deserialize)]
pub(crate) struct Field {
    pub name: String,
    pub types: Vec<String>,
    pub required: bool,
}

/// A method of the Bot API.
#[derive(Debug, Deserialize)]
pub(crate) struct MethodSpec {
    /// The canonical spelling, e.g. `sendMessage`.
    pub name: String,
    pub returns: Vec<String>,
    #[serde(default)]
    pub fields: Vec<Field>,
}

#[derive(Debug, Deserialize)]
struct TypeSpec {
    #[serde(default)]
    fields: Vec<Field>,
    #[serde(default)]
    subtypes: Vec<String>,
}

#[derive(Deserialize)]
struct RawSpec {
    version: String,
    methods: HashMap<String, MethodSpec>,
    types: HashMap<String, TypeSpec>,
}

/// The parsed spec; methods keyed by their lowercased name.
pub(crate) struct Spec {
    pub version: String,
    methods: HashMap<String, MethodSpec>,
    types: HashMap<String, TypeSpec>,
}

static SPEC: LazyLock<Spec> = LazyLock::new(|| {
    let raw: RawSpec =
        serde_json::from_str(API_JSON).expect("the vendored api.json is valid JSON of the known shape");
    let methods = raw.methods.into_values().map(|method| (method.name.to_lowercase(), method)).collect();
    Spec { version: raw.version, methods, types: raw.types }
});

/// The embedded Bot API spec.
pub(crate) fn spec() -> &'static Spec {
    &SPEC
}

impl Spec {
    /// The method called `name`, compared case-insensitively as Telegram does.
    pub fn method(&self, name: &str) -> Option<&MethodSpec> {
        self.methods.get(&name.to_lowercase())
    }

    /// Converts string values to the parameter's type and checks every parameter against the spec.
    /// JSON `null` counts as absent.
    pub fn check_params(
        &self,
        method: &MethodSpec,
        params: &mut Map<String, Value>,
    ) -> Result<(), ApiFailure> {
        params.retain(|_, value| !value.is_null());
        if let Some(unknown) =
            params.keys().find(|key| !method.fields.iter().any(|field| &field.name == *key))
        {
            return Err(ApiFailure::bad_request(format!(
                "parameter \"{unknown}\" is unknown to {} (the fake is strict)",
                method.name
            )));
        }
        for field in &method.fields {
            let Some(value) = params.get_mut(&field.name) else {
                if field.required {
                    return Err(ApiFailure::bad_request(format!("parameter \"{}\" is required", field.name)));
                }
                continue;
            };
            coerce_string(value, &field.types);
            self.check_value(value, &field.types, 0).map_err(|problem| {
                ApiFailure::bad_request(format!("can't parse parameter \"{}\": {problem}", field.name))
            })?;
        }
        Ok(())
    }

    /// Checks a result the fake is about to return against the method's documented return type.
    pub fn check_result(&self, method: &MethodSpec, result: &Value) -> Result<(), String> {
        self.check_value(result, &method.returns, 0)
            .map_err(|problem| format!("{} returned a value the spec does not allow: {problem}", method.name))
    }

    /// Checks `value` against a list of alternative types; for objects, the error of the alternative
    /// that knows most of its fields is reported.
    fn check_value(&self, value: &Value, types: &[String], depth: usize) -> Result<(), String> {
        let mut errors = Vec::new();
        for ty in types {
            match self.check_one(value, ty, depth) {
                Ok(()) => return Ok(()),
                Err(problem) => errors.push((self.affinity(value, ty), problem)),
            }
        }
        if !value.is_object() && !value.is_array() {
            return Err(format!("expected {}, found {value}", types.join(" or ")));
        }
        let closest = errors.into_iter().rev().max_by_key(|(affinity, _)| *affinity);
        Err(closest.map_or_else(|| "no type listed".to_owned(), |(_, problem)| problem))
    }

    /// How many of an object's fields a type (or one of its subtypes) knows.
    fn affinity(&self, value: &Value, ty: &str) -> usize {
        let (Some(object), Some(spec)) = (value.as_object(), self.types.get(ty)) else { return 0 };
        let known = object.keys().filter(|key| spec.fields.iter().any(|field| &field.name == *key)).count();
        spec.subtypes.iter().map(|subtype| self.affinity(value, subtype)).fold(known, usize::max)
    }

    fn check_one(&self, value: &Value, ty: &str, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        let fits = match ty {
            "Integer" => value.is_i64() || value.is_u64(),
            "Float" => value.is_number(),
            "Boolean" => value.is_boolean(),
            "String" | "InputFile" => value.is_string(),
            _ => {
                if let Some(element) = ty.strip_prefix("Array of ") {
                    let Value::Array(items) = value else {
                        return Err(format!("expected {ty}, found {value}"));
                    };
                    return items.iter().try_for_each(|item| self.check_one(item, element, depth + 1));
                }
                return self.check_object(value, ty, depth);
            }
        };
        if fits { Ok(()) } else { Err(format!("expected {ty}, found {value}")) }
    }

    fn check_object(&self, value: &Value, ty: &str, depth: usize) -> Result<(), String> {
        let Some(spec) = self.types.get(ty) else { return Err(format!("type {ty} is not in the spec")) };
        if !spec.subtypes.is_empty() {
            return self.check_value(value, &spec.subtypes, depth + 1);
        }
        let Value::Object(object) = value else { return Err(format!("expected {ty} object, found {value}")) };
        if let Some(unknown) = object.keys().find(|key| !spec.fields.iter().any(|field| &field.name == *key))
        {
            return Err(format!("unknown field \"{unknown}\" in {ty}"));
        }
        for field in &spec.fields {
            match object.get(&field.name) {
                None if field.required => {
                    return Err(format!("field \"{}\" of {ty} is required", field.name));
                }
                None => {}
                Some(inner) => self
                    .check_value(inner, &field.types, depth + 1)
                    .map_err(|problem| format!("{ty}.{}: {problem}", field.name))?,
            }
        }
        Ok(())
    }
}

/// Form, query and multipart values are strings; JSON bodies may also quote numbers. Converts a string
/// to the listed type when the parameter cannot be a string.
fn coerce_string(value: &mut Value, types: &[String]) {
    let Value::String(text) = value else { return };
    if types.iter().any(|ty| ty == "String" || ty == "InputFile") {
        return;
    }
    let converted = if types.iter().any(|ty| ty == "Integer") {
        text.parse::<i64>().ok().map(Value::from)
    } else if types.iter().any(|ty| ty == "Float") {
        text.parse::<f64>().ok().map(Value::from)
    } else if types.iter().any(|ty| ty == "Boolean") {
        text.parse::<bool>().ok().map(Value::from)
    } else {
        serde_json::from_str(text).ok()
    };
    if let Some(converted) = converted {
        *value = converted;
    }
}
