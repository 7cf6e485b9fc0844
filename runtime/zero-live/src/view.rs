//! Live views: a struct holding the view's typed assigns, rendered by its compiled template.

use std::any::Any;
use std::collections::BTreeMap;

use std::time::Duration;

use serde_json::Value;
use zero_live_core::{Js, Rendered, Template};

use crate::hooks::Flow;
use crate::timers::TimerRef;

/// What a callback may ask of the session besides changing assigns.
#[derive(Debug, Default)]
pub struct Context {
    connected: bool,
    path: String,
    query: BTreeMap<String, String>,
    /// The values of the route's `{name}` segments.
    pub(crate) params: BTreeMap<String, String>,
    /// The app's shared values (`LiveBuilder::state`).
    pub(crate) state: std::sync::Arc<axum::http::Extensions>,
    /// What the request's middleware put in its extensions (the page's request for a
    /// disconnected render, the socket's upgrade request for a connected one).
    pub(crate) extensions: std::sync::Arc<axum::http::Extensions>,
    pub(crate) title: Option<String>,
    pub(crate) redirect: Option<String>,
    /// Whether `redirect` was asked as external ([`Context::redirect_external`]).
    pub(crate) external: bool,
    pub(crate) navigate: Option<String>,
    pub(crate) patch: Option<String>,
    pub(crate) flash: BTreeMap<String, String>,
    /// Whether the flash changed since it was last sent.
    pub(crate) flash_changed: bool,
    pub(crate) subscriptions: Vec<String>,
    /// Timers started and cancelled by the callback (see [`crate::timers`]).
    pub(crate) timers: Vec<crate::timers::Request>,
    /// Async work started and cancelled by the callback (see [`crate::tasks`]).
    pub(crate) tasks: Vec<crate::tasks::Request>,
    /// Hooks attached and detached by the callback (see [`crate::hooks`]).
    pub(crate) hooks: Vec<crate::hooks::Request>,
    /// The session's mailbox, once it has one: a messenger asked for now is connected at once.
    pub(crate) mailbox: Option<tokio::sync::mpsc::Sender<crate::pubsub::Info>>,
    /// Messengers asked for before the session had a mailbox: connected after the callback.
    pub(crate) messengers: Vec<crate::Messenger>,
    pub(crate) pushes: Vec<(String, Value)>,
    pub(crate) execs: Vec<Js>,
    pub(crate) target: Option<String>,
}

impl Context {
    pub(crate) fn new(connected: bool, url: &str) -> Context {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        Context { connected, path: path.to_owned(), query, ..Context::default() }
    }

    /// Whether the view runs in a live session (false for the first, disconnected render).
    pub fn connected(&self) -> bool {
        self.connected
    }

