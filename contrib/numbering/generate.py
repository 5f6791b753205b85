#!/usr/bin/python3
"""generate.py - build sigway's default numbering data from packaged, licensed sources.

usage: generate.py [-d DIR] [--check] [--mbpi XML] [--iso-codes JSON]

Inputs (Debian bookworm packages; src/numbering/data/README.md gives origin, versions and licences):
  python3-phonenumbers            country calling codes and their countries, the prefixes of
                                  mobile number ranges and the carrier owning each (Apache-2.0)
  mobile-broadband-provider-info  MCC-MNC of the mobile providers of each country (public domain)
  iso-codes                       country names (LGPL-2.1+)

Output (in src/numbering/data/ unless -d says otherwise): numbering.txt, the data (format in
doc/numbering.md), and generation-report.txt, the counts of the join and its every match and
miss.
No open data maps E.164 prefixes to MCC-MNC: a number range gets the MCC-MNC of the provider
whose name matches its carrier's name in the same country, when exactly one does. Every other
range keeps its carrier name without an MCC-MNC; nothing is guessed.

--check regenerates and compares with the files in DIR: exit 0 when equal, 1 when not, 77
(meson's "skipped") when an input package is not installed or its version is not the one the
committed file was made from.
"""

import argparse
import collections
import json
import os
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET

MBPI_XML = '/usr/share/mobile-broadband-provider-info/serviceproviders.xml'
MBPI_PC = '/usr/share/pkgconfig/mobile-broadband-provider-info.pc'
ISO_JSON = '/usr/share/iso-codes/json/iso_3166-1.json'
ISO_PC = '/usr/share/pkgconfig/iso-codes.pc'
SKIP = 77

FORMAT = 1
NAME_MAX = 63           # bytes of a name in the C tables (NUMBERING_NAME_MAX - 1)
MCCMNC_PER_NETWORK = 32  # NUMBERING_NET_MCCMNC_MAX

# Names of what iso-codes does not list: libphonenumber's non-geographic entities (region
# "001", names of the ITU-T E.164 assignments) and three regions outside ISO 3166-1.
NON_GEO = {
    800: 'International Freephone Service',
    808: 'International Shared Cost Service',
    870: 'Inmarsat Single Number Access',
    878: 'Universal Personal Telecommunications',
    881: 'Global Mobile Satellite System',
    882: 'International Networks',
    883: 'International Networks',
    888: 'Telecommunications for Disaster Relief (OCHA)',
    979: 'International Premium Rate Service',
}
EXTRA_REGIONS = {'AC': 'Ascension Island', 'TA': 'Tristan da Cunha', 'XK': 'Kosovo'}

# Words that say what kind of company it is, not which one: dropped before names are compared.
GENERIC = set('''a ab ag as asa bv co company corp corporation de del do da y e et and the of
 inc limited ltd llc plc pte pty sa sab sal sarl sas spa srl gmbh kk nv oy oyj jsc ojsc pjsc
 cjsc llp group holdings holding international intl
 mobile mobil mobiles movil movel movil mobility mobilcom cellular celular cellulaire cell
 gsm lte umts 3g 4g 5g wireless telecom telecoms telekom telecommunication telecommunications
 telecomunicaciones telecomunicacoes telecomunicacao telecomunicazioni comunicaciones
 communications communication telefonia telephone telephony telecel tel net network networks
 services service operator prepaid postpaid internet data broadband mms wap apn'''.split())
ALIASES = {'three': '3', 'tre': '3', 'drei': '3', 'hutchison': '3'}


