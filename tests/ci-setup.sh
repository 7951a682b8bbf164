#!/usr/bin/env bash
# Installs what the server's tests need outside Python: Debian's Chromium and ChromeDriver for
# tests/test_serve_browser.py, curl for tests/test_serve_cli.py, and rapper (raptor2-utils), an
# independent Turtle parser, for tests/test_pipeline.py; Virtuoso (virtuoso-t, isql-vt) for
# tests/test_push.py, which starts its own instance on free ports. CI runs this before
# `make test`; run it once by hand on a fresh machine. Does nothing when all are present.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v rapper >/dev/null 2>&1 || missing+=(raptor2-utils)
command -v virtuoso-t >/dev/null 2>&1 || missing+=(virtuoso-opensource)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "tests/ci-setup.sh: installing ${missing[*]}"
# Virtuoso's package asks for the password of its own database's dba; answer it beforehand.
printf '%s\n' \
  "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password dba" \
  "virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password dba" |
  $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
