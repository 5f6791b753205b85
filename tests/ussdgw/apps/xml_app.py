#!/usr/bin/env python3
"""A USSD application in the XML flavour (the <dialog> documents of
doc/ussd-gateway-api.md), for the tests and the demo. Python standard
library only; it keeps no state of its own: where it is in its menu
travels in userObject, which the gateway gives back in every document.

usage: xml_app.py PORT LOGFILE [GATEWAY_PUSH_URL PUSH_KEY]

What the subscriber dialled after the service code picks a behaviour, as
in json_app.js: (none) main menu 1 Balance | 2 Options | 3 Echo; 1 balance
at once; 6 six rounds; 71..77 text limits and non-Latin text; 81 never
answers; 82 answers XML that is not well-formed; 83 HTTP 500; 84 a MAP error
component; 85 an oversized document; 86 a menu, then never answers; 88 a menu
the subscriber has 1 s for (customInvokeTimeout).
POST /admin/push {"msisdn","type","text","then":[...]} runs a push session
(explicit session reference, no cookies): the first document, then for each
item of "then" the next one ("notify:TEXT", "menu:TEXT", "release"),
and answers the transcript (every document the gateway answered).
Every request is logged to LOGFILE as one JSON line.
"""

import json
import re
import sys
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import quoteattr

PORT = int(sys.argv[1])
LOGFILE = sys.argv[2] if len(sys.argv) > 2 else '/dev/null'
PUSH_URL = sys.argv[3] if len(sys.argv) > 3 else None
PUSH_KEY = sys.argv[4] if len(sys.argv) > 4 else None
log_lock = threading.Lock()

MAIN = 'Welcome\n1 Balance\n2 Options\n3 Echo'


def record(obj):
    with log_lock, open(LOGFILE, 'a') as f:
        f.write(json.dumps(obj, ensure_ascii=False) + '\n')


def attr_text(s):
    """An attribute value that keeps its line ends (XML attribute normalisation
    would turn a literal newline into a space)"""
    return quoteattr(s).replace('\n', '&#10;')


def menu(text, state):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<dialog mapMessagesSize="1" userObject=%s>\n'
            '  <unstructuredSSRequest_Request dataCodingScheme="15" string=%s/>\n</dialog>\n'
            % (quoteattr(state), attr_text(text)))


def final(text, ucs2=False):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<dialog mapMessagesSize="1" prearrangedEnd="false">\n'
            '  <processUnstructuredSSRequest_Response invokeId="0" dataCodingScheme="%d" string=%s/>\n'
            '</dialog>\n' % (72 if ucs2 else 15, attr_text(text)))


def start(code):
    opt = code.rstrip('#').split('*', 2)[2] if code.count('*') >= 2 else ''
    answers = {
        '': menu(MAIN, 'main'),
        '1': final('Balance: 3.20 USD'),
        '6': menu('Step 1 of 6\nType anything', 'step=1'),
        '71': final('A' * 182), '72': final('A' * 183),
        '73': final('Ж' * 80, True), '74': final('Ж' * 81, True),
        '75': final('€' * 91), '76': final('€' * 92),
        '77': ('<dialog mapMessagesSize="1" userObject="cyr"><unstructuredSSRequest_Request dataCodingScheme="72"'
               ' string=%s/></dialog>' % attr_text('Баланс: 120 руб.\n余额 1 元\nОтвет?')),
        '81': None, '82': '<dialog><unstructuredSSRequest_Request string="x"></dialg>', '83': 500,
        '84': ('<dialog mapMessagesSize="0"><errComponents><invokeId value="0"/>'
               '<errorComponent type="MAPErrorMessageSystemFailure" errorCode="34"/></errComponents></dialog>'),
        '85': final('B' * 20000),
        '86': menu('Answer me, I will not answer you', 'stall'),
        '88': ('<dialog mapMessagesSize="1" customInvokeTimeout="1000">'
               '<unstructuredSSRequest_Request string="Quick, one second!"/></dialog>'),
    }
    return answers.get(opt, final('Unknown option ' + opt))


