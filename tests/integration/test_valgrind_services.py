#!/usr/bin/env python3
"""The number lookup and the USSD gateway under valgrind (memcheck, full
leak check): test_valgrind.py covers the stack and the SMS core; this run
takes sigwayd (and netsim) through the services' paths, which use other
libraries (libmicrohttpd, libcurl, jansson, libxml2, nettle, SQLite):

- lookups: one number (GET), a batch (POST), a cache hit, an absent and an
  unknown subscriber, refused input (bad number, bad JSON, wrong key), a bulk
  job whose results are posted, signed, to a local receiver, and the log;
- sigway-lookup (the command-line tool, also under valgrind) on three numbers;
- USSD: 3-round pulls with the Node.js JSON application and the Python XML
  application, an application that is down, one that answers garbage, a
  user abort, and a USSN push; over GSUP (a real osmo-hlr, sigwayd its
  External USSD Entity): a 3-round session and one the handset abandons;
- then sigway-billing, sigway-audit and sigway-decode (under valgrind) read
  what the run left (the store, tshark's pcapng capture).

No invalid access, no uninitialised value used, no definite or indirect
leak, every process exits 0. Runs the non-sanitizer build (valgrind and ASan
do not mix):

usage: test_valgrind_services.py BUILD_DIR"""

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(TOP, 'tests', 'gsup'))
import sigway_net as sn  # noqa: E402
import msc_peer as mp  # noqa: E402

APPS = os.path.join(TOP, 'tests', 'ussdgw', 'apps')
HTTP_PORT = sn.free_port()
JSON_PORT = sn.free_port()
XML_PORT = sn.free_port()
DEAD_PORT = sn.free_port()
RECEIVER_PORT = sn.free_port()
KEY = 'valgrind-key-0123456789abcdef'
NOTIFY_SECRET = 'valgrind-notify-secret-0123'
JSON_KEY, XML_KEY = 'vg-json-push-key', 'vg-xml-push-key'
SUB = '491770000001'
# OsmoHLR's fixed ports (the run is in its own network namespace) and its subscriber
GSUP_PORT, HLR_VTY_PORT = 4222, 4258
GSUP_IMSI, GSUP_MSISDN = '262420000000001', '4917012345'
EUSE = 'sigway-00-00-00-00-00-00'
PUSH = 'http://127.0.0.1:%d/ussd/push' % HTTP_PORT
# "possibly lost" is left out: libosmovty keeps its command tables in talloc
# contexts it never frees
VALGRIND = ['valgrind', '--leak-check=full', '--show-leak-kinds=definite,indirect',
            '--errors-for-leak-kinds=definite,indirect', '--error-exitcode=99', '-q']
VALGRIND_ERROR = re.compile(r'==\d+== (Invalid|Conditional|Use of uninitialised|Syscall param'
                            r'|.*definitely lost|.*indirectly lost)')

SIGWAYD_EXTRA = """http
 local-port %(http)d
account vg
 api-key %(key)s
 lookup cache-ttl 300
 lookup notify-url http://127.0.0.1:%(receiver)d/results
 lookup notify-secret %(secret)s
lookup
 max-numbers 20
 notify batch-size 2
ussd
 gateway-id sigway-valgrind
 timer ussd X1 20
 application shop flavour json
 application shop url http://127.0.0.1:%(json)d/ussd/
 application shop timeout 20000
 application shop push-key %(json_key)s
 application menu flavour xml
 application menu url http://127.0.0.1:%(xml)d/
 application menu timeout 20000
 application menu push-key %(xml_key)s
 application down flavour json
 application down url http://127.0.0.1:%(dead)d/ussd
 route *100# application shop
 route *200# application menu
 route *102# application down
 route *123# application shop
gsup
 remote-ip 127.0.0.1
 remote-port %(gsup)d
 name sigway
 session-guard-timeout 3
 reconnect-backoff 1 2
""" % dict(gsup=GSUP_PORT, http=HTTP_PORT, key=KEY, receiver=RECEIVER_PORT, secret=NOTIFY_SECRET, json=JSON_PORT, xml=XML_PORT,
           dead=DEAD_PORT, json_key=JSON_KEY, xml_key=XML_KEY)

