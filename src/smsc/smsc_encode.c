/* A message as the handset gets it: the SMS-DELIVER TPDUs of its parts.
 * The same function checks a submit (nothing is acknowledged that cannot be
 * sent) and builds the parts before the first attempt. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <sigway/sms/sms_split.h>
#include <sigway/sms/sms_tpdu.h>
#include "smsc_int.h"

#define TPDU_MAX	176	/* an SMS-DELIVER: 140 octets of user data and its header */
#define PID_SIM_DATA_DOWNLOAD	0x7f

/* 23.040 9.2.3.9, 31.111 7.1.1: the (U)SIM takes a data download only in a
 * class 2 message; sent otherwise, the handset would store it as text */
static bool pid_fits_dcs(uint8_t pid, uint8_t tp_dcs)
{
	struct sms_dcs d;
	if (pid != PID_SIM_DATA_DOWNLOAD)
		return true;
	sms_dcs_parse(&d, tp_dcs);
	return d.has_class && d.msg_class == 2;
}

/* TP-OA: the ESME's source address; alphanumeric ones in GSM 7-bit */
static int originator(struct sms_addr *a, const struct smpp_address *src)
{
	if (src->ton == 5) {
		a->ton = SMS_TON_ALPHANUMERIC;
		a->npi = 0;
		return sms_smpp_alnum_addr(src->addr, a->text, sizeof(a->text)) < 0 ? -EINVAL : 0;
	}
	a->ton = src->ton;
	a->npi = src->npi;
	if (strlen(src->addr) >= sizeof(a->text))
		return -EINVAL;
	snprintf(a->text, sizeof(a->text), "%s", src->addr);
	return 0;
}

static int split(void *ctx, const struct smsc_content *c, uint16_t ref, struct sms_part **parts, uint8_t *tp_dcs)
{
	struct sms_split_req req;
	uint8_t concat[6];
	size_t cap = 4 * c->len + 16;
	uint8_t *scratch = talloc_size(ctx, cap);
	*parts = talloc_array(ctx, struct sms_part, c->max_parts);
	if (!scratch || !*parts)
		return SMSC_ENC_NOMEM;
	bool udhi = c->esm_class & SMPP_ESM_UDHI;
	int rc = sms_split_req_from_smpp(&req, tp_dcs, c->data_coding, c->dc0, udhi, c->payload, c->len, scratch, cap);
	if (rc == -ENOTSUP)
		return SMSC_ENC_DCS;
	if (rc < 0)
		return SMSC_ENC_CONTENT;
	if (!pid_fits_dcs(c->protocol_id, *tp_dcs))
		return SMSC_ENC_DCS;
	if (!udhi && c->sar_total > 1) {
		/* the ESME split it and said so in sar_* TLVs: that becomes the UDH */
		int n = sms_udh_put_concat(concat, sizeof(concat), c->sar_ref, c->sar_ref > 255, c->sar_total,
					   c->sar_seq);
		req.user_udh = concat;
		req.user_udh_len = (uint8_t)n;
	}
	/* our own split: a 16-bit reference of the destination's (smsc_lane.c) */
	req.ref = ref;
	req.ref16 = true;
	rc = sms_split(*parts, c->max_parts, &req);
	return rc > 0 ? rc : SMSC_ENC_CONTENT;
}

int smsc_encode(void *ctx, const struct smsc_content *c, uint16_t ref, uint8_t ***tpdu, uint8_t **tpdu_len)
{
	void *tmp = talloc_new(ctx);
	struct sms_part *parts;
	uint8_t tp_dcs;
	struct sms_ts scts;
	struct sms_tpdu t = { .type = SMS_DELIVER };
	uint8_t buf[TPDU_MAX];
	if (tpdu) {
		*tpdu = NULL;
		*tpdu_len = NULL;
	}
	if (!tmp)
		return SMSC_ENC_NOMEM;
	int n = split(tmp, c, ref, &parts, &tp_dcs);
	if (n < 0)
		goto out;
	if (originator(&t.addr, c->src) < 0) {
		n = SMSC_ENC_SOURCE;
		goto out;
	}
	sms_ts_from_time(&scts, c->submit_ms / 1000, 0);
	if (tpdu) {
		*tpdu = talloc_zero_array(ctx, uint8_t *, n);
		*tpdu_len = talloc_zero_array(ctx, uint8_t, n);
		if (!*tpdu || !*tpdu_len) {
			n = SMSC_ENC_NOMEM;
			goto out;
		}
	}
	for (int i = 0; i < n; i++) {
		t.mms = i == n - 1;
		/* reply path (esm_class bit 7): the reply goes through us, the SC */
		t.rp = c->esm_class & SMPP_ESM_REPLY_PATH;
		t.pid = c->protocol_id;
		t.dcs = tp_dcs;
		t.scts = scts;
		sms_part_to_ud(&t.ud, &parts[i]);
		int len = sms_tpdu_encode(buf, sizeof(buf), &t);
		if (len < 0) {
			n = SMSC_ENC_CONTENT;
			goto out;
		}
		if (!tpdu)
			continue;
		(*tpdu)[i] = talloc_memdup(*tpdu, buf, len);
		if (!(*tpdu)[i]) {
			n = SMSC_ENC_NOMEM;
			goto out;
		}
		(*tpdu_len)[i] = (uint8_t)len;
	}
out:
	if (n < 0 && tpdu) {
		talloc_free(*tpdu);
		talloc_free(*tpdu_len);
		*tpdu = NULL;
		*tpdu_len = NULL;
	}
	talloc_free(tmp);
	return n;
}
