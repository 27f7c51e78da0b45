#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# run.sh — the rendering benchmark in one command (docs/benchmarks.md,
# "Rendering").
#
# Builds Plenum and the render driver (Release, no sanitizers, in
# build-bench/), installs mupdf-tools and poppler-utils if missing, then:
#   1. throughput: every page of every PDF of the corpus (default
#      ../shared/corpus/pdf next to the repository; files that need a
#      password are skipped) at 1440 px wide, by
#        (a) Plenum's render pool (tests/bench/render/rendertool.c, one
#            worker per core),
#        (b) `mutool draw`, one process per file, one after the other,
#        (c) `pdftoppm -png`, one process per file, one after the other;
#   2. first page after upload: a 100-page PDF made from corpus pages,
#      uploaded to a fresh `plenum serve` with curl (a new content each run),
#      then GET page 1 at 1024 px polled until 200; median of BENCH_RUNS;
#   3. a cached page: 200 GETs of that page on one keep-alive connection,
#      curl's time_starttransfer.
# Prints a markdown table and writes it, with the machine and the raw JSON,
# to tests/bench/results/render-<date>.md.
#
# usage: tests/bench/render/run.sh
# environment: BENCH_CORPUS (PDF directory), BENCH_RUNS (uploads, default 7),
#              BENCH_REPEAT (throughput rounds, default 1),
#              BENCH_WIDTH (1440), BENCH_BUILD (build-bench dir),
#              BENCH_STEP_TIMEOUT (seconds per step, default 600)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bench=$(cd "$here/.." && pwd)
root=$(cd "$here/../../.." && pwd)
# shellcheck source=../lib.sh
. "$bench/lib.sh"

corpus=${BENCH_CORPUS:-$root/../shared/corpus/pdf}
runs=${BENCH_RUNS:-7}
repeat=${BENCH_REPEAT:-1}
width=${BENCH_WIDTH:-1440}
build=${BENCH_BUILD:-$root/build-bench}
step=${BENCH_STEP_TIMEOUT:-600}
[[ $runs =~ ^[1-9][0-9]?$ ]] || { echo "run.sh: BENCH_RUNS must be 1..99" >&2; exit 2; }
[[ $repeat =~ ^[1-9]$ ]] || { echo "run.sh: BENCH_REPEAT must be 1..9" >&2; exit 2; }
[[ $width =~ ^[1-9][0-9]{1,3}$ ]] || { echo "run.sh: BENCH_WIDTH must be 10..9999" >&2; exit 2; }
[ -d "$corpus" ] || { echo "run.sh: no corpus at $corpus (set BENCH_CORPUS)" >&2; exit 2; }
corpus=$(cd "$corpus" && pwd)

# The two baselines, from Debian.
need=()
command -v mutool >/dev/null || need+=(mupdf-tools)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
	echo "== installing ${need[*]}" >&2
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	timeout 300 $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >&2 ||
		{ timeout 300 $sudo apt-get update -q >&2 &&
		  timeout 300 $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >&2; }
fi

# -Werror off: a benchmark measures; the other builds police warnings, and a
# warning that only -O3 raises must not stop a measurement.
echo "== building (Release, no sanitizers) in $build" >&2
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPLENUM_SANITIZE=OFF \
	-DPLENUM_WERROR=OFF -DPLENUM_BENCH=ON >"$build.configure.log" 2>&1 ||
	{ cat "$build.configure.log" >&2; exit 1; }
timeout "$step" cmake --build "$build" -j"$(nproc)" --target plenum --target plenum-rendertool >&2
plenum=$build/plenum
rendertool=$build/tests/bench/plenum-rendertool

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

now_ns() { date +%s%N; }

