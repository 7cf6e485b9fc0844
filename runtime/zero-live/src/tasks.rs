//! A live session's async work: futures a view starts by name (Phoenix's `start_async`), run
//! beside the session on their own tasks so the view goes on answering events, each result
//! handed to the view's `handle_async`.
//!
//! - A task is named: starting a name that runs cancels the older task (its result never
//!   arrives); [`Context::cancel_async`](crate::Context::cancel_async) cancels by name.
//! - Each has a timeout ([`DEFAULT_TIMEOUT`] unless started with its own), after which it is
//!   dropped and the view gets [`AsyncFailure::TimedOut`].
//! - A task that panics is caught: the view gets [`AsyncFailure::Panicked`] and the session
//!   goes on.
//! - At most [`MAX_TASKS`] run per session; one more is refused at once with
//!   [`AsyncFailure::TooMany`].
//! - A view's tasks end with it (a live navigation to another view, the session's end), and a
//!   result that arrives after its task was cancelled or replaced is dropped.
//! - A task started by [`Context::assign_async`](crate::Context::assign_async) writes its
//!   outcome into the view's [`AsyncResult`](crate::AsyncResult) field instead of reaching
//!   `handle_async`: loading when it starts, then its value or its failure (a cancel is
//!   [`AsyncFailure::Cancelled`]).

use std::any::Any;
use std::collections::HashMap;
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::sync::mpsc;

/// How long a task may run unless started with its own timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How many tasks one session runs at once.
pub const MAX_TASKS: usize = 16;

/// What a finished task gives the view: its output (downcast with
/// `result.downcast::<T>()`), or why there is none.
pub type TaskResult = Result<Box<dyn Any + Send>, AsyncFailure>;

/// Why a task gave no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsyncFailure {
    /// It panicked; the message, when the panic carried text.
    Panicked(String),
    /// It ran past its timeout and was dropped.
    TimedOut(Duration),
    /// The session already ran [`MAX_TASKS`] tasks; this one never started.
    TooMany,
    /// It was cancelled ([`Context::cancel_async`](crate::Context::cancel_async)); only an
    /// [`AsyncResult`](crate::AsyncResult) field hears of it, `handle_async` never does.
    Cancelled,
}

impl std::fmt::Display for AsyncFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AsyncFailure::Panicked(why) => write!(f, "the task panicked: {why}"),
            AsyncFailure::TimedOut(after) => write!(f, "the task timed out after {after:?}"),
            AsyncFailure::TooMany => write!(f, "the session runs {MAX_TASKS} tasks already"),
            AsyncFailure::Cancelled => write!(f, "the task was cancelled"),
        }
    }
}

impl std::error::Error for AsyncFailure {}

type Work = std::pin::Pin<Box<dyn Future<Output = Box<dyn Any + Send>> + Send>>;

/// Writes a task's outcome into the view's field (`Context::assign_async`), the view given as
/// `Any`: `None` marks the field loading as the task starts.
pub(crate) type Assign = Box<dyn Fn(&mut dyn Any, Option<TaskResult>) + Send + Sync>;

/// What a callback asked of the session's tasks. The work is held in a mutex only so that the
/// [`Context`](crate::Context) holding it stays `Sync` (views keep a `&Context` across their
/// awaits); it is taken out once, by value, when the task starts.
pub(crate) enum Request {
    Start { name: String, timeout: Duration, work: std::sync::Mutex<Work>, assign: Option<Assign> },
    Cancel(String),
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::Start { name, timeout, .. } => f
                .debug_struct("Start")
                .field("name", name)
                .field("timeout", timeout)
                .finish_non_exhaustive(),
            Request::Cancel(name) => f.debug_tuple("Cancel").field(name).finish(),
        }
    }
}

impl Request {
    pub(crate) fn start<F, T>(name: String, timeout: Duration, work: F) -> Request
    where
        F: Future<Output = T> + Send + 'static,
        T: Any + Send,
    {
        let work: Work = Box::pin(work.map(|output| Box::new(output) as Box<dyn Any + Send>));
        Request::Start { name, timeout, work: std::sync::Mutex::new(work), assign: None }
    }

