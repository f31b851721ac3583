#!/usr/bin/env bash
# Runs every test of the solution. Installs what the tests need and the machine lacks (as root, with apt-get),
# builds once and runs the test projects side by side (Gateway.Tests, Services.Tests, and System.Tests' run-script,
# browser and static tests), then the tests marked Runs=alone (the multi-replica system under faults, drains and
# scrapes; the container images and docker compose on a real Docker engine) on their own, so their load does not
# slow the others' timed checks. The last line sums up: "tests: N passed, N failed, N skipped".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

command -v dotnet >/dev/null || { echo "The .NET 10 SDK is needed (dotnet on PATH)." >&2; exit 1; }

# Debian packages the tests use: openssl (certificates, TLS probes), curl (the run script's readiness wait),
# chromium (the dashboard's browser tests, driven by Playwright), postgresql and redis-server (the tests start
# throw-away servers of their own; the packages' own services are not used).
missing=()
for tool in openssl curl chromium; do command -v "$tool" >/dev/null || missing+=("$tool"); done
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || command -v pg_ctl >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v fail2ban-regex >/dev/null || missing+=(fail2ban) # deploy/fail2ban's filter is tested with it
command -v npm >/dev/null || missing+=(nodejs npm) # Redocly's CLI lints the gateway's OpenAPI document
# The container test: Debian's Docker engine (started by the test when none runs), compose, and debootstrap for base
# images made from Debian's packages (no registry is reachable from our build machines).
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# Monitoring and drain: promtool and a real Prometheus read the services' metrics and deploy/monitoring's rules;
# HAProxy is the TCP balancer the gateways are restarted behind.
command -v prometheus >/dev/null || missing+=(prometheus)
command -v haproxy >/dev/null || missing+=(haproxy)
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then echo "Please install: ${missing[*]}" >&2; exit 1; fi
  echo "Installing ${missing[*]}…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  # The packages' own services are not used (the tests start their own, on free ports).
  for service in prometheus prometheus-node-exporter haproxy; do
    command -v systemctl >/dev/null && systemctl stop "$service" 2>/dev/null || true
  done
fi
command -v kubectl >/dev/null || echo "kubectl is not installed: the Kubernetes manifest tests will be skipped." >&2

# @redocly/cli at the version its lock file names, beside the test that runs it (node_modules is not committed).
npm ci --prefix System.Tests/ApiDocs/lint --no-audit --no-fund --loglevel=error >/dev/null
# kubernetes-models (the Kubernetes schemas the manifests are validated against), likewise.
npm ci --prefix System.Tests/Kubernetes/validate --no-audit --no-fund --loglevel=error >/dev/null

configuration="${TEST_CONFIGURATION:-Debug}"
dotnet build RecordingsPlatform.slnx -c "$configuration" -nologo -clp:ErrorsOnly

# Known vulnerabilities in any package, direct or transitive: high or critical stops the run.
bash deploy/check-packages.sh

# The code's layout: CSharpier (the version dotnet-tools.json pins) at .editorconfig's max_line_length, then
# .editorconfig's style rules (usings in order, file-scoped namespaces…) by dotnet format. A difference stops the run;
# `dotnet csharpier format . && dotnet format style RecordingsPlatform.slnx` fixes it. What CSharpier cannot wrap
# (a long string or comment) is reported by the line check below.
dotnet tool restore >/dev/null
dotnet csharpier check .
dotnet format style RecordingsPlatform.slnx --no-restore --verify-no-changes
long_lines="$(git ls-files -z '*.cs' | LC_ALL=C.UTF-8 xargs -0 grep -nE '^.{151,}' | cut -c1-120 || true)"
if [[ -n "$long_lines" ]]; then echo "Lines longer than 150 characters:"$'\n'"$long_lines" >&2; exit 1; fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# First every test that shares the machine well (the three projects side by side), then the ones that run alone.
dotnet test RecordingsPlatform.slnx -c "$configuration" --no-build -nologo --filter 'Runs!=alone' "$@" 2>&1 \
  | tee "$log" || status=$?
dotnet test System.Tests/System.Tests.csproj -c "$configuration" --no-build -nologo --filter 'Runs=alone' "$@" 2>&1 \
  | tee -a "$log" || status=$?

# One closing line over both test assemblies.
awk '/(Passed|Failed)! +- +Failed:/ {
       gsub(/,/, "");
       for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
       runs++ }
     END { if (runs == 0) { print "tests: no test results found"; exit 1 } printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log" || status=1
exit "$status"
