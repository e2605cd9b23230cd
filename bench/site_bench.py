"""Benchmark: cold and warm (idempotent) site.yml on the local lab.

Removes any lab left running (playbooks/lab/down.yml), so that the first run
is really cold, brings a fresh lab up (playbooks/lab/up.yml, containers from
inventories/lab), runs site.yml twice and prints, for each run, the wall time, the number of
task results (ok + changed + skipped + failed over every host) and how many
changed. The warm run is the one the 60 s target is about; it must show
changed=0. Tears the lab down at the end unless --keep is given.

    python bench/site_bench.py [--keep]

It prints; it asserts nothing. These machines are shared and noisy.
"""
import argparse
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)


def playbook(*args):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=os.path.join(REPO, ".venv", "bin") + os.pathsep + os.environ["PATH"])
    started = time.monotonic()
    proc = subprocess.run([os.path.join(REPO, ".venv", "bin", "ansible-playbook"), "-i", "inventories/lab"] + list(args),
                          cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:])
        raise SystemExit("ansible-playbook %s failed (rc=%d)" % (" ".join(args), proc.returncode))
    totals = {"ok": 0, "changed": 0, "unreachable": 0, "failed": 0, "skipped": 0}
    recap = proc.stdout.rsplit("PLAY RECAP", 1)[-1]
    for match in RECAP.finditer(recap):
        for key, value in zip(("ok", "changed", "unreachable", "failed", "skipped"), match.groups()[1:]):
            totals[key] += int(value)
    return seconds, totals


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the lab running afterwards")
    args = parser.parse_args(argv)
    try:
        playbook("playbooks/lab/down.yml")
        up_seconds, dummy = playbook("playbooks/lab/up.yml")
        print("lab up: %.1f s" % up_seconds)
        rows = []
        for label in ("cold", "warm"):
            seconds, totals = playbook("site.yml")
            tasks = totals["ok"] + totals["skipped"] + totals["failed"]
            rows.append((label, seconds, tasks, totals["changed"]))
        print("%-5s %10s %12s %8s" % ("run", "wall (s)", "task results", "changed"))
        for label, seconds, tasks, changed in rows:
            print("%-5s %10.1f %12d %8d" % (label, seconds, tasks, changed))
        print("warm/cold wall-time ratio: %.2f; warm run target: under 60 s (%s)"
              % (rows[1][1] / rows[0][1], "met" if rows[1][1] < 60 else "not met"))
    finally:
        if not args.keep:
            playbook("playbooks/lab/down.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
