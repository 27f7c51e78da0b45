#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# run.sh — the ballot benchmark in one command (docs/benchmarks.md,
# "Ballots").
#
# Builds Plenum and the ballot tool (Release, no sanitizers, in
# build-bench/), prepares once a meeting with N members (default 2000) who
# have all joined (a session each, checked in), and then, for each ballot
# batch (default: 1024, the server's default group commit, and 1, one
# transaction per ballot) and each way of sending (over 1 s, and all at
# once):
#   1. copies the prepared data directory and starts `plenum serve
#      --ballot-batch B` on it;
#   2. runs tests/bench/ballots/ballottool.c: N WebSockets with their own
#      sessions, the chair opens a poll, every member casts one ballot; it
#      measures each ballot's send → acknowledgement time and ballots/s;
#   3. kills the server with SIGKILL, starts it again on the same data, has
#      the chair close the poll, and checks that `poll.closed` counts
#      exactly the acknowledged ballots, per option.
# Prints a markdown table and appends it, with the machine (CPU, cores,
# kernel, the data directory's disk and filesystem) and the raw JSON, as a
# section of tests/bench/results/ballots-<date>.md (one per run of the day).
#
# usage: tests/bench/ballots/run.sh [N]      (or: tests/bench/run.sh ballots [N])
# environment: BENCH_BATCHES ("1024 1"), BENCH_SPREADS (ms, "1000 0"),
#              BENCH_REPEAT (runs of each, 1), BENCH_BUILD (build-bench dir),
#              BENCH_TMP (where the data directories go; default: mktemp -d,
#              and the disk it is on is the one measured), BENCH_TRACE_DIR
#              (keep each run's per-ballot times there: ballottool --trace)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bench=$(cd "$here/.." && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=../lib.sh
. "$bench/lib.sh"

n=${1:-2000}
[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 20000 ] ||
	{ echo "run.sh: N must be a number from 1 to 20000, got '$n'" >&2; exit 2; }
