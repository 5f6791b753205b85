/* The classes share an operator's throughput (routing.h): SMS has
 * priority; a lookup or USSD push flood takes what SMS leaves, and while
 * SMS waits, each class gets no more than its share, even when it asks
 * first. Simulated time, ms steps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <cmocka.h>

#include <sigway/routing/routing.h>

static void flood(struct operator *op, int64_t now, int *lookups)
{
	while (operator_wait_ms_for(op, ROUTING_CLASS_LOOKUP, now) == 0)
		(*lookups)++;
}

/* `seconds` of demand: SMS wants sms_per_s, lookups as many as they get,
 * asking before SMS each millisecond or after it */
static void run_order(struct operator *op, int seconds, int sms_per_s, bool lookups_first, int *sms, int *lookups)
{
	int64_t t0 = 10000000;
	*sms = *lookups = 0;
	double sms_due = 0;
	for (int64_t ms = 0; ms < seconds * 1000; ms++) {
		int64_t now = t0 + ms;
		if (lookups_first)
			flood(op, now, lookups);
		sms_due += sms_per_s / 1000.0;
		while (sms_due >= 1 && operator_wait_ms_for(op, ROUTING_CLASS_SMS, now) == 0) {
			sms_due -= 1;
			(*sms)++;
		}
		if (!lookups_first)
			flood(op, now, lookups);
	}
}

static void run(struct operator *op, int seconds, int sms_per_s, int *sms, int *lookups)
{
	run_order(op, seconds, sms_per_s, false, sms, lookups);
}

static struct operator op_with(unsigned int throughput, unsigned int share)
{
	return (struct operator){ .throughput = throughput, .share[ROUTING_CLASS_LOOKUP].percent = share };
}

static struct operator op_with2(unsigned int throughput, unsigned int lookup_share, unsigned int push_share)
{
	struct operator op = op_with(throughput, lookup_share);
	op.share[ROUTING_CLASS_USSD_PUSH].percent = push_share;
	return op;
}

/* one millisecond of demand from every class: the floods (pushes, then
 * lookups) take all they get, SMS what it is due; floods_first says who asks first */
struct demand {
	double sms_due;
	int sms, lookups, pushes;
};

static void one_ms(struct operator *op, struct demand *d, int64_t now, double sms_per_ms, bool floods_first)
{
	for (int pass = 0; pass < 2; pass++) {
		if ((pass == 0) == floods_first) {
			while (operator_wait_ms_for(op, ROUTING_CLASS_USSD_PUSH, now) == 0)
				d->pushes++;
			flood(op, now, &d->lookups);
		} else {
			d->sms_due += sms_per_ms;
			while (d->sms_due >= 1 && operator_wait_ms_for(op, ROUTING_CLASS_SMS, now) == 0) {
				d->sms_due -= 1;
				d->sms++;
			}
		}
	}
}

static void test_flood_leaves_sms_its_part(void **state)
{
	struct operator op = op_with(100, 30);
	int sms, lookups;
	/* a flood that asks before SMS every time: once SMS waits, lookups keep
	 * at most their 30 % (one second of burst besides), SMS gets the rest */
	run_order(&op, 20, 100, true, &sms, &lookups);
	fprintf(stderr, "lookups first: SMS %d, lookups %d of 2000\n", sms, lookups);
	assert_true(sms + lookups <= 2000 + 2 * 100);
	assert_true(sms >= 0.7 * 2000 - 100);
	assert_true(lookups <= 0.3 * 2000 + 2 * 100);
	/* SMS first: priority, lookups get the leftovers (here none) */
	op = op_with(100, 30);
	run(&op, 20, 100, &sms, &lookups);
	fprintf(stderr, "SMS first: SMS %d, lookups %d of 2000\n", sms, lookups);
	assert_true(sms >= 2000 - 10);
	assert_true(lookups <= 100 + 2);
}

