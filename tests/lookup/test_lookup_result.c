/* The derivations of a lookup result (doc/lookup.md) from SRI-for-SM
 * outcomes built by hand, on the shipped numbering data: status and
 * permanence per MAP error, diagnostics, ported, roaming, SMS home routing
 * (unknown, not guessed), what is never sent, and the JSON (IMSI masked). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>

#include <sigway/lookup/lookup_result.h>

static struct numbering *nb;

static struct routing_sri_result answer(const char *imsi, const char *msc, const char *answer_gt)
{
	struct routing_sri_result s = { .version = 3 };
	snprintf(s.res.imsi, sizeof(s.res.imsi), "%s", imsi);
	s.res.network_node.present = true;
	snprintf(s.res.network_node.digits, sizeof(s.res.network_node.digits), "%s", msc);
	snprintf(s.trace.answer_gt, sizeof(s.trace.answer_gt), "%s", answer_gt);
	return s;
}

static struct routing_sri_result user_error(enum map_error code)
{
	struct routing_sri_result s = { .version = 2, .err = { .kind = MAP_EK_USER, .user = { .code = code } } };
	snprintf(s.trace.answer_gt, sizeof(s.trace.answer_gt), "491710000001");
	return s;
}

static const char *op_of_gt(void *data, const char *gt)
{
	return !strncmp(gt, "3361", 4) ? "roamco" : NULL;
}

static struct lookup_result derive(const char *to, const struct routing_sri_result *s, const struct lookup_home_routing *hr)
{
	struct lookup_result r = { 0 };
	struct lookup_derive_ctx ctx = { .nb = nb, .hr = hr, .gt_operator = op_of_gt };
	snprintf(r.to, sizeof(r.to), "%s", to);
	lookup_derive(&r, &ctx, s);
	return r;
}

static void test_attached_home(void **state)
{
	struct routing_sri_result s = answer("262011234567890", "491710000002", "491710000001");
	struct lookup_result r = derive("491710000011", &s, NULL);
	assert_int_equal(r.status, LOOKUP_CONNECTED);
	assert_false(r.permanent);
	assert_int_equal(r.error.kind, LOOKUP_ERR_NONE);
	assert_string_equal(r.mccmnc, "26201");
	assert_string_equal(r.imsi, "262011234567890");
	assert_string_equal(r.serving_msc, "491710000002");
	assert_string_equal(r.hlr_gt, "491710000001");
	assert_true(r.original.present);
	assert_string_equal(r.original.name, "T-Mobile");
	assert_string_equal(r.original.mccmnc, "26201");
	assert_string_equal(r.original.iso, "DE");
	assert_string_equal(r.original.prefix, "49171");
	assert_int_equal(r.ported, LOOKUP_NO);
	assert_int_equal(r.roaming, LOOKUP_NO);
	assert_false(r.home_routed);
	assert_int_equal(r.map_version, 3);
}

/* the IMSI of another network under the range: ported, with the new network */
static void test_ported(void **state)
{
	struct routing_sri_result s = answer("262029876543210", "491710000002", "491710000001");
	struct lookup_result r = derive("491710000013", &s, NULL);
	assert_int_equal(r.status, LOOKUP_CONNECTED);
	assert_int_equal(r.ported, LOOKUP_YES);
	assert_true(r.ported_net.present);
	assert_string_equal(r.ported_net.mccmnc, "26202");
	assert_string_equal(r.ported_net.name, "Vodafone");
	assert_string_equal(r.ported_net.iso, "DE");
	/* the original network stays the range's owner */
	assert_string_equal(r.original.name, "T-Mobile");
}

