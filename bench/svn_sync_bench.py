#!/usr/bin/env python
"""Benchmark: latency from a commit on the SVN master to the revision on a mirror.

Deploys the svn_mirror role for two DCs into its own containers (prefix
``svb-``: svb-dc1-svn is the master, svb-dc2-svn the read-only mirror; networks
svb-dc1, svb-dc2, svb-wan), then commits N times on the master over HTTP(S)
as the depsync account, one commit a second, and measures, for each commit,
the time from its end to the moment the revision lands in the mirror's
repository (from then on the mirror serves it). The arrival is read from the
mirror's disk every 2 ms, not over HTTP(S), so that the measuring costs the
same with TLS as without; both ends read the same clock (one kernel). The
runs, one after the other on the same containers:

- push: the post-commit hook spools the revision, the path unit starts the
  push at once (the default); once per --tls mode (on: HTTPS verified
  against the deployment CA, the default; off: apim_tls=false, plain HTTP),
  with the ratio of the p95s when both ran;
- timer only: svn_mirror_push_enabled=false and a short timer interval
  (printed), i.e. what a mirror gets when the push is off or has failed.

Prints p50/p95/max of each run and removes its containers and networks.
It asserts nothing (the targets, p95 under 2 s with the push and TLS costing
under 20%, are printed next to the measurement). Not part of the test suite.

    python bench/svn_sync_bench.py [--commits 20] [--tls on,off] [--timer-interval 3s] [--keep]
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = "svb-"
MASTER, MIRROR = PREFIX + "dc1-svn", PREFIX + "dc2-svn"
NETWORKS = [PREFIX + "dc1", PREFIX + "dc2", PREFIX + "wan"]
URL = "%s://%s/svn/apim"
# The deployment CA as svn_mirror installs it on every SVN server.
CA = "/etc/svn-mirror/tls/ca.pem"
DEPSYNC = ("depsync", "svb-depsync")
IMAGE = os.environ.get("MULTIDC_LAB_IMAGE", "multidc-apim-base:bookworm")
TARGET_P95 = 2.0
TARGET_TLS_RATIO = 1.2

# Only the two SVN containers: the preflight checks invariant 3 for
# svn_servers alone (apim_preflight_required_groups).
INVENTORY = """
all:
  vars:
    ansible_python_interpreter: /usr/bin/python3
    apim_preflight_required_groups: [svn_servers]
    apim_master_dc: dc1
    apim_dc_order: [dc1, dc2]
    apim_svn_repository: apim
    apim_db_port: 3306
    apim_hazelcast_domain_prefix: wso2.am
    apim_svn_password: %(depsync_password)s
    apim_svn_sync_password: svb-svnsync
    apim_tls_ca_dir: %(ca_dir)s
  children:
    datacenters:
      children:
        dc1:
          hosts: {svb-dc1-svn: {}}
        dc2:
          hosts: {svb-dc2-svn: {}}
    svn_servers:
      vars:
        ansible_connection: community.docker.docker
      hosts: {svb-dc1-svn: {}, svb-dc2-svn: {}}
"""

PLAYBOOK = """
- name: Bench containers
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    lab_container_image: %(image)s
  tasks:
    - name: Networks
      community.docker.docker_network:
        name: "{{ item }}"
      loop: %(networks)s
    - name: Containers
      ansible.builtin.include_tasks: %(root)s/playbooks/lab/tasks/container.yml
      vars:
        lab_container_name: "{{ item.name }}"
        lab_container_networks: "{{ item.networks }}"
      loop:
        - {name: %(master)s, networks: [svb-dc1, svb-wan]}
        - {name: %(mirror)s, networks: [svb-dc2, svb-wan]}
    - name: Systemd up
      ansible.builtin.include_tasks: %(root)s/playbooks/lab/tasks/wait_for_systemd.yml
      vars:
        lab_container_name: "{{ item }}"
      loop: [%(master)s, %(mirror)s]

- name: Topology
  ansible.builtin.import_playbook: %(root)s/playbooks/preflight.yml

