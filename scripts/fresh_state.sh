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
# An image that this same make run's setup built from scratch a moment ago is
# what a new machine has: building it a second time would prove nothing more.
built_now=
if [ -n "${MULTIDC_MAKE_RUN:-}" ] && [ -f "$REPO/.cache/base-image.built-by" ]; then
    built_now="$MULTIDC_MAKE_RUN $(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
    [ "$(cat "$REPO/.cache/base-image.built-by")" = "$built_now" ] || built_now=
fi
if [ -n "$built_now" ]; then
    say "the base image $IMAGE was built from scratch by this run's setup: kept"
elif docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "removing the base image $IMAGE"
    docker rmi -f "$IMAGE" >/dev/null
fi
bash "$REPO/scripts/setup.sh"
