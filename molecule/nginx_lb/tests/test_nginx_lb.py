"""Testinfra checks for the nginx_lb scenario.

Every request is made from inside the scenario's own load balancer containers
to their own nginx (127.0.0.1), whose backends are the sample pack stand-in
servers (a TEST DOUBLE for WSO2 API Manager) of the same DC. Every loop is
bounded in count and in time.

The tests address hosts by name through the molecule inventory instead of the
``host`` fixture, so each one runs once, with the DC as a parameter.
"""

import contextlib
import hashlib
import json
import os
import re
import subprocess
import time

import pytest
import testinfra

INVENTORY = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
SCENARIO = os.environ["MOLECULE_SCENARIO_DIRECTORY"]
DCS = ("dc1", "dc2")
AFFINITY = {"dc1": "ip_hash", "dc2": "cookie"}
GATEWAY = "https://127.0.0.1:8243/"
GATEWAY_HTTP = "http://127.0.0.1:8280/"
MANAGEMENT = "https://127.0.0.1:9443"
FAIL_TIMEOUT = 5  # nginx_lb_fail_timeout in molecule.yml
STANDIN_UNIT = "wso2am-standin.service"

# A bounded HTTP client run inside a container: argv = url, count, mode.
# mode "session": one client that keeps the cookies it is given;
# mode "fresh": a new client (no cookies) for every request.
# Prints a JSON list of [status, body, set_cookie] per request.
CLIENT = r"""
import json, ssl, sys, time, urllib.error, urllib.request
url, count, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
cookies = {}
out = []
deadline = time.monotonic() + 30
for _ in range(count):
    if time.monotonic() > deadline:
        break
    if mode == "fresh":
        cookies = {}
    headers = {"Cookie": "; ".join("%s=%s" % kv for kv in cookies.items())} if cookies else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=5, context=ctx)
        status, body, head = response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as exc:
        status, body, head = exc.code, exc.read().decode(), exc.headers
    except Exception as exc:
        status, body, head = 0, repr(exc), {}
    set_cookie = head.get("Set-Cookie", "") if head else ""
    if set_cookie:
        name, _, value = set_cookie.split(";", 1)[0].partition("=")
        cookies[name.strip()] = value.strip()
    out.append([status, body, set_cookie])
print(json.dumps(out))
"""


def get_host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


def lb(dc):
    return get_host("lb-%s-lb" % dc)


def requests(dc, url, count, mode="session"):
    result = lb(dc).run("python3 -c %s %s %s %s", CLIENT, url, str(count), mode)
    assert result.rc == 0, result.stderr
    return json.loads(result.stdout)


def node_of(answer):
    status, body, dummy = answer
    assert status == 200, answer
    return json.loads(body)["node"]


MANAGERS = {"dc1": {"lb-dc1-mgr1", "lb-dc1-mgr2"}, "dc2": {"lb-dc2-mgr1"}}


def workers(dc):
    return {"lb-%s-wkr1" % dc, "lb-%s-wkr2" % dc}


@contextlib.contextmanager
def standin_stopped(backend):
    """The backend's stand-in server stopped for the block, then started and answering again (10 s at most)."""
    assert backend.run("systemctl stop %s", STANDIN_UNIT).rc == 0
    try:
        yield
    finally:
        assert backend.run("systemctl start %s", STANDIN_UNIT).rc == 0
        deadline = time.monotonic() + 10
        while backend.run("python3 -c %s", "import urllib.request as u; u.urlopen('http://127.0.0.1:9763/health')").rc:
            assert time.monotonic() < deadline, "stand-in did not come back"
            time.sleep(0.2)


def tree_checksum(host, path="/etc/nginx"):
    result = host.run("find %s -type f -print0 | sort -z | xargs -0 sha256sum", path)
    assert result.rc == 0, result.stderr
    return hashlib.sha256(result.stdout.encode()).hexdigest()


