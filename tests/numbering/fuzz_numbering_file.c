/* libFuzzer harness: the numbering data file parser. A file that loads must
 * answer lookups of a few numbers and MCC-MNCs without fault; one that does not
 * must leave the tables loaded before untouched. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sigway/numbering/numbering.h>

static struct numbering *nb;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const numbers[] = { "4915112345678", "12045550100", "447781123456", "1", "999",
						"123456789012345" };
	static const char *const mccmncs[] = { "26201", "310260", "00101", "999999" };
	char err[256];
	struct numbering_info info;
	char mm[NUMBERING_MCCMNC_MAX];

	if (!nb) {
		nb = numbering_alloc(NULL);
		numbering_load(nb, NUMBERING_FIXTURE, err, sizeof(err));
	}
	if (numbering_load_buf(nb, (const char *)data, size, err, sizeof(err)) < 0) {
		/* the fixture (or the last good input) is still answering */
		if (err[0] == '\0')
			__builtin_trap();
	}
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		if (numbering_lookup(nb, numbers[i], &info) == 0) {
			if (!info.country || strncmp(numbers[i], info.cc, strlen(info.cc)))
				__builtin_trap();
			if (info.network && (info.range_len == 0 || info.range_len > strlen(numbers[i])))
				__builtin_trap();
		}
	}
	for (size_t i = 0; i < sizeof(mccmncs) / sizeof(mccmncs[0]); i++) {
		const struct numbering_mccmnc *m = numbering_lookup_mccmnc(nb, mccmncs[i]);
		if (m && strcmp(m->mccmnc, mccmncs[i]))
			__builtin_trap();
	}
	numbering_imsi_mccmnc(nb, "262011234567890", mm, sizeof(mm));
	return 0;
}
