#!/usr/bin/env bash
# System pieces the PDF reports need (see README, "Set-up"): Chromium prints the report, Noto Sans CJK renders
# the Chinese, poppler-utils lets the tests read a PDF back. Installs them with apt-get when it can (Debian or
# Ubuntu, as root or with passwordless sudo); otherwise stops, naming exactly what to install.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
grep -q "Noto Sans CJK TC" <<< "$(fc-list 2>/dev/null)" || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)

if [ ${#missing[@]} -eq 0 ]; then
  echo "system: chromium, fonts-noto-cjk and poppler-utils present"
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo_cmd=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo_cmd=(sudo)
  else
    echo "system: missing ${missing[*]}. Install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "system: installing ${missing[*]} with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "system: missing ${missing[*]} and this is not a Debian/Ubuntu system. Install: a Chromium (or Chrome) browser" \
     "on PATH as 'chromium' (or set CROSSBORDER_CHROMIUM), the Noto Sans CJK TC font, and poppler's pdftotext." >&2
exit 1
