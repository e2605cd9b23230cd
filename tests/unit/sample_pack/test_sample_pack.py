"""Tests of the sample pack builder and its stand-in server (both TEST DOUBLES for wso2am).

The builder must give the same bytes for the same inputs, the real layout and
the right file modes; the stand-in must listen on 9763 + the carbon.xml port
offset and serve /publisher only while the publisher application is deployed.
The stand-in is started on a free port, reached over loopback, bounded in
time, and always terminated.
"""
import hashlib
import importlib.util
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD_PY = os.path.join(ROOT, "tests", "sample_pack", "build.py")
VERSIONS = sorted(os.listdir(os.path.join(ROOT, "tests", "fixtures", "carbon")))
HTTP_BASE_PORT = 9763
STARTUP_SECONDS = 15


def _load_builder():
    spec = importlib.util.spec_from_file_location("sample_pack_build", BUILD_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_builder()


@pytest.fixture(scope="module")
def pack_2_6(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("pack") / "wso2am-2.6.0.zip")
    digest = build.build(path, "2.6.0")
    return path, digest


def _sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


# -- builder -------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_same_inputs_give_same_bytes(tmp_path, version):
    first, second = str(tmp_path / "a.zip"), str(tmp_path / "b.zip")
    digest_a = build.build(first, version)
    time.sleep(1.1)  # a timestamp leaking into the zip would show now
    digest_b = build.build(second, version)
    with open(first, "rb") as a, open(second, "rb") as b:
        assert a.read() == b.read()
    assert digest_a == digest_b == _sha256(first)


def test_cli_prints_sha256_and_path(tmp_path):
    output = str(tmp_path / "out" / "wso2am-2.6.0.zip")
    result = subprocess.run([sys.executable, BUILD_PY, "--output", output], capture_output=True, text=True,
                            timeout=60, check=True)
    digest, path = result.stdout.split()
    assert path == output
    assert digest == _sha256(output)
    assert not os.path.exists(output + ".tmp")


def test_unknown_version_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="no configuration fixtures for version 9.9.9"):
        build.build(str(tmp_path / "x.zip"), "9.9.9")


@pytest.mark.parametrize("version", VERSIONS)
def test_layout(tmp_path, version):
    path = str(tmp_path / "pack.zip")
    build.build(path, version)
    top = "wso2am-%s/" % version
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert archive.testzip() is None
    assert names == sorted(names)
    assert all(name.startswith(top) for name in names)
    rel = {name[len(top):] for name in names}
    for required in (
        "bin/wso2server.sh",
        "bin/sample-pack-standin-server.py",
        "SAMPLE-PACK-TEST-DOUBLE.txt",
        "repository/conf/carbon.xml",
        "repository/conf/axis2/axis2.xml",
        "repository/conf/registry.xml",
        "repository/conf/datasources/master-datasources.xml",
        "dbscripts/mysql.sql",
        "dbscripts/apimgt/mysql.sql",
    ):
        assert required in rel, required
    for app in ("publisher", "store", "admin"):
        assert "repository/deployment/server/jaggeryapps/%s/index.jag" % app in rel
        assert "repository/deployment/server/jaggeryapps/%s/site/conf/site.json" % app in rel
    wars = [r for r in rel if r.startswith("repository/deployment/server/webapps/api#am#publisher#")]
    assert len(wars) == (1 if version.startswith("2.") else 0)


def test_2_6_has_api_manager_xml_and_publisher_rest_war(pack_2_6):
    path = pack_2_6[0]
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert "wso2am-2.6.0/repository/conf/api-manager.xml" in names
    assert "wso2am-2.6.0/repository/deployment/server/webapps/api#am#publisher#v0.14.war" in names


def test_modes_executable_only_for_scripts(pack_2_6):
    path = pack_2_6[0]
    with zipfile.ZipFile(path) as archive:
        modes = {info.filename: (info.external_attr >> 16) for info in archive.infolist()}
    executables = {"wso2am-2.6.0/bin/wso2server.sh", "wso2am-2.6.0/bin/sample-pack-standin-server.py"}
    for name, mode in modes.items():
        assert stat.S_ISREG(mode), name
        expected = 0o755 if name in executables else 0o644
        assert stat.S_IMODE(mode) == expected, (name, oct(mode))


def test_configs_are_the_fixtures(pack_2_6):
    path = pack_2_6[0]
    fixture = os.path.join(ROOT, "tests", "fixtures", "carbon", "2.6.0", "repository", "conf", "carbon.xml")
    with zipfile.ZipFile(path) as archive, open(fixture, "rb") as handle:
        assert archive.read("wso2am-2.6.0/repository/conf/carbon.xml") == handle.read()


# -- stand-in server -----------------------------------------------------------

def _free_port_above_base():
    """A free TCP port above 9763 (so it is reachable as 9763 + offset)."""
    for dummy in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port > HTTP_BASE_PORT:
            return port
    pytest.skip("no free port above %d" % HTTP_BASE_PORT)


def _extract(pack, dest):
    """Unzip keeping the modes stored in the archive (zipfile alone drops them)."""
    with zipfile.ZipFile(pack) as archive:
        archive.extractall(dest)
        for info in archive.infolist():
            os.chmod(os.path.join(dest, info.filename), stat.S_IMODE(info.external_attr >> 16))
    return os.path.join(dest, "wso2am-2.6.0")


