#!/usr/bin/env python3
"""Number lookup end to end: sigwayd's lookup API in the test network (a real
osmo-stp, sigway-netsim's HLR answering every case: attached, absent with
its diagnostic, ported, roaming, SMS home routing, each error, no answer, a
slow answer), used with the `curl` command and with Node.js's own `http`
module. One run mixes answers, errors, timeouts, cache hits, a bulk job
with callbacks (the receiver fails the first post and checks every post's
signature: X-Sigway-Signature of the account's notify secret, none for an
account without one, a wrong one refused; during a rotation of the secret
receivers holding the old or the new one both take the posts, after it the
old one refuses them), refused input of every kind, SMS from the same gateway, and at the end a link that goes down.
Then the capture (tshark), the billing records, the lookup log and
sigway-audit are checked against each other: every SRI-for-SM of a lookup
left from the gateway's calling GT (the SMS core's), and there are exactly
as many `lookup` billing records as SRI-for-SM Begins of lookups.

usage: test_lookup.py BUILD_DIR
"""

import hashlib
import hmac
import http.server
import json
import os
import re
import signal
import socketserver
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

BUILD = None

KEYS = {
    'lk': 'lkkey001-0123456789abcdef-secret',        # cache on, IMSI masked
    'full': 'fullkey1-0123456789abcdef-secret',      # the whole IMSI
    'denied': 'denykey1-0123456789abcdef-secret',    # no lookups
    'limited': 'limitkey-0123456789abcdef-secret',   # 2 per second, 4 a day
    'plain': 'plainkey-0123456789abcdef-secret',     # results posted unsigned (no notify secret)
    'mis': 'miskey01-0123456789abcdef-secret',       # signs with a secret the receiver does not hold
    'named': 'namedkey-0123456789abcdef-secret',     # a notify-url prefix by host name: public addresses only
    'rot': 'rotkey01-0123456789abcdef-secret',       # its notify secret rotated: ROT_OLD -> ROT_NEW
    'op': 'opkey001-0123456789abcdef-secret',        # (ProxyFromEnvironment) a prefix that writes an address
}
# lk's `lookup notify-secret`: what the receiver checks the signatures of /results and /mis/ with
NOTIFY_SECRET = 'lk-notify:0123456789+abcdef'
MIS_SECRET = 'not-the-receivers-secret-0123'
# rot's notify secret before and after `lookup notify-secret rotate`
ROT_OLD = 'rot-old:0123456789abcdef'
ROT_NEW = 'rot-new:fedcba9876543210'
SIGNATURE_TOLERANCE_S = 300     # doc/lookup.md: a receiver refuses a time further off than this
SMS_TO = '491710000030'      # the SMS of the run goes here; no lookup asks for it

SUBSCRIBERS = """netsim
 subscriber 491710000011 imsi 262011000000011 state attached
 subscriber 491710000012 imsi 262011000000012 state absent
 subscriber 491710000013 imsi 262021000000013 msc 491720000009 state attached
 subscriber 491710000014 imsi 262011000000014 msc 33612345678 state attached
 subscriber 491710000015 imsi 262011000000015 state attached
 subscriber 491710000015 sri-answer none
 subscriber 491710000016 imsi 262011000000016 state attached
 subscriber 491710000016 home-routing 491719900001 262019990000016
 subscriber 491710000017 imsi 262011000000017 state attached
 subscriber 491710000017 sri-error teleservice-not-provisioned
 subscriber 491710000018 imsi 262011000000018 state attached
 subscriber 491710000018 sri-error absent-subscriber-sm diagnostic 0
 subscriber 491710000019 imsi 262011000000019 state barred
 subscriber 491710000020 imsi 262011000000020 state attached
 subscriber 491710000020 sri-delay 1500
 subscriber 491710000021 imsi 262011000000021 state attached
 subscriber 491710000021 sri-error system-failure
 subscriber 491710000022 imsi 262011000000022 state attached
 subscriber 491710000022 sri-error unidentified-subscriber
 subscriber 491710000024 imsi 262011000000024 msc 491760000009 state attached
 subscriber 491710000025 imsi 262011000000025 state attached
 subscriber 491710000026 imsi 262011000000026 state attached
 subscriber 491710000027 imsi 262011000000027 state attached
 subscriber %s imsi 262011000000030 state attached
 hlr implicit-subscribers 4917120
""" % SMS_TO

RECEIVER_PORT = sn.free_port()     # the bulk job's notifyUrl, the one place lk may have results posted to

SIGWAYD_EXTRA = """account lk
 api-key %(lk)s
 lookup cache-ttl 300
 lookup notify-url http://127.0.0.1:%(receiver)d/results
 lookup notify-secret %(notify_secret)s
account plain
 api-key %(plain)s
 lookup notify-url http://127.0.0.1:%(receiver)d/plain/
account named
 api-key %(named)s
 lookup notify-url http://localhost:%(receiver)d/named/
account rot
 api-key %(rot)s
 lookup notify-url http://127.0.0.1:%(receiver)d/rot/
 lookup notify-secret %(rot_old)s
account mis
 api-key %(mis)s
 lookup notify-url http://127.0.0.1:%(receiver)d/mis/
 lookup notify-secret %(mis_secret)s
account full
 api-key %(full)s
 lookup imsi full
account denied
 api-key %(denied)s
 lookup deny
account limited
 api-key %(limited)s
 lookup rate 2
 lookup daily-quota 4
lookup
 max-numbers 20
 job max-body 65536
 notify batch-size 10
 home-routing operator netsim router-gt 4917199
map
 timer map X1 3
routing
 operator nowhere hlr-gt 33600000001 map-version 3
 route 336 operator nowhere
""" % dict(KEYS, receiver=RECEIVER_PORT, notify_secret=NOTIFY_SECRET, mis_secret=MIS_SECRET, rot_old=ROT_OLD)

# Node's own http module: one keep-alive socket for every request
NODE_CLIENT = r'''
const http = require('http');
const [port, key] = [Number(process.argv[1]), process.argv[2]];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const sockets = new Set();
function call(method, path, body, type) {
  return new Promise((resolve, reject) => {
    const headers = { 'X-API-Key': key };
    if (body !== undefined) headers['Content-Type'] = type || 'application/json';
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers }, (res) => {
      sockets.add(res.socket);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ method, path, status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
(async () => {
  const out = (o) => console.log(JSON.stringify(o));
  out(await call('GET', '/v1/lookup/%2B491710000011'));
  out(await call('POST', '/v1/lookup', JSON.stringify({ to: ['+49 171 0000013', '0049 171 0000014'] })));
  const job = await call('POST', '/v1/lookup/jobs', '491712000101\n491712000102\n', 'text/plain');
  out(job);
  for (let i = 0; i < 50; i++) {
    const st = await call('GET', job.body.links.self);
    if (st.body.state === 'done') { out(st); break; }
    await new Promise((r) => setTimeout(r, 100));
  }
  out(await call('GET', job.body.links.results));
  out({ sockets: sockets.size });
  agent.destroy();
})().catch((e) => { console.error(e); process.exit(1); });
'''


def signature_ok(secret, header, body, now=None):
    """A receiver's check of X-Sigway-Signature (doc/lookup.md): t=<unix seconds>,v1=<hex
    HMAC-SHA256 of "<t>.<body>"> (two v1 while the secret is rotated: any one that is the
    receiver's own passes), the time within the tolerance, compared in constant time"""
    m = re.fullmatch(r't=(\d{1,20})((?:,v1=[0-9a-f]{64}){1,2})', header or '')
    if not m or abs((time.time() if now is None else now) - int(m.group(1))) > SIGNATURE_TOLERANCE_S:
        return False
    want = hmac.new(secret.encode(), m.group(1).encode() + b'.' + body, hashlib.sha256).hexdigest()
    return any([hmac.compare_digest(want, v1) for v1 in m.group(2).split(',v1=')[1:]])


def receiver_secret(path):
    """The secret the receiver holds for a path: /rot/PHASE-WHO/ the old, the new or
    another one; none for /plain/ (takes what comes); lk's elsewhere"""
    m = re.match(r'/rot/\w+-(old|new|wrong)/', path)
    if m:
        return {'old': ROT_OLD, 'new': ROT_NEW, 'wrong': MIS_SECRET}[m.group(1)]
    return None if path == '/plain/results' else NOTIFY_SECRET


