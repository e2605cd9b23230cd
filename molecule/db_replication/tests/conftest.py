"""Shared helpers for the db_replication verifier.

The cross-DC tests do not take testinfra's per-host ``host`` fixture: they
open every DC's container themselves (docker backend) so that they run once,
not once per host. Every load they apply is bounded in count and in time.
"""

import os
import shutil
import subprocess
import time

import pytest
import testinfra

# DC -> (container, index). Matches molecule.yml (apim_dc_order dc1, dc2, dc3).
DCS = {
    "dc1": ("dbr-dc1-db", 1),
    "dc2": ("dbr-dc2-db", 2),
    "dc3": ("dbr-dc3-db", 3),
}
TABLES = ("AM_SUBSCRIBER", "AM_APPLICATION", "AM_SUBSCRIPTION")
CONVERGE_TIMEOUT = 90


def sql(node, statement, database="WSO2AM_DB"):
    """Run one statement batch with the mariadb client; return rows as lists of strings."""
    cmd = node.run("mariadb --batch --skip-column-names %s -e %s", database, statement)
    assert cmd.rc == 0, "%s: %s" % (statement, cmd.stderr)
    return [line.split("\t") for line in cmd.stdout.splitlines()]


def scalar(node, statement, database="WSO2AM_DB"):
    rows = sql(node, statement, database)
    return rows[0][0] if rows else None


@pytest.fixture(scope="session")
def dcs():
    return {dc: testinfra.get_host("docker://%s" % name) for dc, (name, _index) in DCS.items()}


def snapshot(dcs, where):
    """Per DC: row counts and CHECKSUM TABLE of the three tables, for rows matching ``where``."""
    result = {}
    for dc, node in dcs.items():
        counts = tuple(
            int(scalar(node, "SELECT COUNT(*) FROM %s WHERE %s" % (table, where[table]))) for table in TABLES
        )
        checksums = tuple(row[1] for row in sql(node, "CHECKSUM TABLE %s" % ", ".join(TABLES)))
        result[dc] = (counts, checksums)
    return result


def wait_converged(dcs, where, expected_counts, timeout=CONVERGE_TIMEOUT):
    """Wait until every DC holds ``expected_counts`` rows and identical checksums; return the last snapshot."""
    deadline = time.monotonic() + timeout
    while True:
        snap = snapshot(dcs, where)
        values = set(snap.values())
        if len(values) == 1 and next(iter(values))[0] == tuple(expected_counts):
            return snap
        if time.monotonic() > deadline:
            return snap
        time.sleep(1)


def replication_status(node):
    """Connection name -> dict of the SHOW ALL SLAVES STATUS columns."""
    cmd = node.run("mariadb --batch -e 'SHOW ALL SLAVES STATUS'")
    assert cmd.rc == 0, cmd.stderr
    lines = cmd.stdout.splitlines()
    if not lines:
        return {}
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    return {row["Connection_name"]: row for row in rows}


def run_playbook(*extra_args, timeout=240, playbook="converge.yml"):
    """Run one of the scenario's playbooks against the scenario inventory; return (rc, output)."""
    inventory = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
    playbook = os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], playbook)
    binary = shutil.which("ansible-playbook")
    assert binary, "ansible-playbook not on PATH"
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_PIPELINING="True")
    proc = subprocess.run(
        [binary, "-i", inventory, playbook] + list(extra_args),
        capture_output=True, text=True, timeout=timeout, env=env, check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr
