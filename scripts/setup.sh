#!/usr/bin/env bash
# Idempotent setup of a fresh Debian 12 machine, as root: apt packages, a
# running Docker engine, the pinned .venv and the local base image. Each step
# is skipped when it is already done; a second run changes nothing.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
VENV="$REPO/.venv"
STAMP="$VENV/.multidc-requirements.sha256"
IMAGE="${MULTIDC_LAB_IMAGE:-multidc-apim-base:bookworm}"
STATE="$REPO/.cache"
PYTHON="${PYTHON:-python3}"
DOCKER_WAIT="${MULTIDC_DOCKER_WAIT:-60}"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (apt and the Docker engine need it)"
mkdir -p "$STATE"

install_apt_packages() {
    local wanted missing=()
    mapfile -t wanted < <(grep -v '^\s*#' scripts/apt-packages.txt | grep -v '^\s*$')
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "apt packages: already installed, skipped"
        return
    fi
    say "apt packages: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >"$STATE/apt-update.log" 2>&1 || die "apt-get update failed, see $STATE/apt-update.log"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$STATE/apt-install.log" 2>&1 \
        || die "apt-get install ${missing[*]} failed, see $STATE/apt-install.log"
}

start_docker_engine() {
    if docker info >/dev/null 2>&1; then
        say "docker engine: already answering, skipped"
        return
    fi
    say "docker engine: starting dockerd"
    if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
        systemctl start docker >/dev/null 2>&1 || true
    fi
    if ! docker info >/dev/null 2>&1; then
        nohup dockerd >"$STATE/dockerd.log" 2>&1 &
    fi
    for _ in $(seq "$DOCKER_WAIT"); do
        docker info >/dev/null 2>&1 && { say "docker engine: up"; return; }
        sleep 1
    done
    local why
    why=$(grep -iE 'level=(error|fatal)|failed' "$STATE/dockerd.log" 2>/dev/null | tail -1 | sed -E 's/.*msg="?([^"]*)"?.*/\1/')
    die "the Docker engine did not start within $DOCKER_WAIT s: ${why:-no reason logged, see $STATE/dockerd.log}"
}

requirements_digest() {
    cat requirements.txt requirements-lock.txt | sha256sum | cut -d' ' -f1
}

raise_inotify_limits() {
    # Every systemd container takes several inotify instances; the kernel's
    # default of 128 per user stops the lab's 10+ containers at boot (exit 255).
    local current
    current=$(cat /proc/sys/fs/inotify/max_user_instances)
    if [ "$current" -ge 1024 ]; then
        say "inotify instances: $current, enough, skipped"
        return
    fi
    say "inotify instances: raising $current to 1024"
    sysctl -q -w fs.inotify.max_user_instances=1024 || die "could not raise fs.inotify.max_user_instances (needed by systemd containers)"
}

build_venv() {
    local digest
    digest=$(requirements_digest)
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$digest" ] && "$VENV/bin/python" -c 'import ansible, molecule, lxml' 2>/dev/null; then
        say "venv: up to date with requirements, skipped"
        return
    fi
    # A venv without a matching stamp is half-made or stale: never trust it.
    say "venv: building .venv from requirements.txt (constraints: requirements-lock.txt)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || { rm -rf "$VENV"; die "could not create a virtualenv with $PYTHON"; }
    "$VENV/bin/python" -m pip install -q -r requirements.txt -c requirements-lock.txt >"$STATE/pip.log" 2>&1 \
        || { rm -rf "$VENV"; die "pip install failed, see $STATE/pip.log"; }
    echo "$digest" >"$STAMP"
}

build_base_image() {
    if docker image inspect "$IMAGE" >/dev/null 2>&1; then
        say "base image $IMAGE: present, skipped"
        return
    fi
    say "base image $IMAGE: building with mmdebstrap from the host's apt sources"
    local tarball="$STATE/base-image.tar"
    rm -f "$tarball"
    mmdebstrap --quiet --variant=minbase \
        --include=python3,python3-apt,systemd,systemd-sysv,iproute2,procps,sudo,ca-certificates \
        bookworm "$tarball" >"$STATE/mmdebstrap.log" 2>&1 || die "mmdebstrap failed, see $STATE/mmdebstrap.log"
    docker import -c 'CMD ["/sbin/init"]' "$tarball" "$IMAGE" >/dev/null || die "docker import of $tarball failed"
    rm -f "$tarball"
    # Which make run built which image (scripts/fresh_state.sh reads it).
    echo "${MULTIDC_MAKE_RUN:-} $(docker image inspect -f '{{.Id}}' "$IMAGE")" >"$STATE/base-image.built-by"
}

install_apt_packages
start_docker_engine
raise_inotify_limits
build_venv
build_base_image
say "done"
