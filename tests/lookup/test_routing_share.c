/* Lookups and SMS share an operator's throughput (routing.h): SMS has
 * priority; a lookup flood takes what SMS leaves, and while SMS waits,
 * lookups get no more than their share, even when they ask first.
 * Simulated time, ms steps. */
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
	return (struct operator){ .throughput = throughput, .lookup_share = share };
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
	struct operator op = { .throughput = 100, .lookup_share = 30, .ussd_push_share = 10 };
	int64_t t0 = 10000000;
	int sms = 0, lookups = 0, pushes = 0;
	double sms_due = 0;
	for (int64_t ms = 0; ms < 20000; ms++) {
		int64_t now = t0 + ms;
		/* the floods ask first, every millisecond */
		while (operator_wait_ms_for(&op, ROUTING_CLASS_USSD_PUSH, now) == 0)
			pushes++;
		flood(&op, now, &lookups);
		sms_due += 0.1;
		while (sms_due >= 1 && operator_wait_ms_for(&op, ROUTING_CLASS_SMS, now) == 0) {
			sms_due -= 1;
			sms++;
		}
	}
	fprintf(stderr, "push and lookup floods first: SMS %d, lookups %d, pushes %d of 2000\n", sms, lookups,
		pushes);
	assert_true(sms + lookups + pushes <= 2000 + 3 * 100);
	assert_true(pushes <= 0.1 * 2000 + 2 * 100);
	assert_true(lookups <= 0.3 * 2000 + 2 * 100);
	assert_true(sms >= 0.6 * 2000 - 200);
	/* no SMS: pushes take what there is */
	op = (struct operator){ .throughput = 100, .lookup_share = 30, .ussd_push_share = 10 };
	pushes = 0;
	for (int64_t ms = 0; ms < 10000; ms++)
		while (operator_wait_ms_for(&op, ROUTING_CLASS_USSD_PUSH, t0 + ms) == 0)
			pushes++;
	assert_true(pushes >= 1000 - 10 && pushes <= 1000 + 100);
	/* share 0: no push while SMS waits */
	op = (struct operator){ .throughput = 100, .ussd_push_share = 0, .sms_held_ms = t0 };
	op.tokens = 50;
	op.tokens_ms = t0;
	assert_true(operator_wait_ms_for(&op, ROUTING_CLASS_USSD_PUSH, t0 + 10) > 0);
	assert_int_equal(operator_wait_ms_for(&op, ROUTING_CLASS_USSD_PUSH, t0 + 1100), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_leaves_sms_its_part), cmocka_unit_test(test_lookups_take_what_sms_leaves),
		cmocka_unit_test(test_share_zero_and_no_limit),
		cmocka_unit_test(test_push_share),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
