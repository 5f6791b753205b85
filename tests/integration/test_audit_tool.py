#!/usr/bin/env python3
"""sigway-audit on a store written by hand: the verdicts it gives for the
same-calling-GT rule and for an answer from another GT than the one called
(the TCAP layer only takes a first answer from the GT called or the
operator's network-gt ranges; the audit makes any such answer visible).

usage: test_audit_tool.py BUILD_DIR
"""

import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

BUILD = None
ROWS = [
    # msg_id, step, calling, called, outcome, answer_gt
    ('1', 'sri-for-sm', '491720000099', '491710000001', 'ok imsi 262010000000001 msc 491710000002', '491710000001'),
    ('1', 'mt-forward-sm', '491720000099', '491710000002', 'ok part 1/1', '491710000002'),
    ('2', 'sri-for-sm', '491720000099', '491710000001', 'ok imsi 262010000000001 msc 491710000002', '491710000009'),
    ('2', 'mt-forward-sm', '491720000099', '491710000002', 'ok part 1/1', '491710000002'),
    ('3', 'sri-for-sm', '491720000099', '491710000001', 'ok imsi 262010000000001 msc 491710000002', '491710000001'),
    ('3', 'mt-forward-sm', '491720000011', '491710000002', 'ok part 1/1', '491710000002'),
]


class AuditTool(unittest.TestCase):
    def audit(self, db, msisdn):
        p = subprocess.run([os.path.join(BUILD, 'src/audit/sigway-audit'), '--db', db, msisdn], capture_output=True,
                           text=True)
        return p.returncode, p.stdout

    def make_db(self, msgs):
        fd, path = tempfile.mkstemp(suffix='.db')
        os.close(fd)
        self.addCleanup(os.unlink, path)
        with sqlite3.connect(path) as db:
            db.execute('CREATE TABLE messages (id INTEGER PRIMARY KEY, account TEXT, src TEXT, dst TEXT, submit_ms '
                       'INTEGER, state INTEGER, err INTEGER, done_ms INTEGER)')
            db.execute('CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, msg_id TEXT, msisdn TEXT, step TEXT,'
                       ' calling_gt TEXT, called_gt TEXT, otid TEXT, dtid TEXT, start_ms INTEGER, end_ms INTEGER,'
                       ' outcome TEXT, answer_gt TEXT NOT NULL DEFAULT \'\')')
            for m in msgs:
                db.execute('INSERT INTO messages VALUES (?, ?, ?, ?, ?, 2, 0, ?)',
                           (int(m), 'demo', '4000', '49177000000' + m, 1796000000000, 1796000001000))
            for r in ROWS:
                if r[0] in msgs:
                    db.execute('INSERT INTO audit (msg_id, msisdn, step, calling_gt, called_gt, otid, dtid, start_ms,'
                               ' end_ms, outcome, answer_gt) VALUES (?, ?, ?, ?, ?, \'00000001\', \'01\', 1, 2, ?, ?)',
                               (r[0], '49177000000' + r[0], r[1], r[2], r[3], r[4], r[5]))
        return path

    def test_clean(self):
        rc, out = self.audit(self.make_db(['1']), '491770000001')
        self.assertEqual(rc, 0, out)
        self.assertIn('verdict: every accepted MT-ForwardSM went out from the calling GT', out)
        self.assertNotIn('ANSWER FROM ANOTHER GT', out)

    def test_answer_from_another_gt_flagged(self):
        rc, out = self.audit(self.make_db(['2']), '491770000002')
        self.assertEqual(rc, 3, out)
        self.assertIn('ANSWER FROM ANOTHER GT: 491710000009 answered, 491710000001 was called', out)

    def test_calling_gt_mismatch_flagged(self):
        rc, out = self.audit(self.make_db(['3']), '491770000003')
        self.assertEqual(rc, 3, out)
        self.assertIn('MISMATCH', out)


if __name__ == '__main__':
    BUILD = sys.argv.pop(1)
    unittest.main(verbosity=2)
