#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of the action multidc.apim.packages (plugins/action/packages.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r"""
---
module: packages
short_description: Install the packages a host lacks, without touching the package lists of a converged host
version_added: 0.1.0
description:
  - Reads the installed packages once per host with M(ansible.builtin.package_facts) and returns them as the fact
    C(ansible_facts.packages), so a later task on the same host reads them instead of asking again.
  - Installs only the packages missing from them. A host that has them all runs no C(apt-get update) and needs no
    package mirror.
  - On Debian-family hosts (and when the OS family is unknown) the apt lists are refreshed before every install,
    whatever the age of the lists directory. A freshly built image or cloud host often has empty lists in a
    directory whose time stamp is new, so a time-based C(cache_valid_time) would skip the refresh and the install
    would fail. RedHat-family hosts install with their package manager, M(ansible.builtin.dnf) or
    M(ansible.builtin.dnf5), taken from C(ansible_facts.pkg_mgr) or asked of the host as M(ansible.builtin.package)
    does.
  - The one place in the collection that installs packages; every role calls it.
author:
  - multidc.apim developers (@multidc)
options:
  name:
    description: Names of the packages that must be installed.
    type: list
    elements: str
    required: true
attributes:
  action:
    description: Runs on the controller and calls modules on the target.
    support: full
  check_mode:
    description:
      - Reports the missing packages as a change and installs nothing. On a host with apt lists, apt looks the
        names up as a real run would, so an unknown name fails. On a host with empty lists, which check mode
        may not refresh, the install is reported as a change.
    support: full
  diff_mode:
    description: No diff is returned.
    support: none
  idempotent:
    description: A second run finds every package installed and reports no change.
    support: full
  platform:
    description: Debian-family hosts (apt) and RedHat-family hosts (dnf, dnf5).
    platforms: posix
    support: full
notes:
  - The OS family comes from C(ansible_facts.os_family) when gathered; without it the host is taken for Debian.
"""

EXAMPLES = r"""
- name: Install nginx unless it is already there
  multidc.apim.packages:
    name: [nginx]
"""

RETURN = r"""
missing:
  description: The packages of O(name) that were not installed when the task started.
  returned: always
  type: list
  elements: str
  sample: [nginx]
ansible_facts:
  description: The installed packages, when this task read them (first call on a host, or after an install).
  returned: when read
  type: dict
  contains:
    packages:
      description: As returned by M(ansible.builtin.package_facts).
      type: dict
      returned: when read
"""
