/* Binds: who may bind, and what a guessing peer learns and costs.
 *
 * - allow-ip first: from an address the account does not allow, the
 *   password is never looked at;
 * - one answer for every failure (unknown system_id, address, password,
 *   back-off, max-binds, a bind that does not decode): ESME_RBINDFAIL,
 *   given after the same delay (bind-failure-delay), then the connection
 *   closes; a bind that succeeds is answered at once;
 * - passwords are crypt(3) hashes (libcrypt, SHA-512 by default), checked
 *   by hashing what the peer sent and comparing in constant time; at most
 *   SMPP_AUTH_BUDGET_MS of each second goes to hashing, binds beyond wait
 *   in a queue;
 * - failures count per source address and per account; past auth-backoff
 *   FREE failures each is followed by a back-off doubling from 1 s up to
 *   MAX s, during which binds from that address (or for that account,
 *   except from addresses that bound with the right password lately) fail
 *   unchecked.
 */

#include <crypt.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <sigway/common/logging.h>
#include "smpp_server_int.h"

struct smpp_auth {
	struct smpp_server *srv;
	struct crypt_data *cd;		/* crypt_rn's 32 KiB of work space, once */
	struct smpp_auth_ip *ips;	/* SMPP_AUTH_IP_SLOTS, the least recent reused */
	double budget_ms;		/* hashing time left in this second */
	int64_t budget_at_ms;
	struct llist_head queue;	/* sessions whose check waits for budget */
	struct osmo_timer_list queue_timer;
};

static void refuse(struct smpp_session *s, struct smpp_account *a, const char *why, bool count);

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ hashes */

/* the same time whatever the first difference */
static bool equal_const_time(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)(i < lb ? b[i] : 0);
	return d == 0;
}

/* ------------------------------------------------------------ failures */

static struct smpp_auth_ip *ip_entry(struct smpp_auth *au, const char *ip, bool create)
{
	struct smpp_auth_ip *e, *oldest = NULL;
	for (unsigned int i = 0; i < SMPP_AUTH_IP_SLOTS; i++) {
		e = &au->ips[i];
		if (!strcmp(e->ip, ip))
			return e;
		if (!oldest || e->last_ms < oldest->last_ms)
			oldest = e;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->ip, sizeof(oldest->ip), "%s", ip);
	return oldest;
}

/* After a failure: counted, and past the free ones a back-off of 1 s,
 * 2 s, ... at most auth_backoff_max_s. A count quiet for twice that long
 * starts again. */
static void count_failure(const struct smpp_limits *lim, unsigned int *failures, int64_t *last_ms,
			  int64_t *blocked_until_ms, int64_t now)
{
	int64_t max_ms = lim->auth_backoff_max_s * 1000LL;
	if (now - *last_ms > 2 * max_ms)
		*failures = 0;
	*last_ms = now;
	if (++*failures <= lim->auth_free)
		return;
	unsigned int k = *failures - lim->auth_free - 1;
	int64_t ms = k >= 30 ? max_ms : 1000LL << k;
	*blocked_until_ms = now + (ms < max_ms ? ms : max_ms);
}

static bool trusted(const struct smpp_account *a, const char *ip)
{
	for (unsigned int i = 0; i < a->n_trusted_ip && i < SMPP_TRUSTED_IP_MAX; i++)
		if (!strcmp(a->trusted_ip[i], ip))
			return true;
	return false;
}

static void trust(struct smpp_account *a, const char *ip)
{
	if (trusted(a, ip))
		return;
	/* a ring: the latest SMPP_TRUSTED_IP_MAX addresses (the count stops
	 * growing once the ring is full, the slot keeps turning) */
	unsigned int slot = a->trusted_next++ % SMPP_TRUSTED_IP_MAX;
	snprintf(a->trusted_ip[slot], sizeof(a->trusted_ip[0]), "%s", ip);
	if (a->n_trusted_ip < SMPP_TRUSTED_IP_MAX)
		a->n_trusted_ip++;
}

