#!/usr/bin/env python3
"""sigway-lookup, the command-line tool, against sigwayd in the test network:
one number at a time (readable, --json, exit codes for reachable, not
reachable, undetermined, error), then 10,000 numbers from a file typed the
ways people type them, interrupted with Ctrl-C (SIGINT) half way and
continued with --resume: every number is looked up exactly once (the
billing records against the input), the inputs it could not understand are
named. The progress bar is read off a terminal (tmux capture-pane), and
Ctrl-C typed into that terminal stops the run cleanly.

usage: test_lookup_cli.py BUILD_DIR
"""

import csv
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

KEY = 'clikey01-0123456789abcdef-secret'
SLOW_KEY = 'slowkey1-0123456789abcdef-secret'
N = 10000

SIGWAYD_EXTRA = """account cli
 api-key %s
 lookup imsi full
account slow
 api-key %s
 lookup rate 150
map
 timer map X1 2
""" % (KEY, SLOW_KEY)

NETSIM_EXTRA = """netsim
 subscriber 491710000012 imsi 262011000000012 state absent
 subscriber 491710000015 imsi 262011000000015 state attached
 subscriber 491710000015 sri-answer none
 hlr implicit-subscribers 49173
"""


def count_done(path):
    """numbers a state file lists"""
    with open(path) as f:
        return sum(1 for line in f if line[0].isdigit())


def typed(i):
    """the i-th number as a person might have typed it (all distinct: 4917300000000 + i)"""
    digits = '%08d' % i
    forms = ['+49 173 %s' % digits, '0049-173-%s' % digits, '0173 %s' % digits, '(0173) %s-%s' % (digits[:4], digits[4:]),
             '+49 (0)173 %s' % digits, '49173%s' % digits]
    return forms[i % len(forms)]


