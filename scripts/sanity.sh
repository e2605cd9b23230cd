#!/usr/bin/env bash
# ansible-test sanity on exactly what ships: build the collection tarball,
# unpack it under ansible_collections/multidc/apim and test it there. No
# ignore files. ansible-test keeps its per-test virtualenvs under a HOME that
# lives in .cache, so nothing lands in the user's home.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$REPO/.venv/bin:$PATH"
# Outside the clone: inside it, ansible-test would list files through git.
# A directory of its own per run: two runs on one machine (two clones, or a
# run while CI runs) must not remove each other's tree.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/multidc-apim-sanity.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/dist"

ansible-galaxy collection build "$REPO" --output-path "$WORK/dist" --force >/dev/null
COLLECTION="$WORK/ansible_collections/multidc/apim"
mkdir -p "$COLLECTION"
tar -xzf "$WORK"/dist/multidc-apim-*.tar.gz -C "$COLLECTION"

export HOME="$REPO/.cache/ansible-test-home"
PIP_VERSION=$(python - <<'PY'
import inspect
from ansible_test._internal import python_requirements as pr
src = inspect.getsource(pr.get_venv_packages)
print(src.split("pip='", 1)[1].split("'", 1)[0])
PY
)
mkdir -p "$HOME/.ansible/test/cache"
cp "$REPO/scripts/ansible_test_get_pip.py" "$HOME/.ansible/test/cache/get_pip_${PIP_VERSION//./_}.py"

cd "$COLLECTION"
ansible-test sanity --venv --python "$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --color no "$@"
