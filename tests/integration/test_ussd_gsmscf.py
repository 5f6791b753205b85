#!/usr/bin/env python3
"""USSD served on the gsmSCF's subsystem (SSN 147) instead of the MSC's (8):
the `ussd` node's `ssn 147`. Through a real osmo-stp, with the Node.js JSON
application (tests/ussdgw/apps/json_app.js): netsim's handsets dial the
gateway's GT on SSN 147 (pull of 1 and 3 rounds), the application pushes a
USSN; tshark shows every dialogue on SSN 147 both ways, the push leaving
from SSN 147 of the gateway's GT. A USSD Begin to SSN 8 is refused on the
wire (the context is not served there), not routed, not billed; the SMS
core keeps SSN 8 (an SRI-for-SM for an SMS still leaves from it).

usage: test_ussd_gsmscf.py BUILD_DIR
"""

import contextlib
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import sigway_net as sn  # noqa: E402

APPS = os.path.join(TOP, 'tests', 'ussdgw', 'apps')
JSON_PORT = sn.free_port()
PUSH = 'http://127.0.0.1:4280/ussd/push'
JSON_KEY = 'shop-push-key-1'
SUB = '491770000001'
GSMSCF_SSN, MSC_SSN = 147, 8

SIGWAYD_EXTRA = """ussd
 gateway-id sigway-test
 ssn 147
 timer ussd X1 2
 application shop flavour json
 application shop url http://127.0.0.1:%(json)d/ussd/
 application shop timeout 1500
 application shop push-key %(key)s
 route *100# application shop
routing
 operator netsim lookup-share 20
 operator netsim ussd-push-share 5
""" % dict(json=JSON_PORT, key=JSON_KEY)

NETSIM_EXTRA = """netsim
 ussd-gateway-ssn 147
 subscriber 491770000001 imsi 262010000000001 state attached
"""


@contextlib.contextmanager
def json_app(net):
    """The Node.js JSON application, listening while the block runs"""
    app = subprocess.Popen(['node', os.path.join(APPS, 'json_app.js'), str(JSON_PORT),
                            os.path.join(net.tmp, 'json_app.log'), PUSH, JSON_KEY])
    try:
        net._wait_for_port(JSON_PORT)
        yield app
    finally:
        app.terminate()
        app.wait(timeout=10)


def push_ussn(text):
    """The application pushes a notification to SUB: (HTTP status, answer)"""
    return sn.http('POST', 'http://127.0.0.1:%d/admin/push' % JSON_PORT,
                   json.dumps({'msisdn': SUB, 'type': 'ussn', 'text': text}), {'Content-Type': 'application/json'},
                   timeout=30)[:2]


def netsim_gateway_ssn(ns, ssn):
    """the subsystem netsim's handsets dial from now on"""
    ns.cmd('configure terminal')
    ns.cmd('netsim')
    ns.cmd('ussd-gateway-ssn %d' % ssn)
    ns.cmd('end')


