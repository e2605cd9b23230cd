"""svnsync between the DCs runs over HTTPS, verified against the deployment CA; plain HTTP is refused.

Traffic goes only to the scenario's own containers; every wait and capture is bounded in time.
"""
import base64
import json
import os
import re
import subprocess
import time
import uuid

from conftest import host_named, run_playbook
from test_depsync_svn import CA, DEPSYNC, MASTER_URL, MIRROR_URL, SYNC, push_log_since, put, wait_for, youngest

testinfra_hosts = ["ansible://ds-dc1-svn"]

TLS_DIR = "/etc/svn-mirror/tls"
PUSH_SERVERS = "/var/lib/svn-mirror/.subversion/servers"
CAPTURE_SECONDS = 60  # tcpdump stops by itself after this, whatever happens
PCAP = "/tmp/multidc-svn-wan.pcap"
# GET of a URL from inside a container: prints the status, then whether the server asked for credentials.
HTTP_GET = ("import ssl, sys, urllib.request, urllib.error\n"
            "context = ssl.create_default_context(cafile=sys.argv[2] if len(sys.argv) > 2 else None)\n"
            "try:\n"
            "    answer = urllib.request.urlopen(sys.argv[1], timeout=10, context=context)\n"
            "except urllib.error.HTTPError as error:\n"
            "    answer = error\n"
            "print(answer.status, 'challenge' if answer.headers.get('WWW-Authenticate') else 'no-challenge')\n")


def plain_forms(secret):
    """What ``secret`` looks like on the wire in clear: itself, and inside base64 at each of the 3 alignments.

    HTTP basic auth sends base64("user:password"); a DAV replay sends file contents as base64 svndiff.
    """
    forms = [secret]
    for pad in range(3):
        encoded = base64.b64encode(b"x" * pad + secret.encode()).decode()
        forms.append(encoded[4:-4])
    return forms


def test_verify_shows_each_svn_server_verified_by_the_master_with_its_days_left():
    rc, output = run_playbook("../../playbooks/verify.yml", "--limit", "svn_servers")
    assert rc == 0, output[-3000:]
    cells = re.findall(r"(?:master|mirror) r\d+/r\d+ lag 0; TLS verified, certificate (\d+) d", output)
    assert len(cells) == 2 and all(int(days) > 300 for days in cells), output[-3000:]


def test_the_push_runs_over_https_and_trusts_only_the_deployment_ca(master, mirror):
    servers = master.file(PUSH_SERVERS).content_string
    assert "ssl-authority-files = %s/ca-1.pem\n" % TLS_DIR in servers
    assert "ssl-trust-default-ca = no" in servers
    since = time.time()
    result = put(master, MASTER_URL, "tls-%s.xml" % uuid.uuid4().hex[:8], "<tls/>")
    assert result.rc == 0, result.stderr
    head = youngest(master)
    assert wait_for(lambda: youngest(mirror) >= head), push_log_since(master, since)
    assert wait_for(lambda: "pushed to %s up to r" % MIRROR_URL in push_log_since(master, since), seconds=10)


def test_plain_http_is_refused_before_any_password_is_asked_for(master, mirror):
    status = master.check_output("python3 -c %s %s", HTTP_GET, MIRROR_URL.replace("https:", "http:") + "/")
    assert status == "403 no-challenge"
    # The control: over HTTPS, verified against the deployment CA, the same URL asks for credentials.
    status = master.check_output("python3 -c %s %s %s", HTTP_GET, MIRROR_URL + "/", CA)
    assert status == "401 challenge"
    info = master.run("svn info --non-interactive --no-auth-cache --username %s --password %s %s",
                      DEPSYNC[0], DEPSYNC[1], MIRROR_URL.replace("https:", "http:"))
    assert info.rc != 0 and "E175013" in info.stderr and "forbidden" in info.stderr, info.stderr


def test_a_mirror_with_a_certificate_of_another_ca_stops_the_push_naming_it(master, mirror):
    mirror.check_output("cp -p %s/cert.pem %s/key.pem /root/", TLS_DIR, TLS_DIR)
    since = time.time()
    try:
        made = mirror.run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                          "-subj /CN=ds-dc2-svn -addext subjectAltName=DNS:ds-dc2-svn "
                          "-keyout %s/key.pem -out %s/cert.pem && systemctl reload apache2", TLS_DIR, TLS_DIR)
        assert made.rc == 0, made.stderr
        run = master.run("timeout 60 systemctl start svn-mirror-push@dc2.service")
        assert run.rc != 0
        log = push_log_since(master, since)
        assert re.search(r"^dc2: mirror %s presents a certificate that the trusted CA \(%s\) does not verify: "
                         r".*E230001.*; the timer retries$" % (re.escape(MIRROR_URL), re.escape(CA)),
                         log, re.MULTILINE), log
        # verify names the link and the reason, and fails.
        rc, output = run_playbook("../../playbooks/verify.yml", "--limit", "svn_servers")
        assert rc != 0, output[-3000:]
        assert ("host ds-dc2-svn: ds-dc1-svn does not verify the certificate that %s presents (" % MIRROR_URL
                in " ".join(output.split())), output[-3000:]
        assert re.search(r"mirror r\d+/r\d+ lag \d+; TLS NOT verified, certificate 0 d", output), output[-3000:]
    finally:
        mirror.run("cp -p /root/cert.pem /root/key.pem %s/ && systemctl reload apache2", TLS_DIR)
        master.run("systemctl reset-failed svn-mirror-push@dc2.service")
    result = put(master, MASTER_URL, "after-ca-%s.xml" % uuid.uuid4().hex[:8], "<back/>")
    assert result.rc == 0, result.stderr
    head = youngest(master)
    assert wait_for(lambda: youngest(mirror) >= head), push_log_since(master, since)