def response(state, text):
    if state.startswith('step='):
        step = int(state[5:]) + 1
        if step < 6:
            return menu('Step %d of 6\nType anything' % step, 'step=%d' % step)
        return final('Done after 6 rounds, last ' + text)
    if state == 'cyr':
        return final('Вы ответили: ' + text, True)
    if state == 'main':
        if text == '1':
            return final('Balance: 3.20 USD')
        if text == '2':
            return menu('Options\n1 Data\n2 Voice', 'options')
        if text == '3':
            return menu('Type some text', 'echo')
        return final('Invalid choice')
    if state == 'options':
        return final({'1': 'Data: 100 MB left', '2': 'Voice: 60 min left'}.get(text, 'Invalid choice'))
    if state == 'echo':
        return final('You typed: ' + text)
    if state == 'stall':
        return None
    return final('Invalid session state')


def gateway_post(doc):
    """A push document to the gateway; (HTTP status, its answer)"""
    req = urllib.request.Request(PUSH_URL, data=doc.encode(), method='POST',
                                 headers={'Content-Type': 'text/xml; charset=utf-8', 'X-API-Key': PUSH_KEY})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def run_push(p):
    """One push session, document by document, with the explicit session id"""
    op = 'unstructuredSSNotify_Request' if p.get('type') == 'ussn' else 'unstructuredSSRequest_Request'
    alerting = ('    <alertingPattern size="1"><value value="%d"/></alertingPattern>\n' % p['alerting']
                if 'alerting' in p else '')
    first = ('<?xml version="1.0" encoding="UTF-8"?>\n<dialog mapMessagesSize="1" userObject="push">\n'
             '  <%s string=%s>\n    <msisdn nai="international_number" npi="ISDN" number=%s/>\n%s  </%s>\n'
             '</dialog>\n' % (op, attr_text(p['text']), quoteattr(p['msisdn']), alerting, op))
    transcript = []
    status, answer = gateway_post(first)
    transcript.append({'status': status, 'doc': answer})
    sid = re.search(r'sessionId="([^"]+)"', answer)
    for step in p.get('then', []):
        if status != 200 or not sid or 'type="Continue"' not in answer:
            break
        if step == 'release':
            doc = '<dialog mapMessagesSize="0" prearrangedEnd="false" sessionId=%s/>' % quoteattr(sid.group(1))
        else:
            kind, text = step.split(':', 1)
            op = 'unstructuredSSNotify_Request' if kind == 'notify' else 'unstructuredSSRequest_Request'
            doc = '<dialog mapMessagesSize="1" sessionId=%s><%s string=%s/></dialog>' % (
                quoteattr(sid.group(1)), op, attr_text(text))
        status, answer = gateway_post(doc)
        transcript.append({'status': status, 'doc': answer})
    return transcript


class App(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'       # keep-alive, as the gateway's client likes

    def log_message(self, fmt, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except ConnectionError:
            pass        # the gateway gave up on a request (its timeout): nothing to say

    def reply(self, status, body, ctype='text/xml; charset=utf-8'):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get('Content-Length', 0))).decode('utf-8', 'replace')
        record({'method': 'POST', 'path': self.path, 'body': raw})
        if self.path == '/admin/push':
            return self.reply(200, json.dumps(run_push(json.loads(raw)), ensure_ascii=False), 'application/json')
        try:
            d = ET.fromstring(raw)
        except ET.ParseError:
            return self.reply(400, '')
        state = d.get('userObject', '')
        op = next((c for c in d if c.tag.endswith('_Request') or c.tag.endswith('_Response')), None)
        if d.get('type') in ('Abort', 'End') or op is None:
            return self.reply(200, '')      # the end of a session: nothing to answer
        text = op.get('string', '')
        if op.tag == 'processUnstructuredSSRequest_Request':
            answer = start(text)
        else:
            answer = response(state, text)
        if answer is None:
            time.sleep(3600)                # never answers: the gateway gives up first
            return
        if answer == 500:
            return self.reply(500, 'internal error', 'text/plain')
        self.reply(200, answer)


if __name__ == '__main__':
    server = ThreadingHTTPServer(('127.0.0.1', PORT), App)
    server.daemon_threads = True
    print('xml app listening on %d' % PORT, flush=True)
    server.serve_forever()