@pytest.mark.parametrize("dc", DCS)
def test_nginx_runs_with_a_valid_config(dc):
    host = lb(dc)
    assert host.service("nginx").is_running
    assert host.service("nginx").is_enabled
    assert host.run("nginx -t -q").rc == 0
    key = host.file("/etc/nginx/multidc-apim/tls/lb.key")
    assert key.mode == 0o600
    assert key.user == "root"
    assert host.file("/etc/nginx/multidc-apim/tls").mode == 0o700
    assert host.file("/etc/nginx/nginx.conf").contains("Ansible managed")


@pytest.mark.parametrize("dc", DCS)
def test_upstreams_hold_this_dcs_nodes_only(dc):
    upstreams = lb(dc).file("/etc/nginx/multidc-apim/upstreams.conf").content_string
    other = "dc2" if dc == "dc1" else "dc1"
    for name in sorted(workers(dc) | MANAGERS[dc]):
        assert "server %s:9763 max_fails=1 fail_timeout=5s;" % name in upstreams
    assert "lb-%s-" % other not in upstreams
    assert ("ip_hash;" in upstreams) == (AFFINITY[dc] == "ip_hash")
    assert ("hash $multidc_lb_affinity_key consistent;" in upstreams) == (AFFINITY[dc] == "cookie")


@pytest.mark.parametrize("dc", DCS)
@pytest.mark.parametrize("port", [8243, 9443])
def test_tls_listeners_serve_the_installed_certificate(dc, port):
    served = lb(dc).run("python3 -c %s", "import ssl; print(ssl.get_server_certificate(('127.0.0.1', %d)))" % port)
    assert served.rc == 0, served.stderr
    installed = lb(dc).file("/etc/nginx/multidc-apim/tls/lb.crt").content_string
    assert served.stdout.split() == installed.split()


def test_user_provided_certificate_and_key_are_installed_as_given():
    tls = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "tls")
    host = lb("dc2")
    with open(os.path.join(tls, "lb-dc2-lb.crt")) as handle:
        assert host.file("/etc/nginx/multidc-apim/tls/lb.crt").content_string == handle.read()
    # Compared by digest, so a failure prints no key material.
    with open(os.path.join(tls, "lb-dc2-lb.key"), "rb") as handle:
        key_digest = hashlib.sha256(handle.read()).hexdigest()
    assert host.run("sha256sum /etc/nginx/multidc-apim/tls/lb.key").stdout.split()[0] == key_digest


def test_self_signed_certificate_names_the_host():
    subject = lb("dc1").run("python3 -c %s", (
        "import ssl; print(ssl._ssl._test_decode_cert("
        "'/etc/nginx/multidc-apim/tls/lb.crt')['subject'])"))
    assert subject.rc == 0, subject.stderr
    assert "'commonName', 'lb-dc1-lb'" in subject.stdout


@pytest.mark.parametrize("dc", DCS)
@pytest.mark.parametrize("url", [GATEWAY, GATEWAY_HTTP])
def test_one_client_sticks_to_one_worker(dc, url):
    answers = requests(dc, url, 20)
    nodes = {node_of(a) for a in answers}
    assert len(answers) == 20
    assert len(nodes) == 1, nodes
    assert nodes <= workers(dc)
    dcs = {json.loads(a[1])["dc"] for a in answers}
    assert dcs == {dc}


def test_cookie_affinity_issues_a_cookie_once_and_spreads_new_clients():
    answers = requests("dc2", GATEWAY, 5)
    assert answers[0][2].startswith("MULTIDC_LB_AFFINITY=")
    assert "Secure" in answers[0][2] and "HttpOnly" in answers[0][2]
    assert all(not a[2] for a in answers[1:]), "cookie re-issued to a client that has it"
    # New clients get fresh random keys: with two workers, 24 of them land on both.
    fresh = {node_of(a) for a in requests("dc2", GATEWAY, 24, mode="fresh")}
    assert fresh == workers("dc2")


@pytest.mark.parametrize("dc", DCS)
def test_management_traffic_goes_to_this_dcs_managers(dc):
    answers = requests(dc, MANAGEMENT + "/", 3)
    served_by = {node_of(a) for a in answers}
    assert len(served_by) == 1 and served_by <= MANAGERS[dc]
    status, body, dummy = requests(dc, MANAGEMENT + "/store", 1)[0]
    assert (status, body.strip()) == (200, "store served by %s" % served_by.pop())


