#!/usr/bin/env python3
"""The tshark oracle itself: a real frame decodes with the right fields and
status 0, the same frame cut short gives 2, an unknown layer or bad hex 1.

usage: test_dissect.py DISSECT
"""

import subprocess
import sys
import unittest

DISSECT = None
# CAP.pcap #20 (tests/captures): TC-BEGIN, sendRoutingInfoForSM to 96895022389
SRI_SM = ('624248030004026b1a2818060700118605010101a00d600ba1090607040000010014026c1fa11d0201010201'
          '2d30158007916998052283f9810101820791968950010036')


def dissect(*args, stdin=None):
    return subprocess.run([DISSECT] + list(args), capture_output=True, text=True, input=stdin)


class Dissect(unittest.TestCase):
    def test_fields(self):
        r = dissect('-e', 'tcap.otid', '-e', 'gsm_old.localValue', '-e', 'e164.msisdn', SRI_SM, 'tcap')
        self.assertEqual((r.returncode, r.stdout), (0, '000402\t45\t96895022389,699805100063\n'), r.stderr)

    def test_verdict_field_asked_for(self):
        r = dissect('-e', '_ws.malformed', '-e', 'tcap.otid', SRI_SM, 'tcap')
        self.assertEqual((r.returncode, r.stdout), (0, '\t000402\n'), r.stderr)

    def test_tree_and_json(self):
        r = dissect('-V', SRI_SM, 'tcap')
        self.assertEqual(r.returncode, 0)
        self.assertIn('sendRoutingInfoForSM', r.stdout)
        r = dissect(SRI_SM, 'tcap')
        self.assertEqual(r.returncode, 0)
        self.assertIn('"tcap.otid": "00:04:02"', r.stdout)

    def test_frames_from_stdin(self):
        r = dissect('-e', 'tcap.otid', '-', 'tcap', stdin=SRI_SM + '\n\n' + ' '.join(SRI_SM[i:i + 2]
                                                                                     for i in range(0, 40, 2)))
        self.assertEqual(r.stdout.splitlines()[0], '000402')
        self.assertEqual(r.returncode, 2, 'the second frame is cut short')

    def test_cut_short_is_malformed(self):
        for n in (10, 40, len(SRI_SM) - 2):
            r = dissect('-e', 'tcap.otid', SRI_SM[:n], 'tcap')
            self.assertEqual(r.returncode, 2, 'length %d: %s' % (n, r.stdout))
        r = dissect('-V', SRI_SM[:40], 'tcap')
        self.assertEqual(r.returncode, 2)

    def test_by_dissector_name(self):
        # an SMPP enquire_link, then the same with a length beyond the bytes
        r = dissect('-e', 'smpp.command_id', '0000001000000015000000000000002a', 'smpp')
        self.assertEqual((r.returncode, r.stdout), (0, '0x00000015\n'), r.stderr)
        r = dissect('-e', 'smpp.command_id', '0000003000000004000000000000002a00', 'smpp')
        self.assertEqual(r.returncode, 2)

    def test_usage_errors(self):
        self.assertEqual(dissect('-e', 'tcap.otid', SRI_SM, 'no_such_dissector').returncode, 1)
        self.assertEqual(dissect('-e', 'tcap.otid', 'abc', 'tcap').returncode, 1)
        self.assertEqual(dissect('-e', 'no.such.field', SRI_SM, 'tcap').returncode, 1)
        self.assertEqual(dissect(SRI_SM).returncode, 1)


if __name__ == '__main__':
    DISSECT = sys.argv.pop(1)
    unittest.main(verbosity=2)
