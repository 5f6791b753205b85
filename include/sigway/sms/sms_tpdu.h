/* SMS transfer-layer PDUs (3GPP TS 23.040 9.2). Decoding fills a struct whose
 * user-data pointers point into the caller's buffer; nothing is allocated. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <sigway/sms/sms_alphabet.h>

/* Errors returned by the decoder (negative), beside -ENOSPC / -EINVAL */
enum sms_err {
	SMS_ERR_SHORT = 1,	/* TPDU ends before a mandatory field */
	SMS_ERR_ADDR_LEN,	/* address length out of range */
	SMS_ERR_BCD,		/* invalid BCD digit / filler in an address */
	SMS_ERR_UDL,		/* TP-UDL larger than the user data present / allowed */
	SMS_ERR_UDHL,		/* UDHL longer than the user data */
	SMS_ERR_IE_LEN,		/* a UDH information element runs past the UDH */
	SMS_ERR_MTI,		/* reserved message type (MTI 3) */
	SMS_ERR_TS,		/* invalid BCD in a timestamp */
	SMS_ERR_DCS,		/* reserved DCS value we cannot decode user data for */
	SMS_ERR_TRAILING,	/* octets after the end of the TPDU */
};

const char *sms_err_str(int err);

/* The TPDU type; the MTI alone is ambiguous without the direction. */
enum sms_tpdu_type {
	SMS_DELIVER,		/* SC -> MS, MTI 0 */
	SMS_DELIVER_REPORT,	/* MS -> SC, MTI 0 */
	SMS_SUBMIT,		/* MS -> SC, MTI 1 */
	SMS_SUBMIT_REPORT,	/* SC -> MS, MTI 1 */
	SMS_STATUS_REPORT,	/* SC -> MS, MTI 2 */
	SMS_COMMAND,		/* MS -> SC, MTI 2 */
};

/* decode flags */
#define SMS_DEC_MO		0x01	/* TPDU goes MS -> SC (SUBMIT, DELIVER-REPORT, COMMAND) */
#define SMS_DEC_RP_ERROR	0x02	/* report carried in RP-ERROR: TP-FCS present */

/* Type of number (23.040 9.1.2.5) */
#define SMS_TON_UNKNOWN		0
#define SMS_TON_INTERNATIONAL	1
#define SMS_TON_NATIONAL	2
#define SMS_TON_ALPHANUMERIC	5

/* TP-OA/DA/RA. For TON alphanumeric, text holds the UTF-8 decoding of the
 * packed 7-bit name (max 11 septets); otherwise the digits 0-9 * # a b c. */
struct sms_addr {
	uint8_t ton;
	uint8_t npi;
	char text[48];
};

/* TP-SCTS / TP-DT / absolute TP-VP (23.040 9.2.3.11). */
struct sms_ts {
	uint8_t year, month, day, hour, minute, second;	/* year 0..99 */
	int8_t tz_quarters;	/* offset from UTC in quarters of an hour, -79..79 */
};

enum sms_vpf {
	SMS_VPF_NONE = 0,
	SMS_VPF_ENHANCED = 1,
	SMS_VPF_RELATIVE = 2,
	SMS_VPF_ABSOLUTE = 3,
};

struct sms_vp {
	uint8_t relative;	/* VPF relative: 23.040 9.2.3.12.1 coding */
	struct sms_ts absolute;
	uint8_t enhanced[7];	/* kept as is */
};

/* TP-DCS parsed (23.038 4). */
enum sms_dcs_group {
	SMS_DCS_GENERAL,	/* 00xx: general data coding */
	SMS_DCS_AUTO_DELETE,	/* 01xx: general, marked for automatic deletion */
	SMS_DCS_MWI_DISCARD,	/* 1100 */
	SMS_DCS_MWI_STORE_GSM7,	/* 1101 */
	SMS_DCS_MWI_STORE_UCS2,	/* 1110 */
	SMS_DCS_DATA_CLASS,	/* 1111 */
	SMS_DCS_RESERVED,	/* 1000..1011 */
};

struct sms_dcs {
	enum sms_dcs_group group;
	enum sms_alphabet alphabet;
	bool compressed;
	bool has_class;
	uint8_t msg_class;	/* 0..3 */
	bool mwi_active;	/* message waiting groups */
	uint8_t mwi_type;	/* 0 voicemail, 1 fax, 2 e-mail, 3 other */
};

void sms_dcs_parse(struct sms_dcs *d, uint8_t dcs);

/* UDH (23.040 9.2.3.24). IEs point into the TPDU buffer. */
#define SMS_UDH_MAX_IE 16
#define SMS_IEI_CONCAT8		0x00
#define SMS_IEI_PORT8		0x04
#define SMS_IEI_PORT16		0x05
#define SMS_IEI_CONCAT16	0x08

struct sms_udh_ie {
	uint8_t iei;
	uint8_t len;
	const uint8_t *data;
};

struct sms_udh {
	uint8_t n_ie;
	struct sms_udh_ie ie[SMS_UDH_MAX_IE];
	/* the last valid concatenation / port IE, when present */
	bool has_concat;
	uint16_t concat_ref;
	uint8_t concat_total, concat_seq;
	bool concat_ref16;
	bool has_ports;
	uint16_t dst_port, src_port;
	bool ports16;
};

/* Parse UDH information elements (buf = the octets after UDHL). Returns 0 or
 * -SMS_ERR_IE_LEN. IEs beyond SMS_UDH_MAX_IE are validated but not kept. */
