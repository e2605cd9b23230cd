"""Benchmark: the cross-DC consistency check (plugins/module_utils/consistency.py) on three local MariaDB servers.

It:
  1. starts THREE mariadbd processes on loopback (own datadir, port and socket under one temp dir, run as plain
     processes; Debian's mariadb-server is installed with apt-get only when ``mariadbd`` is missing);
  2. sets them up like the db_replication role: gtid_domain_id 1..3, auto_increment_offset 1..3 / increment 3,
     ROW binlog, log_slave_updates + gtid_ignore_duplicates, one GTID multi-source connection per peer named after
     the peer DC; the databases, users and the lab's schemas (tests/fixtures/dbscripts/mysql.sql and
     apimgt/mysql.sql) are created on each server outside the binary log, as the role does;
  3. writes a few rows in every DC, runs the check on the lab's schemas and prints its wall time;
  4. creates a 1,000,000-row table (a third written in each DC, replicated everywhere), runs the check again and
     prints its wall time;
  5. while each check runs, writes a heartbeat row once per second in dc1, reads it in dc2/dc3 and samples
     Seconds_Behind_Master, and prints the maximum lag;
  6. changes one value to NULL in dc3 outside the binary log and runs the check once more: it must name that range;
  7. stops every server it started and removes the temp dir (also on Ctrl-C / SIGTERM).
Not part of the test suite; it asserts nothing. Targets: lab < 10 s, 1M rows < 60 s, lag < 1 s.

    .venv/bin/python bench/db_consistency.py [--rows 1000000] [--chunk-size 10000] [--budget 120] [--keep-dir]

The check connects with PyMySQL. When the interpreter running the bench has no PyMySQL, the bench runs itself
again with /usr/bin/python3 and Debian's python3-pymysql (installed with apt-get if missing), which is what the DB
hosts use.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DBSCRIPTS = os.path.join(ROOT, "tests", "fixtures", "dbscripts")
SCHEMAS = (("WSO2REG_DB", os.path.join(DBSCRIPTS, "mysql.sql")),
           ("WSO2AM_DB", os.path.join(DBSCRIPTS, "apimgt", "mysql.sql")))
DCS = ("dc1", "dc2", "dc3")
CHECK_USER, CHECK_PASSWORD = "checker", "bench-check-pw"
REPL_USER, REPL_PASSWORD = "repl", "bench-repl-pw"
TARGETS = {"lab": 10.0, "big": 60.0, "lag": 1.0}
SYSTEM_PYTHON = "/usr/bin/python3"


def apt_install(*packages):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print("   installing %s with apt-get (machine's configured sources)" % " ".join(packages), flush=True)
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-q"] + list(packages), check=True, env=env,
                   stdout=subprocess.DEVNULL, timeout=900)


def ensure_pymysql():
    try:
        import pymysql  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
        return
    except ImportError:
        pass
    if os.environ.get("DB_CONSISTENCY_BENCH_REEXEC"):
        sys.exit("PyMySQL is not importable by %s either" % sys.executable)
    check = subprocess.run([SYSTEM_PYTHON, "-c", "import pymysql"], capture_output=True, check=False) \
        if os.path.exists(SYSTEM_PYTHON) else None
    if check is None or check.returncode != 0:
        apt_install("python3-pymysql")
    print("   %s has no PyMySQL: running again with %s (Debian's python3-pymysql)" % (sys.executable, SYSTEM_PYTHON),
          flush=True)
    os.environ["DB_CONSISTENCY_BENCH_REEXEC"] = "1"
    os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)


def binary(name):
    return shutil.which(name) or next((p for p in ("/usr/sbin/" + name, "/usr/bin/" + name) if os.path.exists(p)),
                                      None)


def ensure_mariadb():
    if not binary("mariadbd"):
        apt_install("mariadb-server", "mariadb-client")
    missing = [b for b in ("mariadbd", "mariadb-install-db", "mariadb") if not binary(b)]
    if missing:
        sys.exit("not found after install: %s" % ", ".join(missing))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server(object):
    def __init__(self, index, workdir):
        self.index = index
        self.name = DCS[index - 1]
        self.dir = os.path.join(workdir, self.name)
        self.datadir = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.port = free_port()
        self.process = None

    def options(self):
        opts = ["--no-defaults", "--datadir=" + self.datadir, "--socket=" + self.socket,
                "--port=%d" % self.port, "--bind-address=127.0.0.1", "--pid-file=" + os.path.join(self.dir, "pid"),
                "--log-error=" + os.path.join(self.dir, "error.log"), "--skip-name-resolve",
                "--server-id=%d" % (self.index * 1000 + 1), "--gtid-domain-id=%d" % self.index,
                "--log-bin=" + os.path.join(self.dir, "binlog"), "--binlog-format=ROW", "--log-slave-updates",
                "--gtid-ignore-duplicates", "--gtid-strict-mode=OFF",
                "--auto-increment-increment=%d" % len(DCS), "--auto-increment-offset=%d" % self.index,
                "--innodb-buffer-pool-size=256M", "--innodb-log-file-size=256M",
                "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0", "--max-connections=100",
                "--slave-parallel-threads=0"]
        if os.geteuid() == 0:
            opts.append("--user=root")
        return opts

    def install(self):
        os.makedirs(self.datadir)
        cmd = [binary("mariadb-install-db"), "--no-defaults", "--datadir=" + self.datadir,
               "--auth-root-authentication-method=normal", "--skip-test-db"]
        if os.geteuid() == 0:
            cmd.append("--user=root")
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            output = (done.stderr + done.stdout)[-2000:]
            raise RuntimeError("%s: mariadb-install-db failed (%d): %s" % (self.name, done.returncode, output))

    def start(self):
        self.process = subprocess.Popen([binary("mariadbd")] + self.options(), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    def wait_ready(self, seconds=60):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.process.poll() is not None:
                log = os.path.join(self.dir, "error.log")
                raise RuntimeError("%s: mariadbd exited (%s); see %s" % (self.name, self.process.returncode, log))
            try:
                self.admin().close()
                return
            except Exception:  # pylint: disable=broad-except
                time.sleep(0.2)
        raise RuntimeError("%s: mariadbd not ready within %d s" % (self.name, seconds))

    def admin(self, database=None):
        import pymysql  # pylint: disable=import-outside-toplevel
        return pymysql.connect(unix_socket=self.socket, user="root", password="", database=database,
                               autocommit=True, connect_timeout=5)

    def sql(self, statements, database=None, local=False):
        conn = self.admin(database)
        try:
            with conn.cursor() as cur:
                if local:
                    cur.execute("SET SESSION sql_log_bin=0")
                rows = None
                for statement in ([statements] if isinstance(statements, str) else statements):
                    cur.execute(statement)
                    rows = cur.fetchall()
                return rows
        finally:
            conn.close()

    def load(self, database, path):
        with open(path) as handle:
            subprocess.run([binary("mariadb"), "--no-defaults", "--socket=" + self.socket, "-uroot",
                            # as the role loads them: outside the binary log, and with increment 1 / offset 1
                            # so that the seed rows of AUTO_INCREMENT tables get the same keys in every DC
                            "--init-command=SET SESSION sql_log_bin=0, SESSION auto_increment_increment=1, "
                            "SESSION auto_increment_offset=1", database], stdin=handle, check=True,
                           timeout=300)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def setup(servers):
    for server in servers:
        server.sql(["CREATE DATABASE %s CHARACTER SET latin1" % db for db, dummy in SCHEMAS] + [
            "CREATE USER '%s'@'%%' IDENTIFIED BY '%s'" % (CHECK_USER, CHECK_PASSWORD),
            "GRANT SELECT ON WSO2REG_DB.* TO '%s'@'%%'" % CHECK_USER,
            "GRANT SELECT ON WSO2AM_DB.* TO '%s'@'%%'" % CHECK_USER,
            "CREATE USER '%s'@'%%' IDENTIFIED BY '%s'" % (REPL_USER, REPL_PASSWORD),
            "GRANT REPLICATION SLAVE ON *.* TO '%s'@'%%'" % REPL_USER], local=True)
        for database, path in SCHEMAS:
            server.load(database, path)
    for server in servers:
        statements = []
        for peer in servers:
            if peer is not server:
                statements.append("CHANGE MASTER '%s' TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='%s', "
                                  "MASTER_PASSWORD='%s', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1"
                                  % (peer.name, peer.port, REPL_USER, REPL_PASSWORD))
        server.sql(statements + ["START ALL SLAVES"])
    wait_all_running(servers)


def wait_all_running(servers, seconds=60):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        states = [(s.name, row[0], row[1], row[2]) for s in servers for row in slave_status(s)]
        if len(states) == len(servers) * (len(servers) - 1) and all(io == "Yes" and sql == "Yes"
                                                                    for dummy, io, sql, lag in states):
            return
        time.sleep(0.2)
    raise RuntimeError("replication threads not all running: %s" % states)


def slave_status(server):
    conn = server.admin()
    try:
        import pymysql.cursors  # pylint: disable=import-outside-toplevel
        with conn.cursor(pymysql.cursors.DictCursor) as cur:
            cur.execute("SHOW ALL SLAVES STATUS")
            return [(r["Slave_IO_Running"], r["Slave_SQL_Running"], r["Seconds_Behind_Master"]) for r in cur.fetchall()]
    finally:
        conn.close()


def converge(servers, seconds=300):
    """Wait until every server has applied everything any server has logged (the check's own GTID helpers)."""
    from ansible_collections.multidc.apim.plugins.module_utils.consistency import (  # pylint: disable=import-outside-toplevel
        format_gtid_pos, parse_gtid_pos, union_position, wait_position)
    started = time.monotonic()
    own = dict((s.name, parse_gtid_pos(s.sql("SELECT @@GLOBAL.gtid_binlog_pos")[0][0])) for s in servers)
    union = union_position(own.values())
    for server in servers:
        pos = format_gtid_pos(wait_position(union, own[server.name]))
        if pos:
            done = server.sql("SELECT MASTER_GTID_WAIT('%s', %d)" % (pos, seconds))[0][0]
            if done != 0:
                raise RuntimeError("%s did not reach %s within %d s" % (server.name, pos, seconds))
    return time.monotonic() - started


def write_lab_rows(servers, per_dc=200):
    def write(server):
        rows = ", ".join("('%s-user%d', -1234, '%s-user%d@example.com', NOW(), 'bench', NOW())"
                         % (server.name, k, server.name, k) for k in range(per_dc))
        server.sql("INSERT INTO AM_SUBSCRIBER (USER_ID, TENANT_ID, EMAIL_ADDRESS, DATE_SUBSCRIBED, CREATED_BY, "
                   "CREATED_TIME) VALUES " + rows, database="WSO2AM_DB")
    run_parallel(write, servers)


def write_big_table(servers, rows):
    servers[0].sql("CREATE TABLE WSO2AM_DB.BENCH_ROWS (ID BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                   "DC VARCHAR(8) NOT NULL, NAME VARCHAR(64) NOT NULL, AMOUNT DECIMAL(12,2), NOTE VARCHAR(255) NULL, "
                   "CREATED TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB")
    converge(servers)
    share = [rows // len(servers) + (1 if i < rows % len(servers) else 0) for i in range(len(servers))]

    def write(server):
        total = share[server.index - 1]
        done, batch = 0, 50000
        while done < total:
            count = min(batch, total - done)
            server.sql("INSERT INTO WSO2AM_DB.BENCH_ROWS (DC, NAME, AMOUNT, NOTE) SELECT '%s', CONCAT('row-', seq), "
                       "seq / 100, IF(seq %% 7 = 0, NULL, IF(seq %% 5 = 0, '', CONCAT('note ', seq))) "
                       "FROM seq_%d_to_%d" % (server.name, done + 1, done + count), database="WSO2AM_DB")
            done += count
    run_parallel(write, servers)


def run_parallel(work, servers):
    errors = []

    def guarded(server):
        try:
            work(server)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append("%s: %s" % (server.name, exc))
    threads = [threading.Thread(target=guarded, args=(s,)) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError("; ".join(errors))


class LagProbe(object):
    """Heartbeat row written once per second in dc1, polled in the other DCs; Seconds_Behind_Master sampled too."""

    def __init__(self, servers):
        self.servers = servers
        self.stop_event = threading.Event()
        self.written = {}          # seq -> time written
        self.latest = 0            # newest seq written
        self.heartbeat_lag = 0.0
        self.seconds_behind = 0
        self.errors = []
        self.threads = []

    def __enter__(self):
        self.threads = [threading.Thread(target=self._guard, args=(self._writer,))]
        self.threads += [threading.Thread(target=self._guard, args=(self._reader, s)) for s in self.servers[1:]]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=10)

    def _guard(self, target, *args):
        try:
            target(*args)
        except Exception as exc:  # pylint: disable=broad-except
            self.errors.append(str(exc))

    def _writer(self):
        conn = self.servers[0].admin("BENCH_META")
        seq = 0
        try:
            with conn.cursor() as cur:
                while not self.stop_event.is_set():
                    seq += 1
                    self.written[seq] = time.time()
                    self.latest = seq
                    cur.execute("UPDATE heartbeat SET seq = %s, ts = %s WHERE id = 1", (seq, self.written[seq]))
                    self.stop_event.wait(1.0)
        finally:
            conn.close()

    def _reader(self, server):
        conn = server.admin("BENCH_META")
        seen = 0
        try:
            with conn.cursor() as cur:
                while not self.stop_event.is_set():
                    cur.execute("SELECT seq FROM heartbeat WHERE id = 1")
                    seq = cur.fetchone()[0]
                    now = time.time()
                    if seq > seen:
                        seen = seq
                        self.heartbeat_lag = max(self.heartbeat_lag, now - self.written.get(seq, now))
                    # the newest beat written but not seen yet counts as lag as well
                    if self.latest > seen:
                        self.heartbeat_lag = max(self.heartbeat_lag, now - self.written[seen + 1])
                    for dummy, dummy2, behind in slave_status(server):
                        if behind is not None:
                            self.seconds_behind = max(self.seconds_behind, int(behind))
                    self.stop_event.wait(0.05)
        finally:
            conn.close()


def run_check(servers, budget, chunk_size, probe_servers=None):
    from ansible_collections.multidc.apim.plugins.module_utils.consistency import (  # pylint: disable=import-outside-toplevel
        PyMySQLConnector, check_consistency, render_lines)
    connect = PyMySQLConnector(CHECK_USER, CHECK_PASSWORD, connect_timeout=5, read_timeout=int(budget) + 10)
    spec = [{"name": s.name, "host": "127.0.0.1", "port": s.port} for s in servers]
    with LagProbe(probe_servers or servers) as probe:
        started = time.monotonic()
        result = check_consistency(spec, [db for db, dummy in SCHEMAS], budget, connect, chunk_size=chunk_size)
        wall = time.monotonic() - started
    return result, render_lines(result), wall, probe


def report(label, result, lines, wall, probe, target):
    print("   %s: %.2f s wall (target < %.0f s), %d tables, %d chunks, %d GTID syncs, complete=%s consistent=%s"
          % (label, wall, target, result["tables"], result["chunks"], result["syncs"], result["complete"],
             result["consistent"]), flush=True)
    print("   during it: heartbeat lag max %.3f s, Seconds_Behind_Master max %d s (target < %.0f s)%s"
          % (probe.heartbeat_lag, probe.seconds_behind, TARGETS["lag"],
             "; probe errors: %s" % probe.errors if probe.errors else ""), flush=True)
    for line in lines:
        print("     " + line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--rows", type=int, default=1000000)
    parser.add_argument("--chunk-size", type=int, default=10000)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--keep-dir", action="store_true", help="keep the datadirs (the servers are stopped anyway)")
    args = parser.parse_args()

    ensure_pymysql()
    ensure_mariadb()
    collections = os.path.join(ROOT, ".collections")
    if collections not in sys.path:
        sys.path.insert(0, collections)

    workdir = tempfile.mkdtemp(prefix="db-consistency-bench-")
    servers = [Server(i, workdir) for i in range(1, len(DCS) + 1)]

    def on_signal(signum, frame):
        raise SystemExit("stopped by signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    measured = {}
    try:
        print("== 3 local MariaDB servers under %s (ports %s)" % (workdir, ", ".join(str(s.port) for s in servers)),
              flush=True)
        started = time.monotonic()
        for server in servers:
            server.install()
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        setup(servers)
        servers[0].sql(["CREATE DATABASE BENCH_META",
                        "CREATE TABLE BENCH_META.heartbeat (id INT PRIMARY KEY, seq BIGINT NOT NULL, ts DOUBLE)",
                        "INSERT INTO BENCH_META.heartbeat VALUES (1, 0, 0)"])
        write_lab_rows(servers)
        converge(servers)
        print("   ready in %.1f s: GTID multi-source replication, offsets 1..3 / increment 3, lab schemas loaded"
              % (time.monotonic() - started), flush=True)

        print("== check on the lab's schemas", flush=True)
        result, lines, wall, probe = run_check(servers, args.budget, args.chunk_size)
        report("lab", result, lines, wall, probe, TARGETS["lab"])
        measured["lab"] = (wall, probe, result)

        print("== %d-row synthetic table WSO2AM_DB.BENCH_ROWS, a third written in each DC" % args.rows, flush=True)
        started = time.monotonic()
        write_big_table(servers, args.rows)
        written = time.monotonic() - started
        caught_up = converge(servers)
        counts = [s.sql("SELECT COUNT(*) FROM WSO2AM_DB.BENCH_ROWS")[0][0] for s in servers]
        print("   written in %.1f s, replicated everywhere %.1f s later; rows per DC: %s"
              % (written, caught_up, ", ".join(str(c) for c in counts)), flush=True)
        result, lines, wall, probe = run_check(servers, args.budget, args.chunk_size)
        report("1M rows" if args.rows == 1000000 else "%d rows" % args.rows, result, lines, wall, probe,
               TARGETS["big"])
        measured["big"] = (wall, probe, result)

        print("== one value changed to NULL in dc3 outside the binary log (must be found)", flush=True)
        target = servers[2].sql("SELECT ID FROM WSO2AM_DB.BENCH_ROWS WHERE NOTE = '' ORDER BY ID LIMIT 1")[0][0]
        servers[2].sql("UPDATE WSO2AM_DB.BENCH_ROWS SET NOTE = NULL WHERE ID = %d" % target, local=True)
        result, lines, wall, probe = run_check(servers, args.budget, args.chunk_size)
        found = [line for line in lines if "BENCH_ROWS" in line]
        print("   ID %d changed: %s, check took %.2f s (the range is compared 1 + 3 rechecks times before it is "
              "reported)" % (target, "found in both pairs of dc3, dc1 = dc2 still"
                             if len(found) == 2 and lines[0].startswith("dc1 = dc2") else "NOT FOUND", wall), flush=True)
        for line in lines:
            print("     " + line)
        measured["injected"] = (wall, probe, result)
    finally:
        for server in servers:
            server.stop()
        if args.keep_dir:
            print("   datadirs kept in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    lab_wall, lab_probe, dummy = measured["lab"]
    big_wall, big_probe, dummy = measured["big"]
    lag = max(p.heartbeat_lag for dummy, p, dummy2 in measured.values())
    behind = max(p.seconds_behind for dummy, p, dummy2 in measured.values())
    print("\n| measure | measured | target | ratio to target |")
    print("| --- | --- | --- | --- |")
    print("| check, lab's schemas | %.2f s | < %.0f s | %.2f |" % (lab_wall, TARGETS["lab"], lab_wall / TARGETS["lab"]))
    print("| check, + %d-row table | %.2f s | < %.0f s | %.2f |" % (
        args.rows, big_wall, TARGETS["big"], big_wall / TARGETS["big"]))
    print("| replication lag during the checks (heartbeat) | %.3f s | < %.0f s | %.2f |" % (
        lag, TARGETS["lag"], lag / TARGETS["lag"]))
    print("| Seconds_Behind_Master max during the checks | %d s | < %.0f s | %.2f |" % (
        behind, TARGETS["lag"], behind / TARGETS["lag"]))


if __name__ == "__main__":
    main()
