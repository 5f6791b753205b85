#!/usr/bin/env python3
"""SMPP sessions as clients nobody here wrote use them (issue 10, items 8, 9):

 8  unbind with submits in flight: every PDU received before the unbind is
    answered, then unbind_resp; a raw client that writes five submit_sm and
    the unbind at once, npm `smpp` (submits and unbind in one tick) and
    Debian's Net::SMPP (--unbind-at-once);
 9  a slow ESME: a deliver_sm_resp that comes after response-timeout is
    taken (the MO is not sent again), and an ESME that never answers gets
    the MO again only after a growing back-off.

usage: test_sms_session.py BUILD_DIR
"""

import json
import os
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'smpp', 'hostile'))
from smpp_wire import pdu, read_pdu  # noqa: E402

ESME_PL = os.path.join(sn.TOP, 'tests', 'smpp', 'perl', 'esme.pl')

SUBS = ['491770008%03d' % i for i in range(1, 16)]
NETSIM_EXTRA = 'netsim\n mt-log mt.log\n' + ''.join(
    ' subscriber %s imsi 26201%s state attached\n' % (m, m[-10:]) for m in SUBS)

SIGWAYD_EXTRA = """smpp
 response-timeout 2
 account slow
  password slow
  mo-route 4100
 account deaf
  password deaf
  mo-route 4200
"""

DEAF_WATCH_S = 40


def submit_body(dest, text):
    return (b'\0' + b'\x01\x01' + b'4000\0' + b'\x01\x01' + dest.encode() + b'\0' +
            bytes([0, 0, 0]) + b'\0' + b'\0' + bytes([0, 0, 0, 0]) + bytes([len(text)]) + text)


def sm(dest, text):
    return {'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1, 'destination_addr': dest,
            'dest_addr_ton': 1, 'dest_addr_npi': 1, 'short_message': text, 'registered_delivery': 0}


