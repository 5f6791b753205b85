#!/usr/bin/env python3
"""Regression: two use-after-frees of the test TC-user that once lived in
sigwayd (issue 8 item 3, issue 9 item 1) stay gone.

 1. A USSD Begin to sigwayd's GT, then an empty TC-CONTINUE for that
    dialogue, from an SS7 peer in the network's place (the test peer,
    `test-empty-continue`), once aborted sigwayd. sigwayd serves no USSD
    today: it must abort the Begin. An empty TC-CONTINUE for a transaction
    it does not know must get a P-Abort.
 2. `test-dialogue basic-end` to a GT with no route freed the test's state
    and read it again (test_user.c:604): the test peer, which carries that
    code now, must report the failure and keep running (the same for the
    other test commands).

Then netsim takes the network's place back and a normal SMPP message is
delivered by the same sigwayd process.

 3. The same USSD Begin and empty TC-CONTINUE at a sigwayd that serves USSD
    (the USSD gateway with a Node.js application): the session's menu goes
    out in a TC-CONTINUE, the peer answers it with no component; the
    session must end (at once or by its subscriber timer) and sigwayd keep
    running with no session left. The ASan build runs this: any
invalid access aborts a process, and every process must exit with 0.

usage: test_dialogue_uaf.py BUILD_DIR
"""

import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

BUILD = None
APPS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'ussdgw', 'apps')
APP_PORT = sn.free_port()
USSD_EXTRA = """ussd
 gateway-id sigway-uaf
 timer ussd X1 2
 application shop flavour json
 application shop url http://127.0.0.1:%d/ussd/
 application shop timeout 1500
 application shop user-timeout 2
 route *100# application shop
""" % APP_PORT
NO_ROUTE_GT = '33123456789'     # neither the peer nor sigwayd has a GT translation for it


def bcd(digits):
    digits += 'f' * (len(digits) % 2)
    return bytes(int(digits[i + 1] + digits[i], 16) for i in range(0, len(digits), 2))


def gt_party(digits, ssn):
    """SCCP party address: route on GT, SSN present, GTI 4 (TT 0, E.164, international)"""
    es = 0x01 if len(digits) % 2 else 0x02
    body = bytes([0x12, ssn, 0x00, 0x10 | es, 0x04]) + bcd(digits)
    return bytes([len(body)]) + body


def udt(called, calling, data):
    """A UDT, class 0 with return on error; the three pointers are relative to their own octet"""
    return bytes([0x09, 0x80, 3, 2 + len(called), 1 + len(called) + len(calling)]) + called + calling + \
        bytes([len(data)]) + data


class FreedDialogueState(sn.NetworkTestCase):
    network_args = {'network': 'netpeer'}

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.gw_pid = net.procs['sigwayd'][0].pid
        # 1. the USSD Begin (and the empty TC-CONTINUE if sigwayd continues it)
        cls.empty_continue = net.run_test('test-empty-continue %s 8' % sn.GW_GT, timeout=30)
        # an empty TC-CONTINUE for a transaction sigwayd never had
        cont = bytes([0x65, 0x0c, 0x48, 0x04, 0x0b, 0xad, 0x00, 0x01, 0x49, 0x04, 0x7e, 0x57, 0x00, 0x01])
        msg = udt(gt_party(sn.GW_GT, 8), gt_party(sn.MSC_GT, 8), cont)
        cls.raw_continue = net.peer('test-send-raw %d %s' % (sn.PC_GW, msg.hex()))
        # 2. test commands to a GT neither side can route
        cls.no_route = {
            'basic-end': net.run_test('test-dialogue basic-end ' + NO_ROUTE_GT),
            'continue': net.run_test('test-dialogue continue ' + NO_ROUTE_GT),
            'acn-fallback': net.run_test('test-dialogue acn-fallback ' + NO_ROUTE_GT),
            'mt-sms': net.run_test('test-mt-sms 491770000001 ' + NO_ROUTE_GT),
            'ussd-push': net.run_test('test-ussd-push %s Hello' % NO_ROUTE_GT),
            'empty-continue': net.run_test('test-empty-continue %s 8' % NO_ROUTE_GT),
        }
        net.peer('bench tcap %s count 5 window 2' % NO_ROUTE_GT)
        cls.bench = net.peer('show bench')
        cls.peer_alive = net.alive('netpeer')
        cls.peer_tcap = net.peer('show tcap statistics')
        cls.gw_tcap = net.gw('show tcap statistics')
        # netsim back in the network's place; the same sigwayd delivers as before
        cls.peer_exit = net.swap('network', 'netsim')
        cls.events = net.esme({'submits': [{'source_addr': '4000', 'destination_addr': '491770000001',
                                            'short_message': 'after the attack', 'registered_delivery': 1}],
                               'receipts': 1, 'timeout': 30000})
        cls.gw_alive = net.alive('sigwayd') and net.procs['sigwayd'][0].pid == cls.gw_pid

    def test_ussd_begin_aborted_and_sigwayd_stays_up(self):
        self.assertIn(' ok ', self.empty_continue)
        # no USSD service in sigwayd: the Begin is refused (when one lands, the
        # peer answers its TC-CONTINUE with the empty one and reports what followed)
        self.assertRegex(self.empty_continue, r'remote answered the Begin with TC-U-ABORT|after the empty TC-CONTINUE')
        self.assertGreaterEqual(sn.counter(self.gw_tcap, 'Begin received'), 1)
        self.assertGreaterEqual(sn.counter(self.gw_tcap, 'Abort sent'), 1)
        self.assertTrue(self.gw_alive)
        # on the wire (tshark): the Begin from the MSC's GT, and sigwayd's answer
        begins = [m for m in self.msgs if m.get('tcap.begin_element') and
                  m.get('tcap.application_context_name') == '0.4.0.0.1.0.19.2']
        self.assertTrue(begins)
        self.assertEqual(begins[0]['sccp.calling.digits'], sn.MSC_GT)
        self.assertEqual(begins[0]['sccp.called.digits'], sn.GW_GT)
        answers = [m for m in self.msgs if m.get('tcap.dtid') == begins[0]['tcap.otid']]
        self.assertTrue(answers)
        # until the USSD gateway serves it, the MAP layer refuses the context on
        # the wire: AARE reject-permanent, application-context-name-not-supported
        self.assertTrue(answers[0].get('tcap.abort_element'), answers[0])
        self.assertEqual(answers[0].get('tcap.result'), '1', answers[0])
        self.assertEqual(answers[0].get('tcap.dialogue_service_user'), '2', answers[0])

    def test_empty_continue_for_unknown_transaction_p_aborted(self):
        self.assertRegex(self.raw_continue, r'sent \d+ octets: 0')
        self.assertEqual(sn.counter(self.gw_tcap, 'Messages for a transaction we do not know'), 1)
        self.assertEqual(sn.counter(self.gw_tcap, 'P-Aborts sent'), 1)
        self.assertIn('live dialogues 0', self.gw_tcap)
        aborts = [m for m in self.msgs if m.get('tcap.dtid') == '0b:ad:00:01']
        self.assertEqual(len(aborts), 1)
        self.assertEqual(aborts[0]['tcap.p_abortCause'], '1')          # unrecognizedTransactionID

    def test_no_route_reported_and_peer_stays_up(self):
        for kind, line in self.no_route.items():
            with self.subTest(kind=kind):
                self.assertIn(' failed cannot start', line)
        self.assertIn('bench tcap finished sent 5 done 5 failed 5', self.bench)
        self.assertTrue(self.peer_alive)
        self.assertIn('live dialogues 0', self.peer_tcap)
        self.assertEqual(self.peer_exit, 0)

    def test_normal_message_delivered_afterwards(self):
        receipts = [e for e in self.events if e['event'] == 'deliver_sm']
        self.assertEqual(len(receipts), 1, self.events)
        self.assertIn('stat:DELIVRD', receipts[0]['text'])
        self.assertTrue(self.gw_alive)