def test_a_capture_on_the_wan_shows_neither_the_sync_password_nor_the_artifact(master, mirror):
    """A capture at the mirror during a commit and its push; the control proves it sees plain HTTP on the WAN."""
    content, marker = "token-%s" % uuid.uuid4().hex, "plaintext-%s" % uuid.uuid4().hex
    mirror.run("rm -f %s", PCAP)
    started = mirror.run("setsid nohup timeout %s tcpdump -i any -U -s 0 -w %s 'tcp port 80 or tcp port 443' "
                         ">/dev/null 2>&1 &", str(CAPTURE_SECONDS), PCAP)
    assert started.rc == 0, started.stderr
    assert wait_for(lambda: mirror.file(PCAP).exists, seconds=10), "tcpdump did not start"
    try:
        time.sleep(1)
        result = put(master, MASTER_URL, "capture-%s.xml" % uuid.uuid4().hex[:8], content)
        assert result.rc == 0, result.stderr
        head = youngest(master)
        assert wait_for(lambda: youngest(mirror) >= head), "the push did not reach the mirror"
        master.check_output("python3 -c %s %s", HTTP_GET, "http://ds-dc2-svn/%s" % marker)
        time.sleep(1)
    finally:
        mirror.run("pkill -INT -x tcpdump")
    time.sleep(1)
    assert mirror.run("grep -c -a -F %s %s", marker, PCAP).stdout.strip() not in ("", "0"), \
        "the capture missed the plaintext control: it does not see the WAN"
    assert int(mirror.check_output("tcpdump -r %s -nn 'tcp dst port 443 and tcp[tcpflags] & tcp-push != 0' "
                                   "2>/dev/null | wc -l", PCAP)) > 0, "the push did not use HTTPS"
    for secret in ("%s:%s" % SYNC, content):
        for form in plain_forms(secret):
            assert mirror.run("grep -c -a -F -e %s %s", form, PCAP).stdout.strip() == "0", \
                "%s crossed the WAN in clear (as %s)" % (secret, form)


def _converge_mirror(*extra):
    return run_playbook("converge.yml", "--limit", "ds-dc2-svn", *extra)


def test_a_dc_that_keeps_plain_http_inside_serves_it_to_its_own_nodes_only(master, mirror):
    """apim_tls_in_dc: false (set here for the run, on the mirror only): plain HTTP for the listed clients."""
    rc, output = _converge_mirror("-e", '{"apim_tls_in_dc": false}')
    assert rc != 0
    assert "so this server also serves plain HTTP, and nothing limits who may use it" in " ".join(output.split())
    node = host_named("ds-dc2-mgr1")
    address = mirror.check_output("getent hosts ds-dc2-mgr1").split()[0]
    plain = MIRROR_URL.replace("https:", "http:") + "/"
    try:
        rc, output = _converge_mirror("-e", json.dumps({"apim_tls_in_dc": False,
                                                        "svn_mirror_plain_http_clients": [address]}))
        assert rc == 0, output[-3000:]
        assert node.check_output("python3 -c %s %s", HTTP_GET, plain) == "401 challenge"
        assert master.check_output("python3 -c %s %s", HTTP_GET, plain) == "403 no-challenge"
    finally:
        rc, output = _converge_mirror()
    assert rc == 0, output[-3000:]
    assert node.check_output("python3 -c %s %s", HTTP_GET, plain) == "403 no-challenge"


def _served_serial(client, peer):
    """The serial of the certificate ``peer`` presents on 443, verified against the CA and the name."""
    return client.run("openssl s_client -connect %s:443 -servername %s -CAfile %s -verify_hostname %s "
                      "-verify_return_error </dev/null 2>/dev/null | openssl x509 -noout -serial",
                      peer, peer, CA, peer).stdout.strip()


