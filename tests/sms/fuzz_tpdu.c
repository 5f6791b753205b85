/* libFuzzer harness: the TPDU decoder in every direction/flag combination,
 * the UDH parser alone, and re-encoding of whatever decoded. The first input
 * octet selects the decode flags; with its bit 2 set the rest is an SMPP
 * message instead (data_coding, what data_coding 0 means, UDHI, content):
 * split, coded as SMS-DELIVERs with an alphanumeric originator taken from
 * the input, which must decode again, and its text both ways (issue 10). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sigway/sms/sms_tpdu.h>
#include <sigway/sms/sms_split.h>

/* Re-split whatever payload came in, with its UDH as the client's. */
static void check_split(const struct sms_tpdu *t)
{
	struct sms_split_req req = { .payload = t->ud.data, .len = t->ud.data_len,
		.user_udh = t->ud.udh, .user_udh_len = t->ud.udh_len, .ref = t->mr };
	struct sms_part parts[3];
	uint8_t sm[300], dc;

	req.alphabet = t->dcs_parsed.compressed ? SMS_ALPHABET_8BIT : t->dcs_parsed.alphabet;
	sms_split(parts, 3, &req);
	sms_tpdu_to_smpp(t, &dc, sm, sizeof(sm));
}

static unsigned mo_flags(const struct sms_tpdu *t)
{
	bool mo = t->type == SMS_SUBMIT || t->type == SMS_DELIVER_REPORT || t->type == SMS_COMMAND;

	return (mo ? SMS_DEC_MO : 0) | (t->fcs ? SMS_DEC_RP_ERROR : 0);
}

static void check_reencode(const struct sms_tpdu *t)
{
	uint8_t out[300];
	char txt[800];
	struct sms_tpdu again;
	int n;

	sms_tpdu_text(t, txt, sizeof(txt));
	check_split(t);
	n = sms_tpdu_encode(out, sizeof(out), t);
	if (n < 0)
		return;
	/* what we encode must decode again */
	if (sms_tpdu_decode(&again, out, n, mo_flags(t)) != 0)
		__builtin_trap();
}

static void check_smpp(const uint8_t *data, size_t size)
{
	static const uint8_t dc0s[] = { SMS_SMPP_DC_DEFAULT, SMS_SMPP_DC_IA5, SMS_SMPP_DC_LATIN1, SMS_SMPP_DC_DEFAULT };
	struct sms_split_req req;
	struct sms_part parts[16];
	uint8_t scratch[4 * 600 + 16], tp_dcs, out[200], text[64];
	char utf8[4 * 600 + 1], name[12];
	struct sms_tpdu t = { .type = SMS_DELIVER }, again;

	if (size < 3 || size > 600 + 3)
		return;
	uint8_t dc = data[0], dc0 = dc0s[data[1] & 3];
	bool udhi = data[2] & 1;
	data += 3;
	size -= 3;
	/* an originator name from the first octets (NUL-terminated) */
	size_t nl = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, data, nl);
	name[nl] = '\0';
	t.addr.ton = SMS_TON_ALPHANUMERIC;
	if (sms_smpp_alnum_addr(name, t.addr.text, sizeof(t.addr.text)) < 0)
		strcpy(t.addr.text, "Fuzz");
	int n = sms_smpp_to_utf8(utf8, sizeof(utf8), dc, dc0, udhi, data, size);
	if (n > 0)
		sms_smpp_from_utf8(text, sizeof(text), dc0, utf8, (size_t)n, 20);
	if (sms_split_req_from_smpp(&req, &tp_dcs, dc, dc0, udhi, data, size, scratch, sizeof(scratch)) < 0)
		return;
	req.ref = 0x1234;
	req.ref16 = true;
	n = sms_split(parts, 16, &req);
	t.dcs = tp_dcs;
	for (int i = 0; i < n; i++) {
		sms_part_to_ud(&t.ud, &parts[i]);
		int len = sms_tpdu_encode(out, sizeof(out), &t);
		if (len < 0)
			continue;
		if (sms_tpdu_decode(&again, out, (size_t)len, 0) != 0)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sms_tpdu t;
	struct sms_udh udh;
	unsigned flags;

	if (size < 1)
		return 0;
	if (data[0] & 4) {
		check_smpp(data + 1, size - 1);
		return 0;
	}
	flags = data[0] & 3;
	sms_udh_parse(&udh, data + 1, size - 1);
	if (sms_tpdu_decode(&t, data + 1, size - 1, flags) == 0)
		check_reencode(&t);
	return 0;
}
