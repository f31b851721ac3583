#!/usr/bin/env bash
# For hosts that cannot reach a container registry (and for the container test): stand-ins for the images the
# Dockerfile and the compose files pull, built from Debian 12's packages with debootstrap and this machine's .NET runtime.
#
#   sudo bash deploy/debian-base-images.sh      # prints RUNTIME_IMAGE=…, POSTGRES_IMAGE=…, REDIS_IMAGE=…
#
#   recordings-platform/dotnet-aspnet:<inputs>  as mcr.microsoft.com/dotnet/aspnet: Debian minbase, the ASP.NET Core
#                                               runtime of the .NET SDK on this machine, user app (APP_UID 1654)
#   recordings-platform/debian-data:<inputs>    as postgres:16-bookworm and redis:7-bookworm for this compose file:
#                                               Debian's PostgreSQL 15 (POSTGRES_USER, _PASSWORD, _DB; data in
#                                               /var/lib/postgresql/data) and Redis 7 (redis-server …, data in /data)
# Each tag is a hash of its inputs (this script, the runtime's version); an image already there is not built again.
# Then: RUNTIME_IMAGE=… bash deploy/build-images.sh --prebuilt, and POSTGRES_IMAGE/REDIS_IMAGE for docker compose.
# Needs root, debootstrap and Debian's mirror (DEBIAN_MIRROR, default http://deb.debian.org/debian).
set -euo pipefail
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

((EUID == 0)) || { echo "debootstrap needs root." >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "debootstrap is needed (apt-get install debootstrap)." >&2; exit 1; }
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
aspnet="$(ls -d "$dotnet_root"/shared/Microsoft.AspNetCore.App/10.* | sort -V | tail -n 1)"
runtime="$dotnet_root/shared/Microsoft.NETCore.App/$(basename "$aspnet")"
[[ -d "$runtime" ]] || { echo "No .NET runtime $(basename "$aspnet") beside ASP.NET Core in $dotnet_root." >&2; exit 1; }

inputs="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)-$(basename "$aspnet")"
runtime_image="recordings-platform/dotnet-aspnet:$inputs"
data_image="recordings-platform/debian-data:$inputs"

work="$(mktemp -d /tmp/debian-base-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# Debian 12 minbase with PACKAGES, into DIR, without the package caches.
bootstrap() { # dir, comma-separated packages
  debootstrap --variant=minbase --include="$2" bookworm "$1" "$mirror" > "$1.log" 2>&1 \
    || { tail -n 20 "$1.log" >&2; return 1; }
  rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*
}

build_runtime() {
  local fs="$work/runtime"
  # What Microsoft's aspnet image carries (InvariantGlobalization: no ICU needed).
  bootstrap "$fs" ca-certificates,libc6,libgcc-s1,libssl3,libstdc++6,tzdata,zlib1g
  mkdir -p "$fs/usr/share/dotnet/shared/Microsoft.NETCore.App" "$fs/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/LICENSE.txt" "$fs/usr/share/dotnet/"
  cp -a "$runtime" "$fs/usr/share/dotnet/shared/Microsoft.NETCore.App/"
  cp -a "$aspnet" "$fs/usr/share/dotnet/shared/Microsoft.AspNetCore.App/"
  ln -s /usr/share/dotnet/dotnet "$fs/usr/bin/dotnet"
  chroot "$fs" groupadd --gid 1654 app
  chroot "$fs" useradd --no-log-init --uid 1654 --gid 1654 --create-home --shell /usr/sbin/nologin app
  tar -C "$fs" -c . | docker import \
    --change 'ENV APP_UID=1654' --change 'ENV ASPNETCORE_HTTP_PORTS=8080' --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'WORKDIR /' \
    - "$runtime_image" >/dev/null
}

build_data() {
  local fs="$work/data"
  bootstrap "$fs" postgresql-15,redis-server,redis-tools
  cat > "$fs/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# The interface of the official postgres and redis images that the compose file uses.
set -eu
case "${1:-}" in
  postgres)
    shift
    export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
      password="$(mktemp)"
      printf '%s\n' "$POSTGRES_PASSWORD" > "$password"
      chown postgres "$password"
      user="${POSTGRES_USER:-postgres}"
      database="${POSTGRES_DB:-$user}"
      runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D "$PGDATA" -U "$user" --pwfile="$password" \
        -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
      rm -f "$password"
      echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
      if [ "$database" != postgres ]; then
        echo "CREATE DATABASE \"$database\" OWNER \"$user\";" \
          | runuser -u postgres -- /usr/lib/postgresql/15/bin/postgres --single -D "$PGDATA" postgres >/dev/null
      fi
    fi
    exec runuser -u postgres -- /usr/lib/postgresql/15/bin/postgres -D "$PGDATA" -c listen_addresses='*' "$@"
    ;;
  redis-server)
    mkdir -p /data && chown redis:redis /data
    cd /data
    exec runuser -u redis -- "$@"
    ;;
  *) exec "$@" ;;
esac
ENTRYPOINT
  chmod 755 "$fs/usr/local/bin/docker-entrypoint.sh"
  tar -C "$fs" -c . | docker import \
    --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' --change 'CMD ["postgres"]' \
    - "$data_image" >/dev/null
}

pids=()
docker image inspect "$runtime_image" >/dev/null 2>&1 || { build_runtime & pids+=($!); }
docker image inspect "$data_image" >/dev/null 2>&1 || { build_data & pids+=($!); }
for pid in "${pids[@]}"; do wait "$pid"; done

echo "RUNTIME_IMAGE=$runtime_image"
echo "POSTGRES_IMAGE=$data_image"
echo "REDIS_IMAGE=$data_image"