def pc_version(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('Version:'):
                return line.split(':', 1)[1].strip()
    return 'unknown'


def clean(name):
    """a name as the data file holds it: one line, no separator, at most NAME_MAX bytes"""
    s = ' '.join(name.replace('|', '/').split())
    b = s.encode('utf-8')
    if len(b) > NAME_MAX:
        s = b[:NAME_MAX].decode('utf-8', 'ignore').rstrip()
    return s


# ---------------------------------------------------------------- libphonenumber


def expand_leading(pattern):
    """the literal prefixes a leading_digits pattern of the metadata stands for, or None when it
    uses more than alternation, (?:...) groups and [...] classes (no quantifiers)"""
    def alts(s, i):
        out, cur = [], ['']
        while i < len(s):
            c = s[i]
            if c == '|':
                out += cur
                cur = ['']
                i += 1
            elif c == ')':
                return out + cur, i + 1
            elif c == '(':
                if not s.startswith('(?:', i):
                    raise ValueError(s)
                sub, i = alts(s, i + 3)
                cur = [p + q for p in cur for q in sub]
            elif c == '[':
                j = s.index(']', i)
                body, chars, k = s[i + 1:j], [], 0
                while k < len(body):
                    if k + 2 < len(body) and body[k + 1] == '-':
                        chars += [chr(x) for x in range(ord(body[k]), ord(body[k + 2]) + 1)]
                        k += 3
                    else:
                        chars.append(body[k])
                        k += 1
                cur = [p + q for p in cur for q in chars]
                i = j + 1
            elif c.isdigit():
                cur = [p + c for p in cur]
                i += 1
            else:
                raise ValueError(s)
        return out + cur, i
    try:
        got, _ = alts(pattern, 0)
    except ValueError:
        return None
    return sorted(set(got)) if all(got) else None


class Numbering:
    def __init__(self, pn):
        self.pn = pn
        from phonenumbers.data import _COUNTRY_CODE_TO_REGION_CODE
        self.cc_regions = {cc: list(r) for cc, r in _COUNTRY_CODE_TO_REGION_CODE.items()}
        self.notes = []
        self._pads = ['0' * 12, '1' * 12, '5' * 12, '9' * 12, '123456789012', '987654321098',
                      '246802468024', '135791357913']

    def regions_valid(self, digits):
        """regions of the calling code for which some padding of the prefix is a valid number"""
        pn = self.pn
        found = set()
        for pad in self._pads:
            for total in range(len(digits), 16):
                try:
                    num = pn.parse('+' + digits + pad[:total - len(digits)])
                except pn.NumberParseException:
                    continue
                for r in self.cc_regions.get(num.country_code, []):
                    if r not in found and pn.is_valid_number_for_region(num, r):
                        found.add(r)
        return found

    def region_of_prefix(self, cc, digits, cprefixes):
        """the one region a prefix of calling code cc belongs to, and whether that was clear:
        the only region whose patterns accept numbers of the prefix, else the region whose
        leading digits it has, else the code's main region"""
        regions = self.cc_regions[cc]
        if len(regions) == 1:
            return regions[0], True
        valid = self.regions_valid(digits)
        if len(valid) == 1:
            return valid.pop(), True
        for n in range(len(digits), 0, -1):
            if digits[:n] in cprefixes:
                return cprefixes[digits[:n]], True
        return regions[0], False

    def country_prefixes(self):
        """{E.164 prefix: region} for the regions sharing a calling code with another one: the
        leading digits the metadata gives, and the NANP area codes of the regions without"""
        pn = self.pn
        out = {}
        for cc, regions in sorted(self.cc_regions.items()):
            if len(regions) < 2:
                continue
            for r in regions[1:]:
                meta = pn.PhoneMetadata.metadata_for_region(r)
                if meta is None or not meta.leading_digits:
                    continue
                lits = expand_leading(meta.leading_digits)
                if lits is None:
                    self.notes.append('leading digits of %s not expanded: %s' % (r, meta.leading_digits))
                    continue
                for lit in lits:
                    out['%d%s' % (cc, lit)] = r
        # NANP: an area code belongs to one region; the ones without leading digits (CA) are
        # found by which region's patterns accept numbers of the area code
        without = [r for r in self.cc_regions[1][1:]
                   if not pn.PhoneMetadata.metadata_for_region(r).leading_digits]
        for area in range(200, 1000):
            p = '1%d' % area
            if any(p.startswith(k) or k.startswith(p) for k in out if k.startswith('1')):
                continue
            valid = self.regions_valid(p)
            if len(valid) == 1 and next(iter(valid)) in without:
                out[p] = next(iter(valid))
        return out


# ---------------------------------------------------------------- the join


def read_mbpi(path):
    """{ISO: [(name, primary, [mccmnc, ...])]} of the providers with GSM network ids, and
    {ISO: country name}"""
    root = ET.parse(path).getroot()
    out = collections.defaultdict(list)
    cnames = {}
    for c in root.findall('country'):
        iso = c.get('code', '').upper()
        cnames[iso] = c.findtext('name') or ''
        for p in c.findall('provider'):
            ids = []
            for n in p.findall('gsm/network-id'):
                mcc, mnc = n.get('mcc', ''), n.get('mnc', '')
                if re.fullmatch(r'\d{3}', mcc) and re.fullmatch(r'\d{2,3}', mnc):
                    if mcc + mnc not in ids:
                        ids.append(mcc + mnc)
            if ids:
                names = [x.text.strip() for x in p.findall('name') if x.text and x.text.strip()]
                out[iso].append((names[0], p.get('primary') == 'true', ids))
    return out, cnames


def words(name):
    """all the words of a name, lower case, without accents"""
    s = unicodedata.normalize('NFKD', name)
    s = ''.join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace('&', ' and ')
    s = re.sub(r'\b(\w)-(?=\w)', r'\1', s)            # T-Mobile, E-Plus: one word
    return tuple(ALIASES.get(w, w) for w in re.findall(r'[a-z0-9]+', s))


def name_key(name, place=frozenset()):
    """the words that identify a company: without the generic ones and the country's name"""
    return frozenset(w for w in words(name) if w not in GENERIC and w not in place)


# how a carrier's name can match a provider's, most certain first. A carrier name with a '/'
# (a range of one network used by another) matches only word for word.
STAGES = [
    ('same words', lambda c, p, pl: words(c) == words(p)),
    ('same distinctive words', lambda c, p, pl: '/' not in c and name_key(c, pl) and
     name_key(c, pl) == name_key(p, pl)),
    ('carrier words within the provider name', lambda c, p, pl: '/' not in c and name_key(c, pl) and
     name_key(c, pl) < name_key(p, pl)),
]


def match_provider(carrier, providers, place):
    """(provider, stage name) of the one provider whose name matches the carrier's at the most
    certain stage where any does, or (None, why not)"""
    for stage, test in STAGES:
        found = [p for p in providers if test(carrier, p[0], place)]
        if len({tuple(p[2]) for p in found}) == 1:
            return found[0], stage
        if found:
            return None, 'several providers match: ' + ', '.join(sorted(p[0] for p in found))
    if not name_key(carrier, place):
        return None, 'no distinctive word in the name'
    return None, 'no provider of that name'


def mccmnc_names(mbpi, matched):
    """{mccmnc: (ISO, name)}. An MCC-MNC several providers list (virtual operators on a host
    network) is named after the one marked primary, else the one owning number ranges, else
    the list of them all."""
    listed = collections.defaultdict(list)
    for iso, provs in mbpi.items():
        for prov in provs:
            for m in prov[2]:
                listed[m].append((iso, prov))
    out = {}
    several = 0
    for m, entries in listed.items():
        isos = sorted({iso for iso, _ in entries})
        iso = isos[0] if len(isos) == 1 else ''
        names = sorted({p[0] for _, p in entries})
        if len(names) == 1:
            out[m] = (iso, names[0])
            continue
        several += 1
        prim = sorted({p[0] for _, p in entries if p[1]})
        own = sorted({p[0] for _, p in entries if p[0] in matched})
        pick = prim if len(prim) == 1 else own if len(own) == 1 else names
        out[m] = (iso, ' / '.join(pick))
    return out, several


def compact(ranges):
    """drop a prefix that says what its nearest shorter prefix says, and replace ten digit
    children that agree by their parent: the same answer for every number, fewer lines"""
    r = dict(ranges)
    changed = True
    while changed:
        changed = False
        by_parent = collections.defaultdict(dict)
        for p, v in r.items():
            if len(p) > 1:
                by_parent[p[:-1]][p[-1]] = v
        for parent, kids in by_parent.items():
            vals = set(kids.values())
            if len(kids) == 10 and len(vals) == 1 and r.get(parent, next(iter(vals))) in vals:
                v = vals.pop()
                for d in kids:
                    del r['%s%s' % (parent, d)]
                r[parent] = v
                changed = True
    out = {}
    for p in sorted(r, key=lambda x: (len(x), x)):
        anc = next((p[:n] for n in range(len(p) - 1, 0, -1) if p[:n] in out), None)
        if anc is None or out[anc] != r[p]:
            out[p] = r[p]
    return out


def generate(args):
    try:
        import phonenumbers as pn
        from phonenumbers.carrierdata import CARRIER_DATA
    except ImportError:
        return None, 'python3-phonenumbers is not installed'
    for path in (args.mbpi, args.iso_codes):
        if not os.path.exists(path):
            return None, '%s is missing' % path
    num = Numbering(pn)
    with open(args.iso_codes, encoding='utf-8') as f:
        iso_list = json.load(f)['3166-1']
    iso = {c['alpha_2']: c.get('common_name', c['name']) for c in iso_list}
    iso.update(EXTRA_REGIONS)
    mbpi, mbpi_countries = read_mbpi(args.mbpi)
    # words of a country's names and codes: not what tells its operators apart
    place = collections.defaultdict(set)
    for c in iso_list:
        for n in ('name', 'common_name', 'official_name', 'alpha_2', 'alpha_3'):
            place[c['alpha_2']].update(words(c.get(n, '')))
    for r, n in list(EXTRA_REGIONS.items()) + list(mbpi_countries.items()):
        place[r].update(words(n) + (r.lower(),))
    report = []

    # countries of the calling codes, the main one first
    countries = []
    for cc, regions in sorted(num.cc_regions.items()):
        for i, r in enumerate(regions):
            if r == '001':
                countries.append(('001', cc, NON_GEO.get(cc, 'Non-geographic'), i == 0))
            else:
                countries.append((r, cc, clean(iso[r]), i == 0))
    cprefixes = num.country_prefixes()

    # carriers of the mobile ranges, per region
    carrier_ranges = collections.defaultdict(dict)     # (region, carrier) -> {prefix: 1}
    unclear = 0
    for prefix in sorted(CARRIER_DATA):
        name = CARRIER_DATA[prefix].get('en', '').strip()
        if not name:
            continue
        cc = next((int(prefix[:n]) for n in (1, 2, 3) if int(prefix[:n]) in num.cc_regions), None)
        if cc is None:
            continue
        region, clear = num.region_of_prefix(cc, prefix, cprefixes)
        unclear += not clear
        carrier_ranges[(region, clean(name))][prefix] = 1

    networks = []                      # (region, name, [mccmnc])
    why_unknown = collections.Counter()
    unknown = []
    matched_names = set()
    stages, matches = collections.Counter(), []
    for (region, name) in sorted(carrier_ranges):
        prov, why = match_provider(name, mbpi.get(region, []), frozenset(place[region]))
        if prov:
            stages[why] += 1
            matches.append('%s %s -> %s %s (%s)' % (region, name, prov[0], ','.join(prov[2]), why))
            matched_names.add(prov[0])
            networks.append((region, name, prov[2][:MCCMNC_PER_NETWORK]))
        else:
            if region not in mbpi:
                why = 'no provider of this country in mobile-broadband-provider-info'
            why_unknown[why.split(':')[0]] += 1
            unknown.append('%s %s (%d prefixes): %s' % (region, name, len(carrier_ranges[(region, name)]), why))
            networks.append((region, name, []))
    mccmncs, several = mccmnc_names(mbpi, matched_names)

    ranges = {}
    for nid, (region, name, _) in enumerate(networks, 1):
        for p in carrier_ranges[(region, name)]:
            ranges[p] = nid
    ranges_raw = len(ranges)
    ranges = compact(ranges)

    lines = ['# sigway numbering data, format %d (doc/numbering.md)' % FORMAT,
             '# generated by contrib/numbering/generate.py; do not edit: override in the "numbering" node',
             '# sources: python3-phonenumbers %s (Apache-2.0), mobile-broadband-provider-info %s '
             '(public domain), iso-codes %s (LGPL-2.1+)' % (pn.__version__, pc_version(MBPI_PC),
                                                          pc_version(ISO_PC)),
             '# record|fields: country|ISO|CC|NAME|main?  cprefix|DIGITS|ISO  '
             'mccmnc|MCCMNC|ISO|NAME  network|ID|ISO|NAME|MCCMNC,...  range|PREFIX|ID',
             'format|%d' % FORMAT]
    for r, cc, name, main in countries:
        lines.append('country|%s|%d|%s%s' % (r, cc, name, '|main' if main else ''))
    for p in sorted(cprefixes):
        lines.append('cprefix|%s|%s' % (p, cprefixes[p]))
    for m in sorted(mccmncs):
        c, name = mccmncs[m]
        lines.append('mccmnc|%s|%s|%s' % (m, c, clean(name)))
    for nid, (region, name, ids) in enumerate(networks, 1):
        lines.append('network|%d|%s|%s|%s' % (nid, region, name, ','.join(ids)))
    for p in sorted(ranges):
        lines.append('range|%s|%d' % (p, ranges[p]))
    text = '\n'.join(lines) + '\n'

    with_mccmnc = sum(1 for p, nid in ranges.items() if networks[nid - 1][2])
    raw_with = sum(1 for (region, name, ids) in networks if ids for _ in carrier_ranges[(region, name)])
    report += ['sigway numbering data: generation report',
               'inputs: python3-phonenumbers %s, mobile-broadband-provider-info %s, iso-codes %s'
               % (pn.__version__, pc_version(MBPI_PC), pc_version(ISO_PC)),
               'calling codes: %d, countries: %d, country prefixes in shared codes: %d'
               % (len(num.cc_regions), len(countries), len(cprefixes)),
               'carrier prefixes: %d (%d whose region was not clear: the main region of the code)'
               % (ranges_raw, unclear),
               '  with an MCC-MNC: %d (%.1f%%), without: %d'
               % (raw_with, 100.0 * raw_with / ranges_raw, ranges_raw - raw_with),
               'range lines after compaction: %d, %d with an MCC-MNC' % (len(ranges), with_mccmnc),
               'networks (carrier, country): %d, %d with an MCC-MNC'
               % (len(networks), sum(1 for n in networks if n[2])),
               'MCC-MNC: %d, %d listed by several providers' % (len(mccmncs), several),
               'networks with an MCC-MNC, by how the names matched:']
    report += ['  %5d %s' % (stages[s], s) for s, _ in STAGES]
    report += ['networks without an MCC-MNC, by reason:']
    report += ['  %5d %s' % (n, w) for w, n in why_unknown.most_common()]
    report += [''] + num.notes + ['networks with an MCC-MNC:'] + ['  ' + m for m in matches]
    report += ['networks without an MCC-MNC:'] + ['  ' + u for u in unknown]
    return text, '\n'.join(report) + '\n'


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-d', '--dir', default=os.path.join(here, '..', '..', 'src', 'numbering', 'data'),
                    help='where numbering.txt and generation-report.txt go')
    ap.add_argument('--check', action='store_true',
                    help='compare with the files in --dir instead of writing them')
    ap.add_argument('--mbpi', default=MBPI_XML)
    ap.add_argument('--iso-codes', default=ISO_JSON)
    args = ap.parse_args()
    text, report = generate(args)
    if text is None:
        print('generate.py: skipped: %s' % report, file=sys.stderr)
        return SKIP if args.check else 1
    files = {os.path.join(args.dir, 'numbering.txt'): text,
             os.path.join(args.dir, 'generation-report.txt'): report}
    if not args.check:
        for path, content in files.items():
            with open(path, 'w', encoding='utf-8') as f:
                f.write(content)
        return 0
    data = os.path.join(args.dir, 'numbering.txt')
    with open(data, encoding='utf-8') as f:
        committed = f.read()
    # other package versions make other data: that asks for a regeneration, not a failure
    sources = [line for line in text.splitlines() if line.startswith('# sources:')]
    if sources and sources[0] not in committed.splitlines():
        print('generate.py: skipped: the installed packages are not the ones %s was made from (%s); '
              'regenerate it' % (data, sources[0][2:]), file=sys.stderr)
        return SKIP
    bad = 0
    for path, content in files.items():
        with open(path, encoding='utf-8') as f:
            same = f.read() == content
        print('generate.py: %s %s what the generator makes' % (path, 'matches' if same else 'DIFFERS from'))
        bad += not same
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
