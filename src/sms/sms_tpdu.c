/* SMS TPDU codec, 3GPP TS 23.040 9.2. No allocation: decoded user data points
 * into the caller's buffer (8-bit/UCS2) or into the struct (GSM7 septets). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <sigway/sms/sms_tpdu.h>

/* Read cursor: every read goes through rd_*() which check the length. */
struct rd {
	const uint8_t *p;
	size_t len, pos;
};

static int rd_u8(struct rd *r, uint8_t *v)
{
	if (r->pos >= r->len)
		return -SMS_ERR_SHORT;
	*v = r->p[r->pos++];
	return 0;
}

static const uint8_t *rd_n(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (n > r->len - r->pos)
		return NULL;
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

/* Write cursor */
struct wr {
	uint8_t *p;
	size_t len, pos;
};

static int wr_u8(struct wr *w, uint8_t v)
{
	if (w->pos >= w->len)
		return -ENOSPC;
	w->p[w->pos++] = v;
	return 0;
}

static int wr_n(struct wr *w, const uint8_t *src, size_t n)
{
	if (n > w->len - w->pos)
		return -ENOSPC;
	if (n)
		memcpy(w->p + w->pos, src, n);
	w->pos += n;
	return 0;
}

const char *sms_err_str(int err)
{
	switch (err < 0 ? -err : err) {
	case 0: return "ok";
	case SMS_ERR_SHORT: return "TPDU truncated";
	case SMS_ERR_ADDR_LEN: return "bad address length";
	case SMS_ERR_BCD: return "invalid BCD digit in address";
	case SMS_ERR_UDL: return "TP-UDL exceeds user data";
	case SMS_ERR_UDHL: return "UDHL exceeds user data";
	case SMS_ERR_IE_LEN: return "UDH information element exceeds UDH";
	case SMS_ERR_MTI: return "reserved TP-MTI";
	case SMS_ERR_TS: return "invalid BCD in timestamp";
	case SMS_ERR_DCS: return "unsupported data coding";
	case SMS_ERR_TRAILING: return "trailing octets";
	case ENOSPC: return "output buffer too small";
	case EINVAL: return "invalid value";
	default: return "unknown error";
	}
}

/* ---- TP-DCS (23.038 4) ---- */

static void dcs_general(struct sms_dcs *d, uint8_t dcs)
{
	d->compressed = dcs & 0x20;
	d->has_class = dcs & 0x10;
	d->msg_class = dcs & 0x03;
	d->alphabet = (dcs >> 2) & 0x03;
	/* 23.038 4: reserved codings are assumed to be GSM 7-bit */
	if (d->alphabet == SMS_ALPHABET_RESERVED)
		d->alphabet = SMS_ALPHABET_GSM7;
}

void sms_dcs_parse(struct sms_dcs *d, uint8_t dcs)
{
	memset(d, 0, sizeof(*d));
	switch (dcs >> 4) {
	case 0x0: case 0x1: case 0x2: case 0x3:
		d->group = SMS_DCS_GENERAL;
		dcs_general(d, dcs);
		break;
	case 0x4: case 0x5: case 0x6: case 0x7:
		d->group = SMS_DCS_AUTO_DELETE;
		dcs_general(d, dcs);
		break;
	case 0xc: case 0xd: case 0xe:
		d->group = SMS_DCS_MWI_DISCARD + ((dcs >> 4) - 0xc);
		d->alphabet = (dcs >> 4) == 0xe ? SMS_ALPHABET_UCS2 : SMS_ALPHABET_GSM7;
		d->mwi_active = dcs & 0x08;
		d->mwi_type = dcs & 0x03;
		break;
	case 0xf:
		d->group = SMS_DCS_DATA_CLASS;
		d->alphabet = (dcs & 0x04) ? SMS_ALPHABET_8BIT : SMS_ALPHABET_GSM7;
		d->has_class = true;
		d->msg_class = dcs & 0x03;
		break;
	default:
		d->group = SMS_DCS_RESERVED;
		d->alphabet = SMS_ALPHABET_GSM7;
		break;
	}
}

/* ---- addresses (23.040 9.1.2.5) ---- */

static int digit_to_bcd(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	switch (c) {
	case '*': return 0xa;
	case '#': return 0xb;
	case 'a': case 'A': return 0xc;
	case 'b': case 'B': return 0xd;
	case 'c': case 'C': return 0xe;
	default: return -1;
	}
}

static const char bcd_digits[16] = "0123456789*#abc?";

static int addr_encode_alnum(uint8_t *val, size_t vallen, const char *text, uint8_t *semi)
{
	uint8_t sep[11];
	int n = sms_gsm7_from_utf8(sep, sizeof(sep), text, strlen(text));

	if (n < 0)
		return n == -ENOSPC ? -EINVAL : n;
	*semi = (n * 7 + 3) / 4;	/* useful semi-octets of the packed name */
	return sms_septets_pack(val, vallen, sep, n, 0);
}

static int addr_encode_digits(uint8_t *val, const char *d, uint8_t *semi)
{
	size_t i, n = strlen(d);

	if (n > 20)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		int b = digit_to_bcd(d[i]);

		if (b < 0)
			return -EINVAL;
		if (i & 1)
			val[i / 2] = (val[i / 2] & 0x0f) | (b << 4);
		else
			val[i / 2] = 0xf0 | b;
	}
	*semi = n;
	return (n + 1) / 2;
}