batches=${BENCH_BATCHES:-1024 1}
spreads=${BENCH_SPREADS:-1000 0}
repeat=${BENCH_REPEAT:-1}
[[ $repeat =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: BENCH_REPEAT must be 1..99" >&2; exit 2; }
for b in $batches; do
	[[ $b =~ ^[0-9]+$ ]] && [ "$b" -ge 1 ] && [ "$b" -le 1024 ] ||
		{ echo "run.sh: a ballot batch is 1..1024, got '$b'" >&2; exit 2; }
done
for s in $spreads; do
	[[ $s =~ ^[0-9]+$ ]] || { echo "run.sh: a spread is in ms, got '$s'" >&2; exit 2; }
done
build=${BENCH_BUILD:-$root/build-bench}

# -Werror off: a benchmark measures; the other builds police warnings.
echo "== building (Release, no sanitizers) in $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPLENUM_SANITIZE=OFF \
	-DPLENUM_WERROR=OFF -DPLENUM_BENCH=ON >"$build.configure.log" 2>&1 ||
	{ cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" --target plenum --target plenum-ballottool >&2
tool=$build/tests/bench/plenum-ballottool
plenum=$build/plenum

# Every voter is a descriptor on both sides of the loopback.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((n + 200)) ]; then
	echo "run.sh: ulimit -n is $(ulimit -n), N needs $((n + 200))" >&2
	exit 2
fi

if [ -n "${BENCH_TMP:-}" ]; then
	mkdir -p "$BENCH_TMP"
	tmp=$(mktemp -d "$BENCH_TMP/ballots.XXXXXX")
else
	tmp=$(mktemp -d)
fi
server_pid=
cleanup() {
	bench_stop "$server_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
results=$tmp/results.jsonl
: >"$results"
failures=0

# The meeting, once: N members, each joined (a session, checked in).
echo "== preparing a meeting with $n members" >&2
t0=$(date +%s)
python3 "$here/ballots.py" members "$plenum" "$tmp/template" "$n" "$tmp"
port=$(bench_free_port)
bench_plenum_start "$plenum" "$tmp/template" "$port" "$tmp/prepare.log"
server_pid=$PLENUM_PID
python3 "$here/ballots.py" join "http://127.0.0.1:$port" "$tmp/tokens.txt" "$tmp/sessions.txt"
chair=$(python3 "$here/ballots.py" chair "http://127.0.0.1:$port" "$tmp")
bench_stop "$server_pid"
server_pid=
echo "   $n members added and joined in $(($(date +%s) - t0)) s" >&2

# run_one BATCH SPREAD: a fresh copy of the meeting, one casting, the kill,
# the restart and the count; appends the merged JSON line.
run_one() {
	local batch=$1 spread=$2 log=$tmp/server-$1-$2.log data=$tmp/run rc=0 poll load
	rm -rf "$data"
	cp -a "$tmp/template" "$data"
	port=$(bench_free_port)
	bench_plenum_start "$plenum" "$data" "$port" "$log" --ballot-batch "$batch"
	server_pid=$PLENUM_PID
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "== --ballot-batch $batch, $n ballots $([ "$spread" -eq 0 ] && echo 'all at once' ||
		echo "over $spread ms") (load average $load)" >&2
	trace=()
	if [ -n "${BENCH_TRACE_DIR:-}" ]; then
		mkdir -p "$BENCH_TRACE_DIR"
		trace=(--trace "$BENCH_TRACE_DIR/ballots-$(date -u +%H%M%S)-batch$batch-spread$spread.txt")
	fi
	"$tool" --url "ws://127.0.0.1:$port" --chair-session "$chair" \
		--sessions "$tmp/sessions.txt" --spread-ms "$spread" --pid "$server_pid" \
		--timeout 300 --label "batch $batch" "${trace[@]}" >"$tmp/cast.json" || rc=$?
	poll=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("poll", ""))' \
		"$tmp/cast.json" 2>/dev/null || true)
	# Durability: SIGKILL, start again on the same data, close, count.
	bench_kill "$server_pid"
	server_pid=
	: >"$tmp/close.json"
	if [ -n "$poll" ]; then
		bench_plenum_start "$plenum" "$data" "$port" "$log" --ballot-batch "$batch"
		server_pid=$PLENUM_PID
		"$tool" --url "ws://127.0.0.1:$port" --chair-session "$chair" --close "$poll" \
			--timeout 60 --label "batch $batch" >"$tmp/close.json" || rc=$?
		bench_stop "$server_pid"
		server_pid=
	fi
	python3 "$here/ballots.py" check "$tmp/cast.json" "$tmp/close.json" \
		"{\"batch\":$batch,\"load1\":$load}" >>"$results" || rc=1
	if [ "$rc" -ne 0 ]; then
		echo "run.sh: --ballot-batch $batch, spread $spread ms failed; server log:" >&2
		tail -n 20 "$log" >&2 || true
		return 1
	fi
}

for ((rep = 1; rep <= repeat; rep++)); do
	for batch in $batches; do
		for spread in $spreads; do
			run_one "$batch" "$spread" || failures=$((failures + 1))
		done
	done
done

# The machine, with the disk the data directories were on: fsync costs
# what that disk and filesystem make it cost.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
fs=$(df -PT "$tmp" | awk 'NR == 2 { print $2 " on " $1 }')
dev=$(df -P "$tmp" | awk 'NR == 2 { print $1 }')
disk=
if [ -b "$dev" ]; then
	base=$(basename "$(readlink -f "$dev")")
	parent=$(lsblk -no PKNAME "$dev" 2>/dev/null | head -n 1 || true)
	[ -n "$parent" ] || parent=$base
	rot=$(cat "/sys/block/$parent/queue/rotational" 2>/dev/null || echo '?')
	model=$(cat "/sys/block/$parent/device/model" 2>/dev/null | sed 's/ *$//' || true)
	case $parent in vd*) model=${model:-virtio block device} ;; esac
	disk="${model:-$parent} (sysfs rotational: $rot)"
fi
opts=$(awk -v d="$(df -P "$tmp" | awk 'NR == 2 { print $6 }')" '$2 == d { print $4 }' /proc/mounts | head -n 1)
machine="$(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
machine+="; data directory on $fs (${opts:-?})${disk:+, $disk}"
machine+="; $(python3 "$here/ballots.py" fsync "$tmp")"
machine+="; SQLite $(pkg-config --modversion sqlite3 2>/dev/null || echo '?')"
machine+=", libwebsockets $(pkg-config --modversion libwebsockets 2>/dev/null || echo '?')"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
dirty=$(git -C "$root" status --porcelain -- server 2>/dev/null | head -n 1)
commit+=${dirty:+ (server with uncommitted changes)}
table=$(python3 "$here/ballots.py" table "$results")

mkdir -p "$bench/results"
report=$bench/results/ballots-$(date -u +%Y-%m-%d).md
# Every run of the day goes into the day's file, one section each, so that
# the spread between runs stays on record.
{
	[ -s "$report" ] || printf '# Ballot benchmark, %s\n\n' "$(date -u +%Y-%m-%d)"
	echo "## Run finished at $(date -u '+%H:%M') UTC"
	echo
	echo "Machine: $machine."
	echo
	echo "Plenum at $commit; $n voters, each with its own session and WebSocket;"
	echo "latency is from just before a ballot's write to the arrival of its answer;"
	echo "ballots/s is the acknowledged ballots over the time from the first send to"
	echo "the last answer; counted after SIGKILL is \`poll.closed\`'s \`cast\` after"
	echo "the server was killed and started again (it must equal acked, option by option);"
	echo "load is the 1-minute load average before the run."
	echo
	echo "$table"
	echo
	echo "Raw reports (one JSON line per run):"
	echo
	echo '```'
	cat "$results"
	echo '```'
	echo
} >>"$report"

echo
echo "Machine: $machine."
echo
echo "$table"
echo
echo "Written to ${report#"$root"/}." >&2
[ "$failures" -eq 0 ]
