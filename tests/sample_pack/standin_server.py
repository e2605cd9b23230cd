"""Stand-in server of the sample pack: a TEST DOUBLE for the WSO2 API Manager server.

The real pack cannot be downloaded here. This small HTTP server is what the
sample pack's bin/wso2server.sh starts instead of the Carbon server, so that a
load balancer has something to route to and tests can see, over HTTP, what the
roles configured:

- it listens on 9763 + <Ports><Offset> from repository/conf/carbon.xml (the
  servlet HTTP port of Carbon 4.x);
- GET / returns JSON naming the node, its DC, its profile, the clustering
  settings read from axis2.xml and the depsync settings read from carbon.xml
  (without the password);
- like Carbon, it reads carbon.xml and axis2.xml once, at start: a change to
  either reaches it only through a restart;
- like Carbon's JVM, which loads its trust store once, it reads the CA files
  the node's svn client trusts (ssl-authority-files in /etc/subversion/servers)
  once, at start, and its svn client trusts those and nothing added later;
  an https SvnUrl whose certificate they do not verify fails, as in Carbon;
- like Carbon, it takes a while to start: its port refuses connections for
  MULTIDC_APIM_STARTUP_SECONDS seconds (the worker_manager role's unit sets it
  from the topology's apim_node_startup_seconds; 20 when unset);
- GET /services/Version, where Carbon answers once it is up, answers 200 only
  once the first deployment synchronizer cycle is done (503 before): the node
  is ready to serve what its DC serves;
- GET /publisher, /store and /admin answer 200 only while the matching
  jaggery app is deployed under repository/deployment/server/jaggeryapps,
  404 otherwise, checked on every request (Carbon hot-deploys the same way).

The DC comes from the MULTIDC_APIM_DC environment variable, which the
worker_manager role's service unit sets as a plain label.

Deployment synchronization, emulated: when carbon.xml's
<DeploymentSynchronizer> is enabled, a background loop does what Carbon's
SVN-based synchronizer does for the super tenant, with the svn client and the
URL, credentials, AutoCommit/AutoCheckout and update interval read from that
block at start: it keeps repository/deployment/server/synapse-configs as a working
copy of <SvnUrl>[/-1234]/synapse-configs, commits local additions when
AutoCommit is true and updates when AutoCheckout is true. Only that subtree
is synchronized, so the publisher app never travels between DCs.
"""
import atexit
import configparser
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from xml.etree import ElementTree
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CARBON_NS = "{http://wso2.org/projects/carbon/carbon.xml}"
HTTP_BASE_PORT = 9763
APPS = ("publisher", "store", "admin")
DEFAULT_STARTUP_SECONDS = 20.0
SVN_CLIENT_SERVERS = "/etc/subversion/servers"


def startup_seconds():
    value = os.environ.get("MULTIDC_APIM_STARTUP_SECONDS", "")
    return float(value) if value.strip() else DEFAULT_STARTUP_SECONDS


def carbon_home():
    return os.environ.get("CARBON_HOME") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_offset(home):
    root = ElementTree.parse(os.path.join(home, "repository", "conf", "carbon.xml")).getroot()
    offset = root.find("%sPorts/%sOffset" % (CARBON_NS, CARBON_NS))
    return int(offset.text.strip()) if offset is not None and offset.text else 0


def read_clustering(home):
    root = ElementTree.parse(os.path.join(home, "repository", "conf", "axis2", "axis2.xml")).getroot()
    clustering = root.find("clustering")
    if clustering is None:
        return {"enabled": False}
    params = dict((p.get("name"), (p.text or "").strip()) for p in clustering.findall("parameter"))
    members = [
        "%s:%s" % ((m.findtext("hostName") or "").strip(), (m.findtext("port") or "").strip())
        for m in clustering.findall("members/member")
    ]
    return {
        "enabled": clustering.get("enable") == "true",
        "domain": params.get("domain"),
        "local_member_host": params.get("localMemberHost"),
        "members": members,
    }


def read_depsync(home):
    root = ElementTree.parse(os.path.join(home, "repository", "conf", "carbon.xml")).getroot()
    block = root.find("%sDeploymentSynchronizer" % CARBON_NS)
    if block is None:
        return None

    def text(name, default=""):
        node = block.find(CARBON_NS + name)
        return node.text.strip() if node is not None and node.text else default

    if text("Enabled") != "true" or text("RepositoryType", "svn") != "svn":
        return None
    url = text("SvnUrl").rstrip("/")
    if text("SvnUrlAppendTenantId", "true") == "true":
        url += "/-1234"
    interval = root.findtext("%sDeployment/%sUpdateInterval" % (CARBON_NS, CARBON_NS)) or "15"
    return {
        "url": url + "/synapse-configs",
        "user": text("SvnUser"),
        "password": text("SvnPassword"),
        "auto_commit": text("AutoCommit") == "true",
        "auto_checkout": text("AutoCheckout") == "true",
        "interval": max(1, int(interval.strip())),
    }


PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----")


