//! Test helpers (feature `testing`): serve an app's router on a loopback port and drive a live
//! view over a real WebSocket, as the browser client would, without a browser.
//!
//! ```ignore
//! let server = TestServer::start(router, live).await;
//! let mut view = server.live("/").await?;
//! view.click("inc", json!({})).await?;
//! assert!(view.html()?.contains("1"));
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::Live;
use crate::client::ClientTree;
use crate::protocol::SUBPROTOCOL;
use crate::server::SOCKET_PATH;

/// How long a helper waits for the server before failing.
const LIMIT: Duration = Duration::from_secs(10);

/// An app served on 127.0.0.1 for a test; stops when dropped.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    live: Live,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.live.shutdown();
        self.task.abort();
    }
}

/// What went wrong while driving a view.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TestError(pub String);

fn fail(what: impl std::fmt::Display) -> TestError {
    TestError(what.to_string())
}

impl TestServer {
    /// Serves `router` (built from `live`) on a free loopback port.
    pub async fn start(router: axum::Router, live: Live) -> Result<TestServer, TestError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(fail)?;
        let addr = listener.local_addr().map_err(fail)?;
        let waiter = live.clone();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move { waiter.shutdown_requested().await })
                .await;
        });
        Ok(TestServer { addr, live, task })
    }

    /// `http://127.0.0.1:PORT` and `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Joins the live view at `path` (with its query) connected, as a page's client does.
    pub async fn live(&self, path: &str) -> Result<TestView, TestError> {
        let bare = path.split('?').next().unwrap_or(path);
        let (token, csrf) = self.live.tokens_for(bare);
        let mut request =
            format!("ws://{}{SOCKET_PATH}", self.addr).into_client_request().map_err(fail)?;
        let headers = request.headers_mut();
        let origin = format!("http://{}", self.addr);
        headers.insert("origin", origin.parse().map_err(fail)?);
        headers.insert("sec-websocket-protocol", SUBPROTOCOL.parse().map_err(fail)?);
        let (ws, _) = tokio::time::timeout(LIMIT, tokio_tungstenite::connect_async(request))
            .await
            .map_err(|_| fail("the socket did not open in time"))?
            .map_err(fail)?;
        let mut view = TestView { ws, tree: ClientTree::default(), next: 1, pushed: Vec::new() };
        let reply = view
            .request(json!({"kind": "join", "topic": format!("lv:{bare}"), "session": token,
                            "csrf": csrf, "url": path}))
            .await?;
        if reply["status"] != "ok" {
            return Err(fail(format!("join refused: {reply}")));
        }
        view.tree.apply_join(0, &reply["rendered"]).map_err(fail)?;
        Ok(view)
    }
}

/// A joined live view.
#[derive(Debug)]
pub struct TestView {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    tree: ClientTree,
    next: u64,
    pushed: Vec<Value>,
}

impl TestView {
    /// The page as the client renders it now.
    pub fn html(&self) -> Result<String, TestError> {
        self.tree.to_html().map_err(fail)
    }

    /// Messages the server pushed besides replies (`push`, `exec`, `redirect`, `patch`) while
    /// a request waited for its reply, oldest first (see [`TestView::receive`]).
    pub fn pushed(&self) -> &[Value] {
        &self.pushed
    }

    /// Waits for the next message the server pushes (`push`, `exec`, `redirect`, `patch`, or a
    /// `diff`, which is applied), e.g. the JS commands an event sent after its reply.
    pub async fn receive(&mut self) -> Result<Value, TestError> {
        if !self.pushed.is_empty() {
            return Ok(self.pushed.remove(0));
        }
        let value = self.read().await?;
        if value["kind"] == "diff" {
            let rev = value["rev"].as_u64().unwrap_or_default();
            self.tree.apply_diff_at(rev, &value["diff"]).map_err(fail)?;
        }
        Ok(value)
    }

    /// The next text frame, as JSON.
    async fn read(&mut self) -> Result<Value, TestError> {
        loop {
            let frame = tokio::time::timeout(LIMIT, self.ws.next())
                .await
                .map_err(|_| fail("nothing arrived in time"))?
                .ok_or_else(|| fail("the socket closed"))?
                .map_err(fail)?;
            if let WsMessage::Text(text) = frame {
                return serde_json::from_str(&text).map_err(fail);
            }
        }
    }

    /// Sends `event` with `value` (as a click, submit or change would) and applies the reply;
    /// an `error` reply is an error.
    pub async fn event(&mut self, event: &str, value: Value) -> Result<Value, TestError> {
        let reply = self.request(json!({"kind": "event", "event": event, "value": value})).await?;
        self.merge(&reply)?;
        Ok(reply)
    }

    /// A live patch to `url` (same view, `handle_params`).
    pub async fn patch(&mut self, url: &str) -> Result<Value, TestError> {
        let reply = self.request(json!({"kind": "params", "url": url})).await?;
        self.merge(&reply)?;
        Ok(reply)
    }

    /// A live navigation to `url`: the page is the new view's.
    pub async fn navigate(&mut self, url: &str) -> Result<Value, TestError> {
        let reply = self.request(json!({"kind": "navigate", "url": url})).await?;
        if reply["status"] != "ok" {
            return Err(fail(format!("navigate refused: {reply}")));
        }
        self.tree = ClientTree::default();
        self.tree.apply_join(0, &reply["rendered"]).map_err(fail)?;
        Ok(reply)
    }

    fn merge(&mut self, reply: &Value) -> Result<(), TestError> {
        if reply["kind"] == "error" {
            return Err(fail(format!("refused: {reply}")));
        }
        if let (Some(rev), Some(change)) = (reply["rev"].as_u64(), reply.get("rendered")) {
            self.tree.apply_diff_at(rev, change).map_err(fail)?;
        }
        Ok(())
    }

    /// Sends a request and returns the answer with its ref, keeping what was pushed meanwhile.
    async fn request(&mut self, mut message: Value) -> Result<Value, TestError> {
        self.next += 1;
        let reference = self.next;
        message["v"] = json!(1);
        message["ref"] = json!(reference);
        self.ws.send(WsMessage::Text(message.to_string().into())).await.map_err(fail)?;
        loop {
            let value = self.read().await?;
            if value["ref"].as_u64() == Some(reference) {
                return Ok(value);
            }
            if value["kind"] == "diff" {
                let rev = value["rev"].as_u64().unwrap_or_default();
                self.tree.apply_diff_at(rev, &value["diff"]).map_err(fail)?;
            } else {
                self.pushed.push(value);
            }
        }
    }
}