int sms_addr_encode(uint8_t *out, size_t outlen, const struct sms_addr *a)
{
	uint8_t val[10], semi;
	int n;

	if (a->ton > 7 || a->npi > 15)
		return -EINVAL;
	if (a->ton == SMS_TON_ALPHANUMERIC)
		n = addr_encode_alnum(val, sizeof(val), a->text, &semi);
	else
		n = addr_encode_digits(val, a->text, &semi);
	if (n < 0)
		return n;
	if ((size_t)n + 2 > outlen)
		return -ENOSPC;
	out[0] = semi;
	out[1] = 0x80 | (a->ton << 4) | a->npi;
	memcpy(out + 2, val, n);
	return n + 2;
}

static int addr_decode_digits(struct sms_addr *a, const uint8_t *val, unsigned semi)
{
	unsigned i;

	for (i = 0; i < semi; i++) {
		uint8_t nib = (i & 1) ? val[i / 2] >> 4 : val[i / 2] & 0x0f;

		if (nib == 0xf)
			return -SMS_ERR_BCD;	/* filler inside the number */
		a->text[i] = bcd_digits[nib];
	}
	a->text[semi] = '\0';
	return 0;
}

int sms_addr_decode(struct sms_addr *a, const uint8_t *buf, size_t len)
{
	unsigned semi, octets;

	if (len < 2)
		return -SMS_ERR_SHORT;
	semi = buf[0];
	if (semi > 20)
		return -SMS_ERR_ADDR_LEN;
	octets = (semi + 1) / 2;
	if (len < 2 + octets)
		return -SMS_ERR_SHORT;
	a->ton = (buf[1] >> 4) & 0x07;
	a->npi = buf[1] & 0x0f;
	if (a->ton == SMS_TON_ALPHANUMERIC) {
		uint8_t sep[11];
		unsigned n = semi * 4 / 7;
		int rc = sms_septets_unpack(sep, sizeof(sep), buf + 2, octets, n, 0);

		if (rc < 0)
			return -SMS_ERR_ADDR_LEN;
		if (sms_gsm7_to_utf8(a->text, sizeof(a->text), sep, n) < 0)
			return -SMS_ERR_ADDR_LEN;
	} else {
		int rc = addr_decode_digits(a, buf + 2, semi);

		if (rc < 0)
			return rc;
	}
	return 2 + octets;
}

/* ---- timestamps (23.040 9.2.3.11) ---- */

static uint8_t bcd_swap(uint8_t v)
{
	return ((v % 10) << 4) | ((v / 10) % 10);
}

