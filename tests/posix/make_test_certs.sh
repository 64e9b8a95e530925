#!/bin/sh
# Generates throw-away TLS material for the tests into DIR with the openssl CLI:
# ca.pem/ca.key (the test CA), server.pem/server.key (CN=localhost, SAN
# DNS:localhost + IP:127.0.0.1, signed by ca), other.pem/other.key (signed by
# ca but only for DNS:broker.example), wrong-ca.pem (an unrelated CA).
# Usage: make_test_certs.sh DIR     Exit 77 when openssl is missing (ctest SKIP).
set -eu
dir=$1
command -v openssl >/dev/null 2>&1 || { echo "openssl CLI not found: apt-get install openssl" >&2; exit 77; }
mkdir -p "$dir"
cd "$dir"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
for ca in ca wrong-ca; do
    openssl req -x509 $ec -keyout $ca.key -out $ca.pem -days 2 -subj "/CN=alimqtt test $ca" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
done
issue() { # issue NAME CN SAN
    openssl req $ec -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
issue server localhost DNS:localhost,IP:127.0.0.1
issue other broker.example DNS:broker.example
rm -f ca.srl
chmod 644 ./*.key # the test brokers run as the mosquitto user
