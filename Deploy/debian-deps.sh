#!/usr/bin/env bash
# Installs what Interforce needs on Debian 12 when it is missing: the C libraries it links (libsodium, SQLite,
# libcurl with OpenSSL, libmicrohttpd with GnuTLS), the tools the demo and tests drive (sqlite3, openssl, curl, jq),
# and, for the tests, Python's `cryptography`, `jsonschema` and PyYAML (independent checkers), the fault suite's
# tools, promtool and chromium.
# Uses sudo when not root (and says so when neither root nor sudo is available). Safe to run again: it installs only what is missing.
set -euo pipefail

debs=(pkg-config libsodium-dev libsqlite3-dev libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev
      sqlite3 openssl curl jq python3)
# For the tests: strace (the at-most-once test kills `serve` at the exact system call that would send its reply),
# the fault suite's faketime (clocks 10 minutes off), iproute2 and iptables (network namespaces, partitions,
# loss and NFQUEUE delay), prometheus (its `promtool check metrics` checks /metrics) and chromium (the status page
# is rendered and screenshotted headless).
if [ "${1:-}" = "--with-python" ]; then debs+=(strace faketime iproute2 iptables prometheus chromium); fi
missing=()
for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else echo "debian-deps: installing needs root: run this as root, or install sudo" >&2; exit 1
    fi
}

if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--with-python" ]; then
    if ! python3 -c 'import cryptography, jsonschema, yaml' 2>/dev/null; then
        if [ "$(command -v python3)" = /usr/bin/python3 ]; then
            echo "installing python3-cryptography python3-jsonschema python3-yaml" >&2
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-cryptography python3-jsonschema \
                python3-yaml >/dev/null
        else
            echo "installing cryptography jsonschema PyYAML from PyPI for $(command -v python3)" >&2
            python3 -m pip install --quiet cryptography jsonschema PyYAML
        fi
    fi
    python3 -c 'import cryptography, jsonschema, yaml' || { echo "python3 lacks cryptography/jsonschema/PyYAML" >&2; exit 1; }
fi