    /// The request path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A value the app shared with every view (`LiveBuilder::state`), e.g. its database pool:
    /// `let db = ctx.state::<Db>().cloned()`.
    pub fn state<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.state.get::<T>()
    }

    /// A value the request's middleware put in its extensions: the router pipeline's scope
    /// (`ctx.extension::<Scope>()`), its request id. A disconnected render sees the page
    /// request's, a connected session its socket's upgrade request's, so both see the same
    /// pipeline's work (the socket carries the page's cookies).
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions.get::<T>()
    }

    /// The value of the route's `{name}` segment (`id` of `/posts/{id}`), percent-decoded.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A query parameter (raw, as in the URL).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }

    /// Sets the page title (sent with the next diff).
    pub fn set_title(&mut self, title: impl Into<String>) {
        self.title = Some(title.into());
    }

    /// Sends the browser to another page with a full load. Called from `mount`, the page is
    /// never shown: a disconnected render answers `303 See Other`, a join a `redirect`
    /// (how a view that needs a signed-in user sends a visitor to the login page).
    ///
    /// `to` must be a local path (`/login?next=/posts`); anything else goes to `/`, so a value
    /// from a request can never send a user to another site.
    pub fn redirect(&mut self, to: impl Into<String>) {
        self.redirect = Some(to.into());
        self.external = false;
    }

    /// Like [`Context::redirect`], to an `https://` or `http://` URL on another site, which
    /// must be one of `[network] redirect_hosts`; another URL goes to `/`.
    pub fn redirect_external(&mut self, url: impl Into<String>) {
        self.redirect = Some(url.into());
        self.external = true;
    }

    /// Moves to the live view at `to` over the same socket: this view terminates
    /// ([`Terminate::Navigate`]), the other mounts, and the flash goes along. A path that is not
    /// a live route of the endpoint loads in full; one that is not a local path goes to `/`.
    pub fn push_navigate(&mut self, to: impl Into<String>) {
        self.navigate = Some(to.into());
    }

    /// Updates the URL without leaving the view (`handle_params` runs); `to` is a local path
    /// (another is not sent).
    pub fn push_patch(&mut self, to: impl Into<String>) {
        self.patch = Some(to.into());
    }

    /// Shows a flash message of `kind` (`info`, `error`) with the next render; it survives a
    /// [`Context::redirect`] and a [`Context::push_navigate`].
    pub fn put_flash(&mut self, kind: &str, message: impl Into<String>) {
        self.flash.insert(kind.to_owned(), message.into());
        self.flash_changed = true;
    }

    /// Removes the flash message of `kind` from the page.
    pub fn clear_flash(&mut self, kind: &str) {
        if self.flash.remove(kind).is_some() {
            self.flash_changed = true;
        }
    }

    /// Sends `event` with `payload` to the page: hooks that called `handleEvent(event, ..)`
    /// receive it, and the window gets a `zl:EVENT` `CustomEvent` with the payload as detail.
    /// Only connected views push (a disconnected render has no socket).
    pub fn push_event(&mut self, event: impl Into<String>, payload: Value) {
        if self.connected {
            self.pushes.push((event.into(), payload));
        }
    }

    /// Runs JS commands on the page after this render (see [`Js`]).
    pub fn exec(&mut self, js: Js) {
        if self.connected && !js.is_empty() {
            self.execs.push(js);
        }
    }

    /// The `z-target` of the element that sent the current event, if it had one: the id of the
    /// component the event is meant for.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// Subscribes the session to `topic`: messages published there reach `handle_info`, from
    /// any callback of a connected view (a disconnected render has no session).
    pub fn subscribe(&mut self, topic: impl Into<String>) {
        if self.connected {
            self.subscriptions.push(topic.into());
        }
    }

    /// Sends the view `message`: `handle_info` gets it once this callback has returned and its
    /// render is sent. A disconnected render has no session: nothing is sent.
    pub fn send_self<M: Any + Send + Sync>(&mut self, message: M) -> TimerRef {
        self.start_timer(Duration::ZERO, None, message)
    }

    /// Sends the view `message` after `delay` (to `handle_info`), unless the timer is
    /// cancelled ([`Context::cancel_timer`]) or the view has gone by then (a live navigation to
    /// another view, the session's end). Only a connected view starts timers.
    pub fn send_after<M: Any + Send + Sync>(&mut self, delay: Duration, message: M) -> TimerRef {
        self.start_timer(delay, None, message)
    }

    /// Sends the view `message` every `period` (at least [`crate::timers::MIN_INTERVAL`]), the
    /// first time one period from now, until cancelled or the view has gone. A tick the session
    /// was too busy for is not made up: the next one is a period after the late one.
    pub fn interval<M: Any + Send + Sync>(&mut self, period: Duration, message: M) -> TimerRef {
        let period = period.max(crate::timers::MIN_INTERVAL);
        self.start_timer(period, Some(period), message)
    }

    /// Cancels a timer of this view; one that already fired, or is unknown, changes nothing.
    pub fn cancel_timer(&mut self, timer: TimerRef) {
        if self.connected {
            self.timers.push(crate::timers::Request::Cancel(timer));
        }
    }

    fn start_timer<M: Any + Send + Sync>(
        &mut self,
        after: Duration,
        every: Option<Duration>,
        message: M,
    ) -> TimerRef {
        let timer = TimerRef::next();
        if self.connected {
            let message = std::sync::Arc::new(message);
            self.timers.push(crate::timers::Request::Start { timer, after, every, message });
        }
        timer
    }

    /// Runs `work` beside the session, on a task of its own, under `name`; its output reaches
    /// [`LiveView::handle_async`] (which downcasts it), so the view answers events meanwhile.
    /// Starting a name that runs cancels the older task. It times out after
    /// [`crate::tasks::DEFAULT_TIMEOUT`]; a panic is caught and reported to the view; the task
    /// is cancelled when the view goes (see [`crate::tasks`]). Only a connected view starts
    /// tasks: in a disconnected render `work` is dropped unrun.
    pub fn start_async<F, T>(&mut self, name: impl Into<String>, work: F)
    where
        F: Future<Output = T> + Send + 'static,
        T: Any + Send,
    {
        self.start_async_within(name, crate::tasks::DEFAULT_TIMEOUT, work);
    }

    /// [`Context::start_async`] with its own timeout.
    pub fn start_async_within<F, T>(&mut self, name: impl Into<String>, timeout: Duration, work: F)
    where
        F: Future<Output = T> + Send + 'static,
        T: Any + Send,
    {
        if self.connected {
            self.tasks.push(crate::tasks::Request::start(name.into(), timeout, work));
        }
    }

    /// Loads a field of the view beside the session (Phoenix's `assign_async`): `field` picks
    /// the view's [`AsyncResult`](crate::AsyncResult) (`|v: &mut Self| &mut v.posts`), which is
    /// marked loading once this callback returns (keeping the value it had: set it to
    /// `AsyncResult::loading()` first to drop it), and `work`'s outcome is written there when
    /// it finishes: its value, or its error's text. The next render shows it; `handle_async`
    /// is not called. A timeout, a panic, a cancel ([`Context::cancel_async`] with `name`) or
    /// a refused start fail the field with the reason. Otherwise it is a task like
    /// [`Context::start_async`]'s: named (starting `name` again replaces it), ended with the
    /// view. In a disconnected render nothing runs and the field stays as `mount` built it
    /// (its default is loading).
    pub fn assign_async<V, T, E, F>(
        &mut self,
        name: impl Into<String>,
        field: fn(&mut V) -> &mut crate::AsyncResult<T>,
        work: F,
    ) where
        V: LiveView,
        T: Send + 'static,
        E: std::fmt::Display + 'static,
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        self.assign_async_within(name, crate::tasks::DEFAULT_TIMEOUT, field, work);
    }

    /// [`Context::assign_async`] with its own timeout.
    pub fn assign_async_within<V, T, E, F>(
        &mut self,
        name: impl Into<String>,
        timeout: Duration,
        field: fn(&mut V) -> &mut crate::AsyncResult<T>,
        work: F,
    ) where
        V: LiveView,
        T: Send + 'static,
        E: std::fmt::Display + 'static,
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        if !self.connected {
            return;
        }
        use futures_util::FutureExt as _;
        let work = work.map(|outcome| outcome.map_err(|e| e.to_string()));
        let assign: crate::tasks::Assign = Box::new(move |view, outcome| {
            // The tasks of a view end with it: another view never gets this outcome.
            let Some(view) = view.downcast_mut::<V>() else { return };
            let slot = field(view);
            match outcome {
                None => slot.reload(false),
                Some(Ok(output)) => match output.downcast::<Result<T, String>>() {
                    Ok(outcome) => slot.settle(*outcome),
                    Err(_) => slot.settle(Err("the task gave another type".to_owned())),
                },
                Some(Err(failure)) => slot.settle(Err(failure.to_string())),
            }
        });
        self.tasks.push(crate::tasks::Request::assigning(name.into(), timeout, work, assign));
    }

    /// A handle to send this view messages from its tasks (progress) or anywhere else: each
    /// reaches `handle_info` (see [`Messenger`](crate::Messenger)). In a disconnected render it
    /// delivers nothing.
    ///
    /// ```ignore
    /// let progress = ctx.messenger();
    /// ctx.start_async("import", async move {
    ///     for (done, row) in rows.iter().enumerate() {
    ///         import(row).await;
    ///         progress.send(Imported(done + 1));
    ///     }
    /// });
    /// ```
    pub fn messenger(&mut self) -> crate::Messenger {
        let messenger = crate::Messenger::default();
        if self.connected {
            match &self.mailbox {
                Some(mailbox) => messenger.connect(mailbox),
                None => self.messengers.push(messenger.clone()),
            }
        }
        messenger
    }

    /// Cancels the task running under `name`, if one does: its result never arrives.
    pub fn cancel_async(&mut self, name: &str) {
        if self.connected {
            self.tasks.push(crate::tasks::Request::Cancel(name.to_owned()));
        }
    }

    /// Attaches `hook` under `name` to the view's client events: it runs before
    /// `handle_event`, after the hooks attached before it, and [`Flow::Halt`] stops the event
    /// there (see [`crate::hooks`]). Attaching a name again replaces its hook. Only a connected
    /// view has hooks.
    pub fn attach_event_hook(
        &mut self,
        name: impl Into<String>,
        hook: impl Fn(&str, &Value, &mut Context) -> Flow + Send + Sync + 'static,
    ) {
        self.attach(name.into(), crate::hooks::Hook::Event(std::sync::Arc::new(hook)));
    }

    /// Attaches `hook` under `name` to the view's server messages (before `handle_info`).
    pub fn attach_info_hook(
        &mut self,
        name: impl Into<String>,
        hook: impl Fn(&(dyn Any + Send + Sync), &mut Context) -> Flow + Send + Sync + 'static,
    ) {
        self.attach(name.into(), crate::hooks::Hook::Info(std::sync::Arc::new(hook)));
    }

    /// Attaches `hook` under `name` to the view's live patches (before `handle_params`).
    pub fn attach_params_hook(
        &mut self,
        name: impl Into<String>,
        hook: impl Fn(&mut Context) -> Flow + Send + Sync + 'static,
    ) {
        self.attach(name.into(), crate::hooks::Hook::Params(std::sync::Arc::new(hook)));
    }

    /// Detaches the hook attached under `name`, whatever its stage; an unknown name changes
    /// nothing.
    pub fn detach_hook(&mut self, name: &str) {
        if self.connected {
            self.hooks.push(crate::hooks::Request::Detach(name.to_owned()));
        }
    }

    fn attach(&mut self, name: String, hook: crate::hooks::Hook) {
        if self.connected {
            self.hooks.push(crate::hooks::Request::Attach(name, hook));
        }
    }

    /// The flash messages set so far.
    pub fn flash(&self) -> &BTreeMap<String, String> {
        &self.flash
    }
}

