"""The upgrade path from a deployment loaded by a release before 0.2.0, whose seed rows have DC-specific keys.

Runs last (file order): it reloads WSO2AM_DB in every DC the old way. Every row
that refers to a seed row, written in any DC since, must survive the repair and
point at the seed row its writer meant.
"""

import time

from conftest import DCS, run_playbook, scalar, sql

REPAIR = "../../playbooks/repair_seed_rows.yml"
VERIFY = "../../playbooks/verify.yml"
STATE = "/var/lib/multidc-apim/db_replication"
ALERTS = ["AbnormalBackendTime", "UnusualIPAccess"]   # what each DC's users subscribe to
LEVEL_TIMEOUT = 60


def _wait(condition, what, timeout=LEVEL_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise AssertionError("not within %d s: %s" % (timeout, what))


def _positions(dcs):
    return [scalar(node, "SELECT @@GLOBAL.gtid_binlog_pos", "mysql") for node in dcs.values()]


def _reload_the_old_way(dcs):
    """What db_replication did before 0.2.0: each DC loads the script outside the binary log, under its own
    auto_increment offset and increment."""
    _wait(lambda: len(set(_positions(dcs))) == 1, "replication level before the reload")
    script = "%s/dbscripts/WSO2AM_DB-1-mysql.sql" % STATE
    for dc, node in dcs.items():
        # The old release kept no record of loading onto the canonical keys.
        sql(node, "SET SESSION sql_log_bin = 0; DROP DATABASE WSO2AM_DB; DROP DATABASE multidc_apim; "
                  "CREATE DATABASE WSO2AM_DB CHARACTER SET latin1", "mysql")
        load = node.run("mariadb --init-command='SET SESSION sql_log_bin=0' WSO2AM_DB < %s" % script)
        assert load.rc == 0, "%s: %s" % (dc, load.stderr)


def _alert_key(node, name):
    return int(scalar(node, "SELECT ALERT_TYPE_ID FROM AM_ALERT_TYPES WHERE ALERT_TYPE_NAME = '%s'" % name))


def _write_referencing_rows(dcs):
    """Each DC's users subscribe to alerts and give consent, with that DC's keys; the rows replicate."""
    expected = {}
    for dc, node in dcs.items():
        for name in ALERTS:
            user = "u-%s-%s" % (dc, name)
            sql(node, "INSERT INTO AM_ALERT_TYPES_VALUES (ALERT_TYPE_ID, USER_NAME, STAKE_HOLDER) "
                      "VALUES (%d, '%s', 'subscriber')" % (_alert_key(node, name), user))
            expected[user] = name
        # The consent rows have foreign keys to the seed rows: with the old keys a peer would refuse them (error
        # 1452), so they are written the way a bulk import would, without the foreign key checks.
        purpose = scalar(node, "SELECT ID FROM CM_PURPOSE WHERE NAME = 'DEFAULT'")
        category = scalar(node, "SELECT ID FROM CM_PURPOSE_CATEGORY WHERE NAME = 'DEFAULT'")
        sql(node, "SET SESSION foreign_key_checks = 0; START TRANSACTION; "
                  "INSERT INTO CM_SP_PURPOSE_ASSOC (RECEIPT_SP_ASSOC, PURPOSE_ID, CONSENT_TYPE, IS_PRIMARY_PURPOSE) "
                  "VALUES (%d, %s, 'EXPLICIT', 1); "
                  "INSERT INTO CM_SP_PURPOSE_PURPOSE_CAT_ASSC (SP_PURPOSE_ASSOC_ID, PURPOSE_CATEGORY_ID) "
                  "VALUES (LAST_INSERT_ID(), %s); COMMIT" % (DCS[dc][1], purpose, category))
    count = str(len(expected))
    _wait(lambda: all(scalar(n, "SELECT COUNT(*) FROM AM_ALERT_TYPES_VALUES") == count for n in dcs.values())
          and all(scalar(n, "SELECT COUNT(*) FROM CM_SP_PURPOSE_PURPOSE_CAT_ASSC") == str(len(DCS))
                  for n in dcs.values()), "the referencing rows in every DC")
    return expected


def _meanings(node):
    """User -> the alert type name its row points at in this DC (None when it points at nothing)."""
    rows = sql(node, "SELECT v.USER_NAME, COALESCE(t.ALERT_TYPE_NAME, 'NONE') FROM AM_ALERT_TYPES_VALUES v "
                     "LEFT JOIN AM_ALERT_TYPES t ON t.ALERT_TYPE_ID = v.ALERT_TYPE_ID")
    return dict((user, None if name == "NONE" else name) for user, name in rows)


def _recap_changed(output):
    return dict((line.split()[0], line.split("changed=")[1].split()[0]) for line in output.splitlines()
                if "changed=" in line and line.startswith("dbr-"))


def test_divergent_seed_rows_are_detected_and_repaired_keeping_every_row(dcs):
    _reload_the_old_way(dcs)
    for dc, node in dcs.items():
        index = DCS[dc][1]
        assert _alert_key(node, "AbnormalResponseTime") == index, "%s was not loaded the old way" % dc
    expected = _write_referencing_rows(dcs)
    # The defect: the same row means different alert types in different DCs.
    assert any(_meanings(node) != expected for node in dcs.values())

    rc, output = run_playbook()
    assert rc != 0, output[-3000:]
    assert "repair_seed_rows.yml" in output and "AM_ALERT_TYPES" in output, output[-3000:]

    session = dcs["dc2"].run("nohup timeout 60 mariadb -h 127.0.0.1 --ssl -u wso2am -pmolecule-am-secret WSO2AM_DB "
                             "-e 'SELECT SLEEP(50)' >/dev/null 2>&1 &")
    assert session.rc == 0, session.stderr
    _wait(lambda: scalar(dcs["dc2"], "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'wso2am'",
                         "mysql") == "1", "the application session on dc2", timeout=20)
    try:
        rc, output = run_playbook(playbook=REPAIR)
    finally:
        sql(dcs["dc2"], "KILL USER wso2am", "mysql")
    assert rc != 0, output[-3000:]
    assert "1 application session(s) are open" in output, output[-3000:]
    assert any(_meanings(node) != expected for node in dcs.values()), "the refused repair changed rows"

    rc, output = run_playbook(playbook=REPAIR)
    assert rc == 0, output[-3000:]
    for dc, node in dcs.items():
        assert [int(r[0]) for r in sql(node, "SELECT ALERT_TYPE_ID FROM AM_ALERT_TYPES ORDER BY 1")] == list(
            range(1, 8)), dc
        assert _meanings(node) == expected, dc
        assert sql(node, "SELECT DISTINCT PURPOSE_ID FROM CM_SP_PURPOSE_ASSOC") == [["1"]], dc
        assert sql(node, "SELECT DISTINCT PURPOSE_CATEGORY_ID FROM CM_SP_PURPOSE_PURPOSE_CAT_ASSC") == [["1"]], dc
        assert scalar(node, "SELECT COUNT(*) FROM CM_SP_PURPOSE_PURPOSE_CAT_ASSC") == str(len(DCS)), dc

    rc, output = run_playbook(playbook=REPAIR)
    assert rc == 0, output[-3000:]
    assert set(_recap_changed(output).values()) == {"0"}, output[-3000:]
    rc, output = run_playbook()
    assert rc == 0, output[-3000:]
    rc, output = run_playbook(playbook=VERIFY)
    assert rc == 0, output[-3000:]
