//! PostgreSQL: for councils that run several instances against one database.

use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};

use super::StoreError;

pub(super) async fn connect(
    url: &SecretString,
    max_connections: u32,
) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url.expose_secret())
        .map_err(StoreError::Postgres)?
        .application_name("casewatch");
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(|conn, _| {
            Box::pin(async move {
                no_jit(conn).await?;
                no_delay(conn).await
            })
        })
        .connect_lazy_with(options);
    open_at_once(&pool, OPENED_AT_START.min(max_connections))
        .await
        .map_err(StoreError::Postgres)?;
    Ok(pool)
}

/// Connections opened at start: the big reads use one per part at once
/// (`parts.rs`), and the connection a query used a moment before is back
/// in the pool only once sqlx has checked it, so a third is often opened
/// too; the sender claims and records on two while it sends.
const OPENED_AT_START: u32 = 3;

/// Opens `count` connections side by side and leaves them idle in the
/// pool. Over TLS each one takes about 0.1 s to open (its handshake runs
/// before [`no_delay`] can act) and a pool opens them as they are first
/// needed, one after another: three in a row were 0.3 s of a 2 s tracker.
/// The first error (a wrong address or password) is returned, as from
/// connecting. They are put back before this returns: a dropped connection
/// goes back to the pool in a task of its own, and a query made before that
/// task ran would open yet another. (`return_to_pool` is public but left
/// out of sqlx's documentation; should it go, this fails to build rather
/// than quietly opening connections one by one again.)
async fn open_at_once(pool: &PgPool, count: u32) -> Result<(), sqlx::Error> {
    let opened = (0..count.max(1)).map(|_| pool.acquire());
    let mut connections = futures_util::future::try_join_all(opened).await?;
    let put_back = connections.iter_mut().map(|c| c.return_to_pool());
    futures_util::future::join_all(put_back).await;
    Ok(())
}

/// casewatch's queries are short lookups or single reads of many rows,
/// never worth compiling: with JIT on, PostgreSQL spent 0.8 s compiling the
/// tracker's 0.1 s lookup of its listed rows. Set by a statement rather
/// than in the start-up packet's `options`, which connection poolers such
/// as PgBouncer refuse.
async fn no_jit(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET jit = off").execute(conn).await?;
    Ok(())
}

/// Turns off Nagle's algorithm on a new connection's socket, as libpq
/// does. sqlx 0.9.0 leaves it on (transact-rs/sqlx#4335; fixed upstream,
/// not yet released), and a statement of more than a few dozen kilobytes
/// (an e-mail's bodies) then often waited 40 ms for the server's delayed
/// ACK before its last packet left: 27 s of a 1,000,000-stage first poll.
/// sqlx gives no access to the socket, so it is found by the local port
/// the server reports; a connection by Unix socket has none to change.
/// Never fails the connection: without the option it is only slower.
async fn no_delay(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let port: Result<Option<i32>, _> = sqlx::query_scalar("SELECT inet_client_port()")
        .fetch_one(conn)
        .await;
    match port {
        Ok(port) => {
            if let Some(port) = port.and_then(|p| u16::try_from(p).ok()) {
                no_delay_on_local_port(port);
            }
        }
        Err(problem) => {
            tracing::debug!(%problem, "cannot ask for the database connection's port");
        }
    }
    Ok(())
}

/// Sets `TCP_NODELAY` on this process's TCP sockets bound to local `port`
/// (only the new connection's, unless a proxy between changed its port;
/// then possibly none, and sending is merely slower).
#[cfg(target_os = "linux")]
fn no_delay_on_local_port(port: u16) {
    use std::os::fd::{BorrowedFd, RawFd};
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    for entry in fds.flatten() {
        let Some(fd) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<RawFd>().ok())
        else {
            continue;
        };
        // SAFETY: the descriptor was open when listed and is only queried
        // and given a socket option; should another thread close it (and
        // the number be reused) in between, the calls fail or find another
        // port, and nothing is changed.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        let bound_here = socket
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .is_some_and(|a| a.port() == port);
        if bound_here && let Err(problem) = socket.set_tcp_nodelay(true) {
            tracing::debug!(%problem, "cannot set TCP_NODELAY on the database connection");
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn no_delay_on_local_port(_port: u16) {}
