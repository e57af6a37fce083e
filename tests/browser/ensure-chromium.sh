#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright (never `playwright install`, which
# downloads a browser build). Install the distribution package when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium не найден: устанавливаю пакет Debian chromium…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium не найден, и установить его нельзя (нужен root и apt-get): браузерные тесты будут пропущены" >&2
fi
