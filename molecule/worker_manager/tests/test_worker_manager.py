"""Testinfra checks for the worker_manager scenario (two DCs, one manager and one worker each).

What is checked is the real state of the nodes: files, the systemd service,
and over HTTP the sample pack's stand-in server (a TEST DOUBLE for the WSO2
server) that reports what it was configured with and serves /publisher only
while the publisher application is deployed.
"""
import json
from xml.etree import ElementTree

import pytest

# Only the nodes the scenario created (the inventory also names DB hosts that
# are never created).
testinfra_hosts = ["ansible://apim_managers", "ansible://apim_workers"]

CARBON_HOME = "/opt/wso2/wso2am-2.6.0"
CONF = CARBON_HOME + "/repository/conf"
JAGGERY = CARBON_HOME + "/repository/deployment/server/jaggeryapps"
PARKED = CARBON_HOME + "/repository/deployment/parked/publisher/jaggeryapps/publisher"
MASTER_DC = "dc1"
HTTP_PORT = 9763
# Bounded wait for a stand-in that is (re)starting: 40 tries, 0.5 s apart.
HTTP_GET = r"""
import sys, time, urllib.error, urllib.request
url = sys.argv[1]
for attempt in range(40):
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            print(response.status); print(response.read().decode()); sys.exit(0)
    except urllib.error.HTTPError as error:
        print(error.code); print(error.read().decode()); sys.exit(0)
    except OSError:
        time.sleep(0.5)
print(0); print("no answer from " + url); sys.exit(0)
"""


def node(host):
    """(name, dc, function) of the node under test, from its inventory groups."""
    variables = host.ansible.get_variables()
    groups = variables["group_names"]
    dc = next(g for g in groups if g in ("dc1", "dc2"))
    function = "manager" if "apim_managers" in groups else "worker"
    return variables["inventory_hostname"], dc, function


def http_get(host, url):
    """GET url from inside the node with python3 urllib; returns (status, body)."""
    result = host.run("timeout 30 python3 -c %s %s", HTTP_GET, url)
    assert result.rc == 0, result.stderr
    status, dummy, body = result.stdout.partition("\n")
    return int(status), body.strip()


def identity(host):
    status, body = http_get(host, "http://localhost:%d/" % HTTP_PORT)
    assert status == 200, body
    return json.loads(body)


def clustering(host):
    root = ElementTree.fromstring(host.file(CONF + "/axis2/axis2.xml").content)
    block = root.find("clustering")
    params = {p.get("name"): (p.text or "").strip() for p in block.findall("parameter")}
    props = {p.get("name"): p.get("value") for p in block.findall("parameter[@name='properties']/property")}
    members = [(m.findtext("hostName").strip(), int(m.findtext("port"))) for m in block.findall("members/member")]
    return block.get("enable"), params, props, members


def test_service_enabled_and_running(host):
    service = host.service("wso2am")
    assert service.is_enabled
    assert service.is_running


def test_unit_runs_the_profile_and_restarts_on_failure(host):
    dummy, dc, function = node(host)
    unit = host.file("/etc/systemd/system/wso2am.service").content_string
    profile = "default" if function == "manager" else "gateway-worker"
    assert "ExecStart=%s/bin/wso2server.sh -Dprofile=%s\n" % (CARBON_HOME, profile) in unit
    assert "Restart=on-failure\n" in unit
    assert 'Environment="JAVA_HOME=' in unit
    assert 'Environment="JVM_MEM_OPTS=-Xms256m -Xmx1024m"' in unit
    assert 'Environment="MULTIDC_APIM_DC=%s"' % dc in unit
    assert "User=wso2\n" in unit


def test_pack_installed_in_versioned_dir_with_marker(host):
    marker = json.loads(host.file("/opt/wso2/.multidc-apim-installed").content_string)
    assert marker == {"version": "2.6.0", "carbon_home": CARBON_HOME}
    assert host.file("/opt/wso2/wso2am").linked_to == CARBON_HOME
    assert json.loads(host.file(CARBON_HOME + "/.multidc-apim-pack").content_string)["version"] == "2.6.0"
    assert host.file(CARBON_HOME + "/repository").user == "wso2"
    assert host.user("wso2").exists and host.group("wso2").exists


def test_modules_prerequisite_installed(host):
    assert host.package("python3-lxml").is_installed


def test_publisher_files_only_on_master_dc_manager(host):
    dummy, dc, function = node(host)
    expected = dc == MASTER_DC and function == "manager"
    assert host.file(JAGGERY + "/publisher").is_directory is expected
    # Parked, not destroyed, everywhere else.
    assert host.file(PARKED).is_directory is (not expected)
    assert host.file(JAGGERY + "/store").is_directory


def test_publisher_over_http_only_on_master_dc_manager(host):
    name, dc, function = node(host)
    expected = dc == MASTER_DC and function == "manager"
    status, body = http_get(host, "http://localhost:%d/publisher" % HTTP_PORT)
    assert status == (200 if expected else 404), body
    status, body = http_get(host, "http://localhost:%d/store" % HTTP_PORT)
    assert status == 200, body


