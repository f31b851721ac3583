#!/usr/bin/env bash
# Makes every secret the demo overlay needs, in generated/ beside this script (git-ignored), keeping what exists:
# the public certificate for localhost (and its CA, which the Twilio stand-in trusts), the deployment CA and the
# internal certificates (named for the Services: auth, auth-headless, recordings, recordings-headless), a signing
# key, a data-encryption key, an administrator with a random password (printed once), the demo Twilio account, and
# the in-cluster PostgreSQL's and Redis's passwords. The AuthService's own command line makes the key and the hash:
# from the build tree (dotnet) if it is built, else from the image (docker).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="$here/generated"
mkdir -p "$out"
chmod 700 "$out"
umask 077

auth() {
  local built
  built="$(ls "$root"/AuthService/bin/*/net10.0/AuthService.dll 2>/dev/null | head -n 1 || true)"
  if [[ -n "$built" ]]; then dotnet "$built" "$@"
  else docker run --rm -i -v "$out:$out" recordings-platform/auth:latest "$@"
  fi
}

if [[ ! -s "$out/public/tls.crt" ]]; then
  mkdir -p "$out/public"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 825 \
    -subj "/CN=Recordings Platform Demo CA" -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout "$out/public/ca.key" -out "$out/public/ca.crt" 2>/dev/null
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=localhost" \
    -keyout "$out/public/tls.key" -out "$out/public/tls.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,DNS:gateway,IP:127.0.0.1\n' > "$out/public/tls.ext"
  openssl x509 -req -in "$out/public/tls.csr" -CA "$out/public/ca.crt" -CAkey "$out/public/ca.key" -CAcreateserial \
    -days 397 -sha256 -extfile "$out/public/tls.ext" -out "$out/public/tls.leaf" 2>/dev/null
  cat "$out/public/tls.leaf" "$out/public/ca.crt" > "$out/public/tls.crt"
  rm -f "$out/public/tls.csr" "$out/public/tls.ext" "$out/public/tls.leaf" "$out/public/ca.srl"
fi

bash "$root/certs/generate-internal-certs.sh" --dir "$out/internal" \
  --auth-names auth-headless --recordings-names recordings-headless >/dev/null

if [[ ! -s "$out/auth-signing-keys.yaml" ]]; then
  rm -rf "$out/keys"
  auth keys new --now --dir "$out/keys" >/dev/null
  kubectl create secret generic auth-signing-keys --from-file="$out/keys" --dry-run=client -o yaml > "$out/auth-signing-keys.yaml"
fi

secret() { openssl rand -hex 24; }
if [[ ! -s "$out/data.env" ]]; then
  printf 'POSTGRES_PASSWORD=%s\nREDIS_PASSWORD=%s\n' "$(secret)" "$(secret)" > "$out/data.env"
fi
postgres_password="$(sed -n 's/^POSTGRES_PASSWORD=//p' "$out/data.env")"
redis_password="$(sed -n 's/^REDIS_PASSWORD=//p' "$out/data.env")"
database_url="postgres://recordings_platform:$postgres_password@postgres:5432/recordings_platform"
redis_url="redis://:$redis_password@redis:6379"

printf 'REDIS_URL=%s\n' "$redis_url" > "$out/gateway.env"
if [[ ! -s "$out/auth.env" ]]; then
  password="$(openssl rand -base64 24 | tr -d '/+=' | cut -c1-20)"
  hash="$(printf '%s\n' "$password" | auth hash-password)"
  printf 'ADMIN_USERNAME=admin\nADMIN_PASSWORD_HASH=%s\nDATA_ENCRYPTION_KEY=%s\nDATABASE_URL=%s\nREDIS_URL=%s\n' \
    "$hash" "$(openssl rand -base64 32)" "$database_url" "$redis_url" > "$out/auth.env"
  echo "Demo administrator: admin / $password (shown only now)"
fi
if [[ ! -s "$out/recordings.env" ]]; then
  printf 'TWILIO_ACCOUNT_SID=ACde30de30de30de30de30de30de30de30\nTWILIO_AUTH_TOKEN=%s\nDATABASE_URL=%s\nREDIS_URL=%s\n' \
    "$(openssl rand -hex 16)" "$database_url" "$redis_url" > "$out/recordings.env"
fi
echo "Secrets for the demo overlay are in $out."
