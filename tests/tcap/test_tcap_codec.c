/* TCAP codec: every message, dialogue PDU and component type encoded,
 * checked by tshark and decoded back; the public captures decode; bad
 * input gets the right error. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sigway/asn1/ber.h>
#include <sigway/tcap/tcap_codec.h>
#include "dissect.h"

#ifndef VECTORS
#error "VECTORS must name tests/tcap/capture-vectors.tsv"
#endif

/* shortMsgGatewayContext-v3 {0 4 0 0 1 0 20 3} */
static const struct tcap_acn acn_sri_sm_v3 = { 7, { 0x04, 0x00, 0x00, 0x01, 0x00, 0x14, 0x03 } };
/* an SRI-for-SM argument: msisdn, sm-RP-PRI, serviceCentreAddress */
static const uint8_t sri_param[] = { 0x30, 0x13, 0x80, 0x07, 0x91, 0x94, 0x71, 0x02, 0x00, 0x00, 0xf1,
				     0x81, 0x01, 0xff, 0x82, 0x05, 0x91, 0x94, 0x71, 0x00, 0x00 };

/* its result: imsi 262011234567890, locationInfoWithLMSI { networkNode-Number +4917000001 } */
static const uint8_t sri_result[] = { 0x30, 0x14, 0x04, 0x08, 0x62, 0x02, 0x10, 0x32, 0x54, 0x76, 0x98, 0xf0,
				      0xa0, 0x08, 0x81, 0x06, 0x91, 0x94, 0x71, 0x00, 0x00, 0x10 };

static int enc_comp(uint8_t *buf, size_t cap, enum tcap_comp_type type, int8_t id)
{
	struct tcap_component c = { .type = type, .invoke_id_present = true, .invoke_id = id };
	switch (type) {
	case TCAP_COMP_INVOKE:
		c.opcode = 45;
		c.param = sri_param;
		c.param_len = sizeof(sri_param);
		break;
	case TCAP_COMP_RESULT_LAST:
	case TCAP_COMP_RESULT_NOT_LAST:
		c.op_present = true;
		c.opcode = 45;
		c.param = sri_result;
		c.param_len = sizeof(sri_result);
		break;
	case TCAP_COMP_ERROR:
		c.error_code = 27;	/* absentSubscriberSM, no parameter */
		break;
	case TCAP_COMP_REJECT:
		c.problem_type = TCAP_PROBLEM_INVOKE;
		c.problem = TCAP_IP_DUPLICATE_INVOKE_ID;
		break;
	default:
		break;
	}
	int n = tcap_encode_component(buf, cap, &c);
	assert_true(n > 0);
	return n;
}

static int check_tshark(const uint8_t *buf, int len, const char *fields, const char *expect)
{
	char out[2048];
	int rc = dissect_run(buf, len, "tcap", fields, out, sizeof(out));
	if (rc != 0 || (expect && strcmp(out, expect)))
		print_error("tshark rc %d: '%s'\n   expected: '%s'\n", rc, out, expect ? expect : "");
	assert_int_equal(rc, 0);
	if (expect)
		assert_string_equal(out, expect);
	return rc;
}

static void test_begin_aarq_invoke(void **state)
{
	uint8_t comps[128], buf[256];
	struct tcap_msg d;
	int clen = enc_comp(comps, sizeof(comps), TCAP_COMP_INVOKE, 1);
	struct tcap_tx_msg tx = {
		.type = TCAP_MSG_BEGIN, .otid_present = true, .otid = 0x01020304,
		.dialogue = { .type = TCAP_DLG_AARQ, .acn_present = true, .acn = acn_sri_sm_v3 },
		.components = comps, .components_len = clen,
	};
	int len = tcap_encode(buf, sizeof(buf), &tx);
	assert_true(len > 0);
	check_tshark(buf, len, "-e tcap.otid -e tcap.oid -e tcap.application_context_name -e gsm_old.invokeID -e gsm_old.localValue",
		     "01020304\t0.0.17.773.1.1.1\t0.4.0.0.1.0.20.3\t1\t45");
	assert_int_equal(tcap_decode(&d, buf, len), 0);
	assert_int_equal(d.type, TCAP_MSG_BEGIN);
	assert_int_equal(tcap_tid_to_u32(d.otid, d.otid_len), 0x01020304);
	assert_int_equal(d.dialogue.type, TCAP_DLG_AARQ);
	assert_true(tcap_acn_equal(&d.dialogue.acn, &acn_sri_sm_v3));
	assert_int_equal(d.n_comp, 1);
	assert_int_equal(d.comp[0].type, TCAP_COMP_INVOKE);
	assert_int_equal(d.comp[0].opcode, 45);
	assert_int_equal(d.comp[0].param_len, sizeof(sri_param));
	assert_memory_equal(d.comp[0].param, sri_param, sizeof(sri_param));
}