    /// A start whose outcome `assign` writes into the view instead of `handle_async`.
    pub(crate) fn assigning<F, T>(
        name: String,
        timeout: Duration,
        work: F,
        assign: Assign,
    ) -> Request
    where
        F: Future<Output = T> + Send + 'static,
        T: Any + Send,
    {
        match Request::start(name, timeout, work) {
            Request::Start { name, timeout, work, .. } => {
                Request::Start { name, timeout, work, assign: Some(assign) }
            }
            cancel @ Request::Cancel(_) => cancel,
        }
    }
}

/// A finished task: its name, which start of that name it was, and its result.
struct Finished {
    name: String,
    run: u64,
    result: TaskResult,
}

/// A task's outcome for the view: by `handle_async`, or by its `assign` into a field.
pub(crate) struct Done {
    pub(crate) name: String,
    pub(crate) result: TaskResult,
    pub(crate) assign: Option<Assign>,
}

/// A running task: which start of its name it is, how to stop it, and where its outcome goes.
struct Running {
    run: u64,
    task: tokio::task::AbortHandle,
    assign: Option<Assign>,
}

/// A session's running tasks, by name.
#[derive(Default)]
pub(crate) struct Tasks {
    running: HashMap<String, Running>,
    runs: u64,
    /// Where tasks send their results, made with the first task: a session that starts none
    /// pays nothing.
    channel: Option<(mpsc::UnboundedSender<Finished>, mpsc::UnboundedReceiver<Finished>)>,
    /// Refused starts, answered on the next turn like a finished task.
    refused: Vec<(String, Option<Assign>)>,
}

impl Tasks {
    /// Applies a callback's requests in the order it made them. `view` (the view, as `Any`)
    /// gets the fields its `assign_async` starts mark loading, and those its cancels fail.
    pub(crate) fn apply(&mut self, requests: Vec<Request>, mut view: Option<&mut dyn Any>) {
        for request in requests {
            match request {
                Request::Start { name, timeout, work, assign } => {
                    let work = work.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
                    if let (Some(assign), Some(view)) = (&assign, view.as_deref_mut()) {
                        assign(view, None);
                    }
                    self.start(name, timeout, work, assign);
                }
                Request::Cancel(name) => {
                    if let Some(running) = self.running.remove(&name) {
                        running.task.abort();
                        if let (Some(assign), Some(view)) = (running.assign, view.as_deref_mut()) {
                            assign(view, Some(Err(AsyncFailure::Cancelled)));
                        }
                    }
                }
            }
        }
    }

    fn start(&mut self, name: String, timeout: Duration, work: Work, assign: Option<Assign>) {
        if let Some(older) = self.running.remove(&name) {
            older.task.abort();
        }
        if self.running.len() >= MAX_TASKS {
            self.refused.push((name, assign));
            return;
        }
        self.runs += 1;
        let run = self.runs;
        let done = self.channel.get_or_insert_with(mpsc::unbounded_channel).0.clone();
        let task_name = name.clone();
        let task = tokio::spawn(async move {
            let caught = std::panic::AssertUnwindSafe(work).catch_unwind();
            let result = match tokio::time::timeout(timeout, caught).await {
                Ok(Ok(output)) => Ok(output),
                Ok(Err(panic)) => Err(AsyncFailure::Panicked(panic_text(&*panic))),
                Err(_) => Err(AsyncFailure::TimedOut(timeout)),
            };
            // The session may have ended: nobody to tell.
            let _ = done.send(Finished { name: task_name, run, result });
        });
        self.running.insert(name, Running { run, task: task.abort_handle(), assign });
    }

    /// Whether a result may be waiting: a task runs or a start was refused.
    pub(crate) fn busy(&self) -> bool {
        !self.running.is_empty() || !self.refused.is_empty()
    }

    /// The next result for the view: a refused start first, else the next task to finish that
    /// is still the one its name runs (a cancelled or replaced task's result is dropped).
    pub(crate) async fn next(&mut self) -> Done {
        if let Some((name, assign)) = self.refused.pop() {
            return Done { name, result: Err(AsyncFailure::TooMany), assign };
        }
        let Some((_, results)) = self.channel.as_mut() else {
            return std::future::pending().await;
        };
        loop {
            let Some(finished) = results.recv().await else {
                return std::future::pending().await;
            };
            let current = self.running.get(&finished.name).is_some_and(|r| r.run == finished.run);
            if current {
                let assign = self.running.remove(&finished.name).and_then(|r| r.assign);
                return Done { name: finished.name, result: finished.result, assign };
            }
        }
    }

