#!/usr/bin/env bash
# The multi-step procedures of docs/OPERATIONS.md, as one script the doc calls and a test runs. Run it as the
# node's service user (`runuser -u interforce -- Deploy/ops.sh ...` as root, or from that user's shell): it never
# calls sudo, and everything it writes is created 0600 (umask 077), since a copy of the store holds every record
# the node holds and node.key signs as the force.
#
#   Deploy/ops.sh backup DATA DEST         consistent copy of DATA/store.db (SQLite's .backup, safe while the node
#                                          runs) to DEST/store-<UTC time>.db, with config.json and node.key beside it
#   Deploy/ops.sh restore DATA BACKUP.db   the node must be stopped: moves DATA/store.db aside (store.db.broken-<time>),
#                                          puts BACKUP.db in its place (0600) and runs 'interforce audit verify'
#   Deploy/ops.sh new-key DIR              a new Ed25519 feed key for a rotation (§5.1): DIR/node.key.new (the seed, as
#                                          node.key holds it) and DIR/node.pub.new; prints the public key in hex
#   Deploy/ops.sh fingerprint CERT.pem     the certificate's SHA-256 fingerprint as --revoke-cert takes it (§5.2)
#
# INTERFORCE (default: interforce on PATH) is the binary used for `audit verify`.
set -euo pipefail
umask 077

usage() { sed -n '2,16p' "$0" >&2; exit 64; }
[ $# -ge 2 ] || usage
bin=${INTERFORCE:-interforce}
now=$(date -u +%Y%m%dT%H%M%SZ)

case "$1" in
backup)
    data=$2 dest=${3:?DEST missing}
    [ -f "$data/store.db" ] || { echo "ops: $data/store.db not found: not a node's data directory" >&2; exit 1; }
    mkdir -p "$dest"
    out="$dest/store-$now.db"
    [ -e "$out" ] && { echo "ops: $out exists; refusing to overwrite" >&2; exit 1; }
    sqlite3 "$data/store.db" ".backup '$out'"
    cp "$data/config.json" "$dest/config-$now.json"
    cp "$data/node.key" "$dest/node-$now.key"
    chmod 0600 "$out" "$dest/config-$now.json" "$dest/node-$now.key"
    echo "ops: backed up $data to $out (with config-$now.json and node-$now.key), mode 0600" >&2
    echo "$out"
    ;;
restore)
    data=$2 backup=${3:?BACKUP missing}
    [ -f "$backup" ] || { echo "ops: backup $backup not found" >&2; exit 1; }
    [ -S "$data/node.sock" ] && { echo "ops: $data/node.sock exists: stop the node first (systemctl stop interforce)" >&2; exit 1; }
    [ "$(sqlite3 "$backup" 'PRAGMA integrity_check')" = ok ] || { echo "ops: $backup fails PRAGMA integrity_check" >&2; exit 1; }
    if [ -e "$data/store.db" ]; then mv "$data/store.db" "$data/store.db.broken-$now"; fi
    rm -f "$data/store.db-wal" "$data/store.db-shm"
    cp "$backup" "$data/store.db.new" && chmod 0600 "$data/store.db.new" && mv "$data/store.db.new" "$data/store.db"
    echo "ops: restored $data/store.db from $backup (the old store is store.db.broken-$now)" >&2
    "$bin" audit verify --data "$data"
    ;;
new-key)
    dir=$2
    mkdir -p "$dir"
    [ -e "$dir/node.key.new" ] && { echo "ops: $dir/node.key.new exists; refusing to overwrite" >&2; exit 1; }
    pem=$(mktemp)
    trap 'rm -f "$pem"' EXIT
    openssl genpkey -algorithm ed25519 -out "$pem"
    { openssl pkey -in "$pem" -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n'; echo; } > "$dir/node.key.new"
    openssl pkey -in "$pem" -pubout -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n' > "$dir/node.pub.new"
    echo "ops: new feed key in $dir/node.key.new (0600); install it as node.key after the membership lists it" >&2
    cat "$dir/node.pub.new"; echo
    ;;
fingerprint)
    openssl x509 -in "$2" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f
    ;;
*) usage ;;
esac