int sms_udh_parse(struct sms_udh *udh, const uint8_t *buf, size_t len);

/* Encode concatenation (ref16 false: IEI 0, 8-bit ref; true: IEI 8) into out;
 * returns octets written (5 or 6) or -ENOSPC. */
int sms_udh_put_concat(uint8_t *out, size_t outlen, uint16_t ref, bool ref16,
		       uint8_t total, uint8_t seq);
/* Application port addressing, 16-bit ports (IEI 5); returns 6 or -ENOSPC. */
int sms_udh_put_ports16(uint8_t *out, size_t outlen, uint16_t dst, uint16_t src);

/* User data. On encode: udh/udh_len are the IEs without UDHL (udh_len 0 =
 * no UDH; the encoder sets TP-UDHI from it); data is the unpacked septets for
 * GSM7 (data_len in septets), else octets. On decode the same fields are
 * filled: data points to septets[] for GSM7 or into the TPDU otherwise. */
struct sms_ud {
	const uint8_t *udh;
	uint8_t udh_len;
	const uint8_t *data;
	uint16_t data_len;
	uint8_t septets[160];	/* decode buffer for GSM7 */
};

struct sms_tpdu {
	enum sms_tpdu_type type;
	/* first octet flags (only those valid for the type are coded) */
	bool mms;		/* DELIVER, STATUS-REPORT: TP-MMS bit (1 = no more messages) */
	bool rp;		/* DELIVER, SUBMIT */
	bool udhi;		/* set by the decoder; the encoder derives it */
	bool sri_srr;		/* DELIVER: SRI; SUBMIT, COMMAND: SRR */
	bool lp;		/* DELIVER, STATUS-REPORT: loop prevention */
	bool rd;		/* SUBMIT */
	bool srq;		/* STATUS-REPORT */
	enum sms_vpf vpf;	/* SUBMIT */

	uint8_t mr;		/* SUBMIT, STATUS-REPORT, COMMAND */
	struct sms_addr addr;	/* OA (DELIVER), DA (SUBMIT, COMMAND), RA (STATUS-REPORT) */
	uint8_t fcs;		/* reports in RP-ERROR */
	uint8_t pi;		/* reports, STATUS-REPORT: parameter indicator */
	bool has_pi;		/* STATUS-REPORT: TP-PI present */
	uint8_t pid;
	uint8_t dcs;
	struct sms_dcs dcs_parsed;	/* filled by the decoder */
	struct sms_ts scts;	/* DELIVER, SUBMIT-REPORT, STATUS-REPORT */
	struct sms_ts dt;	/* STATUS-REPORT */
	uint8_t st;		/* STATUS-REPORT */
	struct sms_vp vp;	/* SUBMIT */
	uint8_t ct;		/* COMMAND: TP-CT command type */
	uint8_t mn;		/* COMMAND: TP-MN message number */
	const uint8_t *cd;	/* COMMAND: TP-CD (octets, max 157), points into the TPDU */
	uint8_t cd_len;

	struct sms_ud ud;
	struct sms_udh udh;	/* filled by the decoder when UDHI */
	uint8_t fill_bits;	/* decoder: 7-bit fill bits after the UDH */
};

/* Parameter indicator bits (23.040 9.2.3.27) */
#define SMS_PI_PID 0x01
#define SMS_PI_DCS 0x02
#define SMS_PI_UDL 0x04

/* Encode t into out. Returns the TPDU length or a negative error (-ENOSPC,
 * -EINVAL for values that cannot be coded). */
int sms_tpdu_encode(uint8_t *out, size_t outlen, const struct sms_tpdu *t);

/* Decode a TPDU; flags = SMS_DEC_MO / SMS_DEC_RP_ERROR. Returns 0 or
 * -SMS_ERR_*. The struct points into buf: keep buf alive while using it. */
int sms_tpdu_decode(struct sms_tpdu *t, const uint8_t *buf, size_t len, unsigned flags);

/* The user text (after the UDH) of a decoded TPDU as UTF-8, per its DCS
 * (8-bit data is returned as Latin-1 -> UTF-8). Returns bytes or negative. */
int sms_tpdu_text(const struct sms_tpdu *t, char *out, size_t outlen);

/* Addresses: digits string <-> semi-octets. Exposed for RP/MAP users. */
int sms_addr_encode(uint8_t *out, size_t outlen, const struct sms_addr *a);
int sms_addr_decode(struct sms_addr *a, const uint8_t *buf, size_t len);

/* Timestamps: 7 semi-octet octets. */
void sms_ts_encode(uint8_t out[7], const struct sms_ts *ts);
int sms_ts_decode(struct sms_ts *ts, const uint8_t in[7]);

/* A timestamp for time t (UTC seconds) as local time in the zone tz_quarters
 * quarter hours east of UTC (-79..79). Returns 0 or -EINVAL. */
int sms_ts_from_time(struct sms_ts *ts, int64_t t, int tz_quarters);
/* The UTC seconds of a timestamp (years 00-99 taken as 2000-2099). */
int64_t sms_ts_to_time(const struct sms_ts *ts);

/* Relative TP-VP (23.040 9.2.3.12.1) <-> seconds. sms_vp_relative_from_seconds()
 * rounds up to the next representable period (at most 63 weeks). */
uint32_t sms_vp_relative_seconds(uint8_t vp);
uint8_t sms_vp_relative_from_seconds(uint32_t seconds);