def test_a_new_certificate_is_served_and_the_next_commit_reaches_the_mirror(master, mirror):
    issued = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "tls-ca", "issued", "ds-dc2-svn-apache.pem")
    before = _served_serial(master, "ds-dc2-svn")
    assert before.startswith("serial="), before
    os.remove(issued)  # the next run signs the mirror's certificate again: a new serial
    rc, output = _converge_mirror()
    assert rc == 0, output[-3000:]
    after = _served_serial(master, "ds-dc2-svn")
    assert after.startswith("serial=") and after != before, (before, after)
    since = time.time()
    result = put(master, MASTER_URL, "rotated-%s.xml" % uuid.uuid4().hex[:8], "<rotated/>")
    assert result.rc == 0, result.stderr
    head = youngest(master)
    assert wait_for(lambda: youngest(mirror) >= head), push_log_since(master, since)


def _issuer_served(client, peer):
    """The issuer of the certificate ``peer`` presents on 443, as ``client`` receives it."""
    return client.check_output("openssl s_client -connect %s:443 -servername %s </dev/null 2>/dev/null "
                               "| openssl x509 -noout -issuer -nameopt multiline | sed -n 's/^ *commonName *= //p'",
                               peer, peer)


def _verifies_with(client, peer, ca):
    return client.run("openssl s_client -connect %s:443 -servername %s -CAfile %s -verify_hostname %s "
                      "-verify_return_error </dev/null >/dev/null 2>&1", peer, peer, ca, peer).rc == 0


def _ca_common_name(ca_dir):
    return subprocess.check_output(["openssl", "x509", "-noout", "-subject", "-nameopt", "multiline", "-in",
                                    os.path.join(ca_dir, "ca.pem")], text=True).split("commonName", 1)[1] \
        .split("=", 1)[1].strip()


def _commit_reaches_the_mirror(master, mirror, label):
    since = time.time()
    result = put(master, MASTER_URL, "%s-%s.xml" % (label, uuid.uuid4().hex[:8]), "<%s/>" % label)
    assert result.rc == 0, result.stderr
    head = youngest(master)
    assert wait_for(lambda: youngest(mirror) >= head), push_log_since(master, since)


def test_a_new_ca_rolls_over_in_three_runs_and_every_push_verifies(master, mirror):
    """docs/tls.md, "A new CA": the next CA trusted beside the old, then issuing, then alone. Runs last: the
    scenario ends on the new CA."""
    old_dir = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "tls-ca")
    new_dir = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "tls-ca-next")
    servers = ("--limit", "svn_servers", "-e")
    old_name = _ca_common_name(old_dir)
    for host in (master, mirror):
        host.check_output("cp %s/ca.pem /root/old-ca.pem", TLS_DIR)
    assert _issuer_served(master, "ds-dc2-svn") == old_name

    # 1. The next CA is made and trusted everywhere beside the old one, which still issues.
    rc, output = run_playbook("converge.yml", *servers, json.dumps({"apim_tls_ca_rollover_dir": new_dir}))
    assert rc == 0, output[-3000:]
    new_name = _ca_common_name(new_dir)
    assert new_name != old_name
    for host in (master, mirror):
        assert host.check_output("grep -c 'BEGIN CERTIFICATE' %s/ca.pem", TLS_DIR) == "2"
    assert _issuer_served(master, "ds-dc2-svn") == old_name
    assert "ssl-authority-files = {0}/ca-1.pem;{0}/ca-2.pem\n".format(TLS_DIR) in master.file(PUSH_SERVERS).content_string
    _commit_reaches_the_mirror(master, mirror, "rollover-trusted")

    # 2. The next CA issues every certificate; the old one stays trusted.
    rc, output = run_playbook("converge.yml", *servers, json.dumps({"apim_tls_ca_dir": new_dir,
                                                                    "apim_tls_ca_rollover_dir": old_dir}))
    assert rc == 0, output[-3000:]
    assert _issuer_served(master, "ds-dc2-svn") == new_name
    assert _issuer_served(mirror, "ds-dc1-svn") == new_name
    _commit_reaches_the_mirror(master, mirror, "rollover-issued")

    # 3. The old CA is no longer trusted anywhere.
    rc, output = run_playbook("converge.yml", *servers, json.dumps({"apim_tls_ca_dir": new_dir}))
    assert rc == 0, output[-3000:]
    for host in (master, mirror):
        assert host.check_output("grep -c 'BEGIN CERTIFICATE' %s/ca.pem", TLS_DIR) == "1"
        assert host.check_output("openssl x509 -noout -subject -nameopt multiline -in %s/ca.pem", TLS_DIR) \
            .split("commonName", 1)[1].split("=", 1)[1].strip() == new_name
    assert "ssl-authority-files = %s/ca-1.pem\n" % TLS_DIR in master.file(PUSH_SERVERS).content_string
    assert not master.file("%s/ca-2.pem" % TLS_DIR).exists
    assert _verifies_with(master, "ds-dc2-svn", CA)
    assert not _verifies_with(master, "ds-dc2-svn", "/root/old-ca.pem")
    _commit_reaches_the_mirror(master, mirror, "rollover-done")
