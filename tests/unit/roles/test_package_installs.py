"""Every package install goes through multidc.apim.common's packages entry
point (its packages_install.yml), and nothing decides whether to refresh the apt lists from a time stamp.

A freshly built image or cloud host has empty apt lists in a directory whose
time stamp is new; apt's cache_valid_time takes such lists for fresh, skips
the refresh, and the install fails with "No package matching".
"""
import os

import pytest

from ansible_collections.multidc.apim.tests.unit.roles.project_yaml import load_all, mappings, project_files

PACKAGE_MODULES = {"ansible.builtin.apt", "ansible.builtin.package", "ansible.builtin.dnf", "apt", "package", "dnf"}
THE_ONE_HOME = os.path.join("roles", "common", "tasks", "packages_install.yml")


def package_tasks(path):
    for task in mappings(load_all(path)):
        for module in PACKAGE_MODULES & set(task):
            yield module, task[module]


FILES = sorted(project_files("roles", "playbooks", "molecule", "site.yml"))


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
