#!/usr/bin/env python3
"""kill -9 sigwayd in the middle of thousands of messages, start it again on
the same store: every message it acknowledged ends with a final delivery
receipt, and the billing records are exactly the messages netsim's MSC
accepted (by id), none twice. Receipts the ESME answered before the kill
and got again after the restart are counted (doc/smsc.md states the figure).

usage: test_crash.py BUILD_DIR [MESSAGES]
"""

import collections
import json
import signal
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

BUILD = None
MESSAGES = 3000
KILL_AT = 1000          # stored messages when the process dies
# receipts answered before a kill -9 come again only when their answer was
# in flight: at most a window of them (the demo account's: 100), and none
# answered long before the kill (doc/smsc.md has the figures)
REPEATED_RECEIPTS_MAX = 100
REPEATED_RECEIPT_AGE_MAX_MS = 500


def events(out):
    return [json.loads(line) for line in out.splitlines() if line.startswith('{')]


class Crash(unittest.TestCase):
    SIGNAL = signal.SIGKILL
    # the kill comes when this count reaches KILL_AT: messages stored
    KILL_COUNT = 'SELECT count(*) FROM messages'

    @classmethod
    def setUpClass(cls):
        cls.net = net = sn.Network(BUILD, netsim_extra='netsim\n mt-log mt.log\n', capture=False, quiet=True)
        net.__enter__()
        try:
            cls.run_crash()
        except BaseException:
            net.dump_logs()
            net.stop()
            raise

    @classmethod
    def run_crash(cls):
        net = cls.net
        submits = [{'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1,
                    'destination_addr': '4917%08d' % i, 'dest_addr_ton': 1, 'dest_addr_npi': 1,
                    'short_message': 'crash %05d' % i, 'registered_delivery': 1} for i in range(MESSAGES)]
        esme = net.esme_start({'submits': submits, 'window': 50, 'receipts': MESSAGES, 'timeout': 300000})
        deadline = time.time() + 120
        stored = 0
        while time.time() < deadline and stored < KILL_AT:
            time.sleep(0.05)
            try:
                with sqlite3.connect('file:%s?mode=ro' % net.db, uri=True, timeout=5) as db:
                    stored = db.execute(cls.KILL_COUNT).fetchone()[0]
            except sqlite3.OperationalError:
                pass
        cls.kill_ms = time.time() * 1000
        cls.exit_status = net.kill_sigwayd(cls.SIGNAL)
        cls.killed_at = stored
        out, _ = esme.communicate(timeout=60)
        cls.before = events(out)
        net.restart_sigwayd()
        acked = {e['message_id'] for e in cls.before if e['event'] == 'submit_sm_resp' and e['status'] == 0}
        got = {e['receipted_message_id'] for e in cls.before if e['event'] == 'deliver_sm'}
        cls.after = net.esme({'receipt_ids': sorted(acked - got), 'timeout': 240000}, timeout=300)
        # the messages stored but not acknowledged before the kill go out too
        deadline = time.time() + 120
        while time.time() < deadline:
            with sqlite3.connect('file:%s?mode=ro' % net.db, uri=True, timeout=5) as db:
                if not db.execute('SELECT count(*) FROM messages WHERE state = 1').fetchone()[0]:
                    break
            time.sleep(0.2)
        cls.billing = net.billing()
        with sqlite3.connect('file:%s?mode=ro' % net.db, uri=True) as db:
            cls.stored = {bytes(p).decode(): str(i) for i, p in db.execute('SELECT id, payload FROM messages')}
            cls.pending = db.execute('SELECT count(*) FROM messages WHERE state = 1').fetchone()[0]
        with open(os.path.join(net.tmp, 'mt.log')) as f:
            cls.msc = [line.rstrip('\n').split('\t')[1] for line in f]

    @classmethod
    def tearDownClass(cls):
        cls.net.__exit__(None, None, None)

    def test_every_acknowledged_message_has_a_final_receipt(self):
        acked = {e['message_id'] for e in self.before if e['event'] == 'submit_sm_resp' and e['status'] == 0}
        receipts = collections.defaultdict(set)
        for e in self.before + self.after:
            if e['event'] == 'deliver_sm' and e['esm_class'] & 4:
                receipts[e['receipted_message_id']].add(e['message_state'])
        if self.KILL_COUNT == Crash.KILL_COUNT:
            self.assertGreater(len(acked), KILL_AT // 2, 'the ESME got too few answers before the kill')
        if self.KILL_COUNT == Crash.KILL_COUNT:
            self.assertLess(len(acked), MESSAGES, 'the kill came after the run')
        missing = [i for i in acked if 2 not in receipts.get(i, ())]
        self.assertEqual(missing, [], '%d acknowledged messages without a DELIVRD receipt' % len(missing))
        self.assertEqual(self.pending, 0)
        print('\ncrash (%s): killed at %d, %d acknowledged, %d receipts before, %d after the restart' % (
            type(self).__name__, self.killed_at, len(acked), len([e for e in self.before if e['event'] == 'deliver_sm']),
            len([e for e in self.after if e['event'] == 'deliver_sm'])), file=sys.stderr)

    def test_answered_receipts_repeated(self):
        """a receipt the ESME answered (deliver_sm_resp OK) before the kill and
        got again after the restart: its removal from the outbox commits in the
        tick of the answer, so only those answered in the last commit's
        window come again"""
        answered = {e['receipted_message_id']: e['epoch_ms'] for e in self.before if e['event'] == 'deliver_sm'}
        again = {e['receipted_message_id'] for e in self.after if e['event'] == 'deliver_sm'} & set(answered)
        ages = sorted(self.kill_ms - answered[i] for i in again)
        print('crash (%s): %d receipts answered before the kill, %d of them sent again after the restart'
              ' (answered %s ms before the kill)' % (type(self).__name__, len(answered), len(again),
                                                     ', '.join('%.0f' % a for a in ages) or '-'), file=sys.stderr)
        self.assertLessEqual(len(again), REPEATED_RECEIPTS_MAX, sorted(again))
        self.assertTrue(all(a < REPEATED_RECEIPT_AGE_MAX_MS for a in ages), ages)

    def test_billing_is_what_the_msc_accepted(self):
        refs = [b['ref'] for b in self.billing if b['kind'] == 'sms_mt']
        self.assertEqual(len(refs), len(set(refs)), 'duplicate billing records')
        accepted = [self.stored[text] for text in self.msc]
        self.assertEqual(set(refs), set(accepted))
        acked = {e['message_id'] for e in self.before if e['event'] == 'submit_sm_resp' and e['status'] == 0}
        self.assertTrue(acked <= set(refs))
        dups = len(accepted) - len(set(accepted))
        print('crash: %d billing records = %d messages the MSC accepted (%d accepted twice: in flight at the kill)'
              % (len(refs), len(set(accepted)), dups), file=sys.stderr)


class ReceiptsCrash(Crash):
    """kill -9 while receipts flow: when the ESME answered KILL_AT of them"""
    KILL_COUNT = 'SELECT count(*) FROM outbox WHERE done_ms IS NOT NULL'


class Stop(Crash):
    """The same run with an orderly stop (SIGTERM) in the middle: sigwayd
    exits cleanly (LeakSanitizer included) with messages in every state, and
    the restart delivers the rest."""
    SIGNAL = signal.SIGTERM

    def test_clean_exit(self):
        self.assertEqual(self.exit_status, 0, self.net.log('sigwayd-killed')[-3000:])


if __name__ == '__main__':
    BUILD = sys.argv.pop(1)
    if len(sys.argv) > 1:
        MESSAGES = int(sys.argv.pop(1))
    unittest.main(verbosity=2)
