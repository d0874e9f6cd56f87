#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu x86-64 machine or Raspberry Pi OS:
# system packages from apt when missing, then the venv with goban-edge in it.
#   tools/setup.sh            runtime only
#   tools/setup.sh dev        runtime + test dependencies
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_passwd >/dev/null 2>&1 || need+=(mosquitto-clients)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ "$extra" = "dev" ]; then
    command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
    command -v openssl >/dev/null 2>&1 || need+=(openssl)
    command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]} from apt"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

venv_flags=()
# On a Pi, picamera2 comes from apt (python3-picamera2) and the venv must see it.
if grep -qs "Raspberry Pi" /proc/device-tree/model 2>/dev/null; then venv_flags+=(--system-site-packages); fi
[ -x .venv/bin/python ] || python3 -m venv "${venv_flags[@]}" .venv

target="."
[ "$extra" = "dev" ] && target=".[dev]"
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-${extra:-run}"
if [ ! -f "$stamp" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e "$target"
    touch "$stamp"
fi
