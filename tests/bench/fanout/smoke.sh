#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# smoke.sh — the fan-out load tool's CTest smoke run (label `bench`):
# 20 receivers, 5 page changes, and it passes only when every receiver got
# every event once and in order. Against the Node baseline when
# tests/bench/baseline/node_modules is installed, else against Plenum.
# Asserts correctness only, never timings.
#
# usage: smoke.sh PLENUM-LOADTOOL PLENUM
set -euo pipefail

loadtool=$1
plenum=$2
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../lib.sh
. "$here/lib.sh"

tmp=$(mktemp -d)
server_pid=
cleanup() {
	bench_stop "$server_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(bench_free_port)
args=(-n 20 -p 5 --interval-ms 20 --settle-ms 100 --drain-ms 3000 --timeout 25)
if [ -d "$here/baseline/node_modules/ws" ] && command -v node >/dev/null; then
	bench_baseline_start "$here/baseline" "$port" "$tmp/server.log"
	server_pid=$BASELINE_PID
	args+=(--label node --session member-smoke --chair-session chair-smoke)
else
	pdf=${PLENUM_SOURCE:-$here/../..}/tests/data/pdflatex-4-pages.pdf
	bench_plenum_prepare "$plenum" "$tmp/data" "$pdf"
	bench_plenum_start "$plenum" "$tmp/data" "$port" "$tmp/server.log"
	server_pid=$PLENUM_PID
	args+=(--label plenum --doc "$PLENUM_DOC" --pages "$PLENUM_PAGES"
	       --session "$(bench_join "$port" "$PLENUM_MEMBER_TOKEN")"
	       --chair-session "$(bench_join "$port" "$PLENUM_CHAIR_TOKEN")")
fi
args+=(--pid "$server_pid" --url "ws://127.0.0.1:$port")

if ! "$loadtool" "${args[@]}"; then
	echo "smoke: the fan-out run failed; server log:" >&2
	tail -n 30 "$tmp/server.log" >&2 || true
	exit 1
fi