static void test_end_aare_every_component(void **state)
{
	static const enum tcap_comp_type types[] = { TCAP_COMP_RESULT_NOT_LAST, TCAP_COMP_RESULT_LAST,
		TCAP_COMP_ERROR, TCAP_COMP_REJECT };
	uint8_t comps[512], buf[600];
	size_t clen = 0;
	for (int i = 0; i < 4; i++)
		clen += enc_comp(comps + clen, sizeof(comps) - clen, types[i], (int8_t)(i + 1));
	struct tcap_tx_msg tx = {
		.type = TCAP_MSG_END, .dtid_present = true, .dtid_len = 2, .dtid = { 0xab, 0xcd },
		.dialogue = { .type = TCAP_DLG_AARE, .acn_present = true, .acn = acn_sri_sm_v3,
			      .result = TCAP_RESULT_ACCEPTED, .diag_source = TCAP_DIAG_SRC_USER },
		.components = comps, .components_len = clen,
	};
	int len = tcap_encode(buf, sizeof(buf), &tx);
	assert_true(len > 0);
	check_tshark(buf, len, "-e tcap.dtid -e tcap.result -e gsm_old.invokeID -e gsm_old.localValue -e gsm_old.derivable "
		     "-e gsm_old.problem -e gsm_old.invokeProblem",
		     "abcd\t0\t1,2,3\t45,45,27\t4\t1\t0");
	struct tcap_msg d;
	assert_int_equal(tcap_decode(&d, buf, len), 0);
	assert_int_equal(d.type, TCAP_MSG_END);
	assert_int_equal(d.dialogue.type, TCAP_DLG_AARE);
	assert_int_equal(d.n_comp, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(d.comp[i].type, types[i]);
		assert_int_equal(d.comp[i].invoke_id, i + 1);
	}
	assert_int_equal(d.comp[2].error_code, 27);
	assert_int_equal(d.comp[3].problem_type, TCAP_PROBLEM_INVOKE);
	assert_int_equal(d.comp[3].problem, TCAP_IP_DUPLICATE_INVOKE_ID);
}

static void test_continue(void **state)
{
	uint8_t comps[128], buf[256];
	int clen = enc_comp(comps, sizeof(comps), TCAP_COMP_INVOKE, -5);
	struct tcap_tx_msg tx = {
		.type = TCAP_MSG_CONTINUE, .otid_present = true, .otid = 7,
		.dtid_present = true, .dtid_len = 4, .dtid = { 0, 0, 0, 9 },
		.components = comps, .components_len = clen,
	};
	int len = tcap_encode(buf, sizeof(buf), &tx);
	check_tshark(buf, len, "-e tcap.otid -e tcap.dtid -e gsm_old.invokeID", "00000007\t00000009\t-5");
	struct tcap_msg d;
	assert_int_equal(tcap_decode(&d, buf, len), 0);
	assert_int_equal(d.type, TCAP_MSG_CONTINUE);
	assert_int_equal(d.comp[0].invoke_id, -5);
}

