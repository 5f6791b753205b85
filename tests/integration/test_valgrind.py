#!/usr/bin/env python3
"""Our processes under valgrind (memcheck, full leak check): no invalid
access, no leak, clean exit. In one network run: the test peer (in sigwayd's
place) with the test dialogues and a TCAP benchmark against netsim, then
sigwayd in the same place with SMS traffic over SMPP (MT, receipts, MO, a
refused submit). Runs the non-sanitizer build (valgrind and ASan do not mix):
usage: test_valgrind.py BUILD_DIR"""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

BUILD = None


class Valgrind(unittest.TestCase):
    def test_dialogues_clean_under_valgrind(self):
        for exe in ('src/sigwayd/sigwayd', 'tests/peer/sigway-testpeer'):
            if not os.path.exists(os.path.join(BUILD, exe)):
                self.fail('%s has no %s: build it first (contrib/setup.sh demo)' % (BUILD, exe))
        # "possibly lost" is left out: libosmovty keeps its command tables in
        # talloc contexts it never frees
        vg = ['valgrind', '--leak-check=full', '--show-leak-kinds=definite,indirect',
              '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=99', '-q']
        net = sn.Network(BUILD, capture=False, wrapper=vg, gateway='testpeer')
        try:
            net.start()
            # the stack (SCCP, TCAP, MAP codec) in the test peer and netsim
            for kind in ('basic-end', 'continue', 'user-abort', 'acn-fallback'):
                self.assertIn(' ok ', net.run_test('test-dialogue %s %s' % (kind, sn.HLR_GT), timeout=30))
            self.assertIn(' ok ', net.run_test('test-udt-return %s 99' % sn.HLR_GT, timeout=30))
            net.peer('bench tcap %s count 200 window 20' % sn.HLR_GT)
            deadline = time.time() + 60
            while 'running' in net.peer('show bench') and time.time() < deadline:
                time.sleep(0.2)
            self.assertRegex(net.peer('show bench'), r'finished sent 200 done 200 failed 0 ')
            # the SMS core under valgrind: SMPP in, store, SRI + MT-ForwardSM, receipts, MO,
            # and a refused submit
            self.assertEqual(net.swap('gateway', 'sigwayd'), 0, net.logs('testpeer')[-1][-3000:])
            subs = [{'source_addr': '4000', 'destination_addr': '4917700000%02d' % i, 'short_message': 'vg %d' % i,
                     'registered_delivery': 1} for i in range(20)]
            subs.append({'source_addr': '4000', 'destination_addr': '49177x', 'short_message': 'bad'})
            subs.append({'source_addr': '4000', 'destination_addr': '491770000099', 'registered_delivery': 1,
                         'message_payload': 'long ' * 60})
            ev = net.esme({'submits': subs, 'receipts': 21, 'timeout': 60000}, timeout=90)
            self.assertEqual(len([e for e in ev if e['event'] == 'deliver_sm']), 21, ev[-3:])
            net.ns('mo-sms 491770000001 4000 Hello valgrind')
            ev = net.esme({'bind': 'receiver', 'mo': 1, 'timeout': 30000}, timeout=60)
            self.assertEqual(len([e for e in ev if e['event'] == 'deliver_sm']), 1, ev[-3:])
        except BaseException:
            net.dump_logs()
            raise
        finally:
            net.stop()
        for name in ('testpeer', 'sigwayd', 'netsim'):
            logs = net.logs(name)
            self.assertTrue(logs, name)
            for log in logs:
                self.assertFalse(re.search(r'==\d+== (Invalid|Conditional|.*definitely lost|.*indirectly lost)', log),
                                 log[-3000:])
            self.assertEqual(net.exit_codes[name], 0, logs[-1][-3000:])


if __name__ == '__main__':
    BUILD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
