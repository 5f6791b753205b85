/* sigway-netsim: the mobile network side for tests and demos, on the same
 * SS7 stack as the gateway. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/daemon.h>
#include <sigway/common/logging.h>
#include <sigway/common/vty_nodes.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/map/map_sm.h>
#include "netsim.h"

#define NETSIM_VTY_PORT 4261

struct netsim_cfg netsim_cfg = {
	.sms_gw_max_version = 3,
	.mt_relay_max_version = 3,
	.hlr_gt = "491710000001",
	.msc_gt = "491710000002",
	.imsi_prefix = "26201",
	.smsc_gt = "491720000099",
	.ussd_gw_ssn = SCCP_SSN_MSC,
};

/* ------------------------------------------------------------ subscribers */

LLIST_HEAD(netsim_subscribers);
static void *sub_ctx;

const char *const netsim_sub_state_names[_SUB_STATE_COUNT] = {
	[SUB_ATTACHED] = "attached", [SUB_ABSENT] = "absent", [SUB_UNKNOWN] = "unknown",
	[SUB_BARRED] = "barred", [SUB_MEMORY_FULL] = "memory-full", [SUB_UNREACHABLE] = "unreachable",
	[SUB_MSC_TIMEOUT] = "msc-timeout",
};
#define STATE_CHOICE "(attached|absent|unknown|barred|memory-full|unreachable|msc-timeout)"
#define STATE_HELP "Attached: SRI-for-SM and MT-ForwardSM succeed\n" \
	"Absent: HLR answers absentSubscriberSM and alerts the SC when attached again\n" \
	"Unknown: HLR answers unknownSubscriber\n" "Barred: HLR answers callBarred\n" \
	"Memory full: MSC answers sm-DeliveryFailure memoryCapacityExceeded\n" \
	"Unreachable: MSC answers absentSubscriberSM (no paging response)\n" \
	"MSC timeout: the MSC never answers\n"

static enum netsim_sub_state state_from_name(const char *name)
{
	for (int i = 0; i < _SUB_STATE_COUNT; i++)
		if (!strcmp(netsim_sub_state_names[i], name))
			return (enum netsim_sub_state)i;
	return SUB_UNKNOWN;
}

struct netsim_sub *netsim_sub_find_msisdn(const char *msisdn)
{
	struct netsim_sub *sub;
	llist_for_each_entry(sub, &netsim_subscribers, entry)
		if (!strcmp(sub->msisdn, msisdn))
			return sub;
	return NULL;
}

struct netsim_sub *netsim_sub_find_imsi(const char *imsi)
{
	struct netsim_sub *sub;
	llist_for_each_entry(sub, &netsim_subscribers, entry)
		if (!strcmp(sub->imsi, imsi))
			return sub;
	return NULL;
}

void netsim_sub_set_state(struct netsim_sub *sub, enum netsim_sub_state state)
{
	enum netsim_sub_state old = sub->state;
	sub->state = state;
	/* reachable again (attached, memory freed) with a message waiting */
	if (old != SUB_ATTACHED && state == SUB_ATTACHED && sub->waiting_sc[0]) {
		netsim_hlr_alert_sc(sub);
		sub->waiting_sc[0] = '\0';
	}
}

