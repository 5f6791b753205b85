/* The "account NAME" node: reached from the top level and from inside the
 * "smpp" node (configurations written before the accounts were shared).
 * vty->index is the account's SMPP part (struct smpp_account), so that the
 * SMPP server's commands in the same node work on it unchanged; the
 * commands here find the account around it. API keys are kept and written
 * as crypt(3) hashes only. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <sigway/accounts/accounts.h>
#include <sigway/common/vty_nodes.h>

static struct accounts *g_accts;

static struct cmd_node account_node = { SIGWAY_SMPP_ACCOUNT_NODE, "%s(config-account)# ", 1 };

struct accounts *accounts_vty_registry(void)
{
	return g_accts;
}

static struct account *cur(struct vty *vty)
{
	return account_of_smpp(vty->index);
}

DEFUN(cfg_account, cfg_account_cmd, "account NAME",
      "Configure a client account (SMPP binds, API keys, number lookups)\n"
      "Name, up to 15 characters (the SMPP system_id)\n")
{
	if (strlen(argv[0]) > ACCOUNT_NAME_MAX) {
		vty_out(vty, "%% an account name (system_id) has at most %d characters%s", ACCOUNT_NAME_MAX,
			VTY_NEWLINE);
		return CMD_WARNING;
	}
	struct account *a = accounts_get(g_accts, argv[0]);
	if (!a) {
		vty_out(vty, "%% out of memory%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty->index = &a->smpp;
	vty->node = SIGWAY_SMPP_ACCOUNT_NODE;
	return CMD_SUCCESS;
}

/* ------------------------------------------------------------ API keys */

