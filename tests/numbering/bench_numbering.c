/* Lookup benchmark (meson test --benchmark --suite numbering): longest-prefix
 * lookups of random numbers in the small fixture and in the shipped file. The
 * trie costs one step per digit, so the time per lookup should not grow with
 * the size of the data; the figures depend on the machine, none is asserted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <talloc.h>

#include <sigway/numbering/numbering.h>
#include <sigway/numbering/numbering_norm.h>

#define N_NUMBERS 200000
#define ROUNDS 5

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bench(const char *what, const char *path, char (*numbers)[NUMBERING_E164_MAX + 1])
{
	char err[256];
	struct numbering *nb = numbering_alloc(NULL);
	struct numbering_stats st;
	struct numbering_info info;
	unsigned found = 0;

	double t0 = now();
	if (numbering_load(nb, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	double load = now() - t0;
	numbering_stats(nb, &st);
	t0 = now();
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < N_NUMBERS; i++)
			found += numbering_lookup(nb, numbers[i], &info) == 0 && info.network;
	double dt = now() - t0;
	printf("%-8s ranges %6u nodes %7u memory %8zu B load %6.1f ms: %.0f ns/lookup (%u with a network)\n",
	       what, st.ranges, st.trie_nodes, st.bytes, load * 1e3, dt * 1e9 / (ROUNDS * N_NUMBERS),
	       found / ROUNDS);
	talloc_free(nb);
}

int main(void)
{
	static const char *const ccs[] = { "49", "44", "1", "7", "33", "39", "55", "91", "86", "234" };
	char (*numbers)[NUMBERING_E164_MAX + 1] = calloc(N_NUMBERS, NUMBERING_E164_MAX + 1);
	char norm_in[N_NUMBERS / 10][24];
	srandom(1);
	for (int i = 0; i < N_NUMBERS; i++) {
		int n = snprintf(numbers[i], 16, "%s", ccs[random() % 10]);
		int len = 11 + (int)(random() % 5);
		while (n < len)
			numbers[i][n++] = (char)('0' + random() % 10);
		numbers[i][n] = '\0';
	}
	bench("fixture", NUMBERING_FIXTURE, numbers);
	bench("default", NUMBERING_DEFAULT, numbers);

	/* the normaliser on what people type */
	struct numbering_norm_cfg cfg = { .country_code = "49" };
	char out[NUMBERING_E164_MAX + 1];
	for (int i = 0; i < N_NUMBERS / 10; i++)
		snprintf(norm_in[i], sizeof(norm_in[i]), "+%.2s (0)%.3s %s", numbers[i], numbers[i] + 2, numbers[i] + 5);
	double t0 = now();
	unsigned ok = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < N_NUMBERS / 10; i++)
			ok += numbering_normalise(norm_in[i], &cfg, out, sizeof(out), NULL) == 0;
	printf("normalise: %.0f ns/number (%u of %d good)\n", (now() - t0) * 1e9 / (ROUNDS * N_NUMBERS / 10),
	       ok / ROUNDS, N_NUMBERS / 10);
	free(numbers);
	return 0;
}
