/* Client accounts shared by the SMPP server and the HTTP APIs (see
 * accounts.h): the registry, secrets, API keys, lookup limits. */

#include <crypt.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <talloc.h>
#include <gnutls/crypto.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/accounts/accounts.h>
#include <sigway/common/url.h>

/* key checks (crypt) may use this much of each second of the loop */
#define KEY_BUDGET_MS		200
/* keys checked lately, by SHA-256 */
#define KEY_CACHE_SLOTS		512
#define KEY_CACHE_TTL_MS	(10 * 60 * 1000)

struct key_cache_entry {
	uint8_t sha[32];
	struct account *a;
	uint32_t generation;
	int64_t expires_ms;
};

struct accounts {
	struct llist_head list;		/* struct account */
	struct crypt_data *cd;		/* crypt_rn's work space, once */
	double budget_ms;
	int64_t budget_at_ms;
	struct key_cache_entry cache[KEY_CACHE_SLOTS];
};

static uint32_t g_key_generation;	/* shared by the registries of the process (one in practice) */

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_ms_f(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ registry */

static int accounts_destructor(struct accounts *accts)
{
	explicit_bzero(accts->cache, sizeof(accts->cache));
	if (accts->cd)
		explicit_bzero(accts->cd, sizeof(*accts->cd));
	return 0;
}

struct accounts *accounts_alloc(void *ctx)
{
	struct accounts *accts = talloc_zero(ctx, struct accounts);
	if (!accts)
		return NULL;
	INIT_LLIST_HEAD(&accts->list);
	accts->cd = talloc_zero(accts, struct crypt_data);
	if (!accts->cd) {
		talloc_free(accts);
		return NULL;
	}
	accts->budget_ms = KEY_BUDGET_MS;
	accts->budget_at_ms = mono_ms();
	talloc_set_destructor(accts, accounts_destructor);
	return accts;
}

void accounts_free(struct accounts *accts)
{
	talloc_free(accts);
}

struct account *accounts_find(struct accounts *accts, const char *name)
{
	struct account *a;
	llist_for_each_entry(a, &accts->list, list)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

/* the notify secrets are kept in clear: not left behind in freed memory */
static int account_destructor(struct account *a)
{
	explicit_bzero(a->lookup.notify_secret, sizeof(a->lookup.notify_secret));
	explicit_bzero(a->lookup.notify_secret_previous, sizeof(a->lookup.notify_secret_previous));
	return 0;
}

struct account *accounts_get(struct accounts *accts, const char *name)
{
	size_t n = strlen(name);
	if (!n || n > ACCOUNT_NAME_MAX)
		return NULL;
	struct account *a = accounts_find(accts, name);
	if (a)
		return a;
	a = talloc_zero(accts, struct account);
	if (!a)
		return NULL;
	talloc_set_destructor(a, account_destructor);
	osmo_strlcpy(a->name, name, sizeof(a->name));
	/* the SMPP defaults as they were before the accounts were shared */
	osmo_strlcpy(a->smpp.system_id, name, sizeof(a->smpp.system_id));
	a->smpp.window = 10;
	a->smpp.max_binds = 8;
	a->smpp.dc0 = SMPP_DC0_GSM;
	a->smpp.max_parts = SMPP_MAX_PARTS_DEFAULT;
	llist_add_tail(&a->list, &accts->list);
	return a;
}

struct account *accounts_next(struct accounts *accts, struct account *prev)
{
	struct llist_head *n = prev ? prev->list.next : accts->list.next;
	return n == &accts->list ? NULL : llist_entry(n, struct account, list);
}

struct account *account_of_smpp(const struct smpp_account *a)
{
	return container_of((struct smpp_account *)a, struct account, smpp);
}

bool account_notify_prefix_ok(const char *prefix)
{
	const char *host = url_http_host(prefix);
	if (!host || strlen(prefix) > ACCOUNT_NOTIFY_URL_LEN)
		return false;
	const char *slash = strchr(host, '/');
	/* a host before the path; no user info, query or fragment in the authority */
	return slash && slash > host && !memchr(host, '@', slash - host) && !memchr(host, '?', slash - host) &&
	       !memchr(host, '#', slash - host);
}

bool account_notify_url_allowed(const struct account *a, const char *url)
{
	for (unsigned int i = 0; i < a->lookup.n_notify_urls; i++)
		if (!strncasecmp(url, a->lookup.notify_url[i], strlen(a->lookup.notify_url[i])))
			return true;
	return false;
}

bool account_notify_secret_ok(const char *secret)
{
	size_t n = strlen(secret);
	if (n < ACCOUNT_NOTIFY_SECRET_MIN || n > ACCOUNT_NOTIFY_SECRET_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (secret[i] <= ' ' || secret[i] > '~')
			return false;
	return true;
}

/* dst wiped, then secret copied in (NULL: left empty) */
static void secret_put(char dst[ACCOUNT_NOTIFY_SECRET_MAX + 1], const char *secret)
{
	explicit_bzero(dst, ACCOUNT_NOTIFY_SECRET_MAX + 1);
	if (secret)
		osmo_strlcpy(dst, secret, ACCOUNT_NOTIFY_SECRET_MAX + 1);
}

int account_set_notify_secret(struct account *a, const char *secret)
{
	struct account_lookup *l = &a->lookup;
	if (secret && secret[0] && !account_notify_secret_ok(secret))
		return -EINVAL;
	if (secret && secret[0] && !strcmp(secret, l->notify_secret_previous))
		return -EEXIST;
	secret_put(l->notify_secret, secret);
	/* unsigned posts: no rotation either */
	if (!l->notify_secret[0])
		secret_put(l->notify_secret_previous, NULL);
	return 0;
}

/* A secret that may stand beside the current one: well formed, a current
 * secret to stand beside, not the same */
static int rotation_check(const struct account_lookup *l, const char *secret)
{
	if (!account_notify_secret_ok(secret))
		return -EINVAL;
	if (!l->notify_secret[0])
		return -ENOENT;
	return strcmp(secret, l->notify_secret) ? 0 : -EEXIST;
}

int account_set_notify_secret_previous(struct account *a, const char *secret)
{
	struct account_lookup *l = &a->lookup;
	if (!secret || !secret[0]) {
		secret_put(l->notify_secret_previous, NULL);
		return 0;
	}
	int rc = rotation_check(l, secret);
	if (rc == 0)
		secret_put(l->notify_secret_previous, secret);
	return rc;
}

int account_rotate_notify_secret(struct account *a, const char *secret)
{
	struct account_lookup *l = &a->lookup;
	int rc = rotation_check(l, secret);
	if (rc < 0)
		return rc;
	secret_put(l->notify_secret_previous, l->notify_secret);
	secret_put(l->notify_secret, secret);
	return 0;
}

/* ------------------------------------------------------------ secrets */

char *accounts_hash(void *ctx, const char *secret)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char *out = NULL;
	struct crypt_data *cd = talloc_zero(NULL, struct crypt_data);
	if (!cd)
		return NULL;
	/* NULL random bytes: libcrypt takes them from the kernel */
	if (crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt))) {
		const char *h = crypt_rn(secret, salt, cd, sizeof(*cd));
		if (h && h[0] == '$')
			out = talloc_strdup(ctx, h);
	}
	explicit_bzero(cd, sizeof(*cd));
	talloc_free(cd);
	return out;
}

