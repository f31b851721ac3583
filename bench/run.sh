#!/usr/bin/env bash
# Benchmarks of the gateway and services beside their peers, on this machine, in one run.
#   bash bench/run.sh            every scenario (about 50 minutes with BENCH_ROUNDS=5)
#   bash bench/run.sh 1 5        only scenarios 1 and 5
# Scenarios: 1 full policy, 2 webhook ingest, 3 live events, 4 sign-in flood, 5 memory, 6 address spray, 7 HTTP/2,
# 8 TLS handshakes (new and resumed), 10 CPU profile (perf) of the gateway and bare YARP; all of these run when none
# is named. 9 (named only): 10,000 WebSocket clients across two RecordingsService replicas sharing PostgreSQL and Redis.
# Installs nginx, haproxy, wrk and sqlite3 from Debian when missing (as root); for 9, postgresql and redis-server; for
# 10, linux-perf. Writes bench/out/<time>/ and
# replaces bench/RESULTS.md with the new table. Nothing here runs in CI and nothing asserts a timing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scenarios=("$@"); ((${#scenarios[@]})) || scenarios=(1 2 3 4 5 6 7 8 10)
want() { local s; for s in "${scenarios[@]}"; do [[ "$s" == "$1" ]] && return 0; done; return 1; }

missing=()
for tool in nginx haproxy wrk sqlite3 openssl curl jq; do command -v "$tool" >/dev/null || missing+=("$tool"); done
command -v h2load >/dev/null || missing+=(nghttp2-client)
if want 10; then command -v perf >/dev/null || missing+=(linux-perf); fi
if want 9; then
  command -v redis-server >/dev/null || missing+=(redis-server)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
fi
if ((${#missing[@]})); then
  echo "Installing ${missing[*]}…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  systemctl stop nginx haproxy 2>/dev/null || true
fi

echo "Building (Release)…"
dotnet build RecordingsPlatform.slnx -c Release -nologo -v quiet -clp:ErrorsOnly
bin() { if [[ "$1" == Bench || "$1" == BareProxy ]]; then echo "$root/bench/$1/bin/Release/net10.0/$1.dll"; else echo "$root/$1/bin/Release/net10.0/$1.dll"; fi; }

work="$root/bench/out/$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$work"
results="$work/results.md"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f "$work/backend.pid" ]] && kill "$(cat "$work/backend.pid")" 2>/dev/null || true
  [[ -f "$work/nginxproxy.pid" ]] && kill "$(cat "$work/nginxproxy.pid")" 2>/dev/null || true
  [[ -f "$work/haproxy.pid" ]] && kill "$(cat "$work/haproxy.pid")" 2>/dev/null || true
  [[ -f "$work/haproxy-tcp.pid" ]] && kill "$(cat "$work/haproxy-tcp.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_url() { for _ in $(seq 1 120); do curl -fsk -o /dev/null --max-time 2 "$1" && return 0; sleep 0.5; done; echo "not ready: $1" >&2; exit 1; }
rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# --- Shared set-up: a certificate, the AuthService with a key, a long-lived token, the stub backend -------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
cat "$work/tls.crt" "$work/tls.key" > "$work/tls.pem"
password="bench-password-$(openssl rand -hex 6)"
export ASPNETCORE_ENVIRONMENT=Production OTEL_EXPORTER_OTLP_ENDPOINT= SHUTDOWN_DRAIN_SECONDS=0
dotnet "$(bin AuthService)" keys new --dir "$work/keys" >/dev/null
ADMIN_PASSWORD_HASH="$(printf '%s\n' "$password" | BCRYPT_WORK_FACTOR=10 dotnet "$(bin AuthService)" hash-password)"
openssl ec -in "$(ls "$work"/keys/*.key.pem | head -1)" -pubout -out "$work/jwt.pub" 2>/dev/null
(ADMIN_USERNAME=admin PUBLIC_BASE_URL=https://calls.example.com DATA_ENCRYPTION_KEY="$(openssl rand -base64 32)" ADMIN_PASSWORD_HASH="$ADMIN_PASSWORD_HASH" JWT_KEYS_DIR="$work/keys" DATA_DIR="$work/auth" ACCESS_TOKEN_MINUTES=1440 \
  dotnet "$(bin AuthService)" --urls http://127.0.0.1:5101 > "$work/auth.log" 2>&1) & pids+=($!)
wait_url http://127.0.0.1:5101/health
token="$(curl -fs http://127.0.0.1:5101/api/auth/login -H 'Content-Type: application/json' -d "{\"username\":\"admin\",\"password\":\"$password\"}" | jq -r .access_token)"

for conf in stub-backend.nginx nginx-proxy; do sed "s#__DIR__#$work#g" "bench/peers/$conf.conf" > "$work/$conf.conf"; done
sed "s#__DIR__#$work#g" bench/peers/haproxy.cfg > "$work/haproxy.cfg"
nginx -c "$work/stub-backend.nginx.conf"
wait_url http://127.0.0.1:9001/

gateway_pid=""
# As deploy/run.sh and the image start it: OpenSSL enforces the cipher rules, so TLS sessions resume.
gateway_openssl_conf="$root/Gateway/bin/Release/net10.0/Tls/openssl.cnf"
start_gateway() { # recordings URL, then extra VAR=value settings
  [[ -n "$gateway_pid" ]] && { kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true; }
  local recordings="$1"; shift
  (env OPENSSL_CONF="$gateway_openssl_conf" PORT=4443 HTTP_PORT=4480 TLS_CERT_PATH="$work/tls.crt" TLS_KEY_PATH="$work/tls.key" ALLOWED_ORIGINS=https://localhost:4443 \
     AUTH_SERVICE_URLS="${AUTH_URLS:-http://127.0.0.1:5101}" RECORDINGS_SERVICE_URLS="$recordings" JWKS_URL=http://127.0.0.1:5101/.well-known/jwks.json \
     RATE_LIMIT_MAX=1000000000 LOGIN_RATE_LIMIT_MAX=1000000000 WEBHOOK_RATE_LIMIT_MAX=1000000000 "$@" \
     dotnet "$(bin Gateway)" --contentRoot "$root/Gateway" > "$work/gateway.log" 2>&1) &
  gateway_pid=$!; pids+=("$gateway_pid")
  wait_url https://127.0.0.1:4443/health/ready
  # The pid of dotnet itself (the subshell's child), for its memory.
  sleep 1; gateway_dotnet=$(pgrep -P "$gateway_pid" -f Gateway.dll || echo "$gateway_pid")
}

{
  echo "# Benchmark results"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)."
  echo "Peers: nginx $(nginx -v 2>&1 | cut -d/ -f2), HAProxy $(haproxy -v | head -1 | awk '{print $3}'), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'); .NET $(dotnet --version)."
  echo "Every figure below comes from this one run; ratios are ours / peer's."
  echo
} > "$results"

# --- 1. Gateway, full policy, beside HAProxy and nginx ---------------------------------------------------------
wrk_run() { # name url connections [token]
  local header=(); [[ -n "${4:-}" ]] && header=(-H "Authorization: Bearer $4")
  wrk -t1 -c"$3" -d10s --latency "${header[@]}" "$2" > "$work/wrk-$1-$3-$round.txt" 2>&1 || true
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-$1-$3-$round.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk-$1-$3-$round.txt")
  echo "$1 $3 $round ${rps:-0} ${p99:-n/a}" >> "$work/wrk.tsv"
  echo "  $1, $3 connections, round $round: ${rps:-0} req/s, p99 ${p99:-n/a}"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v } else if (v ~ /s$/) { sub(/s$/,"",v); print v*1000 } else print "nan" }'; }