static void test_abort_p_and_u(void **state)
{
	uint8_t buf[256];
	struct tcap_msg d;
	struct tcap_tx_msg tx = {
		.type = TCAP_MSG_ABORT, .dtid_present = true, .dtid_len = 4, .dtid = { 1, 2, 3, 4 },
		.p_abort_present = true, .p_abort_cause = TCAP_PA_UNRECOGNIZED_TID,
	};
	int len = tcap_encode(buf, sizeof(buf), &tx);
	check_tshark(buf, len, "-e tcap.dtid -e tcap.p_abortCause", "01020304\t1");
	assert_int_equal(tcap_decode(&d, buf, len), 0);
	assert_true(d.p_abort_present);
	assert_int_equal(d.p_abort_cause, TCAP_PA_UNRECOGNIZED_TID);

	/* U-Abort refusing an application context: AARE reject-permanent,
	 * dialogue-service-user application-context-name-not-supported */
	struct tcap_tx_msg ua = {
		.type = TCAP_MSG_ABORT, .dtid_present = true, .dtid_len = 1, .dtid = { 5 },
		.dialogue = { .type = TCAP_DLG_AARE, .acn_present = true, .acn = acn_sri_sm_v3,
			      .result = TCAP_RESULT_REJECT_PERMANENT, .diag_source = TCAP_DIAG_SRC_USER,
			      .diag = TCAP_DIAG_ACN_NOT_SUPPORTED },
	};
	len = tcap_encode(buf, sizeof(buf), &ua);
	check_tshark(buf, len, "-e tcap.result -e tcap.dialogue_service_user", "1\t2");
	assert_int_equal(tcap_decode(&d, buf, len), 0);
	assert_int_equal(d.dialogue.type, TCAP_DLG_AARE);
	assert_int_equal(d.dialogue.result, TCAP_RESULT_REJECT_PERMANENT);
	assert_int_equal(d.dialogue.diag, TCAP_DIAG_ACN_NOT_SUPPORTED);

	/* U-Abort with ABRT */
	struct tcap_tx_msg ab = {
		.type = TCAP_MSG_ABORT, .dtid_present = true, .dtid_len = 4, .dtid = { 1, 2, 3, 4 },
		.dialogue = { .type = TCAP_DLG_ABRT, .abort_source = TCAP_ABORT_SRC_USER },
	};
	len = tcap_encode(buf, sizeof(buf), &ab);
	check_tshark(buf, len, "-e tcap.abort_source", "0");
	assert_int_equal(tcap_decode(&d, buf, len), 0);
	assert_int_equal(d.dialogue.type, TCAP_DLG_ABRT);
}

static void test_unidirectional(void **state)
{
	uint8_t comps[128], buf[256];
	int clen = enc_comp(comps, sizeof(comps), TCAP_COMP_INVOKE, 0);
	struct tcap_tx_msg tx = {
		.type = TCAP_MSG_UNI,
		.dialogue = { .type = TCAP_DLG_AUDT, .acn_present = true, .acn = acn_sri_sm_v3 },
		.components = comps, .components_len = clen,
	};
	int len = tcap_encode(buf, sizeof(buf), &tx);
	check_tshark(buf, len, "-e tcap.oid -e tcap.application_context_name -e gsm_old.invokeID", "0.0.17.773.1.2.1\t0.4.0.0.1.0.20.3\t0");
	struct tcap_msg d;
	assert_int_equal(tcap_decode(&d, buf, len), 0);
	assert_int_equal(d.type, TCAP_MSG_UNI);
	assert_int_equal(d.dialogue.type, TCAP_DLG_AUDT);
}

/* Frames of the captures that are not TCAP we can decode, and why */
static const struct { const char *file; int frame; const char *why; } expected_failures[] = {
	/* captures/README.md: tcap_raw of these is an SCCP-returned (XUDTS) fragment, not TCAP */
	{ "pycrate_tcapmap_pcapr.pcap", 37, "XUDTS-returned fragment" },
	{ "pycrate_tcapmap_pcapr.pcap", 52, "XUDTS-returned fragment" },
	{ "pycrate_tcapmap_pcapr.pcap", 66, "XUDTS-returned fragment" },
	{ NULL, 0, NULL },
};

