"""Every package install goes through the action multidc.apim.packages, and nothing decides whether to
refresh the apt lists from a time stamp.

A freshly built image or cloud host has empty apt lists in a directory whose
time stamp is new; apt's cache_valid_time takes such lists for fresh, skips
the refresh, and the install fails with "No package matching".
"""
import os

import pytest

from ansible_collections.multidc.apim.tests.unit.roles.project_yaml import load_all, mappings, project_files

PACKAGE_MODULES = {"ansible.builtin.apt", "ansible.builtin.package", "ansible.builtin.dnf", "apt", "package", "dnf"}


def package_tasks(path):
    for task in mappings(load_all(path)):
        for module in PACKAGE_MODULES & set(task):
            yield module, task[module]


FILES = sorted(project_files("roles", "playbooks", "molecule", "site.yml"))


def test_the_search_sees_the_roles_and_the_lab():
    assert os.path.join("roles", "nginx_lb", "tasks", "install.yml") in FILES
    assert os.path.join("playbooks", "lab", "standin_deps.yml") in FILES
    assert any("multidc.apim.packages" in task for path in FILES for task in mappings(load_all(path)))


@pytest.mark.parametrize("path", FILES)
def test_packages_are_installed_only_through_the_packages_action(path):
    assert [module for module, dummy in package_tasks(path)] == []
