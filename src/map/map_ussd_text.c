/* USSD-Arg/USSD-Res from and to text: the MAP structure with its string
 * coded per 23.038 by src/ussd, for the services that speak text. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sigway/map/map_sm.h>
#include <sigway/ussd/ussd_string.h>

int map_enc_ussd_text(uint8_t *buf, size_t cap, const char *utf8)
{
	uint8_t packed[USSD_MAX_OCTETS];
	int n = ussd_string_encode(packed, sizeof(packed), USSD_DCS_GSM7_UNSPEC, NULL, utf8, strlen(utf8));
	if (n < 0)
		return -MAP_ERR_RANGE;
	struct map_ussd u = { .dcs = USSD_DCS_GSM7_UNSPEC, .string = packed, .string_len = n };
	return map_enc_ussd(buf, cap, &u);
}

const char *map_dec_ussd_text(const uint8_t *param, size_t len, char *out, size_t outsz)
{
	struct map_ussd u;
	if (!param || map_dec_ussd(&u, param, len) < 0 ||
	    ussd_string_decode(out, outsz, u.dcs, u.string, u.string_len, NULL) < 0)
		snprintf(out, outsz, "(undecodable)");
	return out;
}

int map_ussd_from_text(struct map_ussd *u, uint8_t *buf, size_t cap, const char *utf8)
{
	int n = ussd_string_encode(buf, cap, USSD_DCS_GSM7_UNSPEC, NULL, utf8, strlen(utf8));
	if (n < 0)
		return -MAP_ERR_RANGE;
	*u = (struct map_ussd){ .dcs = USSD_DCS_GSM7_UNSPEC, .string = buf, .string_len = (size_t)n };
	return 0;
}

const char *map_ussd_text(const struct map_ussd *u, char *out, size_t outsz)
{
	if (ussd_string_decode(out, outsz, u->dcs, u->string, u->string_len, NULL) < 0)
		snprintf(out, outsz, "(undecodable)");
	return out;
}