# The corpus: every PDF but those that need a password or in which MuPDF
# finds no page (the same set for every tool).
files=()
skipped=()
for f in "$corpus"/*.pdf; do
	info=$(pdfinfo "$f" 2>&1 | tr -d '\0' || true)
	if grep -qi 'password' <<<"$info"; then
		skipped+=("$(basename "$f") (password)")
	elif pages=$(mutool pages "$f" 2>/dev/null) && grep -q '<page' <<<"$pages" &&
		! grep -q 'Failed to gather' <<<"$pages"; then
		files+=("$f")
	else
		skipped+=("$(basename "$f") (MuPDF finds no page)")
	fi
done
[ ${#files[@]} -gt 0 ] || { echo "run.sh: no PDF in $corpus" >&2; exit 2; }
skipped_list=$(IFS=,; echo "${skipped[*]:-none}")
skipped_list=${skipped_list//,/, }
echo "== corpus: ${#files[@]} files in $corpus (skipped: $skipped_list)" >&2
cat "${files[@]}" >/dev/null # into the page cache for every tool alike

# ---- 1. throughput ----------------------------------------------------------

plenum_pool() {
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "== Plenum render pool (load average $load)" >&2
	out=$(timeout "$step" "$rendertool" --exe "$plenum" --width "$width" \
		--timeout $((step - 10)) --label plenum "${files[@]}") || {
		echo "run.sh: the render pool did not render every page" >&2
		failures=$((failures + 1))
	}
	[ -z "$out" ] || printf '{"step":"throughput","round":%d,"load1":%s,%s\n' \
		"$round" "$load" "${out#\{}" >>"$results"
}

# baseline NAME COMMAND...: one process per file, FILE and OUT substituted.
baseline() {
	local name=$1 t0 t1 f i=0 pages rc=0 failed=0 outdir
	shift
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "== $name, one process per file (load average $load)" >&2
	outdir=$tmp/$name
	rm -rf "$outdir"
	t0=$(now_ns)
	for f in "${files[@]}"; do
		mkdir -p "$outdir/$i"
		local cmd=()
		for a in "$@"; do
			a=${a//@FILE@/$f}
			cmd+=("${a//@OUT@/$outdir/$i}")
		done
		timeout "$step" "${cmd[@]}" >/dev/null 2>>"$tmp/$name.err" || {
			rc=$?
			failed=$((failed + 1))
			echo "run.sh: $name failed on $(basename "$f") (exit $rc)" >&2
		}
		i=$((i + 1))
	done
	t1=$(now_ns)
	pages=$(find "$outdir" -name '*.png' | wc -l)
	python3 -c 'import json, sys
n, t, pages, failed, load = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
s = t / 1e9
print(json.dumps({"step": "throughput", "round": int(sys.argv[8]), "load1": load, "tool": n, "files": int(sys.argv[6]),
                  "rendered": pages, "failed_files": failed, "width": int(sys.argv[7]),
                  "seconds": round(s, 3), "pages_per_s": round(pages / s, 2)}))' \
		"$name" $((t1 - t0)) "$pages" "$failed" "$load" "${#files[@]}" "$width" "$round" >>"$results"
	rm -rf "$outdir"
}
# Rounds of the three, in turn, so that a change in the machine's load
# shows in one round rather than in one tool.
for ((round = 1; round <= repeat; round++)); do
	plenum_pool
	baseline mutool mutool draw -q -w "$width" -o @OUT@/%d.png @FILE@
	baseline pdftoppm pdftoppm -png -scale-to-x "$width" -scale-to-y -1 @FILE@ @OUT@/p
done

# ---- 2. first page after upload, 3. a cached page ---------------------------

# A 100-page document from the corpus' pages, the longest files first.
doc=$tmp/doc100.pdf
merge=()
left=100
while read -r n f; do
	[ "$left" -gt 0 ] || break
	take=$((n < left ? n : left))
	merge+=("$f" "1-$take")
	left=$((left - take))
done < <(for f in "${files[@]}"; do
		n=$(pdfinfo "$f" 2>/dev/null | sed -n 's/^Pages: *//p')
		[ -z "$n" ] || echo "$n $f"
	done | sort -rn)
[ "$left" -eq 0 ] || { echo "run.sh: the corpus has fewer than 100 pages" >&2; exit 1; }
timeout 120 mutool merge -o "$doc" "${merge[@]}" >&2
echo "== a 100-page document: ${merge[*]//$corpus\//}" >&2

for ((i = 1; i <= runs; i++)); do
	port=$(bench_free_port)
	rm -rf "$tmp/data"
	bench_plenum_prepare "$plenum" "$tmp/data" "$root/tests/data/pdflatex-4-pages.pdf"
	bench_plenum_start "$plenum" "$tmp/data" "$port" "$tmp/serve.log"
	server_pid=$PLENUM_PID
	session=$(bench_join "$port" "$PLENUM_CHAIR_TOKEN")
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "== upload $i of $runs (load average $load)" >&2
	if out=$(timeout 120 python3 "$here/firstpage.py" upload "http://127.0.0.1:$port" \
		"$PLENUM_MEETING" "$session" "$doc" --tag "$i"); then
		printf '{"step":"first_page","run":%d,"load1":%s,%s\n' "$i" "$load" "${out#\{}" >>"$results"
	else
		echo "run.sh: upload $i failed; server log:" >&2
		tail -n 20 "$tmp/serve.log" >&2 || true
		failures=$((failures + 1))
	fi
	bench_stop "$server_pid"
	server_pid=
done

