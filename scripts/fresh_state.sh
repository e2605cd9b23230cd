#!/usr/bin/env bash
# Bring this machine back to what a new user's machine has, as far as the
# project's own state goes: no lab or Molecule containers or networks left
# over, and no base image (setup.sh then builds it from scratch). The test
# command runs this when CI=true, so every CI run proves the fresh path.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
IMAGE="${MULTIDC_LAB_IMAGE:-multidc-apim-base:bookworm}"

say() { printf 'fresh: %s\n' "$*"; }

mapfile -t containers < <(docker ps -aq --filter label=multidc.apim/lab)
if [ ${#containers[@]} -gt 0 ]; then
    say "removing ${#containers[@]} lab or scenario container(s) left over"
    docker rm -f "${containers[@]}" >/dev/null
fi
mapfile -t networks < <({ docker network ls -q --filter label=multidc.apim/lab
                          docker network ls -q --filter label=multidc.apim/molecule; } | sort -u)
if [ ${#networks[@]} -gt 0 ]; then
    say "removing ${#networks[@]} lab or scenario network(s) left over"
    docker network rm "${networks[@]}" >/dev/null
fi
rm -rf "$REPO/.cache/sample-pack"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "removing the base image $IMAGE"
    docker rmi -f "$IMAGE" >/dev/null
fi
bash "$REPO/scripts/setup.sh"
