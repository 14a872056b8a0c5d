//! Turning what hooks return (Rhai values) into the desk's decision types.
//!
//! Every rejection names the hook and the offending value, because it ends up in a supervisor
//! alert and in `topicdesk test` output.

use rhai::{Dynamic, Map};

use crate::duration::Span;
use crate::sla::{Action, PauseWhenAwaiting, SlaClock, SlaTargets};

/// An array of actions (`[notify_agent("..."), add_tag("vip")]`).
pub(crate) fn actions_of(hook: &str, result: Dynamic) -> Result<Vec<Action>, String> {
    let type_name = result.type_name();
    let array = result.try_cast::<rhai::Array>().ok_or_else(|| {
        format!("{hook}() must return an array of actions or (), not {}", friendly_type(type_name))
    })?;
    array
        .into_iter()
        .map(|item| {
            let type_name = item.type_name();
            item.try_cast::<Action>().ok_or_else(|| {
                format!(
                    "{hook}() returned {} in its array; use notify_agent, escalate, set_priority or add_tag",
                    friendly_type(type_name)
                )
            })
        })
        .collect()
}

/// `()` for no SLA, or `#{ first_response: "15m", next_response: "1h", resolution: hours(4) }`.
pub(crate) fn sla_of(result: Dynamic) -> Result<Option<SlaTargets>, String> {
    if result.is_unit() {
        return Ok(None);
    }
    let type_name = result.type_name();
    let map = result.try_cast::<Map>().ok_or_else(|| {
        format!("sla() must return a map of targets or (), not {}", friendly_type(type_name))
    })?;
    let mut targets = SlaTargets::default();
    for (key, value) in map {
        match key.as_str() {
            "first_response" => targets.first_response = span_of(&key, &value)?,
            "next_response" => targets.next_response = span_of(&key, &value)?,
            "resolution" => targets.resolution = span_of(&key, &value)?,
            "calendar" => {
                targets.calendar = match value.to_string().as_str() {
                    "business" => SlaClock::Business,
                    "calendar" => SlaClock::Calendar,
                    other => {
                        return Err(format!(
                            "sla() calendar must be \"business\" or \"calendar\", not `{other}`"
                        ));
                    }
                }
            }
            "pause_when_awaiting" => targets.pause_when_awaiting = pause_of(value)?,
            other => {
                return Err(format!(
                    "sla() returned unknown key `{other}`; expected first_response, next_response, resolution, calendar or pause_when_awaiting"
                ));
            }
        }
    }
    Ok(Some(targets))
}

/// A duration as a string (`"4h"`), a number of seconds (`hours(4)`), or `()` for none.
fn span_of(key: &str, value: &Dynamic) -> Result<Option<Span>, String> {
    if value.is_unit() {
        return Ok(None);
    }
    if let Ok(seconds) = value.as_int() {
        return u64::try_from(seconds)
            .map(|seconds| Some(Span::from_secs(seconds)))
            .map_err(|_| format!("sla() {key} must not be negative, got {seconds}"));
    }
    if value.is_string() {
        return value.to_string().parse::<Span>().map(Some).map_err(|error| format!("sla() {key}: {error}"));
    }
    Err(format!(
        "sla() {key} must be a duration like \"4h\" or hours(4), not {}",
        friendly_type(value.type_name())
    ))
}

/// `true`/`false` for every clock, or a list of metric names that pause.
fn pause_of(value: Dynamic) -> Result<PauseWhenAwaiting, String> {
    if let Ok(all) = value.as_bool() {
        return Ok(PauseWhenAwaiting { first_response: all, next_response: all, resolution: all });
    }
    let type_name = value.type_name();
    let names = value.try_cast::<rhai::Array>().ok_or_else(|| {
        format!(
            "sla() pause_when_awaiting must be true, false or a list of metrics, not {}",
            friendly_type(type_name)
        )
    })?;
    let mut pause = PauseWhenAwaiting { first_response: false, next_response: false, resolution: false };
    for name in names {
        match name.to_string().as_str() {
            "first_response" => pause.first_response = true,
            "next_response" => pause.next_response = true,
            "resolution" => pause.resolution = true,
            other => return Err(format!("sla() pause_when_awaiting names unknown metric `{other}`")),
        }
    }
    Ok(pause)
}

pub(crate) fn friendly_type(rust_or_rhai: &str) -> String {
    let short = rust_or_rhai.rsplit("::").next().unwrap_or(rust_or_rhai);
    match short {
        "()" => "()".to_owned(),
        "i64" => "a number".to_owned(),
        "f64" => "a decimal number".to_owned(),
        "bool" => "a boolean".to_owned(),
        "ImmutableString" | "string" => "a string".to_owned(),
        "Array" | "array" => "an array".to_owned(),
        "Map" | "map" => "a map".to_owned(),
        other => format!("a {other}"),
    }
}