    /// Cancels every task (the view they belonged to is gone).
    pub(crate) fn clear(&mut self) {
        for (_, running) in self.running.drain() {
            running.task.abort();
        }
        self.refused.clear();
    }

    /// How many tasks run.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.running.len()
    }
}

impl Drop for Tasks {
    fn drop(&mut self) {
        self.clear();
    }
}

fn panic_text(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start<F, T>(name: &str, timeout_ms: u64, work: F) -> Request
    where
        F: Future<Output = T> + Send + 'static,
        T: Any + Send,
    {
        Request::start(name.to_owned(), Duration::from_millis(timeout_ms), work)
    }

    async fn next(tasks: &mut Tasks) -> (String, TaskResult) {
        let done = tokio::time::timeout(Duration::from_secs(5), tasks.next()).await;
        let done = done.expect("a result");
        assert!(done.assign.is_none(), "started without a field");
        (done.name, done.result)
    }

    #[tokio::test]
    async fn a_result_a_panic_and_a_timeout_each_reach_the_view_by_name() {
        let mut tasks = Tasks::default();
        assert!(!tasks.busy());
        tasks.apply(vec![start("sum", 1000, async { 2 + 2 })], None);
        let (name, result) = next(&mut tasks).await;
        assert_eq!(name, "sum");
        assert_eq!(result.ok().and_then(|b| b.downcast::<i32>().ok()).map(|b| *b), Some(4));
        assert!(!tasks.busy(), "a finished task is gone");

        tasks.apply(
            vec![start("boom", 1000, async {
                if true {
                    panic!("no rows");
                }
            })],
            None,
        );
        let (name, result) = next(&mut tasks).await;
        assert_eq!(
            (name.as_str(), result.err()),
            ("boom", Some(AsyncFailure::Panicked("no rows".into())))
        );

        let slow = start("slow", 20, tokio::time::sleep(Duration::from_secs(30)));
        tasks.apply(vec![slow], None);
        let (_, result) = next(&mut tasks).await;
        assert_eq!(result.err(), Some(AsyncFailure::TimedOut(Duration::from_millis(20))));
    }

    #[tokio::test]
    async fn cancelled_and_replaced_tasks_never_answer() {
        let mut tasks = Tasks::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tasks.apply(vec![start("load", 5000, async move { rx.await.map(|()| "first") })], None);
        // Started again under the same name: the first is cancelled (its sender is dropped).
        tasks.apply(vec![start("load", 5000, async { Ok::<_, ()>("second") })], None);
        let (_, result) = next(&mut tasks).await;
        let value = result.ok().and_then(|b| b.downcast::<Result<&str, ()>>().ok());
        assert_eq!(value.map(|b| *b), Some(Ok("second")));
        assert!(tx.is_closed(), "the replaced task was aborted");

        tasks.apply(vec![start("gone", 5000, async { 1 }), Request::Cancel("gone".into())], None);
        assert_eq!(tasks.len(), 0);
        let nothing = tokio::time::timeout(Duration::from_millis(100), tasks.next()).await;
        assert!(nothing.is_err(), "a cancelled task's result is dropped");
        // Cancelling a name that runs nothing changes nothing.
        tasks.apply(vec![Request::Cancel("unknown".into())], None);
        assert!(!tasks.busy());
    }

    #[tokio::test]
    async fn past_the_limit_a_start_is_refused_and_clear_ends_every_task() {
        let mut tasks = Tasks::default();
        let mut senders = Vec::new();
        for i in 0..MAX_TASKS {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            senders.push(tx);
            tasks.apply(vec![start(&format!("t{i}"), 5000, rx)], None);
        }
        tasks.apply(vec![start("one_more", 5000, async {})], None);
        assert_eq!(tasks.len(), MAX_TASKS);
        let (name, result) = next(&mut tasks).await;
        assert_eq!((name.as_str(), result.err()), ("one_more", Some(AsyncFailure::TooMany)));
        tasks.clear();
        assert!(!tasks.busy());
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(senders.iter().all(tokio::sync::oneshot::Sender::is_closed), "all aborted");
    }

    /// A view with a field loaded by `assign_async`.
    #[derive(Default)]
    struct Page {
        posts: crate::AsyncResult<u32>,
    }

    fn assign_posts() -> Assign {
        Box::new(|view, outcome| {
            let Some(page) = view.downcast_mut::<Page>() else { return };
            match outcome {
                None => page.posts.reload(false),
                Some(Ok(output)) => {
                    page.posts.settle(match output.downcast::<Result<u32, String>>() {
                        Ok(result) => *result,
                        Err(_) => Err("not the field's type".to_owned()),
                    })
                }
                Some(Err(failure)) => page.posts.settle(Err(failure.to_string())),
            }
        })
    }

    async fn settle(tasks: &mut Tasks, page: &mut Page) -> String {
        let done = tokio::time::timeout(Duration::from_secs(5), tasks.next()).await.expect("done");
        let assign = done.assign.expect("a field's task");
        assign(page, Some(done.result));
        done.name
    }

    #[tokio::test]
    async fn an_assigning_task_marks_its_field_loading_then_writes_its_outcome_there() {
        let mut tasks = Tasks::default();
        let mut page = Page { posts: crate::AsyncResult::ok(1) };
        let load = |n: u32| async move { Ok::<u32, String>(n) };
        let request =
            Request::assigning("posts".into(), Duration::from_secs(5), load(2), assign_posts());
        tasks.apply(vec![request], Some(&mut page));
        assert!(page.posts.is_loading(), "marked loading as it starts");
        assert_eq!(page.posts.value(), Some(&1), "the old value meanwhile");
        assert_eq!(settle(&mut tasks, &mut page).await, "posts");
        assert_eq!((page.posts.is_ok(), page.posts.value()), (true, Some(&2)));

        // A failed load, a timeout, a panic: the field fails, keeping its value.
        let failing = async { Err::<u32, String>("no database".into()) };
        let request =
            Request::assigning("posts".into(), Duration::from_secs(5), failing, assign_posts());
        tasks.apply(vec![request], Some(&mut page));
        settle(&mut tasks, &mut page).await;
        assert_eq!(page.posts.failure(), Some("no database"));
        let slow = async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok::<u32, String>(9)
        };
        let request =
            Request::assigning("posts".into(), Duration::from_millis(10), slow, assign_posts());
        tasks.apply(vec![request], Some(&mut page));
        settle(&mut tasks, &mut page).await;
        assert_eq!(page.posts.failure(), Some("the task timed out after 10ms"));
        let panics = async {
            if std::hint::black_box(true) {
                panic!("bad row");
            }
            Ok::<u32, String>(0)
        };
        let request =
            Request::assigning("posts".into(), Duration::from_secs(5), panics, assign_posts());
        tasks.apply(vec![request], Some(&mut page));
        settle(&mut tasks, &mut page).await;
        assert_eq!(page.posts.failure(), Some("the task panicked: bad row"));
        assert_eq!(page.posts.value(), Some(&2));
    }

    #[tokio::test]
    async fn a_cancelled_or_refused_assigning_task_fails_its_field() {
        let mut tasks = Tasks::default();
        let mut page = Page::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
        let waits = async move { rx.await.map_err(|e| e.to_string()) };
        let request =
            Request::assigning("posts".into(), Duration::from_secs(5), waits, assign_posts());
        tasks.apply(vec![request], Some(&mut page));
        assert!(page.posts.is_loading());
        tasks.apply(vec![Request::Cancel("posts".into())], Some(&mut page));
        assert_eq!(page.posts.failure(), Some("the task was cancelled"));
        assert!(!tasks.busy(), "nothing more arrives");
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(tx.is_closed(), "aborted");

        let mut senders = Vec::new();
        for i in 0..MAX_TASKS {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            senders.push(tx);
            tasks.apply(vec![start(&format!("t{i}"), 5000, rx)], None);
        }
        let one_more = async { Ok::<u32, String>(1) };
        let request =
            Request::assigning("posts".into(), Duration::from_secs(5), one_more, assign_posts());
        tasks.apply(vec![request], Some(&mut page));
        assert_eq!(settle(&mut tasks, &mut page).await, "posts");
        assert_eq!(page.posts.failure(), Some(AsyncFailure::TooMany.to_string().as_str()));
    }
}