class UssdGsmScf(sn.UssdSessions, sn.NetworkTestCase):
    network_args = {'sigwayd_extra': SIGWAYD_EXTRA, 'netsim_extra': NETSIM_EXTRA}

    @classmethod
    def dial(cls, code, script):
        return cls.netsim_session(cls.ussd_dial(SUB, code, script))

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.ns = net.vty('netsim')
        with json_app(net):
            cls.pull_1 = cls.dial('*100*1#', [])
            cls.pull_3 = cls.dial('*100#', ['2', '1'])
            cls.rows_after_pulls = len(cls.wait_rows(2))
            cls.push = push_ussn('Your bill is ready')
            cls.wait_rows(3)
            # a handset (or an HLR) that addresses the MSC's subsystem
            netsim_gateway_ssn(cls.ns, MSC_SSN)
            cls.pull_on_8 = cls.dial('*100*1#', [])
            netsim_gateway_ssn(cls.ns, GSMSCF_SSN)
            # the SMS core stays on SSN 8
            cls.esme = net.esme({'submits': [{'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1,
                                              'destination_addr': '491710000011', 'dest_addr_ton': 1,
                                              'dest_addr_npi': 1, 'short_message': 'hello'}],
                                 'timeout': 20000})
            time.sleep(1)
            cls.all_rows = cls.rows()
            cls.billing = net.billing()
            cls.map_stats = net.gw('show map statistics')
            cls.running_cfg = net.gw('show running-config')

    # ------------------------------------------------------------ the sessions
    def test_pulls_on_the_gsmscf_ssn(self):
        self.assertEqual((self.pull_1['outcome'], self.pull_1['final']), ('result', 'Balance: 12.50 EUR'))
        self.assertEqual(self.pull_3['outcome'], 'result', self.pull_3)
        rows = [r for r in self.all_rows if r['direction'] == 'pull']
        self.assertEqual([(r['status'], r['rounds'], r['billed']) for r in rows], [('success', 1, 1),
                                                                                 ('success', 3, 1)])
        for r in rows:
            msgs = self.dialogue_of(r)
            self.assertEqual(len(msgs), 2 * r['rounds'], msgs)
            for m in msgs:
                ours = m['sccp.calling.digits'] == sn.GW_GT
                # to the gateway on 147; the gateway's answers from 147
                self.assertEqual(int(m['sccp.called.ssn' if not ours else 'sccp.calling.ssn']), GSMSCF_SSN, m)
                self.assertFalse(m['malformed'])

    def test_push_from_the_gsmscf_ssn(self):
        self.assertEqual(self.push[0], 200, self.push)
        rows = [r for r in self.all_rows if r['direction'] == 'push']
        self.assertEqual([(r['status'], r['billed']) for r in rows], [('success', 1)])
        begin = self.dialogue_of(rows[0])[0]
        self.assertEqual(self.kind(begin), 'begin')
        self.assertEqual((begin['sccp.calling.digits'], int(begin['sccp.calling.ssn'])), (sn.GW_GT, GSMSCF_SSN))

    def test_begin_to_ssn_8_refused(self):
        """The MSC's subsystem serves no USSD when it has a subsystem of its own"""
        self.assertNotEqual(self.pull_on_8['outcome'], 'result', self.pull_on_8)
        self.assertEqual(len(self.all_rows), 3)      # two pulls and the push: nothing for it
        begins = [m for m in self.msgs if self.kind(m) == 'begin' and m.get('sccp.called.digits') == sn.GW_GT
                  and int(m.get('sccp.called.ssn', 0)) == MSC_SSN and
                  m.get('tcap.application_context_name') == '0.4.0.0.1.0.19.2']
        self.assertEqual(len(begins), 1, begins)
        otid = begins[0]['tcap.otid']
        answer = [m for m in self.msgs if m.get('tcap.dtid') == otid]
        self.assertEqual(len(answer), 1, answer)
        # refused: a TC-ABORT with the dialogue refused (application context not supported)
        self.assertEqual(self.kind(answer[0]), 'abort', answer[0])
        self.assertEqual(int(answer[0]['sccp.calling.ssn']), MSC_SSN)

    def test_billing(self):
        billed = sorted(b['ref'] for b in self.billing if b['kind'] == 'ussd_session')
        self.assertEqual(billed, sorted(r['id'] for r in self.all_rows if r['billed']))
        self.assertEqual(len(billed), 3)

    def test_sms_core_stays_on_ssn_8(self):
        sri = [m for m in self.msgs if m.get('sccp.calling.digits') == sn.GW_GT and self.kind(m) == 'begin'
               and m.get('tcap.application_context_name', '').startswith('0.4.0.0.1.0.20.')]
        self.assertTrue(sri, 'no SRI-for-SM of the SMS')
        for m in sri:
            self.assertEqual(int(m['sccp.calling.ssn']), MSC_SSN)

    def test_config_and_instances(self):
        self.assertIn(' ssn 147', self.running_cfg)
        self.assertIn(' operator netsim lookup-share 20', self.running_cfg)
        self.assertIn(' operator netsim ussd-push-share 5', self.running_cfg)
        self.assertIn('ussd', self.map_stats)


class UssdBothSubsystems(sn.UssdSessions, sn.NetworkTestCase):
    """`ssn 147 also-8`: while HLRs move to the gsmSCF's subsystem, pulls to
    SSN 8 are served too; pushes still leave from 147"""
    network_args = {'sigwayd_extra': SIGWAYD_EXTRA.replace(' ssn 147\n', ' ssn 147 also-8\n'),
                    'netsim_extra': NETSIM_EXTRA}

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.ns = net.vty('netsim')
        with json_app(net):
            cls.on_147 = cls.netsim_session(cls.ussd_dial(SUB, '*100*1#'))
            netsim_gateway_ssn(cls.ns, MSC_SSN)
            cls.on_8 = cls.netsim_session(cls.ussd_dial(SUB, '*100#', ['2', '1']))
            cls.push_status = push_ussn('Both')[0]
            cls.all_rows = cls.wait_rows(3)
            cls.running_cfg = net.gw('show running-config')

    def test_pulls_on_both(self):
        self.assertEqual((self.on_147['outcome'], self.on_147['final']), ('result', 'Balance: 12.50 EUR'))
        self.assertEqual(self.on_8['outcome'], 'result', self.on_8)
        pulls = [r for r in self.all_rows if r['direction'] == 'pull']
        self.assertEqual([(r['status'], r['rounds']) for r in pulls], [('success', 1), ('success', 3)])
        ssns = []
        for r in pulls:
            begin = self.dialogue_of(r)[0]
            ssns.append(int(begin['sccp.called.ssn']))
            # the gateway answers from the subsystem that was called
            for m in self.dialogue_of(r)[1:]:
                self.assertEqual(int(m['sccp.calling.ssn']), ssns[-1])
        self.assertEqual(ssns, [GSMSCF_SSN, MSC_SSN])

    def test_push_from_147(self):
        self.assertEqual(self.push_status, 200)
        push = [r for r in self.all_rows if r['direction'] == 'push']
        self.assertEqual(len(push), 1)
        self.assertEqual(int(self.dialogue_of(push[0])[0]['sccp.calling.ssn']), GSMSCF_SSN)
        self.assertIn(' ssn 147 also-8', self.running_cfg)


if __name__ == '__main__':
    sn.main(__doc__)
