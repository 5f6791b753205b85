/* VTY of the SMS core: the `sms` node (retry and validity policy) and
 * `show sms ...`. Operators and routes are the shared "routing" node's. */

#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/audit/audit_report.h>
#include <sigway/store/store.h>
#include "smsc_int.h"

static struct smsc *g_smsc;

static struct cmd_node sms_node = { SIGWAY_SMS_NODE, "%s(config-sms)# ", 1 };

DEFUN(cfg_sms, cfg_sms_cmd, "sms", "Configure the SMS core\n")
{
	vty->node = SIGWAY_SMS_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_retry, cfg_retry_cmd, "retry-interval <1-86400> <1-86400>",
      "Back-off between attempts after a temporary error (doubling)\n" "First wait, seconds\n" "Longest wait, seconds\n")
{
	if (atoi(argv[0]) > atoi(argv[1])) {
		vty_out(vty, "%% the first wait is longer than the longest%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	g_smsc->cfg.retry_min_s = atoi(argv[0]);
	g_smsc->cfg.retry_max_s = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_validity, cfg_validity_cmd, "validity default <10-31536000> max <10-31536000>",
      "Validity period\n" "When submit_sm gives none\n" "Seconds\n" "Longest accepted\n" "Seconds\n")
{
	if (atoi(argv[0]) > atoi(argv[1])) {
		vty_out(vty, "%% the default validity is longer than the longest accepted%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	g_smsc->cfg.default_validity_s = atoi(argv[0]);
	g_smsc->cfg.max_validity_s = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_in_flight, cfg_in_flight_cmd, "max-in-flight <1-100000>",
      "Messages in MAP dialogues at once (the rest queue)\n" "Messages\n")
{
	g_smsc->cfg.max_in_flight = atoi(argv[0]);
	return CMD_SUCCESS;
}

/* configurations before the MAP layer's timers: the same as
 * "map" / "timer map X1 N" and "timer map X2 N" */
DEFUN_DEPRECATED(cfg_timeouts, cfg_timeouts_cmd, "timeout sri <1-300> mt-forward-sm <1-300>",
      "Invoke timers (deprecated: 'timer map X1' and 'timer map X2' in the map node)\n"
      "SRI-for-SM\n" "Seconds\n" "MT-ForwardSM\n" "Seconds\n")
{
	map_set_service_timeout(MAP_SVC_SRI_FOR_SM, atoi(argv[0]));
	map_set_service_timeout(MAP_SVC_MT_FORWARD_SM, atoi(argv[1]));
	return CMD_SUCCESS;
}

DEFUN(cfg_mo_timeout, cfg_mo_timeout_cmd, "mo-reassembly-timeout <1-86400>",
      "Parts of a concatenated MO message still incomplete after this long go to the ESME as they are\n"
      "Seconds\n")
{
	g_smsc->cfg.mo_reassembly_timeout_s = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_mo_parts, cfg_mo_parts_cmd, "mo-reassembly max-parts <1-10000000> per-originator <1-100000>",
      "Parts of concatenated MO messages waiting for the rest\n"
      "At most this many overall (over it the MSC gets a temporary error)\n" "Parts\n"
      "At most this many from one originator\n" "Parts\n")
{
	g_smsc->cfg.mo_parts_max = atoi(argv[0]);
	g_smsc->cfg.mo_parts_max_per_src = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_outbox_expiry, cfg_outbox_expiry_cmd, "outbox-expiry <1-31536000>",
      "deliver_sm (receipts, MO) no ESME accepted within this long are dropped\n" "Seconds\n")
{
	g_smsc->cfg.outbox_expiry_s = atoi(argv[0]);
	return CMD_SUCCESS;
}

/* ---- store limits (smsc_db.c, smsc_submit.c; doc/security.md) ---- */
#define SMSC_MAX_QUEUED_DEFAULT		100000
#define SMSC_RETENTION_DEFAULT_S	(7 * 86400)

DEFUN(cfg_max_queued, cfg_max_queued_cmd, "max-queued <1-100000000>",
      "Messages not final at once (queued, waiting, in delivery); beyond, submits get ESME_RMSGQFUL\n" "Messages\n")
{
	g_smsc->cfg.max_queued = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_retention, cfg_retention_cmd, "retention <0-315360000>",
      "Finished messages (with their audit rows) and answered deliver_sm are purged this long after they ended\n"
      "Seconds (0: kept for ever)\n")
{
	g_smsc->cfg.retention_s = atoi(argv[0]);
	return CMD_SUCCESS;
}
/* ---- end of store limits ---- */

DEFUN(cfg_country_code, cfg_country_code_cmd, "country-code <1-999>",
      "The country of national SMPP destination numbers (TON 2, or a leading trunk prefix 0)\n"
      "Country calling code\n")
{
	snprintf(g_smsc->cfg.country_code, sizeof(g_smsc->cfg.country_code), "%s", argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_country_code, cfg_no_country_code_cmd, "no country-code",
      NO_STR "National destination numbers are refused (ESME_RINVDSTTON)\n")
{
	g_smsc->cfg.country_code[0] = '\0';
	return CMD_SUCCESS;
}

static int config_write_sms(struct vty *vty)
{
	struct smsc *smsc = g_smsc;
	vty_out(vty, "sms%s", VTY_NEWLINE);
	vty_out(vty, " max-in-flight %u%s", smsc->cfg.max_in_flight, VTY_NEWLINE);
	vty_out(vty, " retry-interval %u %u%s", smsc->cfg.retry_min_s, smsc->cfg.retry_max_s, VTY_NEWLINE);
	vty_out(vty, " validity default %u max %u%s", smsc->cfg.default_validity_s, smsc->cfg.max_validity_s,
		VTY_NEWLINE);
	vty_out(vty, " mo-reassembly-timeout %u%s", smsc->cfg.mo_reassembly_timeout_s, VTY_NEWLINE);
	vty_out(vty, " mo-reassembly max-parts %u per-originator %u%s", smsc->cfg.mo_parts_max,
		smsc->cfg.mo_parts_max_per_src, VTY_NEWLINE);
	vty_out(vty, " outbox-expiry %u%s", smsc->cfg.outbox_expiry_s, VTY_NEWLINE);
	vty_out(vty, " max-queued %u%s", smsc->cfg.max_queued, VTY_NEWLINE);	/* store limits */
	vty_out(vty, " retention %u%s", smsc->cfg.retention_s, VTY_NEWLINE);
	if (smsc->cfg.country_code[0])
		vty_out(vty, " country-code %s%s", smsc->cfg.country_code, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_sms, show_sms_cmd, "show sms", SHOW_STR "SMS core state and counters\n")
{
	struct smsc *smsc = g_smsc;
	unsigned int queued = 0, waiting = 0;
	/* waiting: for a retry, an alert, their schedule or their turn */
	struct sms_mt *mt;
	llist_for_each_entry(mt, &smsc->queue, list)
		queued++;
	llist_for_each_entry(mt, &smsc->waiting, list)
		waiting++;
	vty_out(vty, "in-flight %u queued %u waiting %u%s", smsc->in_flight, queued, waiting, VTY_NEWLINE);
	if (smsc->store) {
		const struct store_stats *ss = store_stats(smsc->store);
		vty_out(vty, "store commits %llu failed %llu mean %.2f ms max %.2f ms%s",
			(unsigned long long)ss->commits, (unsigned long long)ss->failed_commits,
			ss->commits ? ss->commit_ms_total / ss->commits : 0.0, ss->commit_ms_max, VTY_NEWLINE);
		/* store limits: another process held the lock; messages not final */
		vty_out(vty, "store locked elsewhere %llu times, %.0f ms; writes refused %llu, kept %llu, lost %llu%s",
			(unsigned long long)ss->busy_periods, ss->busy_ms_total, (unsigned long long)ss->busy_writes,
			(unsigned long long)ss->kept, (unsigned long long)ss->kept_dropped, VTY_NEWLINE);
		/* a volume that filled up, little space left, the WAL */
		vty_out(vty, "store full %llu times, %.0f ms; low space %llu warnings, %llu KiB free; WAL %llu KiB,"
			" truncated %llu times%s", (unsigned long long)ss->full_periods, ss->full_ms_total,
			(unsigned long long)ss->low_space, (unsigned long long)(ss->free_bytes / 1024),
			(unsigned long long)(ss->wal_bytes / 1024), (unsigned long long)ss->checkpoints, VTY_NEWLINE);
		vty_out(vty, "messages not final %u of max-queued %u, destinations %u%s", smsc->n_pending,
			smsc->cfg.max_queued, smsc->n_dests, VTY_NEWLINE);
	}
	/* the version dialogues to each operator open with now (learned or configured) */
	for (struct operator *op = smsc->routing ? routing_next_operator(smsc->routing, NULL) : NULL; op;
	     op = routing_next_operator(smsc->routing, op))
		vty_out(vty, "operator %s hlr-gt %s map-version %u%s", op->name, op->hlr_gt, operator_version(op),
			VTY_NEWLINE);
	vty_out_rate_ctr_group(vty, "", smsc->ctrg);
	return CMD_SUCCESS;
}

static void vty_line(void *priv, const char *line)
{
	struct vty *vty = priv;
	vty_out(vty, "%s%s", line, VTY_NEWLINE);
}

DEFUN(show_sms_audit, show_sms_audit_cmd, "show sms audit MSISDN",
      SHOW_STR "SMS core\n" "The MAP dialogues of every message to a subscriber\n" "MSISDN\n")
{
	if (!g_smsc->store)
		return CMD_WARNING;
	int bad = 0;
	int n = audit_report_sms(store_db(g_smsc->store), argv[0], 0, INT64_MAX, vty_line, vty, &bad);
	vty_out(vty, "%d messages, %d mismatches%s", n, bad, VTY_NEWLINE);
	return CMD_SUCCESS;
}

void smsc_vty_init(struct smsc *smsc)
{
	g_smsc = smsc;
	/* store limits: defaults before the config is read */
	smsc->cfg.max_queued = SMSC_MAX_QUEUED_DEFAULT;
	smsc->cfg.retention_s = SMSC_RETENTION_DEFAULT_S;
	install_element(CONFIG_NODE, &cfg_sms_cmd);
	install_node(&sms_node, config_write_sms);
	install_element(SIGWAY_SMS_NODE, &cfg_retry_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_validity_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_in_flight_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_timeouts_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_mo_timeout_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_mo_parts_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_outbox_expiry_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_max_queued_cmd);		/* store limits */
	install_element(SIGWAY_SMS_NODE, &cfg_retention_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_country_code_cmd);
	install_element(SIGWAY_SMS_NODE, &cfg_no_country_code_cmd);
	install_element_ve(&show_sms_cmd);
	install_element_ve(&show_sms_audit_cmd);
}
