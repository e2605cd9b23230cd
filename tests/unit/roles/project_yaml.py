# -*- coding: utf-8 -*-
"""The project's Ansible YAML (roles, playbooks, scenarios) as the guard tests read it."""

import os

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def project_files(*tops, suffix=(".yml", ".yaml")):
    """Paths relative to the repository of the files under ``tops`` (a top may be a file) ending in ``suffix``."""
    for top in tops:
        path = os.path.join(REPO, top)
        if os.path.isfile(path):
            yield top
            continue
        for root, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                if name.endswith(suffix):
                    yield os.path.relpath(os.path.join(root, name), REPO)


def load_all(path):
    with open(os.path.join(REPO, path)) as handle:
        return list(yaml.safe_load_all(handle))


def mappings(node):
    """Every mapping at any depth: plays, tasks, blocks, handlers."""
    if isinstance(node, list):
        for item in node:
            yield from mappings(item)
    elif isinstance(node, dict):
        yield node
        for value in node.values():
            yield from mappings(value)
