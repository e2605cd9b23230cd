#!/usr/bin/env python
"""Benchmark: the warm site.yml (nothing to change) on labs of 1, 2 and 3 DCs.

Not part of the test suite; it asserts nothing, it prints numbers and ratios.

For each size N it writes an inventory of N DCs of the lab's shape (per DC
one load balancer, one manager, two workers, one SVN server, one database:
containers apim-dc<i>-*, the lab's own group_vars), removes any lab left
running, brings the N-DC lab up (playbooks/lab/up.yml), runs site.yml once
cold and then twice warm, and prints the second warm run: wall time, task
results per host (ok, skipped and failed; ok counts the changed ones) and how
many changed. Beside it, the floor: a play of FLOOR_TASKS ping tasks on every
host of the same lab, so that the warm run can be read as a number of module
runs per host at this machine's cost of one. The lab is removed at the end unless --keep is given (then the
largest one stays up, under the names of inventories/lab plus dc3).

    python bench/warm_run_bench.py [--sizes 1 2 3] [--keep]

Targets (issue "Scale"): at most 25 task results per host; the 2-DC warm run
under 30 s on a quiet machine; from 2 to 3 DCs under +40 % wall time;
changed=0 at every size. These machines are shared and noisy.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.M)
FUNCTIONS = (("lb", "load_balancers"), ("mgr1", "apim_managers"), ("wkr1", "apim_workers"), ("wkr2", "apim_workers"),
             ("svn", "svn_servers"), ("db", "db_servers"))
CROSSES_DCS = ("lb", "svn", "db")
FLOOR_TASKS = 10
FLOOR_PLAY = """\
- name: The cost of one module run on every host at once
  hosts: datacenters
  gather_facts: false
  tasks:
""" + "".join("    - name: Ping %d\n      ansible.builtin.ping:\n" % n for n in range(FLOOR_TASKS))


def inventory(directory, dcs):
    """An inventory of ``dcs`` DCs of the lab's shape in ``directory``; returns the extra vars it needs."""
    groups = dict((group, {"hosts": {}}) for dummy, group in FUNCTIONS)
    datacenters = {}
    for index in range(1, dcs + 1):
        dc = "dc%d" % index
        hosts = {}
        for suffix, group in FUNCTIONS:
            name = "apim-%s-%s" % (dc, suffix)
            networks = ["apim-%s" % dc] + (["apim-wan"] if suffix in CROSSES_DCS else [])
            hosts[name] = {"lab_networks": networks}
            groups[group]["hosts"][name] = None
        datacenters[dc] = {"hosts": hosts}
    groups["datacenters"] = {"children": datacenters}
    with open(os.path.join(directory, "hosts.yml"), "w") as handle:
        yaml.safe_dump({"all": {"children": groups}}, handle, default_flow_style=False)
    os.symlink(os.path.join(REPO, "inventories", "lab", "group_vars"), os.path.join(directory, "group_vars"))
    return ["-e", json.dumps({"apim_dc_order": ["dc%d" % i for i in range(1, dcs + 1)]})]


def playbook(directory, extra, *args):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=os.path.join(REPO, ".venv", "bin") + os.pathsep + os.environ["PATH"])
    started = time.monotonic()
    process = subprocess.run([os.path.join(REPO, ".venv", "bin", "ansible-playbook"), "-i", directory] + extra
                             + list(args), cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             universal_newlines=True, check=False, timeout=3600)
    seconds = time.monotonic() - started
    if process.returncode:
        sys.stderr.write(process.stdout[-4000:])
        raise SystemExit("ansible-playbook %s failed (rc=%d)" % (" ".join(args), process.returncode))
    results, changed, hosts = 0, 0, 0
    for match in RECAP.finditer(process.stdout.rsplit("PLAY RECAP", 1)[-1]):
        if match.group(1) == "localhost":
            continue
        ok, change, dummy, failed, skipped = (int(value) for value in match.groups()[1:])
        results, changed, hosts = results + ok + failed + skipped, changed + change, hosts + 1
    return seconds, results, changed, hosts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--keep", action="store_true", help="leave the last lab running")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        largest = os.path.join(scratch, "largest")
        os.mkdir(largest)
        largest_extra = inventory(largest, max(args.sizes + [2]))
        floor_play = os.path.join(scratch, "floor.yml")
        with open(floor_play, "w") as handle:
            handle.write(FLOOR_PLAY)
        try:
            for dcs in args.sizes:
                directory = os.path.join(scratch, "dcs%d" % dcs)
                os.mkdir(directory)
                extra = inventory(directory, dcs)
                playbook(largest, largest_extra, "playbooks/lab/down.yml")
                playbook(directory, extra, "playbooks/lab/up.yml")
                cold = playbook(directory, extra, "site.yml")
                playbook(directory, extra, "site.yml")
                warm = playbook(directory, extra, "site.yml")
                floor = playbook(directory, extra, floor_play)[0] / FLOOR_TASKS
                rows.append((dcs, cold, warm, floor))
                print("%d DC(s): cold %.1f s, warm %.1f s, one module run on every host %.2f s"
                      % (dcs, cold[0], warm[0], floor), flush=True)
        finally:
            if not args.keep:
                playbook(largest, largest_extra, "playbooks/lab/down.yml")
    header = ("DCs", "hosts", "warm (s)", "task results", "task results per host", "changed", "floor (s)",
              "warm / floor")
    print("%-4s %6s %10s %14s %22s %8s %10s %13s" % header)
    for dcs, dummy, (seconds, results, changed, hosts), floor in rows:
        values = (dcs, hosts, seconds, results, results / hosts, changed, floor, seconds / floor)
        print("%-4d %6d %10.1f %14d %22.1f %8d %10.2f %13.1f" % values)
    print("floor: one ansible.builtin.ping on every host at once (mean of %d); warm / floor: the warm run in such "
          "fleet-wide module runs" % FLOOR_TASKS)
    walls = dict((dcs, warm[0]) for dcs, dummy, warm, dummy_floor in rows)
    if 2 in walls and 3 in walls:
        print("2 -> 3 DCs: the warm run takes %.2fx as long (target under 1.40x)" % (walls[3] / walls[2]))
    if 1 in walls and 2 in walls:
        print("1 -> 2 DCs: the warm run takes %.2fx as long" % (walls[2] / walls[1]))
    print("targets: at most 25 task results per host; the 2-DC warm run under 30 s; changed=0 at every size")
    return 0


if __name__ == "__main__":
    sys.exit(main())
