#!/usr/bin/env python3
"""The store on a small volume that fills up (issue 10, items 12, 13, 15).

The test runs in a private mount namespace (it starts itself again under
`unshare -m`; root) and mounts a tmpfs for sigwayd's store directory.

StoreFull (8 MiB volume): messages acknowledged before the volume fills are
delivered while no commit can succeed (the MSC accepts them); receipts the
ESME answers meanwhile are not sent again; then space returns: every
acknowledged message was delivered and billed exactly once, every receipt
sent exactly once, nothing is left pending, and a restart delivers nothing
again. While full, submits are refused at once (ESME_RMSGQFUL), the log says
why and `show sms` counts it.

SmallVolume (4 MiB): a burst of traffic keeps the WAL bounded (no commit
fails), an idle store truncates it, and low free space is reported (log
line and counter) before anything fails.

usage: test_sms_store_faults.py BUILD_DIR
"""

import collections
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

if os.environ.get('SIGWAY_MNTNS') != '1':
    # a private mount namespace: the tmpfs mounts are ours alone and go with us
    os.environ['SIGWAY_MNTNS'] = '1'
    os.execvp('unshare', ['unshare', '-m', '--propagation', 'private', sys.executable] + sys.argv)

ABSENT = ['491770012%03d' % i for i in range(1, 21)]       # delivered while the volume is full
EARLY = ['491770013%03d' % i for i in range(1, 11)]        # their receipts answered while full
BURST = ['491770015%03d' % i for i in range(1, 51)]
NETSIM_EXTRA = 'netsim\n mt-log mt.log\n' + ''.join(
    ' subscriber %s imsi 26201%s state %s\n' % (m, m[-10:], 'absent' if m in ABSENT else 'attached')
    for m in ABSENT + EARLY + BURST)

SIGWAYD_EXTRA = """gateway
 database store/sigway.db
smpp
 account full
  password full
  window 50
 account rcpt
  password rcpt
  window 50
sms
 retry-interval 1 2
"""


def sm(dest, text, rd=1):
    return {'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1, 'destination_addr': dest,
            'dest_addr_ton': 1, 'dest_addr_npi': 1, 'short_message': text, 'registered_delivery': rd}


def events(out):
    return [json.loads(line) for line in out.splitlines() if line.startswith('{')]


def fill(path):
    """writes a file until the volume is full; returns its size"""
    n = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (65536, 4096, 512):
            block = b'\0' * size
            while True:
                try:
                    n += os.write(fd, block)
                except OSError:
                    break
    finally:
        os.close(fd)
    return n


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


