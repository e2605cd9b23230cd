#!/usr/bin/env python
"""Benchmark: what clients of each DC see while every APIM node of the lab restarts, rolling vs all at once.

Not part of the test suite; it asserts nothing, it prints numbers and ratios.

One run, on the lab (`make lab` first; the lab is left as it was found,
apart from the restarts):

    python bench/rolling_bench.py [STARTUP_SECONDS]

STARTUP_SECONDS sets apim_node_startup_seconds for the whole run (the lab's
own 5 s when omitted; 20, the default, is close to a real Carbon node):
1. site.yml with it (which restarts the nodes when it differs from the
   lab's), then a warm site.yml that changes nothing: the cost of the run
   without a restart;
2. one node's restart and health wait, timed on its own: `systemctl restart`
   and the roll's own health probe (roles/common/vars/main.yml) until the
   node answers the health path, on each APIM node one after another;
3. with a bounded client loop (tests/tools/gateway_client.py) inside each
   DC's load balancer container, GETting the gateway, site.yml with a new
   worker_manager_jvm_heap_max (every node's unit changes): rolling (the
   default), then with apim_rolling_restart=false; then back to the lab's
   heap;
4. prints, per mode and DC, the failed requests and the longest gap between
   two answers; the roll's time (its site.yml minus the warm run) against
   nodes x one node's restart and health wait, and against the all-at-once
   restart; and the targets: 0 failed requests, a gap under 1 s, and a roll
   no slower than nodes x (restart + health wait) + 10 %.

Traffic goes only to the lab's own containers, bounded in requests and time.
"""
import json
import os
import subprocess
import sys
import time
import uuid

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DCS = ("dc1", "dc2")
NODES = ("apim-dc1-mgr1", "apim-dc1-wkr1", "apim-dc1-wkr2", "apim-dc2-mgr1", "apim-dc2-wkr1", "apim-dc2-wkr2")
HEALTH_URL = "http://127.0.0.1:9763/services/Version"  # the lab's nodes have no port offset
with open(os.path.join(REPO, "tests", "tools", "gateway_client.py")) as handle:
    CLIENT = handle.read()
with open(os.path.join(REPO, "roles", "common", "vars", "main.yml")) as handle:
    COMMON_VARS = yaml.safe_load(handle)
HEALTH_PROBE, PENDING_FILE = COMMON_VARS["__common_health_probe"], COMMON_VARS["__common_restart_pending_file"]


STARTUP = sys.argv[1:] and ["-e", json.dumps({"apim_node_startup_seconds": int(sys.argv[1])})] or []


def site_yml(*extra):
    started = time.monotonic()
    process = subprocess.run([os.path.join(REPO, ".venv", "bin", "ansible-playbook"), "-i", "inventories/lab",
                              "site.yml"] + STARTUP + list(extra), cwd=REPO, capture_output=True, text=True, timeout=1800,
                             check=False)
    if process.returncode:
        sys.exit("site.yml failed:\n" + (process.stdout + process.stderr)[-3000:])
    return time.monotonic() - started


def one_node_restart(name):
    """Seconds from `systemctl restart` until the node answers the health path with 200."""
    started = time.monotonic()
    subprocess.run(["docker", "exec", name, "sh", "-c", 'systemctl restart wso2am && python3 -c "$0" "$1" 300 "$2"',
                    HEALTH_PROBE, HEALTH_URL, PENDING_FILE], check=True, capture_output=True, timeout=330)
    return time.monotonic() - started


def measured(*extra):
    stop = "/tmp/rolling-bench-stop-%s" % uuid.uuid4().hex[:8]
    loops = dict((dc, subprocess.Popen(["docker", "exec", "apim-%s-lb" % dc, "python3", "-c", CLIENT, stop, "50000",
                                        "1500"], stdout=subprocess.PIPE, text=True)) for dc in DCS)
    time.sleep(2)
    try:
        wall = site_yml(*extra)
    finally:
        for dc in DCS:
            subprocess.run(["docker", "exec", "apim-%s-lb" % dc, "touch", stop], check=False, timeout=30)
    return wall, dict((dc, json.loads(loop.communicate(timeout=60)[0])) for dc, loop in loops.items())


def main():
    subprocess.run(["docker", "inspect", "apim-dc1-lb"], check=True, capture_output=True)
    site_yml()
    warm_wall = site_yml()
    one = sorted(one_node_restart(name) for name in NODES)
    one_median = one[len(one) // 2]
    rolling_wall, rolling = measured("-e", "worker_manager_jvm_heap_max=1100m")
    at_once_wall, at_once = measured("-e", "worker_manager_jvm_heap_max=1200m", "-e", '{"apim_rolling_restart": false}')
    site_yml()
    if STARTUP:
        STARTUP[:] = []
        site_yml()
    roll, at_once_restart = rolling_wall - warm_wall, at_once_wall - warm_wall
    bound = len(NODES) * one_median * 1.1
    print("apim_node_startup_seconds: %s" % (sys.argv[1] if sys.argv[1:] else "the lab's"))
    print("%-12s %-4s %9s %9s %12s" % ("mode", "dc", "requests", "failed", "longest gap"))
    for mode, results in (("rolling", rolling), ("all at once", at_once)):
        for dc in DCS:
            r = results[dc]
            print("%-12s %-4s %9d %9d %11.2fs" % (mode, dc, r["requests"], r["failures"], r["longest_gap"]))
    print("site.yml wall time: warm (no restart) %.1f s, rolling %.1f s, all at once %.1f s"
          % (warm_wall, rolling_wall, at_once_wall))
    print("one node's restart + health wait: median %.1f s (%s)" % (one_median, ", ".join("%.1f" % s for s in one)))
    print("the roll: %.1f s over the warm run; %d nodes x %.1f s = %.1f s; ratio %.2f (target <= 1.10, bound %.1f s)"
          % (roll, len(NODES), one_median, len(NODES) * one_median, roll / (len(NODES) * one_median), bound))
    print("all at once: %.1f s over the warm run; the roll takes %.1fx as long" % (at_once_restart,
                                                                                   roll / at_once_restart))
    print("targets: 0 failed and a gap under 1 s per DC while rolling")


if __name__ == "__main__":
    main()
