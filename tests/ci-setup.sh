#!/usr/bin/env bash
# Installs what the server's tests need outside Python: Debian's Chromium and ChromeDriver for
# tests/test_serve_browser.py, curl for tests/test_serve_cli.py, and rapper (raptor2-utils), an
# independent Turtle parser, for tests/test_pipeline.py. CI runs this before
# `make test`; run it once by hand on a fresh machine. Does nothing when all are present.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v rapper >/dev/null 2>&1 || missing+=(raptor2-utils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "tests/ci-setup.sh: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