class StoreVolume(unittest.TestCase):
    build = None
    SIZE = '8m'

    @classmethod
    def setUpClass(cls):
        cls.net = net = sn.Network(cls.build, netsim_extra=NETSIM_EXTRA, sigwayd_extra=SIGWAYD_EXTRA, capture=False)
        cls.store = os.path.join(net.tmp, 'store')
        os.mkdir(cls.store)
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s' % cls.SIZE, 'sigway-store', cls.store], check=True)
        net.db = os.path.join(cls.store, 'sigway.db')
        try:
            net.__enter__()
            cls.run_all()
        except BaseException:
            net.dump_logs()
            net.stop()
            subprocess.run(['umount', '-l', cls.store])
            raise

    @classmethod
    def tearDownClass(cls):
        cls.net.__exit__(None, None, None)
        subprocess.run(['umount', '-l', cls.store])

    @classmethod
    def db(cls, sql):
        for _ in range(50):
            try:
                with sqlite3.connect('file:%s?mode=ro' % cls.net.db, uri=True, timeout=5) as db:
                    return db.execute(sql).fetchall()
            except sqlite3.OperationalError:
                time.sleep(0.1)
        raise TimeoutError(sql)

    @classmethod
    def wait_db(cls, sql, want, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = cls.db(sql)[0][0]
            if got == want:
                return True
            time.sleep(0.2)
        return False

    @classmethod
    def mt_log(cls):
        with open(os.path.join(cls.net.tmp, 'mt.log')) as f:
            return [line.rstrip('\n').split('\t', 1)[1] for line in f]


class StoreFull(StoreVolume):
    @classmethod
    def run_all(cls):
        net = cls.net
        ns = net.vty('netsim')
        filler = os.path.join(cls.store, 'filler')
        # receipts waiting in the outbox (no receiver of 'rcpt' bound yet)
        cls.ev_early = net.esme({'system_id': 'rcpt', 'password': 'rcpt', 'bind': 'transmitter',
                                 'submits': [sm(m, 'early %s' % m) for m in EARLY]})
        cls.early_waiting = cls.wait_db("SELECT count(*) FROM outbox WHERE account = 'rcpt' AND done_ms IS NULL",
                                        len(EARLY))
        # messages to absent subscribers, acknowledged before the volume fills
        cls.ev_full = net.esme({'system_id': 'full', 'password': 'full', 'bind': 'transmitter',
                                'submits': [sm(m, 'while full %s' % m) for m in ABSENT]})
        time.sleep(1)
        cls.filled = fill(filler)
        cls.free_when_full = free_bytes(cls.store)
        # receipts answered while nothing commits: each must come once
        cls.ev_rcpt_full = net.esme({'system_id': 'rcpt', 'password': 'rcpt', 'bind': 'receiver',
                                     'receipts': 999, 'timeout': 8000}, timeout=30)
        # a receiver of 'full' from now on; the subscribers attach (HLR alerts): delivered while full
        full_rx = net.esme_start({'system_id': 'full', 'password': 'full', 'bind': 'receiver',
                                  'receipts': len(ABSENT), 'timeout': 60000})
        for m in ABSENT:
            ns.cmd('subscriber-state %s attached' % m)
        deadline = time.time() + 20
        while time.time() < deadline and len(cls.mt_log()) < len(EARLY) + len(ABSENT):
            time.sleep(0.2)
        time.sleep(2)
        cls.delivered_while_full = [t for t in cls.mt_log() if t.startswith('while full')]
        cls.refused_while_full = net.esme({'system_id': 'full', 'password': 'full', 'bind': 'transmitter',
                                           'submits': [sm(EARLY[0], 'refused')]})
        cls.show_full = net.gw('show sms')
        cls.pending_full = cls.db('SELECT count(*) FROM messages WHERE state = 1')[0][0]
        # space returns
        os.unlink(filler)
        cls.t_freed = time.time()
        cls.ev_full_rx = events(full_rx.communicate(timeout=90)[0])
        cls.ev_rcpt_after = net.esme({'system_id': 'rcpt', 'password': 'rcpt', 'bind': 'receiver',
                                      'receipts': 999, 'timeout': 5000}, timeout=30)
        cls.settled = cls.wait_db('SELECT count(*) FROM messages WHERE state = 1', 0)
        cls.outbox_open = cls.db('SELECT count(*) FROM outbox WHERE done_ms IS NULL')[0][0]
        cls.billing = net.billing()
        cls.show_after = net.gw('show sms')
        cls.log = net.log('sigwayd')
        # a restart delivers nothing again
        before = len(cls.mt_log())
        net.swap('gateway', 'sigwayd')
        time.sleep(3)
        cls.after_restart = cls.mt_log()[before:]

    def ids(self, evs):
        return {e['message_id'] for e in evs if e['event'] == 'submit_sm_resp' and e['status'] == 0}

    def test_setup(self):
        self.assertTrue(self.early_waiting)
        self.assertLess(self.free_when_full, 64 * 1024)
        self.assertEqual(len(self.ids(self.ev_full)), len(ABSENT))

    def test_12_delivered_while_full(self):
        # the MSC took them while no commit succeeded (else this test shows nothing)
        self.assertGreaterEqual(len(self.delivered_while_full), len(ABSENT) // 2, self.delivered_while_full)
        self.assertGreater(self.pending_full, 0, 'the store took the deliveries although the volume was full')

    def test_12_refused_while_full(self):
        st = [e['status'] for e in self.refused_while_full if e['event'] == 'submit_sm_resp']
        self.assertEqual(st, [0x14])

    def test_12_every_message_delivered_and_billed_once(self):
        texts = collections.Counter(self.mt_log())
        for m in ABSENT:
            self.assertEqual(texts['while full %s' % m], 1, m)
        refs = collections.Counter(b['ref'] for b in self.billing if b['kind'] == 'sms_mt')
        for i in self.ids(self.ev_full) | self.ids(self.ev_early):
            self.assertEqual(refs[i], 1, 'message %s billed %d times' % (i, refs[i]))
        self.assertTrue(self.settled, 'messages still pending after the space returned')
        self.assertEqual(self.outbox_open, 0)

    def test_12_receipts_exactly_once(self):
        got = collections.Counter(e['receipted_message_id'] for e in self.ev_full_rx if e['event'] == 'deliver_sm')
        self.assertEqual(set(got), self.ids(self.ev_full))
        self.assertEqual(set(got.values()), {1}, got)

    def test_12_nothing_again_after_a_restart(self):
        self.assertEqual(self.after_restart, [])

    def test_13_answered_receipts_not_sent_again(self):
        evs = self.ev_rcpt_full + self.ev_rcpt_after
        got = collections.Counter(e['receipted_message_id'] for e in evs if e['event'] == 'deliver_sm')
        self.assertEqual(set(got), self.ids(self.ev_early))
        self.assertEqual(set(got.values()), {1}, got)

    def test_15_said_and_counted(self):
        self.assertRegex(self.log, r'store: .*(full|no space)')
        m = re.search(r'store full (\d+) times', self.show_after)
        self.assertIsNotNone(m, self.show_after)
        self.assertGreaterEqual(int(m.group(1)), 1)
        self.assertRegex(self.log, r'store: commits succeed again')


class SmallVolume(StoreVolume):
    SIZE = '4m'

    @classmethod
    def run_all(cls):
        net = cls.net
        wal = net.db + '-wal'
        esme = net.esme_start({'system_id': 'full', 'password': 'full', 'window': 50, 'receipts': 600,
                               'timeout': 120000,
                               'submits': [sm(BURST[i % len(BURST)], 'burst %d' % i) for i in range(600)]})
        cls.wal_max = 0

        def sample():
            while esme.poll() is None:
                try:
                    cls.wal_max = max(cls.wal_max, os.path.getsize(wal))
                except OSError:
                    pass
                time.sleep(0.05)
        sampler = threading.Thread(target=sample)
        sampler.start()
        # its output read as it comes (a pipe left full would hold the ESME up)
        cls.ev = events(esme.communicate(timeout=180)[0])
        sampler.join()
        cls.show_burst = net.gw('show sms')
        # idle: the WAL is truncated
        deadline = time.time() + 20
        cls.wal_idle = None
        while time.time() < deadline:
            cls.wal_idle = os.path.getsize(wal) if os.path.exists(wal) else 0
            if cls.wal_idle == 0:
                break
            time.sleep(0.5)
        # little space left: said before anything fails
        filler = os.path.join(cls.store, 'filler')
        room = free_bytes(cls.store) - 1024 * 1024
        with open(filler, 'wb') as f:
            f.write(b'\0' * max(room, 0))
        time.sleep(7)
        cls.show_low = net.gw('show sms')
        cls.log = net.log('sigwayd')
        os.unlink(filler)

    def test_15_wal_bounded(self):
        receipts = [e for e in self.ev if e['event'] == 'deliver_sm']
        self.assertEqual(len(receipts), 600, [e for e in self.ev if e['event'] in ('done', 'error')] +
                         [e for e in self.ev if e['event'] == 'submit_sm_resp' and e['status']][:5])
        print('\nsmall volume: the WAL reached %d KiB' % (self.wal_max // 1024), file=sys.stderr)
        self.assertLessEqual(self.wal_max, 2 * 1024 * 1024)
        m = re.search(r'store commits \d+ failed (\d+)', self.show_burst)
        self.assertEqual(m.group(1), '0', self.show_burst)

    def test_15_wal_truncated_when_idle(self):
        self.assertEqual(self.wal_idle, 0)

    def test_15_low_space_reported(self):
        self.assertRegex(self.log, r'store: only \d+ KiB free')
        m = re.search(r'low space (\d+)', self.show_low)
        self.assertIsNotNone(m, self.show_low)
        self.assertGreaterEqual(int(m.group(1)), 1)


if __name__ == '__main__':
    StoreVolume.build = sys.argv.pop(1)
    unittest.main(verbosity=2)