class SmppSessions(sn.NetworkTestCase):
    network_args = {'netsim_extra': NETSIM_EXTRA, 'sigwayd_extra': SIGWAYD_EXTRA}

    @classmethod
    def run_all(cls):
        net = cls.net
        ns = net.vty('netsim')
        # 8. raw: bind, five submit_sm and unbind in one write
        cls.raw = []
        with socket.create_connection(('127.0.0.1', net.ports['smpp']), timeout=10) as s:
            data = pdu(0x02, 1, b'demo\0demo\0\0\x34\x00\x00\0')
            data += b''.join(pdu(0x04, 2 + i, submit_body(SUBS[i], b'raw %d' % i)) for i in range(5))
            data += pdu(0x06, 7)
            s.sendall(data)
            while True:
                p = read_pdu(s)
                if p is None:
                    break
                cls.raw.append(p)
        # npm smpp: five submits and the unbind in one tick
        cls.npm = net.esme({'unbind_with_submits': True, 'timeout': 10000,
                            'submits': [sm(SUBS[5 + i], 'npm %d' % i) for i in range(5)]})
        # Net::SMPP: the submits and the unbind without waiting
        argv = ['perl', ESME_PL, '--port', str(net.ports['smpp']), '--system-id', 'demo', '--password', 'demo',
                '--mode', 'transmitter', '--timeout', '10', '--unbind-at-once']
        for i in range(5):
            argv += ['--submit', '%s:perl %d' % (SUBS[10 + i], i)]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60).stdout
        cls.perl = [json.loads(line) for line in out.splitlines() if line.startswith('{')]

        # 9. a slow ESME (answers after 4 s, response-timeout 2 s) and a deaf one
        slow = net.esme_start({'system_id': 'slow', 'password': 'slow', 'bind': 'receiver',
                               'deliver_delay_ms': 4000, 'mo': 99, 'timeout': 30000})
        deaf = net.esme_start({'system_id': 'deaf', 'password': 'deaf', 'bind': 'receiver',
                               'deliver_no_answer': True, 'mo': 99, 'timeout': DEAF_WATCH_S * 1000})
        time.sleep(1)
        ns.cmd('mo-sms %s 4100 Slow but sure' % SUBS[0])
        ns.cmd('mo-sms %s 4200 Nobody answers' % SUBS[0])
        cls.slow = [json.loads(l) for l in slow.communicate(timeout=60)[0].splitlines() if l.startswith('{')]
        cls.deaf = [json.loads(l) for l in deaf.communicate(timeout=90)[0].splitlines() if l.startswith('{')]
        time.sleep(1)
        with open(os.path.join(net.tmp, 'mt.log')) as f:
            cls.mt = [line.rstrip('\n').split('\t', 1)[1] for line in f]
        with sqlite3.connect('file:%s?mode=ro' % net.db, uri=True) as db:
            cls.outbox = db.execute("SELECT account, done_ms IS NOT NULL, attempts FROM outbox"
                                    " WHERE account IN ('slow', 'deaf')").fetchall()
        cls.billing = net.billing()

    def test_08_raw_unbind_after_submits(self):
        cmds = [p[0] for p in self.raw]
        self.assertEqual(cmds, [0x80000002] + [0x80000004] * 5 + [0x80000006], [hex(c) for c in cmds])
        self.assertEqual([p[2] for p in self.raw[1:6]], [2, 3, 4, 5, 6])
        self.assertTrue(all(p[1] == 0 and p[3].rstrip(b'\0') for p in self.raw[1:6]), self.raw)

    def test_08_npm_unbind_after_submits(self):
        resp = [e for e in self.npm if e['event'] == 'submit_sm_resp']
        self.assertEqual(sorted(e['index'] for e in resp), [0, 1, 2, 3, 4], self.npm)
        self.assertTrue(all(e['status'] == 0 and e['message_id'] for e in resp))
        unbind = [i for i, e in enumerate(self.npm) if e['event'] == 'unbind_resp']
        self.assertTrue(unbind, self.npm)
        self.assertGreater(unbind[0], max(i for i, e in enumerate(self.npm) if e['event'] == 'submit_sm_resp'))

    def test_08_net_smpp_unbind_after_submits(self):
        resp = [e for e in self.perl if e['event'] == 'submit_sm_resp']
        self.assertEqual(sorted(e['index'] for e in resp), [0, 1, 2, 3, 4], self.perl)
        self.assertTrue(all(e['status'] == 0 and e['message_id'] for e in resp))
        unbind = [e for e in self.perl if e['event'] == 'unbind_resp']
        self.assertEqual(len(unbind), 1, self.perl)
        self.assertEqual(unbind[0]['answered_before'], 5)

    def test_08_every_answered_message_delivered_once(self):
        sent = ['raw %d' % i for i in range(5)] + ['npm %d' % i for i in range(5)] + ['perl %d' % i for i in range(5)]
        for text in sent:
            self.assertEqual(self.mt.count(text), 1, text)

    def test_09_late_answer_taken(self):
        got = [e for e in self.slow if e['event'] == 'deliver_sm']
        self.assertEqual([e['text'] for e in got], ['Slow but sure'], 'a late deliver_sm_resp made us send it again')
        self.assertEqual([tuple(r)[:2] for r in self.outbox if r[0] == 'slow'], [('slow', 1)], 'answered late: done')

    def test_09_backoff_for_an_esme_that_never_answers(self):
        times = [e['t_ms'] / 1000 for e in self.deaf if e['event'] == 'deliver_sm']
        self.assertGreaterEqual(len(times), 2, self.deaf)
        gaps = [b - a for a, b in zip(times, times[1:])]
        print('\ndeaf ESME: the MO sent at %s s' % ', '.join('%.1f' % t for t in times), file=sys.stderr)
        self.assertGreaterEqual(gaps[0], 10, gaps)
        self.assertTrue(all(b > a for a, b in zip(gaps, gaps[1:])), gaps)
        self.assertLessEqual(len(times), 3, 'in %d s' % DEAF_WATCH_S)

    def test_09_billed_once(self):
        self.assertEqual(len([b for b in self.billing if b['kind'] == 'sms_mo']), 2)


if __name__ == '__main__':
    SmppSessions.build = sys.argv.pop(1)
    unittest.main(verbosity=2)