void sms_ts_encode(uint8_t out[7], const struct sms_ts *ts)
{
	int q = ts->tz_quarters;

	out[0] = bcd_swap(ts->year);
	out[1] = bcd_swap(ts->month);
	out[2] = bcd_swap(ts->day);
	out[3] = bcd_swap(ts->hour);
	out[4] = bcd_swap(ts->minute);
	out[5] = bcd_swap(ts->second);
	out[6] = bcd_swap(q < 0 ? -q : q) | (q < 0 ? 0x08 : 0);
}

static int bcd_unswap(uint8_t v, uint8_t *out)
{
	if ((v & 0x0f) > 9 || (v >> 4) > 9)
		return -SMS_ERR_TS;
	*out = (v & 0x0f) * 10 + (v >> 4);
	return 0;
}

int sms_ts_decode(struct sms_ts *ts, const uint8_t in[7])
{
	uint8_t *f[6] = { &ts->year, &ts->month, &ts->day, &ts->hour, &ts->minute, &ts->second };
	uint8_t q;
	int i;

	for (i = 0; i < 6; i++) {
		if (bcd_unswap(in[i], f[i]) < 0)
			return -SMS_ERR_TS;
	}
	/* bit 3 is the sign, the rest two swapped BCD digits */
	if (bcd_unswap(in[6] & ~0x08, &q) < 0)
		return -SMS_ERR_TS;
	ts->tz_quarters = (in[6] & 0x08) ? -(int)q : q;
	return 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian), so that no
 * time-zone-dependent libc call is involved. */
static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t sms_ts_to_time(const struct sms_ts *ts)
{
	int64_t days = days_from_civil(2000 + ts->year, ts->month, ts->day);

	return days * 86400 + ts->hour * 3600 + ts->minute * 60 + ts->second -
	       (int64_t)ts->tz_quarters * 900;
}

int sms_ts_from_time(struct sms_ts *ts, int64_t t, int tz_quarters)
{
	struct tm tm;
	time_t local;

	if (tz_quarters < -79 || tz_quarters > 79)
		return -EINVAL;
	local = (time_t)(t + (int64_t)tz_quarters * 900);
	if (!gmtime_r(&local, &tm) || tm.tm_year < 100 || tm.tm_year > 199)
		return -EINVAL;
	ts->year = tm.tm_year - 100;
	ts->month = tm.tm_mon + 1;
	ts->day = tm.tm_mday;
	ts->hour = tm.tm_hour;
	ts->minute = tm.tm_min;
	ts->second = tm.tm_sec;
	ts->tz_quarters = tz_quarters;
	return 0;
}

uint32_t sms_vp_relative_seconds(uint8_t vp)
{
	if (vp <= 143)
		return (vp + 1) * 5 * 60;
	if (vp <= 167)
		return 12 * 3600 + (vp - 143) * 30 * 60;
	if (vp <= 196)
		return (vp - 166) * 86400;
	return (vp - 192) * 7 * 86400;
}

uint8_t sms_vp_relative_from_seconds(uint32_t seconds)
{
	unsigned vp;

	/* the coding is monotonic: the first value covering seconds */
	for (vp = 0; vp < 255; vp++) {
		if (sms_vp_relative_seconds(vp) >= seconds)
			break;
	}
	return vp;
}

static int rd_ts(struct rd *r, struct sms_ts *ts)
{
	const uint8_t *p = rd_n(r, 7);

	if (!p)
		return -SMS_ERR_SHORT;
	return sms_ts_decode(ts, p);
}

static int wr_ts(struct wr *w, const struct sms_ts *ts)
{
	uint8_t b[7];

	sms_ts_encode(b, ts);
	return wr_n(w, b, 7);
}

/* ---- UDH (23.040 9.2.3.24) ---- */

