"""Load agent for bench/db_replication_bench.py; runs INSIDE one DC's DB container.

Writes a bounded load (transactions x writers, and a deadline) into the local
WSO2AM_DB the way the API store does (subscriber, application, subscription in
one transaction) while a probe thread stamps BENCH_PROBE rows with the send
time. An observer thread watches the local database for the peers' probe rows
and records how late each one arrives (replication lag samples). After the
local load it keeps watching until every peer's final 'done' probe arrived or
the deadline passed. Prints one JSON document. Uses PyMySQL (installed by the
role) with parameterised statements only.
"""

import argparse
import json
import threading
import time

import pymysql

SOCKET = "/run/mysqld/mysqld.sock"


def connect():
    return pymysql.connect(unix_socket=SOCKET, user="root", database="WSO2AM_DB", autocommit=True)


def writer(args, number, api_id, errors, done_counter, lock, deadline):
    conn = connect()
    # Paced: this writer's share of --rate transactions per second (0: as fast as possible).
    interval = args.writers / args.rate if args.rate > 0 else 0.0
    first = time.time() + number * interval / args.writers
    for i in range(args.transactions):
        if time.time() > deadline:
            break
        wait = first + i * interval - time.time()
        if wait > 0:
            time.sleep(wait)
        tag = "%s-%s-w%d-%d" % (args.run, args.dc, number, i)
        try:
            with conn.cursor() as cur:
                cur.execute("START TRANSACTION")
                cur.execute("INSERT INTO AM_SUBSCRIBER (USER_ID, TENANT_ID, DATE_SUBSCRIBED, CREATED_TIME) "
                            "VALUES (%s, -1234, NOW(), NOW())", (tag,))
                subscriber = cur.lastrowid
                cur.execute("INSERT INTO AM_APPLICATION (NAME, SUBSCRIBER_ID, UUID, CREATED_TIME) "
                            "VALUES (%s, %s, %s, NOW())", ("app-" + tag, subscriber, tag))
                application = cur.lastrowid
                cur.execute("INSERT INTO AM_SUBSCRIPTION (TIER_ID, API_ID, APPLICATION_ID, SUB_STATUS, UUID, "
                            "CREATED_TIME) VALUES ('Gold', %s, %s, 'UNBLOCKED', %s, NOW())",
                            (api_id, application, tag))
                cur.execute("COMMIT")
            with lock:
                done_counter[0] += 1
        except pymysql.MySQLError as exc:
            with lock:
                errors.append("%s: %s" % (tag, exc))
            conn.rollback()
    conn.close()


def prober(args, stop, deadline):
    conn = connect()
    seq = 0
    with conn.cursor() as cur:
        while not stop.is_set() and time.time() < deadline:
            seq += 1
            cur.execute("INSERT INTO BENCH_PROBE (RUN_ID, ORIGIN, SEQ, KIND, SENT_AT) VALUES (%s, %s, %s, 'p', %s)",
                        (args.run, args.dc, seq, time.time()))
            time.sleep(args.probe_interval)
        cur.execute("INSERT INTO BENCH_PROBE (RUN_ID, ORIGIN, SEQ, KIND, SENT_AT) VALUES (%s, %s, %s, 'done', %s)",
                    (args.run, args.dc, seq + 1, time.time()))
    conn.close()


def observer(args, peers, samples, done_seen, stop_observing):
    conn = connect()
    last = dict((peer, 0) for peer in peers)
    with conn.cursor() as cur:
        while not stop_observing.is_set():
            for peer in peers:
                cur.execute("SELECT SEQ, KIND, SENT_AT FROM BENCH_PROBE WHERE RUN_ID = %s AND ORIGIN = %s "
                            "AND SEQ > %s ORDER BY SEQ", (args.run, peer, last[peer]))
                now = time.time()
                for seq, kind, sent_at in cur.fetchall():
                    last[peer] = max(last[peer], seq)
                    samples.append(now - sent_at)
                    if kind == "done":
                        done_seen[peer] = now
            if len(done_seen) == len(peers):
                return
            time.sleep(0.01)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", required=True)
    parser.add_argument("--dc", required=True)
    parser.add_argument("--peers", required=True, help="comma-separated peer DC names")
    parser.add_argument("--api-name", required=True)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--transactions", type=int, default=50, help="per writer")
    parser.add_argument("--rate", type=float, default=0.0, help="transactions per second for this DC; 0: unpaced")
    parser.add_argument("--max-seconds", type=float, default=60.0)
    parser.add_argument("--start-at", type=float, default=0.0, help="epoch seconds; all DCs start together")
    parser.add_argument("--probe-interval", type=float, default=0.05)
    args = parser.parse_args()
    peers = [p for p in args.peers.split(",") if p]

    conn = connect()
    with conn.cursor() as cur:
        cur.execute("SELECT API_ID FROM AM_API WHERE API_NAME = %s", (args.api_name,))
        api_id = cur.fetchone()[0]
    conn.close()

    delay = args.start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    started = time.time()
    deadline = started + args.max_seconds
    errors, counter, lock = [], [0], threading.Lock()
    samples, done_seen = [], {}
    stop_probe, stop_observing = threading.Event(), threading.Event()
    watch = threading.Thread(target=observer, args=(args, peers, samples, done_seen, stop_observing))
    probe = threading.Thread(target=prober, args=(args, stop_probe, deadline))
    writers = [threading.Thread(target=writer, args=(args, n, api_id, errors, counter, lock, deadline))
               for n in range(args.writers)]
    watch.start()
    probe.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    load_stopped = time.time()
    stop_probe.set()
    probe.join()
    # Keep watching for the peers' last probes, bounded by the deadline plus a grace period.
    watch.join(max(0.0, deadline + 30 - time.time()))
    stop_observing.set()
    watch.join()
    print(json.dumps({
        "dc": args.dc, "started": started, "load_stopped": load_stopped, "transactions": counter[0],
        "errors": errors, "lag_samples": samples, "done_seen": done_seen,
        "missing_done": sorted(set(peers) - set(done_seen)),
    }))


if __name__ == "__main__":
    main()
