#!/usr/bin/env python3
"""sigway-decode reads every capture format it claims (src/decode/capture.c)
the same as classic pcap, and stops at a bad file with the frames before the
fault, one message and exit status 1.

Each capture of tests/captures is rewritten, in a temporary directory, by
editcap (pcapng, nanosecond pcap) and by the writer below (big-endian pcap;
pcapng sections in either byte order holding Enhanced, Simple and obsolete
Packet Blocks among blocks the reader must skip): the output of each must be
byte for byte the classic pcap's; so must the output of the Ethernet captures
rewritten to Linux cooked v1/v2 and raw IP. Then: two sections and several interfaces
of different link types in one file (mergecap, and files concatenated);
files cut inside a record or block; corrupt lengths, interface ids and
captured lengths; a record larger than the old 256 KiB buffer.

usage: test_capture_formats.py SIGWAY_DECODE CAPTURES_DIR
"""

import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

DECODE = CAPTURES = None
# the capture and the options it is decoded with (captures/README.md)
FILES = [('CAP.pcap', []), ('gsm_map_with_ussd_string.pcap', []), ('pycrate_tcapmap_pcapr.pcap', []),
         ('SRI_Invalid_MSISDN11.pcap', ['--ansi'])]


# ------------------------------------------------------------------ files

def read_pcap(path):
    """(link type, [(ts_sec, ts_frac, orig_len, data)]) of a classic pcap"""
    with open(path, 'rb') as f:
        b = f.read()
    e = '<' if struct.unpack('<I', b[:4])[0] in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    linktype = struct.unpack(e + 'I', b[20:24])[0]
    frames, off = [], 24
    while off < len(b):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', b[off:off + 16])
        frames.append((sec, frac, orig, b[off + 16:off + 16 + incl]))
        off += 16 + incl
    return linktype, frames


def write_pcap(path, linktype, frames, e='<', magic=0xa1b2c3d4):
    with open(path, 'wb') as f:
        f.write(struct.pack(e + 'IHHiIII', magic, 2, 4, 0, 0, 65535, linktype))
        for sec, frac, orig, data in frames:
            f.write(struct.pack(e + 'IIII', sec, frac, len(data), orig) + data)


def pad4(b):
    return b + b'\0' * (-len(b) % 4)


def block(e, btype, body, trailer=None):
    """a pcapng block; trailer: a trailing length other than the right one"""
    n = 12 + len(body)
    return struct.pack(e + 'II', btype, n) + body + struct.pack(e + 'I', n if trailer is None else trailer)


def shb(e, major=1):
    return block(e, 0x0a0d0d0a, struct.pack(e + 'IHHq', 0x1a2b3c4d, major, 0, -1))


def idb(e, linktype, snaplen=0):
    return block(e, 1, struct.pack(e + 'HHI', linktype, 0, snaplen))


def epb(e, iface, data, orig=None, caplen=None):
    return block(e, 6, struct.pack(e + 'IIIII', iface, 0, 0, len(data) if caplen is None else caplen,
                                   len(data) if orig is None else orig) + pad4(data))


def spb(e, data):
    return block(e, 3, struct.pack(e + 'I', len(data)) + pad4(data))


def pb(e, iface, data):
    return block(e, 2, struct.pack(e + 'HHIIII', iface, 0, 0, 0, len(data), len(data)) + pad4(data))


def isb(e):
    """an Interface Statistics Block of interface 0, no option"""
    return block(e, 5, struct.pack(e + 'III', 0, 0, 0))


def pcapng_blocks(b):
    """[(offset, type)] of a pcapng file's blocks (sections in either order)"""
    out, off, e = [], 0, '<'
    while off < len(b):
        btype = struct.unpack(e + 'I', b[off:off + 4])[0]
        if btype == 0x0a0d0d0a:
            e = '<' if struct.unpack('<I', b[off + 8:off + 12])[0] == 0x1a2b3c4d else '>'
        out.append((off, btype))
        off += struct.unpack(e + 'I', b[off + 4:off + 8])[0]
    return out


