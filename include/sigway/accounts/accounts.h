/* Client accounts, shared by every client API: one account has its SMPP
 * credentials and options (binds, windows, throughput, permissions), its
 * API keys for the HTTP APIs (kept as crypt(3) hashes, like the SMPP
 * passwords), and what it may do with number lookups (the whole IMSI, a
 * cache, a rate, a daily quota).
 *
 * Configured in the "account NAME" node, reached from the top level or,
 * as before the accounts were shared, from inside the "smpp" node:
 *   account demo
 *    password-hash $6$...          (SMPP, src/smpp/smpp_vty.c)
 *    api-key-hash ID $6$...        (HTTP)
 *    lookup imsi full              (number lookup)
 * Both ways lead to the same account; the configuration is written back
 * inside the "smpp" node. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <osmocom/core/linuxlist.h>

struct vty;

/* ---- SMPP part (moved here from smpp_server.h; the SMPP server's code uses it) */

#define SMPP_MO_ROUTES_MAX 16
#define SMPP_ALLOW_IP_MAX 8
#define SMPP_ALLOW_MAX 16
#define SMPP_TRUSTED_IP_MAX 8

struct smpp_account {
	char system_id[16];
	/* crypt(3) hash of the password (SHA-512 or stronger); NULL and not
	 * no_password: no password configured, every bind is refused */
	char *password_hash;
	bool no_password;		/* `no password`: the empty password binds */
	char allow_ip[SMPP_ALLOW_IP_MAX][48];	/* empty list: any address */
	unsigned int n_allow_ip;
	unsigned int window;		/* outstanding requests per bind, each way */
	unsigned int throughput;	/* submit_sm per second over all binds, 0: no limit */
	unsigned int max_binds;
	char mo_route[SMPP_MO_ROUTES_MAX][21];	/* destination prefixes (short codes, long numbers) */
	unsigned int n_mo_routes;
	bool mo_reassemble;
	/* permissions: sender addresses (exact, or a prefix ending in '*') and
	 * destination prefixes the account may use; empty lists allow any */
	char allow_source[SMPP_ALLOW_MAX][22];
	unsigned int n_allow_source;
	char allow_destination[SMPP_ALLOW_MAX][21];
	unsigned int n_allow_destination;
	/* ---- message options: what the SMS core makes of this account's
	 * messages (issue 10). The SMPP server only keeps them; the `account`
	 * node's commands: data-coding-0, max-parts (doc/smsc.md). ---- */
	uint8_t dc0;			/* what data_coding 0 means: SMPP_DC0_GSM (default), _IA5 or _LATIN1 */
	uint8_t max_parts;		/* the longest message in concatenated parts (1-255, default 16) */
	/* runtime */
	double tokens;
	int64_t tokens_ms;
	unsigned int binds;
	unsigned int receivers;		/* receiver and transceiver binds */
	/* failed binds: back-off for the account (addresses that bound with
	 * the right password lately are not held by it) */
	unsigned int auth_failures;
	int64_t auth_last_ms, auth_blocked_until_ms;
	char trusted_ip[SMPP_TRUSTED_IP_MAX][48];
	unsigned int n_trusted_ip, trusted_next;
};

/* data_coding 0 ("SMSC default alphabet") of an account: these values are
 * the SMPP data_coding it stands for (sms_split.h's SMS_SMPP_DC_*) */
#define SMPP_DC0_GSM		0x00	/* GSM 03.38, one septet per octet */
#define SMPP_DC0_IA5		0x01	/* IA5 (ASCII) */
#define SMPP_DC0_LATIN1		0x03	/* ISO 8859-1 */
#define SMPP_MAX_PARTS_DEFAULT	16

/* ---- HTTP API keys -------------------------------------------------------- */

#define ACCOUNT_NAME_MAX	15
#define ACCOUNT_API_KEYS_MAX	4	/* at once, e.g. an old and a new one while rotating */
#define ACCOUNT_KEY_ID_LEN	8	/* the first characters of a key: public, find its hash */
#define ACCOUNT_KEY_MIN		24	/* characters of a key: ID + at least 16 secret ones */
#define ACCOUNT_KEY_MAX		128

struct account_api_key {
	char id[ACCOUNT_KEY_ID_LEN + 1];
	char *hash;			/* crypt(3) of the whole key */
};

/* ---- number lookups -------------------------------------------------------- */

#define ACCOUNT_NOTIFY_URLS_MAX		4
#define ACCOUNT_NOTIFY_URL_LEN		128
#define ACCOUNT_NOTIFY_SECRET_MIN	16
#define ACCOUNT_NOTIFY_SECRET_MAX	128

struct account_lookup {
	bool denied;			/* `lookup deny`: 403 */
	bool imsi_full;			/* may see the whole IMSI (default: MCC+MNC, MSIN hidden) */
	unsigned int cache_ttl_s;	/* answers kept and served again this long; 0: no cache */
	unsigned int rate;		/* lookups per second (one second of burst), 0: no limit */
	unsigned int daily_quota;	/* lookups sent to the network per UTC day, 0: no limit */
	/* where a job's results may be posted (notifyUrl): URL prefixes, each
	 * scheme://host[:port]/ and a path; none: no notifyUrl at all (a key
	 * must not make the gateway post to whatever its holder names) */
	char notify_url[ACCOUNT_NOTIFY_URLS_MAX][ACCOUNT_NOTIFY_URL_LEN + 1];
	unsigned int n_notify_urls;
	/* the key of the HMAC-SHA256 signature on every post to a notifyUrl
	 * (`lookup notify-secret`); "": posts go unsigned. Kept in clear (a
	 * signature needs it), written to the configuration file only: never
	 * shown by `show` commands nor logged */
	char notify_secret[ACCOUNT_NOTIFY_SECRET_MAX + 1];
	/* while a secret is rotated (`lookup notify-secret-previous`, or
	 * `lookup notify-secret rotate NEW`): the one before, posts signed
	 * with both so that the receiver may switch at its own pace; "":
	 * none. Only beside a notify_secret, never equal to it; kept as that */
	char notify_secret_previous[ACCOUNT_NOTIFY_SECRET_MAX + 1];
	/* runtime */
	double tokens;
	int64_t tokens_ms;
	int64_t quota_day;		/* the UTC day quota_used counts (days since the epoch) */
	unsigned int quota_used;
	bool quota_known;		/* quota_used was read from the store for quota_day */
};

