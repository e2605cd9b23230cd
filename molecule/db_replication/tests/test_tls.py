"""Replication between the DCs runs over TLS and checks the peer's certificate against the deployment CA."""

import time

from conftest import DCS, replication_status

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