- name: SVN servers
  hosts: svn_servers
  gather_facts: false
  tasks:
    - name: Deploy svn_mirror
      ansible.builtin.include_role:
        name: multidc.apim.svn_mirror
""" % {"image": IMAGE, "networks": json.dumps(NETWORKS), "root": ROOT, "master": MASTER, "mirror": MIRROR}

# Runs inside the master container: N commits, one every PACE seconds, printing when each one ended.
PROBE = r"""
import json, subprocess, sys, time
master_url, user, password, count, pace, authorities = sys.argv[1:7]
auth = ["--non-interactive", "--no-auth-cache", "--username", user, "--password", password,
        "--config-option", "servers:global:ssl-authority-files=" + authorities]
committed = {}
for i in range(int(count)):
    with open("/root/probe.txt", "w") as fh:
        fh.write("probe %d %f" % (i, time.time()))
    out = subprocess.run(["svnmucc"] + auth + ["-m", "bench %d" % i, "put", "/root/probe.txt",
                          master_url + "/bench-probe-%d.txt" % i], capture_output=True, text=True, check=True)
    committed[int(out.stdout.split()[0][1:])] = time.time()
    time.sleep(float(pace))
print(json.dumps(committed))
"""

# Runs inside the mirror container: the time each new revision lands in the repository (its db/current, the
# youngest revision, which Apache serves from then on), read every 2 ms from disk, so the measurement costs the
# same with TLS as without. Stops at the last revision or at the deadline.
WATCH = r"""
import json, sys, time
current, count, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
def youngest():
    with open(current) as fh:
        return int(fh.read().split()[0])
start = youngest()
seen, last, deadline = {}, start, time.monotonic() + seconds
while last < start + count and time.monotonic() < deadline:
    now = youngest()
    if now > last:
        stamp = time.time()
        for rev in range(last + 1, now + 1):
            seen[rev] = stamp
        last = now
    time.sleep(0.002)
with open(out + ".tmp", "w") as fh:
    json.dump(seen, fh)
import os
os.rename(out + ".tmp", out)
"""
PACE = 1.0  # seconds between commits: above the push's p95, so each commit is pushed on its own
REPO_CURRENT = "/var/lib/svn/apim/db/current"
AUTHORITIES = "/etc/svn-mirror/tls/ca-1.pem"


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def ansible(workdir, *extra):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    playbook = os.path.join(ROOT, ".venv", "bin", "ansible-playbook")
    if not os.path.exists(playbook):
        playbook = "ansible-playbook"
    log = os.path.join(workdir, "ansible.log")
    with open(log, "a") as fh:
        result = subprocess.run([playbook, "-i", os.path.join(workdir, "hosts.yml"),
                                 os.path.join(workdir, "site.yml")] + list(extra),
                                cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, check=False)
    if result.returncode:
        sys.exit("ansible-playbook failed, see %s" % log)


def measure(commits, tls):
    """Seconds from the end of each commit on the master to its arrival in the mirror's repository."""
    scheme = "https" if tls else "http"
    run(["docker", "cp", "-", MASTER + ":/root/"], input=_tar("probe.py", PROBE.encode()))
    run(["docker", "cp", "-", MIRROR + ":/root/"], input=_tar("watch.py", WATCH.encode()))
    run(["docker", "exec", MIRROR, "rm", "-f", "/root/arrivals.json"])
    deadline = commits * PACE + 120
    run(["docker", "exec", "-d", MIRROR, "python3", "/root/watch.py", REPO_CURRENT, str(commits), str(deadline),
         "/root/arrivals.json"])
    time.sleep(0.5)
    probe = subprocess.run(["docker", "exec", MASTER, "python3", "/root/probe.py", URL % (scheme, MASTER),
                            DEPSYNC[0], DEPSYNC[1], str(commits), str(PACE), AUTHORITIES],
                           capture_output=True, text=True, check=False)
    if probe.returncode:
        sys.exit("probe failed in %s:\n%s%s" % (MASTER, probe.stdout, probe.stderr))
    committed = json.loads(probe.stdout.strip().splitlines()[-1])
    waited = time.monotonic() + 130
    while True:
        got = subprocess.run(["docker", "exec", MIRROR, "cat", "/root/arrivals.json"], capture_output=True, text=True,
                             check=False)
        if got.returncode == 0 or time.monotonic() > waited:
            break
        time.sleep(1)
    arrived = json.loads(got.stdout) if got.returncode == 0 else {}
    return [arrived[rev] - at if rev in arrived else None for rev, at in sorted(committed.items(), key=lambda x: int(x[0]))]


