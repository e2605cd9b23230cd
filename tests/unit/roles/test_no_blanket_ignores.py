"""Check mode must be able to fail: no task swallows its errors.

Roles and playbooks decide with explicit read-only probes what a check run on
a fresh host can do (and report the rest as changes); a blanket
``ignore_errors`` would also hide a genuinely bad input.
"""
import pytest

from ansible_collections.multidc.apim.tests.unit.roles.project_yaml import load_all, mappings, project_files


@pytest.mark.parametrize("path", sorted(project_files("roles", "playbooks", "molecule", "site.yml")))
def test_no_task_ignores_its_errors(path):
    assert [task.get("name") for task in mappings(load_all(path)) if "ignore_errors" in task] == []