bool accounts_hash_ok(const char *hash)
{
	return hash[0] == '$' && crypt_checksalt(hash) == CRYPT_SALT_OK;
}

/* the same time whatever the first difference */
static bool equal_const_time(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)(i < lb ? b[i] : 0);
	return d == 0;
}

static bool hash_check(struct crypt_data *cd, const char *secret, const char *hash)
{
	const char *h = crypt_rn(secret, hash, cd, sizeof(*cd));
	return h && h[0] == '$' && equal_const_time(h, hash);
}

bool accounts_hash_check(const char *secret, const char *hash)
{
	struct crypt_data *cd = talloc_zero(NULL, struct crypt_data);
	if (!cd)
		return false;
	bool ok = hash_check(cd, secret, hash);
	explicit_bzero(cd, sizeof(*cd));
	talloc_free(cd);
	return ok;
}

/* ------------------------------------------------------------ API keys */

bool account_key_ok(const char *key)
{
	size_t n = strlen(key);
	if (n < ACCOUNT_KEY_MIN || n > ACCOUNT_KEY_MAX)
		return false;
	return strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-") == n;
}

static bool key_id_ok(const char *id)
{
	return strlen(id) == ACCOUNT_KEY_ID_LEN &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~+/=-") == ACCOUNT_KEY_ID_LEN;
}

static int put_key(struct account *a, const char *id, char *hash, const char **why)
{
	struct account_api_key *k = NULL;
	for (unsigned int i = 0; i < a->n_api_keys; i++)
		if (!strcmp(a->api_keys[i].id, id))
			k = &a->api_keys[i];
	if (!k) {
		if (a->n_api_keys >= ACCOUNT_API_KEYS_MAX) {
			*why = "the account has as many API keys as it may (remove one first)";
			talloc_free(hash);
			return -EINVAL;
		}
		k = &a->api_keys[a->n_api_keys++];
		osmo_strlcpy(k->id, id, sizeof(k->id));
	}
	talloc_free(k->hash);
	k->hash = hash;
	g_key_generation++;
	return 0;
}