NETSIM_EXTRA = """netsim
 hlr implicit-subscribers 49173
 subscriber 491770000001 imsi 262010000000001 state attached
 subscriber 491730000002 imsi 262010000000102 state absent
"""


class Receiver(http.server.BaseHTTPRequestHandler):
    """The bulk job's notifyUrl: keeps what was posted"""
    posts = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        Receiver.posts.append((self.headers.get('X-Sigway-Signature'), body))
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, path, body=None, key=KEY, port=HTTP_PORT, content_type='application/json'):
    headers = {'X-API-Key': key} if key else {}
    if body is not None:
        headers['Content-Type'] = content_type
    return sn.http(method, 'http://127.0.0.1:%d%s' % (port, path), body, headers, timeout=120)[:2]


class ServicesUnderValgrind(sn.UssdSessions, unittest.TestCase):
    build = None

    @classmethod
    def setUpClass(cls):
        cls.net = sn.Network(cls.build, wrapper=VALGRIND, sigwayd_extra=SIGWAYD_EXTRA, netsim_extra=NETSIM_EXTRA)
        cls.receiver = http.server.ThreadingHTTPServer(('127.0.0.1', RECEIVER_PORT), Receiver)
        threading.Thread(target=cls.receiver.serve_forever, daemon=True).start()
        cls.apps = []
        try:
            cls.net.start()
            # what runs is valgrind's tool with our program in it
            cls.exes = {name: os.readlink('/proc/%d/exe' % cls.net.procs[name][0].pid) for name in ('sigwayd', 'netsim')}
            cls.ns = cls.net.vty('netsim')
            cls.apps = [
                subprocess.Popen(['node', os.path.join(APPS, 'json_app.js'), str(JSON_PORT),
                                  os.path.join(cls.net.tmp, 'json_app.log'), PUSH, JSON_KEY]),
                subprocess.Popen(['python3', os.path.join(APPS, 'xml_app.py'), str(XML_PORT),
                                  os.path.join(cls.net.tmp, 'xml_app.log'), PUSH, XML_KEY]),
            ]
            for port in (JSON_PORT, XML_PORT):
                cls.net._wait_for_port(port)
            cls.lookups()
            cls.ussd()
            cls.ussd_gsup()
            cls.billing_before_stop = cls.net.billing()
        except BaseException:
            cls.net.dump_logs()
            cls.stop_all()
            raise
        cls.stop_all()
        cls.tools()

    @classmethod
    def stop_all(cls):
        for p in cls.apps:
            p.terminate()
            p.wait(timeout=10)
            if p.stdout:
                p.stdout.close()
        cls.receiver.shutdown()
        cls.net.stop()

    # ------------------------------------------------------------ the run
    @classmethod
    def lookups(cls):
        cls.answers = {
            'one': call('GET', '/v1/lookup/%2B491730000001'),
            'batch': call('POST', '/v1/lookup', json.dumps({'to': ['491730000003', '+49 173 0000004']})),
            'cached': call('GET', '/v1/lookup/491730000001'),
            'absent': call('GET', '/v1/lookup/491730000002'),
            'bad_number': call('GET', '/v1/lookup/49173x'),
            'bad_json': call('POST', '/v1/lookup', '{"to": ['),
            'wrong_key': call('GET', '/v1/lookup/491730000005', key='no-such-key-0123456789'),
        }
        notify = urllib.parse.quote('http://127.0.0.1:%d/results/vg' % RECEIVER_PORT, safe='')
        status, text = call('POST', '/v1/lookup/jobs?notifyUrl=%s' % notify,
                            '\n'.join('4917300001%02d' % i for i in range(5)), content_type='text/plain')
        cls.answers['job'] = (status, text)
        job = json.loads(text)['id'] if status == 202 else None
        deadline = time.time() + 180
        while job and time.time() < deadline:
            status, text = call('GET', '/v1/lookup/jobs/%s' % job)
            if json.loads(text).get('state') == 'done' and len(Receiver.posts) >= 3:
                break
            time.sleep(0.5)
        cls.answers['job_status'] = (status, text)
        cls.answers['log'] = call('GET', '/v1/lookup/log?limit=50')
        env = dict(os.environ, SIGWAY_LOOKUP_URL='http://127.0.0.1:%d' % HTTP_PORT, SIGWAY_API_KEY=KEY,
                   SIGWAY_LOOKUP_CONFIG='/nonexistent')
        cls.cli = subprocess.run(VALGRIND + [os.path.join(cls.build, 'src/lookup/sigway-lookup'), '--json',
                                             '+49 173 0000006', '0049 173 0000007', '491730000002'],
                                 env=env, capture_output=True, text=True, timeout=300)

    @classmethod
    def ussd(cls):
        cls.sessions = {}
        for name, code, script in (('json_3', '*100#', ['2', '1']), ('xml_3', '*200#', ['2', '1']),
                                   ('app_down', '*102#', []), ('garbage', '*100*82#', []),
                                   ('user_abort', '*100#', ['!abort'])):
            before = len(cls.rows())
            n = cls.ussd_dial(SUB, code, script)
            rows = cls.wait_rows(before + 1, timeout=120)
            cls.sessions[name] = {'row': rows[before], 'netsim': cls.netsim_session(n, timeout=60)}
        before = len(cls.rows())
        cls.push = call('POST', '/admin/push', json.dumps({'msisdn': SUB, 'type': 'ussn', 'text': 'valgrind'}),
                        key=None, port=JSON_PORT)
        cls.sessions['push'] = {'row': cls.wait_rows(before + 1, timeout=120)[before]}

    @classmethod
    def ussd_gsup(cls):
        net = cls.net
        db = os.path.join(net.tmp, 'hlr.db')
        subprocess.run(['osmo-hlr-db-tool', '-l', db, 'create'], check=True, capture_output=True)
        cfg = os.path.join(net.tmp, 'osmo-hlr.cfg')
        with open(os.path.join(TOP, 'contrib', 'config', 'osmo-hlr-euse.cfg')) as src, open(cfg, 'w') as dst:
            dst.write(src.read())
        with open(os.path.join(net.tmp, 'osmo-hlr.log'), 'w') as log:
            cls.apps.append(subprocess.Popen(['osmo-hlr', '-c', cfg, '-l', db], stdout=log, stderr=subprocess.STDOUT,
                                             cwd=net.tmp))
        net._wait_for_port(HLR_VTY_PORT)
        vty = sn.Vty(HLR_VTY_PORT)
        vty.cmd('subscriber imsi %s create' % GSUP_IMSI)
        vty.cmd('subscriber imsi %s update msisdn %s' % (GSUP_IMSI, GSUP_MSISDN))
        vty.close()
        net._wait_log('sigwayd', r'USSD over GSUP: the HLR link is up', 60)
        cls.gsup_sessions = {}
        for name, answers in (('three_rounds', ['2', '1']), ('hang_up', None)):
            before = len(cls.rows())
            peer = mp.MscPeer('127.0.0.1', GSUP_PORT)
            try:
                cls.gsup_sessions[name] = mp.run_session(peer, GSUP_IMSI, mp.fresh_session_id(), '*123#',
                                                         answers or ['x'], abandon=answers is None,
                                                         timeout=30)
            finally:
                peer.close()
            cls.gsup_sessions[name + '_row'] = cls.wait_rows(before + 1, timeout=60)[before]

    @classmethod
    def tools(cls):
        """our command-line readers of the run's store and capture, under valgrind"""
        run = lambda *argv: subprocess.run(VALGRIND + list(argv), capture_output=True, text=True, timeout=300)
        cls.tool_runs = {
            'sigway-billing': run(os.path.join(cls.build, 'src/billing/sigway-billing'), 'export', '--db',
                                  cls.net.db),
            'sigway-audit': run(os.path.join(cls.build, 'src/audit/sigway-audit'), '--db', cls.net.db,
                                '491730000001'),
            'sigway-decode': run(os.path.join(cls.build, 'src/decode/sigway-decode'), cls.net.pcap),
        }

    # ------------------------------------------------------------ what it must show
    def test_lookups_answered(self):
        a = self.answers
        self.assertEqual(a['one'][0], 200, a['one'])
        self.assertEqual(json.loads(a['one'][1])['status'], 'CONNECTED')
        self.assertEqual([r['status'] for r in json.loads(a['batch'][1])['results']], ['CONNECTED', 'CONNECTED'])
        self.assertEqual(json.loads(a['cached'][1])['source'], 'cache')
        self.assertEqual(json.loads(a['absent'][1])['status'], 'ABSENT')
        for name, code in (('bad_number', 400), ('bad_json', 400), ('wrong_key', 401), ('job', 202)):
            self.assertEqual(a[name][0], code, a[name])
        self.assertEqual(json.loads(a['job_status'][1])['state'], 'done', a['job_status'])
        self.assertGreaterEqual(len(Receiver.posts), 3)
        self.assertTrue(all(sig and sig.startswith('t=') for sig, _ in Receiver.posts))
        self.assertEqual(a['log'][0], 200)

    def test_cli_clean(self):
        self.assertEqual(self.cli.returncode, 1, self.cli.stderr[-3000:])   # one number is absent
        self.assertFalse(VALGRIND_ERROR.search(self.cli.stderr), self.cli.stderr[-3000:])
        self.assertEqual(len([l for l in self.cli.stdout.splitlines() if l.startswith('{')]), 3, self.cli.stdout)

    def test_ussd_sessions(self):
        s = self.sessions
        self.assertEqual(s['json_3']['row']['rounds'], 3, s['json_3'])
        self.assertEqual(s['xml_3']['row']['rounds'], 3, s['xml_3'])
        self.assertEqual(s['json_3']['row']['status'], 'success')
        self.assertEqual(s['xml_3']['row']['status'], 'success')
        self.assertEqual(s['app_down']['row']['status'], 'app_error', s['app_down'])
        self.assertEqual(s['garbage']['row']['status'], 'app_error', s['garbage'])
        self.assertEqual(s['user_abort']['row']['status'], 'user_abort', s['user_abort'])
        self.assertEqual(self.push[0], 200, self.push)
        self.assertEqual(s['push']['row']['status'], 'success', s['push'])

    def test_ussd_over_gsup(self):
        row = self.gsup_sessions['three_rounds_row']
        self.assertEqual((row['status'], row['rounds']), ('success', 3), row)
        self.assertNotEqual(self.gsup_sessions['hang_up_row']['status'], 'success')

    def test_billing_of_the_run(self):
        kinds = [r['kind'] for r in self.billing_before_stop]
        self.assertGreaterEqual(kinds.count('lookup'), 9)
        self.assertGreaterEqual(kinds.count('ussd_session'), 5)

    def test_daemons_clean(self):
        for name, exe in self.exes.items():
            self.assertRegex(exe, r'/valgrind/memcheck-', name)
        for name in ('sigwayd', 'netsim'):
            logs = self.net.logs(name)
            self.assertTrue(logs, name)
            for log in logs:
                self.assertFalse(VALGRIND_ERROR.search(log), log[-3000:])
            self.assertEqual(self.net.exit_codes[name], 0, logs[-1][-3000:])

    def test_tools_clean(self):
        for name, p in self.tool_runs.items():
            with self.subTest(tool=name):
                self.assertEqual(p.returncode, 0, p.stderr[-3000:])
                self.assertFalse(VALGRIND_ERROR.search(p.stderr), p.stderr[-3000:])
                self.assertTrue(p.stdout.strip(), name)


if __name__ == '__main__':
    if len(sys.argv) < 2:
        print(__doc__.split('\n\n')[-1], file=sys.stderr)
        sys.exit(2)
    ServicesUnderValgrind.build = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
