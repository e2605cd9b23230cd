"""svnsync between the DCs runs over HTTPS, verified against the deployment CA; plain HTTP is refused.

Traffic goes only to the scenario's own containers; every wait and capture is bounded in time.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import time
import uuid

from conftest import host_named
from test_depsync_svn import CA, DEPSYNC, MASTER_URL, MIRROR_URL, SYNC, push_log_since, put, wait_for, youngest

testinfra_hosts = ["ansible://ds-dc1-svn"]

TLS_DIR = "/etc/svn-mirror/tls"
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


def test_the_push_runs_over_https_and_trusts_only_the_deployment_ca(master, mirror):
    servers = master.file("/var/lib/svn-mirror/.subversion/servers").content_string
    assert "ssl-authority-files = %s" % CA in servers
    assert "ssl-trust-default-ca = no" in servers
    since = int(time.time())
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
    since = int(time.time())
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
    binary = shutil.which("ansible-playbook")
    assert binary, "ansible-playbook not on PATH"
    proc = subprocess.run([binary, "-i", os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]),
                           os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "converge.yml"),
                           "--limit", "ds-dc2-svn"] + list(extra),
                          capture_output=True, text=True, timeout=300, check=False,
                          env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"))
    return proc.returncode, proc.stdout + proc.stderr


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
    since = int(time.time())
    result = put(master, MASTER_URL, "rotated-%s.xml" % uuid.uuid4().hex[:8], "<rotated/>")
    assert result.rc == 0, result.stderr
    head = youngest(master)
    assert wait_for(lambda: youngest(mirror) >= head), push_log_since(master, since)
