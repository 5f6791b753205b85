#!/usr/bin/env python3
"""The demo: the test network on the embedded defaults (contrib/config/), a
tour of what the stack does today, each step shown as the operator would see
it in the VTY, and the wire as tshark decodes it. The SS7 tour runs the test
peer (tests/peer) in the gateway's place; then sigwayd takes that place on
the same STP and netsim for the SMS core and the USSD gateway (a small
Node.js application behind it: a pull menu and a push notification)."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
import sigway_net as sn  # noqa: E402


APP = os.path.join(TOP, 'tests', 'ussdgw', 'apps', 'json_app.js')
APP_PORT = sn.free_port()
# the USSD gateway with one application, the small menu of tests/ussdgw/apps/json_app.js
USSD = """ussd
 gateway-id sigway-demo
 application shop flavour json
 application shop url http://127.0.0.1:%d/ussd
 application shop push-key demo-push-key
 route *100# application shop
""" % APP_PORT


def app_push(body):
    """The application asks the gateway to push (it sends the request with its key)"""
    req = urllib.request.Request('http://127.0.0.1:%d/admin/push' % APP_PORT, data=json.dumps(body).encode(),
                                 headers={'Content-Type': 'application/json'}, method='POST')
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read().decode()


def step(title):
    print('\n== %s' % title, flush=True)


DEMO_KEY = 'demo-key-0123456789abcdef'     # contrib/config/sigwayd.cfg, account demo


def lookups(net, build, http_port):
    """The number lookup: five subscribers of netsim's HLR looked up with
    sigway-lookup through sigwayd's API, then their billing records"""
    step('Number lookup: netsim\'s HLR knows an attached, an absent, a ported, a roaming and a '
         'nationally roaming subscriber')
    subs = [('491710000101', 'imsi 262011000000101 state attached', 'attached'),
            ('491710000102', 'imsi 262011000000102 state absent', 'absent'),
            ('491710000103', 'imsi 262021000000103 msc 491720000009 state attached',
             'ported to Vodafone (IMSI 26202..., on a Vodafone MSC)'),
            ('491710000104', 'imsi 262011000000104 msc 33612345678 state attached', 'roaming in France'),
            ('491710000105', 'imsi 262011000000105 msc 491760000009 state attached',
             'national roaming (on an MSC in O2\'s range)')]
    ns = net.vty('netsim')
    ns.cmd('configure terminal')
    ns.cmd('netsim')
    for msisdn, how, _ in subs:
        ns.cmd('subscriber %s %s' % (msisdn, how))
    ns.cmd('end')
    for msisdn, _, what in subs:
        print('  %s: %s' % (msisdn, what))
    step('sigway-lookup asks sigwayd\'s HTTP API; sigwayd sends one SRI-for-SM per number from its calling GT')
    env = dict(os.environ, SIGWAY_LOOKUP_URL='http://127.0.0.1:%d' % http_port, SIGWAY_API_KEY=DEMO_KEY,
               SIGWAY_LOOKUP_CONFIG='/nonexistent')
    exe = os.path.join(build, 'src/lookup/sigway-lookup')
    typed = ['+49 171 0000101', '0171 0000102', '0049-171-0000103', '+49 (0)171 0000104', '491710000105']
    p = subprocess.run([exe, '--country', '49'] + typed, env=env, capture_output=True, text=True)
    print(p.stdout.rstrip())
    print('(exit status %d: %s)' % (p.returncode, {0: 'all reachable', 1: 'some not reachable'}.get(
        p.returncode, 'see sigway-lookup --help')))
    step('The same number again: this account keeps answers 60 s (lookup cache-ttl), not sent, not billed')
    p = subprocess.run([exe, '--json', '491710000101'], env=env, capture_output=True, text=True)
    r = sn.json.loads(p.stdout)
    print('source %s, %s s old, billed %s' % (r['source'], r.get('cacheAgeSeconds'), r['billed']))
    step('Their billing records: one `lookup` per SRI-for-SM sent (sigway-billing export)')
    out = subprocess.run([os.path.join(build, 'src/billing/sigway-billing'), 'export', '--db', net.db],
                         capture_output=True, text=True).stdout.splitlines()
    print('\n'.join([out[0]] + [line for line in out[1:] if line.startswith('"lookup"') or ',"lookup",' in line]))


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, 'build'))
    http_port = sn.free_port()
    app = subprocess.Popen(['node', APP, str(APP_PORT), os.devnull, 'http://127.0.0.1:%d/ussd/push' % http_port,
                            'demo-push-key'], stdout=subprocess.DEVNULL)
    try:
        tour(build, http_port)
    finally:
        app.terminate()
        app.wait(timeout=10)
    print('\nAll processes stopped. What is built and what is not: doc/status.md.')