def test_publisher_is_served_in_the_master_dc():
    status, body, dummy = requests("dc1", MANAGEMENT + "/publisher", 1)[0]
    assert (status, body.strip()) == (200, "publisher served by lb-dc1-mgr1")


def publisher_upstream_servers(host):
    """{publisher path: servers of the upstream its location proxies to}, from the running nginx's configuration."""
    dump = host.run("nginx -T")
    assert dump.rc == 0, dump.stderr
    upstreams = dict((name, re.findall(r"^\s*server\s+(\S+)", body, re.M))
                     for name, body in re.findall(r"^upstream (\S+) \{(.*?)^\}", dump.stdout, re.M | re.S))
    routes = {}
    for location, body in re.findall(r"location ~ \^(\S+?)\(/\|\$\) \{(.*?)\}", dump.stdout, re.S):
        target = re.search(r"proxy_pass \w+://(\w+);", body)
        routes.setdefault(location.replace("\\", ""), set()).update(upstreams[target.group(1)] if target else [])
    return routes


def test_publisher_paths_reach_only_managers_whose_publisher_is_enabled():
    routes = publisher_upstream_servers(lb("dc1"))
    assert sorted(routes) == ["/api/am/publisher", "/publisher"]
    assert {path: sorted(servers) for path, servers in routes.items()} == {path: ["lb-dc1-mgr1:9763"] for path in routes}


def test_a_parked_publisher_never_answers_when_the_publisher_manager_is_down():
    """With mgr1 stopped, a publisher request must not fail over to mgr2, whose publisher is parked."""
    with standin_stopped(get_host("lb-dc1-mgr1")):
        answers = requests("dc1", MANAGEMENT + "/publisher", 3, mode="fresh")
    assert [a for a in answers if "lb-dc1-mgr2" in a[1]] == []
    assert {a[0] for a in answers} == {502}


@pytest.mark.parametrize("path", ["/publisher", "/publisher/site/pages/index.jag", "/api/am/publisher/v0.14/apis"])
def test_publisher_is_404_outside_the_master_dc(path):
    status, body, dummy = requests("dc2", MANAGEMENT + path, 1)[0]
    assert status == 404
    # The load balancer's own answer, not the backend's.
    assert "only in the master data center (dc1)" in body
    assert "load balancer of dc2" in body


@pytest.mark.parametrize("dc", DCS)
def test_failover_when_the_sticky_worker_stops(dc):
    client_url = GATEWAY
    first = node_of(requests(dc, client_url, 1)[0])
    # The session client keeps its cookie (dc2) across the stop, as a browser would.
    before = requests(dc, client_url, 3)
    sticky = node_of(before[0])
    assert sticky == first or AFFINITY[dc] == "cookie"
    (other,) = workers(dc) - {sticky}
    with standin_stopped(get_host(sticky)):
        answers = requests(dc, client_url, 20)
        # The first request may pay for finding the dead server (nginx retries
        # it on the next one within the same request); none after it may fail.
        assert all(a[0] == 200 for a in answers[1:]), answers
        assert {node_of(a) for a in answers if a[0] == 200} == {other}
    if AFFINITY[dc] == "ip_hash":
        # Once fail_timeout is over, the restarted worker gets its clients back.
        deadline = time.monotonic() + 3 * FAIL_TIMEOUT
        while True:
            answer = requests(dc, client_url, 1)[0]
            if answer[0] == 200 and node_of(answer) == sticky:
                break
            assert time.monotonic() < deadline, "affinity did not return to %s" % sticky
            time.sleep(1)


def nginx_state(host):
    """What a reload or a file change would alter: the files, the master and its workers."""
    master = host.file("/run/nginx.pid").content_string.strip()
    workers_ = host.run("pgrep -P %s", master)
    return {"tree": tree_checksum(host), "master": master, "workers": sorted(workers_.stdout.split())}


