/* sigway-decode: prints the SCCP, TCAP, MAP and SMS TPDU fields of a capture
 * file (or of one hex string) as JSON lines, one object per SCCP message,
 * using the same codecs as the gateway. For engineers reading traffic, and
 * for tests.
 *
 *   sigway-decode [--ansi] FILE
 *   sigway-decode --hex HEX (sccp|tcap)
 *
 * FILE is classic pcap (either byte order, microsecond or nanosecond
 * timestamps) or pcapng (what tshark, dumpcap and Wireshark write: several
 * sections, each interface with its own link type; Enhanced, Simple and
 * obsolete Packet Blocks), read by capture.c. "frame" is the frame's number
 * in the file, as tshark counts. A truncated or corrupt file prints the
 * frames before the fault, then the fault (offset, frame, what) on stderr,
 * and exits 1.
 *
 * Link types decoded: 1 (Ethernet), 113 and 276 (Linux cooked v1, v2), 101
 * and 228 (raw IP) / IPv4 / SCTP (M3UA DATA, M2UA or M2PA user data + MTP3)
 * or TCP (IPA), and 141 (MTP3); frames of any other link type are counted
 * but print nothing.
 * Segmented XUDTs are reassembled: the TCAP of the whole message is shown
 * with the segment that completed it. MTP3 routing
 * labels are ITU unless --ansi. */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sigway/map/map_sm.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/sms/sms_alphabet.h>
#include <sigway/sms/sms_tpdu.h>
#include <sigway/tcap/tcap_codec.h>
#include <sigway/ussd/ussd_string.h>
#include "decode.h"

bool decode_ansi;
unsigned long decode_frame_no;

/* ---------------------------------------------------------------- JSON */

/* Code points a terminal must not get raw from a hostile capture: C0, DEL
 * and C1 controls, the bidirectional marks and overrides (which reorder what
 * follows them on screen), and the line and paragraph separators */
