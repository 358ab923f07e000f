#!/usr/bin/env bash
# Installs Debian's `chromium` package (/usr/bin/chromium) for the test that renders the
# `dlrm bench --html` report headlessly through playwright-core. Idempotent: does nothing
# when chromium is already installed; runs `apt-get update` only when it must install.
# Needs root (as in .ci/run). Usage: bash scripts/install-chromium.sh
set -euo pipefail

if dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed" && [[ -x /usr/bin/chromium ]]; then
  echo "install-chromium: chromium $(dpkg-query -W -f='${Version}' chromium) is already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends chromium
echo "install-chromium: installed chromium $(dpkg-query -W -f='${Version}' chromium) at /usr/bin/chromium"
