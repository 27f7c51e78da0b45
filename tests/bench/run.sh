#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# run.sh — the fan-out benchmark in one command (docs/benchmarks.md).
#
# Builds Plenum (Release, no sanitizers, in build-bench/) and the load tool,
# installs the Node baseline's one dependency, then for each N (default
# 100 1000 5000) runs tests/bench/fanout/loadtool.c against
#   (a) the real Plenum server: a fresh data directory, a meeting with a
#       member and a 4-page PDF, a chair and a member session from
#       POST /api/join (all N receivers share the member's session), and
#   (b) the Node baseline (tests/bench/baseline/server.js),
# each server started fresh on a free loopback port for each run and stopped
# after it. Prints a markdown table and writes it, with the machine it ran
# on and the raw JSON lines, to tests/bench/results/fanout-<date>.md.
#
# usage: tests/bench/run.sh [fanout] [N ...]   the fan-out benchmark (this file)
#        tests/bench/run.sh NAME [ARG ...]    tests/bench/NAME/run.sh: ballots,
#                                             render, kiosk…
#        tests/bench/run.sh all               every one, one after the other
# environment: BENCH_PRESENTS (P, default 100), BENCH_INTERVAL_MS (50),
#              BENCH_SERVERS ("plenum plenum-1t node"; plenum-1t is Plenum
#              with --fanout-threads 0), BENCH_REPEAT (runs of each, 1),
#              BENCH_READ_HOLD_MS (the load tool's --read-hold-ms),
#              BENCH_BUILD (build-bench dir)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

