/* Capture files for sigway-decode.
 *
 * Classic pcap: either byte order, microsecond (a1b2c3d4) or nanosecond
 * (a1b23c4d) magic, version 2.x; one link type for the file.
 *
 * pcapng (what tshark, dumpcap and Wireshark write by default): a Section
 * Header Block starts each section and gives its byte order (sections of one
 * file may differ); Interface Description Blocks give each interface's link
 * type and snap length; frames come from Enhanced Packet Blocks (with their
 * interface id), Simple Packet Blocks (interface 0) and the obsolete Packet
 * Blocks. Every other block is skipped by its length; options are not read.
 *
 * Checked, each failure an error naming the offset and the frame it follows:
 * the magic and version, every block length (at least 12, a multiple of 4,
 * at most CAPTURE_BLOCK_MAX, the trailing copy equal to the leading one),
 * each block's minimum length for its type, interface ids against the
 * section's descriptions, captured lengths against the block (pcap records
 * against CAPTURE_BLOCK_MAX), and a file that ends inside a header, record
 * or block. A file that ends between two of them ends cleanly. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/bit16gen.h>
#include <osmocom/core/bit32gen.h>
#include "capture.h"

#define PCAP_MAGIC_US	0xa1b2c3d4u
#define PCAP_MAGIC_NS	0xa1b23c4du
#define PCAPNG_BOM	0x1a2b3c4du
/* the upper bits of a pcap header's link type carry FCS information */
#define PCAP_LINKTYPE_MASK 0x03ffffffu

enum pcapng_block {
	PCAPNG_IDB = 0x00000001,	/* Interface Description */
	PCAPNG_PB = 0x00000002,		/* Packet (obsolete) */
	PCAPNG_SPB = 0x00000003,	/* Simple Packet */
	PCAPNG_EPB = 0x00000006,	/* Enhanced Packet */
	PCAPNG_SHB = 0x0a0d0d0a,	/* Section Header: the same in both byte orders */
};

enum capture_kind { CAPTURE_UNREAD, CAPTURE_PCAP, CAPTURE_PCAPNG };

struct capture_interface {
	uint32_t linktype;
	uint32_t snaplen;	/* 0: no limit */
};

struct capture {
	FILE *f;			/* NULL: reading mem */
	const uint8_t *mem;
	size_t mem_len;
	uint64_t off;			/* octets consumed */
	uint8_t peeked[4];		/* FILE: the magic, read before its header */
	size_t n_peeked;
	uint8_t *buf;			/* FILE: the record or block being read */
	size_t buf_size;

	enum capture_kind kind;
	bool big_endian;		/* of the file (pcap) or of the current section */
	uint32_t pcap_linktype;
	unsigned section;		/* pcapng: sections seen, the current one's index + 1 */
	struct capture_interface *ifaces;	/* of the current section */
	uint32_t n_ifaces;

	unsigned long frames;
	int read_errno;			/* FILE: why fread() stopped short, when it was not the end */
	bool failed;
	char err[200];
};

static const uint8_t empty[1];

static struct capture *capture_alloc(void *ctx)
{
	return talloc_zero(ctx, struct capture);
}

struct capture *capture_open_file(void *ctx, FILE *f)
{
	struct capture *c = capture_alloc(ctx);
	if (c)
		c->f = f;
	return c;
}

struct capture *capture_open_mem(void *ctx, const uint8_t *buf, size_t len)
{
	struct capture *c = capture_alloc(ctx);
	if (c) {
		c->mem = buf ? buf : empty;	/* no arithmetic on a null pointer */
		c->mem_len = len;
	}
	return c;
}

const char *capture_error(const struct capture *c)
{
	return c->failed ? c->err : "no error";
}

const char *capture_format(const struct capture *c)
{
	return c->kind == CAPTURE_PCAP ? "pcap" : c->kind == CAPTURE_PCAPNG ? "pcapng" : NULL;
}