/* the MSC in another country: roaming there; a GT of a configured operator is named */
static void test_roaming(void **state)
{
	struct routing_sri_result s = answer("262011234567890", "33612345678", "491710000001");
	struct lookup_result r = derive("491710000014", &s, NULL);
	assert_int_equal(r.roaming, LOOKUP_YES);
	assert_true(r.roaming_net.present);
	assert_string_equal(r.roaming_net.iso, "FR");
	assert_string_equal(r.roaming_net.cc, "33");
	assert_string_equal(r.roaming_net.prefix, "33612345678");
	assert_string_equal(r.roaming_net.operator_name, "roamco");
	/* the network whose range holds the MSC's GT */
	assert_string_equal(r.roaming_net.name, "SFR");
	assert_string_equal(r.roaming_net.mccmnc, "20810");
	assert_false(r.roaming_net.national);
	assert_int_equal(r.ported, LOOKUP_NO);
	/* an MSC of no known calling code: roaming cannot be told */
	s = answer("262011234567890", "99912345", "491710000001");
	r = derive("491710000014", &s, NULL);
	assert_int_equal(r.roaming, LOOKUP_UNKNOWN);
	assert_false(r.roaming_net.present);
}

/* in the home country on another network's MSC: national roaming; on the
 * home network's, or on an MSC of no known network: not roaming */
static void test_national_roaming(void **state)
{
	/* T-Mobile's subscriber on an MSC in O2's 49176 range */
	struct routing_sri_result s = answer("262011234567890", "491760000009", "491710000001");
	struct lookup_result r = derive("491710000011", &s, NULL);
	assert_int_equal(r.roaming, LOOKUP_YES);
	assert_true(r.roaming_net.present);
	assert_true(r.roaming_net.national);
	assert_string_equal(r.roaming_net.name, "O2");
	assert_string_equal(r.roaming_net.mccmnc, "26207");
	assert_string_equal(r.roaming_net.iso, "DE");
	assert_string_equal(r.roaming_net.prefix, "491760000009");
	assert_int_equal(r.ported, LOOKUP_NO);
	json_t *j = lookup_result_json(&r, false);
	assert_true(json_is_true(json_object_get(json_object_get(j, "roamingNetwork"), "national")));
	json_decref(j);
	/* ported to Vodafone, on a Vodafone MSC (49172): ported, at home */
	s = answer("262029876543210", "491720000009", "491710000001");
	r = derive("491710000013", &s, NULL);
	assert_int_equal(r.ported, LOOKUP_YES);
	assert_int_equal(r.roaming, LOOKUP_NO);
	assert_false(r.roaming_net.present);
	/* another MCC-MNC of the same network (T-Mobile: 26201, 26206) */
	s = answer("262061234567890", "491750000009", "491710000001");
	r = derive("491710000011", &s, NULL);
	assert_int_equal(r.roaming, LOOKUP_NO);
	/* an MSC GT in no known network's range (a Berlin number): home */
	s = answer("262011234567890", "4930123456", "491710000001");
	r = derive("491710000011", &s, NULL);
	assert_int_equal(r.roaming, LOOKUP_NO);
	json_t *k = lookup_result_json(&r, false);
	assert_true(json_is_null(json_object_get(k, "roamingNetwork")));
	json_decref(k);
}

/* a range whose owner has no MCC-MNC in the data: ported is unknown, not false */
static void test_owner_without_mccmnc(void **state)
{
	const char *why;
	assert_int_equal(numbering_override_range(nb, "4915999", NULL, "No Code Mobile", NULL, &why), 0);
	struct routing_sri_result s = answer("262011234567890", "491710000002", "491710000001");
	struct lookup_result r = derive("491599912345", &s, NULL);
	assert_string_equal(r.original.name, "No Code Mobile");
	assert_string_equal(r.original.mccmnc, "");
	assert_int_equal(r.ported, LOOKUP_UNKNOWN);
	assert_int_equal(numbering_override_remove_range(nb, "4915999"), 0);
}

static void assert_home_routed(const struct lookup_result *r, const char *by, const char *node)
{
	assert_true(r->home_routed);
	assert_string_equal(r->home_routing_by, by);
	assert_string_equal(r->home_routing_node, node);
	assert_int_equal(r->status, LOOKUP_UNDETERMINED);
	assert_int_equal(r->ported, LOOKUP_UNKNOWN);
	assert_int_equal(r->roaming, LOOKUP_UNKNOWN);
	assert_string_equal(r->imsi, "");
	assert_string_equal(r->mccmnc, "");
	assert_string_equal(r->serving_msc, "");
}

