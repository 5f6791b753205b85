#!/usr/bin/env python3
"""USSD from MAP v1 peers (issue 12, "v1 where the peer asks"): netsim's
phase 1 handset dials with processUnstructuredSS-Data (opcode 19, a TCAP
Begin without dialogue portion) through a real osmo-stp; sigwayd routes the
string like a v2 pull to the Node.js JSON application
(tests/ussdgw/apps/json_app.js) or the Python XML one (xml_app.py) and
answers in the TC-END. An application that wants a menu cannot get another
round in v1: its text is the final result, its session ends with "v1: no
further rounds". tshark checks the wire; the ussd_session billing records
equal the sessions the capture shows the application answered.

usage: test_ussd_v1.py BUILD_DIR
"""

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
JSON_PORT, XML_PORT = sn.free_port(), sn.free_port()
TEXTS = {'busy': 'Busy, try later.', 'error': 'Service error.', 'timeout': 'Too slow, sorry.',
         'no-route': 'Unknown service code.'}
SUB = '491770000001'
MAIN = 'Welcome\n1 Balance\n2 Options\n3 Echo'

SIGWAYD_EXTRA = """ussd
 gateway-id sigway-test
 text busy %(busy)s
 text error %(error)s
 text timeout %(timeout)s
 text no-route %(no-route)s
 timer ussd X1 2
 application shop flavour json
 application shop url http://127.0.0.1:%(json)d/ussd/
 application shop timeout 1500
 application menu flavour xml
 application menu url http://127.0.0.1:%(xml)d/
 application menu timeout 1500
 route *100# application shop
 route *200# application menu
""" % dict(TEXTS, json=JSON_PORT, xml=XML_PORT)

NETSIM_EXTRA = """netsim
 subscriber 491770000001 imsi 262010000000001 state attached
"""

# name -> (v1?, dialled)
PULLS = [
    ('v1_final', True, '*100*1#'),
    ('v1_menu', True, '*100#'),
    ('v1_ucs2', True, '*100*73#'),
    ('v1_app_timeout', True, '*100*81#'),
    ('v1_no_route', True, '*999#'),
    ('v1_xml_final', True, '*200*1#'),
    ('v1_xml_menu', True, '*200#'),
    ('v2_final', False, '*100*1#'),
]


