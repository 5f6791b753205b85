#!/usr/bin/env python3
"""The USSD gateway end to end (issue 12): sigwayd between sigway-netsim (the
subscribers, their HLR, MSC and VLR) behind a real osmo-stp and two
applications written in other languages: a Node.js app in the REST/JSON
flavour (tests/ussdgw/apps/json_app.js) and a Python app in the XML flavour
(tests/ussdgw/apps/xml_app.py), each a small menu (balance, a two-level
menu, a free-text answer) with behaviours picked by what is dialled after
its code. tshark decodes every SS7 message of the run.

Pull: sessions of 1, 3 and 6 rounds, free text, 182/183 GSM 7-bit and 80/81
UCS2 characters, extension characters, non-Latin text both ways, the
application timeout (at the start and later), the user timeout, the session
timeout, the subscriber cancelling and hanging up, a provider abort, an
application that is down, answers garbage, HTTP 500, an oversized body,
refuses, no route, the default route, the per-application limit.
Push: USSR and USSN in both flavours (the XML one without cookies, with the
explicit session id), to an absent, a busy, an unknown and a silent
subscriber, through SRI-for-SM and the VLR, and refused requests.
Billing: the ussd_session records equal, one to one, the sessions the
capture shows started and the rules say are billed.

usage: test_ussd_gateway.py BUILD_DIR
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import sigway_net as sn  # noqa: E402

APPS = os.path.join(TOP, 'tests', 'ussdgw', 'apps')
JSON_PORT, XML_PORT, DEAD_PORT = sn.free_port(), sn.free_port(), sn.free_port()
HTTP = 'http://127.0.0.1:4280'
PUSH = HTTP + '/ussd/push'
JSON_KEY, XML_KEY = 'shop-push-key-1', 'menu-push-key-1'
TEXTS = {'busy': 'Busy, try later.', 'error': 'Service error.', 'timeout': 'Too slow, sorry.',
         'no-route': 'Unknown service code.'}
SUB = '491770000001'

SIGWAYD_EXTRA = """ussd
 gateway-id sigway-test
 max-sessions 500
 text busy %(busy)s
 text error %(error)s
 text timeout %(timeout)s
 text no-route %(no-route)s
 timer ussd X1 2
 timer ussd X2 8
 application shop flavour json
 application shop url http://127.0.0.1:%(json)d/ussd/
 application shop timeout 1500
 application shop user-timeout 2
 application shop push-key %(json_key)s
 application shop auth-header Authorization: Bearer shop-secret
 application menu flavour xml
 application menu url http://127.0.0.1:%(xml)d/
 application menu timeout 1500
 application menu user-timeout 2
 application menu push-key %(xml_key)s
 application menu pass-imsi yes
 application slow flavour json
 application slow url http://127.0.0.1:%(json)d/ussd
 application slow timeout 6000
 application slow user-timeout 30
 application down flavour json
 application down url http://127.0.0.1:%(dead)d/ussd
 application tiny flavour json
 application tiny url http://127.0.0.1:%(json)d/ussd
 application tiny timeout 1500
 application tiny max-sessions 1
 route *100# application shop
 route *200# application menu
 route *101# application slow
 route *102# application down
 route *103# application tiny
 operator sri-net push sri
routing
 operator sri-net hlr-gt 491710000001 map-version 3
 route 4918 operator sri-net
""" % dict(TEXTS, json=JSON_PORT, xml=XML_PORT, dead=DEAD_PORT, json_key=JSON_KEY, xml_key=XML_KEY)

NETSIM_EXTRA = """tcap
 ! the network forgets a dialogue quiet for 3 s: the gateway's late menu meets a P-Abort
 dialogue-timeout 3
netsim
 subscriber 491770000001 imsi 262010000000001 state attached
 subscriber 491770000002 imsi 262010000000002 state absent
 subscriber 491770000003 imsi 262010000000003 state attached
 subscriber 491770000004 imsi 262010000000004 state attached
 subscriber 491770000005 imsi 262010000000005 state attached
 subscriber 491800000001 imsi 262010000000011 state attached
