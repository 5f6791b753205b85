/* The shared accounts: the registry and its SMPP defaults, API keys (kept
 * as crypt(3) hashes, found by their ID, checked once and then known by
 * their SHA-256, forgotten when removed), the lookup rate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <talloc.h>

#include <sigway/accounts/accounts.h>

#define KEY_A "keyA1234-0123456789abcdef-secret"
#define KEY_B "keyB1234-0123456789abcdef-secret"

static void test_registry(void **state)
{
	struct accounts *accts = accounts_alloc(NULL);
	assert_null(accounts_get(accts, ""));
	assert_null(accounts_get(accts, "a-name-too-long-for-smpp"));
	struct account *a = accounts_get(accts, "demo");
	assert_non_null(a);
	assert_ptr_equal(accounts_get(accts, "demo"), a);
	assert_ptr_equal(accounts_find(accts, "demo"), a);
	assert_null(accounts_find(accts, "other"));
	/* the SMPP part is the account's, with the SMPP defaults of before */
	assert_string_equal(a->smpp.system_id, "demo");
	assert_int_equal(a->smpp.window, 10);
	assert_int_equal(a->smpp.max_binds, 8);
	assert_ptr_equal(account_of_smpp(&a->smpp), a);
	struct account *b = accounts_get(accts, "b");
	assert_ptr_equal(accounts_next(accts, NULL), a);
	assert_ptr_equal(accounts_next(accts, a), b);
	assert_null(accounts_next(accts, b));
	/* lookups: permitted, IMSI masked, no cache, no limits */
	assert_false(a->lookup.denied);
	assert_false(a->lookup.imsi_full);
	assert_int_equal(a->lookup.cache_ttl_s, 0);
	accounts_free(accts);
}

static void test_keys(void **state)
{
	struct accounts *accts = accounts_alloc(NULL);
	struct account *a = accounts_get(accts, "a"), *b = accounts_get(accts, "b"), *out = NULL;
	const char *why;
	assert_int_equal(account_add_api_key(a, "short", &why), -EINVAL);
	assert_int_equal(account_add_api_key(a, "has a space in it 0123456789", &why), -EINVAL);
	assert_int_equal(account_add_api_key(a, KEY_A, &why), 0);
	assert_int_equal(a->n_api_keys, 1);
	assert_string_equal(a->api_keys[0].id, "keyA1234");
	/* kept as a crypt(3) hash only */
	assert_true(accounts_hash_ok(a->api_keys[0].hash));
	assert_null(strstr(a->api_keys[0].hash, "secret"));
	assert_true(accounts_hash_check(KEY_A, a->api_keys[0].hash));
	assert_false(accounts_hash_check(KEY_B, a->api_keys[0].hash));
	/* a hash from the configuration, with its ID */
	char *h = accounts_hash(NULL, KEY_B);
	assert_int_equal(account_add_api_key_hash(b, "keyB123", h, &why), -EINVAL);	/* ID too short */
	assert_int_equal(account_add_api_key_hash(b, "keyB1234", "$1$weak$hash", &why), -EINVAL);
	assert_int_equal(account_add_api_key_hash(b, "keyB1234", h, &why), 0);
	talloc_free(h);
	assert_int_equal(accounts_authenticate(accts, KEY_A, &out), 0);
	assert_ptr_equal(out, a);
	assert_int_equal(accounts_authenticate(accts, KEY_A, &out), 0);	/* known now: no crypt */
	assert_int_equal(accounts_authenticate(accts, KEY_B, &out), 0);
	assert_ptr_equal(out, b);
	/* the right ID with a wrong secret, an unknown ID, nothing, junk */
	assert_int_equal(accounts_authenticate(accts, "keyA1234-0123456789abcdef-wrong!", &out), -ENOENT);
	assert_int_equal(accounts_authenticate(accts, "nokey123-0123456789abcdef-secret", &out), -ENOENT);
	assert_int_equal(accounts_authenticate(accts, NULL, &out), -ENOENT);
	assert_int_equal(accounts_authenticate(accts, "", &out), -ENOENT);
	assert_int_equal(accounts_authenticate(accts, "keyA1234\n0123456789abcdef-secret", &out), -ENOENT);
	/* a key removed is refused at once, even though it was known */
	assert_int_equal(account_del_api_key(a, "keyA1234"), 0);
	assert_int_equal(account_del_api_key(a, "keyA1234"), -ENOENT);
	assert_int_equal(accounts_authenticate(accts, KEY_A, &out), -ENOENT);
	/* at most ACCOUNT_API_KEYS_MAX keys */
	char k[40];
	for (int i = 0; i < ACCOUNT_API_KEYS_MAX; i++) {
		snprintf(k, sizeof(k), "key%05d-0123456789abcdef-secret", i);
		assert_int_equal(account_add_api_key(a, k, &why), 0);
	}
	assert_int_equal(account_add_api_key(a, KEY_A, &why), -EINVAL);
	accounts_free(accts);
}

