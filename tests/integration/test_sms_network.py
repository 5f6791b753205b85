#!/usr/bin/env python3
"""The simulated mobile network answers per subscriber state: the test peer
(tests/peer, in sigwayd's place: same point code and GT) sends SRI-for-SM to
netsim's HLR and MT-ForwardSM to the MSC it names, through a real osmo-stp,
for each configured state, and takes netsim's MO, alerts and USSD; the wire
is judged by tshark.

usage: test_sms_network.py BUILD_DIR
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

BUILD = None

SUBSCRIBERS = [
    # msisdn, imsi, msc, state, expected outcome
    ('491770000001', '262017700000001', None, 'attached', 'delivered via 491710000002'),
    ('491770000002', '262017700000002', None, 'absent', 'sri-for-sm error 6 absentSubscriberSM'),
    ('491770000003', '262017700000003', None, 'unknown', 'sri-for-sm error 1 unknownSubscriber'),
    ('491770000004', '262017700000004', None, 'barred', 'sri-for-sm error 13 callBarred'),
    ('491770000005', '262017700000005', None, 'memory-full', 'mt-forwardSM error 32 sm-DeliveryFailure'),
    ('491770000006', '262017700000006', None, 'unreachable', 'mt-forwardSM error 6 absentSubscriberSM'),
    ('491770000007', '262017700000007', None, 'msc-timeout', 'mt-forwardSM timed out'),
    # roaming abroad: served by another network's MSC
    ('491770000008', '262017700000008', '447700900001', 'attached', 'delivered via 447700900001'),
    # ported to another network: its IMSI belongs to MNC 02
    ('491770000009', '262027700000009', None, 'attached', 'delivered via 491710000002'),
]


class SmsNetwork(sn.NetworkTestCase):
    # the test TC-user's MT, MO, alert and USSD handling
    network_args = {'gateway': 'testpeer'}

    @classmethod
    def run_all(cls):
        net = cls.net
        ns, gw = net.vty('netsim'), net.vty('testpeer')
        ns.cmd('configure terminal')
        ns.cmd('sccp')
        ns.cmd('local-gt 4477')              # the "foreign" MSC lives in netsim too
        ns.cmd('exit')
        ns.cmd('netsim')
        ns.cmd('ussd-answers 2 yes')
        for msisdn, imsi, msc, state, _ in SUBSCRIBERS:
            out = ns.cmd('subscriber %s imsi %s%s state %s' % (msisdn, imsi, ' msc ' + msc if msc else '', state))
            assert '%' not in out, out
        ns.cmd('end')
        gw.cmd('configure terminal')
        gw.cmd('sccp')
        gw.cmd('gtt 4477 dpc 0.0.3')          # route the foreign MSC's GT
        gw.cmd('end')
        cls.outcome = {}
        for msisdn, *_ in SUBSCRIBERS + [('491770000099',)]:
            cls.outcome[msisdn] = net.run_test('test-mt-sms %s %s' % (msisdn, sn.HLR_GT), timeout=15)
        cls.subscribers_before = ns.cmd('show subscribers')
        # the absent subscriber comes back: the HLR alerts the service centre
        ns.cmd('subscriber-state 491770000002 attached')
        cls.alert = net.wait_test(len(SUBSCRIBERS) + 2, timeout=10)
        cls.after_alert = net.run_test('test-mt-sms 491770000002 %s' % sn.HLR_GT, timeout=15)
        # messages that do not fit one SCCP message: XUDT segmentation, and the
        # 29.002 large-message procedure (empty TC-BEGIN, invoke in TC-CONTINUE)
        cls.long_segmented = net.run_test('test-mt-sms 491770000001 %s long one-begin' % sn.HLR_GT, timeout=15)
        cls.long_empty_begin = net.run_test('test-mt-sms 491770000001 %s long empty-begin' % sn.HLR_GT,
                                            timeout=15)
        # a subscriber sends a short message: MSC -> MO-ForwardSM -> the gateway
        n_before = len(gw.cmd('show test-dialogues').splitlines())
        assert 'sent' in ns.cmd('mo-sms 491770000001 4477 Hello world {}'), 'mo-sms refused'
        cls.mo = net.wait_test(n_before + 1, timeout=10)
        import time
        time.sleep(0.5)
        cls.mo_netsim = ns.cmd('show mo-sms')
        # USSD: a subscriber dials *100# (menu, scripted answer "2"), and the
        # gateway pushes a question the handset answers ("yes")
        n_before = len(gw.cmd('show test-dialogues').splitlines())
        assert 'dialled' in ns.cmd('ussd-dial 491770000001 %s *100#' % sn.GW_GT)
        cls.ussd_menu = net.wait_test(n_before + 1, timeout=10)
        cls.ussd_push = net.run_test('test-ussd-push %s Do you want 1GB for 5 EUR' % sn.HLR_GT, timeout=10)
        time.sleep(0.3)
        cls.ussd_netsim = ns.cmd('show ussd')

    def test_each_state_gets_its_answer(self):
        for msisdn, _, _, state, expect in SUBSCRIBERS:
            self.assertIn(' ok %s' % expect, self.outcome[msisdn], '%s (%s)' % (msisdn, state))
        self.assertIn('sri-for-sm error 1 unknownSubscriber', self.outcome['491770000099'])

    def test_absent_then_alert_then_delivery(self):
        self.assertIn('waiting-sc %s' % sn.GW_GT, self.subscribers_before)
        self.assertIn('alert-sc ok subscriber 491770000002 reachable again', self.alert)
        self.assertIn('delivered via 491710000002', self.after_alert)

    def test_portability_and_roaming_visible_in_sri_answers(self):
        sri_results = [m for m in self.msgs if m.get('tcap.end_element') and m.get('gsm_old.localValue') == '45'
                       and m.get('e212.imsi')]
        imsis = {m['e212.imsi'] for m in sri_results}
        self.assertIn('262027700000009', imsis)                    # ported: MNC 02
        mscs = {m.get('e164.msisdn') for m in sri_results}
        self.assertIn('447700900001', mscs)                        # roaming: a UK MSC

    def test_sri_and_mt_forward_sm_from_the_same_gt(self):
        begins = [m for m in self.msgs if m.get('tcap.begin_element')]
        sri = [m for m in begins if m.get('gsm_old.localValue') == '45']
        fsm = [m for m in begins if m.get('gsm_old.localValue') == '44']
        self.assertTrue(sri and fsm)
        for m in sri + fsm:
            self.assertEqual(m['sccp.calling.digits'], sn.GW_GT)
        for m in fsm:
            self.assertEqual(m['tcap.application_context_name'], '0.4.0.0.1.0.25.3')
            self.assertEqual(m['sccp.called.ssn'], '8')
        # the TPDU inside, as the handset will see it (tshark's view of the short ones)
        delivers = [m for m in self.msgs if m.get('gsm_old.localValue') == '44' and 'gsm_sms.tp-mti' in m]
        self.assertTrue(delivers)
        self.assertEqual({m['gsm_sms.tp-mti'] for m in delivers}, {'0'})     # SMS-DELIVER
        self.assertIn('Hi', {m.get('gsm_sms.sms_text') for m in delivers})
        self.assertFalse([m['frame'] for m in self.msgs if m['malformed']])

    def test_long_message_segmented_in_xudts(self):
        self.assertIn(' ok delivered via 491710000002', self.long_segmented)
        xudts = [m for m in self.msgs if m.get('sccp.message_type') == '0x11']
        self.assertTrue(xudts, 'no XUDT on the wire')
        firsts = [m for m in xudts if m.get('sccp.segmentation.first') == '0x01']
        self.assertTrue(firsts)
        # tshark reassembles the segments and finds the MT-ForwardSM with its TPDU
        whole = [m for m in xudts if m.get('gsm_old.localValue') == '44' and m.get('gsm_sms.tp-mti') == '0']
        self.assertTrue(whole, 'reassembled MT-ForwardSM not seen by tshark')

    def test_long_message_by_empty_begin(self):
        self.assertIn(' ok delivered via 491710000002', self.long_empty_begin)
        empty = [m for m in self.msgs if m.get('tcap.begin_element') and
                 m.get('tcap.application_context_name') == '0.4.0.0.1.0.25.3' and 'gsm_old.localValue' not in m]
        self.assertTrue(empty, 'no TC-BEGIN with the dialogue only')
        otid = empty[0]['tcap.otid']
        conts = [m for m in self.msgs if m.get('tcap.continue_element') and otid in (m.get('tcap.otid'), m.get('tcap.dtid'))]
        self.assertTrue([m for m in conts if m.get('tcap.dtid') == otid and m.get('tcap.result') == '0'])  # AARE
        self.assertTrue([m for m in conts if m.get('tcap.otid') == otid and m.get('gsm_old.localValue') == '44'])

    def test_mo_sms_reaches_the_gateway(self):
        self.assertIn('mo-sms ok from 491770000001 imsi 262017700000001 to 4477: Hello world {}', self.mo)
        self.assertIn('1 491770000001 accepted', self.mo_netsim)
        mo = [m for m in self.msgs if m.get('tcap.begin_element') and m.get('gsm_old.localValue') == '46']
        self.assertTrue(mo)
        self.assertEqual(mo[0]['tcap.application_context_name'], '0.4.0.0.1.0.21.3')
        self.assertEqual(mo[0]['gsm_sms.tp-mti'], '1')                  # SMS-SUBMIT
        self.assertEqual(mo[0]['gsm_sms.sms_text'], 'Hello world {}')   # extension characters

    def test_ussd_mobile_and_network_initiated(self):
        self.assertIn('ussd-menu ok *100# dialled, chose 2', self.ussd_menu)
        self.assertIn("prompted 'Menu: 1 Balance, 2 Help', answers '2'", self.ussd_netsim)
        self.assertIn("result 'You chose 2'", self.ussd_netsim)
        self.assertIn('ussd-push ok answered yes', self.ussd_push)
        self.assertIn("network asks 'Do you want 1GB for 5 EUR', handset answers 'yes'", self.ussd_netsim)
        texts = set()
        for m in self.msgs:
            if m.get('gsm_map.ussd_string'):
                # 23.038 6.1.2.3.1: a CR pads a last octet with 7 spare bits;
                # tshark shows it, a receiver drops it
                texts.add(m['gsm_map.ussd_string'].rstrip('\r'))
        self.assertTrue({'*100#', 'Menu: 1 Balance, 2 Help', '2', 'You chose 2', 'yes'} <= texts, texts)

    def test_error_parameters_on_the_wire(self):
        errors = [m for m in self.msgs if m.get('gsm_old.returnError_element')]
        codes = {m['gsm_old.localValue'] for m in errors}
        self.assertTrue({'1', '6', '13', '32'} <= codes, codes)
        causes = [m['gsm_map.er.sm_EnumeratedDeliveryFailureCause'] for m in errors
                  if 'gsm_map.er.sm_EnumeratedDeliveryFailureCause' in m]
        self.assertIn('0', causes)                                   # memoryCapacityExceeded


if __name__ == '__main__':
    BUILD = sn.NetworkTestCase.build = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
