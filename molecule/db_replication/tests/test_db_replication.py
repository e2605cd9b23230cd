"""Verify the db_replication scenario: three DCs, GTID multi-master, no key collision, nothing lost."""

import json
import shlex
import threading
import time
import uuid

import pytest

from conftest import DCS, TABLES, replication_status, run_playbook, scalar, sql, wait_converged

WRITES_PER_DC = 30      # concurrent transactions per DC in the collision test
OUTAGE_WRITES = 40      # sequential transactions per writing DC in the outage test
WRITE_TIMEOUT = 60      # seconds; every write loop is killed after this


# --- per DC ------------------------------------------------------------------------------------
# Parametrised over the DCs with their own docker connections, so every test
# knows which DC it is looking at (this ``host`` overrides testinfra's).


@pytest.fixture(params=sorted(DCS))
def dc(request):
    return request.param


@pytest.fixture()
def host(dcs, dc):
    return dcs[dc]


def test_server_has_its_dc_ids(host, dc):
    index = DCS[dc][1]
    row = sql(host, "SELECT @@server_id, @@gtid_domain_id, @@auto_increment_increment, "
                    "@@auto_increment_offset, @@log_bin, @@log_slave_updates, @@binlog_format")[0]
    assert row == [str(index * 1000 + 1), str(index), str(len(DCS)), str(index), "1", "1", "ROW"]


def test_connections_are_named_after_the_peer_dcs_and_run(host, dc):
    status = replication_status(host)
    assert sorted(status) == sorted(set(DCS) - {dc})
    for peer, row in status.items():
        assert row["Master_Host"] == (DC1_ADDRESS if peer == "dc1" else DCS[peer][0])
        assert row["Using_Gtid"] == "Slave_Pos"
        assert (row["Slave_IO_Running"], row["Slave_SQL_Running"]) == ("Yes", "Yes"), row
        assert row["Last_SQL_Errno"] == "0", row["Last_SQL_Error"]


def test_every_peer_connection_applies_in_parallel_in_commit_order(host):
    assert sql(host, "SELECT @@slave_parallel_threads")[0] == ["4"]
    for peer, row in replication_status(host).items():
        assert row["Parallel_Mode"] == "optimistic", (peer, row)


def test_replication_user_holds_replication_slave_only(host):
    grants = [r[0] for r in sql(host, "SHOW GRANTS FOR 'repl'@'%'", "mysql")]
    privileges = [g for g in grants if not g.startswith("GRANT USAGE")]
    assert len(privileges) == 1, grants
    assert privileges[0].startswith("GRANT REPLICATION SLAVE ON *.* TO `repl`@`%`"), grants


@pytest.mark.parametrize("user, database", [("wso2reg", "WSO2REG_DB"), ("wso2am", "WSO2AM_DB")])
def test_application_users_have_least_privilege(host, user, database):
    grants = [r[0] for r in sql(host, "SHOW GRANTS FOR '%s'@'%%'" % user, "mysql")]
    on_db = [g for g in grants if "ON `%s`.*" % database in g]
    assert len(on_db) == 1, grants
    assert on_db[0].startswith("GRANT SELECT, INSERT, UPDATE, DELETE ON"), grants
    others = [g for g in grants if g not in on_db and not g.startswith("GRANT USAGE ON *.*")]
    assert not others, grants


def test_checksum_user_may_only_read_the_wso2_databases(host):
    grants = sorted(r[0] for r in sql(host, "SHOW GRANTS FOR 'checksum'@'%'", "mysql"))
    assert [g.split(" TO ")[0] for g in grants if not g.startswith("GRANT USAGE")] == [
        "GRANT SELECT ON `WSO2AM_DB`.*", "GRANT SELECT ON `WSO2REG_DB`.*"], grants