def snapshot_svn_trust(servers=SVN_CLIENT_SERVERS):
    """The CA certificates the node's svn client trusts now, copied aside, one file each (svn reads one certificate
    per file): the ``;``-separated list of files the server trusts until it stops, when they are removed."""
    parser = configparser.RawConfigParser(strict=False)
    parser.read(servers)
    paths = [p.strip() for p in parser.get("global", "ssl-authority-files", fallback="").split(";") if p.strip()]
    certificates = []
    for path in paths:
        try:
            with open(path) as handle:
                certificates.extend(c for c in PEM_CERTIFICATE.findall(handle.read()) if c not in certificates)
        except OSError as exc:
            sys.stderr.write("standin: cannot read the CA file %s: %s\n" % (path, exc))
    if not certificates:
        return ""
    snapshot = tempfile.mkdtemp(prefix="standin-trust-")
    atexit.register(shutil.rmtree, snapshot, True)
    files = []
    for number, certificate in enumerate(certificates, start=1):
        files.append(os.path.join(snapshot, "ca-%d.pem" % number))
        with open(files[-1], "w") as out:
            out.write(certificate + "\n")
    return ";".join(files)


def svn(settings, *args):
    command = ["svn", "--non-interactive", "--no-auth-cache", "--username", settings["user"],
               "--password", settings["password"],
               "--config-option", "servers:global:ssl-authority-files=%s" % settings.get("trust", "")] + list(args)
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=60, check=False)


def depsync_once(home, settings):
    """One synchronizer cycle; returns a short status for the identity page."""
    target = os.path.join(home, "repository", "deployment", "server", "synapse-configs")
    if not os.path.isdir(os.path.join(target, ".svn")):
        if settings["auto_commit"]:
            svn(settings, "mkdir", "--parents", "-m", "depsync: create the super tenant's tree", settings["url"])
        result = svn(settings, "checkout", "--force", settings["url"], target)
        if result.returncode != 0:
            return "checkout failed: %s" % result.stdout.strip().splitlines()[-1:]
    if settings["auto_commit"]:
        svn(settings, "add", "--force", "--parents", target)
        result = svn(settings, "commit", "-m", "depsync: commit from %s" % socket.gethostname(), target)
        if result.returncode != 0:
            return "commit failed: %s" % result.stdout.strip().splitlines()[-1:]
    if settings["auto_checkout"]:
        result = svn(settings, "update", "--force", "--accept", "theirs-full", target)
        if result.returncode != 0:
            return "update failed: %s" % result.stdout.strip().splitlines()[-1:]
    return "synchronized"


def depsync_cycle(server):
    """One cycle with the settings the server loaded at start; returns the delay before the next."""
    settings = server.depsync
    try:
        server.depsync_status = depsync_once(server.carbon_home, settings) if settings else "disabled"
        return settings["interval"] if settings else 15
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        server.depsync_status = "error: %s" % exc
        return 15


def depsync_loop(server):
    while True:
        time.sleep(depsync_cycle(server))


def profile_from_args(argv):
    for arg in argv:
        if arg.startswith("-Dprofile="):
            return arg.split("=", 1)[1]
    return "default"


class Handler(BaseHTTPRequestHandler):
    server_version = "SamplePackStandIn/1.0"

    def _send(self, status, body, content_type="application/json"):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server API)
        home = self.server.carbon_home
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        app = path.lstrip("/").split("/", 1)[0]
        if path == "/":
            self._send(200, json.dumps(self.server.identity(), sort_keys=True))
        elif path == "/health":
            self._send(200, "ok\n", "text/plain")
        elif path == "/services/Version":
            if self.server.depsync_status == "not started":
                self._send(503, "starting: the deployment synchronizer has not run yet\n", "text/plain")
            else:
                self._send(200, "WSO2 API Manager sample pack stand-in (test double)\n", "text/plain")
        elif app in APPS:
            if os.path.isdir(os.path.join(home, "repository", "deployment", "server", "jaggeryapps", app)):
                self._send(200, "%s served by %s\n" % (app, self.server.node), "text/plain")
            else:
                self._send(404, "%s is not deployed on %s\n" % (app, self.server.node), "text/plain")
        else:
            self._send(404, "not found\n", "text/plain")

    def log_message(self, fmt, *args):
        sys.stderr.write("standin %s %s\n" % (self.address_string(), fmt % args))


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, home, profile):
        self.carbon_home = home
        self.profile = profile
        self.node = socket.gethostname()
        # Carbon reads carbon.xml and axis2.xml once, at startup: a change
        # takes effect only through a restart. The stand-in does the same.
        self.port = HTTP_BASE_PORT + read_offset(home)
        self.depsync = read_depsync(home)
        if self.depsync:
            self.depsync["trust"] = snapshot_svn_trust()
        self.clustering = read_clustering(home)
        self.depsync_status = "not started"
        ThreadingHTTPServer.__init__(self, ("0.0.0.0", self.port), Handler, bind_and_activate=False)

    def open_port(self):
        self.server_bind()
        self.server_activate()

    def identity(self):
        return {
            "test_double": "sample pack stand-in server, not WSO2 API Manager",
            "node": self.node,
            "dc": os.environ.get("MULTIDC_APIM_DC", ""),
            "profile": self.profile,
            "port": self.port,
            "clustering": self.clustering,
            "depsync_settings": dict((k, v) for k, v in self.depsync.items() if k != "password") if self.depsync else None,
            "depsync": self.depsync_status,
            "apps": [a for a in APPS if os.path.isdir(
                os.path.join(self.carbon_home, "repository", "deployment", "server", "jaggeryapps", a))],
        }


def main(argv):
    server = StandInServer(carbon_home(), profile_from_args(argv))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    delay = startup_seconds()
    sys.stderr.write("standin: %s starting, port %d opens in %.0f s\n" % (server.node, server.port, delay))
    time.sleep(delay)
    server.open_port()
    threading.Thread(target=depsync_loop, args=(server,), daemon=True).start()
    sys.stderr.write("standin: %s serving on port %d (profile %s)\n" % (server.node, server.port, server.profile))
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