static void test_lookups_take_what_sms_leaves(void **state)
{
	struct operator op = op_with(100, 30);
	int sms, lookups;
	run(&op, 20, 0, &sms, &lookups);
	assert_int_equal(sms, 0);
	assert_true(lookups >= 2000 - 10 && lookups <= 2000 + 100);
	/* half of it SMS: SMS gets what it wants, lookups the other half */
	op = op_with(100, 30);
	run(&op, 20, 50, &sms, &lookups);
	assert_true(sms >= 50 * 20 - 2);
	assert_true(lookups >= 0.5 * 2000 - 100);
	assert_true(sms + lookups <= 2000 + 2 * 100);
	/* ... also when the lookups ask first */
	op = op_with(100, 30);
	run_order(&op, 20, 50, true, &sms, &lookups);
	fprintf(stderr, "SMS 50/s, lookups first: SMS %d, lookups %d\n", sms, lookups);
	assert_true(sms >= 50 * 20 - 60);
	assert_true(sms + lookups <= 2000 + 2 * 100);
}

static void test_share_zero_and_no_limit(void **state)
{
	struct operator op = op_with(100, 0);
	int sms, lookups;
	run(&op, 10, 100, &sms, &lookups);
	assert_true(lookups <= 100 + 2);	/* the first burst, before SMS waited */
	assert_true(sms >= 900);
	/* no throughput limit: nobody waits */
	op = op_with(0, 30);
	assert_int_equal(operator_wait_ms_for(&op, ROUTING_CLASS_LOOKUP, 5), 0);
	assert_int_equal(operator_wait_ms_for(&op, ROUTING_CLASS_SMS, 5), 0);
	assert_int_equal(operator_wait_ms_for(NULL, ROUTING_CLASS_LOOKUP, 5), 0);
	/* the SMS core's call is the SMS class */
	op = op_with(1, 30);
	assert_int_equal(operator_wait_ms(&op, 1000), 0);
	assert_true(operator_wait_ms(&op, 1000) > 0);
}

/* USSD pushes have a share of their own: a push flood beside a lookup
 * flood, while SMS wants all it can get, leaves SMS at least the rest */
static void test_push_share(void **state)
{
	struct operator op = op_with2(100, 30, 10);
	int64_t t0 = 10000000;
	struct demand d = { 0 };
	/* the floods ask first, every millisecond */
	for (int64_t ms = 0; ms < 20000; ms++)
		one_ms(&op, &d, t0 + ms, 0.1, true);
	int sms = d.sms, lookups = d.lookups, pushes = d.pushes;
	fprintf(stderr, "push and lookup floods first: SMS %d, lookups %d, pushes %d of 2000\n", sms, lookups,
		pushes);
	assert_true(sms + lookups + pushes <= 2000 + 3 * 100);
	assert_true(pushes <= 0.1 * 2000 + 2 * 100);
	assert_true(lookups <= 0.3 * 2000 + 2 * 100);
	assert_true(sms >= 0.6 * 2000 - 200);
	/* no SMS: pushes take what there is */
	op = op_with2(100, 30, 10);
	pushes = 0;
	for (int64_t ms = 0; ms < 10000; ms++)
		while (operator_wait_ms_for(&op, ROUTING_CLASS_USSD_PUSH, t0 + ms) == 0)
			pushes++;
	assert_true(pushes >= 1000 - 10 && pushes <= 1000 + 100);
	/* share 0: no push while SMS waits */
	op = op_with2(100, 0, 0);
	op.sms_held_ms = t0;
	op.tokens = 50;
	op.tokens_ms = t0;
	assert_true(operator_wait_ms_for(&op, ROUTING_CLASS_USSD_PUSH, t0 + 10) > 0);
	assert_int_equal(operator_wait_ms_for(&op, ROUTING_CLASS_USSD_PUSH, t0 + 1100), 0);
}

/* An SMS flood (twice the throughput) beside a lookup and a push flood:
 * when the floods ask first they keep their shares and SMS the rest; when
 * SMS asks first it takes all but the first second's burst, which the
 * floods took before SMS ever waited */