/* SMS home routing: the router's GT (as MSC or answering GT) or a correlation ID */
static void test_home_routing(void **state)
{
	struct lookup_home_routing hr = { .n_router_gt = 1, .n_correlation_imsi = 1 };
	snprintf(hr.router_gt[0], sizeof(hr.router_gt[0]), "4917199");
	snprintf(hr.correlation_imsi[0], sizeof(hr.correlation_imsi[0]), "26201999");
	struct routing_sri_result s = answer("262021111111111", "491719900001", "491710000001");
	struct lookup_result r = derive("491710000016", &s, &hr);
	assert_home_routed(&r, "router-gt", "491719900001");
	s = answer("262021111111111", "491710000002", "491719900005");
	r = derive("491710000016", &s, &hr);
	assert_home_routed(&r, "router-gt", "491719900005");
	s = answer("262019990000001", "33612345678", "491710000001");
	r = derive("491710000016", &s, &hr);
	assert_home_routed(&r, "correlation-id", "33612345678");
	/* the same answers for an operator without home routing: taken as they are */
	r = derive("491710000016", &s, NULL);
	assert_false(r.home_routed);
	assert_int_equal(r.roaming, LOOKUP_YES);
}

struct err_case {
	enum map_error code;
	enum lookup_status status;
	bool permanent;
	const char *name;
};