static bool ip_allowed(const struct smpp_account *a, const char *ip)
{
	if (!a->n_allow_ip)
		return true;
	for (unsigned int i = 0; i < a->n_allow_ip; i++)
		if (!strcmp(a->allow_ip[i], ip))
			return true;
	return false;
}

/* ------------------------------------------------------------ outcome */

static void refusal_cb(void *data)
{
	struct smpp_session *s = data;
	struct smpp_bind_req *b = s->bind;
	struct smpp_pdu r = { .command_id = b->command_id | SMPP_RESP, .command_status = ESME_RBINDFAIL,
			      .sequence_number = b->seq };
	/* strict ESMEs want the system_id also in a refusal */
	snprintf(r.system_id, sizeof(r.system_id), "%s", s->srv->system_id);
	smpp_session_send(s, &r);
	smpp_session_close_after_output(s);
}

/* Every failure: one status, after one delay, then the connection closes.
 * count: the attempt counts for the back-off of the address (and of the
 * account when there is one) */
static void refuse(struct smpp_session *s, struct smpp_account *a, const char *why, bool count)
{
	struct smpp_server *srv = s->srv;
	struct smpp_bind_req *b = s->bind;
	char esc[SIGWAY_LOG_ESC_SIZE(16)];
	int64_t now = smpp_now_ms();
	explicit_bzero(b->password, sizeof(b->password));
	if (count) {
		struct smpp_auth_ip *e = ip_entry(srv->auth, s->ip, true);
		count_failure(&srv->lim, &e->failures, &e->last_ms, &e->blocked_until_ms, now);
		if (a)
			count_failure(&srv->lim, &a->auth_failures, &a->auth_last_ms, &a->auth_blocked_until_ms, now);
	}
	smpp_ctr_inc(srv, SMPP_CTR_BIND_REJECTED);
	LOGP_LIMITED(&srv->log_bind_fail, "%s: %s as '%s' refused: %s\n", s->peer, smpp_cmd_name(b->command_id),
		     sigway_log_escape(esc, sizeof(esc), b->system_id), why);
	osmo_timer_setup(&s->auth_timer, refusal_cb, s);
	osmo_timer_schedule(&s->auth_timer, srv->lim.auth_fail_delay_ms / 1000,
			    (srv->lim.auth_fail_delay_ms % 1000) * 1000);
}

static void accept_bind(struct smpp_session *s, struct smpp_account *a)
{
	explicit_bzero(s->bind->password, sizeof(s->bind->password));
	if (a->binds >= a->max_binds) {
		/* answered like a wrong password: the right one must not show */
		refuse(s, a, "max-binds reached", false);
		return;
	}
	struct smpp_auth_ip *e = ip_entry(s->srv->auth, s->ip, false);
	if (e)
		e->failures = 0;
	a->auth_failures = 0;
	trust(a, s->ip);
	smpp_session_bound(s, a);
}

/* ------------------------------------------------------------ checks */

static void budget_refill(struct smpp_auth *au)
{
	int64_t now = smpp_now_ms();
	au->budget_ms += (now - au->budget_at_ms) * SMPP_AUTH_BUDGET_MS / 1000.0;
	au->budget_at_ms = now;
	if (au->budget_ms > SMPP_AUTH_BUDGET_MS)
		au->budget_ms = SMPP_AUTH_BUDGET_MS;
}

static void check_password(struct smpp_session *s, struct smpp_account *a)
{
	struct smpp_auth *au = s->srv->auth;
	if (!a->password_hash) {
		/* the operator changed the account while this bind waited */
		refuse(s, a, "the account has no password hash now", true);
		return;
	}
	double t0 = mono_ms();
	const char *h = crypt_rn(s->bind->password, a->password_hash, au->cd, sizeof(*au->cd));
	bool ok = h && h[0] == '$' && equal_const_time(h, a->password_hash);
	au->budget_ms -= mono_ms() - t0;
	if (ok)
		accept_bind(s, a);
	else
		refuse(s, a, "wrong password", true);
}