/* Records the error at the record or block that starts at offset at; -1 */
__attribute__((format(printf, 3, 4)))
static int fail(struct capture *c, uint64_t at, const char *fmt, ...)
{
	int n = snprintf(c->err, sizeof(c->err), "offset %" PRIu64 ", after frame %lu: ", at, c->frames);
	c->failed = true;
	if (n <= 0 || (size_t)n >= sizeof(c->err))
		return -1;
	if (c->read_errno) {	/* what looked like the end of the file was not */
		snprintf(c->err + n, sizeof(c->err) - (size_t)n, "read error: %s", strerror(c->read_errno));
		return -1;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err + n, sizeof(c->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The clean end of the file between two records or blocks: 0, unless reading failed */
static int end(struct capture *c, uint64_t at)
{
	return c->read_errno ? fail(c, at, "read error") : 0;
}

/* The next n octets (n <= CAPTURE_BLOCK_MAX) in *p: how many there are, n
 * unless the file ends first; 0 with *p NULL when memory runs out */
static size_t take(struct capture *c, size_t n, const uint8_t **p)
{
	if (!c->f) {
		size_t left = c->mem_len - (size_t)c->off;
		size_t got = n < left ? n : left;
		*p = c->mem + c->off;
		c->off += got;
		return got;
	}
	if (n == 0) {
		*p = c->buf ? c->buf : empty;
		return 0;
	}
	if (n > c->buf_size) {
		size_t size = c->buf_size * 2 > CAPTURE_BLOCK_MAX ? CAPTURE_BLOCK_MAX : c->buf_size * 2;
		if (size < n)
			size = n;
		uint8_t *buf = talloc_realloc_size(c, c->buf, size);
		if (!buf) {
			*p = NULL;
			return 0;
		}
		c->buf = buf;
		c->buf_size = size;
	}
	size_t got = c->n_peeked < n ? c->n_peeked : n;
	memcpy(c->buf, c->peeked, got);
	memmove(c->peeked, c->peeked + got, c->n_peeked - got);
	c->n_peeked -= got;
	got += fread(c->buf + got, 1, n - got, c->f);
	if (got < n && ferror(c->f))
		c->read_errno = errno ? errno : EIO;
	*p = c->buf;
	c->off += got;
	return got;
}

/* The first four octets, left to be taken again */
static size_t peek_magic(struct capture *c, uint8_t magic[4])
{
	if (!c->f) {
		size_t got = c->mem_len < 4 ? c->mem_len : 4;
		memcpy(magic, c->mem, got);
		return got;
	}
	c->n_peeked = fread(c->peeked, 1, 4, c->f);
	if (c->n_peeked < 4 && ferror(c->f))
		c->read_errno = errno ? errno : EIO;
	memcpy(magic, c->peeked, c->n_peeked);
	return c->n_peeked;
}

static uint16_t u16(const struct capture *c, const uint8_t *p)
{
	return c->big_endian ? osmo_load16be(p) : osmo_load16le(p);
}

static uint32_t u32(const struct capture *c, const uint8_t *p)
{
	return c->big_endian ? osmo_load32be(p) : osmo_load32le(p);
}

/* ---------------------------------------------------------------- pcap */

static int pcap_header(struct capture *c)
{
	const uint8_t *h;
	size_t got = take(c, 24, &h);
	if (got < 24)
		return h ? fail(c, 0, "truncated pcap file header (%zu of 24 octets)", got) :
			   fail(c, 0, "out of memory");
	uint16_t major = u16(c, h + 4), minor = u16(c, h + 6);
	if (major != 2)
		return fail(c, 0, "pcap version %u.%u is not read (only 2.x)", major, minor);
	c->pcap_linktype = u32(c, h + 20) & PCAP_LINKTYPE_MASK;
	return 0;
}

/* The header of the next record or block (n octets at offset at) in *p:
 * 1; the clean end of the file before it: 0; else -1 (a fault) */
static int take_header(struct capture *c, uint64_t at, size_t n, const uint8_t **p, const char *what)
{
	size_t got = take(c, n, p);
	if (!*p)
		return fail(c, at, "out of memory");
	if (got == 0)
		return end(c, at);
	if (got < n)
		return fail(c, at, "truncated %s (%zu of %zu octets)", what, got, n);
	return 1;
}

static int pcap_next(struct capture *c, struct capture_frame *fr)
{
	uint64_t at = c->off;
	const uint8_t *h, *data;
	int rc = take_header(c, at, 16, &h, "record header");
	if (rc <= 0)
		return rc;
	uint32_t incl = u32(c, h + 8), orig = u32(c, h + 12);
	if (incl > CAPTURE_BLOCK_MAX)
		return fail(c, at, "record of %" PRIu32 " octets, more than the %u read", incl, CAPTURE_BLOCK_MAX);
	size_t got = take(c, incl, &data);
	if (!data)
		return fail(c, at, "out of memory");
	if (got < incl)
		return fail(c, at, "truncated record (%" PRIu32 " octets captured, %zu in the file)", incl, got);
	*fr = (struct capture_frame){ .number = ++c->frames, .linktype = c->pcap_linktype, .data = data,
				      .len = incl, .orig_len = orig };
	return 1;
}

/* -------------------------------------------------------------- pcapng */

static const char *block_name(uint32_t type)
{
	switch (type) {
	case PCAPNG_SHB: return "Section Header Block";
	case PCAPNG_IDB: return "Interface Description Block";
	case PCAPNG_EPB: return "Enhanced Packet Block";
	case PCAPNG_SPB: return "Simple Packet Block";
	case PCAPNG_PB: return "Packet Block";
	default: return "block";
	}
}

/* Octets a block of the type needs, trailing length included */
static uint32_t block_min(uint32_t type)
{
	switch (type) {
	case PCAPNG_SHB: return 28;
	case PCAPNG_IDB: return 20;
	case PCAPNG_EPB: return 32;
	case PCAPNG_SPB: return 16;
	case PCAPNG_PB: return 32;
	default: return 12;
	}
}

/* A new section: its byte order from the magic at bom, its version */
static int section_start(struct capture *c, uint64_t at, const uint8_t *bom, const uint8_t *body)
{
	if (osmo_load32le(bom) == PCAPNG_BOM)
		c->big_endian = false;
	else if (osmo_load32be(bom) == PCAPNG_BOM)
		c->big_endian = true;
	else
		return fail(c, at, "Section Header Block: byte-order magic %02x%02x%02x%02x is not 1a2b3c4d "
			    "in either order", bom[0], bom[1], bom[2], bom[3]);
	if (body) {
		uint16_t major = u16(c, body), minor = u16(c, body + 2);
		if (major != 1)
			return fail(c, at, "pcapng version %u.%u is not read (only 1.x)", major, minor);
		c->section++;
		c->n_ifaces = 0;
	}
	return 0;
}

static int add_interface(struct capture *c, uint64_t at, const uint8_t *body)
{
	if (c->n_ifaces == CAPTURE_INTERFACES_MAX)
		return fail(c, at, "more than %u interfaces in section %u", CAPTURE_INTERFACES_MAX, c->section - 1);
	if (talloc_array_length(c->ifaces) == c->n_ifaces) {
		size_t n = c->n_ifaces ? 2 * (size_t)c->n_ifaces : 4;
		struct capture_interface *ifaces = talloc_realloc(c, c->ifaces, struct capture_interface, n);
		if (!ifaces)
			return fail(c, at, "out of memory");
		c->ifaces = ifaces;
	}
	c->ifaces[c->n_ifaces++] = (struct capture_interface){ .linktype = u16(c, body), .snaplen = u32(c, body + 4) };
	return 0;
}

/* The frame of an Enhanced, Simple or obsolete Packet Block; body_len is
 * at least the block type's minimum less the 12 octets of lengths and type */
static int packet_block(struct capture *c, uint64_t at, uint32_t type, const uint8_t *body, uint32_t body_len,
			struct capture_frame *fr)
{
	uint32_t iface, caplen, orig, hdr;
	if (type == PCAPNG_SPB) {
		iface = 0;
		hdr = 4;
		orig = u32(c, body);
		caplen = orig;
	} else {
		iface = type == PCAPNG_EPB ? u32(c, body) : u16(c, body);
		hdr = 20;
		caplen = u32(c, body + 12);
		orig = u32(c, body + 16);
	}
	if (iface >= c->n_ifaces)
		return fail(c, at, "%s of interface %" PRIu32 ", but section %u describes %" PRIu32 " interface%s",
			    block_name(type), iface, c->section - 1, c->n_ifaces, c->n_ifaces == 1 ? "" : "s");
	const struct capture_interface *i = &c->ifaces[iface];
	if (type == PCAPNG_SPB) {
		/* no captured length: the snap length, or what the block holds */
		if (i->snaplen && caplen > i->snaplen)
			caplen = i->snaplen;
		if (caplen > body_len - hdr)
			caplen = body_len - hdr;
	} else if (caplen > body_len - hdr) {
		return fail(c, at, "%s: captured length %" PRIu32 " exceeds the %" PRIu32 " octets of the block",
			    block_name(type), caplen, body_len - hdr);
	}
	*fr = (struct capture_frame){ .number = ++c->frames, .linktype = i->linktype, .section = c->section - 1,
				      .interface = iface, .data = body + hdr, .len = caplen, .orig_len = orig };
	return 1;
}

static int pcapng_next(struct capture *c, struct capture_frame *fr)
{
	for (;;) {
		uint64_t at = c->off;
		uint8_t hdr[12];
		const uint8_t *p;
		int rc = take_header(c, at, 8, &p, "block header");
		if (rc <= 0)
			return rc;
		memcpy(hdr, p, 8);
		uint32_t type = u32(c, hdr), hlen = 8;
		if (type == PCAPNG_SHB) {
			/* its length is in the byte order the magic after it gives */
			size_t got = take(c, 4, &p);
			if (got < 4)
				return p ? fail(c, at, "truncated Section Header Block (%zu octets in the file)",
						8 + got) : fail(c, at, "out of memory");
			memcpy(hdr + 8, p, 4);
			if (section_start(c, at, hdr + 8, NULL) < 0)
				return -1;
			hlen = 12;
		}
		uint32_t len = u32(c, hdr + 4);
		if (len % 4 || len < block_min(type) || len > CAPTURE_BLOCK_MAX)
			return fail(c, at, "%s type 0x%08" PRIx32 " of length %" PRIu32 " (must be a multiple "
				    "of 4, %" PRIu32 " to %u)", block_name(type), type, len, block_min(type),
				    CAPTURE_BLOCK_MAX);
		size_t got = take(c, len - hlen, &p);
		if (!p)
			return fail(c, at, "out of memory");
		if (got < len - hlen)
			return fail(c, at, "truncated %s (%" PRIu32 " octets long, %zu in the file)",
				    block_name(type), len, hlen + got);
		uint32_t body_len = len - hlen - 4, trailer = u32(c, p + body_len);
		if (trailer != len)
			return fail(c, at, "%s: trailing length %" PRIu32 " differs from the leading %" PRIu32,
				    block_name(type), trailer, len);
		switch (type) {
		case PCAPNG_SHB:
			if (section_start(c, at, hdr + 8, p) < 0)
				return -1;
			break;
		case PCAPNG_IDB:
			if (add_interface(c, at, p) < 0)
				return -1;
			break;
		case PCAPNG_EPB:
		case PCAPNG_SPB:
		case PCAPNG_PB:
			return packet_block(c, at, type, p, body_len, fr);
		default:
			break;
		}
	}
}

/* ----------------------------------------------------------------- both */

/* The file's format from its first four octets */
static int read_header(struct capture *c)
{
	uint8_t m[4];
	size_t got = peek_magic(c, m);
	if (got == 0)
		return fail(c, 0, "empty file");	/* or the read error, fail() says which */
	if (got < 4)
		return fail(c, 0, "not a capture file: %zu octets", got);
	uint32_t le = osmo_load32le(m), be = osmo_load32be(m);
	if (le == PCAP_MAGIC_US || le == PCAP_MAGIC_NS || be == PCAP_MAGIC_US || be == PCAP_MAGIC_NS) {
		c->kind = CAPTURE_PCAP;
		c->big_endian = be == PCAP_MAGIC_US || be == PCAP_MAGIC_NS;
		return pcap_header(c);
	}
	if (le == PCAPNG_SHB) {
		c->kind = CAPTURE_PCAPNG;
		return 0;
	}
	return fail(c, 0, "not a pcap or pcapng file (magic %02x%02x%02x%02x)", m[0], m[1], m[2], m[3]);
}

int capture_next(struct capture *c, struct capture_frame *fr)
{
	if (c->failed)
		return -1;
	if (c->kind == CAPTURE_UNREAD && read_header(c) < 0)
		return -1;
	return c->kind == CAPTURE_PCAP ? pcap_next(c, fr) : pcapng_next(c, fr);
}