/// Why `mount` refused, and what the browser is told.
///
/// - [`MountError::not_found`]: what the URL names does not exist for this visitor (no such
///   row, another user's or scope's row, an id that is not one): `404`.
/// - [`MountError::bad_request`]: the URL's parameters are not valid (`?page=abc`): `400`.
/// - [`MountError::new`]: the server failed (its database, a service): `500`.
///
/// The page answers with that status in the app's root layout; a `404` or `400` shows the
/// message, a `500` does not (it may name internals; it goes to stderr). A join answers
/// `error` with the code of [`MountError::code`] (a `500` with a generic message), and the
/// client loads the page to show it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MountError {
    status: axum::http::StatusCode,
    message: String,
}

impl MountError {
    /// The server could not mount the view (`500`; the message is logged, not shown).
    pub fn new(message: impl Into<String>) -> MountError {
        MountError {
            status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }

    /// What the URL names does not exist for this visitor (`404`, the message shown).
    pub fn not_found(message: impl Into<String>) -> MountError {
        MountError { status: axum::http::StatusCode::NOT_FOUND, message: message.into() }
    }

    /// The URL's parameters are not valid (`400`, the message shown).
    pub fn bad_request(message: impl Into<String>) -> MountError {
        MountError { status: axum::http::StatusCode::BAD_REQUEST, message: message.into() }
    }

    /// The page's status: `404`, `400` or `500`.
    pub fn status(&self) -> axum::http::StatusCode {
        self.status
    }

    /// The `error` code a join is answered with: `not_found`, `bad_request` or
    /// `mount_failed`.
    pub fn code(&self) -> &'static str {
        match self.status {
            axum::http::StatusCode::NOT_FOUND => "not_found",
            axum::http::StatusCode::BAD_REQUEST => "bad_request",
            _ => "mount_failed",
        }
    }

