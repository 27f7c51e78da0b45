# SPDX-License-Identifier: AGPL-3.0-or-later
# lib.sh — shell helpers shared by the benchmarks' scripts (run.sh,
# fanout/smoke.sh, ballots/run.sh, ballots/smoke.sh):
# free ports, starting and stopping the servers under test (Plenum and the
# Node baseline), preparing a Plenum meeting and joining it over HTTP.
# Sourced, not run. Every wait is bounded; every address is loopback.

# A free TCP port on 127.0.0.1 (the kernel's choice; racy only in theory).
bench_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# bench_wait_http URL SECONDS: until URL answers 200, or fail.
bench_wait_http() {
	local url=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "bench: $url did not answer within $secs s" >&2
	return 1
}

# bench_kill PID: SIGKILL at once (nothing flushed, no goodbye); waits for it.
bench_kill() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# bench_stop PID: SIGTERM, then SIGKILL after 5 s; waits for it.
bench_stop() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# The token of a personal link <public-url>/j/<token>.
bench_token() {
	printf '%s\n' "${1##*/j/}"
}

# bench_json_field JSON FIELD: one top-level string or number field.
bench_json_field() {
	python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# bench_plenum_prepare PLENUM DATA PDF: creates a meeting with a member and a
# document in DATA. Sets PLENUM_MEETING, PLENUM_CHAIR_TOKEN,
# PLENUM_MEMBER_TOKEN, PLENUM_DOC, PLENUM_PAGES.
bench_plenum_prepare() {
	local bin=$1 data=$2 pdf=$3 out
	out=$("$bin" meeting create --data "$data" --title "Fan-out benchmark" \
		--agenda "Opening" --json) || return 1
	PLENUM_MEETING=$(bench_json_field "$out" meeting)
	PLENUM_CHAIR_TOKEN=$(bench_token "$(bench_json_field "$out" chair_url)")
	out=$("$bin" participant add --data "$data" --meeting "$PLENUM_MEETING" \
		--name "Receiver" --json) || return 1
	PLENUM_MEMBER_TOKEN=$(bench_token "$(bench_json_field "$out" url)")
	out=$("$bin" doc add --data "$data" --meeting "$PLENUM_MEETING" "$pdf" \
		--json 2>/dev/null) || return 1
	PLENUM_DOC=$(bench_json_field "$out" doc)
	PLENUM_PAGES=$(bench_json_field "$out" pages)
}

# bench_plenum_start PLENUM DATA PORT LOG [SERVE-OPTION ...]: serves DATA
# (the log is appended to); sets PLENUM_PID.
bench_plenum_start() {
	local bin=$1 data=$2 port=$3 log=$4
	shift 4
	"$bin" serve --data "$data" --listen "127.0.0.1:$port" \
		--public-url "http://127.0.0.1:$port" "$@" >>"$log" 2>&1 &
	PLENUM_PID=$!
	bench_wait_http "http://127.0.0.1:$port/healthz" 20
}

# bench_join PORT TOKEN: POST /api/join, prints the session.
bench_join() {
	local port=$1 token=$2 out
	out=$(curl -fsS --max-time 10 -H 'Content-Type: application/json' \
		-d "{\"token\": \"$token\"}" "http://127.0.0.1:$port/api/join") || return 1
	bench_json_field "$out" session
}

# bench_baseline_start DIR PORT LOG: the Node baseline; sets BASELINE_PID.
bench_baseline_start() {
	local dir=$1 port=$2 log=$3
	node "$dir/server.js" --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
	BASELINE_PID=$!
	bench_wait_http "http://127.0.0.1:$port/healthz" 20
}
