#!/usr/bin/env bash
# Prepares this checkout for `docker compose up`: run it once, and again whenever you like (it keeps what exists).
#
#   bash deploy/compose-init.sh
#
# It makes, keeping anything already there:
#   .env                      compose's own settings: gateway ports (GATEWAY_HTTPS_PORT, GATEWAY_HTTP_PORT from the
#                             environment, else 443 and 80), image tag, the scale overlay's PostgreSQL and Redis passwords
#   certs/public/             the gateway's public certificate: the development one (certs/generate-dev-cert.sh) as
#                             tls.crt/tls.key, readable by the containers' user (uid 1654) only; put your own there instead
#   certs/dev-ca/ca.crt       the development CA (public), which the demo profile trusts
#   certs/internal/           the deployment CA and each service's certificate (mutual TLS between the containers),
#                             each folder readable by uid 1654 only
#   deploy/*.env              each service's settings from deploy/*.env.example: PUBLIC_BASE_URL and ALLOWED_ORIGINS
#                             (https://localhost[:port], or PUBLIC_BASE_URL from the environment), a DATA_ENCRYPTION_KEY,
#                             an administrator (ADMIN_USERNAME, default admin) with a random password printed once and
#                             its bcrypt hash, and the Twilio account: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN from the
#                             environment, else a demo account for the demo profile's stand-in
#   the images                built by deploy/build-images.sh when missing
#   the signing key           in the jwt-keys volume, when it has no active key
# Giving files to uid 1654 needs root: run it as root, or it asks sudo for those steps.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

readonly app_uid=1654 demo_account=ACde30de30de30de30de30de30de30de30

command -v docker >/dev/null || { echo "Docker is needed (https://docs.docker.com/engine/install/, or apt-get install docker.io)." >&2; exit 1; }
command -v openssl >/dev/null || { echo "openssl is needed (apt-get install openssl)." >&2; exit 1; }
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null; then compose=(docker-compose)
else echo "Docker Compose is needed (the compose plugin, or apt-get install docker-compose)." >&2; exit 1
fi

as_root() {
  if ((EUID == 0)); then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "Needs root to run: $*" >&2; exit 1
  fi
}

random_secret() { openssl rand -hex "${1:-24}"; }

# The value of KEY in an env file, without the single quotes compose-init writes around values holding '$'.
env_value() { # file, key
  [[ -f "$1" ]] || return 0
  local value
  value="$(sed -n "s/^$2=//p" "$1" | tail -n 1)"
  value="${value#\'}"
  printf '%s' "${value%\'}"
}

# Writes TARGET from EXAMPLE: a variable already set (not empty) in TARGET keeps its value; an empty one takes the
# value given as KEY=VALUE (if any), else the example's. Variables TARGET sets that the example lacks are kept.
fill_env() { # example, target, KEY=VALUE...
  local example="$1" target="$2" line key pair
  shift 2
  local -A given=() existing=() seen=()
  for pair in "$@"; do given["${pair%%=*}"]="${pair#*=}"; done
  if [[ -f "$target" ]]; then
    while IFS= read -r line; do
      [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.+)$ ]] && existing["${BASH_REMATCH[1]}"]="${BASH_REMATCH[2]}"
    done < "$target"
  fi
  local written
  written="$(umask 077 && mktemp "$target.XXXXXX")"
  {
    while IFS= read -r line; do
      if [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)= ]]; then
        key="${BASH_REMATCH[1]}"
        seen["$key"]=1
        if [[ -n "${existing[$key]:-}" ]]; then echo "$key=${existing[$key]}"
        elif [[ -n "${given[$key]:-}" ]]; then echo "$key=${given[$key]}"
        else echo "$line"
        fi
      else
        echo "$line"
      fi
    done < "$example"
    for key in "${!existing[@]}"; do
      [[ -n "${seen[$key]:-}" ]] || echo "$key=${existing[$key]}"
    done
  } > "$written"
  chmod 600 "$written"
  mv -f "$written" "$target"
}

# A bcrypt hash holds '$': single quotes make docker compose v2 take it literally, and v1 strips them the same way.
quoted() { printf "'%s'" "$1"; }

echo "Preparing docker compose in $root"

# 1. Compose's own settings.
https_port="${GATEWAY_HTTPS_PORT:-$(env_value .env GATEWAY_HTTPS_PORT)}"
https_port="${https_port:-443}"
fill_env deploy/compose.env.example .env \
  "GATEWAY_HTTPS_PORT=$https_port" "GATEWAY_HTTP_PORT=${GATEWAY_HTTP_PORT:-80}" \
  "POSTGRES_PASSWORD=$(random_secret)" "REDIS_PASSWORD=$(random_secret)"
https_port="$(env_value .env GATEWAY_HTTPS_PORT)"
image_tag="$(env_value .env IMAGE_TAG)"
image_tag="${image_tag:-latest}"