    /// What the visitor may read: the message, except for a failure of the server.
    pub fn public_message(&self) -> &str {
        if self.status.is_server_error() {
            "the page could not be loaded; try again in a moment"
        } else {
            &self.message
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Why an event was refused; sent to the client as an `error` with this code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The view has no handler for this event.
    #[error("unknown event `{0}`")]
    Unknown(String),
    /// The event's value is not what the handler expects.
    #[error("invalid value: {0}")]
    Invalid(String),
}

impl EventError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            EventError::Unknown(_) => "unknown_event",
            EventError::Invalid(_) => "invalid_event",
        }
    }
}

/// Why a session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminate {
    /// The client left or closed.
    Closed,
    /// The server is shutting down.
    Shutdown,
    /// The session broke a rule (timeout, rate, slow consumer, protocol).
    Refused,
    /// The client navigated to another live view over the same socket.
    Navigate,
}

/// A live view: its struct is its state, its template renders it.
///
/// Callbacks are `async` (a database query awaits in `mount` or `handle_event`); the session
/// runs them one at a time, so a view never sees two callbacks at once.
pub trait LiveView: Template + Send + Sized + 'static {
    /// Builds the view for a request; runs twice: disconnected for the HTML page, then connected
    /// when the socket joins.
    fn mount(ctx: &mut Context) -> impl Future<Output = Result<Self, MountError>> + Send;

    /// The URL changed by a live patch.
    fn handle_params(&mut self, _ctx: &mut Context) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }

    /// A user event (`z-click="inc"` sends `inc`).
    fn handle_event(
        &mut self,
        event: &str,
        _value: &Value,
        _ctx: &mut Context,
    ) -> impl Future<Output = Result<(), EventError>> + Send {
        std::future::ready(Err(EventError::Unknown(event.to_owned())))
    }

    /// A message published on a topic the view subscribed to (`Context::subscribe`); downcast
    /// it with `message.downcast_ref::<T>()`.
    fn handle_info(
        &mut self,
        _message: &(dyn Any + Send + Sync),
        _ctx: &mut Context,
    ) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }

    /// A task started with [`Context::start_async`] finished: its output (downcast it with
    /// `result.downcast::<T>()`) or why there is none.
    fn handle_async(
        &mut self,
        _name: &str,
        _result: crate::tasks::TaskResult,
        _ctx: &mut Context,
    ) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }

    /// The view's upload named `name` (the `z-upload` of a file input), which the session
    /// writes the files the client sends into. A view with uploads keeps each in its struct:
    /// `match name { "avatar" => Some(&mut self.avatar), _ => None }`.
    fn upload(&mut self, _name: &str) -> Option<&mut crate::uploads::Upload> {
        None
    }

    /// The session ends.
    fn terminate(&mut self, _reason: Terminate) {}
}

