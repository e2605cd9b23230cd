"""Check mode must be able to fail: no task swallows its errors.

Roles and playbooks decide with explicit read-only probes what a check run on
a fresh host can do (and report the rest as changes); a blanket
``ignore_errors`` would also hide a genuinely bad input.
"""
import os

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def yaml_files():
    for top in ("roles", "playbooks", "molecule"):
        for root, dirs, files in os.walk(os.path.join(REPO, top)):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.endswith((".yml", ".yaml")):
                    yield os.path.relpath(os.path.join(root, name), REPO)
    yield "site.yml"


def mappings(node):
    if isinstance(node, list):
        for item in node:
            yield from mappings(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            yield from mappings(value)


@pytest.mark.parametrize("path", sorted(yaml_files()))
def test_no_task_ignores_its_errors(path):
    with open(os.path.join(REPO, path)) as handle:
        documents = list(yaml.safe_load_all(handle))
    assert [task.get("name") for task in mappings(documents) if "ignore_errors" in task] == []