def tour(build, http_port):
    with sn.Network(build, quiet=True, gateway='testpeer',
                    sigwayd_extra=USSD + 'http\n local-port %d\n' % http_port) as net:
        print('osmo-stp (IPA on 127.0.0.1:%d), sigway-netsim (PC 0.0.3, HLR GT %s) and the test peer in the '
              'gateway\'s place (PC 0.0.2, GT %s) are up; VTYs: test peer telnet 127.0.0.1 %d, netsim %d'
              % (net.ports['ipa'], sn.HLR_GT, sn.GW_GT, net.ports['tp_vty'], net.ports['ns_vty']))
        step('SCCP routing on GT: our GT translation table (show sccp gtt)')
        print(net.peer('show sccp gtt'))
        step('TCAP dialogues with the simulated network (the test peer, tests/peer)')
        for kind, what in (('basic-end', 'SRI-for-SM: Begin with ACN -> End with result'),
                           ('continue', 'USSD *100#: Begin -> network prompt (Continue) -> answer -> End'),
                           ('user-abort', 'USSD, the user walks away: Begin -> Continue -> U-Abort')):
            print('%-70s %s' % (what, net.run_test('test-dialogue %s %s' % (kind, sn.HLR_GT)).split(' ', 2)[2]))
        for line in ('configure terminal', 'netsim', 'hlr sms-gateway-max-version 2', 'end'):
            net.ns(line)
        print('%-70s %s' % ('the HLR only speaks shortMsgGateway v2: refused v3, fallback',
                            net.run_test('test-dialogue acn-fallback %s' % sn.HLR_GT).split(' ', 2)[2]))
        print('%-70s %s' % ('a UDT to an SSN nobody serves comes back as UDTS',
                            net.run_test('test-udt-return %s 99' % sn.HLR_GT).split(' ', 2)[2]))
        ns = net.vty('netsim')
        step('USSD: a subscriber dials *100# (the test peer answers with a menu of its own)')
        for line in ('configure terminal', 'netsim', 'ussd-answers 2', 'end'):
            ns.cmd(line)
        n = len(net.peer('show test-dialogues').splitlines())
        ns.cmd('ussd-dial 491770000001 %s *100#' % sn.GW_GT)
        print('USSD: %s' % net.wait_test(n + 1).split(' ', 1)[1])
        print(ns.cmd('show ussd'))
        step('sigwayd takes the gateway\'s place (same STP, same netsim); VTY telnet 127.0.0.1 %d'
             % net.ports['gw_vty'])
        net.swap('gateway', 'sigwayd')
        step('The SMS core: an SMPP client (npm smpp, nobody here wrote it) submits 4 messages')
        for line in ('configure terminal', 'netsim',
                     'subscriber 491770000001 imsi 262017700000001 state attached',
                     'subscriber 491770000002 imsi 262017700000002 state absent',
                     'subscriber 491770000003 imsi 262017700000003 state unknown', 'end'):
            ns.cmd(line)
        for line in ('configure terminal', 'sms', 'retry-interval 1 2', 'end'):
            net.gw(line)
        texts = [('491770000001', 'Hello from sigway'), ('491770000002', 'You were away'),
                 ('491770000003', 'Nobody home'),
                 ('491770000001', 'A long message, longer than one SMS can hold: the gateway splits it into '
                                  'two concatenated parts, sends both in one MT-ForwardSM dialogue (the first with '
                                  'more-messages-to-send), bills it once with 2 units and sends one receipt.')]
        submits = [{'source_addr': '4000', 'source_addr_ton': 1, 'source_addr_npi': 1, 'destination_addr': d,
                    'dest_addr_ton': 1, 'dest_addr_npi': 1, 'registered_delivery': 1,
                    **({'message_payload': t} if len(t) > 160 else {'short_message': t})} for d, t in texts]
        esme = net.esme_start({'submits': submits, 'receipts': 4, 'timeout': 30000})
        time.sleep(2)
        print('subscriber 491770000002 is absent: the HLR keeps message-waiting data -> %s' %
              [l for l in ns.cmd('show subscribers').splitlines() if l.startswith('491770000002')][0])
        ns.cmd('subscriber-state 491770000002 attached')
        print('it attaches: netsim\'s HLR sends alertServiceCentre, sigwayd delivers at once')
        out, _ = esme.communicate(timeout=60)
        for e in (sn.json.loads(l) for l in out.splitlines() if l.startswith('{')):
            if e['event'] == 'submit_sm_resp':
                print('submit_sm_resp  #%d status %d message_id %s  (to %s)' % (
                    e['index'], e['status'], e['message_id'], texts[e['index']][0]))
            elif e['event'] == 'deliver_sm':
                print('receipt         %s' % e['text'])
        step('MO: a subscriber texts the short code 4000; sigwayd stores it, acknowledges the MSC, '
             'and hands it to the bound ESME as deliver_sm')
        ns.cmd('mo-sms 491770000001 4000 Hello back from the handset')
        for e in net.esme({'bind': 'receiver', 'mo': 1, 'timeout': 15000}):
            if e['event'] == 'deliver_sm':
                print('deliver_sm      from %s to %s: %s' % (e['source_addr'], e['destination_addr'], e['text']))
        lookups(net, build, http_port)
        step('The USSD gateway: a subscriber dials *100#; the application (Node.js, REST/JSON) shows its menu, '
             'the subscriber answers 2, then 1')
        n = int(re.search(r'ussd session (\d+)',
                          ns.cmd('ussd-dial 491770000001 %s *100# script 2 1' % sn.GW_GT)).group(1))
        time.sleep(1.5)
        for kind, text in json.loads(ns.cmd('show ussd session %d' % n))['events']:
            print('%-8s %s' % (kind, text.replace('\n', ' | ')))
        step('Push: the application notifies the subscriber (unstructuredSS-Notify via the HLR)')
        print('the gateway answers the application: %s' % app_push(
            {'msisdn': '491770000001', 'type': 'ussn', 'text': 'Your top-up of 10 EUR arrived.'}))
        time.sleep(1.5)
        print('\n'.join(l for l in ns.cmd('show ussd').splitlines() if 'network notifies' in l))
        step('The USSD session log (sigway-audit --ussd)')
        print(subprocess.run([os.path.join(build, 'src/audit/sigway-audit'), '--db', net.db, '--ussd'],
                             capture_output=True, text=True).stdout.rstrip())
        step('Billing records (sigway-billing export, CSV): the SMS, the lookups and the two USSD sessions')
        print(subprocess.run([os.path.join(build, 'src/billing/sigway-billing'), 'export', '--db', net.db],
                             capture_output=True, text=True).stdout.rstrip())
        step('The audit an operator asks for after a complaint (sigway-audit 491770000002)')
        print(net.audit('491770000002')[1].rstrip())
        step('SMPP on the wire as tshark decodes it (first 16 PDUs)')
        for p in net.smpp_decoded()[:16]:
            print('frame %4d  %-22s status %-10s seq %s' % (p['frame'], p.get('smpp.command_id', '?'),
                                                          p.get('smpp.command_status', '-'),
                                                          p.get('smpp.sequence_number', '-')))

        step('The wire as tshark decodes it (one line per SCCP message sent to the STP; first 60)')
        for m in net.decoded()[:60]:
            kind = next((k for k in ('begin', 'continue', 'end', 'abort') if m.get('tcap.%s_element' % k)), '')
            print('frame %4d  %-5s %-9s %s -> %s  otid %-11s dtid %-11s acn %s op %s' % (
                m['frame'], {'0x09': 'UDT', '0x0a': 'UDTS', '0x11': 'XUDT'}.get(m['sccp.message_type'], '?'),
                kind, m.get('sccp.calling.digits'), m.get('sccp.called.digits'), m.get('tcap.otid', '-'),
                m.get('tcap.dtid', '-'), m.get('tcap.application_context_name', '-'), m.get('gsm_old.localValue', '-')))
        step('Counters (sigwayd: show sms, show ussd, show tcap statistics)')
        print(net.gw('show sms'))
        print(net.gw('show ussd'))
        print(net.gw('show tcap statistics'))
        step('The test peer takes the gateway\'s place again, for a short benchmark of the stack '
             '(release build; figures in doc/performance.md)')
        net.swap('gateway', 'testpeer')
        for kind in ('udt', 'tcap'):
            net.peer('bench %s %s count 20000 window 200' % (kind, sn.HLR_GT))
            while 'running' in net.peer('show bench'):
                time.sleep(0.2)
            print(net.peer('show bench'))


if __name__ == '__main__':
    main()
