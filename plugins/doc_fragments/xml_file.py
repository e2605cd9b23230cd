# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """Options and attributes shared by the modules that edit one Carbon XML file.

    The matching argument_spec is
    C(plugins/module_utils/xml_file_common.py), C(xml_file_argument_spec()).
    """

    DOCUMENTATION = r'''
options:
  path:
    description:
      - Path of the XML file to edit on the target.
      - The file must exist; it is edited in place, never created.
    type: path
    required: true
    aliases: [dest]
  backup:
    description:
      - Create a backup file including the timestamp information before writing, so you
        can get the original file back if you somehow clobbered it incorrectly.
      - A backup is made only when the file changes.
    type: bool
    default: false
  missing_hint:
    description:
      - What creates O(path) when it does not exist yet, for example the role that installs the pack.
      - A missing file always fails the task; the message ends with this text.
      - Set, it also lets check mode run before that creator has run for real. In check mode a missing file
        is then reported as a change, with this text, instead of a failure (a real run creates the file
        before this task edits it). Without it, a missing file fails check mode too.
    type: str
notes:
  - The file is parsed once and written once per task, whatever the number of edits.
  - Every byte that the edits do not touch stays identical, including the XML declaration and its
    encoding (an ISO-8859-1 file stays ISO-8859-1), comments, multi-line attribute lists and CRLF line ends.
  - Whether the task reports C(changed) is decided by comparing the bytes before and after.
  - The write is atomic (a temporary file in the same directory, then a rename) and keeps
    the owner, group and mode of the file.
  - A missing element is created right after its commented-out template at the same level
    (for example C(<!--HostName>...</HostName-->)), otherwise after its last sibling of the same name,
    otherwise at the end of its parent, and it is indented like its siblings.
  - Malformed XML, an ambiguous path and a file that cannot be written make the task fail
    and leave the file untouched.
requirements:
  - lxml (on the target host)
'''

    # Every module that edits one Carbon XML file through the engine supports
    # all of these fully, so the support level lives here too.
    ATTRIBUTES = r'''
attributes:
  check_mode:
    description: Can run in check mode and return the changed status and diff without modifying the file.
    support: full
  diff_mode:
    description: Returns the real before and after file contents, with secret values masked.
    support: full
  idempotent:
    description: Running the task again with the same options reports no change and leaves the file byte-identical.
    support: full
  platform:
    description: Target OS families that can be operated against.
    platforms: posix
    support: full
  safe_file_operations:
    description: Writes through a temporary file and an atomic rename, keeping owner, group and mode.
    support: full
'''
