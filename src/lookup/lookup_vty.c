/* The "lookup" config node (limits, bulk jobs, callbacks, cache, SMS
 * home routing per operator) and "show lookup". The accounts' lookup
 * permissions are in their "account" nodes (src/accounts). */

#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/vty_nodes.h>
#include "lookup_int.h"

/* Not in sigway_vty_node yet: the lookup service's own config node */

static struct lookup_svc *g_svc;

static struct cmd_node lookup_node = { SIGWAY_LOOKUP_NODE, "%s(config-lookup)# ", 1 };

DEFUN(cfg_lookup, cfg_lookup_cmd, "lookup", "Configure the HLR number lookup service\n")
{
	vty->node = SIGWAY_LOOKUP_NODE;
	return CMD_SUCCESS;
}

#define UINT_CMD(fn, field, cmdstr, help)					\
	DEFUN(fn, fn##_cmd, cmdstr, help)					\
	{									\
		g_svc->cfg.field = atoi(argv[0]);				\
		return CMD_SUCCESS;						\
	}

UINT_CMD(cfg_max_numbers, max_numbers, "max-numbers <1-10000>",
	 "Numbers one synchronous request may hold (413 beyond)\n" "Numbers\n")
UINT_CMD(cfg_max_in_flight, max_in_flight, "max-in-flight <1-100000>",
	 "SRI-for-SM of lookups open at once\n" "Dialogues\n")
UINT_CMD(cfg_max_queued, max_queued, "max-queued <1-10000000>",
	 "Numbers waiting for an operator's throughput at once (503 beyond)\n" "Numbers\n")
UINT_CMD(cfg_job_max_numbers, job_max_numbers, "job max-numbers <1-10000000>",
	 "Bulk jobs\n" "Numbers one job may hold (413 beyond)\n" "Numbers\n")
UINT_CMD(cfg_job_window, job_window, "job window <1-100000>",
	 "Bulk jobs\n" "Numbers of one job being looked up at once\n" "Numbers\n")
UINT_CMD(cfg_job_per_account, jobs_per_account, "job per-account <1-1000>",
	 "Bulk jobs\n" "Jobs of one account not finished at once (429 beyond)\n" "Jobs\n")
UINT_CMD(cfg_notify_batch, notify_batch, "notify batch-size <1-10000>",
	 "Results posted to a job's notifyUrl\n" "Results per post unless the job says (notifyBatchSize)\n" "Results\n")
UINT_CMD(cfg_notify_batch_max, notify_batch_max, "notify max-batch-size <1-10000>",
	 "Results posted to a job's notifyUrl\n" "The largest notifyBatchSize a job may ask for\n" "Results\n")
UINT_CMD(cfg_notify_attempts, notify_attempts, "notify attempts <1-1000>",
	 "Results posted to a job's notifyUrl\n"
	 "Posts of one batch before giving up (back-off 1 s, 2 s, ... 60 s between)\n" "Attempts\n")
UINT_CMD(cfg_notify_timeout, notify_timeout_s, "notify timeout <1-300>",
	 "Results posted to a job's notifyUrl\n" "Time the receiver has to answer a post\n" "Seconds\n")
UINT_CMD(cfg_cache_max, cache_max, "cache max-entries <0-10000000>",
	 "The accounts' caches (each account's TTL: 'lookup cache-ttl' in its account node)\n"
	 "Answers kept over all accounts (the least recently used go first)\n" "Entries (0: no cache)\n")
UINT_CMD(cfg_retention, retention_days, "retention <0-36500>",
	 "The lookup log with its audit rows, and finished jobs, are deleted after this long (billing records stay)\n"
	 "Days (0: kept for ever)\n")

DEFUN(cfg_job_max_body, cfg_job_max_body_cmd, "job max-body <1024-1073741824>",
      "Bulk jobs\n" "Bytes of a job's request (413 beyond)\n" "Bytes\n")
{
	g_svc->cfg.job_max_body = strtoul(argv[0], NULL, 10);
	return CMD_SUCCESS;
}

static struct lookup_hr_entry *hr_entry(const char *name, bool create)
{
	struct lookup_hr_entry *e;
	llist_for_each_entry(e, &g_svc->home_routing, list)
		if (!strcmp(e->operator_name, name))
			return e;
	if (!create || strlen(name) >= sizeof(e->operator_name))
		return NULL;
	e = talloc_zero(g_svc, struct lookup_hr_entry);
	if (!e)
		return NULL;
	osmo_strlcpy(e->operator_name, name, sizeof(e->operator_name));
	llist_add_tail(&e->list, &g_svc->home_routing);
	return e;
}

static bool digits_ok(const char *s, size_t max)
{
	return *s && strlen(s) <= max && strspn(s, "0123456789") == strlen(s);
}

DEFUN(cfg_hr, cfg_hr_cmd, "home-routing operator NAME (router-gt|correlation-imsi) PREFIX",
      "SMS home routing (TS 23.204) of an operator: answers from its SMS routers say nothing of\n"
      "the subscriber's network, porting or roaming, and are reported so\n"
      "The operator (of the routing node)\n" "Name\n"
      "A GT prefix of its SMS routers (the MSC address or the answering GT of an answer)\n"
      "An IMSI prefix of the correlation IDs its routers put in the IMSI field\n" "Digits\n")
{
	struct lookup_hr_entry *e = hr_entry(argv[0], true);
	bool gt = argv[1][0] == 'r';
	if (!e || !digits_ok(argv[2], gt ? SCCP_GT_DIGITS_MAX : 15)) {
		vty_out(vty, "%% operator name too long, or the prefix is not digits%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	struct lookup_home_routing *hr = &e->hr;
	unsigned int *n = gt ? &hr->n_router_gt : &hr->n_correlation_imsi;
	if (*n >= LOOKUP_HR_PREFIXES_MAX) {
		vty_out(vty, "%% at most %d prefixes of each kind per operator%s", LOOKUP_HR_PREFIXES_MAX, VTY_NEWLINE);
		return CMD_WARNING;
	}
	for (unsigned int i = 0; i < *n; i++)
		if (!strcmp(gt ? hr->router_gt[i] : hr->correlation_imsi[i], argv[2]))
			return CMD_SUCCESS;
	if (gt)
		osmo_strlcpy(hr->router_gt[(*n)++], argv[2], sizeof(hr->router_gt[0]));
	else
		osmo_strlcpy(hr->correlation_imsi[(*n)++], argv[2], sizeof(hr->correlation_imsi[0]));
	return CMD_SUCCESS;
}

DEFUN(cfg_no_hr, cfg_no_hr_cmd, "no home-routing operator NAME",
      NO_STR "SMS home routing of an operator\n" "The operator\n" "Name\n")
{
	struct lookup_hr_entry *e = hr_entry(argv[0], false);
	if (!e)
		return CMD_WARNING;
	llist_del(&e->list);
	talloc_free(e);
	return CMD_SUCCESS;
}

static int config_write_lookup(struct vty *vty)
{
	const struct lookup_cfg *c = &g_svc->cfg;
	struct lookup_hr_entry *e;
	vty_out(vty, "lookup%s", VTY_NEWLINE);
	vty_out(vty, " max-numbers %u%s", c->max_numbers, VTY_NEWLINE);
	vty_out(vty, " max-in-flight %u%s", c->max_in_flight, VTY_NEWLINE);
	vty_out(vty, " max-queued %u%s", c->max_queued, VTY_NEWLINE);
	vty_out(vty, " job max-numbers %u%s", c->job_max_numbers, VTY_NEWLINE);
	vty_out(vty, " job max-body %zu%s", c->job_max_body, VTY_NEWLINE);
	vty_out(vty, " job window %u%s", c->job_window, VTY_NEWLINE);
	vty_out(vty, " job per-account %u%s", c->jobs_per_account, VTY_NEWLINE);
	vty_out(vty, " notify batch-size %u%s", c->notify_batch, VTY_NEWLINE);
	vty_out(vty, " notify max-batch-size %u%s", c->notify_batch_max, VTY_NEWLINE);
	vty_out(vty, " notify attempts %u%s", c->notify_attempts, VTY_NEWLINE);
	vty_out(vty, " notify timeout %u%s", c->notify_timeout_s, VTY_NEWLINE);
	vty_out(vty, " cache max-entries %u%s", c->cache_max, VTY_NEWLINE);
	vty_out(vty, " retention %u%s", c->retention_days, VTY_NEWLINE);
	llist_for_each_entry(e, &g_svc->home_routing, list) {
		for (unsigned int i = 0; i < e->hr.n_router_gt; i++)
			vty_out(vty, " home-routing operator %s router-gt %s%s", e->operator_name, e->hr.router_gt[i],
				VTY_NEWLINE);
		for (unsigned int i = 0; i < e->hr.n_correlation_imsi; i++)
			vty_out(vty, " home-routing operator %s correlation-imsi %s%s", e->operator_name,
				e->hr.correlation_imsi[i], VTY_NEWLINE);
	}
	return CMD_SUCCESS;
}

DEFUN(show_lookup, show_lookup_cmd, "show lookup", SHOW_STR "The number lookup service: queues, jobs, counters\n")
{
	struct lookup_opq *q;
	vty_out(vty, "lookup %s: in flight %u (max %u), queued %u (max %u), jobs running %u, cache %u entries%s",
		g_svc->started ? "running" : "not started", g_svc->in_flight, g_svc->cfg.max_in_flight, g_svc->queued,
		g_svc->cfg.max_queued, lookup_jobs_running(g_svc, NULL), lookup_cache_size(g_svc->cache), VTY_NEWLINE);
	llist_for_each_entry(q, &g_svc->opqs, list)
		vty_out(vty, " operator %s: %u queued, throughput %u/s, lookup share %u%%%s", q->op->name,
			(unsigned int)llist_count(&q->queue), q->op->throughput,
			q->op->share[ROUTING_CLASS_LOOKUP].percent, VTY_NEWLINE);
	vty_out_rate_ctr_group(vty, " ", g_svc->ctrg);
	return CMD_SUCCESS;
}

void lookup_vty_init(struct lookup_svc *svc)
{
	g_svc = svc;
	install_element(CONFIG_NODE, &cfg_lookup_cmd);
	install_node(&lookup_node, config_write_lookup);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_max_numbers_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_max_in_flight_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_max_queued_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_job_max_numbers_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_job_max_body_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_job_window_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_job_per_account_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_notify_batch_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_notify_batch_max_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_notify_attempts_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_notify_timeout_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_cache_max_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_retention_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_hr_cmd);
	install_element(SIGWAY_LOOKUP_NODE, &cfg_no_hr_cmd);
	install_element_ve(&show_lookup_cmd);
}