static void udh_note_ie(struct sms_udh *udh, uint8_t iei, uint8_t len, const uint8_t *d)
{
	if (iei == SMS_IEI_CONCAT8 && len == 3 && d[1] && d[2] && d[2] <= d[1]) {
		udh->has_concat = true;
		udh->concat_ref16 = false;
		udh->concat_ref = d[0];
		udh->concat_total = d[1];
		udh->concat_seq = d[2];
	} else if (iei == SMS_IEI_CONCAT16 && len == 4 && d[2] && d[3] && d[3] <= d[2]) {
		udh->has_concat = true;
		udh->concat_ref16 = true;
		udh->concat_ref = (d[0] << 8) | d[1];
		udh->concat_total = d[2];
		udh->concat_seq = d[3];
	} else if (iei == SMS_IEI_PORT8 && len == 2) {
		udh->has_ports = true;
		udh->ports16 = false;
		udh->dst_port = d[0];
		udh->src_port = d[1];
	} else if (iei == SMS_IEI_PORT16 && len == 4) {
		udh->has_ports = true;
		udh->ports16 = true;
		udh->dst_port = (d[0] << 8) | d[1];
		udh->src_port = (d[2] << 8) | d[3];
	}
}

int sms_udh_parse(struct sms_udh *udh, const uint8_t *buf, size_t len)
{
	size_t pos = 0;

	memset(udh, 0, sizeof(*udh));
	while (pos < len) {
		uint8_t iei, l;

		if (len - pos < 2)
			return -SMS_ERR_IE_LEN;
		iei = buf[pos];
		l = buf[pos + 1];
		if (l > len - pos - 2)
			return -SMS_ERR_IE_LEN;
		if (udh->n_ie < SMS_UDH_MAX_IE)
			udh->ie[udh->n_ie++] = (struct sms_udh_ie){ iei, l, buf + pos + 2 };
		udh_note_ie(udh, iei, l, buf + pos + 2);
		pos += 2 + l;
	}
	return 0;
}

int sms_udh_put_concat(uint8_t *out, size_t outlen, uint16_t ref, bool ref16,
		       uint8_t total, uint8_t seq)
{
	size_t n = ref16 ? 6 : 5;

	if (outlen < n)
		return -ENOSPC;
	if (ref16) {
		uint8_t b[6] = { SMS_IEI_CONCAT16, 4, ref >> 8, ref & 0xff, total, seq };
		memcpy(out, b, 6);
	} else {
		uint8_t b[5] = { SMS_IEI_CONCAT8, 3, ref & 0xff, total, seq };
		memcpy(out, b, 5);
	}
	return n;
}

int sms_udh_put_ports16(uint8_t *out, size_t outlen, uint16_t dst, uint16_t src)
{
	uint8_t b[6] = { SMS_IEI_PORT16, 4, dst >> 8, dst & 0xff, src >> 8, src & 0xff };

	if (outlen < 6)
		return -ENOSPC;
	memcpy(out, b, 6);
	return 6;
}

/* ---- user data ---- */

static bool ud_in_septets(uint8_t dcs)
{
	struct sms_dcs d;

	sms_dcs_parse(&d, dcs);
	return d.alphabet == SMS_ALPHABET_GSM7 && !d.compressed;
}

/* Fill bits so that the first septet after a UDH of udhl octets (incl. the
 * UDHL octet) starts on a septet boundary. */
static unsigned udh_fill_bits(unsigned udhl)
{
	return udhl ? (7 - (udhl * 8) % 7) % 7 : 0;
}

static int wr_ud(struct wr *w, const struct sms_tpdu *t)
{
	const struct sms_ud *ud = &t->ud;
	unsigned udhl = ud->udh_len ? ud->udh_len + 1 : 0;
	unsigned fill = udh_fill_bits(udhl);
	unsigned udl;
	int rc;

	if (ud_in_septets(t->dcs)) {
		udl = (udhl * 8 + fill) / 7 + ud->data_len;
		if (udl > 160)
			return -EINVAL;
	} else {
		udl = udhl + ud->data_len;
		if (udl > 140)
			return -EINVAL;
	}
	if ((rc = wr_u8(w, udl)) < 0)
		return rc;
	if (udhl) {
		if ((rc = wr_u8(w, ud->udh_len)) < 0 || (rc = wr_n(w, ud->udh, ud->udh_len)) < 0)
			return rc;
	}
	if (!ud_in_septets(t->dcs))
		return wr_n(w, ud->data, ud->data_len);
	rc = sms_septets_pack(w->p + w->pos, w->len - w->pos, ud->data, ud->data_len, fill);
	if (rc < 0)
		return rc;
	w->pos += rc;
	return 0;
}