def _set_offset(home, offset):
    conf = os.path.join(home, "repository", "conf", "carbon.xml")
    with open(conf) as handle:
        text = handle.read()
    text, count = re.subn(r"<Offset>\s*\d+\s*</Offset>", "<Offset>%d</Offset>" % offset, text)
    assert count == 1
    with open(conf, "w") as handle:
        handle.write(text)


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def standin(tmp_path, pack_2_6):
    home = _extract(pack_2_6[0], str(tmp_path))
    port = _free_port_above_base()
    _set_offset(home, port - HTTP_BASE_PORT)
    env = dict(os.environ, MULTIDC_APIM_DC="dc7", MULTIDC_APIM_STARTUP_SECONDS="0")
    env.pop("CARBON_HOME", None)
    process = subprocess.Popen([os.path.join(home, "bin", "wso2server.sh"), "-Dprofile=gateway-worker"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = "http://127.0.0.1:%d" % port
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                if _get(base + "/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "stand-in did not answer on %s within %ds" % (base, STARTUP_SECONDS)
            time.sleep(0.1)
        yield home, base, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        process.stderr.close()


def test_standin_listens_on_base_plus_offset_and_reports_identity(standin):
    home, base, port = standin
    status, body = _get(base + "/")
    assert status == 200
    seen = json.loads(body)
    assert seen["port"] == port
    assert seen["dc"] == "dc7"
    assert seen["profile"] == "gateway-worker"
    assert seen["node"] == socket.gethostname()
    assert "not WSO2" in seen["test_double"]
    assert seen["apps"] == ["publisher", "store", "admin"]
    assert seen["clustering"]["enabled"] is False


def test_standin_serves_publisher_only_while_deployed(standin):
    home, base = standin[:2]
    jaggery = os.path.join(home, "repository", "deployment", "server", "jaggeryapps")
    assert _get(base + "/publisher")[0] == 200
    assert _get(base + "/store/")[0] == 200
    shutil.move(os.path.join(jaggery, "publisher"), os.path.join(home, "parked-publisher"))
    status, body = _get(base + "/publisher")
    assert status == 404 and "not deployed" in body
    assert _get(base + "/store")[0] == 200
    assert "publisher" not in json.loads(_get(base + "/")[1])["apps"]
    shutil.move(os.path.join(home, "parked-publisher"), os.path.join(jaggery, "publisher"))
    assert _get(base + "/publisher")[0] == 200


def test_standin_unknown_path_is_404(standin):
    base = standin[1]
    assert _get(base + "/nope")[0] == 404


def test_standin_stops_on_sigterm(tmp_path, pack_2_6):
    home = _extract(pack_2_6[0], str(tmp_path))
    port = _free_port_above_base()
    _set_offset(home, port - HTTP_BASE_PORT)
    process = subprocess.Popen([os.path.join(home, "bin", "wso2server.sh")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=dict(os.environ, MULTIDC_APIM_STARTUP_SECONDS="0"))
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                if _get("http://127.0.0.1:%d/health" % port)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
        process.terminate()
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def test_standin_refuses_connections_while_it_starts_as_carbon_does(tmp_path, pack_2_6):
    home = _extract(pack_2_6[0], str(tmp_path))
    port = _free_port_above_base()
    _set_offset(home, port - HTTP_BASE_PORT)
    delay = 3
    env = dict(os.environ, MULTIDC_APIM_STARTUP_SECONDS=str(delay))
    started = time.monotonic()
    process = subprocess.Popen([os.path.join(home, "bin", "wso2server.sh")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
    refused = answered = None
    try:
        deadline = started + delay + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                status = _get("http://127.0.0.1:%d/services/Version" % port)[0]
            except OSError:
                refused = time.monotonic() - started
            else:
                if status == 200:
                    answered = time.monotonic() - started
                    break
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert refused is not None and refused >= delay - 1, refused
    assert answered is not None and answered >= delay, answered


def _load_standin():
    spec = importlib.util.spec_from_file_location("standin_server", os.path.join(
        os.path.dirname(BUILD_PY), "standin_server.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pem(body):
    return "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----" % body


def test_standin_trusts_the_svn_client_cas_it_saw_at_start_and_nothing_added_later(tmp_path):
    """Like Carbon's JVM with its trust store: a CA file changed after the start is not trusted until a restart.

    Every certificate gets a file of its own, a bundle's too: the svn client reads only the first of a file."""
    standin = _load_standin()
    first, bundle = tmp_path / "first.pem", tmp_path / "bundle.pem"
    first.write_text(_pem("Rk9P") + "\n")
    bundle.write_text("a comment\n%s\n%s\n%s\n" % (_pem("QkFS"), _pem("Rk9P"), _pem("QkFa")))
    servers = tmp_path / "servers"
    servers.write_text("### comment\n[groups]\n[global]\n# a comment\nssl-authority-files = %s;%s\n" % (first, bundle))
    snapshot = standin.snapshot_svn_trust(str(servers))
    files = snapshot.split(";")
    first.write_text(_pem("TEFURVI=") + "\n")
    contents = []
    for path in files:
        with open(path) as handle:
            contents.append(handle.read())
    assert contents == [_pem(body) + "\n" for body in ("Rk9P", "QkFS", "QkFa")]
    assert len(set(os.path.dirname(path) for path in files)) == 1


def test_standin_without_a_configured_ca_trusts_no_extra_file(tmp_path):
    standin = _load_standin()
    servers = tmp_path / "servers"
    servers.write_text("[global]\nhttp-timeout = 20\n")
    assert standin.snapshot_svn_trust(str(servers)) == ""
    assert standin.snapshot_svn_trust(str(tmp_path / "missing")) == ""
