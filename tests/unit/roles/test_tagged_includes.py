"""A role's tags reach the tasks it includes.

Tags on an ``include_tasks`` task select the include only, not the tasks of
the included file: without ``apply: {tags: ...}``, ``--tags <role>_configure``
runs the include and then skips every task in it, silently. The roles' main.yml
imports its task files under role tags, so each include inside them must apply
one of those tags to what it includes. (The common role's entry points are
called untagged, by other roles and handlers.)
"""
import os

import pytest

from ansible_collections.multidc.apim.tests.unit.roles.project_yaml import load_all, mappings, project_files

INCLUDE = "ansible.builtin.include_tasks"
ROLE_FILES = sorted(path for path in project_files("roles")
                    if os.sep + "tasks" + os.sep in path and not path.startswith(os.path.join("roles", "common")))


def role_tags(role):
    tags = set()
    for task in mappings(load_all(os.path.join("roles", role, "tasks", "main.yml"))):
        value = task.get("tags", [])
        tags.update([value] if isinstance(value, str) else value)
    return tags - {"always"}


def test_the_roles_include_task_files():
    assert any(INCLUDE in task for path in ROLE_FILES for task in mappings(load_all(path)))


@pytest.mark.parametrize("path", ROLE_FILES)
def test_every_include_applies_a_tag_of_its_role(path):
    tags = role_tags(path.split(os.sep)[1])
    untagged = []
    for task in mappings(load_all(path)):
        if INCLUDE not in task:
            continue
        args = task[INCLUDE]
        applied = set((args.get("apply") or {}).get("tags", [])) if isinstance(args, dict) else set()
        if not applied & tags:
            untagged.append(task.get("name"))
    assert untagged == []