def test_standin_reports_node_dc_profile(host):
    name, dc, function = node(host)
    seen = identity(host)
    assert seen["node"] == name
    assert seen["dc"] == dc
    assert seen["profile"] == ("default" if function == "manager" else "gateway-worker")
    assert ("publisher" in seen["apps"]) is (dc == MASTER_DC and function == "manager")


def test_clustering_is_dc_local(host):
    name, dc, function = node(host)
    enable, params, props, members = clustering(host)
    assert enable == "true"
    assert params["membershipScheme"] == "wka"
    assert params["domain"] == "wso2.am.%s.domain" % dc
    assert params["localMemberHost"] == name
    assert props["subDomain"] == ("mgt" if function == "manager" else "worker")
    assert sorted(members) == [("wm-%s-mgr1" % dc, 4000), ("wm-%s-wkr1" % dc, 4000)]
    # What the running server reports (read at its start) matches the file.
    seen = identity(host)["clustering"]
    assert seen["domain"] == "wso2.am.%s.domain" % dc
    assert sorted(seen["members"]) == ["wm-%s-mgr1:4000" % dc, "wm-%s-wkr1:4000" % dc]


@pytest.mark.parametrize("other_dc", ["dc1", "dc2"])
def test_domains_differ_per_dc(host, other_dc):
    dc = node(host)[1]
    seen = clustering(host)
    params, members = seen[1], seen[3]
    if other_dc == dc:
        assert params["domain"].endswith(".%s.domain" % dc)
    else:
        assert other_dc not in params["domain"]
        assert not [m for m in members if m[0].startswith("wm-%s-" % other_dc)]


def test_dc_peer_reachable_over_dc_network(host):
    """The node reaches its DC's manager on the DC network; the publisher answers only in the master DC."""
    dc = node(host)[1]
    status, body = http_get(host, "http://wm-%s-mgr1:%d/publisher" % (dc, HTTP_PORT))
    assert status == (200 if dc == MASTER_DC else 404), body


def test_carbon_xml_hostnames_and_offset(host):
    name = node(host)[0]
    ns = {"c": "http://wso2.org/projects/carbon/carbon.xml"}
    root = ElementTree.fromstring(host.file(CONF + "/carbon.xml").content)
    assert root.findtext("c:HostName", namespaces=ns) == name
    assert root.findtext("c:MgtHostName", namespaces=ns) == name
    assert root.findtext("c:Ports/c:Offset", namespaces=ns).strip() == "0"


def test_datasources_point_at_dc_local_db(host):
    dc = node(host)[1]
    root = ElementTree.fromstring(host.file(CONF + "/datasources/master-datasources.xml").content)
    config = {d.findtext("name"): d.find("definition/configuration") for d in root.iter("datasource")}
    # Database names and users from the topology's default apim_databases.
    assert config["WSO2AM_DB"].findtext("url").startswith("jdbc:mysql://wm-%s-db:3306/WSO2AM_DB?" % dc)
    assert config["WSO2AM_DB"].findtext("username") == "wso2am"
    assert config["WSO2_SHARED_REG_DB"].findtext("url").startswith("jdbc:mysql://wm-%s-db:3306/WSO2REG_DB?" % dc)
    assert config["WSO2_SHARED_REG_DB"].findtext("username") == "wso2reg"


def test_registry_mounts_shared_registry(host):
    dummy, dc, function = node(host)
    root = ElementTree.fromstring(host.file(CONF + "/registry.xml").content)
    instance = root.find("remoteInstance[id='sharedregistry']")
    assert instance is not None
    assert instance.findtext("dbConfig") == "sharedregistry"
    assert instance.findtext("readOnly") == ("false" if function == "manager" else "true")
    assert instance.findtext("cacheId") == "wso2reg@jdbc:mysql://wm-%s-db:3306/WSO2REG_DB" % dc
    mounts = {m.get("path"): m.findtext("instanceId") for m in root.findall("mount")}
    assert mounts == {"/_system/config": "sharedregistry", "/_system/governance": "sharedregistry"}
    assert root.find("dbConfig[@name='sharedregistry']").findtext("dataSource") == "jdbc/WSO2SharedRegDB"


def test_api_manager_endpoints_in_own_dc(host):
    dummy, dc, function = node(host)
    root = ElementTree.fromstring(host.file(CONF + "/api-manager.xml").content)
    key_manager = "https://wm-%s-mgr1:9443/services/" % dc
    assert root.findtext("APIKeyValidator/ServerURL") == key_manager
    assert root.findtext("AuthManager/ServerURL") == key_manager
    assert root.findtext("APIGateway/Environments/Environment/ServerURL") == key_manager
    assert root.findtext("APIGateway/Environments/Environment/GatewayEndpoint") == (
        "http://wm-{0}-wkr1:8280,https://wm-{0}-wkr1:8243".format(dc))
    assert root.findtext("APIKeyValidator/EnableThriftServer") == ("true" if function == "manager" else "false")