# 2. Certificates, readable by the containers' user and nobody else.
bash certs/generate-dev-cert.sh
if [[ ! -s certs/public/tls.crt || -f certs/public/.development ]]; then
  # The development certificate, until you put your own here (then delete .development).
  as_root install -d -m 700 -o "$app_uid" -g "$app_uid" certs/public
  as_root install -m 644 -o "$app_uid" -g "$app_uid" certs/dev/localhost.crt certs/public/tls.crt
  as_root install -m 600 -o "$app_uid" -g "$app_uid" certs/dev/localhost.key certs/public/tls.key
  as_root touch certs/public/.development
fi
install -d -m 755 certs/dev-ca
install -m 644 certs/dev/ca.crt certs/dev-ca/ca.crt
as_root bash certs/generate-internal-certs.sh --owner "$app_uid" >/dev/null
echo "Certificates: certs/public (the gateway's), certs/internal (between the containers), owned by uid $app_uid."

# 3. The images, when missing.
for image in gateway auth recordings demo; do
  if ! docker image inspect "recordings-platform/$image:$image_tag" >/dev/null 2>&1; then
    echo "Building the images (recordings-platform/*:$image_tag)…"
    bash deploy/build-images.sh
    break
  fi
done

# 4. Each service's settings.
if [[ -n "${PUBLIC_BASE_URL:-}" ]]; then public_url="$PUBLIC_BASE_URL"
elif [[ "$https_port" == 443 ]]; then public_url="https://localhost"
else public_url="https://localhost:$https_port"
fi

fill_env deploy/gateway.env.example deploy/gateway.env "PUBLIC_BASE_URL=$public_url" "ALLOWED_ORIGINS=$public_url"

admin_password=""
auth_values=("PUBLIC_BASE_URL=$public_url" "DATA_ENCRYPTION_KEY=$(openssl rand -base64 32)" "ADMIN_USERNAME=admin")
if [[ -z "$(env_value deploy/auth.env ADMIN_PASSWORD_HASH)" ]]; then
  admin_password="$(openssl rand -base64 24 | tr -d '/+=' | cut -c1-20)"
  admin_hash="$(printf '%s\n' "$admin_password" | docker run --rm -i "recordings-platform/auth:$image_tag" hash-password)"
  auth_values+=("ADMIN_PASSWORD_HASH=$(quoted "$admin_hash")")
fi
fill_env deploy/auth.env.example deploy/auth.env "${auth_values[@]}"

# Twilio: the environment's account replaces an empty one or the demo account; without one, the demo account.
current_account="$(env_value deploy/recordings.env TWILIO_ACCOUNT_SID)"
if [[ -n "${TWILIO_ACCOUNT_SID:-}" && -n "${TWILIO_AUTH_TOKEN:-}" && ( -z "$current_account" || "$current_account" == "$demo_account" ) ]]; then
  [[ -f deploy/recordings.env ]] && sed -i '/^TWILIO_ACCOUNT_SID=/d; /^TWILIO_AUTH_TOKEN=/d; /^TWILIO_API_BASE_URL=/d' deploy/recordings.env
  twilio_values=("TWILIO_ACCOUNT_SID=$TWILIO_ACCOUNT_SID" "TWILIO_AUTH_TOKEN=$TWILIO_AUTH_TOKEN")
  twilio_note="Twilio: account $TWILIO_ACCOUNT_SID (from the environment)."
elif [[ -z "$current_account" || "$current_account" == "$demo_account" ]]; then
  twilio_values=("TWILIO_ACCOUNT_SID=$demo_account" "TWILIO_AUTH_TOKEN=$(random_secret 16)" "TWILIO_API_BASE_URL=http://twilio-demo:5003")
  twilio_note="Twilio: no account given, so the demo account $demo_account, whose REST API is the demo profile's
  stand-in (docker compose --profile demo up -d). For your own: put TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in
  deploy/recordings.env and TWILIO_API_BASE_URL=https://api.twilio.com (or run this again with both in the environment)."
else
  twilio_values=()
  twilio_note="Twilio: account $current_account (deploy/recordings.env)."
fi
fill_env deploy/recordings.env.example deploy/recordings.env "PUBLIC_BASE_URL=$public_url" "${twilio_values[@]}"

# 5. The signing key, in the jwt-keys volume.
if ! "${compose[@]}" run --rm --no-deps -T auth keys list --dir /keys | grep -q $'\tactive$'; then
  "${compose[@]}" run --rm --no-deps -T auth keys new --now --dir /keys
fi

cat <<MSG

  Ready. Start:   ${compose[*]} up -d
  Then sign in at $public_url/
MSG
if [[ -n "$admin_password" ]]; then
  cat <<MSG
  Administrator:  $(env_value deploy/auth.env ADMIN_USERNAME) / $admin_password
                  (shown only now; its hash is in deploy/auth.env. Change it after signing in.)
MSG
fi
cat <<MSG
  $twilio_note
  Several replicas: ${compose[*]} -f docker-compose.yml -f docker-compose.scale.yml up -d --scale auth=2 --scale recordings=3
  The certificate is signed by certs/dev-ca/ca.crt: trust it in your browser to avoid the warning.

MSG
