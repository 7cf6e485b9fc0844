//! The limits a hostile client meets before any view code runs: a frame budget per socket
//! (every inbound frame takes a token, malformed ones included, and too many protocol errors
//! close the socket) and the per-client limits (sockets held open, joins per minute).
//!
//! Per-client state is keyed by the client's address ([`ClientAddr`]); entries of clients
//! with no open socket and a full join budget are pruned, so the table stays as large as the
//! set of recently active clients.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::config::LiveConfig;

/// A token bucket: `rate` per second, up to `burst`.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(crate) fn new(rate: f64, burst: f64) -> Bucket {
        Bucket { tokens: burst, rate, burst, at: Instant::now() }
    }

    fn refill(&mut self, now: Instant) {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.at = now;
    }

    /// Takes a token if there is one.
    pub(crate) fn take(&mut self) -> bool {
        self.refill(Instant::now());
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= self.burst
    }
}

/// What one socket may send: `events_per_second` frames (burst `event_burst`) and
/// `max_protocol_errors` frames that are not the protocol.
#[derive(Debug)]
pub(crate) struct FrameBudget {
    bucket: Bucket,
    errors: u32,
    max_errors: u32,
}

/// Whether zero-live was built with its `unchecked` feature: the per-frame rate limit, the
/// per-client limits, the host allow-list and the client address are compiled out, so the
/// bench harness can price them (`zero-bench checks`). A release build of an app refuses to
/// start with it ([`crate::keys::check_release`]).
pub(crate) const UNCHECKED: bool = cfg!(feature = "unchecked");

/// What to do with an inbound frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Handle it.
    Yes,
    /// Over the rate: answer `rate_limited` and drop it.
    RateLimited,
}

impl FrameBudget {
    pub(crate) fn new(config: &LiveConfig) -> FrameBudget {
        let burst = f64::from(config.rate_limits.event_burst.max(1));
        let rate = f64::from(config.rate_limits.events_per_second.max(1));
        FrameBudget {
            bucket: Bucket::new(rate, burst),
            errors: 0,
            max_errors: config.limits.max_protocol_errors,
        }
    }

    /// Every inbound frame passes here first.
    pub(crate) fn admit(&mut self) -> Admit {
        if UNCHECKED {
            return Admit::Yes;
        }
        if self.bucket.take() { Admit::Yes } else { Admit::RateLimited }
    }

    /// Counts a frame that broke the protocol; true when the socket has used up its allowance
    /// and must close (1008).
    pub(crate) fn protocol_error(&mut self) -> bool {
        self.errors = self.errors.saturating_add(1);
        self.errors > self.max_errors
    }
}

/// The address per-client limits key on: the TCP peer, or the client a trusted proxy names.
/// `None` when the server was not started with connect info; such requests share one entry,
/// so the limits still hold (fail closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(pub Option<IpAddr>);

/// Why a client was refused a socket or a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientRefusal {
    /// `max_sessions_per_client` sockets already open.
    Sessions,
    /// `joins_per_minute` used up.
    Joins,
}

#[derive(Debug)]
struct ClientState {
    sockets: u32,
    joins: Bucket,
}

/// The clients seen, under one lock.
#[derive(Debug)]
struct Table {
    clients: HashMap<ClientAddr, ClientState>,
    /// Prune when the table grows past this (doubles with the live set).
    prune_at: usize,
}

impl Table {
    /// Drops idle entries once the table has doubled since the last prune.
    fn prune(&mut self) {
        if self.clients.len() < self.prune_at {
            return;
        }
        let now = Instant::now();
        self.clients.retain(|_, state| state.sockets > 0 || !state.joins.is_full(now));
        self.prune_at = (self.clients.len() * 2).max(PRUNE_FLOOR);
    }
}

/// The per-client table.
#[derive(Debug)]
pub(crate) struct Clients {
    table: Mutex<Table>,
    max_sockets: u32,
    joins_per_minute: u32,
}

/// One open socket of a client; dropping it gives the slot back.
#[derive(Debug)]
pub(crate) struct ClientSlot {
    clients: Arc<Clients>,
    addr: ClientAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if UNCHECKED {
            return;
        }
        let mut table = self.clients.table.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(state) = table.clients.get_mut(&self.addr) {
            state.sockets = state.sockets.saturating_sub(1);
        }
    }
}

const PRUNE_FLOOR: usize = 1024;

