"""Replication between the DCs runs over TLS and checks the peer's certificate against the deployment CA."""

import os
import time
import uuid

from conftest import DCS, replication_status, run_playbook, scalar, sql

CA = "/etc/mysql/multidc-tls/ca.pem"
REPL_PASSWORD = "molecule-repl-secret"  # molecule.yml's test-only secret
IO_ERROR_WAIT = 60


def _login_as_repl(node, peer, *tls_args):
    return node.run("mariadb -h %s -u repl -p%s " + " ".join(["%s"] * len(tls_args)) + " -e 'SELECT 1'",
                    peer, REPL_PASSWORD, *tls_args)


def test_every_connection_uses_tls_and_verifies_the_peer(dcs):
    for dc, node in dcs.items():
        status = replication_status(node)
        assert sorted(status) == sorted(other for other in DCS if other != dc), status
        for name, row in status.items():
            assert row["Master_SSL_Allowed"] == "Yes", (dc, name)
            assert row["Master_SSL_Verify_Server_Cert"] == "Yes", (dc, name)
            assert row["Master_SSL_CA_File"] == CA, (dc, name)
            assert row["Slave_IO_Running"] == "Yes", (dc, name, row["Last_IO_Error"])


def test_the_replication_account_is_refused_without_tls_and_admitted_with_a_verified_one(dcs):
    node, peer = dcs["dc2"], "dbr-dc1-db.dbr-wan"
    plaintext = _login_as_repl(node, peer, "--skip-ssl")
    assert plaintext.rc != 0
    assert "Access denied for user 'repl'" in plaintext.stderr, plaintext.stderr
    verified = _login_as_repl(node, peer, "--ssl", "--ssl-ca=%s" % CA, "--ssl-verify-server-cert")
    assert verified.rc == 0, verified.stderr


def test_application_accounts_are_refused_without_tls_and_admitted_with_a_verified_one(dcs):
    node, server = dcs["dc2"], "dbr-dc1-db.dbr-wan"
    for user, password in (("wso2am", "molecule-am-secret"), ("wso2reg", "molecule-reg-secret")):
        plaintext = node.run("mariadb -h %s -u %s -p%s --skip-ssl -e 'SELECT 1'", server, user, password)
        assert plaintext.rc != 0 and "Access denied for user '%s'" % user in plaintext.stderr, plaintext.stderr
        verified = node.run("mariadb -h %s -u %s -p%s --ssl --ssl-ca=%s --ssl-verify-server-cert -e 'SELECT 1'",
                            server, user, password, CA)
        assert verified.rc == 0, verified.stderr


def test_a_peer_certificate_from_another_ca_stops_the_connection_with_a_certificate_error(dcs):
    node = dcs["dc3"]
    other_ca = "/etc/mysql/multidc-tls/other-ca.pem"
    made = node.run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                    "-subj /CN=not-the-deployment-CA -keyout /dev/null -out %s", other_ca)
    assert made.rc == 0, made.stderr
    try:
        changed = node.run("mariadb -e \"STOP SLAVE 'dc1'; CHANGE MASTER 'dc1' TO MASTER_SSL_CA='%s'; "
                           "START SLAVE 'dc1'\"", other_ca)
        assert changed.rc == 0, changed.stderr
        deadline = time.monotonic() + IO_ERROR_WAIT
        row = replication_status(node)["dc1"]
        while not row["Last_IO_Error"] and time.monotonic() < deadline:
            time.sleep(1)
            row = replication_status(node)["dc1"]
        assert row["Slave_IO_Running"] != "Yes", row
        assert "certificate" in row["Last_IO_Error"].lower() or "ssl" in row["Last_IO_Error"].lower(), row
    finally:
        node.run("mariadb -e \"STOP SLAVE 'dc1'; CHANGE MASTER 'dc1' TO MASTER_SSL_CA='%s'; START SLAVE 'dc1'\"",
                 CA)
        node.run("rm -f %s", other_ca)
    deadline = time.monotonic() + IO_ERROR_WAIT
    while replication_status(node)["dc1"]["Slave_IO_Running"] != "Yes" and time.monotonic() < deadline:
        time.sleep(1)
    assert replication_status(node)["dc1"]["Slave_IO_Running"] == "Yes"


def _served_serial(node, peer):
    """The serial of the certificate ``peer``'s server presents now, verified against the CA and its name."""
    cmd = node.run("openssl s_client -connect %s:3306 -starttls mysql -CAfile %s -verify_hostname %s "
                   "-verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial", peer, CA, peer)
    return cmd.stdout.strip()