/* the clear key is hashed at once and written back as api-key-hash */
DEFUN(cfg_api_key, cfg_api_key_cmd, "api-key KEY",
      "An API key of the account for the HTTP APIs (kept and written back as its hash: see api-key-hash)\n"
      "24 to 128 characters of A-Z a-z 0-9 . _ ~ + / = -; its first 8 are its public ID\n")
{
	const char *why;
	if (account_add_api_key(cur(vty), argv[0], &why) < 0) {
		vty_out(vty, "%% %s%s", why, VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_api_key_hash, cfg_api_key_hash_cmd, "api-key-hash ID HASH",
      "An API key of the account as its ID and crypt(3) hash\n"
      "The key's first 8 characters\n"
      "crypt(3) hash of the whole key: SHA-512 ($6$...), yescrypt ($y$...) or bcrypt\n")
{
	const char *why;
	if (account_add_api_key_hash(cur(vty), argv[0], argv[1], &why) < 0) {
		vty_out(vty, "%% %s%s", why, VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(cfg_no_api_key, cfg_no_api_key_cmd, "no api-key ID", NO_STR "Remove an API key\n" "Its ID (first 8 characters)\n")
{
	if (account_del_api_key(cur(vty), argv[0]) < 0) {
		vty_out(vty, "%% the account has no key %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

/* ------------------------------------------------------------ lookups */

DEFUN(cfg_lookup_permit, cfg_lookup_permit_cmd, "lookup (permit|deny)",
      "Number lookups of the account\n" "The account may look numbers up (default)\n"
      "It may not (403)\n")
{
	cur(vty)->lookup.denied = argv[0][0] == 'd';
	return CMD_SUCCESS;
}

DEFUN(cfg_lookup_imsi, cfg_lookup_imsi_cmd, "lookup imsi (masked|full)",
      "Number lookups of the account\n" "The IMSI of the answers\n"
      "MCC and MNC only, the MSIN hidden (default)\n" "The whole IMSI\n")
{
	cur(vty)->lookup.imsi_full = argv[0][0] == 'f';
	return CMD_SUCCESS;
}

DEFUN(cfg_lookup_cache, cfg_lookup_cache_cmd, "lookup cache-ttl <0-2592000>",
      "Number lookups of the account\n"
      "Answer a number looked up again within this time from the cache (not sent, not billed)\n"
      "Seconds (0: no cache, the default)\n")
{
	cur(vty)->lookup.cache_ttl_s = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_lookup_rate, cfg_lookup_rate_cmd, "lookup rate <0-1000000>",
      "Number lookups of the account\n" "Numbers per second (429 beyond; one second of burst)\n"
      "Per second (0: no limit)\n")
{
	struct account *a = cur(vty);
	a->lookup.rate = atoi(argv[0]);
	a->lookup.tokens_ms = 0;
	return CMD_SUCCESS;
}

DEFUN(cfg_lookup_quota, cfg_lookup_quota_cmd, "lookup daily-quota <0-1000000000>",
      "Number lookups of the account\n" "Lookups sent to the network per UTC day (429 beyond)\n"
      "Lookups (0: no limit)\n")
{
	cur(vty)->lookup.daily_quota = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_lookup_notify_url, cfg_lookup_notify_url_cmd, "lookup notify-url PREFIX",
      "Number lookups of the account\n"
      "Where jobs may post their results: a notifyUrl must start with one of these (none: no notifyUrl)\n"
      "http:// or https://, host[:port], '/' and a path, e.g. https://crm.example.com/lookup/\n")
{
	struct account_lookup *l = &cur(vty)->lookup;
	if (!account_notify_prefix_ok(argv[0])) {
		vty_out(vty, "%% a prefix is http:// or https://, a host, '/' and a path, at most %d characters%s",
			ACCOUNT_NOTIFY_URL_LEN, VTY_NEWLINE);
		return CMD_WARNING;
	}
	for (unsigned int i = 0; i < l->n_notify_urls; i++)
		if (!strcmp(l->notify_url[i], argv[0]))
			return CMD_SUCCESS;
	if (l->n_notify_urls >= ACCOUNT_NOTIFY_URLS_MAX) {
		vty_out(vty, "%% at most %d prefixes%s", ACCOUNT_NOTIFY_URLS_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	osmo_strlcpy(l->notify_url[l->n_notify_urls++], argv[0], sizeof(l->notify_url[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_no_lookup_notify_url, cfg_no_lookup_notify_url_cmd, "no lookup notify-url PREFIX",
      NO_STR "Number lookups of the account\n" "Remove a notifyUrl prefix\n" "The prefix\n")
{
	struct account_lookup *l = &cur(vty)->lookup;
	for (unsigned int i = 0; i < l->n_notify_urls; i++) {
		if (strcmp(l->notify_url[i], argv[0]))
			continue;
		memmove(l->notify_url[i], l->notify_url[i + 1], (l->n_notify_urls - i - 1) * sizeof(l->notify_url[0]));
		l->n_notify_urls--;
		return CMD_SUCCESS;
	}
	vty_out(vty, "%% no such prefix%s", VTY_NEWLINE);
	return CMD_WARNING;
}

#define NOTIFY_SECRET_STR "16 to 128 printable ASCII characters, no space; the receiver keeps the same\n"

/* what a refused notify secret gets (the secret itself is never echoed) */
static int notify_secret_refused(struct vty *vty, int rc)
{
	switch (rc) {
	case 0:
		return CMD_SUCCESS;
	case -EINVAL:
		vty_out(vty, "%% a notify secret is %d to %d printable ASCII characters, no space%s",
			ACCOUNT_NOTIFY_SECRET_MIN, ACCOUNT_NOTIFY_SECRET_MAX, VTY_NEWLINE);
		break;
	case -ENOENT:
		vty_out(vty, "%% no lookup notify-secret is set: a previous one goes beside a current one%s",
			VTY_NEWLINE);
		break;
	default:	/* -EEXIST */
		vty_out(vty, "%% the current and the previous notify secret must differ (to go back to the"
			" previous one: 'lookup notify-secret rotate' to it)%s", VTY_NEWLINE);
		break;
	}
	return CMD_WARNING;
}

DEFUN(cfg_lookup_notify_secret, cfg_lookup_notify_secret_cmd, "lookup notify-secret SECRET",
      "Number lookups of the account\n"
      "Sign every post to a notifyUrl: header X-Sigway-Signature, HMAC-SHA256 with this key (doc/lookup.md)\n"
      NOTIFY_SECRET_STR)
{
	return notify_secret_refused(vty, account_set_notify_secret(cur(vty), argv[0]));
}

DEFUN(cfg_lookup_notify_secret_rotate, cfg_lookup_notify_secret_rotate_cmd, "lookup notify-secret rotate SECRET",
      "Number lookups of the account\n"
      "Sign every post to a notifyUrl: header X-Sigway-Signature, HMAC-SHA256 with this key (doc/lookup.md)\n"
      "Start a rotation: the current secret becomes the previous one (posts signed with both)\n"
      NOTIFY_SECRET_STR)
{
	return notify_secret_refused(vty, account_rotate_notify_secret(cur(vty), argv[0]));
}

DEFUN(cfg_no_lookup_notify_secret, cfg_no_lookup_notify_secret_cmd, "no lookup notify-secret",
      NO_STR "Number lookups of the account\n"
      "Post to notifyUrl unsigned (no X-Sigway-Signature; a previous secret goes too)\n")
{
	account_set_notify_secret(cur(vty), NULL);
	return CMD_SUCCESS;
}

DEFUN(cfg_lookup_notify_secret_previous, cfg_lookup_notify_secret_previous_cmd,
      "lookup notify-secret-previous SECRET",
      "Number lookups of the account\n"
      "During a rotation: sign every post with this secret too (a second v1= in X-Sigway-Signature)\n"
      NOTIFY_SECRET_STR)
{
	return notify_secret_refused(vty, account_set_notify_secret_previous(cur(vty), argv[0]));
}

DEFUN(cfg_no_lookup_notify_secret_previous, cfg_no_lookup_notify_secret_previous_cmd,
      "no lookup notify-secret-previous",
      NO_STR "Number lookups of the account\n"
      "End a rotation: sign with the current secret only\n")
{
	account_set_notify_secret_previous(cur(vty), NULL);
	return CMD_SUCCESS;
}

void accounts_vty_write(struct vty *vty, const struct account *a, const char *indent)
{
	const struct account_lookup *l = &a->lookup;
	/* never the clear key: only its hash is kept */
	for (unsigned int i = 0; i < a->n_api_keys; i++)
		vty_out(vty, "%sapi-key-hash %s %s%s", indent, a->api_keys[i].id, a->api_keys[i].hash, VTY_NEWLINE);
	if (l->denied)
		vty_out(vty, "%slookup deny%s", indent, VTY_NEWLINE);
	if (l->imsi_full)
		vty_out(vty, "%slookup imsi full%s", indent, VTY_NEWLINE);
	if (l->cache_ttl_s)
		vty_out(vty, "%slookup cache-ttl %u%s", indent, l->cache_ttl_s, VTY_NEWLINE);
	if (l->rate)
		vty_out(vty, "%slookup rate %u%s", indent, l->rate, VTY_NEWLINE);
	if (l->daily_quota)
		vty_out(vty, "%slookup daily-quota %u%s", indent, l->daily_quota, VTY_NEWLINE);
	for (unsigned int i = 0; i < l->n_notify_urls; i++)
		vty_out(vty, "%slookup notify-url %s%s", indent, l->notify_url[i], VTY_NEWLINE);
	/* the secret must stay in clear (it keys the signature): written to the
	 * configuration file (`write file`), not to a terminal (`show
	 * running-config`, `write terminal`), where a comment says it is set */
	if (l->notify_secret[0] && vty->type == VTY_FILE)
		vty_out(vty, "%slookup notify-secret %s%s", indent, l->notify_secret, VTY_NEWLINE);
	else if (l->notify_secret[0])
		vty_out(vty, "%s! lookup notify-secret is set (not shown; 'write file' writes it)%s", indent,
			VTY_NEWLINE);
	/* after the current one: read back, it needs that beside it */
	if (l->notify_secret_previous[0] && vty->type == VTY_FILE)
		vty_out(vty, "%slookup notify-secret-previous %s%s", indent, l->notify_secret_previous, VTY_NEWLINE);
	else if (l->notify_secret_previous[0])
		vty_out(vty, "%s! lookup notify-secret-previous is set (not shown; 'write file' writes it)%s",
			indent, VTY_NEWLINE);
}

DEFUN(show_accounts, show_accounts_cmd, "show accounts", SHOW_STR "Client accounts (SMPP, API keys, lookups)\n")
{
	struct account *a = NULL;
	while ((a = accounts_next(g_accts, a))) {
		const struct account_lookup *l = &a->lookup;
		vty_out(vty, "account %s: smpp binds %u, api keys %u", a->name, a->smpp.binds, a->n_api_keys);
		for (unsigned int i = 0; i < a->n_api_keys; i++)
			vty_out(vty, "%s%s", i ? "," : " (", a->api_keys[i].id);
		vty_out(vty, "%s, lookups %s, imsi %s, cache-ttl %u s, rate %u/s, quota %u used %u today,"
			" notify %s%s", a->n_api_keys ? ")" : "", l->denied ? "denied" : "permitted",
			l->imsi_full ? "full" : "masked", l->cache_ttl_s, l->rate, l->daily_quota, l->quota_used,
			!l->notify_secret[0] ? "unsigned" :
			l->notify_secret_previous[0] ? "signed (rotating: current and previous secret)" : "signed",
			VTY_NEWLINE);
	}
	return CMD_SUCCESS;
}

void accounts_vty_install_account_cmd(int node)
{
	install_element(node, &cfg_account_cmd);
}

void accounts_vty_init(struct accounts *accts)
{
	g_accts = accts;
	install_element(CONFIG_NODE, &cfg_account_cmd);
	/* written back inside the "smpp" node (its writer calls accounts_vty_write) */
	install_node(&account_node, NULL);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_api_key_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_api_key_hash_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_no_api_key_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_lookup_permit_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_lookup_imsi_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_lookup_cache_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_lookup_rate_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_lookup_quota_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_lookup_notify_url_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_no_lookup_notify_url_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_lookup_notify_secret_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_lookup_notify_secret_rotate_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_no_lookup_notify_secret_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_lookup_notify_secret_previous_cmd);
	install_element(SIGWAY_SMPP_ACCOUNT_NODE, &cfg_no_lookup_notify_secret_previous_cmd);
	install_element_ve(&show_accounts_cmd);
}
