//! Work that would hold the runtime's thread for long, run on one of
//! tokio's blocking threads instead, so that the runtime's thread goes on
//! with what runs beside it.

/// Runs `work` on a blocking thread and waits for it; `None` when the
/// runtime shut down before it ran. A panic in `work` is a bug, and goes on
/// here as it would have, had `work` run on this thread.
pub async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => Some(done),
        Err(e) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(_) => None,
        },
    }
}
