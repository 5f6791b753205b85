#!/usr/bin/env python3
"""The operator's side of sigwayd (issue 9, item 17): the telnet VTY asks for
the osmocom `line vty` / `login` password when one is configured, binds where
`line vty` / `bind` says, and offers no test or injection commands; and
`--check-config` refuses what start-up would refuse (a missing file, a bad
calling GT, inverted retry or validity values, no `gateway` node).

usage: test_vty_access.py BUILD_DIR
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

EXTRA = """password vty-secret-1
line vty
 login
"""


def read_until(sock, pattern, timeout=5):
    buf, deadline = b'', time.time() + timeout
    while time.time() < deadline:
        try:
            sock.settimeout(max(0.1, deadline - time.time()))
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
        if re.search(pattern, buf):
            break
    return buf.decode(errors='replace')


class VtyPassword(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.net = sn.Network(cls.build, sigwayd_extra=EXTRA, capture=False).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.net.__exit__(None, None, None)

    def connect(self):
        s = socket.create_connection(('127.0.0.1', self.net.ports['gw_vty']), timeout=5)
        self.addCleanup(s.close)
        return s

    def test_password_asked_and_checked(self):
        s = self.connect()
        self.assertIn('Password:', read_until(s, rb'Password: ?$'))
        s.sendall(b'wrong-guess\r\n')
        out = read_until(s, rb'Password: ?$|[>#] ?$')
        self.assertNotRegex(out, r'sigwayd[>#]')
        s.sendall(b'vty-secret-1\r\n')
        self.assertRegex(read_until(s, rb'[>#] ?$'), r'[>#] ?$')

    def test_no_test_commands(self):
        s = self.connect()
        read_until(s, rb'Password: ?$')
        s.sendall(b'vty-secret-1\r\nenable\r\ntest-send-raw 3 0900\r\nbench tcap 1 count 1 window 1\r\n')
        out = read_until(s, rb'bench.*\n.*[>#] ?$', timeout=3)
        self.assertNotIn('sent ', out)
        self.assertIn('Unknown command', out)


class CheckConfig(unittest.TestCase):
    def check(self, text=None, path=None):
        if path is None:
            fd, path = tempfile.mkstemp(suffix='.cfg')
            with os.fdopen(fd, 'w') as f:
                f.write(text)
            self.addCleanup(os.unlink, path)
        p = subprocess.run([os.path.join(VtyPassword.build, 'src/sigwayd/sigwayd'), '-c', path, '--check-config'],
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout + p.stderr

    def test_shipped_config_ok(self):
        rc, out = self.check(path=os.path.join(sn.CONFIGS, 'sigwayd.cfg'))
        self.assertEqual(rc, 0, out)
        self.assertIn('configuration OK', out)

    def test_missing_file(self):
        rc, out = self.check(path='/nonexistent/sigwayd.cfg')
        self.assertNotEqual(rc, 0)
        self.assertIn('not found', out)

    def test_refused(self):
        cases = {
            'bad calling GT': 'gateway\n calling-gt 4917abc\n database x.db\n',
            'too long calling GT': 'gateway\n calling-gt 4917200000990000001\n database x.db\n',
            'no gateway node': 'sms\n max-in-flight 10\n',
            'no database': 'gateway\n calling-gt 491720000099\n',
            'inverted retry': 'gateway\n calling-gt 491720000099\n database x.db\nsms\n retry-interval 60 2\n',
            'inverted validity': 'gateway\n calling-gt 491720000099\n database x.db\nsms\n validity default 900 max 60\n',
            'bad operator GT': 'gateway\n calling-gt 491720000099\n database x.db\nrouting\n'
                               ' operator x hlr-gt 49a map-version 3\n',
        }
        for what, text in cases.items():
            with self.subTest(what):
                rc, out = self.check(text)
                self.assertNotEqual(rc, 0, out)
                self.assertNotIn('configuration OK', out)


if __name__ == '__main__':
    VtyPassword.build = sys.argv.pop(1)
    unittest.main(verbosity=2)