static void test_map_errors(void **state)
{
	static const struct err_case cases[] = {
		{ MAP_ERR_UNKNOWN_SUBSCRIBER, LOOKUP_INVALID, true, "unknownSubscriber" },
		{ MAP_ERR_UNIDENTIFIED_SUBSCRIBER, LOOKUP_INVALID, false, "unidentifiedSubscriber" },
		{ MAP_ERR_ABSENT_SUBSCRIBER_SM, LOOKUP_ABSENT, false, "absentSubscriberSM" },
		{ MAP_ERR_ABSENT_SUBSCRIBER, LOOKUP_ABSENT, false, "absentSubscriber" },
		{ MAP_ERR_MESSAGE_WAITING_LIST_FULL, LOOKUP_ABSENT, false, "messageWaitingListFull" },
		{ MAP_ERR_ILLEGAL_SUBSCRIBER, LOOKUP_BARRED, true, "illegalSubscriber" },
		{ MAP_ERR_ILLEGAL_EQUIPMENT, LOOKUP_BARRED, true, "illegalEquipment" },
		{ MAP_ERR_CALL_BARRED, LOOKUP_BARRED, false, "callBarred" },
		{ MAP_ERR_TELESERVICE_NOT_PROVISIONED, LOOKUP_NOT_PROVISIONED, true, "teleserviceNotProvisioned" },
		{ MAP_ERR_FACILITY_NOT_SUPPORTED, LOOKUP_NOT_PROVISIONED, true, "facilityNotSupported" },
		{ MAP_ERR_SYSTEM_FAILURE, LOOKUP_UNDETERMINED, false, "systemFailure" },
		{ MAP_ERR_DATA_MISSING, LOOKUP_UNDETERMINED, false, "dataMissing" },
		{ MAP_ERR_UNEXPECTED_DATA_VALUE, LOOKUP_UNDETERMINED, false, "unexpectedDataValue" },
		{ MAP_ERR_SM_DELIVERY_FAILURE, LOOKUP_UNDETERMINED, false, "sm-DeliveryFailure" },
		{ MAP_ERR_SUBSCRIBER_BUSY_FOR_MT_SMS, LOOKUP_UNDETERMINED, false, "subscriberBusyForMT-SMS" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct routing_sri_result s = user_error(cases[i].code);
		struct lookup_result r = derive("491710000012", &s, NULL);
		if (r.status != cases[i].status || r.permanent != cases[i].permanent)
			fail_msg("%s: %s permanent %d", cases[i].name, lookup_status_name(r.status), r.permanent);
		assert_int_equal(r.error.kind, LOOKUP_ERR_MAP);
		assert_int_equal(r.error.code, cases[i].code);
		assert_string_equal(r.error.name, cases[i].name);
		assert_false(r.error.diag_present);
		assert_int_equal(r.ported, LOOKUP_UNKNOWN);
		assert_int_equal(r.roaming, LOOKUP_UNKNOWN);
		assert_string_equal(r.hlr_gt, "491710000001");
		assert_true(r.original.present);
	}
}

static void test_diagnostics(void **state)
{
	struct routing_sri_result s = user_error(MAP_ERR_ABSENT_SUBSCRIBER_SM);
	s.err.user.absent_diag_present = true;
	s.err.user.absent_diag = 1;
	struct lookup_result r = derive("491710000012", &s, NULL);
	assert_true(r.error.diag_present);
	assert_int_equal(r.error.diag, 1);
	assert_string_equal(r.error.diag_name, "imsiDetached");
	s.err.user.absent_diag = 0;
	r = derive("491710000012", &s, NULL);
	assert_string_equal(r.error.diag_name, "noPagingResponseViaMsc");
	s.err.user.absent_diag = 200;
	r = derive("491710000012", &s, NULL);
	assert_string_equal(r.error.diag_name, "unknown");
	s = user_error(MAP_ERR_SM_DELIVERY_FAILURE);
	s.err.user.failure_cause_present = true;
	s.err.user.failure_cause = MAP_SMF_MEMORY_CAPACITY_EXCEEDED;
	r = derive("491710000012", &s, NULL);
	assert_string_equal(r.error.diag_name, "memoryCapacityExceeded");
}

/* no answer, refusals, aborts: undetermined, temporary; one that never left is not billable */
static void test_not_answered(void **state)
{
	struct routing_sri_result s = { .err = { .kind = MAP_EK_PROVIDER, .provider = MAP_PE_NO_RESPONSE } };
	struct lookup_result r = derive("491710000015", &s, NULL);
	assert_int_equal(r.status, LOOKUP_UNDETERMINED);
	assert_false(r.permanent);
	assert_int_equal(r.error.kind, LOOKUP_ERR_TIMEOUT);
	assert_string_equal(r.error.name, "noResponse");
	assert_false(lookup_sri_unsent(&s));
	s.err = (struct map_err){ .kind = MAP_EK_REFUSED, .refuse = MAP_REFUSE_REMOTE_NODE_NOT_REACHABLE };
	r = derive("491710000015", &s, NULL);
	assert_int_equal(r.error.kind, LOOKUP_ERR_REFUSED);
	assert_false(lookup_sri_unsent(&s));
	s.err = (struct map_err){ .kind = MAP_EK_P_ABORT, .p_abort_source = MAP_SRC_TC_PROBLEM };
	r = derive("491710000015", &s, NULL);
	assert_int_equal(r.error.kind, LOOKUP_ERR_ABORTED);
	assert_false(lookup_sri_unsent(&s));
	s.err = (struct map_err){ .kind = MAP_EK_P_ABORT, .p_abort_source = MAP_SRC_NETWORK_SERVICE_PROBLEM };
	assert_true(lookup_sri_unsent(&s));
	s.err = (struct map_err){ .kind = MAP_EK_PROVIDER, .provider = MAP_PE_INVALID_RESPONSE };
	r = derive("491710000015", &s, NULL);
	assert_int_equal(r.error.kind, LOOKUP_ERR_PROTOCOL);
	assert_string_equal(r.error.name, "invalidResponse");
}

static void test_unsent_and_cacheable(void **state)
{
	struct lookup_result r = { .source = LOOKUP_SRC_NETWORK };
	snprintf(r.to, sizeof(r.to), "491710000011");
	lookup_derive_unsent(&r, nb, LOOKUP_ERR_NO_ROUTE);
	assert_int_equal(r.source, LOOKUP_SRC_NONE);
	assert_false(r.billed);
	assert_string_equal(r.error.name, "noRoute");
	assert_false(lookup_result_cacheable(&r));
	lookup_derive_unsent(&r, nb, LOOKUP_ERR_QUOTA);
	assert_string_equal(r.error.name, "quotaExceeded");
	struct routing_sri_result s = answer("262011234567890", "491710000002", "491710000001");
	r = derive("491710000011", &s, NULL);
	r.source = LOOKUP_SRC_NETWORK;
	assert_true(lookup_result_cacheable(&r));
	s = user_error(MAP_ERR_UNKNOWN_SUBSCRIBER);
	r = derive("491710000011", &s, NULL);
	r.source = LOOKUP_SRC_NETWORK;
	assert_true(lookup_result_cacheable(&r));
	s = (struct routing_sri_result){ .err = { .kind = MAP_EK_PROVIDER, .provider = MAP_PE_NO_RESPONSE } };
	r = derive("491710000011", &s, NULL);
	r.source = LOOKUP_SRC_NETWORK;
	assert_false(lookup_result_cacheable(&r));
}

static void test_json(void **state)
{
	struct routing_sri_result s = answer("262029876543210", "33612345678", "491710000001");
	struct lookup_result r = derive("491710000013", &s, NULL);
	snprintf(r.id, sizeof(r.id), "lk1");
	r.source = LOOKUP_SRC_NETWORK;
	r.billed = true;
	r.request_ms = 1000;
	r.done_ms = 1250;
	json_t *j = lookup_result_json(&r, false);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "CONNECTED");
	assert_string_equal(json_string_value(json_object_get(j, "imsi")), "26202xxxxxxxxxx");
	assert_true(json_is_null(json_object_get(j, "error")));
	assert_true(json_is_true(json_object_get(j, "ported")));
	assert_true(json_is_true(json_object_get(j, "roaming")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "portedNetwork"), "mccMnc")), "26202");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(j, "roamingNetwork"),
									     "country"), "iso")), "FR");
	assert_int_equal(json_integer_value(json_object_get(j, "durationMs")), 250);
	assert_null(json_object_get(j, "cacheAgeSeconds"));
	json_decref(j);
	j = lookup_result_json(&r, true);
	assert_string_equal(json_string_value(json_object_get(j, "imsi")), "262029876543210");
	/* what the log keeps is whole; a reader without the permission gets it masked */
	lookup_json_mask_imsi(j);
	assert_string_equal(json_string_value(json_object_get(j, "imsi")), "26202xxxxxxxxxx");
	json_decref(j);
	r.source = LOOKUP_SRC_CACHE;
	r.billed = false;
	r.cache_age_ms = 12500;
	j = lookup_result_json(&r, false);
	assert_int_equal(json_integer_value(json_object_get(j, "cacheAgeSeconds")), 12);
	assert_true(json_is_false(json_object_get(j, "billed")));
	json_decref(j);
	/* an error: nulls where nothing is known, the diagnostic by code and name */
	s = user_error(MAP_ERR_ABSENT_SUBSCRIBER_SM);
	s.err.user.absent_diag_present = true;
	s.err.user.absent_diag = 1;
	r = derive("491710000012", &s, NULL);
	snprintf(r.id, sizeof(r.id), "lk2");
	j = lookup_result_json(&r, false);
	assert_true(json_is_null(json_object_get(j, "imsi")));
	assert_true(json_is_null(json_object_get(j, "ported")));
	json_t *e = json_object_get(j, "error");
	assert_int_equal(json_integer_value(json_object_get(e, "code")), 6);
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "diagnostic"), "name")), "imsiDetached");
	assert_true(json_is_false(json_object_get(e, "permanent")));
	json_decref(j);
}

