#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Make a test PKI with certtool, in the layout operators keep for QEMU migration TLS:
#   make-certs.sh DIR [OPTION]... HOST...
# gives DIR/ca-cert.pem (and ca-key.pem) and, per HOST, DIR/HOST/ with ca-cert.pem,
# server-cert.pem (for HOST, localhost and 127.0.0.1), server-key.pem, client-cert.pem (DN
# "CN=HOST,O=hisi-accmigd test") and client-key.pem. Options, each for the HOSTs after it:
#   --expired     the client and server certificates expired on 2026-01-02
#   --other-ca    signed by a second CA (DIR/other-ca-cert.pem), not by DIR/ca-cert.pem
#   --name NAME   the server certificate is for NAME only (no localhost, no 127.0.0.1)
#   --normal      back to the default
set -eu
dir=$1
shift
mkdir -p "$dir"
cd "$dir"

key() { certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 --outfile "$1" 2>/dev/null; }

ca() { # NAME PREFIX
    [ -f "$2-cert.pem" ] && return 0
    key "$2-key.pem"
    printf 'cn = "%s"\nca\ncert_signing_key\nexpiration_days = 3650\n' "$1" >"$2.tmpl"
    certtool --generate-self-signed --load-privkey "$2-key.pem" --template "$2.tmpl" \
        --outfile "$2-cert.pem" 2>/dev/null
}

dates() {
    if [ "$expired" = yes ]; then
        printf 'activation_date = "2025-01-01 00:00:00"\nexpiration_date = "2026-01-02 00:00:00"\n'
    else
        printf 'expiration_days = 3650\n'
    fi
}

expired=no signer=ca name=
ca "hisi-accmigd test CA" ca
for arg in "$@"; do
    case $arg in
    --expired) expired=yes; continue ;;
    --other-ca) signer=other-ca; ca "another CA" other-ca; continue ;;
    --name) name=next; continue ;;
    --normal) expired=no signer=ca name=; continue ;;
    esac
    if [ "$name" = next ]; then name=$arg; continue; fi
    host=$arg
    mkdir -p "$host"
    cp ca-cert.pem "$host/ca-cert.pem"
    key "$host/server-key.pem"
    key "$host/client-key.pem"
    {
        printf 'cn = "%s"\norganization = "hisi-accmigd test"\ntls_www_server\nencryption_key\nsigning_key\n' "$host"
        if [ -n "$name" ]; then
            printf 'dns_name = "%s"\n' "$name"
        else
            printf 'dns_name = "%s"\ndns_name = "localhost"\nip_address = "127.0.0.1"\n' "$host"
        fi
        dates
    } >"$host/server.tmpl"
    { printf 'cn = "%s"\norganization = "hisi-accmigd test"\ntls_www_client\nencryption_key\nsigning_key\n' "$host"; dates; } \
        >"$host/client.tmpl"
    for side in server client; do
        certtool --generate-certificate --load-privkey "$host/$side-key.pem" \
            --load-ca-certificate "$signer-cert.pem" --load-ca-privkey "$signer-key.pem" \
            --template "$host/$side.tmpl" --outfile "$host/$side-cert.pem" 2>/dev/null
    done
    rm -f "$host/server.tmpl" "$host/client.tmpl"
done