# A cached page on an idle server: the 4-page PDF's page 1, rendered once,
# then 200 GETs after the pool has gone quiet.
port=$(bench_free_port)
rm -rf "$tmp/data"
bench_plenum_prepare "$plenum" "$tmp/data" "$root/tests/data/pdflatex-4-pages.pdf"
bench_plenum_start "$plenum" "$tmp/data" "$port" "$tmp/serve.log"
server_pid=$PLENUM_PID
session=$(bench_join "$port" "$PLENUM_CHAIR_TOKEN")
load=$(cut -d' ' -f1 /proc/loadavg)
echo "== cached page, 200 GETs (load average $load)" >&2
if out=$(timeout 180 python3 "$here/firstpage.py" cached "http://127.0.0.1:$port" \
	"$session" "$PLENUM_DOC" -n 200); then
	printf '{"step":"cached","load1":%s,%s\n' "$load" "${out#\{}" >>"$results"
else
	failures=$((failures + 1))
fi
bench_stop "$server_pid"
server_pid=

# ---- the machine and the table ----------------------------------------------

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mupdf=$(dpkg-query -W -f='${Version}' mupdf-tools 2>/dev/null || echo '?')
libmupdf=$(dpkg-query -W -f='${Version}' libmupdf-dev 2>/dev/null || echo '?')
poppler=$(pdftoppm -v 2>&1 | sed -n 's/^pdftoppm version //p' | head -n 1)
machine="$(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
machine+=", MuPDF ${libmupdf} (Plenum) and ${mupdf} (mutool), Poppler ${poppler:-?}"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
table=$(python3 - "$results" "$width" "${#files[@]}" "$skipped_list" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
width, nfiles, skipped = sys.argv[2], sys.argv[3], sys.argv[4]
thr = [r for r in rows if r["step"] == "throughput"]
first = [r for r in rows if r["step"] == "first_page"]
cached = [r for r in rows if r["step"] == "cached"]
def num(v, f="{:.1f}"):
    return f.format(v) if isinstance(v, (int, float)) else "—"
print(f"Throughput: {nfiles} PDFs of the corpus (skipped: {skipped}), every page at {width} px;")
print("Plenum: its render pool, one worker process per core, all pages queued at once;")
print("mutool and pdftoppm: one process per file, one file after the other. load is the")
print("1-minute load average before the step (2 cores: above 2 the tools share their cores with other work).")
print()
print("| round | tool | pages | seconds | pages/s | Plenum ÷ this | load |")
print("|---:|---|---:|---:|---:|---:|---:|")
for rnd in sorted({r.get("round", 1) for r in thr}):
    by = {r["tool"]: r for r in thr if r.get("round", 1) == rnd}
    p = by.get("plenum", {}).get("pages_per_s")
    for name in ("plenum", "mutool", "pdftoppm"):
        r = by.get(name)
        if not r:
            print(f"| {rnd} | {name} | — | — | — | — | — |")
            continue
        ratio = p / r["pages_per_s"] if p and r.get("pages_per_s") else None
        pages = r.get("rendered", "—")
        if name == "plenum" and r.get("failed"):
            pages = f"{pages} ({r['failed']} failed)"
        if name != "plenum" and r.get("failed_files"):
            pages = f"{pages} ({r['failed_files']} files failed)"
        print(f"| {rnd} | {name} | {pages} | {num(r.get('seconds'), '{:.2f}')} | {num(r.get('pages_per_s'))} "
              f"| {num(ratio, '{:.2f}×')} | {r.get('load1', '—')} |")
print()
if first:
    ms = sorted(r["first_page_ms"] for r in first)
    up = sorted(r["upload_ms"] for r in first)
    print(f"First page after upload: a {first[0]['pages']}-page PDF, {len(first)} uploads, each a new content,")
    print("each to a fresh `plenum serve`; page 1 at 1024 px polled with curl from the end of the upload's response.")
    print()
    print("| measure | median | min | max | runs |")
    print("|---|---:|---:|---:|---:|")
    print(f"| upload (POST, until the 201) | {statistics.median(up):.0f} ms | {up[0]:.0f} ms | {up[-1]:.0f} ms | {len(up)} |")
    print(f"| end of upload → page 1 served | {statistics.median(ms):.0f} ms | {ms[0]:.0f} ms | {ms[-1]:.0f} ms | {len(ms)} |")
if cached:
    c = cached[0]
    print(f"| cached page (idle server), time_starttransfer over loopback, keep-alive | {c['median_ms']:.2f} ms "
          f"| p90 {c['p90_ms']:.2f} ms | {c['max_ms']:.2f} ms | {c['n']} GETs |")
PY
)

mkdir -p "$bench/results"
report=$bench/results/render-$(date -u +%Y-%m-%d).md
{
	echo "# Rendering benchmark, $(date -u +%Y-%m-%d)"
	echo
	echo "Machine: $machine. Plenum at $commit."
	echo
	echo "$table"
	echo
	echo "Raw reports (one JSON line per step or run):"
	echo
	echo '```'
	cat "$results"
	echo '```'
} >"$report"

echo
echo "Machine: $machine. Plenum at $commit."
echo
echo "$table"
echo
echo "Written to ${report#"$root"/}." >&2
[ "$failures" -eq 0 ]