/* guessing secrets of a known ID costs crypt time: past the budget, come back later */
static void test_key_budget(void **state)
{
	struct accounts *accts = accounts_alloc(NULL);
	struct account *a = accounts_get(accts, "a"), *out;
	const char *why;
	assert_int_equal(account_add_api_key(a, KEY_A, &why), 0);
	int refused = 0, again = 0;
	char guess[40];
	for (int i = 0; i < 2000 && !again; i++) {
		snprintf(guess, sizeof(guess), "keyA1234-guess-%016d", i);
		int rc = accounts_authenticate(accts, guess, &out);
		refused += rc == -ENOENT;
		again += rc == -EAGAIN;
	}
	assert_true(refused > 0);
	assert_int_equal(again, 1);
	accounts_free(accts);
}

static void test_lookup_rate(void **state)
{
	struct accounts *accts = accounts_alloc(NULL);
	struct account *a = accounts_get(accts, "a");
	int64_t t = 1000000;
	assert_int_equal(account_lookup_rate_take(a, 1000, t), 0);	/* no limit */
	a->lookup.rate = 10;
	assert_int_equal(account_lookup_rate_take(a, 6, t), 0);
	assert_int_equal(account_lookup_rate_take(a, 4, t), 0);
	int64_t wait = account_lookup_rate_take(a, 1, t);
	assert_true(wait > 0 && wait <= 101);
	assert_int_equal(account_lookup_rate_take(a, 1, t + 100), 0);
	/* more than a second's worth: when the bucket is full, then in debt */
	assert_int_equal(account_lookup_rate_take(a, 25, t + 100 + 1000), 0);
	wait = account_lookup_rate_take(a, 1, t + 100 + 1000);
	assert_true(wait >= 1500);
	assert_int_equal(account_utc_day(86400000LL * 3 + 5), 3);
	accounts_free(accts);
}

/* notifyUrl prefixes: only whole authorities, and a URL only under one */
static void test_notify_urls(void **state)
{
	struct accounts *accts = accounts_alloc(NULL);
	struct account *a = accounts_get(accts, "demo");
	assert_true(account_notify_prefix_ok("https://crm.example.com/lookup/"));
	assert_true(account_notify_prefix_ok("http://127.0.0.1:8080/"));
	assert_false(account_notify_prefix_ok("http://127.0.0.1:8080"));	/* the authority could go on */
	assert_false(account_notify_prefix_ok("https://crm.example.com"));
	assert_false(account_notify_prefix_ok("http:///path"));
	assert_false(account_notify_prefix_ok("http://user@host/"));
	assert_false(account_notify_prefix_ok("file:///etc/"));
	assert_false(account_notify_prefix_ok("http://a b/"));
	/* none configured: no notifyUrl is allowed */
	assert_false(account_notify_url_allowed(a, "https://crm.example.com/lookup/results"));
	strcpy(a->lookup.notify_url[0], "https://crm.example.com/lookup/");
	a->lookup.n_notify_urls = 1;
	assert_true(account_notify_url_allowed(a, "https://crm.example.com/lookup/results?job=1"));
	assert_true(account_notify_url_allowed(a, "HTTPS://crm.example.com/lookup/x"));
	assert_false(account_notify_url_allowed(a, "https://crm.example.com/admin"));
	assert_false(account_notify_url_allowed(a, "https://crm.example.com.evil.net/lookup/"));
	assert_false(account_notify_url_allowed(a, "http://169.254.169.254/latest/"));
	accounts_free(accts);
}

