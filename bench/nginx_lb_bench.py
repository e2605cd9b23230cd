#!/usr/bin/env python
"""Benchmark: requests per second through the nginx_lb load balancer vs direct.

Not part of the test suite; it asserts nothing, it prints numbers and ratios.

One run, one machine:
1. creates its own containers (lbb-lb, lbb-mgr1, lbb-wkr1, lbb-wkr2,
   lbb-client on network lbb-net) with the lab's container recipe;
2. starts the sample pack stand-in server (a TEST DOUBLE for WSO2 API
   Manager) on the backends and converges the nginx_lb role on lbb-lb, with
   the nginx_lb Molecule scenario's own prepare.yml and converge.yml;
3. installs wrk (Debian package) in lbb-client and measures, with a bounded
   load (fixed duration, connections and threads), GET / direct to
   lbb-wkr1:9763 and through the load balancer (plain HTTP 8280 and HTTPS
   8243), alternating the targets over a few rounds;
4. prints requests/s per target (median of the rounds) and the LB/direct
   ratio (median of the per-round ratios), then removes its containers, network and temporary directory
   (also on failure or Ctrl-C).

Traffic goes only to the containers this script created. Through the LB a
single client sticks to one worker (ip_hash), so both paths end at one
stand-in server and the ratio is the cost of the extra hop.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCENARIO = os.path.join(REPO, "molecule", "nginx_lb")
LAB_PLAYBOOK = os.path.join(REPO, "bench", "nginx_lb_bench_lab.yml")
CLIENT = "lbb-client"
BACKENDS = {"lbb-mgr1": "apim_managers", "lbb-wkr1": "apim_workers", "lbb-wkr2": "apim_workers"}
LB = "lbb-lb"
CONTAINERS = [LB] + sorted(BACKENDS) + [CLIENT]
TARGETS = (
    ("direct  http  lbb-wkr1:9763", "http://lbb-wkr1:9763/"),
    ("via LB  http  lbb-lb:8280", "http://lbb-lb:8280/"),
    ("via LB  https lbb-lb:8243", "https://lbb-lb:8243/"),
)


def inventory():
    docker = {"ansible_connection": "community.docker.docker"}
    dc1 = dict((name, docker) for name in CONTAINERS if name != CLIENT)
    return {"all": {
        "vars": {"ansible_python_interpreter": "/usr/bin/python3", "apim_master_dc": "dc1",
                 # Only these tiers are deployed here (no SVN, no DB).
                 "apim_preflight_required_groups": ["apim_managers", "apim_workers", "load_balancers"]},
        "hosts": {CLIENT: docker},
        "children": {
            "datacenters": {"children": {"dc1": {"hosts": dc1}}},
            "load_balancers": {"hosts": {LB: None}, "vars": {
                "nginx_lb_backend_scheme": "http",
                "nginx_lb_worker_port": 9763,
                "nginx_lb_worker_http_port": 9763,
                "nginx_lb_manager_port": 9763,
                "nginx_lb_tls_selfsigned": True,
            }},
            "apim_managers": {"hosts": dict((h, None) for h, g in BACKENDS.items() if g == "apim_managers")},
            "apim_workers": {"hosts": dict((h, None) for h, g in BACKENDS.items() if g == "apim_workers")},
        },
    }}


def run(argv, env, quiet=True):
    started = time.monotonic()
    result = subprocess.run(argv, env=env, capture_output=quiet, text=True, check=False)
    if result.returncode:
        if quiet:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit("failed (%d): %s" % (result.returncode, " ".join(argv)))
    return time.monotonic() - started


def playbook(path, inventory_file, env, *extra):
    return run(["ansible-playbook", "-i", inventory_file, path] + list(extra), env)


def wrk(url, args):
    argv = ["docker", "exec", CLIENT, "wrk", "--latency", "-t%d" % args.threads, "-c%d" % args.connections,
            "-d%ds" % args.duration, "--timeout", "5s", url]
    out = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=args.duration + 60).stdout
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "errors": errors.group(1).strip() if errors else "none",
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "p50": p50.group(1) if p50 else "?",
        "p99": p99.group(1) if p99 else "?",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--duration", type=int, default=4, help="seconds per measurement (default 4)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--rounds", type=int, default=5, help="measurements per target, alternated (default 5)")
    parser.add_argument("--keep", action="store_true", help="leave the lbb-* containers running")
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))
    args.connections = max(1, min(args.connections, 256))
    args.rounds = max(1, min(args.rounds, 10))

    env = dict(os.environ)
    workdir = tempfile.mkdtemp(prefix="lbb-")
    env.update({
        "ANSIBLE_CONFIG": os.path.join(REPO, "ansible.cfg"),
        # prepare.yml reads these two: the repository, and where to put the
        # controller-side certificate it makes (the bench's own temp dir).
        "MOLECULE_PROJECT_DIRECTORY": REPO,
        "MOLECULE_EPHEMERAL_DIRECTORY": workdir,
        "PATH": os.path.join(REPO, ".venv", "bin") + os.pathsep + env.get("PATH", ""),
        "ANSIBLE_NOCOLOR": "1",
    })
    inventory_file = os.path.join(workdir, "inventory.yml")
    with open(inventory_file, "w") as handle:
        json.dump(inventory(), handle)  # JSON is YAML
    names = json.dumps({"bench_containers": CONTAINERS})
    wall = time.monotonic()
    try:
        print("setup: containers %.0fs" % playbook(LAB_PLAYBOOK, inventory_file, env, "-e", names))
        print("setup: stand-in backends %.0fs" % playbook(os.path.join(SCENARIO, "prepare.yml"), inventory_file, env))
        print("setup: nginx_lb role %.0fs" % playbook(os.path.join(SCENARIO, "converge.yml"), inventory_file, env))
        install_wrk = ["docker", "exec", "-e", "DEBIAN_FRONTEND=noninteractive", CLIENT, "sh", "-c",
                       "apt-get update -qq && apt-get install -y -qq wrk >/dev/null"]
        print("setup: wrk %.0fs" % run(install_wrk, env))
        print("load: wrk -t%d -c%d -d%ds, %d round(s), targets alternated"
              % (args.threads, args.connections, args.duration, args.rounds))
        samples = dict((name, []) for name, dummy in TARGETS)
        for round_no in range(args.rounds):
            for name, url in TARGETS:
                sample = wrk(url, args)
                samples[name].append(sample)
                print("  round %d  %-28s %9.1f req/s  p50 %-8s p99 %-8s non-2xx %d  socket errors %s"
                      % (round_no + 1, name, sample["rps"], sample["p50"], sample["p99"], sample["non2xx"],
                         sample["errors"]))
        # Other jobs on this machine change its speed from one second to the
        # next, so each round measures every target back to back and the
        # ratio is taken inside a round; the medians ignore a disturbed round.
        direct_name = TARGETS[0][0]
        print("\nresult over %d round(s):" % args.rounds)
        for name, dummy in TARGETS:
            median = statistics.median(sample["rps"] for sample in samples[name])
            ratios = [sample["rps"] / base["rps"] for sample, base in zip(samples[name], samples[direct_name])
                      if base["rps"]]
            print("  %-28s median %9.1f req/s   ratio to direct: median of rounds %.2f (range %.2f-%.2f)"
                  % (name, median, statistics.median(ratios) if ratios else float("nan"),
                     min(ratios or [float("nan")]), max(ratios or [float("nan")])))
        print("(backend: the sample pack stand-in server, a Python test double; load on this machine from other "
              "jobs shows up in these numbers)")
    finally:
        if args.keep:
            print("kept: %s (remove with: ansible-playbook -i %s %s -e bench_state=absent -e '%s')"
                  % (", ".join(CONTAINERS), inventory_file, LAB_PLAYBOOK, names))
        else:
            playbook(LAB_PLAYBOOK, inventory_file, env, "-e", "bench_state=absent", "-e", names)
            shutil.rmtree(workdir, ignore_errors=True)
        print("wall time %.0fs" % (time.monotonic() - wall))


if __name__ == "__main__":
    main()
