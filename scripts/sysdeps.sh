#!/usr/bin/env bash
# Debian packages the tests and the demo need (espeak-ng for synthetic calls, Chromium for the
# report check, redis-server for the crawler scale-out tests). Installs only what is missing; needs root or passwordless sudo.
set -euo pipefail
need=()
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v sox >/dev/null 2>&1 || need+=(sox)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)  # crawler scale-out tests
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
# a font with Vietnamese letters for the report's Chromium tests (DejaVu covers them)
{ command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=vi family)" ]; } || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || true
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