/// A callback's future, boxed so sessions can hold any view.
pub(crate) type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A live view behind a pointer, as sessions hold it.
pub(crate) trait DynView: Send {
    fn render_live(&self) -> Rendered;
    fn render_html(&self, out: &mut String);
    fn flush_streams(&mut self);
    fn handle_params<'a>(&'a mut self, ctx: &'a mut Context) -> BoxFuture<'a, ()>;
    fn handle_info<'a>(
        &'a mut self,
        message: &'a (dyn Any + Send + Sync),
        ctx: &'a mut Context,
    ) -> BoxFuture<'a, ()>;
    fn handle_event<'a>(
        &'a mut self,
        event: &'a str,
        value: &'a Value,
        ctx: &'a mut Context,
    ) -> BoxFuture<'a, Result<(), EventError>>;
    fn handle_async<'a>(
        &'a mut self,
        name: &'a str,
        result: crate::tasks::TaskResult,
        ctx: &'a mut Context,
    ) -> BoxFuture<'a, ()>;
    fn upload(&mut self, name: &str) -> Option<&mut crate::uploads::Upload>;
    fn terminate(&mut self, reason: Terminate);
    /// The view itself, for what was typed by its own type (`Context::assign_async`).
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<V: LiveView> DynView for V {
    fn render_live(&self) -> Rendered {
        Template::render_live(self)
    }
    fn render_html(&self, out: &mut String) {
        Template::render_html(self, out);
    }
    fn flush_streams(&mut self) {
        Template::flush_streams(self);
    }
    fn handle_params<'a>(&'a mut self, ctx: &'a mut Context) -> BoxFuture<'a, ()> {
        Box::pin(LiveView::handle_params(self, ctx))
    }
    fn handle_info<'a>(
        &'a mut self,
        message: &'a (dyn Any + Send + Sync),
        ctx: &'a mut Context,
    ) -> BoxFuture<'a, ()> {
        Box::pin(LiveView::handle_info(self, message, ctx))
    }
    fn handle_event<'a>(
        &'a mut self,
        event: &'a str,
        value: &'a Value,
        ctx: &'a mut Context,
    ) -> BoxFuture<'a, Result<(), EventError>> {
        Box::pin(LiveView::handle_event(self, event, value, ctx))
    }
    fn handle_async<'a>(
        &'a mut self,
        name: &'a str,
        result: crate::tasks::TaskResult,
        ctx: &'a mut Context,
    ) -> BoxFuture<'a, ()> {
        Box::pin(LiveView::handle_async(self, name, result, ctx))
    }
    fn upload(&mut self, name: &str) -> Option<&mut crate::uploads::Upload> {
        LiveView::upload(self, name)
    }
    fn terminate(&mut self, reason: Terminate) {
        LiveView::terminate(self, reason);
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Mounts view `V` as a session holds it.
type MountFn = for<'a> fn(&'a mut Context) -> BoxFuture<'a, Result<Box<dyn DynView>, MountError>>;

