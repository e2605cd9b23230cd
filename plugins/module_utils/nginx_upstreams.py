# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mark servers of nginx upstream blocks down, or up again (the lb_drain module, docs/rolling.md)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re

_SERVER = re.compile(r'^(?P<head>\s*server\s+(?P<address>[^\s:;]+):\d+\b[^;]*?)(?P<down>\s+down)?\s*;(?P<tail>.*)$')


def mark_servers(text, addresses, down):
    """``text`` with every ``server <address>:<port> ...;`` line of ``addresses`` marked ``down`` (or not).

    Returns ``(new text, addresses found)``; lines of other servers are kept byte for byte.
    """
    wanted = set(addresses)
    found = set()
    lines = []
    for line in text.splitlines(True):
        body = line.rstrip('\r\n')
        ending = line[len(body):]
        match = _SERVER.match(body)
        if match and match.group('address') in wanted:
            found.add(match.group('address'))
            body = '%s%s;%s' % (match.group('head'), ' down' if down else '', match.group('tail'))
        lines.append(body + ending)
    return ''.join(lines), sorted(found)


def parse_record(text):
    """The drained addresses kept in the record file, one per line."""
    return sorted(set(line.strip() for line in (text or '').splitlines() if line.strip()))


def render_record(addresses):
    return ''.join('%s\n' % address for address in sorted(set(addresses)))


def nginx_worker_pids(proc='/proc'):
    """PIDs of the running nginx worker processes (their title starts with ``nginx: worker process``).

    After a graceful reload the workers from before it keep their PIDs until their requests in flight are done.
    """
    pids = set()
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc, entry, 'cmdline'), 'rb') as handle:
                title = handle.read()
        except (IOError, OSError):
            continue
        if title.startswith(b'nginx: worker process'):
            pids.add(int(entry))
    return pids