static void test_sms_flood_all_classes(void **state)
{
	int64_t t0 = 10000000;
	struct operator op = op_with2(100, 30, 10);
	struct demand d = { 0 };
	for (int64_t ms = 0; ms < 20000; ms++)
		one_ms(&op, &d, t0 + ms, 0.2, true);
	fprintf(stderr, "SMS flood, the others first: SMS %d, lookups %d, pushes %d of 2000\n", d.sms, d.lookups,
		d.pushes);
	assert_true(d.sms + d.lookups + d.pushes <= 2000 + 100 + 3);
	assert_true(d.lookups <= 0.3 * 2000 + 100 + 2);
	assert_true(d.pushes <= 0.1 * 2000 + 100 + 2);
	assert_true(d.lookups >= 0.3 * 2000 - 10);	/* their share, not less */
	assert_true(d.pushes >= 0.1 * 2000 - 10);
	assert_true(d.sms >= 0.6 * 2000 - 100);

	op = op_with2(100, 30, 10);
	d = (struct demand){ 0 };
	for (int64_t ms = 0; ms < 20000; ms++)
		one_ms(&op, &d, t0 + ms, 0.2, false);
	fprintf(stderr, "SMS flood first: SMS %d, lookups %d, pushes %d of 2000\n", d.sms, d.lookups, d.pushes);
	assert_true(d.sms + d.lookups + d.pushes <= 2000 + 100 + 3);
	assert_true(d.lookups + d.pushes <= 100 + 2);
	assert_true(d.sms >= 2000 - 100 - 2);
}

/* When SMS stops, the shares stop a second later: the floods get all */
static void test_shares_end_with_sms(void **state)
{
	int64_t t0 = 10000000;
	struct operator op = op_with2(100, 30, 10);
	struct demand d = { 0 };
	for (int64_t ms = 0; ms < 10000; ms++)
		one_ms(&op, &d, t0 + ms, 0.2, true);
	struct demand after = { 0 };
	for (int64_t ms = 10000; ms < 20000; ms++)
		one_ms(&op, &after, t0 + ms, 0, true);
	fprintf(stderr, "after SMS stopped: lookups %d, pushes %d of 1000\n", after.lookups, after.pushes);
	assert_int_equal(after.sms, 0);
	/* the first second still held to 40 %, then everything */
	assert_true(after.lookups + after.pushes >= 40 + 900 - 5);
	assert_true(after.lookups + after.pushes <= 1000 + 2);
	assert_true(after.pushes > 0.1 * 1000 + 100);	/* beyond their share: they ask first */
}

/* What the configuration calls the classes, and their default shares */
static void test_class_table(void **state)
{
	assert_null(routing_class_desc(ROUTING_CLASS_SMS));
	assert_null(routing_class_desc(ROUTING_CLASS_COUNT));
	const struct routing_class_desc *l = routing_class_desc(ROUTING_CLASS_LOOKUP);
	const struct routing_class_desc *p = routing_class_desc(ROUTING_CLASS_USSD_PUSH);
	assert_non_null(l);
	assert_non_null(p);
	assert_string_equal(l->keyword, "lookup-share");
	assert_int_equal(l->share_default, 30);
	assert_string_equal(p->keyword, "ussd-push-share");
	assert_int_equal(p->share_default, 10);
	struct operator op = { 0 };
	operator_shares_default(&op);
	assert_int_equal(op.share[ROUTING_CLASS_SMS].percent, 0);
	assert_int_equal(op.share[ROUTING_CLASS_LOOKUP].percent, 30);
	assert_int_equal(op.share[ROUTING_CLASS_USSD_PUSH].percent, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_leaves_sms_its_part), cmocka_unit_test(test_lookups_take_what_sms_leaves),
		cmocka_unit_test(test_share_zero_and_no_limit),
		cmocka_unit_test(test_push_share),
		cmocka_unit_test(test_sms_flood_all_classes),
		cmocka_unit_test(test_shares_end_with_sms),
		cmocka_unit_test(test_class_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
