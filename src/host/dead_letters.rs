//! The retry requests of `topicdesk dead-letters retry`: another process cannot write the
//! store while the host holds it, so it leaves a request file beside the data file (see
//! `store::request_retry`). This task looks for them once a second (one directory lookup),
//! hands each to the desk loop and removes it once the letters it names were tried; a
//! request left by a stopped host is served at the next start. It beats busy while it
//! looks and serves, idle between looks.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use super::DeskInput;
use crate::http::Heartbeat;

/// How often the task looks for requests.
const LOOK_EVERY: Duration = Duration::from_secs(1);

pub async fn run(
    data_file: PathBuf,
    desk: mpsc::Sender<DeskInput>,
    mut stop: watch::Receiver<bool>,
    beat: Arc<Heartbeat>,
) {
    let mut failing = false;
    loop {
        beat.busy();
        let requests = {
            let data_file = data_file.clone();
            tokio::task::spawn_blocking(move || crate::store::retry_requests(&data_file)).await
        };
        match requests {
            Ok(Ok(requests)) => {
                failing = false;
                for request in requests {
                    tracing::info!(file = %request.file.display(), "retrying dead letters as asked");
                    let (ack, done) = oneshot::channel();
                    let input = DeskInput::RetryDeadLetters { update_ids: request.update_ids.clone(), ack };
                    if desk.send(input).await.is_err() {
                        return;
                    }
                    // Not tried (the store cannot write, or the host stops): the request stays.
                    if done.await.is_err() {
                        break;
                    }
                    if let Err(error) = std::fs::remove_file(&request.file) {
                        tracing::warn!(file = %request.file.display(), %error, "cannot remove a served retry request");
                    }
                }
            }
            Ok(Err(error)) if !failing => {
                failing = true;
                tracing::warn!(%error, "cannot look for dead-letter retry requests");
            }
            Ok(Err(_)) => {}
            Err(join) => tracing::warn!(%join, "looking for dead-letter retry requests failed"),
        }
        beat.idle();
        tokio::select! {
            () = tokio::time::sleep(LOOK_EVERY) => {}
            _ = stop.changed() => return,
        }
    }
}