static bool expected_to_fail(const char *file, int frame)
{
	for (int i = 0; expected_failures[i].file; i++)
		if (!strcmp(expected_failures[i].file, file) && expected_failures[i].frame == frame)
			return true;
	return false;
}

static void test_capture_vectors(void **state)
{
	FILE *f = fopen(VECTORS, "r");
	assert_non_null(f);
	char line[8192], file[128], hex[8000];
	int frame, n = 0, ok = 0, failed = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %d %7999s", file, &frame, hex) != 3)
			continue;
		uint8_t buf[4000];
		size_t len = strlen(hex) / 2;
		for (size_t i = 0; i < len; i++)
			sscanf(hex + 2 * i, "%2hhx", &buf[i]);
		struct tcap_msg d;
		int rc = tcap_decode(&d, buf, len);
		bool bad_comp = false;
		for (unsigned int i = 0; rc == 0 && i < d.n_comp; i++)
			bad_comp |= d.comp[i].type == TCAP_COMP_BAD;
		n++;
		if (rc == 0 && !bad_comp) {
			ok++;
			if (expected_to_fail(file, frame))
				print_error("%s #%d decodes but is listed as an expected failure\n", file, frame);
			continue;
		}
		if (!expected_to_fail(file, frame)) {
			failed++;
			print_error("%s #%d: %s%s\n", file, frame, rc ? tcap_strerror(rc) : "",
				    bad_comp ? "undecodable component" : "");
		}
	}
	fclose(f);
	print_message("%d TCAP PDUs from the captures, %d decoded\n", n, ok);
	assert_true(n > 100);
	assert_int_equal(failed, 0);
}

static void test_truncated_every_length(void **state)
{
	uint8_t comps[128], buf[256];
	int clen = enc_comp(comps, sizeof(comps), TCAP_COMP_INVOKE, 1);
	struct tcap_tx_msg tx = {
		.type = TCAP_MSG_BEGIN, .otid_present = true, .otid = 1,
		.dialogue = { .type = TCAP_DLG_AARQ, .acn_present = true, .acn = acn_sri_sm_v3 },
		.components = comps, .components_len = clen,
	};
	int len = tcap_encode(buf, sizeof(buf), &tx);
	struct tcap_msg d;
	for (int l = 0; l < len; l++)
		assert_true(tcap_decode(&d, buf, l) < 0);
	/* wrong outer length: one more than present */
	buf[1]++;
	assert_int_equal(tcap_decode(&d, buf, len), -TCAP_ERR_BADLY_FORMATTED_TP);
}

static void test_indefinite_lengths(void **state)
{
	/* Begin, indefinite outer length, OTID, component portion indefinite with an Invoke */
	static const uint8_t ok[] = { 0x62, 0x80, 0x48, 0x01, 0x01, 0x6c, 0x80,
				      0xa1, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x2d, 0x00, 0x00, 0x00, 0x00 };
	struct tcap_msg d;
	assert_int_equal(tcap_decode(&d, ok, sizeof(ok)), 0);
	assert_int_equal(d.n_comp, 1);
	assert_int_equal(d.comp[0].opcode, 45);
	/* an indefinite length on a primitive (the OTID) is never allowed */
	static const uint8_t bad_tid[] = { 0x62, 0x80, 0x48, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00 };
	assert_int_equal(tcap_decode(&d, bad_tid, sizeof(bad_tid)), -TCAP_ERR_BADLY_FORMATTED_TP);
	/* nor on the invokeID */
	static const uint8_t bad_inv[] = { 0x62, 0x0c, 0x48, 0x01, 0x01, 0x6c, 0x07,
					   0xa1, 0x05, 0x02, 0x80, 0x01, 0x00, 0x00 };
	assert_int_equal(tcap_decode(&d, bad_inv, sizeof(bad_inv)), 0);
	assert_int_equal(d.comp[0].type, TCAP_COMP_BAD);
	/* an indefinite form missing its end-of-contents */
	assert_true(tcap_decode(&d, ok, sizeof(ok) - 2) < 0);
}