def start_playbook(name, limit, *extra):
    return subprocess.Popen(
        ["ansible-playbook", "-i", INVENTORY, "--limit", limit + ",localhost", os.path.join(SCENARIO, name)]
        + list(extra),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PY_COLORS="0"),
    )


def finish_playbook(process, timeout=300):
    """(rc, output) of a run started by start_playbook; killed after ``timeout`` seconds."""
    try:
        output, dummy = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, dummy = process.communicate()
    return process.returncode, output


@pytest.fixture(scope="module")
def playbook_runs():
    """Two playbook runs at once, one per DC, to keep the scenario short.

    dc2: the real converge.yml in check mode with a changed variable.
    dc1: broken_upstream.yml, the role with an empty gateway upstream.
    Returns the nginx state of both load balancers before, and (rc, output) per run.
    """
    before = {dc: nginx_state(lb(dc)) for dc in DCS}
    runs = {
        "check": start_playbook("converge.yml", "lb-dc2-lb", "--check", "-e", "nginx_lb_fail_timeout=7s"),
        "broken": start_playbook("broken_upstream.yml", "lb-dc1-lb"),
    }
    return before, {name: finish_playbook(process) for name, process in runs.items()}


def test_check_mode_changes_nothing_and_does_not_reload(playbook_runs):
    before, results = playbook_runs
    rc, output = results["check"]
    host = lb("dc2")
    assert rc == 0, output
    # The changed variable is reported, not applied.
    assert "changed: [lb-dc2-lb] => (item=multidc-apim/upstreams.conf)" in output
    assert "RUNNING HANDLER" not in output
    assert nginx_state(host) == before["dc2"]
    assert not host.file("/var/lib/multidc-apim/nginx_lb/staging/multidc-apim/upstreams.conf").contains(
        "fail_timeout=7s")


def test_broken_variable_fails_validation_and_leaves_nginx_untouched(playbook_runs):
    before, results = playbook_runs
    rc, output = results["broken"]
    host = lb("dc1")
    assert rc != 0, output
    assert "nginx -t rejected the candidate configuration" in output
    assert "no servers are inside upstream" in output
    # Byte-identical live tree, no reload (same master, same workers), still routing.
    assert nginx_state(host) == before["dc1"]
    assert host.run("nginx -t -q").rc == 0
    assert {node_of(a) for a in requests("dc1", GATEWAY, 3)} <= workers("dc1")
    # The rejected candidate is left in staging, for inspection.
    staged = host.file("/var/lib/multidc-apim/nginx_lb/staging/multidc-apim/upstreams.conf").content_string
    assert "upstream apim_gateway {\n    ip_hash;\n    keepalive" in staged


def test_converged_lb_converges_again_without_a_package_mirror(playbook_runs):
    """Old apt lists and a source that cannot be fetched: a converged LB must not need apt-get update."""
    host = lb("dc2")
    bogus = "/etc/apt/sources.list.d/unreachable-test.list"
    # Nothing listens on the container's own loopback port 9: a fetch fails at once.
    host.check_output("echo 'deb http://127.0.0.1:9/debian bookworm main' > %s", bogus)
    host.check_output("touch -d '-3 hours' /var/lib/apt/lists /var/lib/apt/lists/* && "
                      "{ [ ! -e /var/lib/apt/periodic/update-success-stamp ] || "
                      "touch -d '-3 hours' /var/lib/apt/periodic/update-success-stamp; }")
    try:
        # That source alone (no list cleanup, nothing else fetched) makes an update fail.
        only_bogus = host.run("timeout 60 apt-get update -q --error-on=any -o Dir::Etc::sourcelist=%s "
                              "-o Dir::Etc::sourceparts=/nonexistent -o APT::List-Cleanup=0", bogus)
        assert only_bogus.rc != 0, only_bogus.stdout
        rc, output = finish_playbook(start_playbook("converge.yml", "lb-dc2-lb"))
    finally:
        host.run("rm -f %s", bogus)
    assert rc == 0, output
    assert re.search(r"lb-dc2-lb\s+: ok=\d+\s+changed=0\s", output), output
