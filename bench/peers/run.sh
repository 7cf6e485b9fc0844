#!/usr/bin/env bash
# Measures our counter (/clicks) with the peers' Python load client, like for like with
# pyview and djust: copies shared/bench/live-peers (read-only) to a scratch folder, sets up its
# venv there, serves `counter` (release) pinned to core 0 and runs the client pinned to core 1.
# Usage: bench/peers/run.sh [PEERS_DIR]   (default ../shared/bench/live-peers)
# Prints TSV peer/metric/value/unit; writes bench/peers/results/zero-live.tsv (medians of RUNS=3).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SRC=${1:-$ROOT/../shared/bench/live-peers}
WORK=${WORK:-${TMPDIR:-/tmp}/zero-live-peers}
RUNS=${RUNS:-3}
PORT=${PORT:-8111}
[ -d "$SRC/client" ] || { echo "no live-peers harness at $SRC" >&2; exit 2; }
mkdir -p "$WORK"
cp -r "$SRC"/. "$WORK"/ && chmod -R u+w "$WORK"
(cd "$WORK" && ./setup.sh)
cargo build --release -q -p counter --manifest-path "$ROOT/Cargo.toml"
BIN=$(cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" \
  | python3 -c 'import json,sys;print(json.load(sys.stdin)["target_directory"])')/release/counter
# Like the harness raises djust's limits: the closed loops click far above 50 events/s. The
# bytes phase reaches the socket through a counting proxy on another port, so the page's origin
# is allowed explicitly (as behind any reverse proxy).
POLICY=$WORK/security.toml
sed -e 's/^events_per_second = .*/events_per_second = 1000000/' \
    -e 's/^event_burst = .*/event_burst = 1000000/' \
    -e "s|^allow = \[\]|allow = [\"http://127.0.0.1:$PORT\"]|" "$ROOT/spec/security.toml" >"$POLICY"
PIN_SERVER=(); PIN_CLIENT=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  PIN_SERVER=(taskset -c 0); PIN_CLIENT=(taskset -c 1)
fi
ulimit -n 20000 2>/dev/null || true
SERVER_PID=""
stop() { if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; fi; }
trap stop EXIT
start() {
  PORT=$PORT SECURITY_TOML=$POLICY "${PIN_SERVER[@]}" "$BIN" >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/clicks" && return 0
    sleep 0.1
  done
  echo "counter did not come up" >&2; exit 1
}
OUTDIR=$ROOT/bench/peers/results
mkdir -p "$OUTDIR"
rm -f "$OUTDIR"/zero-live_run*.tsv
BENCH=("${PIN_CLIENT[@]}" "$WORK/.venv/bin/python" "$WORK/client/bench.py" --peer zero-live
       --base "http://127.0.0.1:$PORT")
export LIVE_PEERS_ADAPTER=$ROOT/bench/peers/zero_live.py
group() { local phases=$1; shift; start; "${BENCH[@]}" --out "$OUT" --server-pid "$SERVER_PID" --phases "warmup,$phases" "$@" >/dev/null; stop; }
for run in $(seq 1 "$RUNS"); do
  OUT=$OUTDIR/zero-live_run$run.tsv; : >"$OUT"
  group rss
  group rss --compression none --metric-suffix _nodeflate
  group first,bytes --frames "$OUTDIR/zero-live_frames_run$run.txt"
  group single
  group concurrent
done
"$WORK/.venv/bin/python" "$WORK/client/aggregate.py" "$OUTDIR"/zero-live_run*.tsv > "$OUTDIR/zero-live.tsv"
cp "$OUTDIR/zero-live_frames_run1.txt" "$OUTDIR/zero-live_frames.txt"
cat "$OUTDIR/zero-live.tsv"