static void test_bad_transaction_portion(void **state)
{
	struct tcap_msg d;
	/* Begin without OTID */
	static const uint8_t no_otid[] = { 0x62, 0x02, 0x6c, 0x00 };
	assert_int_equal(tcap_decode(&d, no_otid, sizeof(no_otid)), -TCAP_ERR_INCORRECT_TP);
	/* Begin with a DTID */
	static const uint8_t dtid_in_begin[] = { 0x62, 0x06, 0x48, 0x01, 0x01, 0x49, 0x01, 0x02 };
	assert_int_equal(tcap_decode(&d, dtid_in_begin, sizeof(dtid_in_begin)), -TCAP_ERR_INCORRECT_TP);
	/* 5-octet OTID */
	static const uint8_t long_tid[] = { 0x62, 0x07, 0x48, 0x05, 1, 2, 3, 4, 5 };
	assert_int_equal(tcap_decode(&d, long_tid, sizeof(long_tid)), -TCAP_ERR_BADLY_FORMATTED_TP);
	/* unknown message type keeps its type for the P-Abort decision */
	static const uint8_t unknown[] = { 0x66, 0x03, 0x48, 0x01, 0x01 };
	assert_int_equal(tcap_decode(&d, unknown, sizeof(unknown)), -TCAP_ERR_UNRECOGNIZED_MSG_TYPE);
	/* Continue with OTID but malformed component portion keeps both TIDs */
	static const uint8_t cont[] = { 0x65, 0x0c, 0x48, 0x01, 0x01, 0x49, 0x01, 0x02, 0x6b, 0x02, 0x28, 0x00,
					0x00, 0x00 };
	assert_true(tcap_decode(&d, cont, sizeof(cont)) < 0);
	assert_true(d.otid_present && d.dtid_present);
}

static void test_bad_components(void **state)
{
	struct tcap_msg d;
	/* unknown component tag [5] */
	static const uint8_t unk[] = { 0x62, 0x0a, 0x48, 0x01, 0x01, 0x6c, 0x05, 0xa5, 0x03, 0x02, 0x01, 0x01 };
	assert_int_equal(tcap_decode(&d, unk, sizeof(unk)), 0);
	assert_int_equal(d.comp[0].type, TCAP_COMP_BAD);
	assert_int_equal(d.comp[0].problem, TCAP_GP_UNRECOGNIZED_COMPONENT);
	/* invoke with an invokeID out of range (200) */
	static const uint8_t range[] = { 0x62, 0x0e, 0x48, 0x01, 0x01, 0x6c, 0x09, 0xa1, 0x07, 0x02, 0x02,
					 0x00, 0xc8, 0x02, 0x01, 0x2d };
	assert_int_equal(tcap_decode(&d, range, sizeof(range)), 0);
	assert_int_equal(d.comp[0].type, TCAP_COMP_BAD);
	/* too many components: 20 invokes, long-form lengths */
	uint8_t many[9 + 20 * 8];
	size_t p = 0;
	many[p++] = 0x62; many[p++] = 0x81; many[p++] = 0;
	many[p++] = 0x48; many[p++] = 1; many[p++] = 1;
	many[p++] = 0x6c; many[p++] = 0x81; many[p++] = 20 * 8;
	for (int i = 0; i < 20; i++) {
		uint8_t c[] = { 0xa1, 0x06, 0x02, 0x01, (uint8_t)i, 0x02, 0x01, 0x2d };
		memcpy(many + p, c, 8);
		p += 8;
	}
	many[2] = (uint8_t)(p - 3);
	assert_int_equal(tcap_decode(&d, many, p), -TCAP_ERR_TOO_MANY_COMPONENTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_begin_aarq_invoke),
		cmocka_unit_test(test_end_aare_every_component),
		cmocka_unit_test(test_continue),
		cmocka_unit_test(test_abort_p_and_u),
		cmocka_unit_test(test_unidirectional),
		cmocka_unit_test(test_capture_vectors),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_indefinite_lengths),
		cmocka_unit_test(test_bad_transaction_portion),
		cmocka_unit_test(test_bad_components),
	};
	return cmocka_run_group_tests_name("tcap_codec", tests, NULL, NULL);
}
