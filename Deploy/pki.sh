#!/usr/bin/env bash
# The federation's PKI with openssl: the federation CA, a TLS certificate per force node, and the federation
# authority's Ed25519 signing key for membership documents. Private keys are created 0600.
#
#   Deploy/pki.sh ca DIR                       DIR/ca.key, DIR/ca.pem (self-signed, 10 years)
#   Deploy/pki.sh node DIR FORCE [DAYS] [HOST] DIR/FORCE.key, DIR/FORCE.pem issued by DIR/ca.*: subject
#                                              O=Interforce, OU=FORCE, CN=FORCE; SAN DNS:FORCE.node.interforce (the
#                                              name peers verify), DNS:HOST, DNS:localhost, IP:127.0.0.1;
#                                              usable as TLS server and client; DAYS 1-99999, default 825
#   Deploy/pki.sh authority DIR                DIR/authority.key (Ed25519, PKCS#8 PEM), DIR/authority.pub.pem
#
# The node binds a TLS connection to the force named in the certificate's CN (see docs/SECURITY.md).
set -euo pipefail
umask 077

usage() { sed -n '2,12p' "$0" >&2; exit 64; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2
mkdir -p "$dir"

case "$cmd" in
ca)
    [ -e "$dir/ca.key" ] && { echo "pki: $dir/ca.key exists; refusing to overwrite" >&2; exit 1; }
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key"
    openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -out "$dir/ca.pem" \
        -subj "/O=Interforce/CN=Interforce Federation CA" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign"
    chmod 0644 "$dir/ca.pem"
    echo "pki: federation CA $dir/ca.pem (key $dir/ca.key, keep it off the nodes), valid 3650 days" >&2
    ;;
node)
    [ $# -ge 3 ] || usage
    force=$3 days=${4:-825} host=${5:-localhost}
    [[ "$force" =~ ^[a-z][a-z0-9-]{1,39}$ ]] || { echo "pki: force must be a slug such as hampshire" >&2; exit 64; }
    [[ "$days" =~ ^[1-9][0-9]{0,4}$ ]] || { echo "pki: DAYS must be a whole number of days from 1 to 99999 (got '$days')" >&2; exit 64; }
    [ -e "$dir/ca.key" ] || { echo "pki: $dir/ca.key missing; run '$0 ca $dir' first" >&2; exit 1; }
    openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$force.key"
    openssl req -new -key "$dir/$force.key" -out "$dir/$force.csr" -subj "/O=Interforce/OU=$force/CN=$force"
    ext=$(mktemp)
    trap 'rm -f "$ext"' EXIT
    cat > "$ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:$force.node.interforce,DNS:$host,DNS:localhost,IP:127.0.0.1
EXT
    openssl x509 -req -in "$dir/$force.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -sha256 -days "$days" -extfile "$ext" -out "$dir/$force.pem" 2>/dev/null
    rm -f "$dir/$force.csr"
    chmod 0644 "$dir/$force.pem"
    echo "pki: $dir/$force.pem for $force (CN=$force, DNS:$force.node.interforce, DNS:$host), key $dir/$force.key," \
         "valid $days days, fingerprint $(openssl x509 -in "$dir/$force.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)" >&2
    ;;
authority)
    [ -e "$dir/authority.key" ] && { echo "pki: $dir/authority.key exists; refusing to overwrite" >&2; exit 1; }
    openssl genpkey -algorithm ed25519 -out "$dir/authority.key"
    openssl pkey -in "$dir/authority.key" -pubout -out "$dir/authority.pub.pem"
    chmod 0644 "$dir/authority.pub.pem"
    echo "pki: authority key $dir/authority.key (keep it off the nodes), public key $dir/authority.pub.pem" >&2
    ;;
*) usage ;;
esac
