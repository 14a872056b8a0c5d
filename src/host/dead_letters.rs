//! Retry requests left by `topicdesk dead-letters retry` while no desk ran (see
//! `store::request_retry`): served once at start, each through the desk loop as the control
//! socket's requests are, and removed once the letters it names were tried. A running desk
//! takes `dead-letters retry` on its control socket instead, so nothing here polls.

use std::path::PathBuf;

use tokio::sync::{mpsc, oneshot};

use super::DeskInput;
use crate::privacy::{Answer, Request};

/// Serves the requests waiting beside `data_file`, oldest first; one not served (the store
/// cannot write, or the desk stops) stays for the next start.
pub async fn serve_left(data_file: PathBuf, desk: mpsc::Sender<DeskInput>) {
    let requests = match tokio::task::spawn_blocking(move || crate::store::retry_requests(&data_file)).await {
        Ok(Ok(requests)) => requests,
        Ok(Err(error)) => {
            tracing::warn!(%error, "cannot look for dead-letter retry requests");
            return;
        }
        Err(join) => {
            tracing::warn!(%join, "looking for dead-letter retry requests failed");
            return;
        }
    };
    for request in requests {
        tracing::info!(file = %request.file.display(), "retrying dead letters as asked while the desk was stopped");
        let (reply, answered) = oneshot::channel();
        let update_ids = request.update_ids.clone();
        if desk
            .send(DeskInput::Control { request: Request::RetryDeadLetters { update_ids }, reply })
            .await
            .is_err()
        {
            return;
        }
        match answered.await {
            Ok(Answer::Retried { applied, failed }) => {
                tracing::info!(applied, failed, "dead letters retried");
                if let Err(error) = std::fs::remove_file(&request.file) {
                    tracing::warn!(file = %request.file.display(), %error, "cannot remove a served retry request");
                }
            }
            Ok(other) => {
                tracing::warn!(?other, file = %request.file.display(), "a retry request was not served; it stays");
                return;
            }
            Err(_) => return,
        }
    }
}
