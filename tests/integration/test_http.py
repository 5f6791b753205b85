#!/usr/bin/env python3
"""sigwayd's HTTP server in the test network: /metrics in the Prometheus
text format (parsed strictly here; the counter names of the SCCP, TCAP,
SMS and SMPP groups, taken from their C sources, must all be there, and
traffic must move them), /health and /ready, JSON errors; fetched with the
`curl` command and with Node.js's own `http` module (keep-alive).

usage: test_http.py BUILD_DIR
"""

import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigway_net as sn  # noqa: E402

BUILD = None
TOP = sn.TOP

# where each group's counters are declared: (group prefix, source, array name)
GROUPS = [('sccp', 'src/sccp/sccp_layer.c', 'sccp_ctr_desc'),
          ('map', 'src/map/map_dialogue.c', 'map_ctr_desc'),
          ('tcap', 'src/tcap/tcap_transaction.c', 'tcap_ctr_desc'),
          ('sms', 'src/smsc/smsc.c', 'smsc_ctr_desc'),
          ('smpp', 'src/smpp/smpp_server.c', 'smpp_ctr_desc'),
          ('http', 'src/http/http_server.c', 'http_ctr_desc')]

NODE_CLIENT = r'''
// Node's own http module, keep-alive: /health, /metrics, then 20 more /health
// on the one socket; prints one JSON line per answer
const http = require('http');
const port = Number(process.argv[1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const sockets = new Set();
function get(path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      sockets.add(res.socket);
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ path, status: res.statusCode, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
  });
}
(async () => {
  for (const p of ['/health', '/metrics', '/nothing'])
    console.log(JSON.stringify(await get(p)));
  for (let i = 0; i < 20; i++)
    await get('/health');
  console.log(JSON.stringify({ sockets: sockets.size }));
  agent.destroy();
})().catch((e) => { console.error(e); process.exit(1); });
'''

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r'^(%s)(\{[^}]*\})? (\S+)( -?\d+)?$' % NAME)
LABELS = re.compile(r'^\{(?:%s(?:,%s)*,?)?\}$' % (LABEL, LABEL))
TYPES = ('counter', 'gauge', 'histogram', 'summary', 'untyped')


def parse_exposition(text):
    """The Prometheus text format 0.0.4, strictly: returns {family: {'type',
    'help', 'samples': {labels tuple: value}}}; raises ValueError on what a
    Prometheus server refuses (or what we promise not to do: a family in
    two places, a sample twice)."""
    if text and not text.endswith('\n'):
        raise ValueError('no final newline')
    fams, done, current = {}, set(), None

    def family(n, name):
        nonlocal current
        if name != current:
            if name in done:
                raise ValueError('line %d: family %s not contiguous' % (n, name))
            if current:
                done.add(current)
            current = name
        return fams.setdefault(name, {'type': None, 'help': None, 'samples': {}})

    for n, line in enumerate(text.split('\n')[:-1], 1):
        if line.startswith('# HELP ') or line.startswith('# TYPE '):
            m = re.match(r'^# (HELP|TYPE) (%s) (.*)$' % NAME, line)
            if not m:
                raise ValueError('line %d: bad %r' % (n, line))
            kind, name, rest = m.groups()
            f = family(n, name)
            if f['samples'] or f[kind.lower()] is not None:
                raise ValueError('line %d: misplaced or second %s for %s' % (n, kind, name))
            if kind == 'TYPE' and rest not in TYPES:
                raise ValueError('line %d: bad type %s' % (n, rest))
            f[kind.lower()] = rest
            continue
        if line.startswith('#') or not line.strip():
            continue
        m = SAMPLE.match(line)
        if not m or (m.group(2) and not LABELS.match(m.group(2))):
            raise ValueError('line %d: not a sample: %r' % (n, line))
        labels = tuple(re.findall(LABEL, m.group(2) or ''))
        if len(set(k for k, _ in labels)) != len(labels):
            raise ValueError('line %d: a label twice' % n)
        v = float(m.group(3))
        f = family(n, m.group(1))
        if f['type'] == 'counter' and v < 0:
            raise ValueError('line %d: negative counter' % n)
        if labels in f['samples']:
            raise ValueError('line %d: duplicate sample %s%s' % (n, m.group(1), labels))
        f['samples'][labels] = v
    return fams


def counter_names(source, array):
    """The counter names of a rate_ctr_desc array in one of our C files"""
    with open(os.path.join(TOP, source)) as f:
        text = f.read()
    body = text[text.index('rate_ctr_desc %s[]' % array):]
    body = body[:body.index('};')]
    return re.findall(r'\]\s*=\s*\{\s*"([^"]+)"', body)


def sanitise(name):
    return re.sub(r'[^a-zA-Z0-9_]', '_', name)