# ----------------------------------------------------------------- running

def decode(path, opts=()):
    p = subprocess.run([DECODE] + list(opts) + [path], capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode()


def tshark_frames(path):
    """how many frames tshark reads in path (it fails on a file it finds corrupt)"""
    return len(subprocess.run(['tshark', '-r', path, '-T', 'fields', '-e', 'frame.number'], check=True,
                              capture_output=True, text=True).stdout.split())


def renumber(out, by):
    """sigway-decode's lines with their frame numbers moved by `by`"""
    return re.sub(rb'^\{"frame":(\d+)', lambda m: b'{"frame":%d' % (int(m.group(1)) + by), out, flags=re.M)


class CaptureFormats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.classic = {}
        for name, opts in FILES:
            rc, out, err = decode(os.path.join(CAPTURES, name), opts)
            assert rc == 0 and out and not err, (name, rc, err)
            cls.classic[name] = out

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def editcap(self, src, dst, *args, keep=None):
        """editcap ARGS src dst; keep: only these frames ('1-30')"""
        keep = [keep] if keep else []
        subprocess.run(['editcap'] + list(args) + ['-r'] * len(keep) + [src, dst] + keep, check=True,
                       capture_output=True)
        return dst

    def same_as_classic(self, name, opts, path):
        rc, out, err = decode(path, opts)
        self.assertEqual((rc, err), (0, ''), path)
        self.assertEqual(out, self.classic[name], path)

    def test_editcap_formats(self):
        """editcap's pcapng (what tshark writes) and nanosecond pcap read like the classic pcap"""
        for name, opts in FILES:
            src = os.path.join(CAPTURES, name)
            for fmt in ('pcapng', 'nsecpcap'):
                with self.subTest(name=name, fmt=fmt):
                    dst = self.editcap(src, self.path(name + '.' + fmt), '-F', fmt)
                    with open(dst, 'rb') as f:
                        magic = f.read(4)
                    self.assertEqual(magic, b'\x0a\x0d\x0d\x0a' if fmt == 'pcapng' else b'\x4d\x3c\xb2\xa1')
                    self.same_as_classic(name, opts, dst)

    def test_big_endian_pcap(self):
        for name, opts in FILES:
            linktype, frames = read_pcap(os.path.join(CAPTURES, name))
            for magic in (0xa1b2c3d4, 0xa1b23c4d):
                with self.subTest(name=name, magic=hex(magic)):
                    dst = self.path('%s.%x.be.pcap' % (name, magic))
                    write_pcap(dst, linktype, frames, '>', magic)
                    self.assertEqual(tshark_frames(dst), len(frames))
                    self.same_as_classic(name, opts, dst)

    def test_pcapng_blocks_and_byte_orders(self):
        """every frame in a block of another kind (EPB, SPB, PB in turn), sections of
        both byte orders, blocks the reader must skip among them"""
        for name, opts in FILES:
            linktype, frames = read_pcap(os.path.join(CAPTURES, name))
            for e in '<>':
                with self.subTest(name=name, byte_order=e):
                    b = shb(e) + block(e, 4, bytes(4)) + idb(e, linktype) + isb(e) + block(e, 0x80000001, pad4(b'local'))
                    for i, (_, _, _, data) in enumerate(frames):
                        b += (epb(e, 0, data), spb(e, data), pb(e, 0, data))[i % 3]
                        b += (isb(e) if i % 2 else block(e, 4, bytes(4))) if i % 5 == 0 else b''
                    dst = self.path('%s.%s.pcapng' % (name, 'be' if e == '>' else 'le'))
                    with open(dst, 'wb') as f:
                        f.write(b)
                    self.assertEqual(tshark_frames(dst), len(frames))	# the writer writes pcapng
                    self.same_as_classic(name, opts, dst)
                    # the same frames split over a section per byte order
                    half = len(frames) // 2
                    b = shb(e) + idb(e, linktype) + b''.join(epb(e, 0, d) for _, _, _, d in frames[:half])
                    o = '>' if e == '<' else '<'
                    b += shb(o) + idb(o, 147) + idb(o, linktype) + b''.join(epb(o, 1, d) for _, _, _, d in frames[half:])
                    with open(dst, 'wb') as f:
                        f.write(b)
                    self.assertEqual(tshark_frames(dst), len(frames))	# the writer writes pcapng
                    self.same_as_classic(name, opts, dst)

    def test_link_types(self):
        """the Ethernet captures' frames as Linux cooked v1 and v2 (tshark -i any) and as
        raw IP (a tun device) read the same (a frame of no IPv4 stays, as IPv6, so that
        the frame numbers stay)"""
        for name, opts in FILES:
            linktype, frames = read_pcap(os.path.join(CAPTURES, name))
            if linktype != 1:
                continue
            for to in (113, 276, 101, 228):
                with self.subTest(name=name, linktype=to):
                    out = []
                    for sec, frac, orig, d in frames:
                        ethertype, payload = d[12:14], d[14:]
                        if to == 113:
                            d = struct.pack('>HHH', 0, 1, 6) + d[6:12] + b'\0\0' + ethertype + payload
                        elif to == 276:
                            d = ethertype + b'\0\0' + struct.pack('>IHBB', 1, 1, 0, 6) + d[6:12] + b'\0\0' + payload
                        else:
                            d = payload if ethertype == b'\x08\x00' else b'\x60' + bytes(39)
                        out.append((sec, frac, len(d), d))
                    dst = self.path('%s.%d.pcap' % (name, to))
                    write_pcap(dst, to, out)
                    self.assertEqual(tshark_frames(dst), len(frames))
                    self.same_as_classic(name, opts, dst)

    def test_simple_packet_block_snap_length(self):
        """a Simple Packet Block holds the frame cut to its interface's snap length"""
        linktype, frames = read_pcap(os.path.join(CAPTURES, 'gsm_map_with_ussd_string.pcap'))
        data = frames[0][3]
        for snap, expect in ((0, self.classic['gsm_map_with_ussd_string.pcap']), (60, b'')):
            b = shb('<') + idb('<', linktype, snap) + spb('<', data)
            dst = self.path('spb%d.pcapng' % snap)
            with open(dst, 'wb') as f:
                f.write(b)
            self.assertEqual(decode(dst), (0, expect, ''))

    def test_two_sections_two_link_types(self):
        """Ethernet and MTP3 frames: one section with two interfaces (mergecap), and two
        sections (files concatenated); frames numbered on across sections"""
        eth, mtp3 = 'gsm_map_with_ussd_string.pcap', 'CAP.pcap'
        n_eth = len(read_pcap(os.path.join(CAPTURES, eth))[1])
        expect = self.classic[eth] + renumber(self.classic[mtp3], n_eth)
        merged = self.path('merged.pcapng')
        subprocess.run(['mergecap', '-a', '-F', 'pcapng', '-w', merged, os.path.join(CAPTURES, eth),
                        os.path.join(CAPTURES, mtp3)], check=True, capture_output=True)
        with open(merged, 'rb') as f:
            self.assertEqual([t for _, t in pcapng_blocks(f.read())].count(1), 2, 'two interfaces')
        self.assertEqual(decode(merged), (0, expect, ''))
        parts = [self.editcap(os.path.join(CAPTURES, n), self.path(n + '.ng'), '-F', 'pcapng') for n in (eth, mtp3)]
        two = self.path('two-sections.pcapng')
        with open(two, 'wb') as f:
            for p in parts + [merged]:
                with open(p, 'rb') as g:
                    f.write(g.read())
        n_mtp3 = len(read_pcap(os.path.join(CAPTURES, mtp3))[1])
        self.assertEqual(decode(two), (0, expect + renumber(expect, n_eth + n_mtp3), ''))
        self.assertEqual(tshark_frames(two), 2 * (n_eth + n_mtp3))

    def check_cut(self, name, opts, full, frame, cut_at, fmt):
        """full cut at cut_at, inside frame `frame`'s record: frames before it, exit 1"""
        src = os.path.join(CAPTURES, name)
        with open(full, 'rb') as f:
            b = f.read()
        dst = self.path('cut.' + fmt)
        with open(dst, 'wb') as f:
            f.write(b[:cut_at])
        if frame > 1:
            before = decode(self.editcap(src, self.path('before.pcap'), '-F', 'pcap', keep='1-%d' % (frame - 1)),
                            opts)[1]
        else:
            before = b''
        rc, out, err = decode(dst, opts)
        self.assertEqual(rc, 1, (fmt, frame, cut_at))
        self.assertEqual(out, before, (fmt, frame, cut_at))
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn('after frame %d: truncated' % (frame - 1), err)
        self.assertTrue(err.startswith('sigway-decode: %s: ' % dst), err)

    def test_truncated(self):
        name, opts = 'CAP.pcap', []
        src = os.path.join(CAPTURES, name)
        ng = self.editcap(src, self.path('cap.pcapng'), '-F', 'pcapng')
        with open(ng, 'rb') as f:
            b = f.read()
        all_blocks = pcapng_blocks(b) + [(len(b), None)]
        # (offset, length) of each Enhanced Packet Block
        blocks = [(off, all_blocks[i + 1][0] - off) for i, (off, t) in enumerate(all_blocks) if t == 6]
        _, frames = read_pcap(src)
        offsets, off = [], 24
        for _, _, _, data in frames:
            offsets.append(off)
            off += 16 + len(data)
        for frame in (1, 2, 30, len(frames)):
            for delta in (1, 7, 8, 20, 40):		# in the header, the block/record, its trailer
                with self.subTest(frame=frame, delta=delta):
                    if delta < blocks[frame - 1][1]:
                        self.check_cut(name, opts, ng, frame, blocks[frame - 1][0] + delta, 'pcapng')
                    if delta < 16 + len(frames[frame - 1][3]):
                        self.check_cut(name, opts, src, frame, offsets[frame - 1] + delta, 'pcap')
        # cut at a block boundary: a shorter file, not an error
        cut = self.path('boundary.pcapng')
        with open(ng, 'rb') as f, open(cut, 'wb') as g:
            g.write(f.read()[:blocks[30][0]])
        rc, out, err = decode(cut)
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, decode(self.editcap(src, self.path('b30.pcap'), '-F', 'pcap', keep='1-30'))[1])

    def corrupt(self, b, message, frames_before=1):
        """b (a pcapng or pcap file): exit 1, the frames before printed, message on stderr"""
        dst = self.path('corrupt')
        with open(dst, 'wb') as f:
            f.write(b)
        rc, out, err = decode(dst)
        self.assertEqual(rc, 1, message)
        self.assertEqual(len(out.splitlines()), frames_before, (message, out))
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(message, err)
        return err

    def test_corrupt(self):
        linktype, frames = read_pcap(os.path.join(CAPTURES, 'gsm_map_with_ussd_string.pcap'))
        data = frames[0][3]
        good = shb('<') + idb('<', linktype) + epb('<', 0, data)
        off = len(good)
        self.assertEqual(decode(self._write(good))[0], 0)
        e = epb('<', 0, data)
        self.corrupt(good + e[:-4] + struct.pack('<I', len(e) + 4),
                     'offset %d, after frame 1: Enhanced Packet Block: trailing length %d differs from the leading %d'
                     % (off, len(e) + 4, len(e)))
        self.corrupt(good + e[:4] + struct.pack('<I', len(e) + 2) + e[8:], 'of length %d (must be a multiple of 4' %
                     (len(e) + 2))
        self.corrupt(good + struct.pack('<II', 0x80000001, 8), 'block type 0x80000001 of length 8 (must be')
        self.corrupt(good + struct.pack('<II', 6, 0x7ffffffc), 'of length 2147483644 (must be')
        self.corrupt(good + epb('<', 1, data), 'Enhanced Packet Block of interface 1, but section 0 describes 1 '
                     'interface')
        self.corrupt(good + pb('<', 3, data), 'Packet Block of interface 3')
        self.corrupt(good + epb('<', 0, data, caplen=len(data) + 4),
                     'captured length %d exceeds the %d octets of the block' % (len(data) + 4, len(pad4(data))))
        self.corrupt(good + epb('<', 0, data, caplen=0xffffffff), 'captured length 4294967295 exceeds')
        self.corrupt(good + shb('<', major=2) + idb('<', linktype) + epb('<', 0, data), 'pcapng version 2.0')
        bad_bom = shb('<')
        self.corrupt(good + bad_bom[:8] + b'\x11\x22\x33\x44' + bad_bom[12:], 'byte-order magic 11223344')
        # a new section forgets the interfaces of the one before
        self.corrupt(good + shb('>') + epb('>', 0, data), 'but section 1 describes 0 interfaces')
        self.corrupt(shb('<') + spb('<', data), 'Simple Packet Block of interface 0, but section 0', 0)
        pcap = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)
        rec = struct.pack('<IIII', 0, 0, len(data), len(data)) + data
        self.corrupt(pcap + rec + struct.pack('<IIII', 0, 0, 0x01000001, 0x01000001),
                     'offset %d, after frame 1: record of 16777217 octets, more than the 16777216 read' %
                     (24 + len(rec)))
        self.corrupt(struct.pack('<IHHiIII', 0xa1b2c3d4, 3, 0, 0, 0, 65535, 1), 'pcap version 3.0', 0)
        self.corrupt(b'not a capture at all', 'offset 0, after frame 0: not a pcap or pcapng file (magic 6e6f7420)', 0)
        self.corrupt(b'', 'empty file', 0)
        self.corrupt(pcap[:10], 'truncated pcap file header (10 of 24 octets)', 0)
        # a file with its header only: no frame, no error
        self.assertEqual(decode(self._write(pcap)), (0, b'', ''))
        self.assertEqual(decode(self._write(shb('>') + idb('>', 1))), (0, b'', ''))
        rc, _, err = decode(self.path('does-not-exist'))
        self.assertEqual(rc, 1)
        self.assertIn('cannot read', err)
        # a read that fails is not the end of the file
        self.assertEqual(decode(self.tmp.name), (1, b'', 'sigway-decode: %s: offset 0, after frame 0: read error: '
                                                        'Is a directory\n' % self.tmp.name))

    def _write(self, b, name='file'):
        dst = self.path(name)
        with open(dst, 'wb') as f:
            f.write(b)
        return dst

    def test_large_record(self):
        """records and blocks past the 256 KiB the reader used to stop at"""
        linktype, frames = read_pcap(os.path.join(CAPTURES, 'gsm_map_with_ussd_string.pcap'))
        data, big = frames[0][3], b'\xff' * (1 << 20)	# a broadcast frame of no IP
        one = self.classic['gsm_map_with_ussd_string.pcap']
        pcap = self._write(b'', 'big.pcap')
        write_pcap(pcap, linktype, [(0, 0, len(big), big), (0, 0, len(data), data)])
        self.assertEqual(decode(pcap), (0, renumber(one, 1), ''))
        ng = self._write(shb('<') + idb('<', linktype) + epb('<', 0, big) + epb('<', 0, data), 'big.pcapng')
        self.assertEqual(decode(ng), (0, renumber(one, 1), ''))


def main():
    global DECODE, CAPTURES
    DECODE, CAPTURES = os.path.abspath(sys.argv[1]), sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)


if __name__ == '__main__':
    main()
