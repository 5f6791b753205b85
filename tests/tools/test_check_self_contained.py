#!/usr/bin/env python3
"""check-self-contained finds what it must and nothing else: it runs on a small
tree (not a git checkout, so the walk is used) holding the lines that once
made a clone fail, and lines that stay inside the repository.

usage: test_check_self_contained.py CHECKER
"""

import os
import subprocess
import sys
import tempfile
import unittest

CHECKER = None
UP = '..'          # spelled apart so that the checker does not flag this file
SIBLING = UP + '/' + 'shared'

# (path, line, flagged?)
LINES = [
    ('meson.build', "dissect = find_program(meson.project_source_root() / '%s' / 'shared' / 'tools' / 'dissect')" % UP,
     True),
    ('tests/common/meson.build',
     "c_args : ['-DD=\"' + (meson.project_source_root() / '%s' / 'shared' / 'tools') + '\"'])" % UP, True),
    ('tests/map/test_map_sm.c', ' * MAP messages of these operations in %s/captures decode. */' % SIBLING, True),
    ('tests/sms/meson.build', "captures = meson.project_source_root() / '%s' / 'captures'" % UP, True),
    ('tests/x/test_x.py', "os.path.join(os.path.dirname(__file__), '%s', '%s', '%s', 'data')" % (UP, UP, UP), True),
    ('tests/x/helper.c', '#define CAPS "%s/%s/%s/%s/caps"' % (UP, UP, UP, UP), True),
    ('tests/x/meson.build', "files(meson.current_source_dir() / '%s' / '%s' / '%s' / 'x')" % (UP, UP, UP), True),
    ('contrib/run.sh', 'tshark -r /' + 'work/captures/a.pcap', True),
    ('src/foo/meson.build', "inc = include_directories('%s/%s/%s/elsewhere')" % (UP, UP, UP), True),
    # inside the repository
    ('contrib/test.sh', 'top=$(cd "$(dirname "$0")/%s" && pwd)' % UP, False),
    ('contrib/bench/smpp_load.js',
     "const smpp = require(path.join(__dirname, '%s', '%s', 'tests', 'smpp'));" % (UP, UP), False),
    ('tests/x/meson2/meson.build', "files(meson.current_source_dir() / '%s' / '%s' / 'x')" % (UP, UP), False),
    ('src/foo/meson.build', "inc2 = include_directories('%s/%s/include')" % (UP, UP), False),
    ('tests/x/t.c', '\tcase 1 ... 3: /* and so on.. */ break;', False),
    ('tests/x/t.sh', 'for i in {1..3}; do :; done', False),
    ('meson.build', "dissect = find_program('tests/tools/dissect')", False),
    ('doc/notes.md', 'the captures are in %s/captures' % SIBLING, False),    # not a build/test file
]


class CheckSelfContained(unittest.TestCase):
    def run_on(self, lines, binary=None):
        with tempfile.TemporaryDirectory() as root:
            for path, line, _ in lines:
                full = os.path.join(root, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, 'a') as f:
                    f.write(line + '\n')
            if binary:
                with open(os.path.join(root, binary), 'wb') as f:
                    f.write(b'\0\1' + SIBLING.encode())
            return subprocess.run([CHECKER, root], capture_output=True, text=True)

    def test_offenders_listed_and_fail(self):
        r = self.run_on(LINES)
        print(r.stdout)
        self.assertEqual(r.returncode, 1)
        listed = [l for l in r.stdout.splitlines() if ': ' in l and not l.endswith('repository')]
        for path, line, bad in LINES:
            hits = [l for l in listed if l.startswith(path + ':') and line.strip()[:60] in l]
            self.assertEqual(bool(hits), bad, '%s: %s' % (path, line))
        self.assertEqual(len(listed), sum(1 for *_, bad in LINES if bad))

    def test_clean_tree_passes(self):
        r = self.run_on([l for l in LINES if not l[2]], binary='tests/x/corpus-input')
        self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == '__main__':
    CHECKER = sys.argv.pop(1)
    unittest.main(verbosity=2)