class UssdV1(sn.UssdSessions, sn.NetworkTestCase):
    network_args = {'sigwayd_extra': SIGWAYD_EXTRA, 'netsim_extra': NETSIM_EXTRA}

    @classmethod
    def pull(cls, name, v1, code):
        before = len(cls.rows())
        n = cls.ussd_dial(SUB, code, command='ussd-dial-v1' if v1 else 'ussd-dial')
        rows = cls.wait_rows(before + 1)
        cls.sessions[name] = {'row': rows[before], 'netsim': cls.netsim_session(n)}

    @classmethod
    def app_log(cls, name):
        with open(os.path.join(cls.net.tmp, name + '.log')) as f:
            return [json.loads(l) for l in f if l.strip()]

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.sessions = {}
        cls.ns = net.vty('netsim')
        apps = [
            subprocess.Popen(['node', os.path.join(APPS, 'json_app.js'), str(JSON_PORT),
                              os.path.join(net.tmp, 'json_app.log')]),
            subprocess.Popen(['python3', os.path.join(APPS, 'xml_app.py'), str(XML_PORT),
                              os.path.join(net.tmp, 'xml_app.log')]),
        ]
        try:
            for port in (JSON_PORT, XML_PORT):
                net._wait_for_port(port)
            for name, v1, code in PULLS:
                cls.pull(name, v1, code)
            time.sleep(1)
            cls.json_log = cls.app_log('json_app')
            cls.xml_log = cls.app_log('xml_app')
            cls.billing = net.billing()
            cls.all_rows = cls.rows()
            p = subprocess.run([os.path.join(net.build_dir, 'src/audit/sigway-audit'), '--db', net.db, '--ussd'],
                               capture_output=True, text=True)
            cls.audit = (p.returncode, p.stdout)
        finally:
            for p in apps:
                p.terminate()
                p.wait(timeout=10)

    # ------------------------------------------------------------ helpers
    def row(self, name):
        return self.sessions[name]['row']

    def final(self, name):
        return self.sessions[name]['netsim']['final']

    def check(self, name, status, billed, final):
        r = self.row(name)
        self.assertEqual(r['status'], status, r)
        self.assertEqual(r['billed'], int(billed), r)
        self.assertEqual(self.final(name), final, self.sessions[name])
        self.assertEqual(self.sessions[name]['netsim']['outcome'], 'result', self.sessions[name])
        return r

    def json_requests(self, name):
        sid = self.row(name)['id']
        return [l for l in self.json_log if '/%s/' % sid in l['path']]

    def xml_docs(self, name):
        sid = self.row(name)['id']
        return [l['body'] for l in self.xml_log if 'sessionId="%s"' % sid in l['body']]

    def dialogue(self, name):
        return self.dialogue_of(self.row(name))

    # ------------------------------------------------------------ the sessions
    def test_answered(self):
        r = self.check('v1_final', 'success', True, 'Balance: 12.50 EUR')
        self.assertEqual((r['direction'], r['transport'], r['application'], r['service_code'], r['rounds']),
                         ('pull', 'map-v1', 'shop', '*100#', 1))
        self.assertEqual(r['msisdn'], '')     # processUnstructuredSS-Data names nobody
        self.check('v1_xml_final', 'success', True, 'Balance: 3.20 USD')
        r = self.check('v2_final', 'success', True, 'Balance: 12.50 EUR')
        self.assertEqual(r['transport'], 'map')

    def test_menu_becomes_final(self):
        r = self.check('v1_menu', 'v1_no_rounds', True, MAIN)
        self.assertEqual(r['rounds'], 1)
        self.assertIn('v1: no further rounds', r['reason'])
        reqs = self.json_requests('v1_menu')
        self.assertEqual([l['method'] + ' ' + l['path'].rsplit('/', 1)[1] for l in reqs], ['POST start', 'PUT end'])
        start, end = reqs[0]['body'], reqs[1]['body']
        self.assertEqual((start['text'], start['shortCode']), ('*100#', '*100#'))
        self.assertIsNone(start.get('msisdn'))
        self.assertEqual(end['exitCode'], 0)
        self.assertIn('v1: no further rounds', end['reason'])
        # the XML application: its Begin, then the last document with the reason
        r = self.check('v1_xml_menu', 'v1_no_rounds', True, MAIN)
        docs = self.xml_docs('v1_xml_menu')
        self.assertEqual(len(docs), 2, docs)
        self.assertIn('<processUnstructuredSSRequest_Request invokeId="', docs[0])
        self.assertIn('string="*200#"', docs[0])
        self.assertIn('exitCode="0"', docs[1])
        self.assertIn('v1: no further rounds', docs[1])

    def test_refused_and_failed(self):
        # UCS2 cannot go in IA5: an application error, the configured text instead
        r = self.check('v1_ucs2', 'app_error', False, TEXTS['error'])
        self.assertIn('v1: the answer cannot be sent', r['reason'])
        end = self.json_requests('v1_ucs2')[-1]['body']
        self.assertEqual(end['exitCode'], 4)
        self.check('v1_app_timeout', 'app_timeout', False, TEXTS['timeout'])
        r = self.check('v1_no_route', 'no_route', False, TEXTS['no-route'])
        self.assertEqual(r['transport'], 'map-v1')

    # ------------------------------------------------------------ the wire
    def test_wire(self):
        """opcode 19 both ways, no dialogue portion, the strings as tshark reads them"""
        for name, dialled, answer in (('v1_final', '*100*1#', 'Balance: 12.50 EUR'), ('v1_menu', '*100#', MAIN),
                                      ('v1_xml_menu', '*200#', MAIN), ('v1_no_route', '*999#', TEXTS['no-route'])):
            with self.subTest(name=name):
                msgs = self.dialogue(name)
                self.assertEqual([(self.kind(m), m['sccp.calling.digits'], m.get('gsm_old.localValue'),
                                   m.get('gsm_ss.SS_UserData')) for m in msgs],
                                 [('begin', sn.MSC_GT, '19', dialled), ('end', sn.GW_GT, '19', answer)])
                for m in msgs:
                    self.assertNotIn('tcap.application_context_name', m)
                    self.assertFalse(m['malformed'])
                self.assertIn('gsm_old.returnResultLast_element', msgs[1])
        # the v2 session of the same run has its context
        msgs = self.dialogue('v2_final')
        self.assertEqual(msgs[0]['tcap.application_context_name'], '0.4.0.0.1.0.19.2')

    def test_billing_matches_the_wire(self):
        """One ussd_session record per session whose TC-END carries the
        application's text (not one of the gateway's own texts)"""
        gw_texts = set(TEXTS.values())
        expect = set()
        for r in self.all_rows:
            msgs = self.dialogue_of(r)
            self.assertTrue(msgs, r)
            last = msgs[-1]
            text = last.get('gsm_ss.SS_UserData') or (last.get('gsm_map.ussd_string') or '').rstrip('\r')
            if last['sccp.calling.digits'] == sn.GW_GT and 'gsm_old.returnResultLast_element' in last and \
                    text not in gw_texts:
                expect.add(r['id'])
        billed = [b for b in self.billing if b['kind'] == 'ussd_session']
        refs = [b['ref'] for b in billed]
        self.assertEqual(len(refs), len(set(refs)))
        self.assertEqual(sorted(refs), sorted(expect))
        self.assertEqual(sorted(refs), sorted(r['id'] for r in self.all_rows if r['billed']))
        self.assertEqual(len(refs), 5)        # v1: final, menu, xml final, xml menu; v2: final
        for b in billed:
            self.assertEqual(b['initiator'], 'mobile')

    def test_audit(self):
        rc, text = self.audit
        self.assertEqual(rc, 0, text)
        self.assertRegex(text, r'ussd session \S+ pull map-v1 shop \*100# subscriber - .* status v1_no_rounds '
                               r'billed yes: v1: no further rounds')


if __name__ == '__main__':
    sn.main(__doc__)
