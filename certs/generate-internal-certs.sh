#!/usr/bin/env bash
# Mutual TLS between the gateway and the services: a deployment CA and one certificate per process, signed by it.
# The services serve https with theirs and accept only clients presenting one of these; the gateway (and the
# RecordingsService, which reads the AuthService's keys) present theirs. Processes re-read the files when they change.
#
#   certs/generate-internal-certs.sh [--dir DIR] [--auth-names a,b] [--recordings-names a,b] [--renew]
#                                    [--new-ca | --drop-previous-ca] [--owner UID]
#
# Output in DIR (default certs/internal; keep it private, never commit it), one folder per process so that each
# container mounts only its own (a folder, not files: renewed files then reach the container):
#   gateway/, auth/, recordings/   ca.crt   the deployment CA(s) it trusts  (INTERNAL_TLS_CA)
#                                  tls.crt  its certificate                 (INTERNAL_TLS_CERT)
#                                  tls.key  its key                         (INTERNAL_TLS_KEY)
#   ca.key, ca-current.crt, ca-previous.crt   the CA itself: only this script needs them; keep them offline if you can
# The gateway's certificate is for clients only; the services' serve and call (the RecordingsService reads the
# AuthService's keys).
# Host names: each service's certificate names localhost, 127.0.0.1, ::1 and its compose name (auth, recordings) plus
# the names given, e.g. --auth-names auth.calls.svc.cluster.local. Run again at any time: missing certificates and
# those expiring within 30 days are issued again (--renew: all of them), the others are kept.
# --owner UID: each process's folder and files belong to UID (e.g. 1654, the containers' user, which must read its
# key), modes unchanged: nothing becomes readable by anyone else. Needs root (deploy/compose-init.sh passes it).
# CA change without downtime: --new-ca issues everything from a new CA and keeps the previous CA in ca.crt, so both
# are trusted while processes pick up their new certificates; once all have, --drop-previous-ca leaves only the new.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/certs/internal" auth_names="" recordings_names="" renew=0 new_ca=0 drop_previous=0 owner=""
while (($#)); do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --auth-names) auth_names="$2"; shift 2 ;;
    --recordings-names) recordings_names="$2"; shift 2 ;;
    --renew) renew=1; shift ;;
    --new-ca) new_ca=1; renew=1; shift ;;
    --drop-previous-ca) drop_previous=1; shift ;;
    --owner) owner="$2"; shift 2 ;;
    -h|--help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Unknown option $1 (see --help)." >&2; exit 64 ;;
  esac
done
command -v openssl >/dev/null || { echo "openssl is needed (apt-get install openssl)." >&2; exit 1; }

mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
umask 077
work="$(mktemp -d "$dir/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Moves a finished file into place in one rename, so a process re-reading the folder never sees half a file.
install_file() { # source, target, mode
  chmod "$3" "$1"
  mv -f "$1" "$2"
}

if ((new_ca)) || [[ ! -s ca.key || ! -s ca-current.crt ]]; then
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 3650 \
    -subj "/CN=Recordings Platform Deployment CA $(date -u +%Y-%m-%d) $(openssl rand -hex 4)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$work/ca.key" -out "$work/ca-current.crt" 2>/dev/null
  if [[ -s ca-current.crt ]]; then
    cp ca-current.crt "$work/ca-previous.crt"
    install_file "$work/ca-previous.crt" ca-previous.crt 644
    echo "certs/internal: new deployment CA; the previous one stays trusted until --drop-previous-ca."
  fi
  install_file "$work/ca.key" ca.key 600
  install_file "$work/ca-current.crt" ca-current.crt 644
fi

if ((drop_previous)); then
  rm -f ca-previous.crt
  echo "certs/internal: only the current deployment CA is trusted now."
fi

# What every process trusts: the current CA, and the previous one during a CA change.
cat ca-current.crt $( [[ -s ca-previous.crt ]] && echo ca-previous.crt ) > "$work/trusted.crt"

issue() { # name, extended key usage, comma-separated DNS names and IPs
  local name="$1" usage="$2" names="$3" san="" entry
  if ((!renew)) && [[ -s "$name/tls.crt" && -s "$name/tls.key" ]] \
     && openssl x509 -in "$name/tls.crt" -noout -checkend 2592000 >/dev/null 2>&1 \
     && openssl verify -CAfile ca-current.crt "$name/tls.crt" >/dev/null 2>&1; then
    return 0
  fi
  IFS=',' read -ra entries <<< "$names"
  for entry in "${entries[@]}"; do
    [[ -z "$entry" ]] && continue
    if [[ "$entry" =~ ^[0-9.]+$ || "$entry" == *:* ]]; then san+="${san:+,}IP:$entry"; else san+="${san:+,}DNS:$entry"; fi
  done
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 \
    -subj "/CN=$name" -keyout "$work/$name.key" -out "$work/$name.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$usage" "$san" > "$work/$name.ext"
  openssl x509 -req -in "$work/$name.csr" -CA ca-current.crt -CAkey ca.key -CAcreateserial -CAserial "$work/ca.srl" \
    -sha256 -days 397 -extfile "$work/$name.ext" -out "$work/$name.crt" 2>/dev/null
  install_file "$work/$name.key" "$name/tls.key" 600
  install_file "$work/$name.crt" "$name/tls.crt" 644
  echo "certs/internal: issued $name/tls.crt ($usage; $san)."
}

# Every process trusts the CAs before any certificate of a new CA is presented to it.
changed=0
for name in gateway auth recordings; do
  mkdir -p "$name"
  chmod 700 "$name"
  if ! cmp -s "$work/trusted.crt" "$name/ca.crt" 2>/dev/null; then
    cp "$work/trusted.crt" "$work/$name-ca.crt"
    install_file "$work/$name-ca.crt" "$name/ca.crt" 644
    changed=1
  fi
done
if ((changed && new_ca)); then
  sleep 3 # running processes re-read their folder within a second
fi

issue gateway clientAuth "gateway"
issue auth serverAuth,clientAuth "auth,localhost,127.0.0.1,::1${auth_names:+,$auth_names}"
issue recordings serverAuth,clientAuth "recordings,localhost,127.0.0.1,::1${recordings_names:+,$recordings_names}"
if [[ -n "$owner" ]]; then
  for name in gateway auth recordings; do chown -R "$owner:$owner" "$name"; done
fi
echo "certs/internal: ready in $dir (one folder per process; keep ca.key private)."
