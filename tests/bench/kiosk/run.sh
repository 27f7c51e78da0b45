#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# run.sh — the kiosk's benchmark in one command (docs/benchmarks.md, Kiosk):
# the time from the chair's `present` to the new page on the kiosk's
# screen, median and p99 over 100 page changes, for a text page and a heavy
# image page, at 1920×1080.
#
# Builds Plenum and plenum-kiosk (Release, no sanitizers) in build-bench/,
# makes the two documents (make_pdfs.py: 101 pages of text, 24 pages of
# 3-megapixel images), creates a meeting with both, starts `plenum serve` on
# a free loopback port, an X server without a screen (Xvfb, 1920×1080) and
# the kiosk in it, full screen, with --trace; then, for each document and
# each mode (next: the page after; jump: a page that is not next), the chair
# (latency.py) presents BENCH_PRESENTS pages BENCH_INTERVAL_MS apart and
# reads each page's arrival on the screen from the trace. Prints a markdown
# table and writes it, with the machine and the raw JSON lines, to
# tests/bench/results/kiosk-<date>.md.
#
# usage: tests/bench/kiosk/run.sh
# environment: BENCH_PRESENTS (100), BENCH_INTERVAL_MS (500), BENCH_SIZE
#   (1920x1080), BENCH_RENDERER (SDL's renderer: software, opengl; default:
#   SDL's choice), BENCH_MODES ("next jump"), BENCH_BUILD (build-bench dir)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"

presents=${BENCH_PRESENTS:-100}
interval=${BENCH_INTERVAL_MS:-500}
size=${BENCH_SIZE:-1920x1080}
renderer=${BENCH_RENDERER:-}
modes=${BENCH_MODES:-next jump}
build=${BENCH_BUILD:-$root/build-bench}
# Debian's Python, with python3-websockets (another python3 may come first)
py=/usr/bin/python3
[[ $size =~ ^[0-9]+x[0-9]+$ ]] || { echo "run.sh: BENCH_SIZE is WIDTHxHEIGHT" >&2; exit 2; }
command -v Xvfb >/dev/null || { echo "run.sh: Xvfb is missing: apt-get install xvfb" >&2; exit 2; }

echo "== building (Release, no sanitizers) in $build" >&2
# Warnings are the test suite's business (it builds with -Werror): GCC's
# -O2 finds "maybe uninitialized" cases that -O0 does not, and a benchmark
# should not stop on one.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPLENUM_SANITIZE=OFF \
	-DPLENUM_WERROR=OFF -DPLENUM_KIOSK=ON >"$build.configure.log" 2>&1 ||
	{ cat "$build.configure.log" >&2; exit 1; }
cmake --build "$build" -j"$(nproc)" --target plenum --target plenum-kiosk >&2
plenum=$build/plenum
kiosk=$build/kiosk/plenum-kiosk

tmp=$(mktemp -d)
server_pid=
xvfb_pid=
kiosk_pid=
cleanup() {
	bench_stop "$kiosk_pid"
	bench_stop "$server_pid"
	bench_stop "$xvfb_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "== making the documents" >&2
python3 "$here/make_pdfs.py" "$tmp/pdf" 101 24

port=$(bench_free_port)
out=$("$plenum" meeting create --data "$tmp/data" --title "Kiosk benchmark" \
	--agenda "Reports" --public-url "http://127.0.0.1:$port" --json)
meeting=$(bench_json_field "$out" meeting)
chair_url=$(bench_json_field "$out" chair_url)
display_url=$(bench_json_field "$out" display_url)
doc_of() {
	bench_json_field "$("$plenum" doc add --data "$tmp/data" --meeting "$meeting" "$1" \
		--json 2>/dev/null)" doc
}
text_doc=$(doc_of "$tmp/pdf/text.pdf")
image_doc=$(doc_of "$tmp/pdf/images.pdf")
bench_plenum_start "$plenum" "$tmp/data" "$port" "$tmp/server.log"
server_pid=$PLENUM_PID

# An X server of the benchmark's size; it prints its display number.
Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp 3>"$tmp/display" \
	>"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for ((i = 0; i < 100; i++)); do
	[ -s "$tmp/display" ] && break
	sleep 0.1
done
[ -s "$tmp/display" ] || { echo "run.sh: Xvfb did not start" >&2; cat "$tmp/xvfb.log" >&2; exit 1; }
display=:$(head -n 1 "$tmp/display")

: >"$tmp/trace"
env DISPLAY="$display" SDL_VIDEODRIVER=x11 ${renderer:+SDL_RENDER_DRIVER="$renderer"} \
	"$kiosk" --url "$display_url" --fullscreen --size "$size" --lang en \
	--cache "$tmp/kiosk-cache" --trace "$tmp/trace" >"$tmp/kiosk.log" 2>&1 &
kiosk_pid=$!
for ((i = 0; i < 300; i++)); do
	grep -q '"shown":"idle"' "$tmp/trace" && break
	kill -0 "$kiosk_pid" 2>/dev/null || { cat "$tmp/kiosk.log" >&2; exit 1; }
	sleep 0.1
done
grep -q '"shown":"idle"' "$tmp/trace" ||
	{ echo "run.sh: the kiosk showed nothing" >&2; cat "$tmp/kiosk.log" >&2; exit 1; }
video=$(sed -n 's/^plenum-kiosk: video //p' "$tmp/kiosk.log" | head -n 1)

results=$tmp/results.jsonl
: >"$results"
failures=0
for doc in text images; do
	case $doc in
	text) id=$text_doc pages=101 ;;
	images) id=$image_doc pages=24 ;;
	esac
	for mode in $modes; do
		load=$(cut -d' ' -f1 /proc/loadavg)
		echo "== $doc, $mode (load average $load)" >&2
		line=$("$py" "$here/latency.py" --url "http://127.0.0.1:$port" \
			--chair-url "$chair_url" --trace "$tmp/trace" --doc "$id" \
			--pages "$pages" --mode "$mode" --count "$presents" \
			--interval-ms "$interval" --label "$doc") || failures=$((failures + 1))
		[ -z "$line" ] || printf '{"load1":%s,%s\n' "$load" "${line#\{}" >>"$results"
	done
done
kill -0 "$kiosk_pid" 2>/dev/null || { echo "run.sh: the kiosk died" >&2; failures=$((failures + 1)); }

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
machine="$(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
machine+=", SDL $(pkg-config --modversion sdl2 2>/dev/null || echo '?') (${video:-?})"
table=$(python3 - "$results" "$presents" "$interval" "$size" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{sys.argv[2]} page changes {sys.argv[3]} ms apart at {sys.argv[4]}; latency is from the chair's")
print("`present` to the frame with the new page returned from SDL_RenderPresent() (CLOCK_MONOTONIC);")
print("next: the page after the one shown (drawn ahead); jump: a page not next to it (drawn then).")
print()
print("| page | change | p50 ms | p90 ms | p99 ms | max ms | lost | load |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    f = lambda k: f"{r[k]:.1f}" if isinstance(r.get(k), (int, float)) else "—"  # noqa: E731
    print(f"| {r['label']} | {r['mode']} | {f('p50')} | {f('p90')} | {f('p99')} | {f('max')} "
          f"| {r.get('lost', '—')} | {r.get('load1', '—')} |")
PY
)

mkdir -p "$here/../results"
report=$here/../results/kiosk-$(date -u +%Y-%m-%d).md
{
	echo "# Kiosk benchmark, $(date -u +%Y-%m-%d)"
	echo
	echo "Machine: $machine."
	echo
	echo "$table"
	echo
	echo "Raw reports (one JSON line per run, every latency in ms):"
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
