"""Benchmark: cross-DC GTID multi-master replication deployed by multidc.apim.db_replication.

For each topology size (2 and 3 DCs by default) it:
  1. creates its own systemd containers (prefix ``dbrb-``) on one network per DC
     plus a shared WAN network, the same way as the lab/molecule recipe;
  2. deploys them with playbooks/preflight.yml and the db_replication role;
  3. runs a concurrent write load from every DC at the same moment, bounded in
     count (writers x transactions) and in time (--max-seconds), through
     bench/db_replication_bench_agent.py inside each container;
  4. prints the replication lag p50/p95/max (probe rows stamped at the source and
     seen at every peer), the time to converge after the load stopped, and the
     errors (client errors, replication thread errors, checksum mismatches);
  5. removes its containers and networks (unless --keep).
Not part of the test suite; it asserts nothing. Target: zero errors, lag p95 < 1 s.

    .venv/bin/python bench/db_replication_bench.py [--dcs 2,3] [--writers 4] [--transactions 300]
        [--rate 200 (tx/s per DC; 0 = full speed)] [--parallel-threads N (default: the role's, 4; 0 = serial)]
        [--max-seconds 60] [--tls on,off] [--keep]

With ``--tls on,off`` each size runs with TLS on the replication links (the default, verified against the
deployment CA) and then without, and the last lines print the TLS lag p95 over the plaintext one: the cost of
encrypting the links, measured side by side in one run. Target: under 1.20.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENT = os.path.join(ROOT, "bench", "db_replication_bench_agent.py")
PREFIX = "dbrb-"
IMAGE = os.environ.get("MULTIDC_LAB_IMAGE", "multidc-apim-base:bookworm")
TABLES = ("AM_SUBSCRIBER", "AM_APPLICATION", "AM_SUBSCRIPTION")


def sh(*argv, check=True, capture=True, timeout=600):
    proc = subprocess.run(list(argv), capture_output=capture, text=True, timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv[:6]), proc.returncode,
                                                   (proc.stderr or "")[-2000:] + (proc.stdout or "")[-3000:]))
    return proc


def container(i):
    return "%sdc%d-db" % (PREFIX, i)


def mariadb(name, statement, database="WSO2AM_DB"):
    out = sh("docker", "exec", name, "mariadb", "--batch", "--skip-column-names", database, "-e", statement).stdout
    return [line.split("\t") for line in out.splitlines()]


def cleanup(count):
    for i in range(1, count + 1):
        sh("docker", "rm", "-f", container(i), check=False)
    for i in range(1, count + 1):
        sh("docker", "network", "rm", "%sdc%d" % (PREFIX, i), check=False)
    sh("docker", "network", "rm", PREFIX + "wan", check=False)


def create(count):
    cleanup(count)
    sh("docker", "network", "create", PREFIX + "wan")
    for i in range(1, count + 1):
        network = "%sdc%d" % (PREFIX, i)
        sh("docker", "network", "create", network)
        sh("docker", "run", "-d", "--name", container(i), "--hostname", container(i), "--network", network,
           "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--security-opt", "seccomp=unconfined",
           "--security-opt", "apparmor=unconfined", "--cgroupns", "host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
           "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp", "-e", "container=docker",
           "--label", "multidc.apim/bench=db_replication", IMAGE, "/sbin/init")
        sh("docker", "network", "connect", PREFIX + "wan", container(i))
    for i in range(1, count + 1):
        for _attempt in range(60):
            state = sh("docker", "exec", container(i), "systemctl", "is-system-running", "--wait", check=False)
            if state.stdout.strip() in ("running", "degraded"):
                break
            time.sleep(1)


def inventory(count, workdir, extra_vars):
    """One DB host per DC; the preflight checks invariant 3 for db_servers only."""
    dcs, db_servers = {}, {}
    for i in range(1, count + 1):
        db = {container(i): {"ansible_connection": "community.docker.docker"}}
        dcs["dc%d" % i] = {"hosts": db}
        db_servers.update(db)
    data = {"all": {
        "vars": {
            "ansible_python_interpreter": "/usr/bin/python3",
            "apim_master_dc": "dc1",
            # The deployment CA of this run, made by the role; gone with workdir.
            "apim_tls_ca_dir": os.path.join(workdir, "tls-ca"),
            "apim_dc_order": ["dc%d" % i for i in range(1, count + 1)],
            "apim_preflight_required_groups": ["db_servers"],
            "db_replication_registry_password": secrets.token_hex(12),
            "db_replication_apim_password": secrets.token_hex(12),
            "db_replication_replication_password": secrets.token_hex(12),
            "db_replication_checksum_password": secrets.token_hex(12),
            "db_replication_dbscripts_dir": os.path.join(ROOT, "tests", "fixtures", "dbscripts"),
            "db_replication_connect_retry": 2,
        },
        "children": {"datacenters": {"children": dcs}, "db_servers": {"hosts": db_servers}},
    }}
    data["all"]["vars"].update(extra_vars)
    path = os.path.join(workdir, "hosts.json")
    with open(path, "w") as handle:
        json.dump(data, handle)
    return path


def deploy(count, workdir, extra_vars):
    playbook = os.path.join(workdir, "site.yml")
    with open(playbook, "w") as handle:
        handle.write("- ansible.builtin.import_playbook: %s\n"
                     "- hosts: db_servers\n  gather_facts: false\n  tasks:\n"
                     "    - ansible.builtin.include_role:\n        name: multidc.apim.db_replication\n"
                     % os.path.join(ROOT, "playbooks", "preflight.yml"))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"),
               ANSIBLE_ROLES_PATH=os.path.join(ROOT, "roles"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORKS="12",
               ANSIBLE_PIPELINING="True")
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    started = time.monotonic()
    proc = subprocess.run([binary, "-i", inventory(count, workdir, extra_vars), playbook], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=900, check=False)
    if proc.returncode != 0:
        raise RuntimeError("deploy failed:\n" + proc.stdout[-4000:] + proc.stderr[-2000:])
    return time.monotonic() - started


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run_load(count, args):
    run = "b" + secrets.token_hex(4)
    first = container(1)
    mariadb(first, "CREATE TABLE IF NOT EXISTS BENCH_PROBE (ID INTEGER AUTO_INCREMENT, RUN_ID VARCHAR(20), "
                   "ORIGIN VARCHAR(20), SEQ INTEGER, KIND VARCHAR(10), SENT_AT DOUBLE, PRIMARY KEY (ID), "
                   "INDEX (RUN_ID, ORIGIN, SEQ)) ENGINE INNODB")
    mariadb(first, "INSERT INTO AM_API (API_PROVIDER, API_NAME, API_VERSION, CONTEXT, CREATED_TIME) "
                   "VALUES ('admin', 'bench-%s', '1.0.0', '/bench-%s', NOW())" % (run, run))
    for i in range(1, count + 1):
        for _attempt in range(100):
            if mariadb(container(i), "SELECT COUNT(*) FROM AM_API WHERE API_NAME = 'bench-%s'" % run) == [["1"]]:
                break
            time.sleep(0.2)
        # Under a tmpfs-free path: docker cp into /tmp (a tmpfs here) lands nowhere.
        sh("docker", "cp", AGENT, "%s:/root/db_replication_bench_agent.py" % container(i))
    start_at = time.time() + 2
    procs = {}
    for i in range(1, count + 1):
        dc = "dc%d" % i
        peers = ",".join("dc%d" % j for j in range(1, count + 1) if j != i)
        procs[dc] = subprocess.Popen(
            ["docker", "exec", container(i), "python3", "/root/db_replication_bench_agent.py", "--run", run,
             "--dc", dc, "--peers", peers, "--api-name", "bench-" + run, "--writers", str(args.writers),
             "--transactions", str(args.transactions), "--rate", str(args.rate), "--max-seconds", str(args.max_seconds),
             "--start-at", repr(start_at)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reports = {}
    for dc, proc in procs.items():
        out, err = proc.communicate(timeout=args.max_seconds + 120)
        if proc.returncode != 0:
            raise RuntimeError("agent %s failed: %s" % (dc, err[-2000:]))
        reports[dc] = json.loads(out)
    return run, reports


def consistency(count, run):
    """Row counts and CHECKSUM TABLE per DC, and replication thread errors."""
    counts, sums, repl_errors = {}, {}, []
    for i in range(1, count + 1):
        name = container(i)
        counts[name] = tuple(mariadb(name, "SELECT COUNT(*) FROM %s WHERE %s LIKE '%s-%%'" % (
            table, "USER_ID" if table == "AM_SUBSCRIBER" else "UUID", run))[0][0] for table in TABLES)
        sums[name] = tuple(row[1] for row in mariadb(name, "CHECKSUM TABLE %s" % ", ".join(TABLES)))
        out = sh("docker", "exec", name, "mariadb", "--batch", "-e", "SHOW ALL SLAVES STATUS").stdout.splitlines()
        header = out[0].split("\t") if out else []
        for line in out[1:]:
            row = dict(zip(header, line.split("\t")))
            if (row["Slave_IO_Running"], row["Slave_SQL_Running"]) != ("Yes", "Yes") or row["Last_SQL_Errno"] != "0" \
                    or row["Last_IO_Errno"] != "0":
                repl_errors.append("%s <- %s: IO %s SQL %s %s %s" % (
                    name, row["Connection_name"], row["Slave_IO_Running"], row["Slave_SQL_Running"],
                    row["Last_IO_Error"], row["Last_SQL_Error"]))
    return counts, sums, repl_errors


def threads_label(args):
    return "the role's default" if args.parallel_threads is None else str(args.parallel_threads)


def bench(count, args, tls=True):
    print("== %d DCs, TLS %s: creating %s containers" % (count, "on" if tls else "off", PREFIX + "*"), flush=True)
    create(count)
    try:
        with tempfile.TemporaryDirectory(prefix="dbrb-") as workdir:
            extra_vars = {"apim_tls": tls}
            if args.parallel_threads is not None:
                extra_vars["db_replication_parallel_threads"] = args.parallel_threads
            deploy_s = deploy(count, workdir, extra_vars)
        print("   deployed in %.1f s; load: %d writers x %d transactions per DC at %s, at most %.0f s; parallel "
              "replication threads %s" % (deploy_s, args.writers, args.transactions,
                                          "%.0f tx/s" % args.rate if args.rate > 0 else "full speed",
                                          args.max_seconds, threads_label(args)), flush=True)
        run, reports = run_load(count, args)
        # Wait (bounded) for the consistency check until counts and checksums agree.
        deadline = time.monotonic() + 60
        while True:
            counts, sums, repl_errors = consistency(count, run)
            if (len(set(counts.values())) == 1 and len(set(sums.values())) == 1) or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        if not args.keep:
            cleanup(count)
    samples = [s for r in reports.values() for s in r["lag_samples"]]
    load_stopped = max(r["load_stopped"] for r in reports.values())
    load_started = min(r["started"] for r in reports.values())
    seen = [t for r in reports.values() for t in r["done_seen"].values()]
    missing = ["%s misses done of %s" % (dc, ", ".join(r["missing_done"])) for dc, r in reports.items()
               if r["missing_done"]]
    client_errors = [e for r in reports.values() for e in r["errors"]]
    transactions = sum(r["transactions"] for r in reports.values())
    mismatch = [] if len(set(counts.values())) == 1 and len(set(sums.values())) == 1 else \
        ["counts %s checksums %s" % (counts, sums)]
    result = {
        "dcs": count,
        "tls": tls,
        "load": (("%.0f tx/s per DC" % args.rate if args.rate > 0 else "full speed")
                 + ", %s parallel apply threads" % threads_label(args)),
        "transactions": transactions,
        "load_s": load_stopped - load_started,
        "tps": transactions / max(load_stopped - load_started, 1e-9),
        "lag_p50_s": percentile(samples, 0.50),
        "lag_p95_s": percentile(samples, 0.95),
        "lag_max_s": max(samples) if samples else float("nan"),
        "lag_samples": len(samples),
        "converge_s": (max(seen) - load_stopped) if seen and not missing else float("nan"),
        "errors": client_errors + repl_errors + mismatch + missing,
        "rows_per_dc": next(iter(counts.values())),
    }
    print("   %(transactions)d transactions in %(load_s).1f s (%(tps).0f tx/s); lag p50 %(lag_p50_s).3f s, "
          "p95 %(lag_p95_s).3f s, max %(lag_max_s).3f s over %(lag_samples)d samples; converged %(converge_s).3f s "
          "after the load stopped; rows per table in every DC %(rows_per_dc)s; errors %(n)d" % dict(result, n=len(result["errors"])),
          flush=True)
    for error in result["errors"][:10]:
        print("   error: %s" % error)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--dcs", default="2,3", help="comma-separated topology sizes (default 2,3)")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writers per DC")
    parser.add_argument("--transactions", type=int, default=300, help="transactions per writer")
    parser.add_argument("--rate", type=float, default=200,
                        help="paced load: transactions per second per DC (0: as fast as the DC can write)")
    parser.add_argument("--max-seconds", type=float, default=60, help="load deadline per DC")
    parser.add_argument("--parallel-threads", type=int, default=None,
                        help="db_replication_parallel_threads (default: the role's default; 0 = serial apply)")
    parser.add_argument("--tls", default="on", help="comma-separated: on, off or both (default on, the role's default)")
    parser.add_argument("--keep", action="store_true", help="keep the containers")
    args = parser.parse_args()
    modes = [mode.strip() == "on" for mode in args.tls.split(",")]
    results = [bench(int(n), args, tls) for n in args.dcs.split(",") for tls in modes]
    print("\n| DCs | TLS | load | transactions | tx/s | lag p50 | lag p95 | lag max | converge after load | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print("| %d | %s | %s | %d | %.0f | %.3f s | %.3f s | %.3f s | %.3f s | %d |" % (
            r["dcs"], "on" if r["tls"] else "off", r["load"], r["transactions"], r["tps"], r["lag_p50_s"],
            r["lag_p95_s"], r["lag_max_s"], r["converge_s"], len(r["errors"])))
    for count in args.dcs.split(","):
        by_tls = dict((r["tls"], r) for r in results if r["dcs"] == int(count))
        if True in by_tls and False in by_tls:
            print("%s DCs: lag p95 with TLS / without: %.2f (%.3f s / %.3f s); tx/s with / without: %.2f" % (
                count, by_tls[True]["lag_p95_s"] / max(by_tls[False]["lag_p95_s"], 1e-9), by_tls[True]["lag_p95_s"],
                by_tls[False]["lag_p95_s"], by_tls[True]["tps"] / max(by_tls[False]["tps"], 1e-9)))


if __name__ == "__main__":
    main()
