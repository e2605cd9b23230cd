"""Rules with one home: CARBON_HOME and the APIM unit are defined by the topology
(plugins/module_utils/topology.py) and nowhere in the roles or playbooks, and
every role that edits a file Carbon reads at startup notifies the one restart
topic, whose only handler is multidc.apim.common's."""
import os
import re

import pytest
import yaml

from ansible_collections.multidc.apim.tests.unit.roles.project_yaml import REPO, project_files

RESTART_TOPIC = "multidc.apim restart apim"


@pytest.mark.parametrize("path", sorted(project_files("roles", "playbooks", "site.yml", suffix=(".yml", ".j2"))))
def test_no_role_or_playbook_defines_carbon_home_or_the_unit_name(path):
    with open(os.path.join(REPO, path)) as handle:
        text = handle.read()
    assert re.findall(r"/opt/wso2\b[^\s'\"]*", text) == []
    assert re.findall(r"default\(['\"]wso2am['\"]\)|service_name: wso2am", text) == []


def handlers(role):
    path = os.path.join(REPO, "roles", role, "handlers", "main.yml")
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return yaml.safe_load(handle) or []


def test_the_restart_topic_has_one_home():
    listening = dict((role, [h["name"] for h in handlers(role)
                             if RESTART_TOPIC in ([h.get("listen")] if isinstance(h.get("listen"), str) else h.get("listen") or [])])
                     for role in os.listdir(os.path.join(REPO, "roles")))
    assert sorted(role for role, names in listening.items() if names) == ["common"]


@pytest.mark.parametrize("role", ["worker_manager", "hazelcast_cluster", "depsync_svn"])
def test_roles_that_edit_startup_files_notify_the_restart_topic_and_load_its_handler(role):
    notified = set()
    for path in project_files(os.path.join("roles", role, "tasks")):
        with open(os.path.join(REPO, path)) as handle:
            for task in yaml.safe_load(handle) or []:
                notify = task.get("notify")
                notified.update([notify] if isinstance(notify, str) else notify or [])
    assert notified == {RESTART_TOPIC}
    with open(os.path.join(REPO, "roles", role, "meta", "main.yml")) as handle:
        dependencies = yaml.safe_load(handle)["dependencies"]
    assert {"role": "multidc.apim.common"} in dependencies


@pytest.mark.parametrize("role", ["worker_manager", "hazelcast_cluster", "depsync_svn"])
def test_only_the_common_role_starts_or_restarts_api_manager(role):
    """Starting and restarting APIM belongs to the one restart path, which rolls; a role that did it itself
    would restart nodes all at once."""
    states = []
    for path in project_files(os.path.join("roles", role, "tasks")):
        with open(os.path.join(REPO, path)) as handle:
            for task in yaml.safe_load(handle) or []:
                module = task.get("ansible.builtin.systemd_service") or task.get("ansible.builtin.service") or {}
                if isinstance(module, dict) and module.get("state"):
                    states.append((path, task.get("name"), module["state"]))
    assert states == []
