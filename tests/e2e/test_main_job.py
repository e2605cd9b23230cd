"""The README's main job, exactly as a new user runs it: `make lab` on a fresh
lab, the load-balancer endpoints it prints answer, a second `make lab`
reports changed=0 for every host, then `make lab-down`.

The backends are the sample pack's stand-in servers (a TEST DOUBLE for WSO2
API Manager). Requests go only to the lab's own load-balancer containers, a
bounded number of times each, with a timeout.
"""
import json
import os
import re
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
ENDPOINT = re.compile(r"^\s+(dc\d+): gateway (https://\S+)\s+(http://\S+)\s+management (https://\S+)", re.M)
MAKE_TIMEOUT = 1500


def make(target):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PY_COLORS="0", NO_COLOR="1")
    started = time.monotonic()
    process = subprocess.run(["make", "--no-print-directory", target], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=MAKE_TIMEOUT, check=False)
    output = process.stdout + process.stderr
    print("make %s: exit %d in %.0f s" % (target, process.returncode, time.monotonic() - started))
    return process.returncode, output


def recap(output):
    """{host: (ok, changed, unreachable, failed)} summed over every play recap in the output."""
    totals = {}
    for host, *counts in RECAP.findall(output):
        previous = totals.get(host, (0, 0, 0, 0))
        totals[host] = tuple(a + int(b) for a, b in zip(previous, counts))
    return totals


def tail(output, lines=60):
    return "\n".join(output.splitlines()[-lines:])


@pytest.fixture(scope="module")
def runs():
    """Both `make lab` runs on a lab made fresh first; the lab is removed afterwards whatever happens."""
    rc, output = make("lab-down")
    assert rc == 0, tail(output)
    try:
        first = make("lab")
        second = make("lab") if first[0] == 0 else None
        yield first, second
    finally:
        make("lab-down")


def test_make_lab_converges_a_fresh_lab(runs):
    (rc, output), dummy = runs
    assert rc == 0, tail(output)
    hosts = recap(output)
    assert len(hosts) >= 12, sorted(hosts)
    assert [h for h, (ok, changed, unreachable, failed) in hosts.items() if unreachable or failed] == []


def get(url, attempts=5):
    """(status, body) of a GET through a lab load balancer; bounded attempts, 5 s timeout each."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the lab LB's certificate is self-signed
    answer = (0, "")
    for dummy in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError as error:
            answer = (0, repr(error))
            time.sleep(1)
    return answer


def test_the_printed_endpoints_answer(runs):
    (rc, output), dummy = runs
    assert rc == 0, tail(output)
    endpoints = ENDPOINT.findall(output)
    assert sorted(dc for dc, *dummy in endpoints) == ["dc1", "dc2"], tail(output, 10)
    for dc, gateway, gateway_http, management in endpoints:
        for url in (gateway, gateway_http, management):
            status, body = get(url)
            assert status == 200, (url, body)
            node = json.loads(body)
            assert node["dc"] == dc, (url, node)
        assert json.loads(get(gateway)[1])["profile"] == "gateway-worker"
        assert json.loads(get(management)[1])["profile"] != "gateway-worker"


def test_a_second_make_lab_changes_nothing(runs):
    dummy, second = runs
    assert second is not None, "the first make lab failed"
    rc, output = second
    assert rc == 0, tail(output)
    changed = dict((host, counts[1]) for host, counts in recap(output).items() if counts[1])
    assert changed == {}, tail(output)
