#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: svn_repository_info
short_description: Read the state of an SVN repository on its server, master or svnsync mirror
version_added: 0.1.0
description:
  - Reads a repository on the host's file system with C(svnlook), not through its web server, so it answers
    while Apache is down.
  - Reports whether the repository exists, its youngest revision and UUID, and the svnsync bookkeeping of its
    revision 0 (C(svn:sync-from-url), C(svn:sync-from-uuid), C(svn:sync-last-merged-rev), C(svn:sync-lock),
    C(svn:sync-currently-copying)).
    A repository that records a C(svn:sync-from-url) is a mirror; one that does not is a master, or a mirror
    that was never initialised.
  - Changes nothing.
author:
  - multidc.apim developers (@multidc)
options:
  path:
    description: The repository's directory (the one that holds C(format)).
    type: path
    required: true
  must_exist:
    description: Fail, naming the path, when there is no repository there; otherwise report RV(exists=false).
    type: bool
    default: false
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  idempotent:
    description: Running the task again reports no change.
    support: full
  platform:
    description: Target OS families that can be operated against.
    platforms: posix
    support: full
requirements:
  - C(svnlook) (Subversion) on the host, when the repository exists.
seealso:
  - module: multidc.apim.svn_repository_source
  - module: multidc.apim.publisher_deployment
'''

EXAMPLES = r'''
- name: Read the repository of this SVN server
  multidc.apim.svn_repository_info:
    path: /var/lib/svn/apim
  register: repository

- name: Tell a master from a mirror
  ansible.builtin.debug:
    msg: "{{ 'mirror of ' ~ repository.sync_from_url if repository.mirror else 'master' }} at r{{ repository.youngest }}"
  when: repository.exists
'''

RETURN = r'''
exists:
  description: Whether the path holds a repository.
  returned: always
  type: bool
youngest:
  description: The youngest revision; null without a repository.
  returned: always
  type: int
  sample: 42
uuid:
  description: The repository's UUID; every repository of a deployment carries the master's. Null without a repository.
  returned: always
  type: str
mirror:
  description: Whether the repository records an svnsync source (C(svn:sync-from-url) on revision 0).
  returned: always
  type: bool
sync_from_url:
  description: C(svn:sync-from-url), the URL of the master the mirror was initialised from; null when unset.
  returned: always
  type: str
  sample: https://apim-dc1-svn/svn/apim
sync_from_uuid:
  description: C(svn:sync-from-uuid); null when unset.
  returned: always
  type: str
sync_last_merged_rev:
  description: C(svn:sync-last-merged-rev), the last revision svnsync copied; null when unset.
  returned: always
  type: int
sync_lock:
  description: C(svn:sync-lock) (C(host:uuid) of the svnsync that holds the mirror); null when unset.
  returned: always
  type: str
sync_currently_copying:
  description: C(svn:sync-currently-copying), the revision an svnsync is copying (or died copying); null when unset.
  returned: always
  type: str
promoted_at:
  description:
    - The revision at which this repository, a mirror then, was promoted to master by M(multidc.apim.svn_repository_source)
      (C(multidc-apim:promoted-at) on revision 0); null when unset. An old master that comes back may hold revisions
      after it that this one does not have.
  returned: always
  type: int
'''


from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidc.apim.plugins.module_utils.svn_repository import read_with_module


def main():
    module = AnsibleModule(argument_spec=dict(path=dict(type='path', required=True),
                                              must_exist=dict(type='bool', default=False)),
                           supports_check_mode=True)
    path = module.params['path']

    result = read_with_module(module, path)
    if module.params['must_exist'] and not result['exists']:
        module.fail_json(msg='no SVN repository at %s (no %s/format)' % (path, path), **result)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