impl Clients {
    pub(crate) fn new(config: &LiveConfig) -> Clients {
        Clients {
            table: Mutex::new(Table { clients: HashMap::new(), prune_at: PRUNE_FLOOR }),
            max_sockets: config.limits.max_sessions_per_client,
            joins_per_minute: config.rate_limits.joins_per_minute.max(1),
        }
    }

    fn fresh(&self) -> ClientState {
        let burst = f64::from(self.joins_per_minute);
        ClientState { sockets: 0, joins: Bucket::new(burst / 60.0, burst) }
    }

    /// A socket slot for `addr`, unless it holds `max_sessions_per_client` already.
    pub(crate) fn open(self: &Arc<Clients>, addr: ClientAddr) -> Result<ClientSlot, ClientRefusal> {
        if UNCHECKED {
            return Ok(ClientSlot { clients: self.clone(), addr });
        }
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        table.prune();
        let state = table.clients.entry(addr).or_insert_with(|| self.fresh());
        if state.sockets >= self.max_sockets {
            return Err(ClientRefusal::Sessions);
        }
        state.sockets += 1;
        Ok(ClientSlot { clients: self.clone(), addr })
    }

    /// Takes one of the client's joins for this minute.
    pub(crate) fn join(&self, slot: &ClientSlot) -> Result<(), ClientRefusal> {
        if UNCHECKED {
            return Ok(());
        }
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let state = table.clients.entry(slot.addr).or_insert_with(|| self.fresh());
        if state.joins.take() { Ok(()) } else { Err(ClientRefusal::Joins) }
    }

    /// Clients in the table (for tests and metrics).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.table.lock().unwrap_or_else(PoisonError::into_inner).clients.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn config(edit: impl FnOnce(&mut LiveConfig)) -> LiveConfig {
        let mut c = LiveConfig::default();
        edit(&mut c);
        c
    }

    fn addr(last: u8) -> ClientAddr {
        ClientAddr(Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))))
    }

    #[test]
    fn every_frame_takes_a_token_and_errors_past_the_allowance_close() {
        let c = config(|c| {
            c.rate_limits.event_burst = 3;
            c.rate_limits.events_per_second = 1;
            c.limits.max_protocol_errors = 2;
        });
        let mut budget = FrameBudget::new(&c);
        assert_eq!([budget.admit(), budget.admit(), budget.admit()], [Admit::Yes; 3]);
        assert_eq!(budget.admit(), Admit::RateLimited);
        assert!(!budget.protocol_error());
        assert!(!budget.protocol_error());
        assert!(budget.protocol_error(), "the third error is one too many");
    }

    #[test]
    fn a_client_holds_its_cap_of_sockets_and_gets_one_back_when_one_closes() {
        let clients = Arc::new(Clients::new(&config(|c| c.limits.max_sessions_per_client = 2)));
        let a = clients.open(addr(1)).unwrap();
        let _b = clients.open(addr(1)).unwrap();
        assert_eq!(clients.open(addr(1)).unwrap_err(), ClientRefusal::Sessions);
        assert!(clients.open(addr(2)).is_ok(), "another client has its own cap");
        drop(a);
        assert!(clients.open(addr(1)).is_ok());
    }

    #[test]
    fn joins_per_minute_hold_across_sockets_of_one_client() {
        let clients = Arc::new(Clients::new(&config(|c| c.rate_limits.joins_per_minute = 2)));
        for _ in 0..2 {
            let slot = clients.open(addr(1)).unwrap();
            assert!(clients.join(&slot).is_ok());
        }
        let slot = clients.open(addr(1)).unwrap();
        assert_eq!(clients.join(&slot).unwrap_err(), ClientRefusal::Joins);
        let other = clients.open(addr(2)).unwrap();
        assert!(clients.join(&other).is_ok());
    }

    #[test]
    fn idle_clients_are_pruned_and_busy_ones_kept() {
        let clients = Arc::new(Clients::new(&LiveConfig::default()));
        let held = clients.open(addr(0)).unwrap();
        for i in 0..(PRUNE_FLOOR + 10) {
            let ip = IpAddr::V4(Ipv4Addr::from(u32::try_from(i).unwrap() + (10 << 24)));
            drop(clients.open(ClientAddr(Some(ip))).unwrap());
        }
        assert!(clients.len() < PRUNE_FLOOR, "{} entries", clients.len());
        assert!(clients.len() >= 1, "the client with an open socket stays");
        drop(held);
    }
}