class Receiver(http.server.BaseHTTPRequestHandler):
    """The notifyUrl of the bulk jobs. /results (lk) and /mis/ must carry a signature of
    NOTIFY_SECRET (401 when not), /rot/ one of receiver_secret(); lk's first post fails
    (500), then it takes them. /plain/ takes what comes. Every post is kept: path,
    signature header, body, arrival."""
    posts = []          # lk's accepted posts (JSON)
    failed = 0
    seen = []           # (path, X-Sigway-Signature or None, raw body, time)
    refused = []        # paths of the posts refused for their signature

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        sig = self.headers.get('X-Sigway-Signature')
        Receiver.seen.append((self.path, sig, body, time.time()))
        secret = receiver_secret(self.path)
        if secret and not signature_ok(secret, sig, body):
            Receiver.refused.append(self.path)
            self.answer(401)
            return
        if self.path == '/results':
            if not Receiver.failed:
                Receiver.failed += 1
                self.answer(500)
                return
            Receiver.posts.append(json.loads(body))
        self.answer(200)

    def answer(self, status):
        self.send_response(status)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


def curl(port, method, path, key=None, body=None, ctype='application/json', headers=()):
    argv = ['curl', '-sS', '-X', method, '-o', '-', '-w', '\n%{http_code}', '-D', '/dev/stderr',
            'http://127.0.0.1:%d%s' % (port, path)]
    if key:
        argv += ['-H', 'X-API-Key: ' + key]
    for h in headers:
        argv += ['-H', h]
    if body is not None:
        argv += ['-H', 'Content-Type: ' + ctype, '--data-binary', '@-']
    p = subprocess.run(argv, input=body if isinstance(body, bytes) else (body or '').encode(), capture_output=True)
    text, _, status = p.stdout.decode(errors='replace').rpartition('\n')
    try:
        doc = json.loads(text) if text.strip() else None
    except ValueError:
        doc = text
    return int(status), doc, p.stderr.decode(errors='replace')


def netsim_sms_gateway_max_version(net, v):
    """netsim's HLR refuses shortMsgGatewayContext above v (proposing v)"""
    for line in ('configure terminal', 'netsim', 'hlr sms-gateway-max-version %d' % v, 'end'):
        net.ns(line)


def run_job(port, account, numbers, url, notified):
    """A job of account's with its results posted to url; its status once notified(its
    notify state) holds (or after 30 s)"""
    key = KEYS[account]
    job = curl(port, 'POST', '/v1/lookup/jobs', key, json.dumps({'to': numbers, 'notifyUrl': url}))
    assert job[0] == 202, job
    deadline = time.time() + 30
    while time.time() < deadline:
        st = curl(port, 'GET', '/v1/lookup/jobs/' + job[1]['id'], key)
        if st[1]['state'] == 'done' and notified(st[1].get('notify') or {}):
            break
        time.sleep(0.2)
    return st