struct account {
	struct llist_head list;
	char name[ACCOUNT_NAME_MAX + 1];	/* also the SMPP system_id */
	struct smpp_account smpp;
	struct account_api_key api_keys[ACCOUNT_API_KEYS_MAX];
	unsigned int n_api_keys;
	struct account_lookup lookup;
};

struct accounts;

struct accounts *accounts_alloc(void *ctx);
void accounts_free(struct accounts *accts);
/* NULL: no such account */
struct account *accounts_find(struct accounts *accts, const char *name);
/* The account of that name, created with the defaults if new; NULL: a bad
 * name (1 to ACCOUNT_NAME_MAX characters) or no memory */
struct account *accounts_get(struct accounts *accts, const char *name);
/* In configuration order (prev NULL: the first); NULL after the last */
struct account *accounts_next(struct accounts *accts, struct account *prev);
/* The account an SMPP part belongs to */
struct account *account_of_smpp(const struct smpp_account *a);
/* A notifyUrl prefix as `lookup notify-url` takes it: http:// or https://,
 * a host, and the '/' that ends the authority (so that a prefix match
 * cannot be extended into another host: "http://a:80@evil/") */
bool account_notify_prefix_ok(const char *prefix);
/* url starts with one of the account's notify-url prefixes */
bool account_notify_url_allowed(const struct account *a, const char *url);
/* A secret as `lookup notify-secret` takes it: ACCOUNT_NOTIFY_SECRET_MIN to
 * _MAX printable ASCII characters, no space */
bool account_notify_secret_ok(const char *secret);
/* Sets (secret NULL or "": removes) the account's notify secret; the old
 * one is wiped. Removing it ends a rotation too (the previous one wiped).
 * 0, or -EINVAL when account_notify_secret_ok() refuses it, or -EEXIST
 * when it is the previous one (to go back, end the rotation first) */
int account_set_notify_secret(struct account *a, const char *secret);
/* Sets (NULL or "": removes, ending the rotation) the previous notify
 * secret. 0, -EINVAL as above, -ENOENT without a current secret, -EEXIST
 * when it is the current one */
int account_set_notify_secret_previous(struct account *a, const char *secret);
/* The current secret becomes the previous one and secret the current:
 * one step, so that no post goes out signed with the new one alone.
 * 0, -EINVAL as above, -ENOENT without a current secret, -EEXIST when
 * secret is the current one */
int account_rotate_notify_secret(struct account *a, const char *secret);

/* ---- secrets: crypt(3) of libcrypt, SHA-512 by default ---------------------- */

/* A hash of a secret for the configuration; NULL on error */
char *accounts_hash(void *ctx, const char *secret);
/* true when hash is of a method libcrypt counts as strong (SHA-512, yescrypt, bcrypt) */
bool accounts_hash_ok(const char *hash);
/* Hashes secret with hash's salt and compares in constant time */
bool accounts_hash_check(const char *secret, const char *hash);

/* ---- API keys ------------------------------------------------------------------ */

/* true when key has the form of an API key: ACCOUNT_KEY_MIN to
 * ACCOUNT_KEY_MAX characters of [A-Za-z0-9._~+/=-] */
bool account_key_ok(const char *key);
/* Adds a key (hashed at once; the clear text is not kept) or its hash
 * with its ID. 0, or -EINVAL with *why. */
int account_add_api_key(struct account *a, const char *key, const char **why);
int account_add_api_key_hash(struct account *a, const char *id, const char *hash, const char **why);
/* -ENOENT when the account has no key of that ID */
int account_del_api_key(struct account *a, const char *id);

/* Whose key is this: 0 and *out; -ENOENT (no account has it: also an
 * empty or malformed key); -EAGAIN (checking it would exceed the hashing
 * budget of this second: ask again in a second). A key checked once is
 * known by its SHA-256 for a while, so that the next requests cost no
 * crypt(3); a key removed or changed is forgotten at once. */
int accounts_authenticate(struct accounts *accts, const char *key, struct account **out);

/* ---- lookup limits ---------------------------------------------------------------- */

/* Takes n lookups of the account's rate: 0, or the ms until n more may
 * start (nothing taken). A request of more than one second's worth is let
 * through when the bucket is full and leaves it in debt. */
int64_t account_lookup_rate_take(struct account *a, unsigned int n, int64_t now_ms);
/* The UTC day of a time (days since the epoch) */
int64_t account_utc_day(int64_t ms);

/* ---- VTY ----------------------------------------------------------------------------- */

/* The "account NAME" node at the top level and its API and lookup
 * commands; the SMPP server adds its own to the same node */
void accounts_vty_init(struct accounts *accts);
/* `account NAME` from inside another node too (the "smpp" node) */
void accounts_vty_install_account_cmd(int node);
/* The API and lookup lines of an account, as the configuration writes them
 * (indent: the account node's) */
void accounts_vty_write(struct vty *vty, const struct account *a, const char *indent);
/* The registry the VTY works on (one per process) */
struct accounts *accounts_vty_registry(void);