/* the text renderer writes exactly what json_dumps() writes of the object */
static void assert_text_is_json(const struct lookup_result *r, bool imsi_full, const char *input)
{
	json_t *j = lookup_result_json(r, imsi_full);
	assert_non_null(j);
	if (input)
		assert_int_equal(json_object_set_new(j, "input", json_string(input)), 0);
	char *want = json_dumps(j, JSON_COMPACT);
	char *text = lookup_result_text(NULL, r, imsi_full, input);
	assert_non_null(want);
	assert_non_null(text);
	if (strcmp(text, want)) {
		size_t i = 0;
		while (text[i] == want[i])
			i++;
		fprintf(stderr, "text and json_dumps() differ at %zu:\n  text: %.60s\n  want: %.60s\n", i,
			text + (i > 20 ? i - 20 : 0), want + (i > 20 ? i - 20 : 0));
	}
	assert_string_equal(text, want);
	/* the answer made from the log row's text is the same text */
	char *full = lookup_result_text(NULL, r, true, NULL);
	char *from = full ? lookup_result_text_from(NULL, full, r, imsi_full, input) : NULL;
	assert_non_null(from);
	assert_string_equal(from, text);
	talloc_free(from);
	talloc_free(full);
	json_t *back = json_loads(text, 0, NULL);
	assert_true(json_equal(back, j));
	json_decref(back);
	json_decref(j);
	free(want);
	talloc_free(text);
}

