"""The README's main job, as a new user runs it: `make lab` on a fresh lab
(its containers made, nothing deployed in them), the load-balancer endpoints
it prints answer, a second `make lab` reports changed=0 for every host, then
`make lab-down`.

The backends are the sample pack's stand-in servers (a TEST DOUBLE for WSO2
API Manager). Requests go only to the lab's own load-balancer containers, a
bounded number of times each, with a timeout.
"""
import json
import re
import ssl
import time
import urllib.error
import urllib.request

import pytest

ENDPOINT = re.compile(r"^\s+(dc\d+): gateway (https://\S+)\s+(http://\S+)\s+management (https://\S+)", re.M)


@pytest.fixture(scope="module")
def runs(fresh_lab, commands):
    """Both `make lab` runs on a fresh lab (nothing deployed in it; conftest.py removes it afterwards)."""
    first = commands.make("lab")
    second = commands.make("lab") if first[0] == 0 else None
    return first, second


def test_make_lab_converges_a_fresh_lab(runs, commands):
    (rc, output), dummy = runs
    assert rc == 0, commands.tail(output)
    hosts = commands.recap(output)
    assert len(hosts) >= 12, sorted(hosts)
    assert [h for h, (ok, changed, unreachable, failed) in hosts.items() if unreachable or failed] == []


def test_verify_shows_every_cross_dc_link_encrypted_and_verified(runs, commands):
    (rc, output), dummy = runs
    assert rc == 0, commands.tail(output)
    tables = output.split("TASK [Print the state of each DC]")[-1].split("TASK [")[0]
    svn = re.findall(r"(?:master|mirror) r\d+/r\d+ lag \d+; TLS ([^,\n]*), certificate (\d+) d", tables)
    assert [verdict for verdict, days in svn] == ["verified", "verified"], commands.tail(tables, 30)
    replication = re.findall(r"dc\d lag \d+ s TLS (\S+); certificate (\d+) d", tables)
    assert [verdict for verdict, days in replication] == ["verified", "verified"], commands.tail(tables, 30)
    assert all(int(days) > 30 for dummy, days in svn + replication), commands.tail(tables, 30)


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


def test_the_printed_endpoints_answer(runs, commands):
    (rc, output), dummy = runs
    assert rc == 0, commands.tail(output)
    endpoints = ENDPOINT.findall(output)
    assert sorted(dc for dc, *dummy in endpoints) == ["dc1", "dc2"], commands.tail(output, 10)
    for dc, gateway, gateway_http, management in endpoints:
        for url in (gateway, gateway_http, management):
            status, body = get(url)
            assert status == 200, (url, body)
            node = json.loads(body)
            assert node["dc"] == dc, (url, node)
        assert json.loads(get(gateway)[1])["profile"] == "gateway-worker"
        assert json.loads(get(management)[1])["profile"] != "gateway-worker"


def test_a_second_make_lab_changes_nothing(runs, commands):
    dummy, second = runs
    assert second is not None, "the first make lab failed"
    rc, output = second
    assert rc == 0, commands.tail(output)
    changed = dict((host, counts[1]) for host, counts in commands.recap(output).items() if counts[1])
    assert changed == {}, commands.tail(output)