def value(fams, name, index='0'):
    for labels, v in fams[name]['samples'].items():
        if ('index', index) in labels:
            return v
    raise KeyError(name)


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = sn.free_port()
        cls.net = sn.Network(BUILD, capture=False, sigwayd_extra='http\n local-port %d\n' % cls.port)
        cls.net.__enter__()
        try:
            cls.run_all()
        except BaseException:
            cls.net.dump_logs()
            cls.net.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.net.__exit__(None, None, None)
        bad = {k: v for k, v in cls.net.exit_codes.items() if k != 'osmo-stp' and v != 0}
        if bad:
            raise AssertionError('daemons exited with %s' % bad)

    @classmethod
    def run_all(cls):
        net = cls.net
        cls.metrics_before = cls.curl('/metrics')
        # traffic for the SCCP, TCAP and MAP counters: one short message
        cls.events = net.esme({'submits': [{'source_addr': '4000', 'destination_addr': '491770000001',
                                            'short_message': 'metrics', 'registered_delivery': 1}],
                               'receipts': 1, 'timeout': 30000})
        cls.metrics_after = cls.curl('/metrics')
        cls.health = cls.curl('/health')
        cls.ready = cls.curl('/ready')
        cls.not_found = cls.curl('/no/such/thing')
        cls.not_allowed = cls.curl('/metrics', method='DELETE')
        out = subprocess.run(['node', '-e', NODE_CLIENT, str(cls.port)], capture_output=True, text=True,
                             timeout=60)
        if out.returncode:
            raise RuntimeError('node: %s' % out.stderr)
        cls.node = [json.loads(line) for line in out.stdout.splitlines()]
        cls.metrics_end = cls.curl('/metrics')
        cls.show = net.gw('show http')
        cls.running = net.gw('show running-config')

    @classmethod
    def curl(cls, path, method='GET'):
        """(status, content type, body) by the curl command"""
        out = subprocess.run(['curl', '-sS', '-X', method, '-o', '-', '-w', '\n%{http_code} %{content_type}',
                              'http://127.0.0.1:%d%s' % (cls.port, path)],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        body, _, tail = out.rpartition('\n')
        status, _, ctype = tail.partition(' ')
        return int(status), ctype, body

    def test_metrics_format(self):
        status, ctype, body = self.metrics_after
        self.assertEqual(status, 200)
        self.assertEqual(ctype, 'text/plain; version=0.0.4; charset=utf-8')
        fams = parse_exposition(body)
        self.assertGreater(len(fams), 50)
        for name, f in fams.items():
            with self.subTest(family=name):
                self.assertTrue(name.startswith('sigway_'))
                self.assertIn(f['type'], ('counter', 'gauge'))
                self.assertTrue(f['help'])
                self.assertTrue(f['samples'])
                for labels in f['samples']:
                    self.assertIn('index', dict(labels))

    def test_counter_names_of_every_layer(self):
        fams = parse_exposition(self.metrics_after[2])
        for group, source, array in GROUPS:
            names = counter_names(source, array)
            self.assertGreater(len(names), 5, group)
            for n in names:
                with self.subTest(counter='%s %s' % (group, n)):
                    fam = 'sigway_%s_%s' % (group, sanitise(n))
                    self.assertIn(fam, fams)
                    self.assertEqual(fams[fam]['type'], 'counter')
        self.assertEqual(fams['sigway_http_pending']['type'], 'gauge')

    def test_traffic_moves_counters(self):
        receipts = [e for e in self.events if e.get('event') == 'deliver_sm']
        self.assertTrue(receipts and 'stat:DELIVRD' in receipts[0].get('text', ''), self.events)
        before = parse_exposition(self.metrics_before[2])
        after = parse_exposition(self.metrics_after[2])
        for fam in ('sigway_tcap_tx_begin', 'sigway_tcap_rx_end', 'sigway_sccp_tx_udt', 'sigway_sccp_rx_udt',
                    'sigway_map_open_tx', 'sigway_map_result_rx', 'sigway_http_req_rx'):
            with self.subTest(fam=fam):
                self.assertGreater(value(after, fam), value(before, fam))

    def test_health(self):
        status, ctype, body = self.health
        self.assertEqual(status, 200)
        self.assertEqual(ctype, 'application/json')
        h = json.loads(body)
        self.assertEqual(h['status'], 'ok')
        self.assertEqual(h['checks']['ss7_link'], {'ok': True, 'detail': 'up'})
        self.assertGreaterEqual(h['uptime_s'], 0)
        self.assertEqual(self.ready[0], 200)

    def test_errors_are_json(self):
        status, ctype, body = self.not_found
        self.assertEqual((status, ctype), (404, 'application/json'))
        self.assertEqual(json.loads(body)['error']['code'], 'not_found')
        status, ctype, body = self.not_allowed
        self.assertEqual(status, 405)
        self.assertEqual(json.loads(body)['error']['status'], 405)

    def test_node_client(self):
        health, metrics, missing, sockets = self.node
        self.assertEqual(health['status'], 200)
        self.assertEqual(json.loads(health['body'])['checks']['ss7_link']['ok'], True)
        self.assertEqual(metrics['status'], 200)
        self.assertTrue(metrics['type'].startswith('text/plain; version=0.0.4'))
        parse_exposition(metrics['body'])
        self.assertEqual(missing['status'], 404)
        # 23 requests, one connection
        self.assertEqual(sockets['sockets'], 1)
        end = parse_exposition(self.metrics_end[2])
        after = parse_exposition(self.metrics_after[2])
        accepted = value(end, 'sigway_http_conn_accepted') - value(after, 'sigway_http_conn_accepted')
        # health, ready, 404, 405 by curl (one connection each), node's one, this scrape
        self.assertEqual(accepted, 6)

    def test_vty(self):
        self.assertIn('HTTP on 127.0.0.1 port %d' % self.port, self.show)
        self.assertIn('route /metrics (public)', self.show)
        self.assertIn('http\n local-ip 127.0.0.1\n local-port %d\n limit connections 1000\n' % self.port,
                      self.running)


if __name__ == '__main__':
    BUILD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