class LookupTest(sn.NetworkTestCase):
    network_args = {}

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.port = cls.http_port
        p = cls.port
        lk = KEYS['lk']
        # ---------------------------------------------------- every answer once
        cls.one = {}
        for n in ['491710000011', '491710000012', '491710000013', '491710000014', '491710000015',
                  '491710000016', '491710000017', '491710000018', '491710000019', '491710000020',
                  '491710000021', '491710000022', '491710000024', '491710000099', '33600000123',
                  '447700900123']:
            cls.one[n] = curl(p, 'GET', '/v1/lookup/' + n, lk)
        # the whole IMSI for the account that may see it
        cls.full = curl(p, 'GET', '/v1/lookup/491710000011', KEYS['full'])
        # several at once, in input order, a duplicate looked up once, cache hits
        cls.many = curl(p, 'POST', '/v1/lookup', lk, json.dumps(
            {'to': ['+49 171 0000011', '0049-171-0000013', '+49 171 0000011', '491710000023']}))
        # -------------------------------------------------- SMS from the same gateway
        cls.esme = net.esme({'submits': [{'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1,
                                          'destination_addr': SMS_TO, 'dest_addr_ton': 1, 'dest_addr_npi': 1,
                                          'short_message': 'hello', 'registered_delivery': 1}],
                             'receipts': 1, 'timeout': 20000})
        # ------------------------------------------------------- refused input
        billed_before = cls.lookup_billing_count()
        cls.refusals = cls.bad_input()
        cls.billed_after_refusals = cls.lookup_billing_count()
        cls.billed_before_refusals = billed_before
        # ---------------------------------------------------------- rate and quota
        cls.limited = [curl(p, 'GET', '/v1/lookup/491712000%03d' % i, KEYS['limited']) for i in range(3)]
        time.sleep(1.2)
        cls.limited += [curl(p, 'GET', '/v1/lookup/491712000%03d' % i, KEYS['limited']) for i in range(3, 5)]
        time.sleep(1.2)
        cls.limited_quota = curl(p, 'POST', '/v1/lookup', KEYS['limited'],
                                 json.dumps({'to': ['491712000010', '491712000011']}))
        # ---------------------------------------------------------- a bulk job
        cls.receiver = http.server.ThreadingHTTPServer(('127.0.0.1', RECEIVER_PORT), Receiver)
        threading.Thread(target=cls.receiver.serve_forever, daemon=True).start()
        numbers = ['491712%06d' % i for i in range(30)] + ['491710000011', '491710000012']
        cls.job = curl(p, 'POST', '/v1/lookup/jobs', lk, json.dumps(
            {'to': numbers, 'notifyUrl': 'http://127.0.0.1:%d/results' % cls.receiver.server_port,
             'notifyBatchSize': 10, 'reference': 'test-job'}))
        job_id = cls.job[1]['id']
        deadline = time.time() + 60
        while time.time() < deadline:
            cls.job_status = curl(p, 'GET', '/v1/lookup/jobs/' + job_id, lk)
            n = cls.job_status[1].get('notify') or {}
            if cls.job_status[1]['state'] == 'done' and n.get('state') == 'done':
                break
            time.sleep(0.2)
        cls.job_results = curl(p, 'GET', '/v1/lookup/jobs/%s/results?offset=0&limit=100' % job_id, lk)
        cls.job_other = curl(p, 'GET', '/v1/lookup/jobs/' + job_id, KEYS['full'])
        # an account without a notify secret (unsigned posts), one with a secret the receiver
        # does not hold (its post refused: 401, to be retried)
        cls.plain_job = cls.run_job('plain', ['491712000201', '491712000202'], 'plain/results',
                                    lambda n: n.get('state') == 'done')
        cls.mis_job = cls.run_job('mis', ['491712000301'], 'mis/results', lambda n: n.get('failures', 0) >= 1)
        # a host name (here localhost) may resolve anywhere: the post goes to public addresses only
        cls.named_job = cls.run_job('named', ['491712000401'], 'named/results',
                                    lambda n: n.get('failures', 0) >= 1, host='localhost')
        cls.rotation = cls.rotate_notify_secret()
        cls.secret_vty = cls.notify_secret_vty()
        # ------------------------------------------------------------- Node.js
        out = subprocess.run(['node', '-e', NODE_CLIENT, str(p), KEYS['full']], capture_output=True, text=True,
                             timeout=60)
        cls.node = [json.loads(line) for line in out.stdout.splitlines()]
        cls.node_err = out.stderr
        # ------------------------------------------------------------- the log
        cls.log = curl(p, 'GET', '/v1/lookup/log?from=2000-01-01&limit=1000', lk)
        time.sleep(0.2)     # the log's rows of the last answers are committed
        cls.log_rows = sqlite3.connect(net.db).execute("SELECT count(*) FROM lookups WHERE account = 'lk'").fetchone()[0]
        cls.log_page = curl(p, 'GET', '/v1/lookup/log?limit=5', lk)
        cls.log_next = curl(p, 'GET', '/v1/lookup/log?limit=5&after=' + cls.log_page[1]['next'], lk)
        cls.metrics = subprocess.run(['curl', '-sS', 'http://127.0.0.1:%d/metrics' % p], capture_output=True,
                                     text=True).stdout
        cls.show = net.gw('show lookup')
        cls.audit_sms_number = net.audit('491710000011')
        cls.audit_cache_only = net.audit('491710000023')
        # an account without a cache fills none (its answers would evict the entries of those with one)
        before = cls.cache_entries()
        cls.uncached = curl(p, 'GET', '/v1/lookup/491710000025', KEYS['plain'])
        cls.cache_growth = (before, cls.cache_entries())
        # a version fallback: the HLR refuses v3 and the lookup goes again in v2, two Begins
        netsim_sms_gateway_max_version(net, 2)
        net.gw('map reset-learned')
        cls.fallback = curl(p, 'GET', '/v1/lookup/491710000026', KEYS['plain'])
        # an HLR of MAP v1 only: v3 refused with v1 proposed, the v1 Begin has no dialogue portion
        netsim_sms_gateway_max_version(net, 1)
        net.gw('map reset-learned')
        cls.fallback_v1 = curl(p, 'GET', '/v1/lookup/491710000027', KEYS['plain'])
        netsim_sms_gateway_max_version(net, 3)
        net.gw('map reset-learned')
        cls.audit_fallback = net.audit('491710000026')
        # -------------------------------------------- the link goes down: nothing is sent
        net.stop_capture()
        cls.billed_before_down = cls.lookup_billing_count()
        stp, logf = net.procs.pop('osmo-stp')
        stp.terminate()
        stp.wait(timeout=10)
        logf.close()
        deadline = time.time() + 20
        while time.time() < deadline and '"ok": false' not in json.dumps(
                curl(p, 'GET', '/health')[1]):
            time.sleep(0.2)
        cls.down = curl(p, 'GET', '/v1/lookup/491710000011', KEYS['full'])
        cls.down_cached = curl(p, 'GET', '/v1/lookup/491710000011', lk)
        cls.billed_after_down = cls.lookup_billing_count()
        cls.receiver.shutdown()


    @classmethod
    def cache_entries(cls):
        return int(re.search(r'cache (\d+) entries', cls.net.gw('show lookup')).group(1))

    @classmethod
    def run_job(cls, account, numbers, path, notified, host='127.0.0.1'):
        return run_job(cls.port, account, numbers, 'http://%s:%d/%s' % (host, RECEIVER_PORT, path), notified)

    @classmethod
    def rotate_notify_secret(cls):
        """rot's secret rotated (`lookup notify-secret rotate`, ROT_OLD -> ROT_NEW): a job
        posting to receivers holding the old, the new and another secret; the rotation ended
        (`no lookup notify-secret-previous`): the old and the new again. The VTY on the way."""
        net, r = cls.net, {}

        def account_cmd(*lines):
            net.gw('configure terminal')
            net.gw('account rot')
            out = [net.gw(line) for line in lines]
            net.gw('end')
            return out

        def jobs(phase, whos, seq):
            return {who: cls.run_job('rot', ['4917120006%d%d' % (seq, i)], 'rot/%s-%s/results' % (phase, who),
                                     (lambda n: n.get('failures', 0) >= 1) if fail else
                                     (lambda n: n.get('state') == 'done'))
                    for i, (who, fail) in enumerate(whos)}

        r['rotate'] = account_cmd('lookup notify-secret rotate ' + ROT_NEW)
        r['running'] = net.gw('show running-config')
        r['accounts'] = net.gw('show accounts')
        r['file'] = os.path.join(net.tmp, 'rotating.cfg')
        r['write'] = net.gw('write file ' + r['file'])
        r['during'] = jobs('during', [('old', False), ('new', False), ('wrong', True)], 1)
        r['end'] = account_cmd('no lookup notify-secret-previous')
        r['accounts_after'] = net.gw('show accounts')
        r['after'] = jobs('after', [('old', True), ('new', False)], 2)
        # refused: the current one as the previous one, a short one, again the same
        r['refused'] = account_cmd('lookup notify-secret-previous ' + ROT_NEW,
                                   'lookup notify-secret-previous short-secret',
                                   'lookup notify-secret rotate ' + ROT_NEW)
        # the previous one set by hand (as the configuration file has it), then ended again
        r['by_hand'] = account_cmd('lookup notify-secret-previous ' + ROT_OLD)
        r['accounts_by_hand'] = net.gw('show accounts')
        account_cmd('no lookup notify-secret-previous')
        r['log'] = net.log('sigwayd')
        return r

    @classmethod
    def notify_secret_vty(cls):
        """Where the secret shows and where not: show commands, the file `write file` writes,
        a secret refused by its limits"""
        net = cls.net
        r = {'running': net.gw('show running-config'), 'accounts': net.gw('show accounts')}
        r['file'] = os.path.join(net.tmp, 'written.cfg')
        r['write'] = net.gw('write file ' + r['file'])
        r['refused'] = []
        for bad in ('short-secret', 'x' * 129):
            net.gw('configure terminal')
            net.gw('account plain')
            r['refused'].append(net.gw('lookup notify-secret ' + bad))
            net.gw('end')
        r['accounts_after'] = net.gw('show accounts')
        return r

    @classmethod
    def bad_input(cls):
        p, lk = cls.port, KEYS['lk']
        r = {}
        r['letters'] = curl(p, 'GET', '/v1/lookup/hello', lk)
        r['short'] = curl(p, 'GET', '/v1/lookup/%2B49171', lk)
        r['bad_escape'] = curl(p, 'GET', '/v1/lookup/%ZZ', lk)
        r['numbers'] = curl(p, 'POST', '/v1/lookup', lk, json.dumps({'to': ['491710000011', 'x1', '+', '0171 1']}))
        r['not_json'] = curl(p, 'POST', '/v1/lookup', lk, '{"to": [')
        r['not_object'] = curl(p, 'POST', '/v1/lookup', lk, '["491710000011"]')
        r['empty_body'] = curl(p, 'POST', '/v1/lookup', lk, '')
        r['empty_list'] = curl(p, 'POST', '/v1/lookup', lk, '{"to": []}')
        r['unknown_field'] = curl(p, 'POST', '/v1/lookup', lk, '{"to": ["491710000011"], "callback": "x"}')
        r['not_utf8'] = curl(p, 'POST', '/v1/lookup', lk, b'{"to": ["49171\xff\xfe0000011"]}')
        r['too_many'] = curl(p, 'POST', '/v1/lookup', lk, json.dumps({'to': ['4917100000%02d' % i for i in range(21)]}))
        r['huge'] = curl(p, 'POST', '/v1/lookup', lk, json.dumps({'to': ['491710000011'] * 20, 'pad': 'x' * 100000}))
        r['job_huge'] = curl(p, 'POST', '/v1/lookup/jobs', lk, '491710000011\n' * 6000, 'text/plain')
        r['job_bad_line'] = curl(p, 'POST', '/v1/lookup/jobs', lk, '491710000011\nbad number\n', 'text/plain')
        r['job_empty'] = curl(p, 'POST', '/v1/lookup/jobs', lk, '\n\n', 'text/plain')
        r['job_bad_url'] = curl(p, 'POST', '/v1/lookup/jobs', lk, json.dumps(
            {'to': ['491710000011'], 'notifyUrl': 'file:///etc/passwd'}))
        # results posted only where the account allows (no server-side requests elsewhere)
        r['job_url_not_allowed'] = curl(p, 'POST', '/v1/lookup/jobs', lk, json.dumps(
            {'to': ['491710000011'], 'notifyUrl': 'http://169.254.169.254/latest/meta-data/'}))
        r['job_url_other_port'] = curl(p, 'POST', '/v1/lookup/jobs', lk, json.dumps(
            {'to': ['491710000011'], 'notifyUrl': 'http://127.0.0.1:%d/results' % (RECEIVER_PORT ^ 1)}))
        r['job_url_no_prefixes'] = curl(p, 'POST', '/v1/lookup/jobs', KEYS['full'], json.dumps(
            {'to': ['491710000011'], 'notifyUrl': 'http://127.0.0.1:%d/results' % RECEIVER_PORT}))
        r['no_key'] = curl(p, 'GET', '/v1/lookup/491710000011')
        r['wrong_key'] = curl(p, 'GET', '/v1/lookup/491710000011', 'lkkey001-0123456789abcdef-wrong!')
        r['junk_key'] = curl(p, 'GET', '/v1/lookup/491710000011', 'x')
        r['bearer'] = curl(p, 'GET', '/v1/lookup/491710000011', headers=['Authorization: Bearer ' + 'nokey001' * 4])
        r['denied'] = curl(p, 'GET', '/v1/lookup/491710000011', KEYS['denied'])
        r['no_job'] = curl(p, 'GET', '/v1/lookup/jobs/0123456789abcdef', lk)
        r['bad_log_time'] = curl(p, 'GET', '/v1/lookup/log?from=yesterday', lk)
        return r

    @classmethod
    def lookup_billing_count(cls):
        return len([b for b in cls.net.billing() if b['kind'] == 'lookup'])

    @classmethod
    def setUpClass(cls):
        cls.http_port = sn.free_port()
        cls.network_args = {'sigwayd_extra': 'http\n local-port %d\n' % cls.http_port + SIGWAYD_EXTRA,
                            'netsim_extra': SUBSCRIBERS}
        super().setUpClass()

    # ------------------------------------------------------------- answers
    def result(self, n):
        status, doc, _ = self.one[n]
        self.assertEqual(status, 200, doc)
        return doc

    def test_attached(self):
        r = self.result('491710000011')
        self.assertEqual((r['status'], r['permanent'], r['error']), ('CONNECTED', False, None))
        self.assertEqual(r['mccMnc'], '26201')
        self.assertEqual(r['imsi'], '26201xxxxxxxxxx')      # masked: MCC+MNC kept
        self.assertEqual(r['servingMsc'], sn.MSC_GT)
        self.assertEqual(r['hlrGt'], sn.HLR_GT)
        self.assertEqual(r['originalNetwork']['name'], 'T-Mobile')
        self.assertEqual(r['originalNetwork']['country']['iso'], 'DE')
        self.assertEqual((r['ported'], r['roaming']), (False, False))
        self.assertEqual((r['source'], r['billed'], r['operator']), ('network', True, 'netsim'))
        full = self.full[1]
        self.assertEqual(full['imsi'], '262011000000011')

    def test_absent_with_diagnostic(self):
        r = self.result('491710000012')
        self.assertEqual((r['status'], r['permanent']), ('ABSENT', False))
        self.assertEqual(r['error']['code'], 6)
        self.assertEqual(r['error']['name'], 'absentSubscriberSM')
        self.assertEqual(r['error']['diagnostic'], {'code': 1, 'name': 'imsiDetached'})
        self.assertIsNone(r['ported'])
        r = self.result('491710000018')
        self.assertEqual(r['error']['diagnostic'], {'code': 0, 'name': 'noPagingResponseViaMsc'})

    def test_ported(self):
        r = self.result('491710000013')
        self.assertEqual((r['status'], r['ported'], r['mccMnc']), ('CONNECTED', True, '26202'))
        self.assertEqual(r['portedNetwork']['name'], 'Vodafone')
        self.assertEqual(r['originalNetwork']['name'], 'T-Mobile')
        # on a Vodafone MSC (49172): at home in its new network
        self.assertEqual((r['servingMsc'], r['roaming']), ('491720000009', False))

    def test_roaming(self):
        r = self.result('491710000014')
        self.assertEqual((r['roaming'], r['servingMsc']), (True, '33612345678'))
        self.assertEqual(r['roamingNetwork']['country']['iso'], 'FR')
        self.assertEqual((r['roamingNetwork']['name'], r['roamingNetwork']['national']), ('SFR', False))
        self.assertFalse(r['ported'])

    def test_national_roaming(self):
        # T-Mobile's subscriber on an MSC whose GT is in O2's range (49176)
        r = self.result('491710000024')
        self.assertEqual((r['roaming'], r['servingMsc'], r['ported']), (True, '491760000009', False))
        n = r['roamingNetwork']
        self.assertEqual((n['name'], n['mccMnc'], n['country']['iso'], n['national']), ('O2', '26207', 'DE', True))

    def test_home_routing_is_unknown_not_guessed(self):
        r = self.result('491710000016')
        self.assertEqual(r['homeRouting'], {'by': 'router-gt', 'node': '491719900001'})
        self.assertEqual(r['status'], 'UNDETERMINED')
        self.assertEqual((r['ported'], r['roaming'], r['imsi'], r['mccMnc']), (None, None, None, None))
        self.assertTrue(r['billed'])

    def test_errors(self):
        for n, status, perm, name in (('491710000017', 'NOT_PROVISIONED', True, 'teleserviceNotProvisioned'),
                                      ('491710000019', 'BARRED', False, 'callBarred'),
                                      ('491710000021', 'UNDETERMINED', False, 'systemFailure'),
                                      ('491710000022', 'INVALID', False, 'unidentifiedSubscriber'),
                                      ('491710000099', 'INVALID', True, 'unknownSubscriber')):
            with self.subTest(n):
                r = self.result(n)
                self.assertEqual((r['status'], r['permanent'], r['error']['name']), (status, perm, name))
                self.assertTrue(r['billed'])

    def test_no_answer_and_slow_answer(self):
        r = self.result('491710000015')
        self.assertEqual((r['status'], r['error']['name']), ('UNDETERMINED', 'noResponse'))
        self.assertGreaterEqual(r['durationMs'], 2900)
        self.assertTrue(r['billed'])             # the SRI-for-SM was sent
        r = self.result('491710000020')
        self.assertEqual(r['status'], 'CONNECTED')
        self.assertGreaterEqual(r['durationMs'], 1400)

    def test_not_sent_is_not_billed(self):
        # no GT translation to the operator's HLR: the Begin never leaves
        r = self.result('33600000123')
        self.assertEqual((r['error']['name'], r['source'], r['billed']), ('notSent', 'none', False))
        # no operator routes the number
        r = self.result('447700900123')
        self.assertEqual((r['error']['name'], r['source'], r['billed']), ('noRoute', 'none', False))
        # the link down: 503, nothing billed, the cache still answers
        status, doc, headers = self.down
        self.assertEqual(status, 503, doc)
        self.assertIn('SS7 link is down', doc['error']['message'])
        self.assertRegex(headers, r'(?i)retry-after: \d+')
        self.assertEqual(self.down_cached[0], 200)
        self.assertEqual(self.down_cached[1]['source'], 'cache')
        self.assertEqual(self.billed_after_down, self.billed_before_down)

    def test_account_without_cache_fills_none(self):
        self.assertEqual((self.uncached[0], self.uncached[1]['source']), (200, 'network'), self.uncached)
        self.assertEqual(self.cache_growth[1], self.cache_growth[0], self.cache_growth)
        self.assertGreater(self.cache_growth[0], 0)     # lk's answers are there

    def test_many_in_order_with_cache(self):
        status, doc, _ = self.many
        self.assertEqual(status, 200, doc)
        res = doc['results']
        self.assertEqual([r['input'] for r in res], ['+49 171 0000011', '0049-171-0000013', '+49 171 0000011',
                                                     '491710000023'])
        self.assertEqual([r['to'] for r in res], ['491710000011', '491710000013', '491710000011', '491710000023'])
        # looked up before by this account: from its cache, with the age, not billed
        self.assertEqual((res[0]['source'], res[0]['billed']), ('cache', False))
        self.assertIn('cacheAgeSeconds', res[0])
        self.assertEqual(res[0]['id'], res[2]['id'])   # the same number once
        self.assertEqual((res[3]['source'], res[3]['billed']), ('network', True))
        self.assertEqual(res[3]['error']['name'], 'unknownSubscriber')

    # ---------------------------------------------------------- refusals
    def test_bad_input_refused_clearly_and_not_billed(self):
        r = self.refusals
        expect = {'letters': 400, 'short': 400, 'bad_escape': 400, 'numbers': 400, 'not_json': 400,
                  'not_object': 400, 'empty_body': 400, 'empty_list': 400, 'unknown_field': 400, 'not_utf8': 400,
                  'too_many': 413, 'huge': 413, 'job_huge': 413, 'job_bad_line': 400, 'job_empty': 400,
                  'job_bad_url': 400, 'job_url_not_allowed': 403, 'job_url_other_port': 403,
                  'job_url_no_prefixes': 403, 'no_key': 401, 'wrong_key': 401, 'junk_key': 401, 'bearer': 401,
                  'denied': 403, 'no_job': 404, 'bad_log_time': 400}
        for name, status in expect.items():
            with self.subTest(name):
                got, doc, _ = r[name]
                self.assertEqual(got, status, doc)
                if name != 'bad_escape':
                    self.assertEqual(doc['error']['status'], status)
                    self.assertTrue(doc['error']['message'])
        self.assertEqual(r['letters'][1]['error']['input'], 'hello')
        self.assertIn('letters', r['letters'][1]['error']['reason'])
        bad = r['numbers'][1]['error']
        self.assertEqual([b['input'] for b in bad['invalid']], ['x1', '+', '0171 1'])
        self.assertEqual([b['index'] for b in bad['invalid']], [1, 2, 3])
        self.assertEqual(bad['invalidCount'], 3)
        self.assertIn('nothing was looked up', bad['message'])
        self.assertIn('invalid JSON', r['not_utf8'][1]['error']['message'])
        self.assertEqual(r['job_bad_line'][1]['error']['invalid'][0]['input'], 'bad number')
        self.assertRegex(r['no_key'][2], r'(?i)www-authenticate: bearer')
        self.assertEqual(self.billed_after_refusals, self.billed_before_refusals)

    def test_rate_and_quota(self):
        statuses = [s for s, _, _ in self.limited]
        # 2 per second: the third at once is refused with Retry-After
        self.assertEqual(statuses[:3], [200, 200, 429])
        self.assertRegex(self.limited[2][2], r'(?i)retry-after: 1')
        # the quota of 4 a day: 2 + 2 used, 2 more refused until midnight (UTC)
        self.assertEqual(statuses[3:], [200, 200])
        status, doc, headers = self.limited_quota
        self.assertEqual(status, 429, doc)
        self.assertIn('daily quota', doc['error']['message'])
        ra = int(re.search(r'(?i)retry-after: (\d+)', headers).group(1))
        self.assertTrue(0 < ra <= 86401)

    # ---------------------------------------------------------- the job
    def test_job_with_callbacks(self):
        status, doc, headers = self.job
        self.assertEqual(status, 202, doc)
        self.assertRegex(headers, r'(?i)location: /v1/lookup/jobs/[0-9a-f]{16}')
        st = self.job_status[1]
        self.assertEqual((st['state'], st['total'], st['done'], st['reference']), ('done', 32, 32, 'test-job'))
        # two were in the account's cache already; 30 were sent
        self.assertEqual((st['cacheHits'], st['billed']), (2, 30))
        self.assertEqual(st['notify']['state'], 'done')
        self.assertEqual(st['notify']['delivered'], 32)
        # the first post failed and was retried; every result arrived once
        self.assertEqual(Receiver.failed, 1)
        got = [r for post in Receiver.posts for r in post['results']]
        self.assertEqual(len(got), 32)
        self.assertEqual(sorted(r['seq'] for r in got), list(range(32)))
        self.assertTrue(all(len(post['results']) <= 10 for post in Receiver.posts))
        self.assertTrue(Receiver.posts[-1]['final'])
        self.assertEqual({post['jobId'] for post in Receiver.posts}, {st['id']})
        self.assertTrue(all(r['imsi'] is None or 'x' in r['imsi'] for r in got))
        res = self.job_results[1]['results']
        self.assertEqual([r['seq'] for r in res], list(range(32)))
        self.assertEqual(res[30]['input'], '491710000011')
        self.assertEqual(res[30]['source'], 'cache')
        # another account does not see the job
        self.assertEqual(self.job_other[0], 404)

    def test_job_posts_signed(self):
        lk = [(sig, body, at) for path, sig, body, at in Receiver.seen if path == '/results']
        # every post, the one that failed and its retry too, signed with lk's secret over the
        # bytes received; none refused
        self.assertGreaterEqual(len(lk), 5)
        self.assertEqual(Receiver.refused.count('/results'), 0)
        for sig, body, at in lk:
            self.assertRegex(sig, r'^t=\d+,v1=[0-9a-f]{64}$')
            self.assertTrue(signature_ok(NOTIFY_SECRET, sig, body), (sig, body))
            self.assertLessEqual(abs(int(sig[2:sig.index(',')]) - at), 2)
            # what makes the check fail: another secret, a body changed by one byte, another time
            self.assertFalse(signature_ok(MIS_SECRET, sig, body))
            self.assertFalse(signature_ok(NOTIFY_SECRET, sig, body.replace(b'"final":', b'"final": ')))
            self.assertFalse(signature_ok(NOTIFY_SECRET, sig, body[:-1] + b' '))
            t = int(sig[2:sig.index(',')])
            self.assertFalse(signature_ok(NOTIFY_SECRET, 't=%d%s' % (t + 1, sig[sig.index(','):]), body,
                                          now=t))
            # a replay later than the tolerance
            self.assertFalse(signature_ok(NOTIFY_SECRET, sig, body, now=t + SIGNATURE_TOLERANCE_S + 1))
        # the retry of the failed post was signed again, at its own time (1 s of back-off later)
        t0, t1 = (int(sig[2:sig.index(',')]) for sig, _, _ in lk[:2])
        self.assertGreaterEqual(t1, t0 + 1)
        self.assertNotEqual(lk[0][0], lk[1][0])

    def test_job_posts_unsigned_without_secret(self):
        st = self.plain_job[1]
        self.assertEqual((st['state'], st['notify']['state'], st['notify']['delivered']), ('done', 'done', 2))
        plain = [(sig, json.loads(body)) for path, sig, body, _ in Receiver.seen if path == '/plain/results']
        self.assertTrue(plain)
        self.assertEqual([sig for sig, _ in plain], [None] * len(plain))
        self.assertEqual(sorted(r['to'] for _, post in plain for r in post['results']),
                         ['491712000201', '491712000202'])

    def test_job_posts_to_a_host_name_only_public(self):
        st = self.named_job[1]
        self.assertEqual(st['state'], 'done')
        self.assertGreaterEqual(st['notify']['failures'], 1)
        self.assertEqual(st['notify']['delivered'], 0)
        self.assertRegex(st['notify']['lastError'], r'not a public address')
        self.assertRegex(st['notify']['lastError'], r'127\.0\.0\.1|::1')
        self.assertEqual([s for s in Receiver.seen if s[0].startswith('/named')], [])

    def test_job_posts_wrong_secret_refused(self):
        st = self.mis_job[1]
        mis = [(sig, body) for path, sig, body, _ in Receiver.seen if path == '/mis/results']
        self.assertTrue(mis)
        self.assertEqual(Receiver.refused.count('/mis/results'), len(mis))
        for sig, body in mis:
            self.assertRegex(sig, r'^t=\d+,v1=[0-9a-f]{64}$')
            self.assertTrue(signature_ok(MIS_SECRET, sig, body))     # signed, with mis's own secret
        self.assertGreaterEqual(st['notify']['failures'], 1)
        self.assertEqual(st['notify']['delivered'], 0)
        self.assertEqual(st['notify']['lastError'], 'HTTP 401')

    def test_notify_secret_never_shown(self):
        v = self.secret_vty
        for text in (v['running'], v['accounts'], v['accounts_after'], self.show, self.net.log('sigwayd')):
            self.assertNotIn(NOTIFY_SECRET, text)
            self.assertNotIn(MIS_SECRET, text)
        self.assertIn("! lookup notify-secret is set (not shown; 'write file' writes it)", v['running'])
        self.assertRegex(v['accounts'], r'account lk: .*notify signed')
        self.assertRegex(v['accounts'], r'account plain: .*notify unsigned')
        # `write file` writes it back, and the file is read again into the same secret
        with open(v['file']) as f:
            written = f.read()
        self.assertIn('\n  lookup notify-secret %s\n' % NOTIFY_SECRET, written)
        self.assertIn('\n  lookup notify-secret %s\n' % MIS_SECRET, written)
        self.assertIn('\n  lookup notify-secret %s\n' % ROT_NEW, written)      # rot's, its rotation ended
        self.assertEqual(written.count('notify-secret'), 3)
        # refused by its limits, without the secret echoed; plain stays unsigned
        for out, bad in zip(v['refused'], ('short-secret', 'x' * 129)):
            self.assertIn('% a notify secret is 16 to 128 printable ASCII characters', out)
            self.assertNotIn(bad, out)
        self.assertRegex(v['accounts_after'], r'account plain: .*notify unsigned')

    # ------------------------------------------------- the notify secret rotated
    def rot_posts(self, path):
        return [(sig, body) for p, sig, body, _ in Receiver.seen if p == '/rot/%s/results' % path]

    def test_rotation_both_secrets_verify(self):
        """During the rotation every post carries two v1: the new secret's, then the old one's;
        a receiver holding either takes it, one holding another secret refuses it"""
        during = self.rotation['during']
        for who in ('old', 'new'):
            st = during[who][1]
            self.assertEqual((st['state'], st['notify']['state'], st['notify']['delivered']), ('done', 'done', 1),
                             (who, st))
            posts = self.rot_posts('during-' + who)
            self.assertTrue(posts)
            self.assertNotIn('/rot/during-%s/results' % who, Receiver.refused)
            for sig, body in posts:
                m = re.fullmatch(r't=(\d+),v1=([0-9a-f]{64}),v1=([0-9a-f]{64})', sig)
                self.assertIsNotNone(m, sig)
                t, new, old = m.groups()
                # each v1 alone: the first is the new secret's only, the second the old one's only
                self.assertTrue(signature_ok(ROT_NEW, 't=%s,v1=%s' % (t, new), body))
                self.assertFalse(signature_ok(ROT_OLD, 't=%s,v1=%s' % (t, new), body))
                self.assertTrue(signature_ok(ROT_OLD, 't=%s,v1=%s' % (t, old), body))
                self.assertFalse(signature_ok(ROT_NEW, 't=%s,v1=%s' % (t, old), body))
                # neither is another secret's, nor of a changed body
                self.assertFalse(signature_ok(MIS_SECRET, sig, body))
                self.assertFalse(signature_ok(ROT_OLD, sig, body[:-1] + b' '))
        st = during['wrong'][1]
        self.assertEqual((st['notify']['delivered'], st['notify']['lastError']), (0, 'HTTP 401'))
        wrong = self.rot_posts('during-wrong')
        self.assertTrue(wrong)
        self.assertEqual(Receiver.refused.count('/rot/during-wrong/results'), len(wrong))

    def test_rotation_ended(self):
        """After `no lookup notify-secret-previous`: one v1, the new secret's; the receiver
        still holding the old one refuses (401), the one holding the new one takes it"""
        after = self.rotation['after']
        st = after['new'][1]
        self.assertEqual((st['notify']['state'], st['notify']['delivered']), ('done', 1))
        st = after['old'][1]
        self.assertEqual((st['notify']['delivered'], st['notify']['lastError']), (0, 'HTTP 401'))
        old = self.rot_posts('after-old')
        self.assertTrue(old)
        self.assertEqual(Receiver.refused.count('/rot/after-old/results'), len(old))
        for sig, body in old + self.rot_posts('after-new'):
            self.assertRegex(sig, r'^t=\d+,v1=[0-9a-f]{64}$')
            self.assertTrue(signature_ok(ROT_NEW, sig, body))
            self.assertFalse(signature_ok(ROT_OLD, sig, body))

    def test_rotation_vty(self):
        r = self.rotation
        self.assertEqual(r['rotate'], [''] * len(r['rotate']))
        self.assertEqual(r['end'], [''])
        self.assertEqual(r['by_hand'], [''])
        for text in (r['running'], r['accounts'], r['accounts_after'], r['accounts_by_hand'], r['log'],
                     self.secret_vty['running'], self.show) + tuple(r['refused']):
            self.assertNotIn(ROT_OLD, text)
            self.assertNotIn(ROT_NEW, text)
        self.assertIn("! lookup notify-secret-previous is set (not shown; 'write file' writes it)", r['running'])
        self.assertNotIn('notify-secret-previous', self.secret_vty['running'])
        self.assertRegex(r['accounts'], r'account rot: .*notify signed \(rotating: current and previous secret\)')
        self.assertRegex(r['accounts_by_hand'], r'account rot: .*notify signed \(rotating')
        self.assertRegex(r['accounts_after'], r'account rot: .*notify signed\s*$|account rot: .*notify signed\r?\n')
        self.assertNotRegex(r['accounts_after'], r'account rot: .*rotating')
        # `write file` writes both, the current one first (read back in that order)
        with open(r['file']) as f:
            written = f.read()
        self.assertIn('\n  lookup notify-secret %s\n  lookup notify-secret-previous %s\n' % (ROT_NEW, ROT_OLD),
                      written)
        same, short, again = r['refused']
        self.assertIn('% the current and the previous notify secret must differ', same)
        self.assertIn('% a notify secret is 16 to 128 printable ASCII characters', short)
        self.assertIn('% the current and the previous notify secret must differ', again)

    def test_node_client(self):
        self.assertEqual(len(self.node), 6, self.node_err)
        one, many, job, status, results, sockets = (self.node[0], self.node[1], self.node[2], self.node[3],
                                                    self.node[4], self.node[5])
        self.assertEqual((one['status'], one['body']['input'], one['body']['imsi']), (200, '+491710000011',
                                                                                       '262011000000011'))
        self.assertEqual([r['to'] for r in many['body']['results']], ['491710000013', '491710000014'])
        self.assertEqual(job['status'], 202)
        self.assertEqual(status['body']['state'], 'done')
        self.assertEqual(len(results['body']['results']), 2)
        self.assertEqual(sockets, {'sockets': 1})

    def test_log_of_the_account(self):
        status, doc, _ = self.log
        self.assertEqual(status, 200)
        ids = [r['id'] for r in doc['lookups']]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertTrue(all(r['imsi'] is None or 'x' in r['imsi'] for r in doc['lookups']))
        self.assertEqual(len(ids), self.log_rows)
        page, nxt = self.log_page[1], self.log_next[1]
        self.assertEqual(len(page['lookups']), 5)
        self.assertEqual([r['id'] for r in page['lookups'] + nxt['lookups']], ids[:10])

    def test_metrics_and_show(self):
        for name in ('sigway_lookup_sri_sent', 'sigway_lookup_cache_hit', 'sigway_lookup_req_refused_input',
                     'sigway_lookup_sri_timeout', 'sigway_lookup_job_accepted', 'sigway_lookup_notify_sent',
                     'sigway_lookup_in_flight', 'sigway_lookup_queued'):
            self.assertRegex(self.metrics, r'\n%s\{[^}]*\} \d+' % name)
        self.assertRegex(self.metrics, r'\nsigway_lookup_cache_hit\{[^}]*\} [1-9]')
        self.assertIn('operator netsim', self.show)

    # ------------------------------------------------- the capture and the records
    def lookup_begins(self):
        return [m for m in self.msgs if m.get('tcap.begin_element') and m.get('gsm_old.localValue') == '45'
                and m.get('e164.msisdn') != SMS_TO]

    def test_every_lookup_from_the_gateways_gt(self):
        begins = self.lookup_begins()
        self.assertTrue(begins)
        sms = [m for m in self.msgs if m.get('tcap.begin_element') and m.get('gsm_old.localValue') == '45'
               and m.get('e164.msisdn') == SMS_TO]
        self.assertEqual(len(sms), 1)
        for m in begins + sms:
            self.assertEqual(m['sccp.calling.digits'], sn.GW_GT)
            self.assertEqual(m['sccp.called.digits'], sn.HLR_GT)
        self.assertFalse([m['frame'] for m in self.msgs if m['malformed']])

    def test_billing_equals_begins_exactly(self):
        billing = [b for b in self.net.billing() if b['kind'] == 'lookup']
        # the capture stopped before the link went down; nothing was billed after
        begins = self.lookup_begins()
        self.assertEqual(len(billing), len(begins))
        db = sqlite3.connect(self.net.db)
        # ... and they are the same dialogues: the audit's TCAP ids of the billed lookups
        otids = {r[0] for r in db.execute(
            "SELECT a.otid FROM audit a JOIN lookups l ON a.msg_id = 'lookup:' || l.ref WHERE l.billed = 1")}
        wire = {m['tcap.otid'].replace(':', '') for m in begins}
        self.assertEqual(otids, wire)
        # a lookup sent again after a version fallback has a record per Begin: ref, ref.2
        refs = {b['ref'].split('.')[0] for b in billing}
        logged = {r[0] for r in db.execute("SELECT ref FROM lookups WHERE billed = 1")}
        self.assertEqual(refs, logged)
        # cache hits, refusals, not sent: in the log, never billed
        free = db.execute("SELECT count(*) FROM lookups WHERE billed = 0 AND source = 'cache'").fetchone()[0]
        self.assertGreaterEqual(free, 3)
        self.assertEqual(db.execute("SELECT count(*) FROM lookups WHERE billed = 1 AND source != 'network'")
                         .fetchone()[0], 0)
        self.assertEqual(len([b for b in self.net.billing() if b['kind'] == 'sms_mt']), 1)

    def test_version_fallback_billed_per_begin(self):
        status, r, _ = self.fallback
        self.assertEqual(status, 200, self.fallback)
        self.assertEqual((r['status'], r['mapVersion'], r['billed']), ('CONNECTED', 2, True))
        refs = sorted(b['ref'] for b in self.net.billing() if b['kind'] == 'lookup' and b['ref'].startswith(r['id']))
        self.assertEqual(refs, [r['id'], r['id'] + '.2'])
        begins = [m for m in self.lookup_begins() if m.get('e164.msisdn') == '491710000026']
        self.assertEqual(len(begins), 2)
        self.assertEqual([m.get('tcap.application_context_name') for m in begins], ['0.4.0.0.1.0.20.3', '0.4.0.0.1.0.20.2'])
        # the audit: the refused dialogue, then the one that answered, both from the gateway's GT
        status, text = self.audit_fallback
        self.assertEqual(status, 0, text)
        rows = re.findall(r'sri-for-sm +calling-gt (\d+) .* otid (\w+) .*: (.*)', text)
        self.assertEqual(len(rows), 2, text)
        self.assertEqual([g for g, _, _ in rows], [sn.GW_GT] * 2)
        self.assertEqual({o for _, o, _ in rows}, {m['tcap.otid'].replace(':', '') for m in begins})
        self.assertIn('refused for its MAP version', rows[0][2])
        self.assertTrue(rows[1][2].startswith('ok imsi'), text)
        self.assertIn('verdict: the SRI-for-SM went out from %s' % sn.GW_GT, text)

    def test_version_fallback_to_v1(self):
        status, r, _ = self.fallback_v1
        self.assertEqual(status, 200, self.fallback_v1)
        self.assertEqual((r['status'], r['mapVersion'], r['billed'], r['servingMsc']),
                         ('CONNECTED', 1, True, '491710000002'))
        refs = sorted(b['ref'] for b in self.net.billing() if b['kind'] == 'lookup' and b['ref'].startswith(r['id']))
        self.assertEqual(refs, [r['id'], r['id'] + '.2'])
        begins = [m for m in self.lookup_begins() if m.get('e164.msisdn') == '491710000027']
        self.assertEqual([m.get('tcap.application_context_name') for m in begins], ['0.4.0.0.1.0.20.3', None])

    def test_audit_shows_lookups_beside_sms(self):
        status, text = self.audit_sms_number
        self.assertEqual(status, 0, text)
        self.assertRegex(text, r'lookup \S+ account lk of 491710000011 .* source network billed')
        self.assertIn('answered from the account\'s cache: no SRI-for-SM', text)
        self.assertIn('verdict: the SRI-for-SM went out from %s, the calling GT of the SMS core\'s dialogues'
                      % sn.GW_GT, text)
        self.assertRegex(text, r'\d+ messages, \d+ lookups, \d+ USSD sessions, 0 mismatches')


