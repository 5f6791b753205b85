#!/usr/bin/env python3
"""The demo: the test network on the embedded defaults (contrib/config/), a
tour of what the stack does today, each step shown as the operator would see
it in the VTY, and the wire as tshark decodes it."""

import os
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tests', 'integration'))
import sigway_net as sn  # noqa: E402


def step(title):
    print('\n== %s' % title, flush=True)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, 'build'))
    with sn.Network(build, quiet=True) as net:
        print('osmo-stp (IPA on 127.0.0.1:%d), sigway-netsim (PC 0.0.3, HLR GT %s) and sigwayd '
              '(PC 0.0.2, GT %s) are up; VTYs: sigwayd telnet 127.0.0.1 %d, netsim %d'
              % (net.ports['ipa'], sn.HLR_GT, sn.GW_GT, net.ports['gw_vty'], net.ports['ns_vty']))
        step('SCCP routing on GT: our GT translation table (show sccp gtt)')
        print(net.gw('show sccp gtt'))
        step('TCAP dialogues with the simulated network')
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
        step('Short messages through the simulated network (subscribers in netsim)')
        ns = net.vty('netsim')
        for line in ('configure terminal', 'netsim', 'ussd-answers 2',
                     'subscriber 491770000001 imsi 262017700000001 state attached',
                     'subscriber 491770000002 imsi 262017700000002 state absent',
                     'subscriber 491770000005 imsi 262017700000005 state memory-full', 'end'):
            ns.cmd(line)
        for msisdn, what in (('491770000001', 'attached'), ('491770000002', 'absent'),
                             ('491770000005', 'memory full')):
            line = net.run_test('test-mt-sms %s %s' % (msisdn, sn.HLR_GT), timeout=15)
            print('MT SMS to %s (%s): %s' % (msisdn, what, line.split(' ', 3)[3]))
        ns.cmd('subscriber-state 491770000002 attached')
        time.sleep(1)
        print('the absent subscriber attaches: %s' % net.gw('show test-dialogues').splitlines()[-1].split(' ', 1)[1])
        n = len(net.gw('show test-dialogues').splitlines())
        ns.cmd('mo-sms 491770000001 4477 Hello from the network')
        print('MO SMS: %s' % net.wait_test(n + 1).split(' ', 1)[1])
        ns.cmd('ussd-dial 491770000001 %s *100#' % sn.GW_GT)
        print('USSD: %s' % net.wait_test(n + 2).split(' ', 1)[1])
        print(ns.cmd('show ussd'))

        step('The wire as tshark decodes it (one line per SCCP message sent to the STP; first 60)')
        for m in net.decoded()[:60]:
            kind = next((k for k in ('begin', 'continue', 'end', 'abort') if m.get('tcap.%s_element' % k)), '')
            print('frame %4d  %-5s %-9s %s -> %s  otid %-11s dtid %-11s acn %s op %s' % (
                m['frame'], {'0x09': 'UDT', '0x0a': 'UDTS', '0x11': 'XUDT'}.get(m['sccp.message_type'], '?'),
                kind, m.get('sccp.calling.digits'), m.get('sccp.called.digits'), m.get('tcap.otid', '-'),
                m.get('tcap.dtid', '-'), m.get('tcap.application_context_name', '-'), m.get('gsm_old.localValue', '-')))
        step('A short benchmark (release build; figures in doc/performance.md)')
        for kind in ('udt', 'tcap'):
            net.gw('bench %s %s count 20000 window 200' % (kind, sn.HLR_GT))
            while 'running' in net.gw('show bench'):
                time.sleep(0.2)
            print(net.gw('show bench'))
        step('Counters (sigwayd: show sccp statistics)')
        print(net.gw('show sccp statistics'))
    print('\nAll processes stopped. The SMS core (SMPP, store, billing) is not built yet; see doc/status.md.')


if __name__ == '__main__':
    main()