static void test_notify_secret(void **state)
{
	struct accounts *accts = accounts_alloc(NULL);
	struct account *a = accounts_get(accts, "demo");
	char longest[ACCOUNT_NOTIFY_SECRET_MAX + 2];
	/* none by default: posts go unsigned */
	assert_string_equal(a->lookup.notify_secret, "");
	assert_true(account_notify_secret_ok("0123456789abcdef"));
	assert_true(account_notify_secret_ok("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
	assert_false(account_notify_secret_ok("0123456789abcde"));		/* 15 */
	assert_false(account_notify_secret_ok("0123456789 abcdef"));		/* a space */
	assert_false(account_notify_secret_ok("0123456789abcdef\t"));
	assert_false(account_notify_secret_ok("0123456789abcdef\x7f"));
	assert_false(account_notify_secret_ok("0123456789abcdef\xc3\xa9"));	/* not ASCII */
	memset(longest, 'k', sizeof(longest) - 1);
	longest[ACCOUNT_NOTIFY_SECRET_MAX] = '\0';
	assert_true(account_notify_secret_ok(longest));
	longest[ACCOUNT_NOTIFY_SECRET_MAX] = 'k';
	longest[ACCOUNT_NOTIFY_SECRET_MAX + 1] = '\0';
	assert_false(account_notify_secret_ok(longest));
	/* a refused secret leaves the one set before */
	assert_int_equal(account_set_notify_secret(a, "0123456789abcdef-one"), 0);
	assert_int_equal(account_set_notify_secret(a, "short"), -EINVAL);
	assert_int_equal(account_set_notify_secret(a, longest), -EINVAL);
	assert_string_equal(a->lookup.notify_secret, "0123456789abcdef-one");
	/* a shorter one replaces it whole */
	assert_int_equal(account_set_notify_secret(a, "fedcba9876543210"), 0);
	assert_string_equal(a->lookup.notify_secret, "fedcba9876543210");
	assert_int_equal(a->lookup.notify_secret[17], '\0');
	longest[ACCOUNT_NOTIFY_SECRET_MAX] = '\0';
	assert_int_equal(account_set_notify_secret(a, longest), 0);
	assert_string_equal(a->lookup.notify_secret, longest);
	/* removed: unsigned again, nothing of it left */
	assert_int_equal(account_set_notify_secret(a, NULL), 0);
	for (size_t i = 0; i < sizeof(a->lookup.notify_secret); i++)
		assert_int_equal(a->lookup.notify_secret[i], 0);
	accounts_free(accts);
}

static void assert_wiped(const char *s, size_t size)
{
	for (size_t i = 0; i < size; i++)
		assert_int_equal(s[i], 0);
}

/* Rotation: a previous secret only beside a current one and never equal
 * to it; `rotate` moves the current one back in one step; ending the
 * rotation, or the signing, wipes the previous one */
static void test_notify_secret_rotation(void **state)
{
	struct accounts *accts = accounts_alloc(NULL);
	struct account *a = accounts_get(accts, "demo");
	struct account_lookup *l = &a->lookup;
	static const char one[] = "0123456789abcdef-one", two[] = "0123456789abcdef-two", three[] = "three-0123456789";

	assert_string_equal(l->notify_secret_previous, "");
	/* nothing to rotate from */
	assert_int_equal(account_set_notify_secret_previous(a, one), -ENOENT);
	assert_int_equal(account_rotate_notify_secret(a, one), -ENOENT);
	assert_string_equal(l->notify_secret, "");
	assert_string_equal(l->notify_secret_previous, "");

	assert_int_equal(account_set_notify_secret(a, one), 0);
	/* the limits of a secret hold for the previous one too */
	assert_int_equal(account_set_notify_secret_previous(a, "short"), -EINVAL);
	assert_int_equal(account_rotate_notify_secret(a, "has a space 0123456789"), -EINVAL);
	/* the same secret twice is no rotation */
	assert_int_equal(account_set_notify_secret_previous(a, one), -EEXIST);
	assert_int_equal(account_rotate_notify_secret(a, one), -EEXIST);
	assert_string_equal(l->notify_secret_previous, "");

	/* rotate: one -> previous, two current */
	assert_int_equal(account_rotate_notify_secret(a, two), 0);
	assert_string_equal(l->notify_secret, two);
	assert_string_equal(l->notify_secret_previous, one);
	/* the current one may not become the previous one's twin */
	assert_int_equal(account_set_notify_secret(a, one), -EEXIST);
	assert_string_equal(l->notify_secret, two);
	/* another current one: the previous stays */
	assert_int_equal(account_set_notify_secret(a, three), 0);
	assert_string_equal(l->notify_secret, three);
	assert_string_equal(l->notify_secret_previous, one);
	/* back: rotate to the previous one swaps them */
	assert_int_equal(account_rotate_notify_secret(a, one), 0);
	assert_string_equal(l->notify_secret, one);
	assert_string_equal(l->notify_secret_previous, three);
	/* the end of the rotation: the previous one wiped, the current kept */
	assert_int_equal(account_set_notify_secret_previous(a, NULL), 0);
	assert_wiped(l->notify_secret_previous, sizeof(l->notify_secret_previous));
	assert_string_equal(l->notify_secret, one);

	/* set as the configuration file has it: current, then previous */
	assert_int_equal(account_set_notify_secret_previous(a, two), 0);
	assert_string_equal(l->notify_secret_previous, two);
	/* no secret at all: the previous one goes too */
	assert_int_equal(account_set_notify_secret(a, NULL), 0);
	assert_wiped(l->notify_secret, sizeof(l->notify_secret));
	assert_wiped(l->notify_secret_previous, sizeof(l->notify_secret_previous));
	accounts_free(accts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry), cmocka_unit_test(test_keys), cmocka_unit_test(test_key_budget),
		cmocka_unit_test(test_lookup_rate), cmocka_unit_test(test_notify_urls),
		cmocka_unit_test(test_notify_secret), cmocka_unit_test(test_notify_secret_rotation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
