"""0x0 Live adapter for shared/bench/live-peers: speaks our wire protocol (v1) the way our browser
client does, so our counter is measured by the same Python client as pyview and djust.

Load it with LIVE_PEERS_ADAPTER=bench/peers/zero_live.py (see bench/peers/run.sh).
"""

from __future__ import annotations

import json
import re
import time

import websockets

from peers import Peer, Session, get_page, js_json

PATH = "/clicks"  # the peers' counter page: a count and one button
# Protocol v2, the compact encoding our browser client speaks: [kind, ref, fields...], where kind
# is the message's row in spec/wire-protocol.tsv.
SUBPROTOCOL = "0x0-live.v2"
JOIN, EVENT, REPLY, ERROR, HEARTBEAT = 0, 2, 6, 7, 4


class ZeroLivePeer(Peer):
    name = "zero-live"

    async def _connect(self, url, headers):
        return await websockets.connect(
            url,
            origin=self.origin,
            additional_headers=headers,
            subprotocols=[SUBPROTOCOL],
            compression=self.compression,
            ping_interval=None,
            max_size=2**22,
            open_timeout=60,
            close_timeout=2,
        )

    async def open(self, http, ws_port=None) -> Session:
        page = await get_page(http, self.base, PATH)
        html = page.html
        token = re.search(r'data-zl-session="([^"]*)"', html).group(1)
        csrf = re.search(r'<meta name="csrf-token" content="([^"]*)"', html).group(1)
        socket = re.search(r'data-zl-socket="([^"]*)"', html).group(1)
        port = ws_port or self.port
        url = f"ws://{self.host}:{port}{socket}"
        t0 = time.perf_counter()
        ws = await self._connect(url, {})
        t1 = time.perf_counter()
        s = Session(ws=ws, page=page, ws_open_ms=(t1 - t0) * 1000.0)
        s.extensions = ws.response.headers.get("Sec-WebSocket-Extensions")
        s.state["ref"] = 1
        frame = js_json([JOIN, 1, "lv:" + PATH, token, csrf, PATH])
        t2 = time.perf_counter()
        await ws.send(frame)
        msg = await ws.recv()
        t3 = time.perf_counter()
        m = json.loads(msg)
        if m[0] != REPLY or m[2] != "ok":
            raise RuntimeError(f"join failed: {msg[:300]}")
        s.join_ms = (t3 - t2) * 1000.0
        s.join_frame, s.join_reply = frame, msg
        return s

    def click_frame(self, s):
        s.state["ref"] += 1
        ref = s.state["ref"]
        # What the browser client sends for z-click="inc" on a button without z-value-*: a click
        # carries no type and no value.
        frame = js_json([EVENT, ref, None, "inc"])
        return frame, ref

    def is_reply(self, s, msg, ref):
        return msg.startswith(f"[{REPLY},{ref},") or msg.startswith(f"[{ERROR},{ref},")

    def count_in_reply(self, msg):
        m = json.loads(msg)
        v = m[4].get("0") if m[0] == REPLY and len(m) > 4 else None
        return int(v) if v is not None else None

    def heartbeat_frame(self, s):
        s.state["ref"] += 1
        return js_json([HEARTBEAT, s.state["ref"]])


PEERS = {"zero-live": ZeroLivePeer}