static bool digits_ok(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	if (n < min || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* argv: msisdn, imsi, [msc], state */
static int add_subscriber(struct vty *vty, const char *msisdn, const char *imsi, const char *msc, const char *state)
{
	if (!digits_ok(msisdn, 5, 15) || !digits_ok(imsi, 6, 15) || (msc && !digits_ok(msc, 5, SCCP_GT_DIGITS_MAX))) {
		vty_out(vty, "%% bad MSISDN, IMSI or MSC GT%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	struct netsim_sub *sub = netsim_sub_find_msisdn(msisdn);
	if (!sub) {
		sub = talloc_zero(sub_ctx, struct netsim_sub);
		llist_add_tail(&sub->entry, &netsim_subscribers);
	}
	snprintf(sub->msisdn, sizeof(sub->msisdn), "%s", msisdn);
	snprintf(sub->imsi, sizeof(sub->imsi), "%s", imsi);
	snprintf(sub->msc_gt, sizeof(sub->msc_gt), "%s", msc ? msc : netsim_cfg.msc_gt);
	sub->state = state_from_name(state);
	return CMD_SUCCESS;
}

DEFUN(cfg_subscriber, cfg_subscriber_cmd, "subscriber MSISDN imsi IMSI state " STATE_CHOICE,
      "A subscriber of the simulated network\n" "MSISDN (E.164 digits)\n" "IMSI\n" "IMSI digits\n"
      "State\n" STATE_HELP)
{
	return add_subscriber(vty, argv[0], argv[1], NULL, argv[2]);
}

DEFUN(cfg_subscriber_msc, cfg_subscriber_msc_cmd, "subscriber MSISDN imsi IMSI msc GT state " STATE_CHOICE,
      "A subscriber of the simulated network\n" "MSISDN (E.164 digits)\n" "IMSI\n" "IMSI digits\n"
      "Serving MSC (another network's GT: roaming)\n" "MSC GT\n" "State\n" STATE_HELP)
{
	return add_subscriber(vty, argv[0], argv[1], argv[2], argv[3]);
}

DEFUN(cfg_no_subscriber, cfg_no_subscriber_cmd, "no subscriber MSISDN", NO_STR "Remove a subscriber\n" "MSISDN\n")
{
	struct netsim_sub *sub = netsim_sub_find_msisdn(argv[0]);
	if (!sub)
		return CMD_WARNING;
	llist_del(&sub->entry);
	talloc_free(sub);
	return CMD_SUCCESS;
}

/* ------------------------------------------------ SRI-for-SM answers per subscriber */

static struct netsim_sub *sub_or_warn(struct vty *vty, const char *msisdn)
{
	struct netsim_sub *sub = netsim_sub_find_msisdn(msisdn);
	if (!sub)
		vty_out(vty, "%% no subscriber %s (define it first)%s", msisdn, VTY_NEWLINE);
	return sub;
}

static int set_sri_error(struct vty *vty, const char *msisdn, const char *name, const char *diag)
{
	struct netsim_sub *sub = sub_or_warn(vty, msisdn);
	int code = netsim_sri_error_from_name(name);
	if (!sub || code < 0)
		return CMD_WARNING;
	if (diag && code != MAP_ERR_ABSENT_SUBSCRIBER_SM && code != MAP_ERR_SM_DELIVERY_FAILURE) {
		vty_out(vty, "%% only absent-subscriber-sm and sm-delivery-failure carry a diagnostic%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	sub->sri_answer = NETSIM_SRI_ERROR;
	sub->sri_error = (uint8_t)code;
	sub->sri_diag_present = diag != NULL;
	sub->sri_diag = diag ? (uint8_t)atoi(diag) : 0;
	return CMD_SUCCESS;
}

#define SRI_ERROR_HELP "The HLR answers every SRI-for-SM for the subscriber with this error\n" \
	"unknownSubscriber\n" "unidentifiedSubscriber\n" "absentSubscriberSM\n" "illegalSubscriber\n" \
	"teleserviceNotProvisioned\n" "illegalEquipment\n" "callBarred\n" "facilityNotSupported\n" \
	"absentSubscriber\n" "subscriberBusyForMT-SMS\n" "sm-DeliveryFailure\n" "messageWaitingListFull\n" \
	"systemFailure\n" "dataMissing\n" "unexpectedDataValue\n"

DEFUN(cfg_sub_sri_error, cfg_sub_sri_error_cmd, "subscriber MSISDN sri-error " NETSIM_SRI_ERRORS,
      "A subscriber of the simulated network\n" "MSISDN\n" SRI_ERROR_HELP)
{
	return set_sri_error(vty, argv[0], argv[1], NULL);
}

DEFUN(cfg_sub_sri_error_diag, cfg_sub_sri_error_diag_cmd,
      "subscriber MSISDN sri-error " NETSIM_SRI_ERRORS " diagnostic <0-255>",
      "A subscriber of the simulated network\n" "MSISDN\n" SRI_ERROR_HELP
      "With a diagnostic: absentSubscriberDiagnosticSM (0 no paging response, 1 IMSI detached, 2 roaming\n"
      "restriction, ...) or the SM-EnumeratedDeliveryFailureCause\n" "Value\n")
{
	return set_sri_error(vty, argv[0], argv[1], argv[2]);
}

DEFUN(cfg_no_sub_sri_error, cfg_no_sub_sri_error_cmd, "no subscriber MSISDN sri-error",
      NO_STR "A subscriber of the simulated network\n" "MSISDN\n" "Answer SRI-for-SM by the state again\n")
{
	struct netsim_sub *sub = sub_or_warn(vty, argv[0]);
	if (!sub)
		return CMD_WARNING;
	sub->sri_answer = NETSIM_SRI_BY_STATE;
	sub->sri_diag_present = false;
	return CMD_SUCCESS;
}

DEFUN(cfg_sub_sri_answer, cfg_sub_sri_answer_cmd, "subscriber MSISDN sri-answer (state|none)",
      "A subscriber of the simulated network\n" "MSISDN\n" "Whether the HLR answers SRI-for-SM\n"
      "As the state says (default)\n" "Never (the gateway's invoke timer runs out)\n")
{
	struct netsim_sub *sub = sub_or_warn(vty, argv[0]);
	if (!sub)
		return CMD_WARNING;
	sub->sri_answer = argv[1][0] == 'n' ? NETSIM_SRI_SILENT : NETSIM_SRI_BY_STATE;
	return CMD_SUCCESS;
}

DEFUN(cfg_sub_sri_delay, cfg_sub_sri_delay_cmd, "subscriber MSISDN sri-delay <0-60000>",
      "A subscriber of the simulated network\n" "MSISDN\n" "The HLR answers SRI-for-SM this late\n"
      "Milliseconds (0: at once)\n")
{
	struct netsim_sub *sub = sub_or_warn(vty, argv[0]);
	if (!sub)
		return CMD_WARNING;
	sub->sri_delay_ms = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sub_home_routing, cfg_sub_home_routing_cmd, "subscriber MSISDN home-routing ROUTER-GT CORRELATION-ID",
      "A subscriber of the simulated network\n" "MSISDN\n"
      "SMS home routing (TS 23.204): an SMS router answers SRI-for-SM with its own address as MSC and a\n"
      "correlation ID in the IMSI field\n" "The router's GT\n" "The correlation ID (IMSI digits)\n")
{
	struct netsim_sub *sub = sub_or_warn(vty, argv[0]);
	if (!sub)
		return CMD_WARNING;
	if (!digits_ok(argv[1], 5, SCCP_GT_DIGITS_MAX) || !digits_ok(argv[2], 6, 15)) {
		vty_out(vty, "%% bad router GT or correlation ID%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	snprintf(sub->router_gt, sizeof(sub->router_gt), "%s", argv[1]);
	snprintf(sub->correlation_id, sizeof(sub->correlation_id), "%s", argv[2]);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_sub_home_routing, cfg_no_sub_home_routing_cmd, "no subscriber MSISDN home-routing",
      NO_STR "A subscriber of the simulated network\n" "MSISDN\n" "No SMS home routing\n")
{
	struct netsim_sub *sub = sub_or_warn(vty, argv[0]);
	if (!sub)
		return CMD_WARNING;
	sub->router_gt[0] = sub->correlation_id[0] = '\0';
	return CMD_SUCCESS;
}

DEFUN(cfg_implicit, cfg_implicit_cmd, "hlr implicit-subscribers PREFIX",
      "The HLR\n" "Numbers under this prefix that are not in the table are attached subscribers\n"
      "MSISDN prefix\n")
{
	if (!digits_ok(argv[0], 1, sizeof(netsim_cfg.implicit_prefix) - 1))
		return CMD_WARNING;
	snprintf(netsim_cfg.implicit_prefix, sizeof(netsim_cfg.implicit_prefix), "%s", argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_implicit, cfg_no_implicit_cmd, "no hlr implicit-subscribers",
      NO_STR "The HLR\n" "Only the table's subscribers exist (every number while the table is empty)\n")
{
	netsim_cfg.implicit_prefix[0] = '\0';
	return CMD_SUCCESS;
}

static void write_sub_sri(struct vty *vty, const struct netsim_sub *sub)
{
	if (sub->sri_answer == NETSIM_SRI_ERROR) {
		vty_out(vty, " subscriber %s sri-error %s", sub->msisdn, netsim_sri_error_to_name(sub->sri_error));
		if (sub->sri_diag_present)
			vty_out(vty, " diagnostic %u", sub->sri_diag);
		vty_out(vty, "%s", VTY_NEWLINE);
	}
	if (sub->sri_answer == NETSIM_SRI_SILENT)
		vty_out(vty, " subscriber %s sri-answer none%s", sub->msisdn, VTY_NEWLINE);
	if (sub->sri_delay_ms)
		vty_out(vty, " subscriber %s sri-delay %u%s", sub->msisdn, sub->sri_delay_ms, VTY_NEWLINE);
	if (sub->router_gt[0])
		vty_out(vty, " subscriber %s home-routing %s %s%s", sub->msisdn, sub->router_gt, sub->correlation_id,
			VTY_NEWLINE);
}

DEFUN(subscriber_state, subscriber_state_cmd, "subscriber-state MSISDN " STATE_CHOICE,
      "Change a subscriber's state now (an absent one that attaches triggers alertServiceCentre)\n"
      "MSISDN\n" STATE_HELP)
{
	struct netsim_sub *sub = netsim_sub_find_msisdn(argv[0]);
	if (!sub) {
		vty_out(vty, "%% no subscriber %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	netsim_sub_set_state(sub, state_from_name(argv[1]));
	return CMD_SUCCESS;
}

DEFUN(show_subscribers, show_subscribers_cmd, "show subscribers", SHOW_STR "Subscribers of the simulated network\n")
{
	struct netsim_sub *sub;
	llist_for_each_entry(sub, &netsim_subscribers, entry) {
		vty_out(vty, "%s imsi %s msc %s %s%s%s", sub->msisdn, sub->imsi, sub->msc_gt,
			netsim_sub_state_names[sub->state], sub->waiting_sc[0] ? " waiting-sc " : "", sub->waiting_sc);
		if (sub->sri_answer == NETSIM_SRI_ERROR)
			vty_out(vty, " sri-error %s", netsim_sri_error_to_name(sub->sri_error));
		if (sub->sri_answer == NETSIM_SRI_SILENT)
			vty_out(vty, " sri-answer none");
		if (sub->sri_delay_ms)
			vty_out(vty, " sri-delay %u", sub->sri_delay_ms);
		if (sub->router_gt[0])
			vty_out(vty, " home-routing %s %s", sub->router_gt, sub->correlation_id);
		vty_out(vty, "%s", VTY_NEWLINE);
	}
	vty_out(vty, "SRI-for-SM held (slow or no answer): %u%s", netsim_hlr_held(), VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(cfg_hlr_gt, cfg_hlr_gt_cmd, "hlr-gt DIGITS",
      "The HLR's own GT (calling GT of alertServiceCentre)\n" "E.164 digits\n")
{
	if (!digits_ok(argv[0], 5, SCCP_GT_DIGITS_MAX))
		return CMD_WARNING;
	strcpy(netsim_cfg.hlr_gt, argv[0]);
	return CMD_SUCCESS;
}

static int send_mo(struct vty *vty, int argc, const char **argv, enum netsim_mo_order order)
{
	char *text = argv_concat(argv, argc, 2);
	int rc = netsim_msc_send_mo(argv[0], argv[1], text, order, NULL);
	talloc_free(text);
	if (rc < 0) {
		vty_out(vty, "%% cannot send: %d%s", rc, VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "mo-sms %d sent%s", rc, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(mo_sms, mo_sms_cmd, "mo-sms MSISDN DEST .TEXT",
      "A subscriber sends a short message: the MSC sends MO-ForwardSM to the SMSC\n"
      "The sending subscriber's MSISDN\n" "Destination address (digits)\n" "Text (concatenated parts when long)\n")
{
	return send_mo(vty, argc, argv, NETSIM_MO_IN_ORDER);
}

DEFUN(mo_sms_reversed, mo_sms_reversed_cmd, "mo-sms-reversed MSISDN DEST .TEXT",
      "As mo-sms, a long text's parts sent last first\n"
      "The sending subscriber's MSISDN\n" "Destination address (digits)\n" "Text\n")
{
	return send_mo(vty, argc, argv, NETSIM_MO_REVERSED);
}

DEFUN(mo_sms_first, mo_sms_first_cmd, "mo-sms-first-part MSISDN DEST .TEXT",
      "As mo-sms, but of a long text only the first part is ever sent\n"
      "The sending subscriber's MSISDN\n" "Destination address (digits)\n" "Text\n")
{
	return send_mo(vty, argc, argv, NETSIM_MO_FIRST_ONLY);
}

DEFUN(show_mo, show_mo_cmd, "show mo-sms", SHOW_STR "Short messages the subscribers sent, and their outcome\n")
{
	netsim_msc_show_mo(vty);
	return CMD_SUCCESS;
}

DEFUN(cfg_smsc_gt, cfg_smsc_gt_cmd, "smsc-gt DIGITS",
      "GT of the SMSC that MO short messages go to\n" "E.164 digits\n")
{
	if (!digits_ok(argv[0], 5, SCCP_GT_DIGITS_MAX))
		return CMD_WARNING;
	strcpy(netsim_cfg.smsc_gt, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(ussd_dial, ussd_dial_cmd, "ussd-dial MSISDN GW-GT STRING",
      "A subscriber dials a USSD string: processUnstructuredSS-Request to the USSD gateway\n"
      "The subscriber's MSISDN\n" "GT of the USSD gateway\n" "The string, e.g. *100#\n")
{
	int rc = netsim_ussd_dial(argv[0], argv[1], argv[2]);
	if (rc < 0) {
		vty_out(vty, "%% cannot dial%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "dialled: ussd session %d%s", rc, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_ussd, show_ussd_cmd, "show ussd", SHOW_STR "USSD sessions of the simulated handsets\n")
{
	netsim_ussd_show(vty);
	return CMD_SUCCESS;
}

DEFUN(cfg_ussd_answers, cfg_ussd_answers_cmd, "ussd-answers .ANSWERS",
      "What the handsets answer to USSD prompts, in turn (one word each)\n" "Answers\n")
{
	netsim_cfg.n_ussd_answers = 0;
	for (int i = 0; i < argc && i < 8; i++) {
		snprintf(netsim_cfg.ussd_answers[i], sizeof(netsim_cfg.ussd_answers[i]), "%s", argv[i]);
		netsim_cfg.n_ussd_answers++;
	}
	return CMD_SUCCESS;
}

static struct cmd_node netsim_node = {
	SIGWAY_NETSIM_NODE,
	"%s(config-netsim)# ",
	1,
};

DEFUN(cfg_netsim, cfg_netsim_cmd, "netsim", "Configure the simulated network\n")
{
	vty->node = SIGWAY_NETSIM_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_sms_gw_max, cfg_sms_gw_max_cmd, "hlr sms-gateway-max-version <1-3>",
      "The HLR\n" "Highest shortMsgGateway context version the HLR accepts (higher: refused)\n" "Version\n")
{
	netsim_cfg.sms_gw_max_version = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_mt_relay_max, cfg_mt_relay_max_cmd, "msc mt-relay-max-version <2-3>",
      "The MSC\n" "Highest shortMsgMT-Relay context version the MSC accepts (higher: refused)\n" "Version\n")
{
	netsim_cfg.mt_relay_max_version = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_msc_gt, cfg_msc_gt_cmd, "msc-gt DIGITS",
      "GT of the MSC serving the subscribers (returned by SRI-for-SM)\n" "E.164 digits\n")
{
	if (strlen(argv[0]) > SCCP_GT_DIGITS_MAX)
		return CMD_WARNING;
	strcpy(netsim_cfg.msc_gt, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_ussd_gw_ssn, cfg_ussd_gw_ssn_cmd, "ussd-gateway-ssn <2-254>",
      "The SCCP subsystem of the USSD gateway the handsets dial (8: an MSC's, 147: a gsmSCF's)\n" "SSN\n")
{
	netsim_cfg.ussd_gw_ssn = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_imsi_prefix, cfg_imsi_prefix_cmd, "imsi-prefix DIGITS",
      "MCC+MNC of the simulated subscribers' IMSIs\n" "5 or 6 digits\n")
{
	if (strlen(argv[0]) < 5 || strlen(argv[0]) > 6)
		return CMD_WARNING;
	strcpy(netsim_cfg.imsi_prefix, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_mt_log, cfg_mt_log_cmd, "mt-log PATH",
      "Append a line per MT part the MSC accepts (IMSI, text) to a file\n" "File path\n")
{
	if (strlen(argv[0]) >= sizeof(netsim_cfg.mt_log))
		return CMD_WARNING;
	strcpy(netsim_cfg.mt_log, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(show_mt, show_mt_cmd, "show mt-sms", SHOW_STR "Short messages the MSC accepted for its subscribers\n")
{
	netsim_msc_show_mt(vty);
	return CMD_SUCCESS;
}

static int config_write_netsim(struct vty *vty)
{
	vty_out(vty, "netsim%s", VTY_NEWLINE);
	vty_out(vty, " hlr sms-gateway-max-version %d%s", netsim_cfg.sms_gw_max_version, VTY_NEWLINE);
	vty_out(vty, " msc mt-relay-max-version %d%s", netsim_cfg.mt_relay_max_version, VTY_NEWLINE);
	vty_out(vty, " msc-gt %s%s", netsim_cfg.msc_gt, VTY_NEWLINE);
	vty_out(vty, " ussd-gateway-ssn %u%s", netsim_cfg.ussd_gw_ssn, VTY_NEWLINE);
	vty_out(vty, " imsi-prefix %s%s", netsim_cfg.imsi_prefix, VTY_NEWLINE);
	vty_out(vty, " hlr-gt %s%s", netsim_cfg.hlr_gt, VTY_NEWLINE);
	vty_out(vty, " smsc-gt %s%s", netsim_cfg.smsc_gt, VTY_NEWLINE);
	if (netsim_cfg.mt_log[0])
		vty_out(vty, " mt-log %s%s", netsim_cfg.mt_log, VTY_NEWLINE);
	if (netsim_cfg.n_ussd_answers) {
		vty_out(vty, " ussd-answers");
		for (int i = 0; i < netsim_cfg.n_ussd_answers; i++)
			vty_out(vty, " %s", netsim_cfg.ussd_answers[i]);
		vty_out(vty, "%s", VTY_NEWLINE);
	}
	if (netsim_cfg.implicit_prefix[0])
		vty_out(vty, " hlr implicit-subscribers %s%s", netsim_cfg.implicit_prefix, VTY_NEWLINE);
	struct netsim_sub *sub;
	llist_for_each_entry(sub, &netsim_subscribers, entry) {
		vty_out(vty, " subscriber %s imsi %s msc %s state %s%s", sub->msisdn, sub->imsi, sub->msc_gt,
			netsim_sub_state_names[sub->state], VTY_NEWLINE);
		write_sub_sri(vty, sub);
	}
	return CMD_SUCCESS;
}

void netsim_vty_init(void *ctx)
{
	sub_ctx = ctx;
	install_element(CONFIG_NODE, &cfg_netsim_cmd);
	install_node(&netsim_node, config_write_netsim);
	install_element(SIGWAY_NETSIM_NODE, &cfg_sms_gw_max_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_mt_relay_max_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_msc_gt_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_ussd_gw_ssn_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_imsi_prefix_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_subscriber_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_subscriber_msc_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_no_subscriber_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_sub_sri_error_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_sub_sri_error_diag_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_no_sub_sri_error_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_sub_sri_answer_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_sub_sri_delay_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_sub_home_routing_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_no_sub_home_routing_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_implicit_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_no_implicit_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_hlr_gt_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_mt_log_cmd);
	install_element_ve(&show_mt_cmd);
	install_element(ENABLE_NODE, &subscriber_state_cmd);
	install_element(ENABLE_NODE, &mo_sms_cmd);
	install_element(ENABLE_NODE, &mo_sms_reversed_cmd);
	install_element(ENABLE_NODE, &mo_sms_first_cmd);
	install_element(ENABLE_NODE, &ussd_dial_cmd);
	netsim_ussd_vty_init();
	install_element_ve(&show_ussd_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_ussd_answers_cmd);
	install_element_ve(&show_mo_cmd);
	install_element(SIGWAY_NETSIM_NODE, &cfg_smsc_gt_cmd);
	install_element_ve(&show_subscribers_cmd);
}

static struct vty_app_info vty_info = {
	.name = "sigway-netsim",
	.version = "0.1.0",
	.copyright = "sigway, AGPL-3.0-or-later\r\n",
};

int main(int argc, char **argv)
{
	struct sigway_daemon d = { .name = "sigway-netsim", .config_file = "netsim.cfg",
				   .vty_port = NETSIM_VTY_PORT };

	sigway_daemon_parse_args(&d, argc, argv);
	sigway_daemon_init(&d, &vty_info);
	struct ss7_stack *stack = ss7_stack_alloc(d.ctx);
	netsim_vty_init(d.ctx);
	netsim_attack_vty_init();
	map_vty_init();
	if (sigway_daemon_read_config(&d) < 0)
		return 1;
	if (d.check_config) {
		printf("%s: configuration OK\n", d.name);
		talloc_free(d.ctx);
		return 0;
	}
	if (ss7_stack_start(stack) < 0 || netsim_hlr_start(d.ctx, stack) < 0 ||
	    netsim_msc_start(d.ctx, stack) < 0 || netsim_echo_start(d.ctx, stack) < 0 ||
	    netsim_attack_start(d.ctx, stack) < 0) {
		fprintf(stderr, "sigway-netsim: cannot start the network (cs7 instance 0 configured?)\n");
		return 1;
	}
	LOGP(DNETSIM, LOGL_NOTICE, "sigway-netsim started\n");
	sigway_daemon_run(&d);
	/* the MAP users, our stack, then libosmo-sigtran's instance (in ctx) that it is bound to */
	netsim_msc_stop();
	netsim_hlr_stop();
	ss7_stack_free(stack);
	map_peers_free();
	talloc_free(d.ctx);
	return 0;
}