"""

# pull scenarios: name -> (dialled, script)
PULLS = [
    ('json_1', '*100*1#', []),
    ('json_3', '*100#', ['2', '1']),
    ('json_6', '*100*6#', ['a', 'b', 'c', 'd', 'e']),
    ('json_free', '*100#', ['3', 'Hello%20world']),
    ('json_182', '*100*71#', []),
    ('json_183', '*100*72#', []),
    ('json_ucs80', '*100*73#', []),
    ('json_ucs81', '*100*74#', []),
    ('json_ext91', '*100*75#', []),
    ('json_ext92', '*100*76#', []),
    ('json_cyr', '*100*77#', ['%D0%94%D0%B0']),
    ('json_app_timeout', '*100*81#', []),
    ('json_app_timeout_later', '*100*86#', ['x']),
    ('json_user_timeout', '*100#', ['!silent']),
    ('json_user_abort', '*100#', ['!abort']),
    ('json_hang_up', '*100#', ['!release']),
    ('json_garbage', '*100*82#', []),
    ('json_http500', '*100*83#', []),
    ('json_refuses', '*100*84#', []),
    ('json_too_big', '*100*85#', []),
    ('app_down', '*102#', []),
    ('provider_abort', '*101*87#', ['1']),
    ('session_timeout', '*101#', ['!silent']),
    ('no_route', '*999#', []),
    ('xml_1', '*200*1#', []),
    ('xml_3', '*200#', ['2', '1']),
    ('xml_6', '*200*6#', ['a', 'b', 'c', 'd', 'e']),
    ('xml_free', '*200#', ['3', 'Bonjour%20%C3%A0%20tous']),
    ('xml_182', '*200*71#', []),
    ('xml_183', '*200*72#', []),
    ('xml_ucs80', '*200*73#', []),
    ('xml_ucs81', '*200*74#', []),
    ('xml_ext91', '*200*75#', []),
    ('xml_ext92', '*200*76#', []),
    ('xml_cyr', '*200*77#', ['%D0%94%D0%B0']),
    ('xml_app_timeout', '*200*81#', []),
    ('xml_garbage', '*200*82#', []),
    ('xml_http500', '*200*83#', []),
    ('xml_map_error', '*200*84#', []),
    ('xml_too_big', '*200*85#', []),
    ('xml_user_abort', '*200#', ['2', '!abort']),
    ('xml_custom_timeout', '*200*88#', ['!silent']),
]


class UssdGateway(sn.UssdSessions, sn.NetworkTestCase):
    network_args = {'sigwayd_extra': SIGWAYD_EXTRA, 'netsim_extra': NETSIM_EXTRA}

    # ------------------------------------------------------------ helpers
    @classmethod
    def dial(cls, code, script):
        return cls.ussd_dial(SUB, code, script)

    @classmethod
    def pull(cls, name, code, script):
        """One pull session to its end at the gateway (its session log row)"""
        before = len(cls.rows())
        n = cls.dial(code, script)
        rows = cls.wait_rows(before + 1)
        cls.sessions[name] = {'row': rows[before], 'netsim': cls.netsim_session(n)}

    @classmethod
    def app_log(cls, name):
        with open(os.path.join(cls.net.tmp, name + '.log')) as f:
            return [json.loads(l) for l in f if l.strip()]

    @classmethod
    def push(cls, name, flavour, body):
        before = len(cls.rows())
        port = JSON_PORT if flavour == 'json' else XML_PORT
        status, answer, _ = sn.http('POST', 'http://127.0.0.1:%d/admin/push' % port, json.dumps(body),
                                 {'Content-Type': 'application/json'})
        rows = cls.wait_rows(before + 1)
        cls.sessions[name] = {'row': rows[before], 'status': status, 'answer': answer}

    # ------------------------------------------------------------ the run
    @classmethod
    def run_all(cls):
        net = cls.net
        cls.sessions = {}
        cls.ns = net.vty('netsim')
        cls.apps = [
            subprocess.Popen(['node', os.path.join(APPS, 'json_app.js'), str(JSON_PORT),
                              os.path.join(net.tmp, 'json_app.log'), PUSH, JSON_KEY]),
            subprocess.Popen(['python3', os.path.join(APPS, 'xml_app.py'), str(XML_PORT),
                              os.path.join(net.tmp, 'xml_app.log'), PUSH, XML_KEY]),
        ]
        try:
            for port in (JSON_PORT, XML_PORT):
                net._wait_for_port(port)
            cls.run_sessions()
        finally:
            for p in cls.apps:
                p.terminate()
                p.wait(timeout=10)

    @classmethod
    def run_sessions(cls):
        net, ns = cls.net, cls.ns
        for name, code, script in PULLS:
            cls.pull(name, code, script)
        # the per-application limit: one session holds tiny's only slot
        before = len(cls.rows())
        cls.dial('*103*81#', [])
        time.sleep(0.3)
        cls.pull('overload', '*103*1#', [])
        cls.wait_rows(before + 2)
        # the overall limit: one session holds the only slot
        for line in ('configure terminal', 'ussd', 'max-sessions 1', 'end'):
            net.gw(line)
        before = len(cls.rows())
        cls.dial('*100*81#', [])
        time.sleep(0.3)
        cls.pull('overload_total', '*200*1#', [])
        cls.wait_rows(before + 2)
        for line in ('configure terminal', 'ussd', 'max-sessions 500', 'end'):
            net.gw(line)
        # a default route from now on
        for line in ('configure terminal', 'ussd', 'route default application shop', 'end'):
            net.gw(line)
        cls.pull('default_route', '*555#', ['1'])

        # push: the handsets
        ns.cmd('ussd-handset 491770000001 answers 1')
        ns.cmd('ussd-handset 491770000003 busy')
        ns.cmd('ussd-handset 491770000004 silent')
        ns.cmd('ussd-handset 491770000005 answers 9 1')
        ns.cmd('ussd-handset 491800000001 answers 2')
        cls.push('push_json_ussr', 'json', {'msisdn': '+491770000001', 'type': 'ussr',
                                            'text': 'Pay 5 EUR to Shop 7?\n1 Yes\n2 No'})
        cls.push('push_json_ussr_2', 'json', {'msisdn': '491770000005', 'type': 'ussr', 'text': 'Top up?\n1 Yes'})
        cls.push('push_json_ussn', 'json', {'msisdn': '491770000001', 'type': 'ussn', 'text': 'Your bill is ready'})
        cls.push('push_absent', 'json', {'msisdn': '491770000002', 'type': 'ussr', 'text': 'Are you there?'})
        cls.push('push_busy', 'json', {'msisdn': '491770000003', 'type': 'ussn', 'text': 'Hello busy'})
        cls.push('push_unknown', 'json', {'msisdn': '491770000009', 'type': 'ussr', 'text': 'Hello nobody'})
        cls.push('push_silent', 'json', {'msisdn': '491770000004', 'type': 'ussr', 'text': 'Say something'})
        cls.push('push_via_sri', 'json', {'msisdn': '491800000001', 'type': 'ussr', 'text': 'Via the VLR\n1 ok'})
        ns.cmd('ussd-handset 491770000001 answers 1')
        cls.push('push_xml_ussr', 'xml', {'msisdn': '491770000001', 'type': 'ussr', 'text': 'Confirm payment?\n1 Yes',
                                          'then': ['notify:Paid, thank you.', 'release']})
        cls.push('push_xml_ussn', 'xml', {'msisdn': '491770000001', 'type': 'ussn', 'text': 'Hello from XML',
                                          'alerting': 6, 'then': ['release']})
        cls.push('push_xml_absent', 'xml', {'msisdn': '491770000002', 'type': 'ussr', 'text': 'Anyone?'})
        # refused before the network
        cls.refused = {
            'no_key': sn.http('POST', PUSH, '{}', {'Content-Type': 'application/json'}),
            'bad_key': sn.http('POST', PUSH, '{}', {'X-API-Key': 'wrong-key-123'}),
            'bad_json': sn.http('POST', PUSH, '{"msisdn": ', {'X-API-Key': JSON_KEY}),
            'too_long': sn.http('POST', PUSH, json.dumps({'msisdn': SUB, 'type': 'ussn', 'text': 'x' * 190}),
                             {'Authorization': 'Bearer ' + JSON_KEY}),
            'no_operator': sn.http('POST', PUSH, json.dumps({'msisdn': '1555000', 'type': 'ussn', 'text': 'x'}),
                                {'X-API-Key': JSON_KEY}),
            'xml_doctype': sn.http('POST', PUSH, '<!DOCTYPE x [<!ENTITY a "b">]><dialog/>', {'X-API-Key': XML_KEY}),
        }
        time.sleep(1)
        cls.show = net.gw('show ussd')
        cls.latency = net.gw('show ussd latency')
        cls.config = net.gw('show running-config')
        cls.json_log = cls.app_log('json_app')
        cls.xml_log = cls.app_log('xml_app')
        cls.billing = net.billing()
        cls.audit = net.audit(SUB)
        cls.all_rows = cls.rows()

    # ------------------------------------------------------------ helpers of the checks
    def row(self, name):
        return self.sessions[name]['row']

    def final(self, name):
        return self.sessions[name]['netsim']['final']

    def events(self, name):
        return self.sessions[name]['netsim']['events']

    def prompts(self, name):
        return [e[1] for e in self.events(name) if e[0] == 'prompt']

    def json_end(self, sid):
        ends = [l for l in self.json_log if l['path'].endswith('/%s/end' % sid)]
        self.assertEqual(len(ends), 1, sid)
        return ends[0]['body']

    def xml_docs(self, sid):
        return [l['body'] for l in self.xml_log if 'sessionId="%s"' % sid in l['body']]

    def check(self, name, status, billed, rounds=None, final=None):
        r = self.row(name)
        self.assertEqual(r['status'], status, r)
        self.assertEqual(r['billed'], int(billed), r)
        if rounds is not None:
            self.assertEqual(r['rounds'], rounds, r)
        if final is not None:
            self.assertEqual(self.final(name), final, self.sessions[name])
        return r

    # ------------------------------------------------------------ pull
    def test_pull_rounds(self):
        self.check('json_1', 'success', True, 1, 'Balance: 12.50 EUR')
        self.check('json_3', 'success', True, 3, 'Data: 100 MB left')
        self.assertEqual(self.prompts('json_3'), ['Welcome\n1 Balance\n2 Options\n3 Echo', 'Options\n1 Data\n2 Voice'])
        r = self.check('json_6', 'success', True, 6, 'Done after 6 rounds, last e')
        self.assertEqual(len(self.prompts('json_6')), 5)
        self.check('json_free', 'success', True, 3, 'You typed: Hello world')
        self.check('xml_1', 'success', True, 1, 'Balance: 3.20 USD')
        self.check('xml_3', 'success', True, 3, 'Data: 100 MB left')
        self.check('xml_6', 'success', True, 6, 'Done after 6 rounds, last e')
        self.check('xml_free', 'success', True, 3, 'You typed: Bonjour à tous')
        for name in ('json_1', 'json_6', 'xml_3'):
            self.assertEqual(self.row(name)['direction'], 'pull')
            self.assertEqual(self.row(name)['transport'], 'map')
            self.assertEqual(self.row(name)['msisdn'], SUB)
            self.assertEqual(self.row(name)['operator'], 'netsim')
        self.assertEqual(self.row('json_3')['service_code'], '*100#')
        self.assertEqual(self.row('json_3')['application'], 'shop')

    def test_json_requests(self):
        """What the JSON application got: the fields, the parameters passed on, /end"""
        sid = self.row('json_6')['id']
        mine = [l for l in self.json_log if '/%s/' % sid in l['path']]
        self.assertEqual([l['method'] + ' ' + l['path'].rsplit('/', 1)[1] for l in mine],
                         ['POST start'] + ['POST response'] * 5 + ['PUT end'])
        start = mine[0]['body']
        self.assertEqual(start['text'], '*100*6#')
        self.assertEqual(start['shortCode'], '*100#')
        self.assertEqual(start['optional'], '6')
        self.assertEqual(start['msisdn'], SUB)
        self.assertEqual(start['ussdGwId'], 'sigway-test')
        self.assertNotIn('imsi', start)          # not passed to this application
        self.assertEqual(mine[0]['path'], '/ussd/session/%s/start' % sid)
        self.assertEqual(mine[0]['auth'], 'Bearer shop-secret')
        self.assertEqual([l['body']['text'] for l in mine[1:6]], ['a', 'b', 'c', 'd', 'e'])
        self.assertEqual(mine[-1]['body']['exitCode'], 0)
        self.assertIsNone(self.json_end(self.row('json_3')['id']).get('optional'))

    def test_xml_documents(self):
        """What the XML application got: Begin with the MSISDN, the IMSI as
        destinationReference (pass-imsi), userObject given back, no last
        document after its final text"""
        sid = self.row('xml_3')['id']
        docs = self.xml_docs(sid)
        self.assertEqual(len(docs), 3, docs)
        self.assertIn('type="Begin"', docs[0])
        self.assertIn('<processUnstructuredSSRequest_Request invokeId="1" dataCodingScheme="15" string="*200#">', docs[0])
        self.assertIn('<msisdn nai="international_number" npi="ISDN" number="%s"/>' % SUB, docs[0])
        self.assertIn('<destinationReference number="262010000000001" nai="international_number" '
                      'npi="land_mobile"/>', docs[0])
        self.assertIn('appCntx="networkUnstructuredSsContext_version2"', docs[0])
        self.assertIn('userObject="main"', docs[1])
        self.assertIn('<unstructuredSSRequest_Response invokeId="', docs[1])
        self.assertIn('string="2"', docs[1])
        self.assertIn('userObject="options"', docs[2])

    def test_texts(self):
        self.check('json_182', 'success', True, 1, 'A' * 182)
        self.check('xml_182', 'success', True, 1, 'A' * 182)
        self.check('json_ucs80', 'success', True, 1, 'Ж' * 80)
        self.check('xml_ucs80', 'success', True, 1, 'Ж' * 80)
        self.check('json_ext91', 'success', True, 1, '€' * 91)
        self.check('xml_ext91', 'success', True, 1, '€' * 91)
        # one more is refused, never cut: the subscriber gets the error text, the application the reason
        for name in ('json_183', 'json_ucs81', 'json_ext92', 'xml_183', 'xml_ucs81', 'xml_ext92'):
            r = self.check(name, 'app_error', False, 0, TEXTS['error'])
            self.assertIn('too long', r['reason'])
        self.assertIn('183 GSM 7-bit characters, at most 182 fit', self.row('json_183')['reason'])
        self.assertIn('81 characters in UCS2, at most 80 fit', self.row('json_ucs81')['reason'])
        self.assertIn('184 GSM 7-bit characters (92 extension characters', self.row('json_ext92')['reason'])
        end = self.json_end(self.row('json_183')['id'])
        self.assertEqual(end['exitCode'], 4)
        self.assertIn('ussdMenu is too long: 183', end['reason'])
        abort = self.xml_docs(self.row('xml_ucs81')['id'])[-1]
        self.assertIn('type="Abort"', abort)
        self.assertIn('exitCode="4"', abort)
        self.assertIn('string is too long: 81 characters in UCS2', abort)
        # non-Latin both ways: a UCS2 menu, a UCS2 answer from the handset
        for name, back in (('json_cyr', 'Вы ответили: Да'), ('xml_cyr', 'Вы ответили: Да')):
            self.check(name, 'success', True, 2, back)
            self.assertEqual(self.prompts(name), ['Баланс: 120 руб.\n余额 1 元\nОтвет?'])
        cyr = [l for l in self.json_log if l['path'].endswith('%s/response' % self.row('json_cyr')['id'])]
        self.assertEqual(cyr[0]['body']['text'], 'Да')

    def test_timeouts(self):
        r = self.check('json_app_timeout', 'app_timeout', False, 0, TEXTS['timeout'])
        self.assertEqual(self.json_end(r['id'])['exitCode'], 3)
        self.assertGreaterEqual(r['end_ms'] - r['start_ms'], 1400)
        r = self.check('json_app_timeout_later', 'app_timeout', True, 1, TEXTS['timeout'])
        self.check('xml_app_timeout', 'app_timeout', False, 0, TEXTS['timeout'])
        # the subscriber did not answer: the gateway aborts after the user timeout (2 s)
        r = self.check('json_user_timeout', 'user_timeout', True, 1)
        self.assertEqual(self.sessions['json_user_timeout']['netsim']['outcome'], 'u-abort')
        self.assertEqual(self.json_end(r['id'])['exitCode'], 2)
        self.assertGreaterEqual(r['end_ms'] - r['start_ms'], 1900)
        # the session lasted longer than X2 (8 s): the subscriber of 'slow' has 30 s to answer
        # the XML application gave this menu 1 s (customInvokeTimeout) instead of its 2 s
        r = self.check('xml_custom_timeout', 'user_timeout', True, 1)
        self.assertLess(r['end_ms'] - r['start_ms'], 1900)
        self.assertGreaterEqual(r['end_ms'] - r['start_ms'], 900)
        r = self.check('session_timeout', 'session_timeout', True, 1)
        self.assertEqual(self.json_end(r['id'])['exitCode'], 6)
        self.assertGreaterEqual(r['end_ms'] - r['start_ms'], 7900)

    def test_aborts(self):
        r = self.check('json_user_abort', 'user_abort', True, 1)
        end = self.json_end(r['id'])
        self.assertEqual(end['exitCode'], 1)
        r = self.check('json_hang_up', 'user_abort', True, 1)
        self.assertIn('closed the dialogue', r['reason'])
        r = self.check('xml_user_abort', 'user_abort', True, 2)
        doc = self.xml_docs(r['id'])[-1]
        self.assertIn('type="Abort"', doc)
        self.assertIn('mapUserAbortChoice="isUserSpecificReason"', doc)
        self.assertIn('exitCode="1"', doc)
        # the network forgot the dialogue (its guard timer) before the late menu: P-Abort
        r = self.check('provider_abort', 'provider_abort', True, 2)
        end = self.json_end(r['id'])
        self.assertEqual(end['exitCode'], 5)
        self.assertIn('supporting dialogue', end['reason'])

    def test_bad_applications(self):
        for name, why in (('json_garbage', 'invalid JSON'), ('json_http500', 'HTTP 500'),
                          ('json_too_big', 'larger than 16384'), ('app_down', 'cannot reach the application'),
                          ('xml_garbage', 'invalid XML'), ('xml_http500', 'HTTP 500'),
                          ('xml_too_big', 'larger than 16384')):
            r = self.check(name, 'app_error', False, 0, TEXTS['error'])
            self.assertIn(why, r['reason'], name)
        self.assertEqual(self.json_end(self.row('json_garbage')['id'])['exitCode'], 4)
        r = self.check('json_refuses', 'app_refused', False, 0, TEXTS['error'])
        self.assertIn('responseExitCode 400: Invalid USSD session', r['reason'])
        # the XML application's own MAP error reaches the subscriber
        r = self.check('xml_map_error', 'app_refused', False, 0)
        self.assertEqual(self.sessions['xml_map_error']['netsim']['outcome'], 'error')
        self.assertIn(['error', '34'], self.events('xml_map_error'))

    def test_routes_and_limits(self):
        self.check('no_route', 'no_route', False, 0, TEXTS['no-route'])
        self.assertEqual(self.row('no_route')['application'], '')
        self.check('overload', 'overload', False, 0, TEXTS['busy'])
        r = self.check('overload_total', 'overload', False, 0, TEXTS['busy'])
        self.assertEqual(r['application'], '')      # no application was asked
        r = self.check('default_route', 'success', True, 2, 'Balance: 12.50 EUR')
        self.assertEqual(r['service_code'], '*555#')
        self.assertIn(' route default application shop', self.config)

    # ------------------------------------------------------------ push
    def test_push_json(self):
        s = self.sessions['push_json_ussr']
        self.assertEqual(s['status'], 200)
        sid = json.loads(s['answer'])['sessionId']
        r = self.check('push_json_ussr', 'success', True, 2)
        self.assertEqual(r['id'], sid)
        self.assertEqual((r['direction'], r['msisdn'], r['service_code']), ('push', SUB, ''))
        resp = [l for l in self.json_log if l['path'] == '/ussd/session/%s/response' % sid]
        self.assertEqual(resp[0]['body']['text'], '1')
        self.assertIsNone(resp[0]['body']['shortCode'])
        self.assertEqual(self.json_end(sid)['exitCode'], 0)
        self.check('push_json_ussr_2', 'success', True, 3)
        self.check('push_json_ussn', 'success', True, 1)
        for name, status, code in (('push_absent', 'absent_subscriber', 8), ('push_busy', 'busy', 11),
                                   ('push_unknown', 'unknown_subscriber', 9), ('push_silent', 'user_timeout', 2)):
            r = self.check(name, status, False)
            self.assertEqual(self.json_end(r['id'])['exitCode'], code, name)
        r = self.check('push_via_sri', 'success', True, 2)
        self.assertEqual(r['operator'], 'sri-net')
        self.assertEqual(r['called_gt'], '491710000002')         # the serving MSC/VLR

    def test_push_xml(self):
        t = json.loads(self.sessions['push_xml_ussr']['answer'])
        self.assertEqual([d['status'] for d in t], [200, 200, 200], t)
        self.assertIn('type="Continue"', t[0]['doc'])
        self.assertIn('<unstructuredSSRequest_Response invokeId="1" dataCodingScheme="15" string="1"/>', t[0]['doc'])
        self.assertIn('userObject="push"', t[0]['doc'])
        self.assertIn('<unstructuredSSNotify_Response invokeId="', t[1]['doc'])
        self.assertIn('type="End"', t[2]['doc'])
        self.assertIn('exitCode="0"', t[2]['doc'])
        sid = re.search(r'sessionId="([^"]+)"', t[0]['doc']).group(1)
        r = self.check('push_xml_ussr', 'success', True, 2)
        self.assertEqual(r['id'], sid)
        t = json.loads(self.sessions['push_xml_ussn']['answer'])
        self.assertIn('<unstructuredSSNotify_Response', t[0]['doc'])
        self.assertIn('exitCode="0"', t[1]['doc'])
        self.check('push_xml_ussn', 'success', True, 1)
        # the application's alertingPattern goes out in the USSD-Arg, tshark reads it
        begin = self.dialogue_of(self.row('push_xml_ussn'))[0]
        self.assertEqual(begin.get('gsm_map.ss.alertingPattern'), '06', begin)
        self.assertNotIn('gsm_map.ss.alertingPattern', self.dialogue_of(self.row('push_xml_ussr'))[0])
        t = json.loads(self.sessions['push_xml_absent']['answer'])
        self.assertIn('type="End"', t[0]['doc'])
        self.assertIn('errorCode="27"', t[0]['doc'])
        self.assertIn('exitCode="8"', t[0]['doc'])
        self.check('push_xml_absent', 'absent_subscriber', False)

    def test_push_refused(self):
        r = self.refused
        self.assertEqual(r['no_key'][0], 401)
        self.assertIn('Bearer', r['no_key'][2].get('WWW-Authenticate', ''))
        self.assertEqual(r['bad_key'][0], 401)
        self.assertEqual(r['bad_json'][0], 400)
        self.assertEqual(json.loads(r['bad_json'][1])['responseExitCode'], 400)
        self.assertEqual(r['too_long'][0], 400)
        self.assertEqual(json.loads(r['too_long'][1])['responseMessage'],
                         '"text" is too long: 190 GSM 7-bit characters, at most 182 fit')
        self.assertEqual(r['no_operator'][0], 400)
        self.assertIn('no operator', r['no_operator'][1])
        self.assertEqual(r['xml_doctype'][0], 400)
        self.assertIn('DOCTYPE', r['xml_doctype'][1])

    # ------------------------------------------------------------ the wire
    def test_wire_three_rounds(self):
        msgs = self.dialogue_of(self.row('json_3'))
        legs = [(self.kind(m), m['sccp.calling.digits'], m.get('gsm_old.localValue'),
                 (m.get('gsm_map.ussd_string') or '').rstrip('\r')) for m in msgs]
        ns_gt, gw = sn.MSC_GT, sn.GW_GT
        self.assertEqual(legs, [
            ('begin', ns_gt, '59', '*100#'),
            ('continue', gw, '60', 'Welcome\n1 Balance\n2 Options\n3 Echo'),
            ('continue', ns_gt, '60', '2'),
            ('continue', gw, '60', 'Options\n1 Data\n2 Voice'),
            ('continue', ns_gt, '60', '1'),
            ('end', gw, '59', 'Data: 100 MB left'),
        ])
        self.assertEqual(msgs[0]['tcap.application_context_name'], '0.4.0.0.1.0.19.2')
        self.assertEqual(msgs[1]['tcap.result'], '0')                  # the dialogue accepted
        self.assertEqual(len(self.dialogue_of(self.row('json_6'))), 12)   # Begin, 5 x 2 Continues, End

    def test_wire_texts(self):
        """The strings as tshark decodes them, with their data coding schemes"""
        def last(name):
            m = self.dialogue_of(self.row(name))[-1]
            return m.get('gsm_map.ss.ussd_DataCodingScheme'), (m.get('gsm_map.ussd_string') or '').rstrip('\r')
        self.assertEqual(last('json_182'), ('0f', 'A' * 182))
        self.assertEqual(last('json_ucs80'), ('48', 'Ж' * 80))
        self.assertEqual(last('json_ext91'), ('0f', '€' * 91))
        self.assertEqual(last('xml_ucs80'), ('48', 'Ж' * 80))
        msgs = self.dialogue_of(self.row('json_cyr'))
        self.assertEqual(msgs[1].get('gsm_map.ss.ussd_DataCodingScheme'), '48')
        self.assertEqual(msgs[2].get('gsm_map.ussd_string'), 'Да')

    def test_wire_push(self):
        msgs = self.dialogue_of(self.row('push_json_ussr'))
        b = msgs[0]
        self.assertEqual(self.kind(b), 'begin')
        self.assertEqual((b['sccp.calling.digits'], b['sccp.called.digits'], b['sccp.called.ssn']),
                         (sn.GW_GT, sn.HLR_GT, '6'))
        self.assertEqual(b['gsm_map.dialogue.destinationReference'], '91:94:71:07:00:00:10')     # the MSISDN
        self.assertEqual(b['gsm_map.dialogue.originationReference'], '91:94:71:02:00:00:99')     # our GT
        self.assertEqual(b['gsm_old.localValue'], '60')
        self.assertEqual([self.kind(m) for m in msgs], ['begin', 'continue', 'continue', 'continue', 'end'])
        # the application's final text goes as a notification; its confirmation, then our End
        self.assertEqual([(m['sccp.calling.digits'], m.get('gsm_old.localValue')) for m in msgs],
                         [(sn.GW_GT, '60'), (sn.HLR_GT, '60'), (sn.GW_GT, '61'), (sn.HLR_GT, None), (sn.GW_GT, None)])
        self.assertEqual(msgs[2]['gsm_map.ussd_string'], 'Thanks, you answered 1')
        msgs = self.dialogue_of(self.row('push_via_sri'))
        b = msgs[0]
        self.assertEqual((b['sccp.called.digits'], b['sccp.called.ssn']), (sn.MSC_GT, '7'))
        self.assertEqual(b.get('e212.imsi'), '262010000000011')      # destination reference: the IMSI
        sri = [m for m in self.msgs if m.get('gsm_old.localValue') == '45' and self.kind(m) == 'begin' and
               m['frame'] < b['frame']]
        self.assertTrue(sri)
        msgs = self.dialogue_of(self.row('push_busy'))
        self.assertEqual(self.kind(msgs[-1]), 'end')
        self.assertEqual(msgs[-1].get('gsm_old.localValue'), '72')    # ussd-Busy
        self.assertFalse([m['frame'] for m in self.msgs if m['malformed']])

    def test_billing_matches_the_wire(self):
        """One ussd_session record per session the capture shows started and
        the rules bill: pull when the application's first answer reached the
        subscriber, push when the network took the opening operation"""
        gw_texts = set(TEXTS.values())
        expect = set()
        for r in self.all_rows:
            msgs = self.dialogue_of(r)
            self.assertTrue(msgs, r)
            if r['direction'] == 'pull':
                self.assertEqual(self.kind(msgs[0]), 'begin')
                first = next((m for m in msgs if m['sccp.calling.digits'] == sn.GW_GT), None)
                if first is None:
                    continue
                op, text = first.get('gsm_old.localValue'), (first.get('gsm_map.ussd_string') or '').rstrip('\r')
                app_text = ('gsm_old.invoke_element' in first and op in ('60', '61')) or \
                           ('gsm_old.returnResultLast_element' in first and text not in gw_texts)
                if app_text:
                    expect.add(r['id'])
            else:
                answers = [m for m in msgs if m['sccp.calling.digits'] != sn.GW_GT]
                if answers and 'gsm_old.returnError_element' not in answers[0] and \
                        self.kind(answers[0]) in ('continue', 'end'):
                    expect.add(r['id'])
        billed = [b for b in self.billing if b['kind'] == 'ussd_session']
        refs = [b['ref'] for b in billed]
        self.assertEqual(len(refs), len(set(refs)))       # never twice
        self.assertEqual(sorted(refs), sorted(expect))
        self.assertEqual(sorted(refs), sorted(r['id'] for r in self.all_rows if r['billed']))
        for b in billed:
            row = next(r for r in self.all_rows if r['id'] == b['ref'])
            self.assertEqual(b['initiator'], 'application' if row['direction'] == 'push' else 'mobile')
            self.assertEqual(b['account'], row['application'])
        print('%d sessions, %d billed' % (len(self.all_rows), len(refs)))

    def test_audit_and_show(self):
        rc, text = self.audit
        self.assertEqual(rc, 0, text)
        self.assertRegex(text, r'ussd session \S+ pull map shop \*100# ')
        self.assertIn('status user_timeout', text)
        self.assertRegex(self.show, r'sessions 0 of 500')
        self.assertRegex(self.show, r'application shop \(json')
        self.assertRegex(self.latency, r'network in -> application request out: \d+ rounds')


if __name__ == '__main__':
    sn.main(__doc__)