# The other benchmarks by the name of their directory; plain numbers stay
# the fan-out's sizes.
case ${1:-} in
all)
	[ $# -eq 1 ] || { echo "run.sh: 'all' takes no sizes" >&2; exit 2; }
	rc=0
	"$here/run.sh" fanout || rc=1
	for other in "$here"/*/run.sh; do
		"$other" || rc=1
	done
	exit "$rc"
	;;
fanout)
	shift
	;;
[a-z]*)
	if [ -x "$here/$1/run.sh" ]; then
		name=$1
		shift
		exec "$here/$name/run.sh" "$@"
	fi
	echo "run.sh: no benchmark '$1' (tests/bench/$1/run.sh)" >&2
	exit 2
	;;
esac

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 5000)
for n in "${sizes[@]}"; do
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 20000 ] || {
		echo "run.sh: N must be a number from 1 to 20000, got '$n'" >&2
		exit 2
	}
done
presents=${BENCH_PRESENTS:-100}
interval=${BENCH_INTERVAL_MS:-50}
servers=${BENCH_SERVERS:-plenum plenum-1t node}
repeat=${BENCH_REPEAT:-1}
[[ $repeat =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: BENCH_REPEAT must be 1..99" >&2; exit 2; }
build=${BENCH_BUILD:-$root/build-bench}
pdf=$root/tests/data/pdflatex-4-pages.pdf

echo "== building (Release, no sanitizers) in $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPLENUM_SANITIZE=OFF \
	-DPLENUM_BENCH=ON >"$build.configure.log" 2>&1 ||
	{ cat "$build.configure.log" >&2; exit 1; }
targets=(--target plenum-loadtool)
[[ " $servers " != *" plenum"* ]] || targets+=(--target plenum)
cmake --build "$build" -j"$(nproc)" "${targets[@]}" >&2
loadtool=$build/tests/bench/plenum-loadtool
plenum=$build/plenum

if [[ " $servers " == *" node "* ]]; then
	echo "== npm install (tests/bench/baseline)" >&2
	(cd "$here/baseline" && npm install --no-audit --no-fund --loglevel=error) >&2
fi

# Every receiver is a descriptor on both sides of the loopback.
ulimit -n "$(ulimit -Hn)"
need=0
for n in "${sizes[@]}"; do [ $((n + 200)) -le "$need" ] || need=$((n + 200)); done
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
	echo "run.sh: ulimit -n is $(ulimit -n), N needs $need" >&2
	exit 2
fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
	bench_stop "$server_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT

results=$tmp/results.jsonl
: >"$results"
failures=0

# run_one SERVER N: one fresh server, one load-tool run; appends its JSON.
run_one() {
	local server=$1 n=$2 port log args out rc=0
	port=$(bench_free_port)
	log=$tmp/$server-$n.log
	args=(--url "ws://127.0.0.1:$port" -n "$n" -p "$presents"
	      --interval-ms "$interval" --timeout 120 --label "$server")
	[ -z "${BENCH_READ_HOLD_MS:-}" ] || args+=(--read-hold-ms "$BENCH_READ_HOLD_MS")
	case $server in
	plenum | plenum-1t)
		rm -rf "$tmp/data"
		bench_plenum_prepare "$plenum" "$tmp/data" "$pdf"
		if [ "$server" = plenum-1t ]; then
			# the same server sending on its service thread alone
			bench_plenum_start "$plenum" "$tmp/data" "$port" "$log" --fanout-threads 0
		else
			bench_plenum_start "$plenum" "$tmp/data" "$port" "$log"
		fi
		server_pid=$PLENUM_PID
		args+=(--doc "$PLENUM_DOC" --pages "$PLENUM_PAGES"
		       --session "$(bench_join "$port" "$PLENUM_MEMBER_TOKEN")"
		       --chair-session "$(bench_join "$port" "$PLENUM_CHAIR_TOKEN")")
		;;
	node)
		bench_baseline_start "$here/baseline" "$port" "$log"
		server_pid=$BASELINE_PID
		args+=(--doc bench-doc --pages 4
		       --session member-bench --chair-session chair-bench)
		;;
	*)
		echo "run.sh: unknown server '$server'" >&2
		return 1
		;;
	esac
	args+=(--pid "$server_pid")
	# The 1-minute load average before the run: this machine may be shared.
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "== $server, N=$n (load average $load)" >&2
	out=$(${BENCH_TOOL_PREFIX:-} "$loadtool" "${args[@]}") || rc=$?
	[ -z "$out" ] || out="{\"load1\":$load,${out#\{}"
	bench_stop "$server_pid"
	server_pid=
	if [ -n "$out" ]; then
		printf '%s\n' "$out" >>"$results"
	else
		printf '{"server":"%s","n":%d,"ok":false,"error":"no report (exit %d)"}\n' \
			"$server" "$n" "$rc" >>"$results"
	fi
	if [ "$rc" -ne 0 ]; then
		echo "run.sh: $server at N=$n failed (exit $rc); server log:" >&2
		tail -n 20 "$log" >&2 || true
		return 1
	fi
}

for n in "${sizes[@]}"; do
	for ((rep = 1; rep <= repeat; rep++)); do
		for server in $servers; do
			run_one "$server" "$n" || failures=$((failures + 1))
		done
	done
done

# The machine and the table.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
machine="$(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
machine+=", libwebsockets $(pkg-config --modversion libwebsockets 2>/dev/null || echo '?')"
command -v node >/dev/null && machine+=", Node $(node --version)"
table=$(python3 - "$results" "$presents" "$interval" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"P = {sys.argv[2]} page changes, {sys.argv[3]} ms apart; latency is from the chair's send to the event's arrival in each")
print("receiver's socket (the kernel's receive timestamp; an event the tool read together with a later one counts with the later")
print("one's, an upper bound); shared is the share of such events, and p99 alone the p99 over the others; read p99 is until")
print("the tool had read it; RSS/conn is the server's VmRSS growth over N idle receivers, divided by N; server CPU/delivery is")
print("the server's user+system time during the page changes over N × P; load is the 1-minute load average before the run.")
print()
print("| N | server | p50 ms | p99 ms | max ms | shared | p99 alone ms | read p99 ms | RSS/conn | missed | connect | server CPU/delivery | load |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
def ms(v):
    return f"{v:.1f}" if isinstance(v, (int, float)) else "—"
for r in rows:
    lat = r.get("latency_ms", {})
    rd = r.get("read_ms", {})
    alone = r.get("latency_unshared_ms", {})
    sh = r.get("shared_stamps")
    sh = f"{100 * sh / r['delivered']:.1f} %" if isinstance(sh, int) and r.get("delivered") else "—"
    rss = r.get("rss_per_conn_bytes")
    rss = f"{rss / 1024:.1f} KiB" if isinstance(rss, (int, float)) else "—"
    missed = r.get("missed", "—")
    if not r.get("ok"):
        missed = f"{missed} (failed: {r.get('error', '?')})"
    conn = r.get("connect_ms")
    conn = f"{conn / 1000:.2f} s" if isinstance(conn, (int, float)) and conn >= 0 else "—"
    cpu = r.get("server_cpu_us_per_delivery")
    cpu = f"{cpu:.1f} µs" if isinstance(cpu, (int, float)) else "—"
    print(f"| {r.get('n')} | {r.get('server')} | {ms(lat.get('p50'))} | {ms(lat.get('p99'))} "
          f"| {ms(lat.get('max'))} | {sh} | {ms(alone.get('p99'))} | {ms(rd.get('p99'))} | {rss} | {missed} | {conn} | {cpu} | {r.get('load1', '—')} |")
PY
)

mkdir -p "$here/results"
report=$here/results/fanout-$(date -u +%Y-%m-%d).md
{
	echo "# Fan-out benchmark, $(date -u +%Y-%m-%d)"
	echo
	echo "Machine: $machine."
	echo
	echo "$table"
	echo
	echo "Raw load-tool reports (one JSON line per run):"
	echo
	echo '```'
	cat "$results"
	echo '```'
} >"$report"

echo
echo "Machine: $machine."
echo
echo "$table"
echo
echo "Written to ${report#"$root"/}." >&2
[ "$failures" -eq 0 ]
