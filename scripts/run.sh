#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Starts Plenum with a demo meeting: installs what is missing, builds, creates
# the demo meeting once (in ./data), prints its QR code and links, and serves.
#
#   scripts/run.sh [--listen HOST:PORT] [--public-url URL]
#
# To join from phones on the same network, listen on every interface and give
# the address they reach this machine at, e.g.
#   scripts/run.sh --listen 0.0.0.0:8080 --public-url http://192.168.1.20:8080
set -euo pipefail
cd "$(dirname "$0")/.."

listen=127.0.0.1:8080
public_url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --listen) listen="${2:?--listen needs HOST:PORT}"; shift 2 ;;
    --listen=*) listen="${1#*=}"; shift ;;
    --public-url) public_url="${2:?--public-url needs a URL}"; shift 2 ;;
    --public-url=*) public_url="${1#*=}"; shift ;;
    -h|--help) sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scripts/run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$public_url" ]; then
  host=${listen%:*}; port=${listen##*:}
  [ "$host" = "$listen" ] && host=127.0.0.1
  [ "$host" = "0.0.0.0" ] && host=$(hostname -I 2>/dev/null | awk '{print $1}')
  public_url="http://${host:-127.0.0.1}:$port"
fi

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPLENUM_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
plenum=build/plenum
data=./data
mkdir -p "$data"

if [ ! -f "$data/demo.tokens" ]; then
  echo "Creating the demo meeting in $data …"
  json=$($plenum meeting create --data "$data" --json --public-url "$public_url" \
    --title "Họp giao ban tháng 11 — Monthly briefing" \
    --org "Sở Thông tin và Truyền thông" --location "Phòng họp 301" \
    --chair "Võ Thanh Hải" --secretary "Đặng Ngọc Lan" \
    --starts "$(date -u -d 'tomorrow 01:00' +%Y-%m-%dT%H:%M:%SZ)" \
    --agenda "Khai mạc — Opening" \
    --agenda "Báo cáo tình hình tháng 11 — November report" \
    --agenda "Biểu quyết kế hoạch phòng họp không giấy — Vote on the paperless plan")
  meeting=$(sed -E 's/.*"meeting":"([^"]+)".*/\1/' <<<"$json")
  token() { sed -E "s/.*\"$1\":\"[^\"]*\/j\/([^\"]+)\".*/\1/" <<<"$json"; }
  {
    echo "meeting=$meeting"
    echo "chair=$(token chair_url)"
    echo "secretary=$(token secretary_url)"
    echo "display=$(token display_url)"
  } > "$data/demo.tokens.new"
  i=0
  for who in "Nguyễn Văn An|Giám đốc" "Trần Thị Bình|Phó Giám đốc" "Lê Hoàng Cường|Trưởng phòng Kế hoạch" \
             "Phạm Thu Dung|Chánh Văn phòng" "Hoàng Minh Em|Trưởng phòng CNTT"; do
    i=$((i + 1))
    p=$($plenum participant add --data "$data" --meeting "$meeting" --json \
      --public-url "$public_url" --name "${who%%|*}" --title "${who#*|}")
    echo "member$i=$(sed -E 's/.*\/j\/([^"]+)".*/\1/' <<<"$p")|${who%%|*}" >> "$data/demo.tokens.new"
  done
  $plenum doc add --data "$data" --meeting "$meeting" --item 2 \
    --title "Báo cáo và kế hoạch phòng họp không giấy" tests/data/hop-giao-ban.pdf >/dev/null
  $plenum doc add --data "$data" --meeting "$meeting" --item 3 \
    --title "Sample report (4 pages)" tests/data/pdflatex-4-pages.pdf >/dev/null
  # The personal links are shown only once by the command line; the demo keeps
  # them so that every start can print them again. Real meetings do not.
  chmod 600 "$data/demo.tokens.new"
  mv "$data/demo.tokens.new" "$data/demo.tokens"
fi

get() { sed -n "s/^$1=//p" "$data/demo.tokens"; }
meeting=$(get meeting)
$plenum meeting show --data "$data" --meeting "$meeting" --public-url "$public_url"
echo
echo "Chair:         $public_url/j/$(get chair)"
echo "Secretary:     $public_url/j/$(get secretary)"
echo "Room display:  $public_url/j/$(get display)"
for i in 1 2 3 4 5; do
  line=$(get "member$i")
  echo "Member:        $public_url/j/${line%%|*}  (${line#*|})"
done
echo
echo "Meeting console (for the staff who prepare meetings): $public_url/console"
echo "  an account first: $plenum user add --data $data --name NAME --email EMAIL --role admin"
if [ -x build/kiosk/plenum-kiosk ]; then
  echo "The room's screen as a program: build/kiosk/plenum-kiosk --url $public_url/j/$(get display)"
fi
echo
case "$listen" in
  127.*|localhost:*) echo "Only this computer can reach it. For phones on your network:"
                     echo "  scripts/run.sh --listen 0.0.0.0:8080 --public-url http://$(hostname -I 2>/dev/null | awk '{print $1}'):8080" ;;
esac
echo "Stop with Ctrl-C."
echo
exec $plenum serve --data "$data" --listen "$listen" --public-url "$public_url"