class CliTest(sn.NetworkTestCase):
    @classmethod
    def cli(cls, *args, key=KEY, **kw):
        env = dict(os.environ, SIGWAY_LOOKUP_URL='http://127.0.0.1:%d' % cls.http_port, SIGWAY_API_KEY=key,
                   SIGWAY_LOOKUP_CONFIG='/nonexistent')
        return subprocess.run([cls.exe] + list(args), env=env, capture_output=True, text=True, timeout=300, **kw)

    @classmethod
    def run_all(cls):
        net = cls.net
        tmp = net.tmp
        cls.exe = os.path.join(cls.build, 'src/lookup/sigway-lookup')
        # ------------------------------------------------------------ single numbers
        cls.single = {
            'reachable': cls.cli('+49 173 99990001'),
            'absent': cls.cli('0171 0000012', '--country', '49'),
            'undetermined': cls.cli('491710000015'),
            'json': cls.cli('--json', '+49 173 99990001'),
            'bad_input': cls.cli('hello'),
            'national_no_country': cls.cli('0171 0000012'),
            'wrong_key': cls.cli('491730000001', key='wrongkey-0123456789abcdef-secret'),
            'no_server': cls.cli('--url', 'http://127.0.0.1:%d' % sn.free_port(), '491730000001'),
            'mixed': cls.cli('491730000002', '491710000012'),
        }
        # URL, key and country from a config file (nothing in the environment)
        conf = os.path.join(tmp, 'lookup.conf')
        with open(conf, 'w') as f:
            f.write('# sigway-lookup\nurl = http://127.0.0.1:%d/\nkey = %s\ncountry = 49\n' % (cls.http_port, KEY))
        env = {k: v for k, v in os.environ.items() if not k.startswith('SIGWAY_')}
        cls.from_config = subprocess.run([cls.exe, '--config', conf, '0173 99990003'], env=env, capture_output=True,
                                         text=True, timeout=60)
        cls.no_key = subprocess.run([cls.exe, '--config', '/nonexistent', '491730000001'], env=env,
                                    capture_output=True, text=True, timeout=60)
        # ------------------------------------------------------------ 10,000 from a file
        cls.input = os.path.join(tmp, 'numbers.txt')
        with open(cls.input, 'w') as f:
            for i in range(N):
                f.write(typed(i) + '\n')
                if i == 100:
                    f.write('not a number\n\n')
                if i == 200:
                    f.write('+49 173 %08d\n' % 5)     # a repeat of an earlier one
                if i == 300:
                    f.write('+49 173\n')
        cls.out = os.path.join(tmp, 'results.csv')
        args = ['-f', cls.input, '-o', cls.out, '--csv', '--country', '49', '-j', '16']
        env = dict(os.environ, SIGWAY_LOOKUP_URL='http://127.0.0.1:%d' % cls.http_port, SIGWAY_API_KEY=KEY)
        first = subprocess.Popen([cls.exe] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        state = cls.out + '.state'
        deadline = time.time() + 240
        while time.time() < deadline:
            if os.path.exists(state) and count_done(state) > N // 2:
                break
            time.sleep(0.02)
        first.send_signal(signal.SIGINT)
        cls.first_out, cls.first_err = first.communicate(timeout=120)
        cls.first_rc = first.returncode
        cls.after_first = count_done(state)
        cls.billed_after_first = cls.file_refs()
        cls.second = cls.cli(*(args + ['--resume']))
        cls.third = cls.cli(*(args + ['--resume']))       # everything done: nothing more
        cls.fresh_refused = cls.cli(*args)                 # a state file there: not without --resume
        # ------------------------------------------------------------ bad files
        empty = os.path.join(tmp, 'empty.txt')
        with open(empty, 'w') as f:
            f.write('\n  \n\n')
        junk = os.path.join(tmp, 'junk.txt')
        with open(junk, 'wb') as f:
            f.write(b'\x00\x01\xff\xfe binary\n' + b'4' * 100000 + b'\n' + b'+49 173 99990002\n')
        cls.bad_files = {'empty': cls.cli('-f', empty, '--state', os.path.join(tmp, 'e.state')),
                         'missing': cls.cli('-f', os.path.join(tmp, 'nothing.txt')),
                         'junk': cls.cli('-f', junk, '--json', '--state', os.path.join(tmp, 'j.state'))}
        # --------------------------------------------------- the progress bar on a terminal
        cls.tmux = None
        if shutil.which('tmux'):
            cls.tmux = cls.progress_in_tmux(tmp)

    @classmethod
    def progress_in_tmux(cls, tmp):
        path = os.path.join(tmp, 'tty-numbers.txt')
        with open(path, 'w') as f:
            f.write(''.join('491740%07d\n' % i for i in range(3000)))
        out = os.path.join(tmp, 'tty.csv')
        sock = os.path.join(tmp, 'tmux.sock')
        # the shell ignores Ctrl-C (it must print the exit status); the tool catches it
        cmd = ("sh -c \"trap '' INT; SIGWAY_LOOKUP_URL=http://127.0.0.1:%d SIGWAY_API_KEY=%s %s -f %s -o %s -j 8;"
               " echo EXIT=\\$?; sleep 60\"" % (cls.http_port, SLOW_KEY, cls.exe, path, out))
        tmux = ['tmux', '-S', sock]
        subprocess.run(tmux + ['new-session', '-d', '-x', '120', '-y', '40', cmd], check=True)
        res = {'screens': []}
        try:
            for _ in range(30):
                time.sleep(0.5)
                screen = subprocess.run(tmux + ['capture-pane', '-p'], capture_output=True, text=True).stdout
                res['screens'].append(screen)
                m = re.search(r'\] (\d+)/3000', screen)
                if m and int(m.group(1)) > 300:
                    break
            # Ctrl-C typed at the terminal: the run stops cleanly
            subprocess.run(tmux + ['send-keys', 'C-c'], check=True)
            for _ in range(60):
                time.sleep(0.5)
                screen = subprocess.run(tmux + ['capture-pane', '-p'], capture_output=True, text=True).stdout
                if 'EXIT=' in screen:
                    break
            res['final'] = screen
            res['state_lines'] = count_done(out + '.state')
        finally:
            subprocess.run(tmux + ['kill-server'])
        return res

    @classmethod
    def lookup_refs(cls):
        db = sqlite3.connect(cls.net.db)
        try:
            return db.execute("SELECT l.msisdn FROM lookups l JOIN billing b ON b.ref = l.ref AND b.kind = 'lookup'"
                              " WHERE l.account = 'cli'").fetchall()
        finally:
            db.close()

    @classmethod
    def file_refs(cls):
        """the billed lookups of the file's numbers (4917300000000 + i)"""
        return [m for (m,) in cls.lookup_refs() if m.startswith('491730') and len(m) == 13]

    @classmethod
    def setUpClass(cls):
        cls.http_port = sn.free_port()
        cls.network_args = {'sigwayd_extra': 'http\n local-port %d\n' % cls.http_port + SIGWAYD_EXTRA,
                            'netsim_extra': NETSIM_EXTRA, 'capture': False}
        # as NetworkTestCase, without a capture to decode
        cls.net = sn.Network(cls.build, **cls.network_args).__enter__()
        try:
            cls.run_all()
        except BaseException:
            cls.net.dump_logs()
            cls.net.stop()
            raise

    # ------------------------------------------------------------ single numbers
    def test_single_readable_and_exit_codes(self):
        s = self.single
        self.assertEqual(s['reachable'].returncode, 0, s['reachable'].stderr)
        self.assertIn('+49 173 99990001 -> +4917399990001', s['reachable'].stdout)
        self.assertRegex(s['reachable'].stdout, r'status +CONNECTED \(reachable\)')
        self.assertRegex(s['reachable'].stdout, r'IMSI +26201\d{10}')      # this account sees it whole
        self.assertEqual(s['absent'].returncode, 1)
        self.assertRegex(s['absent'].stdout, r'status +ABSENT .*absentSubscriberSM: imsiDetached')
        self.assertEqual(s['undetermined'].returncode, 2)
        self.assertIn('noResponse', s['undetermined'].stdout)
        self.assertEqual(s['mixed'].returncode, 1)          # the worst of the two
        j = json.loads(s['json'].stdout)
        self.assertEqual((j['to'], j['status'], j['input']), ('4917399990001', 'CONNECTED', '+49 173 99990001'))

    def test_config_file(self):
        self.assertEqual(self.from_config.returncode, 0, self.from_config.stderr)
        self.assertIn('0173 99990003 -> +4917399990003', self.from_config.stdout)
        self.assertEqual(self.no_key.returncode, 3)
        self.assertIn('cannot read /nonexistent', self.no_key.stderr)

    def test_single_errors(self):
        s = self.single
        self.assertEqual(s['bad_input'].returncode, 3)
        self.assertIn("'hello': letters are not allowed", s['bad_input'].stderr)
        self.assertEqual(s['national_no_country'].returncode, 3)
        self.assertIn('--country', s['national_no_country'].stderr)
        self.assertEqual(s['wrong_key'].returncode, 3)
        self.assertIn('HTTP 401', s['wrong_key'].stderr)
        self.assertEqual(s['no_server'].returncode, 3)
        self.assertIn("Couldn't connect", s['no_server'].stderr)

    # ------------------------------------------------------------ 10,000 with a Ctrl-C
    def test_interrupted_half_way(self):
        self.assertEqual(self.first_rc, 130, self.first_err)
        self.assertIn('stopping: waiting for the', self.first_err)
        self.assertIn('continue with the same command and --resume', self.first_err)
        self.assertGreater(self.after_first, N // 2)
        self.assertLess(self.after_first, N)
        # what it had looked up when it stopped is what was billed: nothing in flight was lost
        self.assertEqual(len(self.billed_after_first), self.after_first)

    def test_resumed_without_looking_any_number_up_twice(self):
        self.assertEqual(self.second.returncode, 3, self.second.stderr)    # the inputs it could not understand
        self.assertIn('done before (resumed)', self.second.stderr)
        billed = self.file_refs()
        expected = {'49173%08d' % i for i in range(N)}
        self.assertEqual(len(billed), N)                 # each once
        self.assertEqual(set(billed), expected)
        with open(self.out) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), N)
        self.assertEqual({r['number'] for r in rows}, expected)
        self.assertEqual({r['status'] for r in rows}, {'CONNECTED'})
        # the ways people type them, as typed
        self.assertEqual({r['input'] for r in rows if r['number'] == '4917300000004'}, {typed(4)})

    def test_inputs_not_understood_are_named(self):
        err = self.first_err + self.second.stderr
        self.assertRegex(err, r"line 102: 'not a number': letters are not allowed")
        self.assertRegex(err, r"line \d+: '\+49 173': too short")
        self.assertIn('repeated inputs looked up once', self.first_err + self.second.stderr)

    def test_resume_of_a_finished_run_and_no_silent_restart(self):
        self.assertIn('had finished already', self.third.stderr)
        self.assertIn('0 looked up', self.third.stderr)
        self.assertEqual(self.fresh_refused.returncode, 3)
        self.assertIn('--resume', self.fresh_refused.stderr)
        # the single ones, the config file's, the good line of the junk file and the 10,000, nothing more
        self.assertEqual(len(self.lookup_refs()) - 8, N)

    def test_bad_files(self):
        b = self.bad_files
        self.assertEqual(b['empty'].returncode, 3)
        self.assertIn('no numbers in', b['empty'].stderr)
        self.assertEqual(b['missing'].returncode, 3)
        self.assertIn('cannot read', b['missing'].stderr)
        # binary and a line of 100,000 digits: named (shortened, control characters as '?'), not sent;
        # the good line after them is looked up
        self.assertEqual(b['junk'].returncode, 3)
        self.assertIn("line 1: '???? binary': ", b['junk'].stderr)     # NUL, control, \xff \xfe
        self.assertRegex(b['junk'].stderr, r"line 2: '4{64}\.\.\.': too long")
        self.assertEqual([json.loads(line)['to'] for line in b['junk'].stdout.splitlines()], ['4917399990002'])
        self.assertLess(len(b['junk'].stderr), 2000)

    # ------------------------------------------------------------ the terminal
    def test_progress_bar_in_a_terminal(self):
        if self.tmux is None:
            self.skipTest('tmux is not installed')
        bars = [s for s in self.tmux['screens'] if re.search(
            r'\[=*>? *\] \d+/3000 +\d+% +\d+/s +ETA \d+:\d\d +errors 0', s)]
        self.assertTrue(bars, self.tmux['screens'][-1])
        self.assertIn('stopping: waiting for the', self.tmux['final'])
        self.assertIn('EXIT=130', self.tmux['final'])
        self.assertNotIn('HTTP 429', self.tmux['final'])     # the rate's refusals were waited for, not errors
        self.assertIn('--resume', self.tmux['final'])
        self.assertGreater(self.tmux['state_lines'], 0)
        self.assertLess(self.tmux['state_lines'], 3000)


def main():
    sn.NetworkTestCase.build = sys.argv.pop(1)
    unittest.main(verbosity=2)


if __name__ == '__main__':
    main()