static void test_json_text(void **state)
{
	struct lookup_home_routing hr = { .n_router_gt = 1 };
	snprintf(hr.router_gt[0], sizeof(hr.router_gt[0]), "4917199");
	struct routing_sri_result s = answer("262029876543210", "33612345678", "491710000001");
	struct lookup_result r = derive("491710000013", &s, NULL);	/* ported and roaming */
	snprintf(r.id, sizeof(r.id), "lk1");
	r.source = LOOKUP_SRC_NETWORK;
	r.billed = true;
	r.request_ms = 1000;
	r.done_ms = 1250;
	snprintf(r.operator_name, sizeof(r.operator_name), "netsim");
	assert_text_is_json(&r, false, NULL);
	assert_text_is_json(&r, true, "+49 171 0000013");
	r.source = LOOKUP_SRC_CACHE;
	r.cache_age_ms = 12500;
	assert_text_is_json(&r, false, "00491710000013");
	/* strings that need escapes, and UTF-8 taken as it is */
	snprintf(r.original.name, sizeof(r.original.name), "T\xc3\xa9l\xc3\xa9 \"a\\b\"/\n\t\x01\x1f");
	assert_text_is_json(&r, true, "\"quoted\"\r\b\f");
	/* not UTF-8: refused, as jansson refuses it */
	assert_null(lookup_result_text(NULL, &r, true, "bad \xff input"));
	snprintf(r.original.name, sizeof(r.original.name), "bad \xc3\x28");
	assert_null(lookup_result_text(NULL, &r, true, NULL));
	/* an error with its diagnostic, nulls where nothing is known */
	s = user_error(MAP_ERR_ABSENT_SUBSCRIBER_SM);
	s.err.user.absent_diag_present = true;
	s.err.user.absent_diag = 1;
	r = derive("491710000012", &s, NULL);
	assert_text_is_json(&r, false, "491710000012");
	/* national roaming */
	s = answer("262011234567890", "491760000009", "491710000001");
	r = derive("491710000011", &s, NULL);
	assert_text_is_json(&r, false, NULL);
	/* home routing */
	s = answer("262021111111111", "491719900001", "491710000001");
	r = derive("491710000016", &s, &hr);
	assert_true(r.home_routed);
	assert_text_is_json(&r, false, NULL);
	/* not sent, not answered */
	r = (struct lookup_result){ .request_ms = 5 };
	snprintf(r.to, sizeof(r.to), "491710000011");
	lookup_derive_unsent(&r, nb, LOOKUP_ERR_NOT_SENT);
	assert_text_is_json(&r, false, "491710000011");
	s = (struct routing_sri_result){ .err = { .kind = MAP_EK_PROVIDER, .provider = MAP_PE_NO_RESPONSE } };
	r = derive("491710000011", &s, NULL);
	assert_text_is_json(&r, true, NULL);
}

static int setup(void **state)
{
	char err[200];
	nb = numbering_alloc(NULL);
	if (numbering_load(nb, NUMBERING_DEFAULT, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	talloc_free(nb);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attached_home), cmocka_unit_test(test_ported), cmocka_unit_test(test_roaming),
		cmocka_unit_test(test_national_roaming),
		cmocka_unit_test(test_owner_without_mccmnc), cmocka_unit_test(test_home_routing),
		cmocka_unit_test(test_map_errors), cmocka_unit_test(test_diagnostics),
		cmocka_unit_test(test_not_answered), cmocka_unit_test(test_unsent_and_cacheable),
		cmocka_unit_test(test_json), cmocka_unit_test(test_json_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