/* The UDH of user data ud (octets), sets t->ud.udh*, t->udh; returns the UDH
 * length including UDHL. */
static int rd_udh(struct sms_tpdu *t, const uint8_t *ud, size_t octets)
{
	int rc;

	if (octets < 1 || (size_t)ud[0] + 1 > octets)
		return -SMS_ERR_UDHL;
	t->ud.udh = ud + 1;
	t->ud.udh_len = ud[0];
	rc = sms_udh_parse(&t->udh, ud + 1, ud[0]);
	if (rc < 0)
		return rc;
	return ud[0] + 1;
}

static int rd_ud_septets(struct sms_tpdu *t, const uint8_t *ud, size_t octets, uint8_t udl)
{
	unsigned hdr_septets = 0;
	int rc;

	if (udl > 160)
		return -SMS_ERR_UDL;
	if (t->udhi) {
		rc = rd_udh(t, ud, octets);
		if (rc < 0)
			return rc;
		t->fill_bits = udh_fill_bits(rc);
		hdr_septets = (rc * 8 + t->fill_bits) / 7;
		if (hdr_septets > udl)
			return -SMS_ERR_UDHL;
		ud += rc;
		octets -= rc;
	}
	t->ud.data_len = udl - hdr_septets;
	rc = sms_septets_unpack(t->ud.septets, sizeof(t->ud.septets), ud, octets,
				t->ud.data_len, t->fill_bits);
	if (rc < 0)
		return -SMS_ERR_UDL;
	t->ud.data = t->ud.septets;
	return 0;
}

static int rd_ud(struct rd *r, struct sms_tpdu *t)
{
	const uint8_t *ud;
	uint8_t udl;
	size_t octets;
	int rc;

	if ((rc = rd_u8(r, &udl)) < 0)
		return rc;
	t->ud.udh_len = 0;
	t->ud.udh = NULL;
	if (ud_in_septets(t->dcs)) {
		octets = (udl * 7 + 7) / 8;
		if (!(ud = rd_n(r, octets)))
			return -SMS_ERR_UDL;
		return rd_ud_septets(t, ud, octets, udl);
	}
	if (udl > 140 || !(ud = rd_n(r, udl)))
		return -SMS_ERR_UDL;
	octets = udl;
	if (t->udhi) {
		rc = rd_udh(t, ud, octets);
		if (rc < 0)
			return rc;
		ud += rc;
		octets -= rc;
	}
	t->ud.data = ud;
	t->ud.data_len = octets;
	return 0;
}

/* ---- first octet ---- */

static uint8_t first_octet(const struct sms_tpdu *t)
{
	uint8_t o = t->ud.udh_len ? 0x40 : 0;

	switch (t->type) {
	case SMS_DELIVER:
		return o | 0x00 | (t->mms << 2) | (t->lp << 3) | (t->sri_srr << 5) | (t->rp << 7);
	case SMS_SUBMIT:
		return o | 0x01 | (t->rd << 2) | ((t->vpf & 3) << 3) | (t->sri_srr << 5) | (t->rp << 7);
	case SMS_STATUS_REPORT:
		return o | 0x02 | (t->mms << 2) | (t->lp << 3) | (t->srq << 5);
	case SMS_COMMAND:	/* a UDH would sit inside TP-CD: take the flag as given */
		return (t->udhi << 6) | 0x02 | (t->sri_srr << 5);
	case SMS_DELIVER_REPORT:
		return o | 0x00;
	case SMS_SUBMIT_REPORT:
		return o | 0x01;
	}
	return o;
}

