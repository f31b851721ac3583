#!/usr/bin/env bash
# Fails when any package of the solution (or of the project given), direct or transitive, has a known vulnerability
# of high or critical severity, as NuGet's advisory data reports it. Lower severities are printed, not fatal.
# Usage: bash deploy/check-packages.sh [SOLUTION_OR_PROJECT]   (default: the repository's solution)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-$root/RecordingsPlatform.slnx}"

if ! report="$(dotnet list "$target" package --vulnerable --include-transitive --format json 2>&1)"; then
  echo "The package vulnerability check could not run:" >&2
  echo "$report" >&2
  exit 1
fi

# NuGet reads advisories from each source's VulnerabilityInfo resource. A source without one (a mirror or proxy)
# gives none, and the listing above would look clean: say so loudly rather than pass in silence.
unchecked=0
for source in $(grep -Eo '"https?://[^"]+"' <<<"$(sed -n '/"sources"/,/]/p' <<<"$report")" | tr -d '"'); do
  if ! curl -fsS --max-time 20 "$source" 2>/dev/null | grep -q '"VulnerabilityInfo'; then
    echo "WARNING: the package source $source serves no vulnerability data; packages could not be checked against advisories." >&2
    unchecked=1
  fi
done

if grep -q '"problems"' <<<"$report"; then
  echo "Warning: the package vulnerability check reported problems (advisory data may be incomplete):" >&2
  grep -A3 '"problems"' <<<"$report" >&2 || true
fi

findings="$(grep -Eo '"id": *"[^"]+"|"resolvedVersion": *"[^"]+"|"severity": *"[A-Za-z]+"|"advisoryurl": *"[^"]+"' <<<"$report" || true)"
if grep -Eq '"severity": *"(High|Critical)"' <<<"$findings"; then
  echo "Packages with high or critical vulnerabilities:" >&2
  echo "$findings" >&2
  exit 1
fi

if grep -q '"severity"' <<<"$findings"; then
  echo "Packages with low or moderate vulnerabilities (not fatal):"
  echo "$findings"
fi
if ((unchecked)); then
  echo "packages: NOT checked against advisories (a package source serves no vulnerability data)"
else
  echo "packages: no known high or critical vulnerability"
fi