def _wait_io_running(node, connection):
    deadline = time.monotonic() + IO_ERROR_WAIT
    row = replication_status(node)[connection]
    while row["Slave_IO_Running"] != "Yes" and time.monotonic() < deadline:
        time.sleep(1)
        row = replication_status(node)[connection]
    return row


def test_a_new_certificate_is_served_while_replication_keeps_running(dcs):
    issued = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "tls-ca", "issued", "dbr-dc2-db-mariadb.pem")
    before = _served_serial(dcs["dc1"], "dbr-dc2-db")
    assert before.startswith("serial="), before
    os.remove(issued)  # the next run signs dc2's certificate again: a new serial
    rc, output = run_playbook("--limit", "dbr-dc2-db")
    assert rc == 0, output[-3000:]
    after = _served_serial(dcs["dc1"], "dbr-dc2-db")
    assert after.startswith("serial=") and after != before, (before, after)
    for dc in ("dc1", "dc3"):
        # A new handshake with dc2, which now presents the new certificate.
        restarted = dcs[dc].run("mariadb -e \"STOP SLAVE 'dc2'; START SLAVE 'dc2'\"")
        assert restarted.rc == 0, restarted.stderr
        row = _wait_io_running(dcs[dc], "dc2")
        assert row["Slave_IO_Running"] == "Yes", (dc, row["Last_IO_Error"])
        assert row["Master_SSL_Verify_Server_Cert"] == "Yes", dc
    name = "rotation-%s" % uuid.uuid4().hex[:8]
    sql(dcs["dc2"], "INSERT INTO AM_API (API_PROVIDER, API_NAME, API_VERSION, CONTEXT, CREATED_TIME) "
                    "VALUES ('admin', '%s', '1.0.0', '/%s', NOW())" % (name, name))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(
            scalar(node, "SELECT COUNT(*) FROM AM_API WHERE API_NAME = '%s'" % name) == "1" for node in dcs.values()):
        time.sleep(0.5)
    assert [scalar(node, "SELECT COUNT(*) FROM AM_API WHERE API_NAME = '%s'" % name) for node in dcs.values()] == [
        "1", "1", "1"]


CAPTURE_SECONDS = 60  # tcpdump stops by itself after this, whatever happens
PCAP = "/tmp/multidc-wan.pcap"


def test_a_capture_on_the_wan_shows_no_replicated_value_but_does_show_plaintext(dcs):
    """A packet capture at dc2 while dc1 writes a token: the replicated token never appears in clear.

    The control proves the capture sees the WAN: a plaintext login attempt to dc1, with a made-up user name that
    the client sends before the server refuses it, does appear in it.
    """
    node = dcs["dc2"]
    installed = node.run("command -v tcpdump || (apt-get update -qq && "
                         "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpdump >/dev/null)")
    assert installed.rc == 0, installed.stderr
    token, marker = "token-%s" % uuid.uuid4().hex, "plaintext-%s" % uuid.uuid4().hex
    node.run("rm -f %s", PCAP)
    started = node.run("setsid nohup timeout %s tcpdump -i any -U -s 0 -w %s 'tcp port 3306' >/dev/null 2>&1 &",
                       str(CAPTURE_SECONDS), PCAP)
    assert started.rc == 0, started.stderr
    deadline = time.monotonic() + 10
    while not node.file(PCAP).exists and time.monotonic() < deadline:
        time.sleep(0.2)
    assert node.file(PCAP).exists, "tcpdump did not start"
    try:
        sql(dcs["dc1"], "INSERT INTO AM_API (API_PROVIDER, API_NAME, API_VERSION, CONTEXT, CREATED_TIME) "
                        "VALUES ('admin', '%s', '1.0.0', '/%s', NOW())" % (token, token))
        deadline = time.monotonic() + 30
        while scalar(node, "SELECT COUNT(*) FROM AM_API WHERE API_NAME = '%s'" % token) != "1":
            assert time.monotonic() < deadline, "the token did not reach dc2 within 30 s"
            time.sleep(0.5)
        control = node.run("mariadb --skip-ssl -h dbr-dc1-db.dbr-wan -u %s -pnothing -e 'SELECT 1'", marker[:40])
        assert "Access denied for user '%s'" % marker[:40] in control.stderr, control.stderr
        time.sleep(1)
    finally:
        node.run("pkill -INT -x tcpdump")
    time.sleep(1)
    assert node.run("grep -c -a -F %s %s", marker[:40], PCAP).stdout.strip() not in ("", "0"), \
        "the capture missed the plaintext control: it does not see the WAN"
    assert node.run("grep -c -a -F %s %s", token, PCAP).stdout.strip() == "0", \
        "the replicated token crossed the WAN in clear"