static void parse_first_octet(struct sms_tpdu *t, uint8_t o)
{
	t->udhi = o & 0x40;
	t->mms = o & 0x04;
	t->rd = o & 0x04;
	t->lp = o & 0x08;
	t->vpf = (o >> 3) & 3;
	t->sri_srr = o & 0x20;
	t->srq = o & 0x20;
	t->rp = o & 0x80;
	/* keep only the flags that exist for this type */
	if (t->type != SMS_SUBMIT) {
		t->rd = false;
		t->vpf = SMS_VPF_NONE;
	} else {
		t->mms = t->lp = false;
	}
	if (t->type != SMS_STATUS_REPORT)
		t->srq = false;
	else
		t->sri_srr = false;
	if (t->type != SMS_DELIVER && t->type != SMS_SUBMIT)
		t->rp = false;
	if (t->type != SMS_DELIVER && t->type != SMS_SUBMIT && t->type != SMS_COMMAND)
		t->sri_srr = false;
	if (t->type == SMS_COMMAND)
		t->mms = t->lp = false;
	if (t->type == SMS_DELIVER_REPORT || t->type == SMS_SUBMIT_REPORT)
		t->mms = t->lp = false;
}

/* ---- encoders per type ---- */

static int wr_addr(struct wr *w, const struct sms_addr *a)
{
	int n = sms_addr_encode(w->p + w->pos, w->len - w->pos, a);

	if (n < 0)
		return n;
	w->pos += n;
	return 0;
}

static int wr_vp(struct wr *w, const struct sms_tpdu *t)
{
	switch (t->vpf) {
	case SMS_VPF_RELATIVE:
		return wr_u8(w, t->vp.relative);
	case SMS_VPF_ABSOLUTE:
		return wr_ts(w, &t->vp.absolute);
	case SMS_VPF_ENHANCED:
		return wr_n(w, t->vp.enhanced, 7);
	default:
		return 0;
	}
}

/* The optional PID/DCS/UD that TP-PI selects (reports, STATUS-REPORT). */
static int wr_pi_optional(struct wr *w, const struct sms_tpdu *t)
{
	int rc;

	if ((t->pi & SMS_PI_PID) && (rc = wr_u8(w, t->pid)) < 0)
		return rc;
	if ((t->pi & SMS_PI_DCS) && (rc = wr_u8(w, t->dcs)) < 0)
		return rc;
	if (t->pi & SMS_PI_UDL)
		return wr_ud(w, t);
	return 0;
}

/* TP-PI, then what it selects. */
static int wr_pi_fields(struct wr *w, const struct sms_tpdu *t)
{
	int rc;

	if ((rc = wr_u8(w, t->pi & 0x07)) < 0)
		return rc;
	return wr_pi_optional(w, t);
}

static int wr_body(struct wr *w, const struct sms_tpdu *t)
{
	int rc = 0;

	switch (t->type) {
	case SMS_DELIVER:
		if ((rc = wr_addr(w, &t->addr)) < 0 || (rc = wr_u8(w, t->pid)) < 0 ||
		    (rc = wr_u8(w, t->dcs)) < 0 || (rc = wr_ts(w, &t->scts)) < 0)
			return rc;
		return wr_ud(w, t);
	case SMS_SUBMIT:
		if ((rc = wr_u8(w, t->mr)) < 0 || (rc = wr_addr(w, &t->addr)) < 0 ||
		    (rc = wr_u8(w, t->pid)) < 0 || (rc = wr_u8(w, t->dcs)) < 0 ||
		    (rc = wr_vp(w, t)) < 0)
			return rc;
		return wr_ud(w, t);
	case SMS_STATUS_REPORT:
		if ((rc = wr_u8(w, t->mr)) < 0 || (rc = wr_addr(w, &t->addr)) < 0 ||
		    (rc = wr_ts(w, &t->scts)) < 0 || (rc = wr_ts(w, &t->dt)) < 0 ||
		    (rc = wr_u8(w, t->st)) < 0)
			return rc;
		return t->has_pi ? wr_pi_fields(w, t) : 0;
	case SMS_SUBMIT_REPORT:
		/* FCS (only in RP-ERROR, values 0x80..0xff), PI, SCTS, then PI fields */
		if (t->fcs && (rc = wr_u8(w, t->fcs)) < 0)
			return rc;
		if ((rc = wr_u8(w, t->pi & 0x07)) < 0 || (rc = wr_ts(w, &t->scts)) < 0)
			return rc;
		return wr_pi_optional(w, t);
	case SMS_COMMAND:
		if (t->cd_len > 157)
			return -EINVAL;
		if ((rc = wr_u8(w, t->mr)) < 0 || (rc = wr_u8(w, t->pid)) < 0 ||
		    (rc = wr_u8(w, t->ct)) < 0 || (rc = wr_u8(w, t->mn)) < 0 ||
		    (rc = wr_addr(w, &t->addr)) < 0 || (rc = wr_u8(w, t->cd_len)) < 0)
			return rc;
		return wr_n(w, t->cd, t->cd_len);
	case SMS_DELIVER_REPORT:
		if (t->fcs && (rc = wr_u8(w, t->fcs)) < 0)
			return rc;
		return wr_pi_fields(w, t);
	}
	return -EINVAL;
}

