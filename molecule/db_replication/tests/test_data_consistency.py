"""The DCs hold the same data, proven by verify's comparison (playbooks/verify.yml, db_consistency)."""

import re
import threading
import time
import uuid

from conftest import run_playbook, scalar, sql

VERIFY = "../../playbooks/verify.yml"
SEED_NAMES = ["AbnormalResponseTime", "AbnormalBackendTime", "AbnormalRequestsPerMin", "AbnormalRequestPattern",
              "UnusualIPAccess", "FrequentTierLimitHitting", "ApiHealthMonitor"]
WRITER_ROWS = 2000      # most rows one writer inserts during a verify run
WRITER_SECONDS = 120    # and for at most this long


PAIR_LINE = re.compile(r"(dc\d+ (?:=|!=|\?) dc\d+: [^'\"\n]*)")


def _pair_lines(output):
    """The comparison's lines as verify printed them, in DC pair order."""
    printed = output.split("TASK [Print the comparison of the DCs' data")[-1].split("TASK [")[0]
    return PAIR_LINE.findall(printed)


def test_seed_rows_have_the_same_keys_in_every_dc(dcs):
    for dc, node in dcs.items():
        rows = sql(node, "SELECT ALERT_TYPE_ID, ALERT_TYPE_NAME FROM AM_ALERT_TYPES ORDER BY ALERT_TYPE_ID")
        assert rows == [[str(i), name] for i, name in enumerate(SEED_NAMES, start=1)], dc
        assert sql(node, "SELECT ID, NAME FROM CM_PURPOSE") == [["1", "DEFAULT"]], dc
        assert sql(node, "SELECT ID, NAME FROM CM_PURPOSE_CATEGORY") == [["1", "DEFAULT"]], dc
        # Each DC recorded that it loaded them onto the canonical keys, locally.
        assert sql(node, "SELECT tbl FROM seed_keys WHERE db = 'WSO2AM_DB' ORDER BY tbl", "multidc_apim") == [
            ["AM_ALERT_TYPES"], ["CM_PURPOSE"], ["CM_PURPOSE_CATEGORY"]], dc


def test_verify_proves_every_dc_pair_equal(dcs):
    rc, output = run_playbook(playbook=VERIFY)
    assert rc == 0, output[-3000:]
    lines = _pair_lines(output)
    assert [line.split(":")[0] for line in lines] == ["dc1 = dc2", "dc1 = dc3", "dc2 = dc3"], output[-3000:]
    assert all(line.endswith("(2 databases, 18 tables)") for line in lines), lines


def test_a_row_changed_outside_replication_fails_verify_naming_pair_table_and_range(dcs):
    node = dcs["dc3"]
    sql(node, "SET SESSION sql_log_bin = 0; UPDATE AM_ALERT_TYPES SET STAKE_HOLDER = 'tampered' "
              "WHERE ALERT_TYPE_ID = 3")
    try:
        rc, output = run_playbook(playbook=VERIFY)
    finally:
        sql(node, "SET SESSION sql_log_bin = 0; UPDATE AM_ALERT_TYPES SET STAKE_HOLDER = 'subscriber' "
                  "WHERE ALERT_TYPE_ID = 3")
    assert rc != 0, output[-3000:]
    lines = _pair_lines(output)
    assert lines[0].startswith("dc1 = dc2: equal"), lines
    assert lines[1] == "dc1 != dc3: WSO2AM_DB.AM_ALERT_TYPES ALERT_TYPE_ID 1..7", lines
    assert lines[2] == "dc2 != dc3: WSO2AM_DB.AM_ALERT_TYPES ALERT_TYPE_ID 1..7", lines
    assert "the data of dc1 and dc3 differ" in output


def test_rows_written_in_every_dc_during_the_check_are_not_differences(dcs):
    """Subscribers are written in all three DCs for as long as verify runs; what is still in flight between the DCs
    while a chunk is compared must not be reported."""
    run = "v" + uuid.uuid4().hex[:8]
    stop = threading.Event()
    written = dict((dc, 0) for dc in dcs)
    errors = []

    def writer(dc, node):
        deadline = time.monotonic() + WRITER_SECONDS
        for i in range(WRITER_ROWS):
            if stop.is_set() or time.monotonic() > deadline:
                return
            cmd = node.run("mariadb WSO2AM_DB -e %s", "INSERT INTO AM_SUBSCRIBER (USER_ID, TENANT_ID, DATE_SUBSCRIBED, "
                           "CREATED_TIME) VALUES ('%s-%s-%d', -1234, NOW(), NOW())" % (run, dc, i))
            if cmd.rc != 0:
                errors.append("%s: %s" % (dc, cmd.stderr))
                return
            written[dc] += 1
            time.sleep(0.05)

    threads = [threading.Thread(target=writer, args=item) for item in dcs.items()]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        rc, output = run_playbook(playbook=VERIFY)
    finally:
        stop.set()
        for thread in threads:
            thread.join(WRITER_SECONDS + 30)
    assert not errors, errors
    assert all(count > 0 for count in written.values()), written
    assert rc == 0, output[-3000:]
    assert [line.split(":")[0] for line in _pair_lines(output)] == ["dc1 = dc2", "dc1 = dc3", "dc2 = dc3"]
    total = sum(written.values())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        counts = [scalar(node, "SELECT COUNT(*) FROM AM_SUBSCRIBER WHERE USER_ID LIKE '%s-%%'" % run)
                  for node in dcs.values()]
        if counts == [str(total)] * len(dcs):
            break
        time.sleep(1)
    assert counts == [str(total)] * len(dcs), (counts, total)
