"""A bounded client of a DC's gateway, run inside its load balancer container.

    python3 gateway_client.py STOP_FILE MAX_REQUESTS MAX_SECONDS [URL]

GETs URL (default http://127.0.0.1:8280/, the load balancer's gateway port)
every 50 ms until the stop file exists, MAX_REQUESTS were made or
MAX_SECONDS passed, whichever comes first; prints one JSON line: requests,
failures (errors and non-200 answers), the longest gap between two answers
of 200 in seconds, and the errors seen. Used by the multi_dc scenario and by
bench/rolling_bench.py.
"""
import json
import os
import sys
import time
import urllib.request


def main(stop, limit, seconds, url="http://127.0.0.1:8280/"):
    started = time.monotonic()
    requests = failures = 0
    last_ok = started
    longest_gap = 0.0
    errors = {}
    while requests < limit and time.monotonic() - started < seconds and not os.path.exists(stop):
        requests += 1
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                ok = response.status == 200
        except Exception as error:  # pylint: disable=broad-except
            ok = False
            kind = "%s: %s" % (type(error).__name__, str(error)[:80])
            errors[kind] = errors.get(kind, 0) + 1
        now = time.monotonic()
        if ok:
            longest_gap = max(longest_gap, now - last_ok)
            last_ok = now
        else:
            failures += 1
        time.sleep(0.05)
    print(json.dumps({"requests": requests, "failures": failures, "longest_gap": round(longest_gap, 2),
                      "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), *sys.argv[4:5])
