#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# smoke.sh — the ballot tool's CTest smoke run (label `bench`): a meeting
# with 50 members, each with its own session and WebSocket; the chair opens
# a poll, all 50 vote over half a second, the server is killed with SIGKILL
# and started again, and the chair closes the poll. It passes only when
# every ballot was acknowledged and the closed poll counts exactly the
# acknowledged ballots, per option. Asserts correctness only, never timings.
#
# usage: smoke.sh PLENUM-BALLOTTOOL PLENUM
set -euo pipefail

tool=$1
plenum=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
n=${BENCH_SMOKE_VOTERS:-50}

tmp=$(mktemp -d)
server_pid=
cleanup() {
	bench_stop "$server_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "smoke: $*; server log:" >&2
	tail -n 30 "$tmp/server.log" >&2 || true
	exit 1
}

python3 "$here/ballots.py" members "$plenum" "$tmp/data" "$n" "$tmp" ||
	fail "preparing $n members failed"
port=$(bench_free_port)
bench_plenum_start "$plenum" "$tmp/data" "$port" "$tmp/server.log" || fail "no server"
server_pid=$PLENUM_PID
python3 "$here/ballots.py" join "http://127.0.0.1:$port" "$tmp/tokens.txt" \
	"$tmp/sessions.txt" || fail "joining failed"
chair=$(python3 "$here/ballots.py" chair "http://127.0.0.1:$port" "$tmp") ||
	fail "the chair could not join"

"$tool" --url "ws://127.0.0.1:$port" --chair-session "$chair" \
	--sessions "$tmp/sessions.txt" --spread-ms 500 --settle-ms 200 \
	--timeout 60 --pid "$server_pid" --label smoke >"$tmp/cast.json" ||
	fail "the casting failed: $(cat "$tmp/cast.json")"
poll=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["poll"])' \
	"$tmp/cast.json")

bench_kill "$server_pid"
server_pid=
bench_plenum_start "$plenum" "$tmp/data" "$port" "$tmp/server.log" ||
	fail "the server did not start again after SIGKILL"
server_pid=$PLENUM_PID
"$tool" --url "ws://127.0.0.1:$port" --chair-session "$chair" --close "$poll" \
	--timeout 30 --label smoke >"$tmp/close.json" ||
	fail "closing the poll failed: $(cat "$tmp/close.json")"
python3 "$here/ballots.py" check "$tmp/cast.json" "$tmp/close.json" >"$tmp/row.json" ||
	fail "acknowledged ballots were not all counted after the restart: $(cat "$tmp/row.json")"
echo "smoke: $n ballots acknowledged, all counted after SIGKILL and restart" >&2
