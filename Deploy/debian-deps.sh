#!/usr/bin/env bash
# Installs what Interforce needs on Debian 12 when it is missing: the C libraries it links (libsodium, SQLite,
# libcurl with OpenSSL, libmicrohttpd with GnuTLS), the tools the demo and tests drive (sqlite3, openssl, curl, jq),
# and, for the tests, Python's `cryptography` and `jsonschema` (independent checkers) and the fault suite's tools.
# Uses sudo when not root. Safe to run again: it installs only what is missing.
set -euo pipefail

debs=(pkg-config libsodium-dev libsqlite3-dev libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev
      sqlite3 openssl curl jq python3)
# For the tests: strace (the at-most-once test kills `serve` at the exact system call that would send its reply),
# and the fault suite's faketime (clocks 10 minutes off), iproute2 and iptables (network namespaces, partitions,
# loss and NFQUEUE delay).
if [ "${1:-}" = "--with-python" ]; then debs+=(strace faketime iproute2 iptables); fi
missing=()
for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--with-python" ]; then
    if ! python3 -c 'import cryptography, jsonschema' 2>/dev/null; then
        if [ "$(command -v python3)" = /usr/bin/python3 ]; then
            echo "installing python3-cryptography python3-jsonschema" >&2
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-cryptography python3-jsonschema >/dev/null
        else
            echo "installing cryptography jsonschema from PyPI for $(command -v python3)" >&2
            python3 -m pip install --quiet cryptography jsonschema
        fi
    fi
    python3 -c 'import cryptography, jsonschema' || { echo "python3 lacks cryptography/jsonschema" >&2; exit 1; }
fi