def _tar(name, data):
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def percentile(ordered, pct):
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(pct / 100.0 * len(ordered)) - 1)]


def summary(label, latencies):
    ok = sorted(x for x in latencies if x is not None)
    lost = len(latencies) - len(ok)
    if not ok:
        return "%-34s no revision arrived (%d lost)" % (label, lost)
    p95 = percentile(ok, 95)
    return "%-34s n=%d  p50 %.3f s  p95 %.3f s  max %.3f s%s" % (
        label, len(ok), statistics.median(ok), p95, ok[-1], ("  (%d never arrived)" % lost) if lost else "")


def cleanup():
    subprocess.run(["docker", "rm", "-f", MASTER, MIRROR], capture_output=True, check=False)
    for net in NETWORKS:
        subprocess.run(["docker", "network", "rm", net], capture_output=True, check=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--commits", type=int, default=20)
    parser.add_argument("--tls", default="on", help="push runs to make, in order: on, off or both (on,off)")
    parser.add_argument("--timer-interval", default="3s", help="fallback timer period of the timer-only run")
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    args = parser.parse_args()
    if args.commits < 20:
        parser.error("at least 20 commits")
    modes = args.tls.split(",")
    if not modes or set(modes) - {"on", "off"} or len(set(modes)) != len(modes):
        parser.error("--tls takes on, off, or both separated by a comma")
    workdir = tempfile.mkdtemp(prefix="svn_sync_bench.")
    with open(os.path.join(workdir, "hosts.yml"), "w") as fh:
        fh.write(INVENTORY % {"depsync_password": DEPSYNC[1], "ca_dir": os.path.join(workdir, "ca")})
    with open(os.path.join(workdir, "site.yml"), "w") as fh:
        fh.write(PLAYBOOK)
    cleanup()
    started = time.monotonic()
    push = {}
    try:
        # A long timer during the push runs, so they measure the push alone.
        for mode in modes:
            ansible(workdir, "-e", json.dumps({"svn_mirror_timer_interval": "10min", "apim_tls": mode == "on"}))
            push[mode] = measure(args.commits, mode == "on")
        deployed = time.monotonic() - started
        ansible(workdir, "-e", json.dumps({"svn_mirror_push_enabled": False, "apim_tls": modes[-1] == "on",
                                           "svn_mirror_timer_interval": args.timer_interval}))
        timer = measure(args.commits, modes[-1] == "on")
    finally:
        if not args.keep:
            cleanup()
    print("svn_sync_bench: commit on the master -> revision served by the mirror, %d commits each, "
          "one at a time (deploys and push runs took %.0f s; log in %s)" % (args.commits, deployed, workdir))
    p95 = {}
    for mode in modes:
        print(summary("push hook, TLS %s" % mode, push[mode]))
        ok = sorted(x for x in push[mode] if x is not None)
        if ok:
            p95[mode] = percentile(ok, 95)
            print("target p95 < %.1f s with the push hook: %s"
                  % (TARGET_P95, "met" if p95[mode] < TARGET_P95 else "NOT met"))
    print(summary("timer only (interval %s), TLS %s" % (args.timer_interval, modes[-1]), timer))
    if len(p95) == 2:
        ratio = p95["on"] / p95["off"]
        print("p95 with TLS / without: %.2f (%.3f s / %.3f s); target < %.2f: %s"
              % (ratio, p95["on"], p95["off"], TARGET_TLS_RATIO, "met" if ratio < TARGET_TLS_RATIO else "NOT met"))


if __name__ == "__main__":
    main()
