#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: svn_repository_source
short_description: Make an SVN repository the master, or an svnsync mirror of a given master, in place
version_added: 0.1.0
description:
  - Sets what decides whether a repository on this host is a master or an svnsync mirror, without copying any
    history; the svnsync bookkeeping on its revision 0 (C(svn:sync-from-url), C(svn:sync-from-uuid),
    C(svn:sync-last-merged-rev)) and the repository's UUID.
  - O(state=master) removes the bookkeeping, so svnsync will not write there any more and the repository takes
    commits (its hooks permitting). O(state=mirror) records O(source_url) as the source; a repository that was a
    master, or the mirror of another source, goes on from its youngest revision, which it must already share with
    the new source (a move of the master DC drains every mirror first).
  - A mirror promoted to master records the revision it was promoted at (C(multidc-apim:promoted-at) on revision 0,
    read by M(multidc.apim.svn_repository_info)); revisions an old master took after it are the ones to save when
    it rejoins. A mirror carries no such record.
  - Refuses, changing nothing, while svnsync holds a lock on the repository or died in the middle of a revision.
  - Writes with C(svnadmin) on the file system, as the owner of the repository, so it works while Apache is down
    and bypasses the hooks of a mirror. The C(svn_mirror) role's hooks and push units must then match the new
    state; the move playbooks (C(playbooks/switchover.yml), C(failover.yml), C(rejoin.yml)) run it for that.
author:
  - multidc.apim developers (@multidc)
options:
  path:
    description: The repository's directory (the one that holds C(format)). It must exist.
    type: path
    required: true
  state:
    description: V(master) for the read/write repository, V(mirror) for an svnsync mirror of O(source_url).
    type: str
    required: true
    choices: [master, mirror]
  source_url:
    description: URL of the master this repository mirrors, as the push passes it to svnsync. Required with O(state=mirror).
    type: str
  uuid:
    description:
      - The UUID every repository of the deployment carries, the master's. Required with O(state=mirror), where it
        is also recorded as the source's UUID; with O(state=master) the UUID is left alone when omitted.
    type: str
attributes:
  check_mode:
    description: Reports what would change and writes nothing.
    support: full
  diff_mode:
    description: The UUID, the three svnsync properties and the promotion record, before and after.
    support: full
  idempotent:
    description: A repository that already is what O(state) asks is not changed.
    support: full
  platform:
    description: Target OS families that can be operated against.
    platforms: posix
    support: full
requirements:
  - C(svnlook) and C(svnadmin) (Subversion 1.9 or later) on the host; C(runuser) when running as root for a
    repository owned by another account.
seealso:
  - module: multidc.apim.svn_repository_info
'''

EXAMPLES = r'''
- name: Promote this DC's mirror to the read/write master
  multidc.apim.svn_repository_source:
    path: /var/lib/svn/apim
    state: master

- name: Make the old master a mirror of the new one, from the revision both hold
  multidc.apim.svn_repository_source:
    path: /var/lib/svn/apim
    state: mirror
    source_url: https://apim-dc2-svn/svn/apim
    uuid: "{{ new_master.uuid }}"
'''

RETURN = r'''
state:
  description: What the repository is now (in check mode, would be).
  returned: success
  type: str
  sample: mirror
youngest:
  description: The repository's youngest revision; a new source goes on from it.
  returned: success
  type: int
  sample: 42
uuid:
  description: The repository's UUID afterwards.
  returned: success
  type: str
sync_from_url:
  description: The source recorded afterwards; null for a master.
  returned: success
  type: str
  sample: https://apim-dc2-svn/svn/apim
changes:
  description: The svnadmin operations run (in check mode, that would run), e.g. C(setrevprop svn:sync-from-url).
  returned: success
  type: list
  elements: str
'''

import os
import pwd
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidc.apim.plugins.module_utils.svn_repository import (
    identity, read_with_module, source_changes)


def svnadmin_command(path, change):
    """The svnadmin arguments of one change; a property value is passed as a file, ``{value}``."""
    if change[0] == 'setuuid':
        return ['setuuid', path, change[1]]
    if change[0] == 'delrevprop':
        return ['delrevprop', path, '-r', '0', change[1]]
    return ['setrevprop', path, '-r', '0', change[1], '{value}']


def main():
    module = AnsibleModule(
        argument_spec=dict(path=dict(type='path', required=True),
                           state=dict(type='str', required=True, choices=['master', 'mirror']),
                           source_url=dict(type='str'),
                           uuid=dict(type='str')),
        required_if=[('state', 'mirror', ('source_url', 'uuid'))],
        supports_check_mode=True)
    path, state = module.params['path'], module.params['state']
    repository = read_with_module(module, path)
    problem, wanted, changes = source_changes(path, repository, state, module.params['source_url'],
                                              module.params['uuid'])
    if problem:
        module.fail_json(msg=problem)
    result = dict(changed=bool(changes), state=state, youngest=repository['youngest'], uuid=wanted['uuid'],
                  sync_from_url=wanted['svn:sync-from-url'],
                  changes=[' '.join(str(part) for part in change[:2]) for change in changes])
    if module._diff:
        result['diff'] = dict(before=identity(repository), after=wanted,
                              before_header='%s (revision 0)' % path, after_header='%s (revision 0)' % path)
    if module.check_mode or not changes:
        module.exit_json(**result)

    svnadmin = [module.get_bin_path('svnadmin', required=True)]
    owner = pwd.getpwuid(os.stat(os.path.join(path, 'db')).st_uid).pw_name
    if os.geteuid() == 0 and owner != 'root':
        svnadmin = [module.get_bin_path('runuser', required=True), '-u', owner, '--'] + svnadmin
    for change in changes:
        args = svnadmin_command(path, change)
        value_file = None
        if '{value}' in args:
            fd, value_file = tempfile.mkstemp(prefix='svn-revprop-')
            with os.fdopen(fd, 'w') as handle:
                handle.write(change[2])
            os.chmod(value_file, 0o644)
            args[args.index('{value}')] = value_file
        try:
            rc, out, err = module.run_command(svnadmin + args)
        finally:
            if value_file:
                os.unlink(value_file)
        if rc != 0:
            module.fail_json(msg='svnadmin %s %s failed after %d of %d change(s): %s' % (
                args[0], path, changes.index(change), len(changes), (err or out).strip()), rc=rc, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
