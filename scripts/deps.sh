#!/usr/bin/env bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Installs the Debian 12 packages Plenum needs that are not installed yet.
#   scripts/deps.sh          what building and running the server needs
#   scripts/deps.sh --test   also what the tests need (browser, pytest, cmocka…)
set -euo pipefail

build=(build-essential cmake pkg-config git curl ca-certificates
       libwebsockets-dev libsqlite3-dev libqrencode-dev libjansson-dev libsodium-dev
       libmupdf-dev libmujs-dev libgumbo-dev libopenjp2-7-dev libjbig2dec0-dev
       libharfbuzz-dev libfreetype-dev libjpeg-dev zlib1g-dev
       # The PDF minutes' fonts: every Vietnamese letter in every face (story.h).
       fonts-liberation2
       # The room display, plenum-kiosk (docs/kiosk.md): its window, and a font
       # with the Vietnamese letters, found through fontconfig.
       libsdl2-dev libfontconfig-dev fonts-dejavu-core)
# Word, Excel, PowerPoint and OpenDocument uploads are converted to PDF by
# LibreOffice, headless (docs/deployment.md): about 310 MB installed.
office=(libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)
test=(libcmocka-dev python3 python3-pytest python3-websockets chromium
      poppler-utils mupdf-tools zbar-tools clang libclang-rt-14-dev
      xvfb libxtst6)  # the kiosk's window test: an X server without a screen, keys

want=("${build[@]}" "${office[@]}")
if [ "${1:-}" = "--test" ]; then
  want+=("${test[@]}")
  # Node.js runs the browser tests; any recent one will do.
  command -v node >/dev/null 2>&1 || want+=(nodejs)
  command -v npm >/dev/null 2>&1 || want+=(npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "run as root or install sudo: the packages above are needed" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