# The proxy of ProxyFromEnvironment: an address net_addr.c takes for public (just above
# 100.64.0.0/10), put on lo of the test's own network namespace only
PROXY_ADDR = '100.128.0.1'


class ProxyRecorder(socketserver.ThreadingTCPServer):
    """An HTTP proxy that forwards nothing: it keeps the request line of every connection
    (a proxied one names the whole URL) and answers 200"""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr):
        self.lines = []
        super().__init__(addr, ProxyHandler)


class ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(8192).decode(errors='replace').rstrip('\r\n')
        self.server.lines.append(line)
        length = 0
        while True:
            h = self.rfile.readline(8192)
            if h in (b'\r\n', b'\n', b''):
                break
            name, _, value = h.decode(errors='replace').partition(':')
            if name.strip().lower() == 'content-length':
                length = int(value)
        self.rfile.read(length)
        self.wfile.write(b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')


class ProxyFromEnvironment(sn.NetworkTestCase):
    """sigwayd started with http_proxy, https_proxy and ALL_PROXY naming a proxy at a public
    address (which it records): the post to a prefix by host name (localhost) goes direct and
    is refused (not a public address), none reaches the proxy; a prefix that writes an address
    (the operator's choice) is posted through it; the variables are named once in the log.
    Needs root in a network namespace of its own (unshare -n): the public address is put on
    its lo."""

    @classmethod
    def setUpClass(cls):
        with open('/proc/self/net/dev') as f:
            links = [line.split(':')[0].strip() for line in f.readlines()[2:]]
        if os.geteuid() != 0 or links != ['lo']:
            raise unittest.SkipTest('needs root in a network namespace of its own (unshare -n), not %s' % links)
        subprocess.run(['ip', 'addr', 'add', PROXY_ADDR + '/32', 'dev', 'lo'], check=True)
        cls.proxy = ProxyRecorder((PROXY_ADDR, 0))
        threading.Thread(target=cls.proxy.serve_forever, daemon=True).start()
        cls.proxy_url = 'http://%s:%d' % (PROXY_ADDR, cls.proxy.server_address[1])
        env = {name: cls.proxy_url for name in ('http_proxy', 'https_proxy', 'ALL_PROXY')}
        env.update({name: None for name in ('no_proxy', 'NO_PROXY', 'HTTPS_PROXY', 'all_proxy')})
        cls.http_port = sn.free_port()
        cls.receiver_port = sn.free_port()      # nobody listens: whatever is sent there fails
        extra = """account named
 api-key %(named)s
 lookup notify-url http://localhost:%(receiver)d/named/
account op
 api-key %(op)s
 lookup notify-url http://127.0.0.1:%(receiver)d/op/
""" % dict(KEYS, receiver=cls.receiver_port)
        cls.network_args = {'sigwayd_extra': 'http\n local-port %d\n' % cls.http_port + extra,
                            'netsim_extra': SUBSCRIBERS, 'sigwayd_env': env}
        super().setUpClass()

    @classmethod
    def run_all(cls):
        url = 'http://%s:%d/%s/results'
        cls.named = run_job(cls.http_port, 'named', ['491712000701'], url % ('localhost', cls.receiver_port, 'named'),
                            lambda n: n.get('failures', 0) >= 1)
        cls.op = run_job(cls.http_port, 'op', ['491712000702'], url % ('127.0.0.1', cls.receiver_port, 'op'),
                         lambda n: n.get('state') == 'done')
        cls.log = cls.net.log('sigwayd')

    @classmethod
    def tearDownClass(cls):
        cls.proxy.shutdown()
        cls.proxy.server_close()
        subprocess.run(['ip', 'addr', 'del', PROXY_ADDR + '/32', 'dev', 'lo'])
        super().tearDownClass()

    def test_host_name_prefix_not_through_proxy(self):
        st = self.named[1]
        self.assertEqual(st['state'], 'done')
        self.assertGreaterEqual(st['notify']['failures'], 1, st)
        self.assertEqual(st['notify']['delivered'], 0)
        self.assertRegex(st['notify']['lastError'], r'not a public address')
        self.assertRegex(st['notify']['lastError'], r'127\.0\.0\.1|::1')
        self.assertEqual([line for line in self.proxy.lines if '/named/' in line], [])

    def test_address_prefix_through_proxy(self):
        """the operator's address goes the environment's way: the proxy got it (and so could
        have got the other, had sigwayd sent it there)"""
        st = self.op[1]
        self.assertEqual((st['notify']['state'], st['notify']['delivered']), ('done', 1), st)
        self.assertEqual(self.proxy.lines, ['POST http://127.0.0.1:%d/op/results HTTP/1.1' % self.receiver_port])

    def test_proxy_variables_logged_once(self):
        said = re.findall(r'proxy set in the environment \(([^)]*)\)', self.log)
        self.assertEqual(said, ['http_proxy, https_proxy, ALL_PROXY'])
        self.assertNotIn(PROXY_ADDR, self.log)      # not the value: a proxy URL may carry a password


def main():
    global BUILD
    BUILD = sys.argv.pop(1)
    sn.NetworkTestCase.build = BUILD
    unittest.main(verbosity=2)


SILENT = ['49171000004%d' % i for i in range(3)]     # their HLR never answers


class InterruptedLookups(sn.NetworkTestCase):
    """Lookups whose SRI-for-SM went out when sigwayd died (kill -9) are billed
    when it starts again: one record each, as many as the capture's Begins;
    then the same after an orderly stop (SIGTERM) that gives up on them."""

    @classmethod
    def setUpClass(cls):
        cls.http_port = sn.free_port()
        silent = ''.join(' subscriber %s imsi 26201100000%s state attached\n subscriber %s sri-answer none\n'
                         % (n, n[-4:], n) for n in SILENT)
        # no MAP timeout while the test runs: the lookups stay in flight
        cls.network_args = {'sigwayd_extra': 'http\n local-port %d\n' % cls.http_port + SIGWAYD_EXTRA +
                            'map\n timer map X1 120\n',
                            'netsim_extra': SUBSCRIBERS + silent}
        super().setUpClass()

    @classmethod
    def in_flight(cls, n):
        deadline = time.time() + 20
        while time.time() < deadline:
            m = re.search(r'in flight (\d+)', cls.net.gw('show lookup'))
            if m and int(m.group(1)) >= n:
                return True
            time.sleep(0.2)
        return False

    @classmethod
    def start_lookups(cls, numbers):
        """each in a thread of its own: the answers never come"""
        for n in numbers:
            threading.Thread(target=curl, args=(cls.http_port, 'GET', '/v1/lookup/' + n, KEYS['full']),
                             daemon=True).start()

    @classmethod
    def learned_version(cls, v):
        deadline = time.time() + 20
        while time.time() < deadline:
            if re.search(r'operator netsim hlr-gt \d+ map-version %d' % v, cls.net.gw('show sms')):
                return True
            time.sleep(0.2)
        return False

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.plant_old_rows()
        # the first meets a version fallback (v3 refused, sent again in v2):
        # two Begins out when sigwayd dies, two records after
        netsim_sms_gateway_max_version(net, 2)
        cls.start_lookups(SILENT[:1])
        cls.fell_back = cls.learned_version(2)
        netsim_sms_gateway_max_version(net, 3)
        cls.start_lookups(SILENT[1:])
        cls.flying_before_kill = cls.in_flight(len(SILENT))
        cls.billing_before_kill = cls.lookup_billing(net)
        net.kill_sigwayd()
        net.restart_sigwayd()
        cls.billing_after_kill = cls.lookup_billing(net)
        cls.log_after_kill = net.log('sigwayd')
        # an orderly stop with one in flight: sigwayd waits, then gives up on it
        cls.start_lookups(SILENT[:1])
        cls.flying_before_stop = cls.in_flight(1)
        cls.stop_status = net.kill_sigwayd(signal.SIGTERM)
        net.restart_sigwayd()
        cls.billing_after_stop = cls.lookup_billing(net)
        cls.old_rows = cls.old_rows_after_purges()

    # --------------------------------------------------- retention of the audit
    OLD_NUMBER = '491710000049'

    @classmethod
    def plant_old_rows(cls):
        """What earlier days left: a lookup 8 days old (past the SMS core's
        retention of 7 days, within the lookups' 90), one 100 days old, and a
        message 8 days old, each with its audit row"""
        day = 86400 * 1000
        now = int(time.time() * 1000)
        cls.old_msg_id = None
        with sqlite3.connect(cls.net.db, timeout=10) as db:
            for ref, age in (('lkold-8d', 8), ('lkold-100d', 100)):
                t = now - age * day
                db.execute("INSERT INTO lookups (ref, account, msisdn, request_ms, done_ms, source, billed, status,"
                           " operator, result) VALUES (?, 'full', ?, ?, ?, 'network', 1, 'CONNECTED', 'netsim', '{}')",
                           (ref, cls.OLD_NUMBER, t, t))
                cls.plant_audit_row(db, 'lookup:' + ref, t)
            t = now - 8 * day
            cur = db.execute("INSERT INTO messages (account, dst, submit_ms, expiry_ms, next_ms, state, done_ms)"
                             " VALUES ('old', ?, ?, ?, ?, 2, ?)", (cls.OLD_NUMBER, t, t, t, t))
            cls.old_msg_id = str(cur.lastrowid)
            cls.plant_audit_row(db, cls.old_msg_id, t)

    @classmethod
    def plant_audit_row(cls, db, msg_id, t):
        db.execute("INSERT INTO audit (msg_id, msisdn, step, calling_gt, called_gt, otid, dtid, start_ms, end_ms,"
                   " outcome) VALUES (?, ?, 'sri-for-sm', ?, ?, '0000002a', '', ?, ?, 'ok')",
                   (msg_id, cls.OLD_NUMBER, sn.GW_GT, sn.HLR_GT, t, t))

    @classmethod
    def old_rows_after_purges(cls):
        """once the SMS core's purge took the old message: what is left of each"""
        def count(db, sql, arg):
            return db.execute(sql, (arg,)).fetchone()[0]
        deadline = time.time() + 30
        while True:
            with sqlite3.connect(cls.net.db, timeout=10) as db:
                left = {'message': count(db, 'SELECT count(*) FROM messages WHERE id = ?', cls.old_msg_id),
                        'message audit': count(db, 'SELECT count(*) FROM audit WHERE msg_id = ?', cls.old_msg_id)}
                for ref in ('lkold-8d', 'lkold-100d'):
                    left[ref] = count(db, 'SELECT count(*) FROM lookups WHERE ref = ?', ref)
                    left[ref + ' audit'] = count(db, 'SELECT count(*) FROM audit WHERE msg_id = ?', 'lookup:' + ref)
            if not left['message'] or time.time() > deadline:
                return left
            time.sleep(1)

    def test_audit_rows_go_with_what_they_prove(self):
        # the SMS core's purge takes its message with its audit row, not a
        # lookup's (whose log row stays 90 days); the lookups' purge, which
        # also runs at start, takes the old lookup with its audit row
        self.assertEqual(self.old_rows, {'message': 0, 'message audit': 0, 'lkold-8d': 1, 'lkold-8d audit': 1,
                                         'lkold-100d': 0, 'lkold-100d audit': 0})
        status, text = self.net.audit(self.OLD_NUMBER)
        self.assertEqual(status, 0, text)
        self.assertRegex(text, r'lookup lkold-8d .*\n +sri-for-sm +calling-gt %s ' % sn.GW_GT)

    @staticmethod
    def lookup_billing(net):
        return [b for b in net.billing() if b['kind'] == 'lookup']

    def test_billed_after_kill(self):
        self.assertTrue(self.fell_back)
        self.assertTrue(self.flying_before_kill)
        self.assertEqual(self.billing_before_kill, [])
        # a record per Begin: the fallback's second one is "<id>.2"
        self.assertEqual(len(self.billing_after_kill), len(SILENT) + 1)
        refs = {b['ref'] for b in self.billing_after_kill}
        self.assertEqual(len(refs), len(SILENT) + 1)
        again = [r for r in refs if r.endswith('.2')]
        self.assertEqual(len(again), 1)
        self.assertIn(again[0][:-2], refs)
        self.assertEqual({b['account'] for b in self.billing_after_kill}, {'full'})
        self.assertEqual({b['operator'] for b in self.billing_after_kill}, {'netsim'})
        self.assertIn('%d lookups were in flight when the last run ended' % len(SILENT), self.log_after_kill)

    def test_billed_after_orderly_stop(self):
        self.assertTrue(self.flying_before_stop)
        self.assertEqual(self.stop_status, 0)
        self.assertEqual(len(self.billing_after_stop), len(SILENT) + 2)
        self.assertEqual(len({b['ref'] for b in self.billing_after_stop}), len(SILENT) + 2)

    def test_billing_equals_begins(self):
        begins = [m for m in self.msgs if m.get('tcap.begin_element') and m.get('gsm_old.localValue') == '45']
        acns = [m.get('tcap.application_context_name') for m in begins]
        # v3: the refused one and the one after the restart (the learned v2 is forgotten); v2: the rest
        self.assertEqual(acns.count('0.4.0.0.1.0.20.3'), 2)
        self.assertEqual(acns.count('0.4.0.0.1.0.20.2'), len(SILENT))
        self.assertEqual(len(begins), len(SILENT) + 2)
        self.assertEqual(len(self.billing_after_stop), len(begins))


if __name__ == '__main__':
    main()
