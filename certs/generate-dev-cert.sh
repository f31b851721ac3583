#!/usr/bin/env bash
# Creates a development CA and a localhost certificate signed by it, for the local run only.
# Output (git-ignored): certs/dev/ca.crt, ca.key, localhost.crt (leaf + CA chain), localhost.key.
# Trust certs/dev/ca.crt in your browser or OS to avoid warnings; never use these files in production.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/dev"
force="${1:-}"
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"

if [[ -s localhost.crt && -s localhost.key && "$force" != "--force" ]] \
   && openssl x509 -in localhost.crt -noout -checkend 604800 >/dev/null 2>&1; then
  echo "certs/dev: localhost certificate exists and is valid for at least a week (use --force to renew)."
  exit 0
fi

umask 077
if [[ ! -s ca.key || ! -s ca.crt || "$force" == "--force" ]]; then
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 825 \
    -subj "/CN=Recordings Platform Development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout ca.key -out ca.crt 2>/dev/null
fi

openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 \
  -subj "/CN=localhost" -keyout localhost.key -out localhost.csr 2>/dev/null
cat > localhost.ext <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in localhost.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days 397 \
  -extfile localhost.ext -out localhost.leaf.crt 2>/dev/null
cat localhost.leaf.crt ca.crt > localhost.crt
rm -f localhost.csr localhost.ext localhost.leaf.crt ca.srl
chmod 600 ./*.key
chmod 644 ./*.crt
echo "certs/dev: created localhost.crt (chain) and localhost.key, signed by certs/dev/ca.crt."
