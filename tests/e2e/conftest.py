"""What the end-to-end tests share: running the README's commands and the
project's playbooks as a user does, and reading their play recaps."""
import os
import re
import subprocess
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
TIMEOUT = 1500


class Commands:
    """Each call returns (exit code, stdout + stderr); every run is bounded by TIMEOUT seconds."""

    @staticmethod
    def run(*command):
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PY_COLORS="0", NO_COLOR="1")
        started = time.monotonic()
        process = subprocess.run(list(command), cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT,
                                 check=False)
        print("%s: exit %d in %.0f s" % (" ".join(command), process.returncode, time.monotonic() - started))
        return process.returncode, process.stdout + process.stderr

    def make(self, target):
        return self.run("make", "--no-print-directory", target)

    def playbook(self, playbook, *extra):
        return self.run(os.path.join(REPO, ".venv", "bin", "ansible-playbook"), "-i", "inventories/lab", playbook,
                        *extra)

    @staticmethod
    def recap(output):
        """{host: (ok, changed, unreachable, failed)} summed over every play recap in the output."""
        totals = {}
        for host, *counts in RECAP.findall(output):
            previous = totals.get(host, (0, 0, 0, 0))
            totals[host] = tuple(a + int(b) for a, b in zip(previous, counts))
        return totals

    @staticmethod
    def tail(output, lines=60):
        return "\n".join(output.splitlines()[-lines:])


@pytest.fixture(scope="session")
def commands():
    return Commands()


@pytest.fixture(scope="session")
def fresh_lab(commands):
    """Lab containers just created (playbooks/lab/up.yml), nothing deployed; removed at the end of the session.

    The check-mode tests run on it first and prove they wrote nothing; the main job's `make lab` then finds the
    containers of a new lab and nothing in them, as on a new machine (its up.yml step changes no container).
    """
    rc, output = commands.make("lab-down")
    assert rc == 0, commands.tail(output)
    try:
        rc, output = commands.playbook("playbooks/lab/up.yml")
        assert rc == 0, commands.tail(output)
        yield
    finally:
        commands.make("lab-down")