int account_add_api_key(struct account *a, const char *key, const char **why)
{
	char id[ACCOUNT_KEY_ID_LEN + 1];
	if (!account_key_ok(key)) {
		*why = "an API key is 24 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -";
		return -EINVAL;
	}
	char *hash = accounts_hash(a, key);
	if (!hash) {
		*why = "cannot hash the key";
		return -EINVAL;
	}
	osmo_strlcpy(id, key, sizeof(id));
	return put_key(a, id, hash, why);
}

int account_add_api_key_hash(struct account *a, const char *id, const char *hash, const char **why)
{
	if (!key_id_ok(id)) {
		*why = "the ID is the first 8 characters of the key";
		return -EINVAL;
	}
	if (!accounts_hash_ok(hash)) {
		*why = "not a crypt(3) hash of a strong method (SHA-512 '$6$', yescrypt '$y$', bcrypt '$2b$')";
		return -EINVAL;
	}
	char *h = talloc_strdup(a, hash);
	if (!h) {
		*why = "out of memory";
		return -EINVAL;
	}
	return put_key(a, id, h, why);
}

int account_del_api_key(struct account *a, const char *id)
{
	for (unsigned int i = 0; i < a->n_api_keys; i++) {
		if (strcmp(a->api_keys[i].id, id))
			continue;
		talloc_free(a->api_keys[i].hash);
		memmove(&a->api_keys[i], &a->api_keys[i + 1], (a->n_api_keys - i - 1) * sizeof(a->api_keys[0]));
		a->n_api_keys--;
		memset(&a->api_keys[a->n_api_keys], 0, sizeof(a->api_keys[0]));
		g_key_generation++;
		return 0;
	}
	return -ENOENT;
}

static struct key_cache_entry *cache_slot(struct accounts *accts, const uint8_t *sha)
{
	return &accts->cache[(sha[0] | sha[1] << 8) % KEY_CACHE_SLOTS];
}

static void budget_refill(struct accounts *accts)
{
	int64_t now = mono_ms();
	accts->budget_ms += (now - accts->budget_at_ms) * KEY_BUDGET_MS / 1000.0;
	accts->budget_at_ms = now;
	if (accts->budget_ms > KEY_BUDGET_MS)
		accts->budget_ms = KEY_BUDGET_MS;
}

int accounts_authenticate(struct accounts *accts, const char *key, struct account **out)
{
	uint8_t sha[32];
	if (!key || !account_key_ok(key))
		return -ENOENT;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, key, strlen(key), sha) < 0)
		return -ENOENT;
	int64_t now = mono_ms();
	struct key_cache_entry *e = cache_slot(accts, sha);
	if (e->a && e->generation == g_key_generation && e->expires_ms > now &&
	    !memcmp(e->sha, sha, sizeof(sha))) {
		*out = e->a;
		return 0;
	}
	/* the key's ID finds the one hash to check: an unknown ID costs nothing */
	struct account *a;
	llist_for_each_entry(a, &accts->list, list) {
		for (unsigned int i = 0; i < a->n_api_keys; i++) {
			struct account_api_key *k = &a->api_keys[i];
			if (strncmp(k->id, key, ACCOUNT_KEY_ID_LEN) || !k->hash)
				continue;
			budget_refill(accts);
			if (accts->budget_ms <= 0)
				return -EAGAIN;
			double t0 = mono_ms_f();
			bool ok = hash_check(accts->cd, key, k->hash);
			accts->budget_ms -= mono_ms_f() - t0;
			if (!ok)
				return -ENOENT;
			memcpy(e->sha, sha, sizeof(sha));
			e->a = a;
			e->generation = g_key_generation;
			e->expires_ms = now + KEY_CACHE_TTL_MS;
			*out = a;
			return 0;
		}
	}
	return -ENOENT;
}

/* ------------------------------------------------------------ lookup limits */

int64_t account_lookup_rate_take(struct account *a, unsigned int n, int64_t now)
{
	struct account_lookup *l = &a->lookup;
	if (!l->rate)
		return 0;
	if (!l->tokens_ms) {
		l->tokens = l->rate;
		l->tokens_ms = now;
	}
	l->tokens += (now - l->tokens_ms) * l->rate / 1000.0;
	l->tokens_ms = now;
	if (l->tokens > l->rate)
		l->tokens = l->rate;
	/* more than a second's worth: taken when the bucket is full (in debt after) */
	double need = n > l->rate ? l->rate : n;
	if (l->tokens + 1e-9 >= need) {
		l->tokens -= n;
		return 0;
	}
	return (int64_t)((need - l->tokens) * 1000 / l->rate) + 1;
}

int64_t account_utc_day(int64_t ms)
{
	return ms / 86400000;
}
