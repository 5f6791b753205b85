/* libFuzzer harness: the TPDU decoder in every direction/flag combination,
 * the UDH parser alone, and re-encoding of whatever decoded. The first input
 * octet selects the decode flags. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sms_tpdu t;
	struct sms_udh udh;
	unsigned flags;

	if (size < 1)
		return 0;
	flags = data[0] & 3;
	sms_udh_parse(&udh, data + 1, size - 1);
	if (sms_tpdu_decode(&t, data + 1, size - 1, flags) == 0)
		check_reencode(&t);
	return 0;
}