int sms_tpdu_encode(uint8_t *out, size_t outlen, const struct sms_tpdu *t)
{
	struct wr w = { out, outlen, 0 };
	int rc;

	if ((rc = wr_u8(&w, first_octet(t))) < 0)
		return rc;
	rc = wr_body(&w, t);
	if (rc < 0)
		return rc;
	return w.pos;
}

/* ---- decoders per type ---- */

static int rd_addr(struct rd *r, struct sms_addr *a)
{
	int n = sms_addr_decode(a, r->p + r->pos, r->len - r->pos);

	if (n < 0)
		return n;
	r->pos += n;
	return 0;
}

static int rd_vp(struct rd *r, struct sms_tpdu *t)
{
	const uint8_t *p;

	switch (t->vpf) {
	case SMS_VPF_RELATIVE:
		return rd_u8(r, &t->vp.relative);
	case SMS_VPF_ABSOLUTE:
		return rd_ts(r, &t->vp.absolute);
	case SMS_VPF_ENHANCED:
		if (!(p = rd_n(r, 7)))
			return -SMS_ERR_SHORT;
		memcpy(t->vp.enhanced, p, 7);
		return 0;
	default:
		return 0;
	}
}

static int rd_pid_dcs(struct rd *r, struct sms_tpdu *t)
{
	int rc;

	if ((rc = rd_u8(r, &t->pid)) < 0 || (rc = rd_u8(r, &t->dcs)) < 0)
		return rc;
	sms_dcs_parse(&t->dcs_parsed, t->dcs);
	return 0;
}

/* TP-PI (with extension octets skipped) and the fields it announces; PID and
 * DCS are read by the caller's order: SUBMIT-REPORT has SCTS in between. */
static int rd_pi(struct rd *r, struct sms_tpdu *t)
{
	uint8_t ext;
	int rc;

	if ((rc = rd_u8(r, &t->pi)) < 0)
		return rc;
	t->has_pi = true;
	ext = t->pi;
	while (ext & 0x80) {
		if ((rc = rd_u8(r, &ext)) < 0)
			return rc;
	}
	return 0;
}

static int rd_pi_fields(struct rd *r, struct sms_tpdu *t)
{
	int rc;

	if ((t->pi & SMS_PI_PID) && (rc = rd_u8(r, &t->pid)) < 0)
		return rc;
	if ((t->pi & SMS_PI_DCS) && (rc = rd_u8(r, &t->dcs)) < 0)
		return rc;
	sms_dcs_parse(&t->dcs_parsed, t->dcs);
	if (t->pi & SMS_PI_UDL)
		return rd_ud(r, t);
	return 0;
}

static int rd_deliver(struct rd *r, struct sms_tpdu *t)
{
	int rc;

	if ((rc = rd_addr(r, &t->addr)) < 0 || (rc = rd_pid_dcs(r, t)) < 0 ||
	    (rc = rd_ts(r, &t->scts)) < 0)
		return rc;
	return rd_ud(r, t);
}

static int rd_submit(struct rd *r, struct sms_tpdu *t)
{
	int rc;

	if ((rc = rd_u8(r, &t->mr)) < 0 || (rc = rd_addr(r, &t->addr)) < 0 ||
	    (rc = rd_pid_dcs(r, t)) < 0 || (rc = rd_vp(r, t)) < 0)
		return rc;
	return rd_ud(r, t);
}

