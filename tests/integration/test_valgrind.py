#!/usr/bin/env python3
"""The daemons under valgrind (memcheck, full leak check) through the test
dialogues and SMS traffic over SMPP: no invalid access, no leak, clean exit. Runs the non-sanitizer
build (valgrind and ASan do not mix): usage: test_valgrind.py BUILD_DIR"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

BUILD = None


class Valgrind(unittest.TestCase):
    def test_dialogues_clean_under_valgrind(self):
        if not os.path.exists(os.path.join(BUILD, 'src/sigwayd/sigwayd')):
            self.fail('%s has no sigwayd: build it first (contrib/setup.sh demo)' % BUILD)
        # "possibly lost" is left out: libosmovty keeps its command tables in
        # talloc contexts it never frees
        vg = ['valgrind', '--leak-check=full', '--show-leak-kinds=definite,indirect',
              '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=99', '-q']
        net = sn.Network(BUILD, capture=False, wrapper=vg)
        try:
            net.start()
            for kind in ('basic-end', 'continue', 'user-abort', 'acn-fallback'):
                self.assertIn(' ok ', net.run_test('test-dialogue %s %s' % (kind, sn.HLR_GT), timeout=30))
            self.assertIn(' ok ', net.run_test('test-udt-return %s 99' % sn.HLR_GT, timeout=30))
            net.gw('bench tcap %s count 200 window 20' % sn.HLR_GT)
            # the SMS core under valgrind: SMPP in, store, SRI + MT-ForwardSM, receipts, MO,
            # and a refused submit
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
        for name in ('sigwayd', 'netsim'):
            log = net.log(name)
            self.assertFalse(re.search(r'==\d+== (Invalid|Conditional|.*definitely lost|.*indirectly lost)', log),
                             log[-3000:])
            self.assertEqual(net.exit_codes[name], 0, log[-3000:])


if __name__ == '__main__':
    BUILD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
