/* Benchmark (not a test): encode + decode of whole TCAP Begins carrying an
 * SRI-for-SM and an MT-ForwardSM invoke, on one core, as the gateway does
 * them per message: MAP argument -> component -> TCAP Begin with AARQ, then
 * TCAP decode -> MAP decode. Prints each run and the median.
 * usage: bench_map_codec [iterations] [runs] */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sigway/map/map_sm.h>
#include <sigway/tcap/tcap_codec.h>

static volatile size_t sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int begin(uint8_t *out, size_t cap, enum map_ac ac, int op, const uint8_t *arg, int len, uint32_t tid)
{
	uint8_t comp[256];
	struct tcap_component c = { .type = TCAP_COMP_INVOKE, .invoke_id_present = true, .invoke_id = 1,
				    .op_present = true, .opcode = op, .param = arg, .param_len = len };
	struct tcap_tx_msg tx = { .type = TCAP_MSG_BEGIN, .otid_present = true, .otid = tid,
				  .dialogue = { .type = TCAP_DLG_AARQ, .acn_present = true },
				  .components = comp, .components_len = tcap_encode_component(comp, sizeof(comp), &c) };
	map_acn(&tx.dialogue.acn, ac, 3);
	return tcap_encode(out, cap, &tx);
}

static void sri_round(uint32_t i)
{
	uint8_t arg[64], msg[256];
	struct map_sri_sm_arg a = { .msisdn = { true, 0x91, "491770000001" }, .sm_rp_pri = true,
				    .sc_address = { true, 0x91, "491720000099" } }, d;
	int n = map_enc_sri_sm_arg(arg, sizeof(arg), &a);
	int len = begin(msg, sizeof(msg), MAP_AC_SHORT_MSG_GATEWAY, MAP_OP_SRI_FOR_SM, arg, n, i);
	struct tcap_msg t;
	if (tcap_decode(&t, msg, len) < 0 || map_dec_sri_sm_arg(&d, t.comp[0].param, t.comp[0].param_len) < 0)
		abort();
	sink += d.msisdn.digits[11];
}

static void mt_fsm_round(uint32_t i)
{
	static const uint8_t tpdu[] = { 0x04, 0x0b, 0x91, 0x94, 0x71, 0x07, 0x00, 0x00, 0xf1, 0x00, 0x00, 0x52, 0x11,
					0x42, 0x21, 0x00, 0x00, 0x00, 0x05, 0xc8, 0x32, 0x9b, 0xfd, 0x06 };
	uint8_t arg[256], msg[400];
	struct map_forward_sm_arg a = { .da_type = MAP_DA_IMSI, .da_imsi = "262011234567890",
					.oa_type = MAP_OA_SC_ADDRESS, .oa_address = { true, 0x91, "491720000099" },
					.sm_rp_ui = tpdu, .sm_rp_ui_len = sizeof(tpdu) }, d;
	int n = map_enc_forward_sm_arg(arg, sizeof(arg), &a, 3);
	int len = begin(msg, sizeof(msg), MAP_AC_SHORT_MSG_MT_RELAY, MAP_OP_MT_FORWARD_SM, arg, n, i);
	struct tcap_msg t;
	if (tcap_decode(&t, msg, len) < 0 || map_dec_forward_sm_arg(&d, t.comp[0].param, t.comp[0].param_len) < 0)
		abort();
	sink += d.sm_rp_ui_len;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void bench(const char *name, void (*round)(uint32_t), long iters, int runs)
{
	double rates[32];
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		for (long i = 0; i < iters; i++)
			round((uint32_t)i);
		rates[r] = iters / (now() - t0);
		printf("%-12s run %d: %10.0f encode+decode/s\n", name, r + 1, rates[r]);
	}
	qsort(rates, runs, sizeof(rates[0]), cmp);
	printf("%-12s median: %10.0f encode+decode/s\n", name, rates[runs / 2]);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 2000000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > 32)
		runs = 5;
	bench("SRI-for-SM", sri_round, iters, runs);
	bench("MT-ForwardSM", mt_fsm_round, iters, runs);
	return 0;
}
