#!/usr/bin/env python
"""Benchmark: moving the master DC of the lab, a switchover, a failover and a rejoin (docs/master_move.md).

Not part of the test suite; it asserts nothing, it prints numbers next to their targets.

One run, on the lab (`make lab` first; dc1 is its master). It leaves the lab with dc1 the master again:

    python bench/master_move_bench.py

1. a switchover dc1 -> dc2, while a bounded client loop (tests/tools/gateway_client.py) inside each DC's load
   balancer GETs the gateway, and a second one polls the publisher through it;
2. apim-dc2's containers stopped (after one revision that only dc2 takes), a failover to dc1 with --limit '!dc2';
3. the containers started again, the rejoin of dc2 (its stranded revision goes to a dump file).

Prints the wall time of each playbook; for the switchover, how long the SVN repositories refused commits (from
the freeze of the old master to the promotion of the new one, from the json callback's task times), how long no
node had AutoCommit on (the old committer's restart to the new one's), how long no load balancer served the
publisher (the client loops), the gateway requests that failed per DC, and the revisions lost: the old master's
revisions that the new master does not hold identically (svnlook info of each).
Targets: a switchover under 120 s, 0 revisions lost, 0 failed gateway requests.

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
DC2_CONTAINERS = ("apim-dc2-lb", "apim-dc2-svn", "apim-dc2-db", "apim-dc2-mgr1", "apim-dc2-wkr1", "apim-dc2-wkr2")
REPOSITORY = "/var/lib/svn/apim"
SYNAPSE = "/opt/wso2/wso2am/repository/deployment/server/synapse-configs"
with open(os.path.join(REPO, "tests", "tools", "gateway_client.py")) as handle:
    CLIENT = handle.read()
# Inside a load balancer: GET the publisher every 200 ms until the stop file exists (at most 900 s) and print
# the wall-clock times of the first and the last answer of 200.
PUBLISHER_POLLER = r"""
import json, os, ssl, sys, time, urllib.request
context, first, last, started = ssl._create_unverified_context(), None, None, time.monotonic()
while not os.path.exists(sys.argv[1]) and time.monotonic() - started < 900:
    try:
        with urllib.request.urlopen("https://127.0.0.1:9443/publisher/", timeout=2, context=context) as answer:
            if answer.status == 200:
                first, last = first or time.time(), time.time()
    except Exception:
        pass
    time.sleep(0.2)
print(json.dumps({"first_ok": first, "last_ok": last}))
"""


def docker(*args, check=True):
    return subprocess.run(["docker"] + list(args), capture_output=True, text=True, check=check, timeout=300).stdout


def svn_host(dc):
    """The lab's SVN server of a DC (inventories/lab)."""
    return "apim-%s-svn" % dc


def repository(dc):
    youngest = int(docker("exec", svn_host(dc), "svnlook", "youngest", REPOSITORY))
    return youngest, [docker("exec", svn_host(dc), "svnlook", "info", "-r", str(rev), REPOSITORY)
                      for rev in range(max(1, youngest - 20), youngest + 1)]


def playbook(name, master, *extra):
    """(seconds, tasks) of a playbook on the lab with apim_master_dc=master; tasks from the json callback."""
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json", ANSIBLE_NOCOLOR="1")
    started = time.monotonic()
    process = subprocess.run([os.path.join(REPO, ".venv", "bin", "ansible-playbook"), "-i", "inventories/lab", name,
                              "-e", "apim_master_dc=%s" % master, "-e", "apim_depsync_committer=apim-%s-mgr1" % master]
                             + list(extra), cwd=REPO, capture_output=True, text=True, timeout=1800, check=False, env=env)
    seconds = time.monotonic() - started
    if process.returncode:
        sys.exit("%s failed (rc %d):\n%s" % (name, process.returncode, (process.stdout + process.stderr)[-4000:]))
    tasks = []
    for play in json.loads(process.stdout)["plays"]:
        for task in play["tasks"]:
            tasks.append((task["task"]["name"], task["task"]["duration"]))
    return seconds, tasks


def window(tasks, first, last):
    """Seconds from the start of the first task named ``first`` to the end of the last task named ``last``."""
    def stamp(value):
        return time.mktime(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + value[19:].rstrip("Z"))
    starts = [stamp(d["start"]) for name, d in tasks if name == first]
    ends = [stamp(d["end"]) for name, d in tasks if name == last]
    return (max(ends) - min(starts)) if starts and ends else None


