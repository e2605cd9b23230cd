#!/usr/bin/env python
"""Benchmark: what clients of each DC see while every APIM node of the lab restarts, rolling vs all at once.

Not part of the test suite; it asserts nothing, it prints numbers and ratios.

One run, on the lab (`make lab` first; the lab is left as it was found,
apart from the heap size it sets back at the end):
1. starts a bounded client loop (tests/tools/gateway_client.py) inside each
   DC's load balancer container, GETting the gateway;
2. runs site.yml with a new worker_manager_jvm_heap_max, which changes the
   unit of every APIM node: rolling (the default), then with
   apim_rolling_restart=false, then rolling again back to the lab's heap;
3. prints, per mode and DC, the failed requests and the longest gap between
   two answers, the wall time of each site.yml run and the roll's ratio to
   the all-at-once run, next to the targets: 0 failed requests, a gap under
   1 s, and a roll no slower than nodes x (startup + health wait) + 10 %.

Traffic goes only to the lab's own containers, bounded in requests and time.
"""
import json
import os
import subprocess
import sys
import time
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DCS = ("dc1", "dc2")
NODES = 6            # APIM nodes of the lab (2 DCs x 1 manager + 2 workers)
STARTUP_SECONDS = 5  # apim_node_startup_seconds of inventories/lab
HEALTH_WAIT = 2      # one health poll interval after the port opens
with open(os.path.join(REPO, "tests", "tools", "gateway_client.py")) as handle:
    CLIENT = handle.read()


def site_yml(*extra):
    started = time.monotonic()
    process = subprocess.run([os.path.join(REPO, ".venv", "bin", "ansible-playbook"), "-i", "inventories/lab",
                              "site.yml"] + list(extra), cwd=REPO, capture_output=True, text=True, timeout=1800,
                             check=False)
    if process.returncode:
        sys.exit("site.yml failed:\n" + (process.stdout + process.stderr)[-3000:])
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
    rolling_wall, rolling = measured("-e", "worker_manager_jvm_heap_max=1100m")
    at_once_wall, at_once = measured("-e", "worker_manager_jvm_heap_max=1200m", "-e", '{"apim_rolling_restart": false}')
    site_yml()
    bound = NODES * (STARTUP_SECONDS + HEALTH_WAIT) * 1.1
    print("%-12s %-4s %9s %9s %12s" % ("mode", "dc", "requests", "failed", "longest gap"))
    for mode, results in (("rolling", rolling), ("all at once", at_once)):
        for dc in DCS:
            r = results[dc]
            print("%-12s %-4s %9d %9d %11.2fs" % (mode, dc, r["requests"], r["failures"], r["longest_gap"]))
    print("site.yml wall time: rolling %.1f s, all at once %.1f s, ratio %.2f" % (
        rolling_wall, at_once_wall, rolling_wall / at_once_wall))
    print("targets: 0 failed and a gap under 1 s while rolling; the roll's restarts within %d nodes x (%d s startup + "
          "%d s health) + 10%% = %.0f s over the all-at-once run's" % (NODES, STARTUP_SECONDS, HEALTH_WAIT, bound))


if __name__ == "__main__":
    main()
