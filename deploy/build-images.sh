#!/usr/bin/env bash
# Builds the platform's four images with deploy/Dockerfile, each tagged with the version (IMAGE_VERSION, else git
# describe) and latest:
#   recordings-platform/gateway, …/auth, …/recordings, …/demo (the Twilio stand-in of the demo profile)
#
#   bash deploy/build-images.sh [--prebuilt [--no-publish]]
#
# By default each image compiles inside Microsoft's SDK image. --prebuilt publishes on this host instead (dotnet
# publish -c Release into artifacts/publish/, or what is already there with --no-publish) and copies the output in,
# for hosts whose containers cannot restore packages; it needs BuildKit (Docker 23+ with buildx, or DOCKER_BUILDKIT=1
# with Docker 20.10). Other base images: SDK_IMAGE and RUNTIME_IMAGE in the environment (e.g. the stand-ins that
# deploy/debian-base-images.sh builds from Debian's packages).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

prebuilt=0 publish=1
for argument in "$@"; do
  case "$argument" in
    --prebuilt) prebuilt=1 ;;
    --no-publish) publish=0 ;;
    *) echo "Unknown option: $argument (see the header of $0)." >&2; exit 64 ;;
  esac
done

# IMAGE_VERSION, else git describe. A tag may hold letters, digits, '.', '_' and '-' only.
version="${IMAGE_VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
version="$(printf '%s' "$version" | tr -c 'A-Za-z0-9_.-' '-' | cut -c1-120)"

declare -A projects=([gateway]=Gateway [auth]=AuthService [recordings]=RecordingsService [demo]=Demo)
arguments=()
[[ -n "${SDK_IMAGE:-}" ]] && arguments+=(--build-arg "SDK_IMAGE=$SDK_IMAGE")
[[ -n "${RUNTIME_IMAGE:-}" ]] && arguments+=(--build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE")
if ((prebuilt)); then
  export DOCKER_BUILDKIT=1
  arguments+=(--build-arg APP_SOURCE=prebuilt)
  if ((publish)); then
    for project in "${projects[@]}"; do
      echo "Publishing $project…"
      dotnet publish "$project/$project.csproj" -c Release -o "artifacts/publish/$project" -p:UseAppHost=false -nologo -v quiet -clp:ErrorsOnly
    done
  fi
fi

for image in gateway auth recordings demo; do
  echo "Building recordings-platform/$image:$version…"
  docker build -f deploy/Dockerfile --target "$image" --build-arg "PROJECT=${projects[$image]}" "${arguments[@]}" \
    -t "recordings-platform/$image:$version" -t "recordings-platform/$image:latest" .
done
echo "Images: recordings-platform/{gateway,auth,recordings,demo}:$version (and :latest)."