static int rd_status_report(struct rd *r, struct sms_tpdu *t)
{
	int rc;

	if ((rc = rd_u8(r, &t->mr)) < 0 || (rc = rd_addr(r, &t->addr)) < 0 ||
	    (rc = rd_ts(r, &t->scts)) < 0 || (rc = rd_ts(r, &t->dt)) < 0 ||
	    (rc = rd_u8(r, &t->st)) < 0)
		return rc;
	/* TP-PI and what follows it are optional */
	if (r->pos == r->len)
		return 0;
	if ((rc = rd_pi(r, t)) < 0)
		return rc;
	return rd_pi_fields(r, t);
}

static int rd_command(struct rd *r, struct sms_tpdu *t)
{
	int rc;

	if ((rc = rd_u8(r, &t->mr)) < 0 || (rc = rd_u8(r, &t->pid)) < 0 ||
	    (rc = rd_u8(r, &t->ct)) < 0 || (rc = rd_u8(r, &t->mn)) < 0 ||
	    (rc = rd_addr(r, &t->addr)) < 0 || (rc = rd_u8(r, &t->cd_len)) < 0)
		return rc;
	if (t->cd_len > 157 || !(t->cd = rd_n(r, t->cd_len)))
		return -SMS_ERR_UDL;
	return 0;
}

static int rd_report(struct rd *r, struct sms_tpdu *t, unsigned flags)
{
	int rc;

	if ((flags & SMS_DEC_RP_ERROR) && (rc = rd_u8(r, &t->fcs)) < 0)
		return rc;
	if ((rc = rd_pi(r, t)) < 0)
		return rc;
	if (t->type == SMS_SUBMIT_REPORT && (rc = rd_ts(r, &t->scts)) < 0)
		return rc;
	return rd_pi_fields(r, t);
}

static int tpdu_type(uint8_t mti, unsigned flags, enum sms_tpdu_type *type)
{
	static const int mt[4] = { SMS_DELIVER, SMS_SUBMIT_REPORT, SMS_STATUS_REPORT, -1 };
	static const int mo[4] = { SMS_DELIVER_REPORT, SMS_SUBMIT, SMS_COMMAND, -1 };
	int v = (flags & SMS_DEC_MO) ? mo[mti & 3] : mt[mti & 3];

	if (v < 0)
		return -SMS_ERR_MTI;
	*type = v;
	return 0;
}

int sms_tpdu_decode(struct sms_tpdu *t, const uint8_t *buf, size_t len, unsigned flags)
{
	struct rd r = { buf, len, 0 };
	uint8_t fo;
	int rc;

	memset(t, 0, sizeof(*t));
	if ((rc = rd_u8(&r, &fo)) < 0)
		return rc;
	if ((rc = tpdu_type(fo & 3, flags, &t->type)) < 0)
		return rc;
	parse_first_octet(t, fo);
	switch (t->type) {
	case SMS_DELIVER: rc = rd_deliver(&r, t); break;
	case SMS_SUBMIT: rc = rd_submit(&r, t); break;
	case SMS_STATUS_REPORT: rc = rd_status_report(&r, t); break;
	case SMS_COMMAND: rc = rd_command(&r, t); break;
	default: rc = rd_report(&r, t, flags); break;
	}
	if (rc < 0)
		return rc;
	return r.pos == r.len ? 0 : -SMS_ERR_TRAILING;
}

int sms_tpdu_text(const struct sms_tpdu *t, char *out, size_t outlen)
{
	const struct sms_dcs *d = &t->dcs_parsed;

	if (d->compressed)
		return -SMS_ERR_DCS;
	switch (d->alphabet) {
	case SMS_ALPHABET_UCS2:
		return sms_ucs2_to_utf8(out, outlen, t->ud.data, t->ud.data_len);
	case SMS_ALPHABET_8BIT:
		return sms_latin1_to_utf8(out, outlen, t->ud.data, t->ud.data_len);
	default:
		return sms_gsm7_to_utf8(out, outlen, t->ud.data, t->ud.data_len);
	}
}