def clients(script, *args):
    return dict((dc, subprocess.Popen(["docker", "exec", "apim-%s-lb" % dc, "python3", "-c", script] + list(args),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)) for dc in DCS)


def stop_clients(loops, stop):
    for dc in DCS:
        subprocess.run(["docker", "exec", "apim-%s-lb" % dc, "touch", stop], check=False, timeout=30)
    return dict((dc, json.loads(loop.communicate(timeout=60)[0] or "{}")) for dc, loop in loops.items())


def publisher_gap(results):
    """Seconds between dc1's load balancer's last publisher answer and dc2's first (None if one never answered)."""
    if not results["dc1"].get("last_ok") or not results["dc2"].get("first_ok"):
        return None
    return max(0.0, results["dc2"]["first_ok"] - results["dc1"]["last_ok"])


def main():
    before, before_infos = repository("dc1")
    stop = "/tmp/multidc-bench-stop-%s" % uuid.uuid4().hex[:8]
    gateways = clients(CLIENT, stop, "100000", "900")
    publishers = clients(PUBLISHER_POLLER, stop + "p")
    time.sleep(2)
    switchover, tasks = playbook("playbooks/switchover.yml", "dc2")
    gateway_results = stop_clients(gateways, stop)
    publisher_results = stop_clients(publishers, stop + "p")
    after, dummy = repository("dc2")
    dc2_infos = [docker("exec", svn_host("dc2"), "svnlook", "info", "-r", str(rev), REPOSITORY)
                 for rev in range(max(1, before - 20), before + 1)]
    lost = sum(1 for a, b in zip(before_infos, dc2_infos) if a != b) + max(0, before - after)
    refused = window(tasks, "Make the old master refuse every commit", "Promote the new master's repository")
    no_committer = window(tasks, "Turn AutoCommit off, with a rolled restart", "Start or roll the APIM nodes")
    # Printed at once: a failover or rejoin that fails below must not hide the switchover's figures.
    print("master move on the lab (2 DCs)")
    print("switchover dc1 -> dc2: %.1f s (target < 120 s)" % switchover)
    print("  SVN refused commits for %s s (freeze of dc1 -> promotion of dc2)" % (
        "%.1f" % refused if refused is not None else "n/a"))
    print("  no node with AutoCommit on for at most %s s (old committer's restart -> the tiers' roll)" % (
        "%.1f" % no_committer if no_committer is not None else "n/a"))
    gap = publisher_gap(publisher_results)
    print("  publisher served by no load balancer for %s s (dc1's last answer -> dc2's first)"
          % ("%.1f" % gap if gap is not None else "n/a"))
    print("  revisions lost: %d of r%d  (target 0)" % (lost, before))
    for dc in DCS:
        result = gateway_results[dc]
        print("  gateway of %s: %d requests, %d failed, longest gap %.2f s  (target 0 failed)"
              % (dc, result.get("requests", 0), result.get("failures", -1), result.get("longest_gap", 0.0)))
    sys.stdout.flush()

    # dc2 alone takes one revision, then is lost.
    docker("exec", svn_host("dc2"), "systemctl", "stop", "svn-mirror-push@dc1.socket", "svn-mirror-push@dc1.timer")
    docker("exec", "apim-dc2-mgr1", "sh", "-c", "printf x > %s/bench-stranded-%s.txt" % (SYNAPSE, uuid.uuid4().hex[:8]))
    deadline = time.monotonic() + 120
    while repository("dc2")[0] == after and time.monotonic() < deadline:
        time.sleep(2)
    docker("stop", "-t", "5", *DC2_CONTAINERS)
    failover, dummy = playbook("playbooks/failover.yml", "dc1", "--limit", "!dc2")
    print("failover dc2 -> dc1: %.1f s (dc2's containers stopped)" % failover)
    sys.stdout.flush()
    docker("start", *DC2_CONTAINERS)
    for name in DC2_CONTAINERS:
        docker("exec", name, "systemctl", "is-system-running", "--wait", check=False)
    rejoin, dummy = playbook("playbooks/rejoin.yml", "dc1")
    print("rejoin dc2: %.1f s" % rejoin)


if __name__ == "__main__":
    main()
