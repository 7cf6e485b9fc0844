//! What uploaded bytes count against: the session's `max_session_upload_bytes`, and for an
//! upload [`scoped`](super::Upload::scoped) to a user or an organization, the
//! `max_scope_upload_bytes` of all the scope's sessions on the endpoint together.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// The bytes each scope's sessions hold, by scope key. A counter lives while an upload or a
/// file of its scope does; the registry keeps only weak references to them.
#[derive(Debug, Default)]
pub(crate) struct Scopes(Mutex<HashMap<String, Weak<AtomicU64>>>);

impl Scopes {
    /// The counter of scope `key`, shared by every session of it.
    pub(crate) fn counter(&self, key: &str) -> Arc<AtomicU64> {
        let mut scopes = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(counter) = scopes.get(key).and_then(Weak::upgrade) {
            return counter;
        }
        // Scopes no upload holds any more go before the map grows.
        if scopes.len() >= 64 {
            scopes.retain(|_, counter| counter.strong_count() > 0);
        }
        let counter = Arc::new(AtomicU64::new(0));
        scopes.insert(key.to_owned(), Arc::downgrade(&counter));
        counter
    }
}

/// The counters a file's bytes are added to: its session's, and its scope's when it has one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Held {
    pub(crate) session: Arc<AtomicU64>,
    pub(crate) scope: Option<Arc<AtomicU64>>,
}

impl Held {
    pub(crate) fn add(&self, n: u64) {
        self.session.fetch_add(n, Ordering::Relaxed);
        if let Some(scope) = &self.scope {
            scope.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub(crate) fn sub(&self, n: u64) {
        self.session.fetch_sub(n, Ordering::Relaxed);
        if let Some(scope) = &self.scope {
            scope.fetch_sub(n, Ordering::Relaxed);
        }
    }

    /// Whether `n` more bytes fit both quotas.
    pub(crate) fn room_for(&self, n: u64, session_quota: u64, scope_quota: u64) -> bool {
        let fits =
            |held: &AtomicU64, quota: u64| held.load(Ordering::Relaxed).saturating_add(n) <= quota;
        fits(&self.session, session_quota)
            && self.scope.as_ref().is_none_or(|s| fits(s, scope_quota))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sessions_of_a_scope_share_its_counter_and_other_scopes_do_not() {
        let scopes = Scopes::default();
        let a = scopes.counter("user:1");
        let b = scopes.counter("user:1");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &scopes.counter("user:2")));
        let one = Held { session: Arc::default(), scope: Some(a.clone()) };
        let two = Held { session: Arc::default(), scope: Some(b) };
        one.add(600);
        assert!(two.room_for(400, 1000, 1000));
        assert!(!two.room_for(401, 1000, 1000), "the scope holds 600 of 1000");
        assert!(!one.room_for(401, 1000, 10_000), "the session holds 600 of 1000");
        one.sub(600);
        assert!(two.room_for(1000, 1000, 1000));
        let unscoped = Held::default();
        assert!(unscoped.room_for(1000, 1000, 0), "no scope, no scope quota");
    }

    #[test]
    fn a_scope_no_upload_holds_is_forgotten() {
        let scopes = Scopes::default();
        for i in 0..200 {
            let _ = scopes.counter(&format!("user:{i}"));
        }
        let kept = scopes.counter("kept");
        let _ = scopes.counter("another");
        assert!(scopes.0.lock().unwrap().len() < 100);
        assert!(Arc::ptr_eq(&kept, &scopes.counter("kept")));
    }
}
