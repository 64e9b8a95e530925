#!/bin/sh
# Generates throw-away TLS material for the tests into DIR with the openssl CLI:
# ca.pem/ca.key (the test CA), server.pem/server.key (CN=localhost, SAN
# DNS:localhost + IP:127.0.0.1, signed by ca), wrong-ca.pem (an unrelated CA).
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
openssl req $ec -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
