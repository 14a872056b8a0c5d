//! The HTTP face: `/bot<token>/<method>` decoded from JSON, form, query or multipart, then one
//! pipeline for every call: token, method known to the spec, scripted server error, parameters
//! checked against the spec, method simulated, storm and rate budget, handler, answer checked
//! against the spec's return type, and a line in the call log; a late answer is held back only
//! after all of that. The handler, the budget and the log
//! run under one world lock, so a test that sees a message also sees the call that made it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Form, FromRequest, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::error::ApiFailure;
use super::faults::Traffic;
use super::inspect::CallRecord;
use super::methods::{self, Call, Run};
use super::multipart;
use super::server::Shared;
use super::spec::{MethodSpec, spec};
use super::updates;
use super::world::World;

/// Uploads up to Telegram's own limit for bots.
const BODY_LIMIT: usize = 50 * 1024 * 1024;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(answer).with_state(shared)
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let mut segments = path.trim_start_matches('/').splitn(2, '/');
    let token = segments.next().and_then(|segment| segment.strip_prefix("bot"));
    let requested = segments.next().unwrap_or_default();
    let revoked = shared.read(|world| world.faults.token_refused(Instant::now()));
    let method = match token {
        None => Err(ApiFailure::not_found()),
        Some(token) if token != shared.token || revoked => Err(ApiFailure::unauthorized()),
        Some(_) => spec().method(requested).ok_or_else(ApiFailure::not_found),
    };
    let method = match method {
        Ok(method) => method,
        Err(failure) => return refuse(&shared, requested, Value::Null, None, failure),
    };
    let (mut params, uploads) = match decode(request).await {
        Ok(decoded) => decoded,
        Err(failure) => return refuse(&shared, &method.name, Value::Null, Some(method), failure),
    };
    let simulated = methods::implementation(&method.name);
    let traffic = simulated.map_or(Traffic::Quiet, |simulated| simulated.traffic);
    let chat_id = params.get("chat_id").and_then(Value::as_i64);
    let checked =
        shared.write(|world| world.faults.scripted_failure(&method.name, traffic, chat_id)).map_or_else(
            || {
                spec()
                    .check_params(method, &mut params)
                    .and_then(|()| simulated.ok_or_else(|| not_simulated(&method.name)))
                    .and_then(|simulated| {
                        super::business::check_honoured(&method.name, &params).map(|()| simulated)
                    })
            },
            Err,
        );
    let simulated = match checked {
        Ok(simulated) => simulated,
        Err(failure) => return refuse(&shared, &method.name, Value::Object(params), Some(method), failure),
    };
    let call = Call { params, uploads };
    let result = match simulated.run {
        Run::LongPoll => {
            let result = updates::get_updates(&shared, &call.params).await;
            shared.write(|world| record(world, &method.name, &call, Some(method), &result));
            result
        }
        Run::Now(handler) => {
            let (result, late) = shared.write(|world| {
                let chat_id = call.value("chat_id").and_then(|chat| world.resolve_chat(chat).ok());
                let admitted = world.faults.admit(traffic, chat_id, Instant::now());
                let result = admitted.and_then(|()| handler(world, &call));
                record(world, &method.name, &call, Some(method), &result);
                let late = world.faults.late_answer(&method.name, traffic, chat_id);
                (result, late)
            });
            // Carried out, then answered late: the client may have given up and sent it again.
            if let Some(delay) = late {
                tokio::time::sleep(delay).await;
            }
            result
        }
    };
    reply(&result)
}

/// Logs and answers a call refused before any method ran.
fn refuse(
    shared: &Shared,
    method: &str,
    params: Value,
    spec: Option<&MethodSpec>,
    failure: ApiFailure,
) -> Response {
    let params = match params {
        Value::Object(params) => params,
        _ => Map::new(),
    };
    let call = Call { params, uploads: HashMap::new() };
    let result = Err(failure);
    shared.write(|world| record(world, method, &call, spec, &result));
    reply(&result)
}

fn not_simulated(method: &str) -> ApiFailure {
    ApiFailure::bad_request(format!("method {method} is in the Bot API but not simulated by the fake"))
}

/// Appends to the call log; a successful answer is first checked against the spec's return type.
fn record(
    world: &mut World,
    method: &str,
    call: &Call,
    documented: Option<&MethodSpec>,
    result: &Result<Value, ApiFailure>,
) {
    let (status, description, result) = match result {
        Ok(result) => (200, None, Some(result.clone())),
        Err(failure) => (failure.status, Some(failure.description.clone()), None),
    };
    if let (Some(documented), Some(result)) = (documented, &result)
        && let Err(violation) = spec().check_result(documented, result)
    {
        tracing::error!(%violation, "fake Telegram answer breaks the Bot API spec");
        world.violations.push(violation);
    }
    if let Some(description) = &description {
        tracing::debug!(method, status, description, "fake Telegram refused a call");
    }
    let params = Value::Object(call.params.clone());
    world.calls.push(CallRecord { method: method.to_owned(), params, status, description, result });
}

fn reply(result: &Result<Value, ApiFailure>) -> Response {
    let (status, body) = match result {
        Ok(result) => (200, json!({ "ok": true, "result": result })),
        Err(failure) => (failure.status, failure.to_json()),
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Parameters from the query string and the body (JSON, form or multipart), plus uploaded files.
async fn decode(request: Request) -> Result<(Map<String, Value>, HashMap<String, String>), ApiFailure> {
    let bad = |what: String| ApiFailure::bad_request(what);
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let media_type = content_type.to_ascii_lowercase();
    let mut params = Map::new();
    let mut uploads = HashMap::new();
    if let Some(query) = request.uri().query().filter(|query| !query.is_empty()) {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
            .map_err(|error| bad(format!("can't parse query string `{query}`: {error}")))?;
        params.extend(pairs.into_iter().map(|(key, value)| (key, Value::String(value))));
    }
    if media_type.starts_with("application/x-www-form-urlencoded") {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, &())
            .await
            .map_err(|error| bad(format!("can't parse form body: {error}")))?;
        params.extend(pairs.into_iter().map(|(key, value)| (key, Value::String(value))));
        return Ok((params, uploads));
    }
    let body =
        axum::body::to_bytes(request.into_body(), BODY_LIMIT).await.map_err(|_| ApiFailure::too_large())?;
    if media_type.starts_with("multipart/form-data") {
        for part in multipart::parse(&content_type, &body).map_err(bad)? {
            match part.file_name {
                Some(file_name) => {
                    uploads.insert(part.name, file_name);
                }
                None => {
                    params.insert(part.name, Value::String(String::from_utf8_lossy(&part.data).into_owned()));
                }
            }
        }
    } else if !body.iter().all(u8::is_ascii_whitespace) {
        let Value::Object(object) =
            serde_json::from_slice(&body).map_err(|error| bad(format!("can't parse JSON body: {error}")))?
        else {
            return Err(bad("the JSON body must be an object".to_owned()));
        };
        params.extend(object);
    }
    Ok((params, uploads))
}
