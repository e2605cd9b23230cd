"""Every package install goes through multidc.apim.common's packages entry
point, and nothing decides whether to refresh the apt lists from a time stamp.

A freshly built image or cloud host has empty apt lists in a directory whose
time stamp is new; apt's cache_valid_time takes such lists for fresh, skips
the refresh, and the install fails with "No package matching".
"""
import os

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SEARCHED = ("roles", "playbooks", "molecule", "site.yml")
PACKAGE_MODULES = {"ansible.builtin.apt", "ansible.builtin.package", "ansible.builtin.dnf", "apt", "package", "dnf"}
THE_ONE_HOME = os.path.join("roles", "common", "tasks", "packages.yml")


def yaml_files():
    for top in SEARCHED:
        path = os.path.join(REPO, top)
        if os.path.isfile(path):
            yield top
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.endswith((".yml", ".yaml")):
                    yield os.path.relpath(os.path.join(root, name), REPO)


def tasks_in(node):
    """Every mapping that looks like a task, at any depth (plays, blocks, handlers)."""
    if isinstance(node, list):
        for item in node:
            yield from tasks_in(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            yield from tasks_in(value)


def package_tasks(path):
    with open(os.path.join(REPO, path)) as handle:
        documents = list(yaml.safe_load_all(handle))
    for task in tasks_in(documents):
        for module in PACKAGE_MODULES & set(task):
            yield module, task[module]


FILES = sorted(yaml_files())


def test_the_search_sees_the_roles_and_the_lab():
    assert THE_ONE_HOME in FILES
    assert os.path.join("playbooks", "lab", "standin_deps.yml") in FILES


@pytest.mark.parametrize("path", FILES)
def test_no_time_stamp_decides_a_refresh(path):
    offending = [module for module, args in package_tasks(path)
                 if isinstance(args, dict) and "cache_valid_time" in args]
    assert offending == []


@pytest.mark.parametrize("path", [f for f in FILES if f != THE_ONE_HOME])
def test_packages_are_installed_only_through_the_common_role(path):
    assert [module for module, dummy in package_tasks(path)] == []


def test_the_common_install_refreshes_whenever_it_installs_with_apt():
    apt = [args for module, args in package_tasks(THE_ONE_HOME) if module == "ansible.builtin.apt"]
    assert len(apt) == 1
    assert apt[0].get("update_cache") is True
    assert "cache_valid_time" not in apt[0]