# The median of column $4 of a results file's rows whose first two fields are $2 and $3 (name, connections); "ms"
# as $5 converts wrk's and h2load's times to milliseconds first.
tsv_median() { awk -v n="$2" -v c="$3" -v f="$4" '$1 == n && $2 == c {print $f}' "$1" | { if [[ "${5:-}" == ms ]]; then while read -r v; do to_ms "$v"; done; else cat; fi; } | median; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2] + a[NR/2+1]) / 2 }'; }

if want 1 || want 5; then
  echo "Scenario 1: gateway full policy vs HAProxy vs nginx"
  AUTH_URLS=http://127.0.0.1:9001 start_gateway http://127.0.0.1:9001
  haproxy -f "$work/haproxy.cfg" -D -p "$work/haproxy.pid"
  nginx -c "$work/nginx-proxy.conf"
  # The platform's floor: Kestrel + TLS + YARP with nothing of ours (same GC settings as the gateway).
  (dotnet "$(bin BareProxy)" --port 4543 --cert "$work/tls.crt" --key "$work/tls.key" --destination http://127.0.0.1:9001 > "$work/bare.log" 2>&1) &
  bare_pid=$!; pids+=("$bare_pid")
  wait_url https://127.0.0.1:4543/
  bare_dotnet=$(pgrep -P "$bare_pid" -f BareProxy.dll || echo "$bare_pid")
  wait_url https://127.0.0.1:9444/
  curl -fsk -o /dev/null -H "Authorization: Bearer $token" https://127.0.0.1:9443/api/recordings || { echo "HAProxy refuses the token" >&2; exit 1; }
  curl -fsk -o /dev/null -H "Authorization: Bearer $token" https://127.0.0.1:4443/api/recordings || { echo "the gateway refuses the token" >&2; exit 1; }
  rounds=${BENCH_ROUNDS:-5}
  # Warm-up (JIT, connection pools, the token cache), not measured.
  for target in https://127.0.0.1:4443/api/recordings https://127.0.0.1:9443/api/recordings https://127.0.0.1:4443/.well-known/openid-configuration https://127.0.0.1:4543/api/recordings; do
    wrk -t1 -c32 -d10s -H "Authorization: Bearer $token" "$target" > /dev/null 2>&1 || true
  done
  for connections in 32 256; do
    for round in $(seq 1 "$rounds"); do
      wrk_run gateway https://127.0.0.1:4443/api/recordings "$connections" "$token"
      wrk_run haproxy https://127.0.0.1:9443/api/recordings "$connections" "$token"
      wrk_run gateway-anonymous https://127.0.0.1:4443/.well-known/openid-configuration "$connections"
      wrk_run nginx https://127.0.0.1:9444/api/recordings "$connections"
      wrk_run bare-yarp https://127.0.0.1:4543/api/recordings "$connections"
    done
  done
  after_scenario1=$(rss_mb "$gateway_dotnet"); bare_after_scenario1=$(rss_mb "$bare_dotnet")
  # Allocations and CPU per request under the same load (32 connections), from the runtime's own counters.
  command -v dotnet-counters >/dev/null || { dotnet tool install -g dotnet-counters >/dev/null 2>&1 || true; export PATH="$PATH:$HOME/.dotnet/tools"; }
  per_request() { # name pid url [token]: "bytes user-µs system-µs" per request
    local header=(); [[ -n "${4:-}" ]] && header=(-H "Authorization: Bearer $4")
    wrk -t1 -c32 -d16s "${header[@]}" "$3" > "$work/wrk-counters-$1.txt" 2>&1 &
    local wrk_pid=$!; sleep 3
    timeout 11 dotnet-counters collect -p "$2" --counters System.Runtime --refresh-interval 1 --format csv -o "$work/counters-$1.csv" >/dev/null 2>&1 || true
    wait "$wrk_pid" || true
    local rps; rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-counters-$1.txt")
    avg() { grep "$1" "$work/counters-$2.csv" | tail -8 | awk -F, '{ s += $NF; n++ } END { if (n) print s / n; else print 0 }'; }
    awk -v r="$rps" -v a="$(avg total_allocated "$1")" -v u="$(avg cpu.mode=user "$1")" -v s="$(avg cpu.mode=system "$1")" \
      -v p="$(avg gc.pause.time "$1")" -v g0="$(avg 'collections.*gen0' "$1")" -v g1="$(avg 'collections.*gen1' "$1")" -v g2="$(avg 'collections.*gen2' "$1")" \
      'BEGIN { n = g0 + g1 + g2; if (r > 0) printf "%.0f %.0f %.1f %.1f %.1f %.1f %.2f", r, a / r, u / r * 1e6, s / r * 1e6, p * 100, n, (n > 0 ? p * 1000 / n : 0); else print "0 n/a n/a n/a n/a n/a n/a" }'
  }
  read -r counters_rps ours_bytes ours_user ours_sys ours_pause ours_gcs ours_mean_pause <<< "$(per_request gateway "$gateway_dotnet" https://127.0.0.1:4443/api/recordings "$token")"
  read -r bare_counters_rps bare_bytes bare_user bare_sys bare_pause bare_gcs bare_mean_pause <<< "$(per_request bare "$bare_dotnet" https://127.0.0.1:4543/api/recordings)"
  {
    echo "## 1. Gateway, full policy (wrk, 1 thread, HTTP/1.1 keep-alive over TLS, 10 s rounds, median of $rounds alternating rounds)"
    echo
    echo "| connections | ours req/s | HAProxy req/s | ratio | ours p99 | HAProxy p99 | anonymous route req/s | policy overhead | nginx (plain TLS ceiling) req/s | bare YARP req/s | ours / bare YARP (target ≥ 0.85) | bare YARP p99 | ours / bare p99 (target ≤ 1.2) |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for connections in 32 256; do
      med() { tsv_median "$work/wrk.tsv" "$1" "$connections" 4; }
      medp99() { tsv_median "$work/wrk.tsv" "$1" "$connections" 5 ms; }
      g=$(med gateway); h=$(med haproxy); a=$(med gateway-anonymous); n=$(med nginx); b=$(med bare-yarp)
      echo "| $connections | $g | $h | $(awk -v a="$g" -v b="$h" 'BEGIN { printf "%.2f", a / b }') | $(medp99 gateway) ms | $(medp99 haproxy) ms | $a | $(awk -v a="$g" -v b="$a" 'BEGIN { printf "%.2f", a / b }') | $n | $b | $(awk -v a="$g" -v b="$b" 'BEGIN { printf "%.2f", a / b }') | $(medp99 bare-yarp) ms | $(awk -v a="$(medp99 gateway)" -v b="$(medp99 bare-yarp)" 'BEGIN { printf "%.2f", a / b }') |"
    done
    echo
    echo "Bare YARP is the platform's floor measured beside us: Kestrel, TLS and YARP forwarding to the same stub with none of our policy (bench/BareProxy)."
    echo
    echo "Per request at 32 connections (dotnet-counters, System.Runtime, 8 one-second samples under wrk; target ≤ 6 KB allocated on the signed-in route):"
    echo
    echo "| | req/s while counted | allocated per request | user CPU per request | system CPU per request | time in GC pauses | GCs per second | mean pause |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    echo "| ours (signed-in route) | $counters_rps | $ours_bytes B | $ours_user µs | $ours_sys µs | $ours_pause % | $ours_gcs | $ours_mean_pause ms |"
    echo "| bare YARP | $bare_counters_rps | $bare_bytes B | $bare_user µs | $bare_sys µs | $bare_pause % | $bare_gcs | $bare_mean_pause ms |"
    echo
  } >> "$results"
  kill "$(cat "$work/haproxy.pid")" 2>/dev/null || true; kill "$(cat "$work/nginxproxy.pid")" 2>/dev/null || true
fi

# --- 5. Memory ----------------------------------------------------------------------------------------------------
idle_rss_of() { # url pid: RSS 35 s after 1,000 idle TLS connections are open (a settled state, not the handshakes' peak)
  dotnet "$(bin Bench)" idle --url "$1" --connections 1000 --hold 45 > "$work/idle.log" 2>&1 &
  local idle_pid=$!
  for _ in $(seq 1 120); do grep -q READY "$work/idle.log" && break; sleep 0.5; done
  local peak; peak=$(rss_mb "$2"); sleep 35
  echo "$(rss_mb "$2") MB (peak $peak MB)"
  wait "$idle_pid" || true
}
if want 5; then
  echo "Scenario 5: gateway memory"
  sleep 35
  settled_ours=$(rss_mb "$gateway_dotnet"); settled_bare=$(rss_mb "$bare_dotnet")
  idle_ours=$(idle_rss_of https://127.0.0.1:4443 "$gateway_dotnet")
  idle_bare=$(idle_rss_of https://127.0.0.1:4543 "$bare_dotnet")
  {
    echo "## 5. Gateway memory (resident set, target ≤ 1.1 × bare YARP)"
    echo
    echo "| when | ours | bare YARP (floor) |"
    echo "| --- | --- | --- |"
    echo "| right after scenario 1 (4 × 2 × $rounds wrk rounds, up to 256 connections) | ${after_scenario1} MB | ${bare_after_scenario1} MB |"
    echo "| 35 s later | ${settled_ours} MB | ${settled_bare} MB |"
    echo "| holding 1,000 idle TLS keep-alive connections, 35 s after opening them (peak while opening) | ${idle_ours} | ${idle_bare} |"
    echo
  } >> "$results"
fi
if want 1 || want 5; then kill "$bare_pid" 2>/dev/null || true; fi

# --- 7. HTTP/2 (browsers use it): h2load, the gateway beside nginx, HAProxy and bare YARP ------------------------
if want 7; then
  echo "Scenario 7: HTTP/2 with h2load"
  AUTH_URLS=http://127.0.0.1:9001 start_gateway http://127.0.0.1:9001
  sed -i 's#listen 127.0.0.1:9444 ssl;#listen 127.0.0.1:9444 ssl http2;#' "$work/nginx-proxy.conf"
  sed -i 's#bind 127.0.0.1:9443 ssl crt \(.*\)$#bind 127.0.0.1:9443 ssl crt \1 alpn h2,http/1.1#' "$work/haproxy.cfg"
  haproxy -f "$work/haproxy.cfg" -D -p "$work/haproxy.pid"
  nginx -c "$work/nginx-proxy.conf"
  (dotnet "$(bin BareProxy)" --port 4543 --cert "$work/tls.crt" --key "$work/tls.key" --destination http://127.0.0.1:9001 > "$work/bare-h2.log" 2>&1) &
  bare_h2_pid=$!; pids+=("$bare_h2_pid")
  wait_url https://127.0.0.1:4543/; wait_url https://127.0.0.1:9444/
  h2_run() { # name url connections [token]
    local header=(); [[ -n "${4:-}" ]] && header=(-H "authorization: Bearer $4")
    h2load -D 10 -c "$3" -m 10 -t 1 "${header[@]}" "$2" > "$work/h2-$1-$3-$round.txt" 2>&1 || true
    local rps mean ok
    rps=$(awk '/^finished in/ {print $4}' "$work/h2-$1-$3-$round.txt")
    mean=$(awk '/^time for request:/ {print $6}' "$work/h2-$1-$3-$round.txt")
    ok=$(awk '/^status codes:/ {print $3}' "$work/h2-$1-$3-$round.txt")
    echo "$1 $3 $round ${rps:-0} ${mean:-n/a} ${ok:-0}" >> "$work/h2.tsv"
    echo "  $1, $3 connections × 10 streams, round $round: ${rps:-0} req/s, mean ${mean:-n/a} (2xx: ${ok:-0})"
  }
  for target in "https://127.0.0.1:4443/api/recordings" "https://127.0.0.1:9443/api/recordings" "https://127.0.0.1:4543/api/recordings"; do
    h2load -D 5 -c 32 -m 10 -t 1 -H "authorization: Bearer $token" "$target" > /dev/null 2>&1 || true
  done
  for connections in 32 256; do
    for round in $(seq 1 "${BENCH_ROUNDS:-5}"); do
      h2_run gateway https://127.0.0.1:4443/api/recordings "$connections" "$token"
      h2_run haproxy https://127.0.0.1:9443/api/recordings "$connections" "$token"
      h2_run nginx https://127.0.0.1:9444/api/recordings "$connections"
      h2_run bare-yarp https://127.0.0.1:4543/api/recordings "$connections"
    done
  done
  {
    echo "## 7. HTTP/2 (h2load, 1 thread, 10 streams per connection, 10 s rounds, median of ${BENCH_ROUNDS:-5} alternating rounds)"
    echo
    echo "| connections | ours req/s | ours mean | HAProxy req/s | nginx (no JWT) req/s | nginx mean | bare YARP req/s | ours / nginx | ours / bare YARP |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for connections in 32 256; do
      med() { tsv_median "$work/h2.tsv" "$1" "$connections" 4; }
      medmean() { tsv_median "$work/h2.tsv" "$1" "$connections" 5 ms; }
      g=$(med gateway); h=$(med haproxy); n=$(med nginx); b=$(med bare-yarp)
      echo "| $connections | $g | $(medmean gateway) ms | $h | $n | $(medmean nginx) ms | $b | $(awk -v a="$g" -v b="$n" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$g" -v b="$b" 'BEGIN { printf "%.2f", a / b }') |"
    done
    echo
    echo "h2load reports no percentiles, only the mean. Every response counted must be 2xx: the raw files under bench/out show the status codes."
    echo
  } >> "$results"
  kill "$(cat "$work/haproxy.pid")" 2>/dev/null || true; kill "$(cat "$work/nginxproxy.pid")" "$bare_h2_pid" 2>/dev/null || true
fi

# --- 8. TLS resumption: handshakes per second for new and returning clients -------------------------------------
if want 8; then
  echo "Scenario 8: TLS handshakes, new and resumed"
  # As a replicated gateway ships: every replica given the same TLS_TICKET_KEY_FILE.
  head -c 80 /dev/urandom > "$work/ticket.key"
  AUTH_URLS=http://127.0.0.1:9001 start_gateway http://127.0.0.1:9001 TLS_TICKET_KEY_FILE="$work/ticket.key"
  # Three more replicas for the cross-replica rounds: one with the same key file (beside :4443), two with none.
  replica() { # https port, http port, then extra VAR=value settings
    local https="$1" http="$2"; shift 2
    (env OPENSSL_CONF="$gateway_openssl_conf" PORT="$https" HTTP_PORT="$http" TLS_CERT_PATH="$work/tls.crt" TLS_KEY_PATH="$work/tls.key" ALLOWED_ORIGINS=https://localhost:4443 \
       AUTH_SERVICE_URLS=http://127.0.0.1:9001 RECORDINGS_SERVICE_URLS=http://127.0.0.1:9001 JWKS_URL=http://127.0.0.1:5101/.well-known/jwks.json \
       RATE_LIMIT_MAX=1000000000 "$@" dotnet "$(bin Gateway)" --contentRoot "$root/Gateway" > "$work/gateway-$https.log" 2>&1) & pids+=($!); replica_pids+=($!)
  }
  replica_pids=()
  replica 4545 4585 TLS_TICKET_KEY_FILE="$work/ticket.key"; replica 4745 4785; replica 4755 4795
  # An L4 balancer (HAProxy in TCP mode, round robin) in front of each pair: a returning client lands on the other
  # replica every second connection, as behind a cloud load balancer without client affinity.
  cat > "$work/haproxy-tcp.cfg" <<CFG
global
  nbthread 1
  maxconn 5000
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend shared
  bind 127.0.0.1:4843
  default_backend shared
backend shared
  balance roundrobin
  server a 127.0.0.1:4443
  server b 127.0.0.1:4545
frontend own
  bind 127.0.0.1:4943
  default_backend own
backend own
  balance roundrobin
  server a 127.0.0.1:4745
  server b 127.0.0.1:4755
CFG
  haproxy -f "$work/haproxy-tcp.cfg" -D -p "$work/haproxy-tcp.pid"
  for port in 4545 4745 4755; do wait_url "https://127.0.0.1:$port/health/ready"; done
  grep -q "TLS session tickets: key .*\"Source\":\"TLS_TICKET_KEY_FILE\"" "$work/gateway.log" || { echo "the gateway did not take the ticket key file" >&2; exit 1; }
  # The gateway as it was before resumption: cipher rules by .NET's policy (no OPENSSL_CONF), no session cache.
  (env -u OPENSSL_CONF PORT=4643 HTTP_PORT=4681 TLS_CERT_PATH="$work/tls.crt" TLS_KEY_PATH="$work/tls.key" ALLOWED_ORIGINS=https://localhost:4643 \
     AUTH_SERVICE_URLS=http://127.0.0.1:9001 RECORDINGS_SERVICE_URLS=http://127.0.0.1:9001 JWKS_URL=http://127.0.0.1:5101/.well-known/jwks.json \
     RATE_LIMIT_MAX=1000000000 dotnet "$(bin Gateway)" --contentRoot "$root/Gateway" > "$work/gateway-policy.log" 2>&1) & pids+=($!)
  nginx -c "$work/nginx-proxy.conf"
  wait_url https://127.0.0.1:4643/health/ready; wait_url https://127.0.0.1:9444/
  grep -q "TLS session resumption on" "$work/gateway.log" || { echo "the gateway did not turn resumption on" >&2; exit 1; }
  grep -q "TLS session resumption off" "$work/gateway-policy.log" || { echo "the policy gateway did not report resumption off" >&2; exit 1; }
  tls_run() { # name port mode(new|reuse) version
    local page=(); [[ "$4" == tls1_3 ]] && page=(-www /health) # TLS 1.3 tickets arrive after the handshake: fetch a page to get them
    local start end n
    start=$(date +%s.%N)
    openssl s_time -connect "127.0.0.1:$2" "-$3" -time 5 "-$4" "${page[@]}" > "$work/tls-$1-$3-$4-$round.txt" 2>&1 || true
    end=$(date +%s.%N)
    n=$(awk '/connections in .* real seconds/ {print $1}' "$work/tls-$1-$3-$4-$round.txt")
    local rate; rate=$(awk -v n="${n:-0}" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }')
    # s_time prints one character per connection: "r" when the session was resumed.
    local resumed; resumed=$(awk '/^[rt*123]+$/ { r += gsub(/r/, "r"); n += length($0) } END { printf "%.0f", n ? 100 * r / n : 0 }' "$work/tls-$1-$3-$4-$round.txt")
    echo "$1 $3 $4 $round $rate $resumed" >> "$work/tls.tsv"
    echo "  $1, $3, $4, round $round: $rate handshakes/s, $resumed % resumed"
  }
  for round in $(seq 1 "${BENCH_TLS_ROUNDS:-5}"); do
    for version in tls1_2 tls1_3; do
      for mode in new reuse; do
        tls_run gateway 4443 "$mode" "$version"
        tls_run gateway-before 4643 "$mode" "$version"
        tls_run nginx 9444 "$mode" "$version"
      done
      tls_run replicas-shared-key 4843 reuse "$version"
      tls_run replicas-own-keys 4943 reuse "$version"
    done
  done
  {
    echo "## 8. TLS handshakes (openssl s_time, one client, sequential connections, 5 s rounds, median of ${BENCH_TLS_ROUNDS:-5} alternating rounds; TLS 1.3 rounds fetch /health to receive the session tickets)"
    echo
    echo "| version | clients | ours (resumption on) per s | resumed | ours before (cipher policy, no cache) per s | resumed | ours / before | nginx (session cache + tickets) per s | resumed | ours / nginx |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    for version in tls1_2 tls1_3; do
      for mode in new reuse; do
        med() { awk -v n="$1" -v m="$mode" -v v="$version" -v f="${2:-5}" '$1 == n && $2 == m && $3 == v {print $f}' "$work/tls.tsv" | median; }
        g=$(med gateway); b=$(med gateway-before); n=$(med nginx)
        echo "| ${version/tls1_/TLS 1.} | $([[ $mode == new ]] && echo new || echo returning) | $g | $(med gateway 6) % | $b | $(med gateway-before 6) % | $(awk -v a="$g" -v b="$b" 'BEGIN { printf "%.2f", a / b }') | $n | $(med nginx 6) % | $(awk -v a="$g" -v b="$n" 'BEGIN { printf "%.2f", a / b }') |"
      done
    done
    echo
    echo "Returning clients through an L4 balancer (HAProxy, TCP, round robin) over two gateway replicas, so every second connection meets the other replica:"
    echo
    echo "| version | replicas sharing TLS_TICKET_KEY_FILE per s | resumed | replicas with their own keys per s | resumed | shared / own |"
    echo "| --- | --- | --- | --- | --- | --- |"
    for version in tls1_2 tls1_3; do
      mode=reuse
      s=$(med replicas-shared-key); o=$(med replicas-own-keys)
      echo "| ${version/tls1_/TLS 1.} | $s | $(med replicas-shared-key 6) % | $o | $(med replicas-own-keys 6) % | $(awk -v a="$s" -v b="$o" 'BEGIN { printf "%.2f", a / b }') |"
    done
    echo
  } >> "$results"
  kill "$(cat "$work/nginxproxy.pid")" "$(cat "$work/haproxy-tcp.pid")" "${replica_pids[@]}" 2>/dev/null || true
fi

# --- 10. Where the CPU goes per request: perf profiles of the gateway and bare YARP under scenario 1's load ------
if want 10; then
  echo "Scenario 10: CPU profile (perf) of the gateway and bare YARP under wrk -c32"
  # Every method JIT-compiled (no ReadyToRun code) into plain anonymous memory (W^X double mapping off) and written
  # to /tmp/perf-PID.map, so perf names managed frames.
  profile_env=(DOTNET_PerfMapEnabled=1 DOTNET_ReadyToRun=0 DOTNET_EnableWriteXorExecute=0)
  AUTH_URLS=http://127.0.0.1:9001 start_gateway http://127.0.0.1:9001 "${profile_env[@]}"
  (env "${profile_env[@]}" dotnet "$(bin BareProxy)" --port 4544 --cert "$work/tls.crt" --key "$work/tls.key" --destination http://127.0.0.1:9001 > "$work/bare-profile.log" 2>&1) &
  bare_profile_pid=$!; pids+=("$bare_profile_pid"); wait_url https://127.0.0.1:4544/
  bare_profile_dotnet=$(pgrep -P "$bare_profile_pid" -f BareProxy.dll || echo "$bare_profile_pid")
  # One symbol's self time goes to the first category whose pattern its DSO or name matches.
  categorize() {
    awk -F'\t' '
      BEGIN {
        n = split("request log|authentication|authorization|rate limits|our other middleware|YARP|HttpClient to the backend|routing and endpoints|Kestrel and HTTP/1.1|TLS (SslStream, OpenSSL)|sockets|GC, JIT and runtime|kernel|other", order, "|")
        pattern["request log"] = "Serilog|ServiceDefaults\\.Logging|CompactJson"
        pattern["authentication"] = "Authentication|IdentityModel|JwtBearer|Platform\\.Security\\.Tokens|Claims"
        pattern["authorization"] = "Authorization"
        pattern["rate limits"] = "RateLimit"
        pattern["our other middleware"] = "SecurityHeaders|Gateway\\.Cors|OriginCheck|Gateway\\.Https|SecurityEvents|ClientIp|ProblemResponses|Gateway\\.Proxy|ServiceDefaults|Gateway\\."
        pattern["YARP"] = "Yarp"
        pattern["HttpClient to the backend"] = "System\\.Net\\.Http"
        pattern["routing and endpoints"] = "Routing|Endpoint|HostFiltering|Diagnostics|Hosting"
        pattern["Kestrel and HTTP/1.1"] = "Kestrel|AspNetCore\\.Server|Pipelines|AspNetCore\\.Http|Connections"
        pattern["TLS (SslStream, OpenSSL)"] = "libssl|libcrypto|System\\.Net\\.Security|Interop\\+Ssl|Interop\\+Crypto|libSystem\\.Security"
        pattern["sockets"] = "System\\.Net\\.Sockets|libSystem\\.Native"
        pattern["GC, JIT and runtime"] = "libcoreclr|libclrjit|WKS::|SVR::|System\\.GC|libc\\.so|libstdc|ld-linux|System\\.Private\\.CoreLib|System\\.Runtime"
        pattern["kernel"] = "kernel\\.kallsyms|\\[k\\]|vdso"
      }
      { share = $1; gsub(/[ %]/, "", share) }
      $1 ~ /%/ && share ~ /^[0-9.]+$/ {
        line = $0
        for (i = 1; i <= n; i++) { c = order[i]; if (c == "other" || line ~ pattern[c]) { total[c] += share; break } }
      }
      END { for (i = 1; i <= n; i++) printf "%s\t%.2f\n", order[i], total[order[i]] }'
  }
  profile() { # name pid url [token]: samples the process for 10 s in the middle of 20 s of wrk -c32
    local header=(); [[ -n "${4:-}" ]] && header=(-H "Authorization: Bearer $4")
    wrk -t1 -c32 -d10s "${header[@]}" "$3" > /dev/null 2>&1 || true # warm-up
    wrk -t1 -c32 -d20s "${header[@]}" "$3" > "$work/wrk-profile-$1.txt" 2>&1 &
    local wrk_pid=$!; sleep 5
    # Context switches of all the process's threads (each thread's own count in /proc/PID/task/*/status), in total
    # and by thread: tid, name, voluntary, involuntary.
    switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 } END { print v, n }'; }
    per_thread() { local t; for t in /proc/"$1"/task/*; do printf '%s\t%s\t%s\n' "${t##*/}" "$(tr ' ' '_' < "$t/comm")" "$(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 } END { print v "\t" n }' "$t/status")"; done 2>/dev/null | sort; }
    per_thread "$2" > "$work/threads-before-$1.tsv"
    local before; before=$(awk '{ print $14 + $15 }' "/proc/$2/stat"); local switches_before; switches_before=$(switches "$2")
    perf record -F 999 -p "$2" -o "$work/perf-$1.data" -- sleep 10 > /dev/null 2>&1 || true
    local after; after=$(awk '{ print $14 + $15 }' "/proc/$2/stat"); local switches_after; switches_after=$(switches "$2")
    per_thread "$2" > "$work/threads-after-$1.tsv"
    local threads; threads=$(ls /proc/"$2"/task | wc -l)
    wait "$wrk_pid" || true
    local rps; rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk-profile-$1.txt")
    perf report -i "$work/perf-$1.data" --no-children --sort dso,sym --stdio --percent-limit 0 --field-separator=$'\t' 2> /dev/null \
      | categorize > "$work/profile-$1.tsv"
    # CPU per request over the sampled 10 s (process CPU ticks ÷ requests at wrk's rate).
    awk -v t="$(( after - before ))" -v hz="$(getconf CLK_TCK)" -v r="$rps" 'BEGIN { printf "%.1f", t / hz / (r * 10) * 1e6 }' > "$work/profile-$1.cpu"
    awk -v b="$switches_before" -v a="$switches_after" -v r="$rps" -v n="$threads" 'BEGIN { split(b, x, " "); split(a, y, " "); printf "%.2f voluntary and %.2f involuntary context switches per request, %d threads", (y[1] - x[1]) / (r * 10), (y[2] - x[2]) / (r * 10), n }' > "$work/profile-$1.switches"
    # Per second, by kind of thread: the socket-polling (epoll) thread, the thread pool's workers, the rest.
    join -t $'\t' "$work/threads-before-$1.tsv" "$work/threads-after-$1.tsv" | awk -F'\t' -v r="$rps" '
      { kind = $2 ~ /Sockets/ ? "socket-polling thread" : $2 ~ /TP_Worker/ ? "thread-pool workers" : "other threads"; v[kind] += $6 - $3; n[kind] += $7 - $4 }
      END { for (k in v) printf "%s\t%.0f\t%.0f\t%.2f\t%.2f\n", k, v[k] / 10, n[k] / 10, v[k] / (r * 10), n[k] / (r * 10) }' | sort > "$work/profile-$1.threads"
    echo "  $1: ${rps} req/s, $(cat "$work/profile-$1.cpu") µs of CPU per request, $(cat "$work/profile-$1.switches")"
  }
  profile gateway "$gateway_dotnet" https://127.0.0.1:4443/api/recordings "$token"
  profile bare "$bare_profile_dotnet" https://127.0.0.1:4544/api/recordings
  kill "$bare_profile_pid" 2>/dev/null || true
  {
    echo "## 10. Where the CPU goes per request (perf, 999 Hz, 10 s under wrk -c32 on the signed-in route; every method JIT-compiled so perf names it; self time by category)"
    echo
    echo "| category | ours: share | ours: µs per request | bare YARP: share | bare YARP: µs per request | ours − bare, µs |"
    echo "| --- | --- | --- | --- | --- | --- |"
    ours_cpu=$(cat "$work/profile-gateway.cpu"); bare_cpu=$(cat "$work/profile-bare.cpu")
    join -t $'\t' <(sort "$work/profile-gateway.tsv") <(sort "$work/profile-bare.tsv") | sort -t $'\t' -k2 -g -r \
      | awk -F'\t' -v o="$ours_cpu" -v b="$bare_cpu" '{ printf "| %s | %.1f %% | %.1f | %.1f %% | %.1f | %+.1f |\n", $1, $2, $2 * o / 100, $3, $3 * b / 100, $2 * o / 100 - $3 * b / 100 }'
    echo "| all | 100 % | $ours_cpu | 100 % | $bare_cpu | $(awk -v a="$ours_cpu" -v b="$bare_cpu" 'BEGIN { printf "%+.1f", a - b }') |"
    echo
    echo "Context switches (all threads, /proc): ours $(cat "$work/profile-gateway.switches"); bare YARP $(cat "$work/profile-bare.switches")."
    echo
    echo "By thread, per second of the same 10 s and per request (voluntary: the thread waited; involuntary: it was preempted):"
    echo
    echo "| threads | ours: voluntary/s | ours: involuntary/s | ours: per request | bare YARP: voluntary/s | bare YARP: involuntary/s | bare YARP: per request |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    join -t $'\t' "$work/profile-gateway.threads" "$work/profile-bare.threads" \
      | awk -F'\t' '{ printf "| %s | %s | %s | %s + %s | %s | %s | %s + %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
    echo
    echo "CPU per request is the process's own CPU time over the sampled 10 s divided by the requests served in them (wrk's rate). Categories are matched on perf's DSO and symbol names, first match wins (bench/run.sh, scenario 10); the raw reports are bench/out/<time>/perf-*.data."
    echo
  } >> "$results"
fi

# --- 2–4 run against the real RecordingsService -------------------------------------------------------------------
account="AC$(openssl rand -hex 16)"; twilio_token="$(openssl rand -hex 16)"
if want 2 || want 3 || want 4 || want 6; then
  (DATA_DIR="$work/recordings" TWILIO_ACCOUNT_SID="$account" TWILIO_AUTH_TOKEN="$twilio_token" PUBLIC_BASE_URL=https://calls.example.com \
     TWILIO_API_BASE_URL=http://127.0.0.1:9 JWKS_URL=http://127.0.0.1:5101/.well-known/jwks.json \
     dotnet "$(bin RecordingsService)" --urls http://127.0.0.1:5102 > "$work/recordings.log" 2>&1) & pids+=($!)
  wait_url http://127.0.0.1:5102/health
  start_gateway http://127.0.0.1:5102 TRUSTED_PROXIES=127.0.0.1 LOGIN_RATE_LIMIT_MAX=5
fi

if want 2; then
  echo "Scenario 2: webhook ingest for 60 s"
  dotnet "$(bin Bench)" webhooks --url https://127.0.0.1:4443 --public-base https://calls.example.com --auth-token "$twilio_token" --account "$account" --seconds 60 --concurrency 64 | tee "$work/webhooks.txt"
  stored=$(sqlite3 "$work/recordings/recordings.db" "SELECT COUNT(*) FROM recordings")
  acknowledged=$(grep -o 'stored_204=[0-9]*' "$work/webhooks.txt" | cut -d= -f2)
  {
    echo "## 2. Webhook ingest (signed callbacks, distinct SIDs, through the gateway to the RecordingsService on SQLite with synchronous=FULL, 64 concurrent senders, 60 s)"
    echo
    echo "| callbacks/s sustained (target ≥ 2,000) | answered 204 | rows stored after the run | exactly once | latency |"
    echo "| --- | --- | --- | --- | --- |"
    echo "| $(grep -o 'rate=[0-9]*' "$work/webhooks.txt" | cut -d= -f2) | $acknowledged | $stored | $([[ "$acknowledged" == "$stored" ]] && echo yes || echo "NO") | $(grep -o 'latency: .*' "$work/webhooks.txt" | cut -d' ' -f2-) |"
    echo
    echo "No peer: neither HAProxy nor nginx can check a Twilio signature or store a callback; the figure stands against the target."
    echo
  } >> "$results"

  echo "Scenario 2b: signed callbacks at 100/s, alone and beside 3,000 unsigned ones a minute"
  noise=(webhook-noise --url https://127.0.0.1:4443 --public-base https://calls.example.com --auth-token "$twilio_token" --account "$account" --rate 100 --seconds 70)
  dotnet "$(bin Bench)" "${noise[@]}" --unsigned-rate 0 | tee "$work/webhook-noise.txt"
  dotnet "$(bin Bench)" "${noise[@]}" --unsigned-rate 50 | tee -a "$work/webhook-noise.txt"
  refusal_rows=$(sqlite3 "$work/recordings/recordings.db" "SELECT COUNT(*) FROM audit WHERE action = 'webhook-refused'")
  {
    echo "### 2b. Signed callbacks at 100/s for 70 s, alone, then beside 50 unsigned callbacks/s (3,000 a minute, from random addresses)"
    echo
    echo '```'
    cat "$work/webhook-noise.txt"
    echo "audit rows for refused callbacks after both phases: $refusal_rows (one per source and minute, written in one transaction a minute)"
    echo '```'
    echo
    echo "Target: the unsigned ones do not slow the signed ones (each refusal is counted in memory, never a durable write of its own)."
    echo
  } >> "$results"
fi

if want 3; then
  echo "Scenario 3: live events to 1,000 WebSocket clients"
  dotnet "$(bin Bench)" live --url https://127.0.0.1:4443 --token "$token" --public-base https://calls.example.com --auth-token "$twilio_token" --account "$account" \
    --clients 1000 --rate 50 --seconds 20 --slow-burst 3000 --slow-wait 75 | tee "$work/live.txt"
  {
    echo "## 3. Live events (1,000 WebSocket clients through the gateway, callbacks at 50/s for 20 s, a burst of 3,000, then 50/s while a stalled client is held for 75 s)"
    echo
    echo '```'
    cat "$work/live.txt"
    echo '```'
    echo
    cut=$(grep -o 'aborting the others at [^ ]*' "$work/live.txt" | awk '{print $5}')
    drops=$(jq -rR --arg cut "$cut" 'fromjson? | select(.Reason != null and .["@t"] < $cut and ((.["@mt"] // "") | startswith("Live events: {User} from {ClientIp} disconnected"))) | .Reason' "$work/recordings.log" | sort | uniq -c | sed 's/^ *//' | paste -sd ';' -)
    echo "The stalled client has a 2 KB receive window and never reads until the end. Disconnections the service logged before the 1,000 others were closed: ${drops:-none} (\"unresponsive or lost\": no answer to its pings within the keep-alive timeout; \"too-slow\": its 64-event queue filled)."
    echo "No peer: the proxies only pass WebSocket bytes; the fan-out is the RecordingsService's."
    echo
  } >> "$results"
fi

if want 4; then
  echo "Scenario 4: sign-in flood"
  users=(signin-flood --url https://127.0.0.1:4443 --token "$token" --users 8 --seconds 20 --device-user admin --device-password "$password" --device-cookie-file "$work/device-cookie")
  # Where the CPU goes in each phase: CPU seconds of each process (utime + stime) and of the whole machine (/proc/stat).
  auth_dotnet=$(pgrep -f 'AuthService.dll' | head -1); recordings_dotnet=$(pgrep -f 'RecordingsService.dll' | head -1)
  ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
  machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $5 + $6 + $7 + $8, $5 + $6 }' /proc/stat; }
  cpu_begin() { cpu_start=(); for p in "$@"; do cpu_start+=("$(ticks "$p")"); done; read -r machine_start idle_start < <(machine_ticks); }
  cpu_report() { # phase, then name=pid pairs in the order cpu_begin got them
    local phase="$1"; shift; local hz; hz=$(getconf CLK_TCK); local i=0 line="" total idle
    read -r total idle < <(machine_ticks)
    for pair in "$@"; do
      local t; t=$(ticks "${pair#*=}"); local d=$(( t - cpu_start[i] )); i=$(( i + 1 ))
      line+="${pair%%=*} $(awk -v d="$d" -v hz="$hz" 'BEGIN { printf "%.1f", d / hz }') s, "
    done
    echo "CPU $phase: ${line}the whole machine $(awk -v t="$(( total - machine_start ))" -v i="$(( idle - idle_start ))" -v hz="$hz" 'BEGIN { printf "busy %.1f s, idle %.1f s of %.1f core-seconds", (t - i) / hz, i / hz, t / hz }') (the rest of busy: the users' process, the kernel)"
  }
  : > "$work/flood.txt"
  flood_rounds=${BENCH_FLOOD_ROUNDS:-${BENCH_ROUNDS:-5}}
  for round in $(seq 1 "$flood_rounds"); do
    echo "round $round of $flood_rounds:" | tee -a "$work/flood.txt"
    cpu_begin "$gateway_dotnet" "$auth_dotnet" "$recordings_dotnet"
    dotnet "$(bin Bench)" "${users[@]}" | tee -a "$work/flood.txt"
    cpu_report "alone (warm-up and measurement)" gateway="$gateway_dotnet" AuthService="$auth_dotnet" RecordingsService="$recordings_dotnet" | tee -a "$work/flood.txt"
    # The flood from its own process, from 3 s before the users' warm-up (5 s) until their measurement (20 s) is over.
    dotnet "$(bin Bench)" signin-flood --url https://127.0.0.1:4443 --flood-only 1 --rate 1000 --seconds 300 > "$work/flood-generator.txt" &
    flood_pid=$!; sleep 3
    cpu_begin "$gateway_dotnet" "$auth_dotnet" "$recordings_dotnet" "$flood_pid"
    dotnet "$(bin Bench)" "${users[@]}" --during-flood 1 | tee -a "$work/flood.txt"
    cpu_report "during the flood (warm-up and measurement)" gateway="$gateway_dotnet" AuthService="$auth_dotnet" RecordingsService="$recordings_dotnet" "flood generator=$flood_pid" | tee -a "$work/flood.txt"
    kill -TERM "$flood_pid"; wait "$flood_pid" || true
    cat "$work/flood-generator.txt" | tee -a "$work/flood.txt"
    alone=$(awk '/^p99 alone/ {v = $4} END {print v}' "$work/flood.txt"); during=$(awk '/^p99 during the flood/ {v = $6} END {print v}' "$work/flood.txt")
    echo "p99 ratio during/alone = $(awk -v a="$during" -v b="$alone" 'BEGIN { printf "%.2f", a / b }')" | tee -a "$work/flood.txt"
  done
  # Medians over the rounds (the target is the median of 5 runs); device sign-ins over all rounds.
  {
    echo
    echo "over $flood_rounds rounds: median p99 alone $(awk '/^p99 alone/ {print $4}' "$work/flood.txt" | median) ms, during the flood $(awk '/^p99 during the flood/ {print $6}' "$work/flood.txt" | median) ms; median of the rounds' ratios $(awk '/^p99 ratio/ {print $NF}' "$work/flood.txt" | median) (each round: $(awk '/^p99 ratio/ {printf "%s%s", sep, $NF; sep = ", "}' "$work/flood.txt"))"
    awk '/^device sign-ins during the flood/ { ok += $6; n += $8; s = $0; sub(/.*slowest /, "", s); sub(/ ms.*/, "", s); if (s + 0 > worst) worst = s + 0 }
         END { printf "device sign-ins during the flood, all rounds: %d of %d answered 200; slowest %d ms\n", ok, n, worst }' "$work/flood.txt"
  } | tee -a "$work/flood.txt"
  {
    echo "## 4. Sign-in flood (1,000 wrong-password attempts/s from random addresses via X-Forwarded-For, from a separate process, while 8 signed-in users list recordings for 20 s; $flood_rounds rounds, each alone then during the flood)"
    echo
    echo '```'
    cat "$work/flood.txt"
    echo '```'
    echo
    echo "Targets: the median of the rounds' ratios of the users' p99 during the flood to alone at most 1.5; the admin's browser, holding its device cookie, signs in within 1 s during the flood. No peer: the proxies do not sign anyone in."
    echo
  } >> "$results"
fi

if want 6; then
  echo "Scenario 6: 1,000,000 distinct client addresses"
  users=(signin-flood --url https://127.0.0.1:4443 --token "$token" --users 8 --seconds 20)
  dotnet "$(bin Bench)" "${users[@]}" --phase alone | tee "$work/spray.txt"
  before=$(rss_mb "$gateway_dotnet")
  dotnet "$(bin Bench)" spray --url https://127.0.0.1:4443 --count 1000000 --concurrency 64 > "$work/spray-generator.txt" &
  spray_pid=$!
  # The gateway's memory every second while the spray runs; the users measure during its first part.
  (peak=0; while kill -0 "$spray_pid" 2>/dev/null; do m=$(rss_mb "$gateway_dotnet"); ((m > peak)) && peak=$m; echo "$peak" > "$work/spray-peak.txt"; sleep 1; done) &
  sampler_pid=$!
  sleep 3
  dotnet "$(bin Bench)" "${users[@]}" --phase "during the spray" | tee -a "$work/spray.txt"
  wait "$spray_pid" || true
  wait "$sampler_pid" 2>/dev/null || true
  after=$(rss_mb "$gateway_dotnet"); sleep 35; settled=$(rss_mb "$gateway_dotnet")
  cat "$work/spray-generator.txt" | tee -a "$work/spray.txt"
  alone=$(awk '/^p99 alone/ {print $4}' "$work/spray.txt"); during=$(awk '/^p99 during the spray/ {print $6}' "$work/spray.txt")
  echo "p99 ratio during/alone = $(awk -v a="$during" -v b="$alone" 'BEGIN { printf "%.2f", a / b }')" | tee -a "$work/spray.txt"
  {
    echo "## 6. Address spray (1,000,000 distinct client addresses via X-Forwarded-For, half IPv4 and half IPv6 in distinct /64s, each one signed-out request that the global limit counts and the burst detector sees refused; 8 signed-in users list recordings meanwhile)"
    echo
    echo '```'
    cat "$work/spray.txt"
    echo '```'
    echo
    echo "| gateway RSS before | peak during | right after | 35 s later |"
    echo "| --- | --- | --- | --- |"
    echo "| ${before} MB | $(cat "$work/spray-peak.txt") MB | ${after} MB | ${settled} MB |"
    echo
    echo "Target: memory bounded (per-key state is capped at 100,000 rate-limit windows and 50,000 burst keys) and the users' p99 steady. No peer: HAProxy's and nginx's tables are configured, not compared here."
    echo
  } >> "$results"
fi

# --- 9. 10,000 dashboards across two RecordingsService replicas (PostgreSQL and Redis shared) ----------------------
if want 9; then
  echo "Scenario 9: 10,000 WebSocket clients across two RecordingsService replicas"
  pg_bin=$(dirname "$(compgen -G "/usr/lib/postgresql/*/bin/initdb" | sort -V | tail -1)")
  pg_dir=$(mktemp -d /tmp/bench-pg-XXXXXX); chown postgres "$pg_dir"
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" --auth=trust -U postgres >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -o "-p 5499 -k $pg_dir -c max_connections=300" -l "$pg_dir/log" -w start >/dev/null
  runuser -u postgres -- "$pg_bin/createdb" -h 127.0.0.1 -p 5499 bench
  stop_pg() { runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
  trap 'cleanup; stop_pg' EXIT
  redis-server --port 6399 --save "" --appendonly no > "$work/redis.log" 2>&1 & pids+=($!)
  database=postgres://postgres@127.0.0.1:5499/bench?sslmode=disable
  for replica in 5202 5203; do
    (DATA_DIR="$work/recordings-$replica" DATABASE_URL="$database" REDIS_URL=redis://127.0.0.1:6399 TWILIO_ACCOUNT_SID="$account" TWILIO_AUTH_TOKEN="$twilio_token"        PUBLIC_BASE_URL=https://calls.example.com TWILIO_API_BASE_URL=http://127.0.0.1:9 JWKS_URL=http://127.0.0.1:5101/.well-known/jwks.json        dotnet "$(bin RecordingsService)" --urls "http://127.0.0.1:$replica" > "$work/recordings-$replica.log" 2>&1) & pids+=($!)
  done
  wait_url http://127.0.0.1:5202/health/ready; wait_url http://127.0.0.1:5203/health/ready
  start_gateway http://127.0.0.1:5202,http://127.0.0.1:5203 REDIS_URL=redis://127.0.0.1:6399 TRUSTED_PROXIES=127.0.0.1
  dotnet "$(bin Bench)" live --url https://127.0.0.1:4443 --token "$token" --public-base https://calls.example.com --auth-token "$twilio_token" --account "$account"     --clients 10000 --http2 1 --rate 5 --seconds 30 --slow-burst 0 | tee "$work/live-10k.txt"
  sleep 2
  {
    echo "## 9. 10,000 dashboards across two RecordingsService replicas (WebSockets over HTTP/2 through one gateway, spread by it over two replicas sharing PostgreSQL and Redis; callbacks at 5/s for 30 s, each landing on either replica)"
    echo
    echo '```'
    cat "$work/live-10k.txt"
    for replica in 5202 5203; do
      echo "replica :$replica held $(grep -c '"Name":"LogConnected"' "$work/recordings-$replica.log" || true) of the WebSockets and stored $(grep -c '"RequestPath":"/webhooks/recording","StatusCode":204' "$work/recordings-$replica.log" || true) callbacks"
    done
    echo '```'
    echo
    echo "Target: every event reaches every client, whichever replica stored it and whichever holds the client (Redis carries the events between them). No peer: the fan-out is the RecordingsService's."
    echo
  } >> "$results"
fi

cp "$results" "$root/bench/RESULTS.md"
echo
cat "$results"
echo "Raw output: $work"
