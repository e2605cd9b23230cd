"""Every role's meta/argument_specs.yml documents exactly the variables in its
defaults/main.yml, with the same default values (the specs and the defaults
are kept in step, as prometheus.prometheus does in CI)."""
import os

import pytest
import yaml

ROLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "roles")
ROLE_NAMES = sorted(name for name in os.listdir(ROLES) if os.path.isdir(os.path.join(ROLES, name)))


def load(role, *path):
    with open(os.path.join(ROLES, role, *path)) as handle:
        return yaml.safe_load(handle) or {}


def normalise(value):
    """Folded and quoted spellings of one template differ only in whitespace."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, dict):
        return dict((k, normalise(v)) for k, v in value.items())
    return value


INTERNAL_ROLES = ["common"]
DEPLOYMENT_ROLES = [name for name in ROLE_NAMES if name not in INTERNAL_ROLES]


def test_the_six_roles_and_the_internal_one_exist():
    assert DEPLOYMENT_ROLES == sorted(["db_replication", "depsync_svn", "hazelcast_cluster", "nginx_lb", "svn_mirror",
                                       "worker_manager"])
    assert sorted(INTERNAL_ROLES) == sorted(set(ROLE_NAMES) - set(DEPLOYMENT_ROLES))


@pytest.mark.parametrize("role", INTERNAL_ROLES)
def test_internal_role_entry_points_take_only_prefixed_required_options(role):
    specs = load(role, "meta", "argument_specs.yml")["argument_specs"]
    assert specs, "no entry point"
    for entry_point, spec in specs.items():
        assert os.path.isfile(os.path.join(ROLES, role, "tasks", entry_point + ".yml")), entry_point
        assert all(name.startswith(role + "_") for name in spec.get("options", {})), entry_point


@pytest.mark.parametrize("role", DEPLOYMENT_ROLES)
def test_specs_document_exactly_the_defaults(role):
    defaults = load(role, "defaults", "main.yml")
    options = load(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert sorted(set(defaults) - set(options)) == [], "defaults without a spec"
    assert sorted(o for o in set(options) - set(defaults) if not options[o].get("required")) == [], "specs without a default"
    assert all(name.startswith(role + "_") for name in options), "public variables carry the role prefix"


@pytest.mark.parametrize("role", DEPLOYMENT_ROLES)
def test_spec_defaults_equal_the_defaults(role):
    defaults = load(role, "defaults", "main.yml")
    options = load(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    different = [name for name, spec in options.items()
                 if name in defaults and normalise(spec.get("default")) != normalise(defaults[name])]
    assert different == []