/// How a route mounts its view, type-erased, and how large its page was.
pub(crate) struct Route {
    pub(crate) mount: MountFn,
    /// The pipeline its page is served behind ([`crate::Live::pages_of`]); a live navigation
    /// stays within one pipeline.
    pub(crate) pipeline: Box<str>,
    /// The view's type name, as logs and metrics name it (`blog::web::live::post::Index`).
    pub(crate) view: &'static str,
    /// How long its events took (`zero_live_view_event_duration_seconds`).
    pub(crate) events: crate::metrics::Histogram,
    /// The largest page body this route rendered (capped at [`PAGE_HINT_CAP`]): the next
    /// dead render allocates it at once instead of growing the buffer as it writes.
    page_hint: std::sync::atomic::AtomicUsize,
}

/// The most a route's page hint reserves: a larger page grows its buffer as it renders.
pub(crate) const PAGE_HINT_CAP: usize = 64 * 1024;

impl Route {
    pub(crate) fn of<V: LiveView>(pipeline: &str) -> Route {
        Route {
            pipeline: pipeline.into(),
            view: std::any::type_name::<V>(),
            events: crate::metrics::Histogram::seconds(),
            mount: |ctx| {
                Box::pin(
                    async move { V::mount(ctx).await.map(|v| Box::new(v) as Box<dyn DynView>) },
                )
            },
            page_hint: std::sync::atomic::AtomicUsize::new(V::SIZE_HINT),
        }
    }

