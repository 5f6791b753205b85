/* libFuzzer harness: the number normaliser. The first octet picks the
 * configuration and the SMPP TON/NPI; the rest is the input. Whatever comes
 * out must be 1-15 digits not starting with 0, and normalise to itself. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sigway/numbering/numbering.h>
#include <sigway/numbering/numbering_norm.h>

static struct numbering *nb;

static void check_out(int rc, const char *out, const struct numbering_norm_cfg *cfg)
{
	char again[NUMBERING_E164_MAX + 1];
	if (rc != NUMBERING_NORM_OK) {
		if (rc > 0 || rc < NUMBERING_NORM_BAD_CFG || out[0])
			__builtin_trap();
		return;
	}
	if (!numbering_is_digits(out, 1, NUMBERING_E164_MAX) || out[0] == '0')
		__builtin_trap();
	/* international digits are a fixed point */
	if (numbering_normalise(out, cfg, again, sizeof(again), NULL) != 0 || strcmp(out, again))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct numbering_norm_cfg cfgs[4] = {
		{ .country_code = "49" },
		{ .country_code = "1", .trunk_prefix = "1", .intl_prefixes = "011,00" },
		{ .trunk_prefix = "" },
		{ .country_code = "44", .intl_prefixes = "00,001,0011", .min_nsn = 7 },
	};
	char in[128], out[NUMBERING_E164_MAX + 1];
	struct numbering_norm_cfg cfg;
	const char *why;

	if (!nb) {
		char err[200];
		nb = numbering_alloc(NULL);
		numbering_load(nb, NUMBERING_FIXTURE, err, sizeof(err));
	}
	if (size < 1)
		return 0;
	cfg = cfgs[data[0] & 3];
	if (data[0] & 4)
		cfg.nb = nb;
	size_t n = size - 1 < sizeof(in) - 1 ? size - 1 : sizeof(in) - 1;
	memcpy(in, data + 1, n);
	in[n] = '\0';

	int rc = numbering_normalise(in, &cfg, out, sizeof(out), &why);
	check_out(rc, out, &cfg);
	rc = numbering_normalise_smpp((data[0] >> 3) & 7, (data[0] >> 6) & 3, in, &cfg, out, sizeof(out), &why);
	check_out(rc, out, &cfg);
	/* a small output buffer never overflows */
	char small[6];
	numbering_normalise(in, &cfg, small, sizeof(small), NULL);
	return 0;
}