def test_schemas_loaded_exactly_once_and_locally(host):
    log = host.file("/var/lib/multidc-apim/db_replication/schema-loads.log")
    assert log.exists
    lines = log.content_string.splitlines()
    assert sorted(line.split()[0] for line in lines) == ["WSO2AM_DB", "WSO2REG_DB"], lines
    assert int(scalar(host, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'WSO2AM_DB'")) == 13
    assert int(scalar(host, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'WSO2REG_DB'")) == 5
    # The seed row of the script is present once: loaded once, and not replayed from a peer.
    assert scalar(host, "SELECT COUNT(*) FROM IDN_BASE_TABLE") == "1"
    # No DDL ever reached the binary log: no peer replays a CREATE of this server.
    events = host.run("mariadb-binlog --base64-output=never /var/lib/mysql/mysql-bin.0* 2>/dev/null "
                      "| grep -ciE 'CREATE (TABLE|DATABASE|USER|INDEX)'")
    assert events.stdout.strip() == "0", events.stdout


# --- across DCs (run once) ----------------------------------------------------------------------


def _ensure_api(dcs, run):
    """One AM_API row (from dc1) that the subscriptions reference; wait until every DC has it."""
    name = "api-%s" % run
    sql(dcs["dc1"], "INSERT INTO AM_API (API_PROVIDER, API_NAME, API_VERSION, CONTEXT, CREATED_TIME) "
                    "VALUES ('admin', '%s', '1.0.0', '/%s', NOW())" % (name, name))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(scalar(node, "SELECT COUNT(*) FROM AM_API WHERE API_NAME = '%s'" % name) == "1"
               for node in dcs.values()):
            return name
        time.sleep(0.5)
    pytest.fail("AM_API row %s did not replicate to every DC within 30 s" % name)


def _transaction(tag, api):
    """One subscriber, its application and its subscription, as the store does it."""
    return (
        "START TRANSACTION; "
        "INSERT INTO AM_SUBSCRIBER (USER_ID, TENANT_ID, DATE_SUBSCRIBED, CREATED_TIME) "
        "VALUES ('%(t)s', -1234, NOW(), NOW()); "
        "INSERT INTO AM_APPLICATION (NAME, SUBSCRIBER_ID, UUID, CREATED_TIME) "
        "VALUES ('app-%(t)s', LAST_INSERT_ID(), '%(t)s', NOW()); "
        "INSERT INTO AM_SUBSCRIPTION (TIER_ID, API_ID, APPLICATION_ID, SUB_STATUS, UUID, CREATED_TIME) "
        "SELECT 'Gold', API_ID, LAST_INSERT_ID(), 'UNBLOCKED', '%(t)s', NOW() FROM AM_API WHERE API_NAME = '%(a)s'; "
        "COMMIT;" % {"t": tag, "a": api}
    )


def _where(run):
    return {
        "AM_SUBSCRIBER": "USER_ID LIKE '%s-%%'" % run,
        "AM_APPLICATION": "UUID LIKE '%s-%%'" % run,
        "AM_SUBSCRIPTION": "UUID LIKE '%s-%%'" % run,
    }


def _write_script(run, dc, api, count, concurrent, pause=0.0):
    """A bounded shell loop of ``count`` transactions; prints one ERR line per failed client."""
    body = _transaction("%s-%s-$i" % (run, dc), api).replace('"', '\\"')
    client = 'mariadb WSO2AM_DB -e "%s" 2>&1 | sed "s/^/ERR $i: /"' % body
    if concurrent:
        loop = "for i in $(seq 1 %d); do ( %s ) & done; wait" % (count, client)
    else:
        loop = "for i in $(seq 1 %d); do %s; sleep %s; done" % (count, client, pause)
    return "timeout %d bash -c %s" % (WRITE_TIMEOUT, shlex.quote(loop))


def _write_everywhere(dcs, scripts):
    """Start every DC's script at the same moment; return {dc: stdout+stderr}."""
    outputs = {}
    barrier = threading.Barrier(len(scripts))

    def work(dc, script):
        barrier.wait()
        cmd = dcs[dc].run(script)
        outputs[dc] = (cmd.rc, cmd.stdout + cmd.stderr)

    threads = [threading.Thread(target=work, args=item) for item in scripts.items()]
    for thread in threads:
        thread.start()
    return threads, outputs


def test_concurrent_writes_in_every_dc_replicate_without_collision(dcs):
    run = "c" + uuid.uuid4().hex[:8]
    api = _ensure_api(dcs, run)
    threads, outputs = _write_everywhere(
        dcs, {dc: _write_script(run, dc, api, WRITES_PER_DC, concurrent=True) for dc in DCS})
    for thread in threads:
        thread.join(WRITE_TIMEOUT + 30)
    for dc, (rc, output) in outputs.items():
        assert rc == 0 and "ERR" not in output, "%s: rc %s\n%s" % (dc, rc, output)

    expected = [WRITES_PER_DC * len(DCS)] * len(TABLES)
    snap = wait_converged(dcs, _where(run), expected)
    assert len(set(snap.values())) == 1 and snap["dc1"][0] == tuple(expected), snap

    # Every key came from its DC's residue class: no two DCs can ever draw the same id.
    for dc, (_name, index) in DCS.items():
        wrong = scalar(dcs["dc2"], "SELECT COUNT(*) FROM AM_SUBSCRIBER WHERE USER_ID LIKE '%s-%s-%%' "
                                   "AND MOD(SUBSCRIBER_ID, %d) <> %d" % (run, dc, len(DCS), index % len(DCS)))
        assert wrong == "0", "%s drew ids outside its offset" % dc
    for dc, node in dcs.items():
        for peer, row in replication_status(node).items():
            assert (row["Slave_IO_Running"], row["Slave_SQL_Running"], row["Last_SQL_Errno"]) == ("Yes", "Yes", "0"), \
                "%s <- %s: %s" % (dc, peer, row["Last_SQL_Error"])


def test_stopped_dc_catches_up_and_nothing_is_lost(dcs):
    run = "o" + uuid.uuid4().hex[:8]
    api = _ensure_api(dcs, run)
    writers = {dc: _write_script(run, dc, api, OUTAGE_WRITES, concurrent=False, pause=0.1) for dc in ("dc1", "dc3")}
    threads, outputs = _write_everywhere(dcs, writers)
    try:
        time.sleep(1)
        stop = dcs["dc2"].run("systemctl stop mariadb")
        assert stop.rc == 0, stop.stderr
        assert dcs["dc2"].run("mariadb -e 'SELECT 1'").rc != 0, "dc2 still answers"
        time.sleep(3)
    finally:
        start = dcs["dc2"].run("systemctl start mariadb")
    assert start.rc == 0, start.stderr
    # dc2 writes again as soon as it is back.
    back = dcs["dc2"].run(_write_script(run, "dc2", api, 10, concurrent=False))
    for thread in threads:
        thread.join(WRITE_TIMEOUT + 30)
    outputs["dc2"] = (back.rc, back.stdout + back.stderr)
    for dc, (rc, output) in outputs.items():
        assert rc == 0 and "ERR" not in output, "%s: rc %s\n%s" % (dc, rc, output)

    expected = [2 * OUTAGE_WRITES + 10] * len(TABLES)
    snap = wait_converged(dcs, _where(run), expected)
    assert len(set(snap.values())) == 1 and snap["dc1"][0] == tuple(expected), snap
    for dc, node in dcs.items():
        for peer, row in replication_status(node).items():
            assert (row["Slave_IO_Running"], row["Slave_SQL_Running"]) == ("Yes", "Yes"), "%s <- %s: %s" % (dc, peer, row)


# --- bad input (these runs fail before changing anything) ------------------------------------------


def test_two_dcs_with_the_same_index_fail_naming_the_dc():
    rc, output = run_playbook("--limit", "dbr-dc3-db", "-e", "db_replication_auto_increment_offset=1")
    assert rc != 0
    assert "DC dc3 has auto_increment_offset 1, and so does DC dc1" in " ".join(output.split()), output[-3000:]


def _peers_of_dc3(dc1_address):
    return [
        {"name": "dc1", "host": "dbr-dc1-db", "address": dc1_address, "port": 3306, "server_id": 1001,
         "gtid_domain_id": 1, "auto_increment_offset": 1},
        {"name": "dc2", "host": "dbr-dc2-db", "address": "dbr-dc2-db", "port": 3306, "server_id": 2001,
         "gtid_domain_id": 2, "auto_increment_offset": 2},
    ]


def test_unreachable_peer_fails_naming_the_dc():
    extra = {"db_replication_peers": _peers_of_dc3("dbr-nowhere.invalid"), "db_replication_peer_timeout": 3}
    rc, output = run_playbook("--limit", "dbr-dc3-db", "-e", json.dumps(extra))
    flat = " ".join(output.split())
    assert rc != 0
    assert "DC dc3 (dbr-dc3-db) cannot reach the database of DC dc1 at dbr-nowhere.invalid:3306" in flat, output[-3000:]


# dc1's database as the topology addresses it (molecule.yml), and another name of it that its certificate
# also lists: a connection re-pointed there still verifies its peer.
DC1_ADDRESS = "dbr-dc1-db.dbr-wan"
DC1_OTHER_NAME = "dbr-dc1-db"


def test_running_replication_is_not_reset_without_the_flag(dcs):
    extra = {"db_replication_peers": _peers_of_dc3(DC1_OTHER_NAME)}
    rc, output = run_playbook("--limit", "dbr-dc3-db", "-e", json.dumps(extra))
    flat = " ".join(output.split())
    assert rc != 0
    assert "replication connection(s) dc1 exist with other settings" in flat, output[-3000:]
    assert "db_replication_reset=true" in flat
    row = replication_status(dcs["dc3"])["dc1"]
    assert row["Master_Host"] == DC1_ADDRESS
    assert (row["Slave_IO_Running"], row["Slave_SQL_Running"]) == ("Yes", "Yes")


# --- the health check that verify.yml uses ----------------------------------------------------------


def test_health_check_reports_healthy_replication():
    rc, output = run_playbook("--limit", "db_servers", playbook="health.yml")
    flat = " ".join(output.split())
    assert rc == 0, output[-3000:]
    for dc in DCS:
        assert "'dc': '%s'" % dc in flat or "dc: %s" % dc in flat, output[-3000:]
    assert "ok: true" in flat or "'ok': True" in flat, output[-3000:]


def test_health_check_fails_on_a_stopped_connection(dcs):
    stop = dcs["dc3"].run("mariadb -e \"STOP SLAVE 'dc1'\"")
    assert stop.rc == 0, stop.stderr
    try:
        rc, output = run_playbook("--limit", "dbr-dc3-db", "-e", "db_replication_health_retries=1",
                                  playbook="health.yml")
    finally:
        start = dcs["dc3"].run("mariadb -e \"START SLAVE 'dc1'\"")
    assert start.rc == 0, start.stderr
    flat = " ".join(output.split())
    assert rc != 0
    assert "DC dc3 (dbr-dc3-db) replication is broken: connection dc1: IO thread No, SQL thread No" in flat, \
        output[-3000:]


def test_reset_flag_reconnects_from_the_gtid_position(dcs):
    """With db_replication_reset=true a changed connection is reset and resumes where it was: nothing lost."""
    extra = {"db_replication_peers": _peers_of_dc3(DC1_OTHER_NAME), "db_replication_reset": True}
    rc, output = run_playbook("--limit", "dbr-dc3-db", "-e", json.dumps(extra))
    assert rc == 0, output[-3000:]
    row = replication_status(dcs["dc3"])["dc1"]
    assert row["Master_Host"] == DC1_OTHER_NAME
    assert (row["Slave_IO_Running"], row["Slave_SQL_Running"]) == ("Yes", "Yes"), row
    run = "r" + uuid.uuid4().hex[:8]
    api = _ensure_api(dcs, run)  # written in dc1, must arrive in dc3 through the reset connection
    assert scalar(dcs["dc3"], "SELECT COUNT(*) FROM AM_API WHERE API_NAME = '%s'" % api) == "1"
    # Back to the topology's settings, again only with the flag.
    rc, output = run_playbook("--limit", "dbr-dc3-db", "-e", "db_replication_reset=true")
    assert rc == 0, output[-3000:]
    row = replication_status(dcs["dc3"])["dc1"]
    assert row["Master_Host"] == DC1_ADDRESS
    assert (row["Slave_IO_Running"], row["Slave_SQL_Running"]) == ("Yes", "Yes"), row
    counts = set(scalar(node, "SELECT COUNT(*) FROM AM_SUBSCRIBER") for node in dcs.values())
    assert len(counts) == 1, counts