static bool unsafe_on_terminal(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* A JSON string that is safe to print on a terminal whatever it holds: the
 * code points above as \uXXXX (a JSON reader gets them back), a byte that is
 * not UTF-8 as \ufffd. len is bounded by the callers' buffers. */
static void json_strn(const char *key, const char *val, size_t len)
{
	printf(",\"%s\":\"", key);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		int l = sms_utf8_next(val + i, len - i, &cp);
		if (l <= 0) {
			printf("\\ufffd");
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			printf("\\%c", (char)cp);
		else if (cp == '\n' || cp == '\r' || cp == '\t')	/* the short escapes read best */
			printf("\\%c", cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't');
		else if (unsafe_on_terminal(cp))
			printf("\\u%04x", (unsigned)cp);
		else
			fwrite(val + i, 1, (size_t)l, stdout);
		i += (size_t)l;
	}
	putchar('"');
}

static void json_str(const char *key, const char *val)
{
	json_strn(key, val, strlen(val));
}

static void json_int(const char *key, long v)
{
	printf(",\"%s\":%ld", key, v);
}

static void json_hex(const char *key, const uint8_t *b, size_t len)
{
	printf(",\"%s\":\"", key);
	for (size_t i = 0; i < len; i++)
		printf("%02x", b[i]);
	putchar('"');
}

static void json_addr(const char *prefix, const struct sccp_addr *a)
{
	char k[48];
	snprintf(k, sizeof(k), "%s.ri", prefix);
	json_str(k, a->ri == SCCP_RI_GT ? "gt" : "ssn");
	if (a->gti) {
		snprintf(k, sizeof(k), "%s.gti", prefix);
		json_int(k, a->gti);
		snprintf(k, sizeof(k), "%s.digits", prefix);
		json_str(k, a->gt.digits);
	}
	if (a->ssn_present) {
		snprintf(k, sizeof(k), "%s.ssn", prefix);
		json_int(k, a->ssn);
	}
	if (a->pc_present) {
		snprintf(k, sizeof(k), "%s.pc", prefix);
		json_int(k, a->pc);
	}
}

/* ----------------------------------------------------------- MAP / SMS */

static void print_tpdu(const uint8_t *buf, size_t len, unsigned int flags)
{
	struct sms_tpdu t;
	char text[700];
	if (sms_tpdu_decode(&t, buf, len, flags) < 0) {
		json_str("tpdu.error", "does not decode");
		return;
	}
	json_int("tpdu.mti", t.type);
	json_str("tpdu.addr", t.addr.text);
	json_int("tpdu.dcs", t.dcs);
	if (sms_tpdu_text(&t, text, sizeof(text)) >= 0)
		json_str("tpdu.text", text);
}

static void print_map_addr(const char *key, const struct map_address *a)
{
	if (a->present)
		json_str(key, a->digits);
}

/* A USSD-String with its data coding scheme (23.038 5): the alphabet, the
 * language (from the DCS, or from the "ll<CR>" prefix of 0x10/0x11), the
 * octets, the text, and a note when the string is not what the DCS says */
static void print_ussd_string(uint8_t dcs, const uint8_t *s, size_t len)
{
	struct ussd_dcs d;
	char text[USSD_MAX_SEPTETS * 3 + 1], lang[3];
	ussd_dcs_parse(&d, dcs);
	json_int("map.ussd_dcs", dcs);
	json_str("map.ussd_alphabet", ussd_charset_name(d.charset));
	if (d.language)
		json_str("map.ussd_language", d.language);
	if (d.has_class)
		json_int("map.ussd_class", d.msg_class);
	if (d.reserved)
		json_str("map.ussd_dcs_note", "a reserved value: read as GSM 7-bit, as 23.038 asks");
	json_hex("map.ussd_octets", s, len);
	int n = ussd_string_decode(text, sizeof(text), dcs, s, len, lang);
	if (n >= 0) {
		if (lang[0])
			json_str("map.ussd_language", lang);
		json_strn("map.ussd_string", text, (size_t)n);
	}
	const char *problem = ussd_string_problem(dcs, s, len);
	if (problem)
		json_str("map.ussd_note", problem);
	else if (n < 0)
		json_str("map.ussd_note", "does not decode");
}

/* USSD-Arg / USSD-Res of processUnstructuredSS-Request, unstructuredSS-Request
 * and -Notify */
static void print_ussd(const struct tcap_component *c)
{
	struct map_ussd u;
	int rc = map_dec_ussd(&u, c->param, c->param_len);
	if (rc < 0) {
		json_str("map.error", rc == -MAP_ERR_MISSING ?
			 "USSD-Arg/Res: no ussd-DataCodingScheme of 1 octet then ussd-String of 1..160 octets "
			 "(missing, cut short or another size)" :
			 "USSD-Arg/Res: not a SEQUENCE, or a bad element after the ussd-String");
		json_hex("map.param", c->param, c->param_len);
		return;
	}
	print_ussd_string(u.dcs, u.string, u.string_len);
	if (u.has_alerting_pattern)
		json_int("map.alerting_pattern", u.alerting_pattern);
	print_map_addr("map.msisdn", &u.msisdn);
}

/* MAP v1 processUnstructuredSS-Data: SS-UserData, an IA5String */
static void print_ss_user_data(const struct tcap_component *c)
{
	struct map_ss_user_data d;
	if (map_dec_ss_user_data(&d, c->param, c->param_len) < 0) {
		json_str("map.error", "SS-UserData is not an IA5String of 1..200 characters");
		json_hex("map.param", c->param, c->param_len);
		return;
	}
	json_strn("map.ss_user_data", d.text, d.len);
}

static void print_map(const struct tcap_component *c)
{
	union {
		struct map_sri_sm_arg sa;
		struct map_sri_sm_res sr;
		struct map_forward_sm_arg fa;
	} x;
	if (!c->param || !c->op_present)
		return;
	bool inv = c->type == TCAP_COMP_INVOKE, res = c->type == TCAP_COMP_RESULT_LAST;
	if (inv && c->opcode == MAP_OP_SRI_FOR_SM && map_dec_sri_sm_arg(&x.sa, c->param, c->param_len) == 0) {
		print_map_addr("map.msisdn", &x.sa.msisdn);
		print_map_addr("map.sc_address", &x.sa.sc_address);
	} else if (res && c->opcode == MAP_OP_SRI_FOR_SM && map_dec_sri_sm_res(&x.sr, c->param, c->param_len) == 0) {
		json_str("map.imsi", x.sr.imsi);
		print_map_addr("map.network_node", &x.sr.network_node);
	} else if (inv && (c->opcode == MAP_OP_MT_FORWARD_SM || c->opcode == MAP_OP_MO_FORWARD_SM) &&
		   map_dec_forward_sm_arg(&x.fa, c->param, c->param_len) == 0) {
		if (x.fa.da_type == MAP_DA_IMSI)
			json_str("map.sm_rp_da.imsi", x.fa.da_imsi);
		print_map_addr("map.sm_rp_da.address", &x.fa.da_address);
		print_map_addr("map.sm_rp_oa.address", &x.fa.oa_address);
		json_hex("map.sm_rp_ui", x.fa.sm_rp_ui, x.fa.sm_rp_ui_len);
		/* SC address as DA: a mobile-originated SMS-SUBMIT; else an SMS-DELIVER */
		print_tpdu(x.fa.sm_rp_ui, x.fa.sm_rp_ui_len, x.fa.da_type == MAP_DA_SC_ADDRESS ? SMS_DEC_MO : 0);
	} else if ((inv || res) && (c->opcode == MAP_OP_PROCESS_USS || c->opcode == MAP_OP_USSR ||
				    c->opcode == MAP_OP_USSN)) {
		print_ussd(c);
	} else if ((inv || res) && c->opcode == MAP_OP_PROCESS_USS_DATA) {
		print_ss_user_data(c);
	}
}

/* ------------------------------------------------------------------ TCAP */

void decode_tcap(const uint8_t *buf, size_t len)
{
	struct tcap_msg m;
	int rc = tcap_decode(&m, buf, len);
	json_str("tcap.type", tcap_msg_type_name(m.type));
	if (rc < 0) {
		json_str("tcap.error", tcap_strerror(rc));
		return;
	}
	if (m.otid_present)
		json_hex("tcap.otid", m.otid, m.otid_len);
	if (m.dtid_present)
		json_hex("tcap.dtid", m.dtid, m.dtid_len);
	if (m.p_abort_present)
		json_int("tcap.p_abort_cause", m.p_abort_cause);
	if (m.dialogue_present) {
		static const char *const dn[] = { "none", "AARQ", "AARE", "ABRT", "AUDT" };
		json_str("tcap.dialogue", dn[m.dialogue.type]);
		if (m.dialogue.acn_present) {
			char oid[64];
			int n = 0;
			enum map_ac ac;
			uint8_t v;
			if (map_acn_parse(&m.dialogue.acn, &ac, &v) == 0)
				n = snprintf(oid, sizeof(oid), "0.4.0.0.1.0.%d.%d", ac, v);
			else
				n = snprintf(oid, sizeof(oid), "(%u octets)", m.dialogue.acn.len);
			(void)n;
			json_str("tcap.acn", oid);
		}
		if (m.dialogue.type == TCAP_DLG_AARE) {
			json_int("tcap.result", m.dialogue.result);
			json_int("tcap.diagnostic", m.dialogue.diag);
		}
	}
	printf(",\"tcap.components\":[");
	for (unsigned int i = 0; i < m.n_comp; i++) {
		const struct tcap_component *c = &m.comp[i];
		printf("%s{\"type\":\"%s\"", i ? "," : "", tcap_comp_type_name(c->type));
		if (c->invoke_id_present)
			json_int("invoke_id", c->invoke_id);
		if (c->op_present)
			json_int("opcode", c->opcode);
		if (c->type == TCAP_COMP_ERROR)
			json_int("error", c->error_code);
		if (c->type == TCAP_COMP_REJECT || c->type == TCAP_COMP_BAD) {
			json_int("problem_type", c->problem_type);
			json_int("problem", c->problem);
		}
		print_map(c);
		putchar('}');
	}
	putchar(']');
}

/* ------------------------------------------------------------------ SCCP */

/* Reassembly of segmented XUDTs (Q.714 4.1.1.3), enough for reading traces:
 * a few messages in flight, keyed by OPC and local reference */
struct pending {
	bool used;
	long opc;
	uint32_t ref;
	int total;			/* -1 until the first segment is seen */
	uint16_t have;
	uint8_t data[16][256];
	uint8_t len[16];
};
static struct pending pending[8];

/* Returns the reassembled length into out when m completes a message, else 0 */
static size_t reassemble(const struct sccp_msg *m, long opc, uint8_t *out)
{
	struct pending *p = NULL, *free_slot = NULL;
	for (int i = 0; i < 8; i++) {
		if (pending[i].used && pending[i].opc == opc && pending[i].ref == m->seg.local_ref)
			p = &pending[i];
		else if (!pending[i].used && !free_slot)
			free_slot = &pending[i];
	}
	if (!p) {
		p = free_slot ? free_slot : &pending[0];	/* the oldest goes when full */
		*p = (struct pending){ .used = true, .opc = opc, .ref = m->seg.local_ref, .total = -1 };
	}
	if (m->len > 255)
		return 0;
	memcpy(p->data[m->seg.remaining], m->data, m->len);
	p->len[m->seg.remaining] = (uint8_t)m->len;
	p->have |= 1u << m->seg.remaining;
	if (m->seg.first)
		p->total = m->seg.remaining + 1;
	if (p->total < 0 || p->have != (uint16_t)((1u << p->total) - 1))
		return 0;
	size_t n = 0;
	for (int r = p->total - 1; r >= 0; r--) {
		memcpy(out + n, p->data[r], p->len[r]);
		n += p->len[r];
	}
	p->used = false;
	return n;
}

void decode_sccp(const uint8_t *buf, size_t len, long opc, long dpc)
{
	struct sccp_msg m;
	int rc = sccp_msg_decode(&m, buf, len);
	printf("{\"frame\":%lu", decode_frame_no);
	if (opc >= 0) {
		json_int("mtp.opc", opc);
		json_int("mtp.dpc", dpc);
	}
	if (rc < 0) {
		json_str("sccp.error", sccp_codec_strerror(rc));
		printf("}\n");
		return;
	}
	json_str("sccp.type", sccp_msg_type_name(m.type));
	json_addr("sccp.called", &m.called);
	json_addr("sccp.calling", &m.calling);
	if (m.type == SCCP_MSGT_UDTS || m.type == SCCP_MSGT_XUDTS)
		json_int("sccp.return_cause", m.return_cause);
	if (m.seg_present) {
		json_int("sccp.segment.remaining", m.seg.remaining);
		json_int("sccp.segment.first", m.seg.first);
	}
	/* SSN 1 is SCCP management (SST/SSA/SSP), not TCAP; a segment of a
	 * segmented message carries only part of one (not reassembled here) */
	static uint8_t whole[16 * 256];
	size_t n;
	if (m.called.ssn_present && m.called.ssn == SCCP_SSN_MGMT)
		json_str("sccp.management", "yes");
	else if (!m.seg_present || (m.seg.first && m.seg.remaining == 0))
		decode_tcap(m.data, m.len);
	else if ((m.type == SCCP_MSGT_XUDT) && (n = reassemble(&m, opc, whole)) > 0) {
		json_int("sccp.reassembled", (long)n);
		decode_tcap(whole, n);
	}
	printf("}\n");
}

/* ----------------------------------------------------------- transports */

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void mtp3(const uint8_t *p, size_t len)
{
	size_t label = decode_ansi ? 7 : 4;
	if (len < 1 + label || (p[0] & 0x0f) != 3)
		return;
	uint32_t dpc, opc;
	if (decode_ansi) {
		dpc = p[1] | p[2] << 8 | p[3] << 16;
		opc = p[4] | p[5] << 8 | p[6] << 16;
	} else {
		uint32_t l = p[1] | p[2] << 8 | p[3] << 16 | (uint32_t)p[4] << 24;
		dpc = l & 0x3fff;
		opc = (l >> 14) & 0x3fff;
	}
	decode_sccp(p + 1 + label, len - 1 - label, opc, dpc);
}

/* M3UA (RFC 4666) and M2UA (RFC 3331) share the common header and the TLV
 * parameters: hands the value of every `tag` parameter of a message of
 * class/type to `payload` */
static void ua_params(const uint8_t *p, size_t len, uint8_t msg_class, uint8_t msg_type, uint16_t tag,
		      void (*payload)(const uint8_t *val, size_t vlen))
{
	if (len < 8 || p[0] != 1 || p[2] != msg_class || p[3] != msg_type)
		return;
	size_t mlen = be32(p + 4), pos = 8;
	if (mlen > len)
		mlen = len;
	while (pos + 4 <= mlen) {
		uint16_t t = be16(p + pos), plen = be16(p + pos + 2);
		if (plen < 4 || pos + plen > mlen)
			return;
		if (t == tag)
			payload(p + pos + 4, plen - 4);
		pos += (plen + 3) & ~3u;
	}
}

/* M3UA Protocol Data: OPC, DPC, SI, NI, MP, SLS, then the user part */
static void m3ua_protocol_data(const uint8_t *v, size_t len)
{
	if (len >= 12 && v[8] == 3)
		decode_sccp(v + 12, len - 12, be32(v), be32(v + 4));
}

static void m3ua(const uint8_t *p, size_t len)
{
	ua_params(p, len, 1, 1, 0x0210, m3ua_protocol_data);	/* transfer, DATA */
}

/* M2UA MAUP Data: Protocol Data 1 holds the MTP3 message */
static void m2ua(const uint8_t *p, size_t len)
{
	ua_params(p, len, 6, 1, 0x0300, mtp3);
}

static void sctp(const uint8_t *p, size_t len)
{
	size_t pos = 12;
	while (pos + 4 <= len) {
		uint8_t type = p[pos];
		uint16_t clen = be16(p + pos + 2);
		if (clen < 4 || pos + clen > len)
			return;
		if (type == 0 && clen >= 16) {
			uint32_t ppid = be32(p + pos + 12);
			const uint8_t *d = p + pos + 16;
			size_t dl = clen - 16;
			if (ppid == 3)
				m3ua(d, dl);
			else if (ppid == 2)
				m2ua(d, dl);
			else if (ppid == 5 && dl > 17 && d[2] == 11 && d[3] == 1)	/* M2PA user data */
				mtp3(d + 17, dl - 17);
		}
		pos += (clen + 3) & ~3u;
	}
}

static void ipa_over_tcp(const uint8_t *p, size_t len)
{
	if (len < 20)
		return;
	size_t hl = (p[12] >> 4) * 4u;
	if (hl < 20 || hl > len)
		return;
	for (size_t pos = hl; pos + 3 <= len;) {
		uint16_t l = be16(p + pos);
		if (pos + 3 + l > len)
			return;
		if (p[pos + 2] == 0xfd)
			decode_sccp(p + pos + 3, l, -1, -1);
		pos += 3 + l;
	}
}

static void ipv4(const uint8_t *p, size_t len)
{
	if (len < 20 || (p[0] >> 4) != 4)
		return;
	size_t ihl = (p[0] & 0x0f) * 4u, tot = be16(p + 2);
	if (ihl < 20 || tot > len || tot < ihl)
		return;
	if (p[9] == 132)
		sctp(p + ihl, tot - ihl);
	else if (p[9] == 6)
		ipa_over_tcp(p + ihl, tot - ihl);
}

static void ethernet(const uint8_t *p, size_t len, size_t hdr)
{
	if (len < hdr)
		return;
	uint16_t type = be16(p + hdr - 2);
	if (type == 0x8100 && len >= hdr + 4) {
		hdr += 4;
		type = be16(p + hdr - 2);
	}
	if (type == 0x0800)
		ipv4(p + hdr, len - hdr);
}


/* Linux cooked v2 (tshark -i any -y LINUX_SLL2): the protocol type comes first */
static void linux_sll2(const uint8_t *p, size_t len)
{
	if (len >= 20 && be16(p) == 0x0800)
		ipv4(p + 20, len - 20);
}

void decode_link_frame(uint32_t linktype, const uint8_t *pkt, size_t len)
{
	switch (linktype) {
	case 1: ethernet(pkt, len, 14); break;		/* Ethernet */
	case 101: case 228: ipv4(pkt, len); break;	/* raw IP (a tun device), raw IPv4 */
	case 113: ethernet(pkt, len, 16); break;	/* Linux cooked */
	case 141: mtp3(pkt, len); break;		/* MTP3 */
	case 276: linux_sll2(pkt, len); break;		/* Linux cooked v2 */
	default: break;
	}
}
