#!/usr/bin/env bash
# Runs the whole system locally on embedded defaults (SQLite and in-memory state under DATA_DIR):
# AuthService, RecordingsService and the Gateway with the development certificate. Prints where to sign in
# and a development login (generated once, kept in DATA_DIR/dev-admin.txt). Ctrl-C stops everything.
#
# --demo: also a stand-in for Twilio's REST API on loopback (DEMO_TWILIO_PORT, 5003) and about 25 signed sample
# callbacks through the gateway, some a minute after start; its own DATA_DIR (./data/demo) unless one is given.
#
# Optional: PORT (4000), HTTP_PORT (4080), AUTH_PORT (5001), RECORDINGS_PORT (5002), DATA_DIR (./data),
# RUN_CONFIGURATION (Debug), INTERNAL_TLS=1 (mutual TLS between the gateway and the services, as a deployment
# across machines needs; certificates from certs/generate-internal-certs.sh in DATA_DIR/internal-tls).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

demo=0
for argument in "$@"; do
  case "$argument" in
    --demo) demo=1 ;;
    *) echo "Unknown option: $argument (the only one is --demo)." >&2; exit 64 ;;
  esac
done

command -v dotnet >/dev/null || { echo "The .NET 10 SDK is needed (dotnet on PATH)." >&2; exit 1; }
command -v openssl >/dev/null || { echo "openssl is needed for the development certificate (apt-get install openssl)." >&2; exit 1; }

export PORT="${PORT:-4000}" HTTP_PORT="${HTTP_PORT:-4080}"
auth_port="${AUTH_PORT:-5001}" recordings_port="${RECORDINGS_PORT:-5002}"
configuration="${RUN_CONFIGURATION:-Debug}"
if ((demo)); then export DATA_DIR="${DATA_DIR:-$root/data/demo}"; else export DATA_DIR="${DATA_DIR:-$root/data}"; fi
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export JWT_KEYS_DIR="${JWT_KEYS_DIR:-$DATA_DIR/keys}"
mkdir -p "$DATA_DIR" && chmod 700 "$DATA_DIR"
if ((demo)); then
  # A made-up account whose token exists only for this run; the RecordingsService calls the stand-in, not Twilio.
  demo_port="${DEMO_TWILIO_PORT:-5003}"
  export TWILIO_ACCOUNT_SID=ACde30de30de30de30de30de30de30de30 TWILIO_AUTH_TOKEN="$(openssl rand -hex 16)"
  export DEMO_TWILIO_PORT="$demo_port" TWILIO_API_BASE_URL="http://127.0.0.1:$demo_port" DEMO_CA_CERT="$root/certs/dev/ca.crt"
fi

bash certs/generate-dev-cert.sh
export TLS_CERT_PATH="$root/certs/dev/localhost.crt" TLS_KEY_PATH="$root/certs/dev/localhost.key"

echo "Building ($configuration)…"
# The services (and the demo) in one build: test projects may be running from their own output folders meanwhile.
dotnet build "$root/deploy/Services.proj" -c "$configuration" -p:Demo=$((demo ? 1 : 0)) -nologo -v quiet -clp:ErrorsOnly
bin() { echo "$root/$1/bin/$configuration/net10.0/$1.dll"; }

# The development administrator: a random password, generated once and kept beside the data.
login_file="$DATA_DIR/dev-admin.txt"
if [[ ! -s "$login_file" ]]; then
  (umask 077; printf 'admin\n%s\n' "$(openssl rand -base64 18 | tr -d '/+=' | cut -c1-20)" > "$login_file")
fi
export ADMIN_USERNAME="$(sed -n 1p "$login_file")"
admin_password="$(sed -n 2p "$login_file")"
ADMIN_PASSWORD_HASH="$(printf '%s\n' "$admin_password" | dotnet "$(bin AuthService)" hash-password)"
export ADMIN_PASSWORD_HASH

# Embedded default: plain HTTP on loopback. INTERNAL_TLS=1: https, and each service accepts only clients presenting
# a certificate of the deployment CA (the gateway's; the RecordingsService's when it reads the AuthService's keys).
scheme=http probe_options=()
tls_for() { :; }
if [[ "${INTERNAL_TLS:-0}" == 1 ]]; then
  internal="$DATA_DIR/internal-tls"
  bash certs/generate-internal-certs.sh --dir "$internal" >/dev/null
  scheme=https probe_options=(--cacert "$internal/gateway/ca.crt")
  tls_for() { export INTERNAL_TLS_CA="$internal/$1/ca.crt" INTERNAL_TLS_CERT="$internal/$1/tls.crt" INTERNAL_TLS_KEY="$internal/$1/tls.key"; }
fi
export AUTH_SERVICE_URLS="$scheme://127.0.0.1:$auth_port" RECORDINGS_SERVICE_URLS="$scheme://127.0.0.1:$recordings_port"
export JWKS_URL="$scheme://127.0.0.1:$auth_port/.well-known/jwks.json"
# Twilio calls the gateway's public origin; locally that is this machine (set the real account's values to receive callbacks).
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-https://localhost:$PORT}"

pids=()
stop() {
  trap - INT TERM EXIT
  if ((${#pids[@]})); then
    echo "Stopping…"
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

wait_for() { # url, name, [curl options]
  local url="$1" name="$2"; shift 2
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; then return 0; fi
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "$name stopped while starting." >&2; exit 1; }; done
    sleep 0.5
  done
  echo "$name did not become ready at $url." >&2
  exit 1
}

if ((demo)); then
  # Serves at once; posts its callbacks when the gateway is ready, and says what it simulates.
  (exec dotnet "$(bin Demo)" --contentRoot "$root/Demo") & pids+=($!)
fi
(tls_for auth; exec dotnet "$(bin AuthService)" --urls "$scheme://127.0.0.1:$auth_port" --contentRoot "$root/AuthService") & pids+=($!)
(tls_for recordings; exec dotnet "$(bin RecordingsService)" --urls "$scheme://127.0.0.1:$recordings_port" --contentRoot "$root/RecordingsService") & pids+=($!)
wait_for "$scheme://127.0.0.1:$auth_port/health" AuthService "${probe_options[@]}"
wait_for "$scheme://127.0.0.1:$recordings_port/health" RecordingsService "${probe_options[@]}"
# OpenSSL holds the gateway to its cipher rules (Tls/openssl.cnf), which lets returning clients resume TLS sessions.
(tls_for gateway; OPENSSL_CONF="$(dirname "$(bin Gateway)")/Tls/openssl.cnf" exec dotnet "$(bin Gateway)" --contentRoot "$root/Gateway") & pids+=($!)
wait_for "https://localhost:$PORT/health/ready" Gateway --cacert "$root/certs/dev/ca.crt"

cat <<MSG

  Ready. Sign in at https://localhost:$PORT/
  Development login: $ADMIN_USERNAME / $admin_password   (kept in $login_file)
  The certificate is signed by certs/dev/ca.crt: trust it in your browser to avoid the warning.
  Ctrl-C stops all three services.
MSG
if ((demo)); then echo "  Demo mode: Twilio is simulated on loopback; sample recordings are arriving (details below)."; fi
echo
wait -n "${pids[@]}" || true
echo "A service stopped; stopping the others." >&2