static void queue_schedule(struct smpp_auth *au)
{
	if (llist_empty(&au->queue) || osmo_timer_pending(&au->queue_timer))
		return;
	/* until the budget is above zero again */
	double wait_ms = au->budget_ms >= 0 ? 1 : -au->budget_ms * 1000.0 / SMPP_AUTH_BUDGET_MS + 1;
	osmo_timer_schedule(&au->queue_timer, (long)wait_ms / 1000, ((long)wait_ms % 1000) * 1000);
}

static void queue_cb(void *data)
{
	struct smpp_auth *au = data;
	budget_refill(au);
	while (!llist_empty(&au->queue) && au->budget_ms > 0) {
		struct smpp_session *s = llist_first_entry(&au->queue, struct smpp_session, auth_entry);
		llist_del_init(&s->auth_entry);
		check_password(s, s->bind->account);
	}
	queue_schedule(au);
}

void smpp_auth_bind(struct smpp_session *s)
{
	struct smpp_server *srv = s->srv;
	struct smpp_auth *au = srv->auth;
	struct smpp_bind_req *b = s->bind;
	int64_t now = smpp_now_ms();
	/* 3.3 and older (below 0x34), 3.4, and 5.0 (served as 3.4); not a
	 * version nobody defined */
	if (b->interface_version > 0x34 && b->interface_version != 0x50) {
		refuse(s, NULL, "an interface_version we do not speak", false);
		return;
	}
	struct smpp_auth_ip *e = ip_entry(au, s->ip, false);
	if (e && e->blocked_until_ms > now) {
		smpp_ctr_inc(srv, SMPP_CTR_AUTH_BACKOFF);
		refuse(s, NULL, "address in back-off", false);
		return;
	}
	struct smpp_account *a = smpp_account_find(srv, b->system_id);
	if (!a) {
		refuse(s, NULL, "unknown system_id", true);
		return;
	}
	if (!ip_allowed(a, s->ip)) {
		refuse(s, NULL, "address not allowed for the account", true);
		return;
	}
	if (a->auth_blocked_until_ms > now && !trusted(a, s->ip)) {
		smpp_ctr_inc(srv, SMPP_CTR_AUTH_BACKOFF);
		refuse(s, NULL, "account in back-off", false);
		return;
	}
	if (a->no_password) {
		if (b->password[0])
			refuse(s, a, "wrong password (the account has none)", true);
		else
			accept_bind(s, a);
		return;
	}
	if (!a->password_hash) {
		refuse(s, NULL, "the account has no password configured", true);
		return;
	}
	budget_refill(au);
	if (au->budget_ms > 0 && llist_empty(&au->queue)) {
		check_password(s, a);
		return;
	}
	smpp_ctr_inc(srv, SMPP_CTR_AUTH_QUEUED);
	b->account = a;
	llist_add_tail(&s->auth_entry, &au->queue);
	queue_schedule(au);
}

void smpp_auth_forget(struct smpp_session *s)
{
	if (!llist_empty(&s->auth_entry))
		llist_del_init(&s->auth_entry);
	osmo_timer_del(&s->auth_timer);
}

struct smpp_auth *smpp_auth_alloc(struct smpp_server *srv)
{
	struct smpp_auth *au = talloc_zero(srv, struct smpp_auth);
	if (!au)
		return NULL;
	au->srv = srv;
	au->cd = talloc_zero(au, struct crypt_data);
	au->ips = talloc_zero_array(au, struct smpp_auth_ip, SMPP_AUTH_IP_SLOTS);
	if (!au->cd || !au->ips) {
		talloc_free(au);
		return NULL;
	}
	au->budget_ms = SMPP_AUTH_BUDGET_MS;
	au->budget_at_ms = smpp_now_ms();
	INIT_LLIST_HEAD(&au->queue);
	osmo_timer_setup(&au->queue_timer, queue_cb, au);
	return au;
}

void smpp_auth_free(struct smpp_auth *au)
{
	if (!au)
		return;
	osmo_timer_del(&au->queue_timer);
	explicit_bzero(au->cd, sizeof(*au->cd));
	talloc_free(au);
}
