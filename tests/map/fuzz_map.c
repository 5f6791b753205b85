/* libFuzzer harness: every MAP decoder on the same input; whatever decodes
 * must re-encode and decode to the same values. */

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sigway/map/map_sm.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[1024];
	int n;
	struct map_sri_sm_arg sa, sa2;
	if (map_dec_sri_sm_arg(&sa, data, size) == 0 && (n = map_enc_sri_sm_arg(out, sizeof(out), &sa)) > 0) {
		CHECK(map_dec_sri_sm_arg(&sa2, out, n) == 0);
		CHECK(!strcmp(sa.msisdn.digits, sa2.msisdn.digits));
	}
	struct map_sri_sm_res sr, sr2;
	if (map_dec_sri_sm_res(&sr, data, size) == 0 && (n = map_enc_sri_sm_res(out, sizeof(out), &sr)) > 0) {
		CHECK(map_dec_sri_sm_res(&sr2, out, n) == 0);
		CHECK(!strcmp(sr.imsi, sr2.imsi));
	}
	struct map_forward_sm_arg fa, fa2;
	if (map_dec_forward_sm_arg(&fa, data, size) == 0 && (n = map_enc_forward_sm_arg(out, sizeof(out), &fa, 3)) > 0) {
		CHECK(map_dec_forward_sm_arg(&fa2, out, n) == 0);
		CHECK(fa.sm_rp_ui_len == fa2.sm_rp_ui_len && !memcmp(fa.sm_rp_ui, fa2.sm_rp_ui, fa.sm_rp_ui_len));
	}
	struct map_report_smds_arg ra;
	map_dec_report_smds_arg(&ra, data, size);
	struct map_alert_sc_arg aa;
	map_dec_alert_sc_arg(&aa, data, size);
	struct map_inform_sc_arg ia;
	map_dec_inform_sc_arg(&ia, data, size);
	struct map_ussd u, u2;
	if (map_dec_ussd(&u, data, size) == 0 && (n = map_enc_ussd(out, sizeof(out), &u)) > 0) {
		CHECK(map_dec_ussd(&u2, out, n) == 0);
		CHECK(u.string_len == u2.string_len);
	}
	struct map_ss_user_data sd, sd2;
	if (map_dec_ss_user_data(&sd, data, size) == 0) {
		CHECK((n = map_enc_ss_user_data(out, sizeof(out), &sd)) > 0);
		CHECK(map_dec_ss_user_data(&sd2, out, n) == 0);
		CHECK(sd.len == sd2.len && !memcmp(sd.text, sd2.text, sd.len));
	}
	struct map_error_param ep;
	map_dec_error_param(&ep, MAP_ERR_ABSENT_SUBSCRIBER_SM, data, size);
	map_dec_error_param(&ep, MAP_ERR_SM_DELIVERY_FAILURE, data, size);
	struct map_open_info oi;
	map_dec_open_info(&oi, data, size);
	struct map_dialogue_pdu dp, dp2;
	if (map_dec_dialogue_pdu(&dp, data, size) == 0 && (n = map_enc_dialogue_pdu(out, sizeof(out), &dp)) > 0) {
		CHECK(map_dec_dialogue_pdu(&dp2, out, n) == 0);
		CHECK(dp.type == dp2.type && dp.refuse_reason == dp2.refuse_reason &&
		      dp.user_abort_choice == dp2.user_abort_choice);
	}
	return 0;
}
