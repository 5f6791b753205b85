#!/usr/bin/env python3
"""sigway-decode agrees with tshark, field by field, on the public captures:
for every frame where tshark sees TCAP, our decode of the same frame must give
the same transaction IDs, application context, operation/error codes and, for
the MAP operations we implement, the same MSISDN, IMSI, USSD text (the v2
USSD string, the v1 SS-UserData) and SMS text.

usage: test_decode_vs_tshark.py SIGWAY_DECODE CAPTURES_DIR
"""

import json
import os
import subprocess
import sys

CAPTURES = [('CAP.pcap', []), ('gsm_map_with_ussd_string.pcap', []), ('pycrate_tcapmap_pcapr.pcap', []),
            ('SRI_Invalid_MSISDN11.pcap', ['-o', 'mtp3.standard:ANSI'])]
# frames tshark shows as TCAP that are not (captures/README.md)
EXPECTED_DIFFERENT = {
    ('pycrate_tcapmap_pcapr.pcap', 37): 'XUDTS-returned fragment, not TCAP',
    ('pycrate_tcapmap_pcapr.pcap', 52): 'XUDTS-returned fragment, not TCAP',
    ('pycrate_tcapmap_pcapr.pcap', 66): 'XUDTS-returned fragment, not TCAP',
    ('pycrate_tcapmap_pcapr.pcap', 3): 'proprietary AC 1.2.826.0.1249..., not MAP: tshark itself reports BER errors',
    ('pycrate_tcapmap_pcapr.pcap', 16): 'proprietary AC, not MAP: tshark itself reports BER errors',
    ('pycrate_tcapmap_pcapr.pcap', 19): 'proprietary AC, not MAP: tshark itself reports BER errors',
}


def walk(o, key, out):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == key:
                out.extend(v if isinstance(v, list) else [v])
            else:
                walk(v, key, out)
    elif isinstance(o, list):
        for v in o:
            walk(v, key, out)
    return out


def tshark_frames(path, extra):
    out = subprocess.run(['tshark', '-n', '-r', path, '-Y', 'tcap', '-T', 'json', '--no-duplicate-keys'] + extra,
                         capture_output=True, text=True, check=True).stdout
    frames = {}
    for pkt in json.loads(out or '[]'):
        layers = pkt['_source']['layers']
        frames[int(layers['frame']['frame.number'])] = layers
    return frames


def ours(decode, path, extra):
    argv = [decode] + (['--ansi'] if extra else []) + [path]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    frames = {}
    for line in out.splitlines():
        d = json.loads(line)
        frames.setdefault(d['frame'], []).append(d)
    return frames


def hexid(v):
    return v.replace(':', '').lower()


def compare(name, fr, t, mine, problems):
    ours_tcap = [d for d in mine if 'tcap.type' in d and 'tcap.error' not in d]
    if not ours_tcap:
        problems.append('%s #%d: tshark sees TCAP, we decode none' % (name, fr))
        return 0
    checked = 0
    for key, our_key in (('tcap.otid', 'tcap.otid'), ('tcap.dtid', 'tcap.dtid')):
        theirs = {hexid(v) for v in walk(t, key, [])}
        mine_v = {d[our_key] for d in ours_tcap if our_key in d}
        if theirs != mine_v:
            problems.append('%s #%d: %s tshark %s, ours %s' % (name, fr, key, theirs, mine_v))
        checked += 1
    acn_t = set(walk(t, 'tcap.application_context_name', []))
    acn_o = {d['tcap.acn'] for d in ours_tcap if 'tcap.acn' in d}
    if acn_t and acn_t != acn_o and all(a.startswith('0.4.0.0.1.0.') for a in acn_t):
        problems.append('%s #%d: ACN tshark %s, ours %s' % (name, fr, acn_t, acn_o))
    checked += 1
    comps = [c for d in ours_tcap for c in d.get('tcap.components', [])]
    codes_o = {str(c.get('opcode', c.get('error'))) for c in comps if 'opcode' in c or 'error' in c}
    codes_t = set(walk(t, 'gsm_old.localValue', []))
    if codes_t and not codes_o <= codes_t | {'None'}:
        problems.append('%s #%d: codes tshark %s, ours %s' % (name, fr, codes_t, codes_o))
    checked += 1
    for our_key, their_key in (('map.msisdn', 'e164.msisdn'), ('map.imsi', 'e212.imsi'),
                               ('map.sm_rp_da.imsi', 'e212.imsi'), ('map.ussd_string', 'gsm_map.ussd_string'),
                               ('map.ss_user_data', 'gsm_ss.SS_UserData'), ('tpdu.text', 'gsm_sms.sms_text')):
        for c in comps:
            if our_key in c:
                theirs = set(walk(t, their_key, []))
                if c[our_key] not in theirs:
                    problems.append('%s #%d: %s ours %r, tshark %s' % (name, fr, our_key, c[our_key], theirs))
                checked += 1
    return checked


def main():
    decode, captures = sys.argv[1], sys.argv[2]
    problems, frames, fields = [], 0, 0
    for name, extra in CAPTURES:
        path = os.path.join(captures, name)
        theirs, mine = tshark_frames(path, extra), ours(decode, path, extra)
        for fr, t in sorted(theirs.items()):
            if (name, fr) in EXPECTED_DIFFERENT:
                print('expected difference %s #%d: %s' % (name, fr, EXPECTED_DIFFERENT[(name, fr)]))
                continue
            frames += 1
            fields += compare(name, fr, t, mine.get(fr, []), problems)
    for p in problems:
        print('MISMATCH ' + p)
    print('%d frames, %d fields compared, %d mismatches' % (frames, fields, len(problems)))
    return 1 if problems or frames < 90 else 0


if __name__ == '__main__':
    sys.exit(main())
