//! A field a view loads beside its session (Phoenix's `AsyncResult`): [`Context::assign_async`]
//! marks it loading, runs the work on a task of its own, and writes the outcome into the field,
//! which the next render shows, with no callback of the view's own.
//!
//! A reload keeps the value it had until the new one arrives (a page shows the old list, with a
//! spinner, rather than nothing), and a failed reload keeps it too, beside the failure.
//!
//! [`Context::assign_async`]: crate::Context::assign_async

/// A value loaded beside the session: loading, loaded, or failed, and the latest value loaded.
///
/// Its default is [`AsyncResult::loading`]: a view's `mount` builds the field loading, asks
/// for it with `ctx.assign_async(..)`, and the first (disconnected) render shows it loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncResult<T> {
    value: Option<T>,
    state: State,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Loading,
    Loaded,
    Failed(String),
}

impl<T> Default for AsyncResult<T> {
    fn default() -> AsyncResult<T> {
        AsyncResult::loading()
    }
}

impl<T> AsyncResult<T> {
    /// Loading, with no value yet.
    pub fn loading() -> AsyncResult<T> {
        AsyncResult { value: None, state: State::Loading }
    }

    /// Loaded: `value`.
    pub fn ok(value: T) -> AsyncResult<T> {
        AsyncResult { value: Some(value), state: State::Loaded }
    }

    /// Failed, for `reason` (what the page may show), with no value.
    pub fn failed(reason: impl Into<String>) -> AsyncResult<T> {
        AsyncResult { value: None, state: State::Failed(reason.into()) }
    }

    /// Whether it is loading (the first time, or again).
    pub fn is_loading(&self) -> bool {
        self.state == State::Loading
    }

    /// Whether the last load succeeded and no other runs.
    pub fn is_ok(&self) -> bool {
        self.state == State::Loaded
    }

    /// Why the last load failed, if it did and no other runs.
    pub fn failure(&self) -> Option<&str> {
        match &self.state {
            State::Failed(reason) => Some(reason),
            State::Loading | State::Loaded => None,
        }
    }

    /// The latest value loaded: the last load's, or, while a reload runs or after it failed,
    /// the one before.
    pub fn value(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// The latest value, taken out.
    pub fn into_value(self) -> Option<T> {
        self.value
    }

    /// Marks it loading again; `reset` drops the value it had.
    pub(crate) fn reload(&mut self, reset: bool) {
        self.state = State::Loading;
        if reset {
            self.value = None;
        }
    }

    /// Writes a load's outcome: its value, or why it failed (the value before is kept).
    pub(crate) fn settle(&mut self, outcome: Result<T, String>) {
        match outcome {
            Ok(value) => {
                self.value = Some(value);
                self.state = State::Loaded;
            }
            Err(reason) => self.state = State::Failed(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reload_keeps_the_value_until_the_new_one_and_a_failure_keeps_it_too() {
        let mut posts = AsyncResult::<u32>::default();
        assert!(posts.is_loading());
        assert_eq!((posts.value(), posts.failure()), (None, None));
        posts.settle(Ok(3));
        assert!(posts.is_ok() && !posts.is_loading());
        assert_eq!(posts.value(), Some(&3));

        posts.reload(false);
        assert!(posts.is_loading() && !posts.is_ok());
        assert_eq!(posts.value(), Some(&3), "shown while the reload runs");
        posts.settle(Err("the database is down".into()));
        assert_eq!(posts.failure(), Some("the database is down"));
        assert!(!posts.is_ok() && !posts.is_loading());
        assert_eq!(posts.value(), Some(&3), "kept beside the failure");

        posts.reload(true);
        assert_eq!((posts.value(), posts.failure()), (None, None), "a reset drops it");
        assert_eq!(AsyncResult::ok(1), AsyncResult { value: Some(1), state: State::Loaded });
        assert_eq!(AsyncResult::<u8>::failed("no").failure(), Some("no"));
        assert_eq!(AsyncResult::ok(7).into_value(), Some(7));
    }
}
