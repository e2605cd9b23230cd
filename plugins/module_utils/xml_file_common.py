# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared options and the file side (read, diff, backup, atomic write) of the XML modules.

The options are documented once, in the ``multidc.apim.xml_file`` doc fragment.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine import (
    HAS_LXML,
    LXML_IMPORT_ERROR,
    XmlDocument,
    XmlEditError,
    XmlParseError,
)


def xml_file_argument_spec():
    """Options shared by every module that edits one XML file (see the xml_file doc fragment)."""
    return dict(
        path=dict(type='path', required=True, aliases=['dest']),
        backup=dict(type='bool', default=False),
        missing_hint=dict(type='str'),
    )


def require_lxml(module):
    if not HAS_LXML:
        module.fail_json(msg=missing_required_lib('lxml'), exception=LXML_IMPORT_ERROR)


def _read(module, path):
    if not os.path.exists(path):
        hint = module.params.get('missing_hint')
        module.fail_json(msg='%s does not exist%s' % (path, '; %s' % hint if hint else ''), path=path)
    if not os.path.isfile(path):
        module.fail_json(msg='%s is not a regular file' % path, path=path)
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot read %s: %s' % (path, to_native(exc)), path=path)
    return None  # not reached


def _write(module, path, data):
    """Write ``data`` to a temporary file next to ``path``, then rename it over ``path``.

    ``module.atomic_move`` gives the new file the owner, group, mode (and
    SELinux context) of the file it replaces.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.access(path, os.W_OK) or not os.access(directory, os.W_OK):
        module.fail_json(msg='cannot write %s: permission denied' % path, path=path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.tmp')
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except (IOError, OSError) as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        module.fail_json(msg='cannot write %s: %s' % (path, to_native(exc)), path=path)
    try:
        module.atomic_move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def run_xml_edits(module, edits, path=None):
    """Apply ``edits`` to the file named by ``module.params['path']``: one parse, one write.

    Returns the result dict (``changed``, ``path``, ``changes``, ``diff``,
    ``backup_file``); calls ``module.fail_json`` on any error, before the file
    has been touched.
    """
    path = path or module.params['path']
    original = _read(module, path)
    try:
        doc = XmlDocument(original, name=path)
        doc.apply_all(edits)
        new = doc.render()
    except XmlParseError as exc:
        module.fail_json(msg=to_native(exc), path=path, line=exc.line, column=exc.column)
    except XmlEditError as exc:
        module.fail_json(msg=to_native(exc), path=path)

    changed = new != original
    result = dict(changed=changed, path=path, changes=[doc.mask(c) for c in doc.changes] if changed else [])
    if module._diff:
        before, after = doc.diff_texts()
        result['diff'] = dict(
            before=before,
            after=after,
            before_header=path,
            after_header=path,
        )
    if changed and not module.check_mode:
        if module.params.get('backup'):
            result['backup_file'] = module.backup_local(path)
        _write(module, path, new)
    file_args = module.load_file_common_arguments(module.params, path=path)
    result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'])
    return result


def run_xml_query(module, read_values, path=None):
    """Read the file named by ``module.params['path']`` through the engine; never writes.

    ``read_values(doc)`` returns what the module reports (as ``values``).
    """
    path = path or module.params['path']
    try:
        doc = XmlDocument(_read(module, path), name=path)
        values = read_values(doc)
    except XmlParseError as exc:
        module.fail_json(msg=to_native(exc), path=path, line=exc.line, column=exc.column)
    except (ValueError, XmlEditError) as exc:
        module.fail_json(msg='%s: %s' % (path, to_native(exc)), path=path)
    return dict(changed=False, path=path, changes=[], values=values)


def element_text(doc, path):
    """Stripped text of the one element at ``path``, or None when there is none."""
    found = doc.find(path)
    if len(found) > 1:
        raise XmlEditError('%s: path %s matches %d elements: %s'
                           % (doc.name, path, len(found), ', '.join(doc.describe(e) for e in found)))
    return (found[0].text or '').strip() if found else None


def run_module(argument_spec, build_edits, read_values=None, **kwargs):
    """Entry point shared by the typed modules: validate, translate, apply, exit.

    ``build_edits(params)`` turns validated options into a list of engine
    edits; it raises ``ValueError`` or ``XmlEditError`` for bad input. A
    module that passes ``read_values`` also takes ``state=query``, which
    reports ``read_values(doc)`` and accepts no edit.
    """
    spec = xml_file_argument_spec()
    spec.update(argument_spec)
    if read_values is not None:
        spec['state'] = dict(type='str', choices=['present', 'query'], default='present')
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, add_file_common_args=True, **kwargs)
    path, hint = module.params['path'], module.params['missing_hint']
    try:
        edits = build_edits(module.params)
    except (ValueError, XmlEditError) as exc:
        module.fail_json(msg=to_native(exc), path=path)
    # Bad options fail above, in check mode too. lxml is required only below:
    # the run that creates the file also installs it.
    if module.check_mode and hint and module.params.get('state') != 'query' and not os.path.lexists(path):
        module.exit_json(changed=True, path=path, changes=[], msg='check mode: %s does not exist yet; %s' % (path, hint))
    require_lxml(module)
    if module.params.get('state') == 'query':
        if edits:
            module.fail_json(msg='state=query only reads; it takes no setting to change (got %d)' % len(edits),
                             path=module.params['path'])
        module.exit_json(**run_xml_query(module, read_values))
    module.exit_json(**run_xml_edits(module, edits))