class EmptyContinueInUssdSession(sn.NetworkTestCase):
    network_args = {'network': 'netpeer', 'sigwayd_extra': USSD_EXTRA}

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.gw_pid = net.procs['sigwayd'][0].pid
        app = subprocess.Popen(['node', os.path.join(APPS, 'json_app.js'), str(APP_PORT),
                                os.path.join(net.tmp, 'json_app.log')])
        try:
            net._wait_for_port(APP_PORT)
            cls.empty_continue = net.run_test('test-empty-continue %s 8' % sn.GW_GT, timeout=30)
            # whatever sigwayd did, its session ends within the subscriber's timer
            deadline = time.time() + 15
            while time.time() < deadline:
                cls.ussd = net.gw('show ussd')
                if re.search(r'sessions 0 of', cls.ussd):
                    break
                time.sleep(0.5)
            cls.gw_tcap = net.gw('show tcap statistics')
        finally:
            app.terminate()
            app.wait(timeout=10)
        cls.gw_alive = net.alive('sigwayd') and net.procs['sigwayd'][0].pid == cls.gw_pid

    def test_menu_sent_then_empty_continue_survived(self):
        # the session reached the application and its menu went out in a TC-CONTINUE,
        # which the peer answered with an empty one
        self.assertRegex(self.empty_continue, r' ok (after the empty TC-CONTINUE the remote sent|'
                         r'remote silent after the empty TC-CONTINUE)')
        self.assertGreaterEqual(sn.counter(self.ussd, 'requests to applications'), 1)
        self.assertGreaterEqual(sn.counter(self.gw_tcap, 'Continue sent'), 1)
        self.assertGreaterEqual(sn.counter(self.gw_tcap, 'Continue received'), 1)
        self.assertRegex(self.ussd, r'sessions 0 of')
        self.assertIn('live dialogues 0', self.gw_tcap)
        self.assertTrue(self.gw_alive)
        # on the wire: sigwayd's TC-CONTINUE with the menu, then the peer's without a component
        begins = [m for m in self.msgs if m.get('tcap.begin_element') and
                  m.get('sccp.called.digits') == sn.GW_GT]
        self.assertTrue(begins)
        otid = begins[0]['tcap.otid']
        conts = [m for m in self.msgs if m.get('tcap.continue_element') and
                 (m.get('tcap.dtid') == otid or m.get('tcap.otid') == otid)]
        self.assertGreaterEqual(len(conts), 2, conts)
        self.assertEqual(conts[0].get('sccp.calling.digits'), sn.GW_GT)
        self.assertFalse(conts[1].get('tcap.invokeID') or conts[1].get('tcap.component'), conts[1])


if __name__ == '__main__':
    BUILD = sn.NetworkTestCase.build = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
