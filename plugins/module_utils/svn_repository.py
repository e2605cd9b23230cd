# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An SVN repository on its server's disk: what it is (master or svnsync mirror) and how to make it either.

A repository is a mirror when its revision 0 records an svnsync source (``svn:sync-from-url``); otherwise it is
a master, or a mirror never initialised. Every repository of a deployment carries the master's UUID, so a mirror
can be promoted, and an old master re-pointed, without copying history again. Reads go through ``svnlook``,
writes through ``svnadmin`` on the file system: both work while Apache is down, and ``svnadmin`` bypasses the
hooks that make a mirror refuse everyone but svnsync.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import os
from xml.etree import ElementTree

SYNC_PROPERTIES = (('svn:sync-from-url', 'sync_from_url'), ('svn:sync-from-uuid', 'sync_from_uuid'),
                   ('svn:sync-last-merged-rev', 'sync_last_merged_rev'), ('svn:sync-lock', 'sync_lock'),
                   ('svn:sync-currently-copying', 'sync_currently_copying'),
                   # Not svnsync's: the revision at which a mirror was promoted to master (set_source below). A
                   # returning old master's revisions after it are the ones the new master does not have.
                   ('multidc-apim:promoted-at', 'promoted_at'))
# What svnsync needs to go on from where a mirror stands: the source, its UUID, the last revision copied.
SOURCE_PROPERTIES = ('svn:sync-from-url', 'svn:sync-from-uuid', 'svn:sync-last-merged-rev')
PROMOTED_AT = 'multidc-apim:promoted-at'


def revision_zero_properties(xml_text):
    """Name -> value of ``svnlook proplist --revprop -r 0 -v --xml`` (base64 values decoded)."""
    properties = {}
    for prop in ElementTree.fromstring(xml_text).iter('property'):
        value = prop.text or ''
        if prop.get('encoding') == 'base64':
            value = base64.b64decode(value).decode('utf-8', 'replace')
        properties[prop.get('name')] = value
    return properties


def read_repository(path, svnlook):
    """``{exists, youngest, uuid, mirror, sync_*}`` for the repository at ``path``.

    :arg svnlook: ``svnlook(*args)`` returns svnlook's stdout.
    """
    result = dict(exists=False, youngest=None, uuid=None, mirror=False)
    result.update((key, None) for dummy, key in SYNC_PROPERTIES)
    if not os.path.isfile(os.path.join(path, 'format')):
        return result
    result.update(exists=True, youngest=int(svnlook('youngest', path).strip()), uuid=svnlook('uuid', path).strip())
    properties = revision_zero_properties(svnlook('proplist', '--revprop', '-r', '0', '-v', '--xml', path))
    for name, key in SYNC_PROPERTIES:
        value = properties.get(name)
        result[key] = value.strip() if value is not None else None
    for key in ('sync_last_merged_rev', 'promoted_at'):
        if result[key] is not None:
            result[key] = int(result[key])
    result['mirror'] = bool(result['sync_from_url'])
    return result


def identity(repository):
    """The part of a repository that decides its role: UUID and svnsync source, as a diff shows it."""
    return {'uuid': repository['uuid'], 'svn:sync-from-url': repository['sync_from_url'],
            'svn:sync-from-uuid': repository['sync_from_uuid'],
            'svn:sync-last-merged-rev': repository['sync_last_merged_rev'], PROMOTED_AT: repository['promoted_at']}


def source_changes(path, repository, state, source_url=None, uuid=None):
    """``(problem, wanted, changes)`` to make ``repository`` (read_repository's result) a master or a mirror.

    ``wanted`` is its identity afterwards; ``changes`` is a list of ``('setuuid', uuid)``,
    ``('setrevprop', name, value)`` and ``('delrevprop', name)``, empty when it already is what ``state`` asks.
    A mirror promoted to master records the revision it was promoted at (``multidc-apim:promoted-at``).
    ``problem`` is a message, and nothing may be changed, when the repository is missing or svnsync is busy with
    it: a lock or a half-copied revision means a push runs, or died in the middle, and must be settled first.
    A mirror that changes source goes on from its youngest revision, which it must have copied completely.
    """
    if not repository['exists']:
        return 'no SVN repository at %s (no %s/format)' % (path, path), None, []
    busy = [(name, repository[key]) for name, key in SYNC_PROPERTIES
            if key in ('sync_lock', 'sync_currently_copying') and repository[key]]
    if busy:
        return ('svnsync is busy with %s (%s): a push runs or died in the middle; nothing was changed. Fix: let the '
                'push finish (svnsync info), or remove a dead lock with svnsync synchronize --steal-lock'
                % (path, ', '.join('%s=%s' % item for item in busy))), None, []
    before = identity(repository)
    wanted = dict(before)
    if uuid:
        wanted['uuid'] = uuid
    if state == 'master':
        wanted.update((name, None) for name in SOURCE_PROPERTIES)
        if before['svn:sync-from-url']:
            wanted[PROMOTED_AT] = repository['youngest']
    else:
        wanted[PROMOTED_AT] = None
        wanted.update({'svn:sync-from-url': source_url, 'svn:sync-from-uuid': wanted['uuid']})
        if (before['svn:sync-from-url'], before['svn:sync-from-uuid']) != (source_url, wanted['uuid']):
            merged = before['svn:sync-last-merged-rev']
            if merged is not None and merged != repository['youngest']:
                return ('%s records svn:sync-last-merged-rev=%s but holds r%s: svnsync did not finish its last '
                        'revision; nothing was changed. Fix: run its push to completion first'
                        % (path, merged, repository['youngest'])), None, []
            wanted['svn:sync-last-merged-rev'] = repository['youngest']
    changes = []
    if wanted['uuid'] != before['uuid']:
        changes.append(('setuuid', wanted['uuid']))
    for name in SOURCE_PROPERTIES + (PROMOTED_AT,):
        if wanted[name] is None and before[name] is not None:
            changes.append(('delrevprop', name))
        elif wanted[name] is not None and str(wanted[name]) != str(before[name]):
            changes.append(('setrevprop', name, str(wanted[name])))
    return '', wanted, changes


def read_with_module(module, path):
    """read_repository through ``module``'s svnlook; a failure or an unexpected answer fails the module."""
    def svnlook(*args):
        rc, out, err = module.run_command([module.get_bin_path('svnlook', required=True)] + list(args))
        if rc != 0:
            module.fail_json(msg='svnlook %s %s failed: %s' % (args[0], path, (err or out).strip()), rc=rc)
        return out

    try:
        return read_repository(path, svnlook)
    except (ValueError, ElementTree.ParseError) as exc:
        module.fail_json(msg='the repository %s answered in a way svnlook does not: %s' % (path, exc))
