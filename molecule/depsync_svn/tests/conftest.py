"""The SVN servers of the depsync_svn scenario, shared by its test modules."""
import os

import pytest
import testinfra


def host_named(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


@pytest.fixture(scope="module")
def master():
    return host_named("ds-dc1-svn")


@pytest.fixture(scope="module")
def mirror():
    return host_named("ds-dc2-svn")
