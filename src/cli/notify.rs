//! systemd's notification protocol for `newsd run` (`Type=notify`): `READY=1` once the store
//! and the index are open and the API listens, `STOPPING=1` when shutdown starts, `WATCHDOG=1`
//! at half the `WatchdogSec` interval. Without `NOTIFY_SOCKET` (not under systemd) each call
//! does nothing.

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Tells systemd the daemon is up.
pub(super) fn ready() {
    send(NotifyState::Ready);
}

/// Sends `STOPPING=1` when `shutdown` fires, and keeps the watchdog fed (when systemd asks for
/// it) until the process exits, drain included.
pub(super) fn spawn_lifecycle(shutdown: CancellationToken) {
    tokio::spawn(async move {
        shutdown.cancelled().await;
        send(NotifyState::Stopping);
    });
    if let Some(period) = sd_notify::watchdog_enabled() {
        debug!(?period, "systemd watchdog enabled");
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period / 2);
            loop {
                ticks.tick().await;
                send(NotifyState::Watchdog);
            }
        });
    }
}

fn send(state: NotifyState<'_>) {
    if let Err(error) = sd_notify::notify(&[state]) {
        warn!(%error, "cannot notify systemd");
    }
}