    /// How many bytes to reserve for this route's page body.
    pub(crate) fn page_hint(&self) -> usize {
        self.page_hint.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Learns the size of a page body this route rendered.
    pub(crate) fn rendered(&self, len: usize) {
        let len = len.min(PAGE_HINT_CAP);
        // Once the hint is at the cap (or the page is no larger), nothing is written.
        if len > self.page_hint() {
            self.page_hint.fetch_max(len, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Views keep a `&Context` across their awaits: it must stay `Send` and `Sync` whatever
    /// it carries (the futures `start_async` was given, the hooks).
    #[test]
    fn a_context_is_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<Context>();
    }

    #[test]
    fn only_a_connected_view_starts_timers_and_tasks_and_an_interval_has_a_floor() {
        use crate::timers::{MIN_INTERVAL, Request};
        let mut page = Context::new(false, "/clock");
        let timer = page.send_after(Duration::from_millis(5), 1u8);
        page.interval(Duration::from_millis(5), 2u8);
        page.send_self(3u8);
        page.cancel_timer(timer);
        assert!(page.timers.is_empty(), "a disconnected render has no session to send to");
        page.start_async("load", async { 1 });
        page.cancel_async("load");
        assert!(page.tasks.is_empty(), "nor runs tasks");
        let messenger = page.messenger();
        assert!(!messenger.send(4u8) && page.messengers.is_empty(), "nor takes messages");

        let mut live = Context::new(true, "/clock");
        let first = live.send_self(1u8);
        let second = live.interval(Duration::ZERO, 2u8);
        assert_ne!(first, second, "each timer has its own reference");
        live.cancel_timer(first);
        match live.timers.as_slice() {
            [
                Request::Start { after: Duration::ZERO, every: None, .. },
                Request::Start { after, every: Some(every), .. },
                Request::Cancel(cancelled),
            ] => {
                assert_eq!((*after, *every), (MIN_INTERVAL, MIN_INTERVAL));
                assert_eq!(*cancelled, first);
            }
            other => panic!("{other:?}"),
        }
        let early = live.messenger();
        assert!(!early.send(1u8) && live.messengers.len() == 1, "connected once the callback ends");
        live.start_async_within("load", Duration::from_millis(5), async { 1 });
        live.cancel_async("load");
        match live.tasks.as_slice() {
            [
                crate::tasks::Request::Start { name, timeout, .. },
                crate::tasks::Request::Cancel(n),
            ] => {
                assert_eq!(
                    (name.as_str(), *timeout, n.as_str()),
                    ("load", Duration::from_millis(5), "load")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_routes_page_hint_grows_to_its_largest_page_up_to_the_cap_and_never_shrinks() {
        let route = Route {
            mount: |_| Box::pin(async { Err(MountError::new("unused")) }),
            pipeline: "".into(),
            view: "unused",
            events: crate::metrics::Histogram::seconds(),
            page_hint: std::sync::atomic::AtomicUsize::new(100),
        };
        route.rendered(4_000);
        assert_eq!(route.page_hint(), 4_000);
        route.rendered(50);
        assert_eq!(route.page_hint(), 4_000, "a smaller page keeps the hint");
        route.rendered(10 * PAGE_HINT_CAP);
        assert_eq!(route.page_hint(), PAGE_HINT_CAP, "a huge page reserves the cap, no more");
    }
}
