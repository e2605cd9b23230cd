"""The stand-in server's deployment-synchronizer emulation (TEST DOUBLE) reads carbon.xml as Carbon would."""
import importlib.util
import os
import socket

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
spec = importlib.util.spec_from_file_location("standin_server", os.path.join(ROOT, "tests", "sample_pack", "standin_server.py"))
standin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(standin)

CARBON = """<?xml version="1.0" encoding="ISO-8859-1"?>
<Server xmlns="http://wso2.org/projects/carbon/carbon.xml">
    <Deployment>{interval}</Deployment>
    <DeploymentSynchronizer>
        <Enabled>{enabled}</Enabled>
        <AutoCommit>{commit}</AutoCommit>
        <AutoCheckout>true</AutoCheckout>
        <RepositoryType>svn</RepositoryType>
        <SvnUrl>http://dc2-svn/svn/apim/</SvnUrl>
        <SvnUser>depsync</SvnUser>
        <SvnPassword>secret</SvnPassword>
        <SvnUrlAppendTenantId>{append}</SvnUrlAppendTenantId>
    </DeploymentSynchronizer>
</Server>
"""


@pytest.mark.parametrize("enabled, commit, append, interval, expected", [
    ("true", "true", "true", "<UpdateInterval>7</UpdateInterval>",
     {"url": "http://dc2-svn/svn/apim/-1234/synapse-configs", "user": "depsync", "password": "secret",
      "auto_commit": True, "auto_checkout": True, "interval": 7}),
    ("true", "false", "false", "",
     {"url": "http://dc2-svn/svn/apim/synapse-configs", "user": "depsync", "password": "secret",
      "auto_commit": False, "auto_checkout": True, "interval": 15}),
    ("false", "true", "true", "", None),
], ids=["committer", "checkout-only-no-tenant", "disabled"])
def test_read_depsync(tmp_path, enabled, commit, append, interval, expected):
    conf = tmp_path / "repository" / "conf"
    conf.mkdir(parents=True)
    (conf / "carbon.xml").write_text(CARBON.format(enabled=enabled, commit=commit, append=append, interval=interval))
    assert standin.read_depsync(str(tmp_path)) == expected


def test_missing_svn_client_raises_oserror_that_the_loop_reports(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    settings = {"url": "http://127.0.0.1:9/svn/x", "user": "u", "password": "p", "auto_commit": False,
                "auto_checkout": True, "interval": 1}
    with pytest.raises(OSError):
        standin.depsync_once(str(tmp_path), settings)


AXIS2 = """<axisconfig name="AxisJava2.0">
    <clustering class="org.wso2.carbon.core.clustering.hazelcast.HazelcastClusteringAgent" enable="{enable}">
        <parameter name="domain">wso2.am.dc1.domain</parameter>
    </clustering>
</axisconfig>
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_conf(home, offset, commit, clustering):
    conf = home / "repository" / "conf"
    (conf / "axis2").mkdir(parents=True, exist_ok=True)
    carbon = CARBON.format(enabled="true", commit=commit, append="true", interval="<UpdateInterval>3</UpdateInterval>")
    (conf / "carbon.xml").write_text(carbon.replace("<Deployment>", "<Ports><Offset>%d</Offset></Ports><Deployment>" % offset))
    (conf / "axis2" / "axis2.xml").write_text(AXIS2.format(enable=clustering))


def test_configuration_is_read_once_at_start_as_carbon_does(tmp_path, monkeypatch):
    """A change to carbon.xml or axis2.xml reaches the stand-in only through a restart (as with Carbon)."""
    offset = free_port() - standin.HTTP_BASE_PORT
    write_conf(tmp_path, offset, "false", "true")
    server = standin.StandInServer(str(tmp_path), "default")
    try:
        write_conf(tmp_path, offset + 1, "true", "false")
        seen = []
        monkeypatch.setattr(standin, "depsync_once", lambda home, settings: seen.append(settings) or "synchronized")
        assert standin.depsync_cycle(server) == 3
        identity = server.identity()
    finally:
        server.server_close()
    assert server.port == standin.HTTP_BASE_PORT + offset
    assert [s["auto_commit"] for s in seen] == [False]
    assert identity["depsync_settings"]["auto_commit"] is False
    assert "password" not in identity["depsync_settings"]
    assert identity["clustering"]["enabled"] is True
