//! The control channel: a Unix socket beside the data file (`topicdesk.sock`, mode 0600,
//! so only the account running the desk, or root, can speak on it). The store has one
//! writer, this process; `topicdesk forget` and `topicdesk compact` ask it here instead of
//! opening the file beside it. One request per connection, one JSON line each way
//! (`privacy::Request`, `privacy::Answer`); the desk loop carries the request out in its
//! own transaction and the answer says what came of it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot, watch};

use super::DeskInput;
use crate::privacy::{Answer, Request};

/// The longest request line taken.
const MAX_LINE: u64 = 64 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds the socket at `path`: a socket file left by a desk that did not stop cleanly is
/// replaced (this process holds the data file, so no other desk serves it), anything else
/// there is refused.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => std::fs::remove_file(path)?,
        Ok(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a socket", path.display()),
            ));
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Serves requests until asked to stop, then removes the socket file.
pub async fn run(
    listener: UnixListener,
    path: PathBuf,
    desk: mpsc::Sender<DeskInput>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => break,
        };
        match stream {
            Ok((stream, _)) => {
                // Each request on its own: a slow client holds nobody else.
                tokio::spawn(serve(stream, desk.clone()));
            }
            Err(error) => {
                tracing::warn!(%error, "the control socket could not take a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    let _ = std::fs::remove_file(&path);
}

async fn serve(stream: UnixStream, desk: mpsc::Sender<DeskInput>) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = BufReader::new(tokio::io::AsyncReadExt::take(read, MAX_LINE));
    let answer = match tokio::time::timeout(READ_TIMEOUT, reader.read_line(&mut line)).await {
        Err(_) => Answer::Failed { error: "no request within 10 s".into() },
        Ok(Err(error)) => Answer::Failed { error: format!("the request could not be read: {error}") },
        Ok(Ok(_)) => match serde_json::from_str::<Request>(line.trim()) {
            Err(error) => Answer::Failed { error: format!("not a request: {error}") },
            Ok(request) => {
                tracing::info!(?request, "a request on the control socket");
                let (reply, answered) = oneshot::channel();
                if desk.send(DeskInput::Control { request, reply }).await.is_err() {
                    Answer::Failed { error: "the desk is stopping".into() }
                } else {
                    answered.await.unwrap_or_else(|_| Answer::Failed {
                        error: "the desk gave the request up (the data file cannot be written, or it stops)"
                            .into(),
                    })
                }
            }
        },
    };
    let mut text = serde_json::to_string(&answer).expect("answers are plain data");
    text.push('\n');
    if let Err(error) = write.write_all(text.as_bytes()).await {
        tracing::warn!(%error, "the control socket's client left before its answer");
    }
}
