#!/usr/bin/env python3
"""Bad input from the SMPP side against a running sigwayd: thousands of
mutated PDUs (from the fuzz corpus and from real traffic) on bound and
unbound connections, cut at random points, sent in random slices. sigwayd
must answer what it can parse, close what it cannot, keep running, lose none
of the messages it acknowledged before, and still take a normal client
afterwards.

usage: test_smpp_garbage.py BUILD_DIR
"""

import os
import random
import socket
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

CORPUS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'smpp', 'corpus-smpp')
ROUNDS = 300


def pdu(cmd, seq, body=b'', status=0):
    return struct.pack('>IIII', 16 + len(body), cmd, status, seq) + body


def submit(seq, dest=b'491770000001', text=b'garbage test'):
    body = (b'\0' + b'\x01\x01' + b'4000\0' + b'\x01\x01' + dest + b'\0' + b'\0\0\0' + b'\0' + b'\0' +
            b'\x01\0\0\0' + bytes([len(text)]) + text)
    return pdu(0x04, seq, body)


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randint(0, 3)
        if op == 0 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 1 and len(data) > 1:
            del data[rng.randrange(len(data)):rng.randrange(len(data)) + rng.randint(1, 8)]
        elif op == 2:
            i = rng.randrange(len(data) + 1)
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 3 and len(data) >= 4 and rng.random() < 0.5:
            # keep the length honest half of the time, so the body parsers get the bytes
            data[0:4] = struct.pack('>I', len(data))
    return bytes(data)


class SmppGarbage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.net = sn.Network(BUILD, capture=False, quiet=True)
        cls.net.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.net.__exit__(None, None, None)
        bad = {k: v for k, v in cls.net.exit_codes.items() if k != 'osmo-stp' and v != 0}
        if bad:
            raise AssertionError('daemons exited with %s' % bad)

    def connect(self, bind=True):
        s = socket.create_connection(('127.0.0.1', self.net.ports['smpp']), timeout=2)
        if bind:
            s.sendall(pdu(0x09, 1, b'demo\0demo\0\0\x34\x00\x00\0'))
            self.assertEqual(s.recv(16)[4:12], struct.pack('>II', 0x80000009, 0))
        return s

    def test_garbage_then_normal_service(self):
        # messages acknowledged before the garbage: they must all be delivered
        before = self.net.esme({'submits': [{'source_addr': '4000', 'destination_addr': '4917700000%02d' % i,
                                             'short_message': 'before %d' % i, 'registered_delivery': 1}
                                            for i in range(10)], 'receipts': 10, 'timeout': 30000})
        ids = [e['message_id'] for e in before if e['event'] == 'submit_sm_resp' and e['status'] == 0]
        self.assertEqual(len(ids), 10)

        seeds = [open(os.path.join(CORPUS, f), 'rb').read() for f in sorted(os.listdir(CORPUS))]
        seeds += [submit(7), pdu(0x15, 8), pdu(0x06, 9)]
        rng = random.Random(4)      # the same garbage every run
        answered = closed = 0
        for r in range(ROUNDS):
            s = self.connect(bind=rng.random() < 0.7)
            try:
                data = b''.join(mutate(rng, rng.choice(seeds)) for _ in range(rng.randint(1, 6)))
                # in random slices: the server must reassemble across reads
                while data:
                    n = rng.randint(1, 64)
                    s.sendall(data[:n])
                    data = data[n:]
                s.settimeout(0.2)
                try:
                    got = s.recv(65536)
                    answered += bool(got)
                    closed += not got
                except socket.timeout:
                    pass
            except (BrokenPipeError, ConnectionResetError):
                closed += 1
            finally:
                s.close()
            self.assertTrue(self.net.alive('sigwayd'), 'sigwayd died in round %d' % r)
        self.assertGreater(answered, ROUNDS // 4)

        # still a normal SMSC
        after = self.net.esme({'submits': [{'source_addr': '4000', 'destination_addr': '491770000077',
                                            'short_message': 'after', 'registered_delivery': 1}],
                               'receipts': 1, 'timeout': 30000})
        self.assertIn('stat:DELIVRD', [e for e in after if e['event'] == 'deliver_sm'][0]['text'])
        refs = {b['ref'] for b in self.net.billing() if b['kind'] == 'sms_mt'}
        self.assertTrue(set(ids) <= refs, 'a message acknowledged before the garbage was not delivered')
        print('\n%d rounds: %d answered, %d closed by sigwayd' % (ROUNDS, answered, closed), file=sys.stderr)


if __name__ == '__main__':
    BUILD = sys.argv.pop(1)
    unittest.main(verbosity=2)
