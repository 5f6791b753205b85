/* The receive side of the MAP dialogue layer: TC indications become MAP
 * indications (29.002 chapter 15), new dialogues are dispatched by
 * application context, and refusals that propose a lower version are
 * answered by opening the dialogue again in that version. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <sigway/common/logging.h>
#include "map_internal.h"

/* ------------------------------------------------------ reasons */

static enum map_provider_abort_reason p_abort_reason(unsigned int tc_cause, enum map_abort_source *src)
{
	*src = MAP_SRC_TC_PROBLEM;
	switch (tc_cause) {
	case TCAP_PA_UNRECOGNIZED_TID: return MAP_PA_DIALOGUE_RELEASED;
	case TCAP_PA_RESOURCE_LIMITATION: return MAP_PA_RESOURCE_LIMITATION;
	case TCAP_PA_NO_COMMON_DIALOGUE: return MAP_PA_VERSION_INCOMPATIBILITY;
	case TCAP_PA_TIMEOUT:
		*src = MAP_SRC_MAP_PROBLEM;
		return MAP_PA_ABNORMAL_DIALOGUE;
	default: return MAP_PA_PROVIDER_MALFUNCTION;
	}
}

static enum map_provider_error reject_error(const struct tcap_component *c)
{
	if (c->problem_type != TCAP_PROBLEM_INVOKE)
		return c->problem_type == TCAP_PROBLEM_GENERAL ? MAP_PE_INVALID_RESPONSE : MAP_PE_UNEXPECTED_RESPONSE;
	switch (c->problem) {
	case TCAP_IP_DUPLICATE_INVOKE_ID: return MAP_PE_DUPLICATED_INVOKE_ID;
	case TCAP_IP_UNRECOGNIZED_OPERATION: return MAP_PE_NOT_SUPPORTED_SERVICE;
	case TCAP_IP_MISTYPED_PARAMETER: return MAP_PE_MISTYPED_PARAMETER;
	case TCAP_IP_RESOURCE_LIMITATION: return MAP_PE_RESOURCE_LIMITATION;
	case TCAP_IP_INITIATING_RELEASE: return MAP_PE_INITIATING_RELEASE;
	default: return MAP_PE_UNEXPECTED_RESPONSE;
	}
}

/* A U-ABORT's MAP-UserAbortInfo or MAP-ProviderAbortInfo as a MAP indication */
static void abort_ind(struct map_ind *mi, const struct tcap_ind *ind)
{
	struct map_dialogue_pdu p;
	*mi = (struct map_ind){ .type = MAP_IND_U_ABORT, .last = true,
				.err = { .kind = MAP_EK_U_ABORT, .u_abort = MAP_UA_USER_SPECIFIC } };
	if (!ind->user_info || map_dec_dialogue_pdu(&p, ind->user_info, ind->user_info_len) < 0)
		return;
	if (p.type == MAP_DLG_USER_ABORT) {
		mi->err.u_abort = (enum map_user_abort_reason)p.user_abort_choice;
		mi->err.u_abort_diag = p.user_abort_diag;
	} else if (p.type == MAP_DLG_PROVIDER_ABORT) {
		mi->type = MAP_IND_P_ABORT;
		mi->err = (struct map_err){ .kind = MAP_EK_P_ABORT, .p_abort = MAP_PA_ABNORMAL_DIALOGUE,
					    .p_abort_source = MAP_SRC_MAP_PROBLEM };
	}
}

static void refuse_ind(struct map_ind *mi, enum map_refuse_reason reason, uint8_t proposed)
{
	*mi = (struct map_ind){ .type = MAP_IND_REFUSE, .last = true,
				.err = { .kind = MAP_EK_REFUSED, .refuse = reason, .proposed_version = proposed } };
}

/* --------------------------------------------------- components */

static void reject_invoke(struct map_dialogue *md, const struct tcap_component *c, uint8_t problem)
{
	map_ctr_inc(md->mi, MAP_CTR_REJECT_TX);
	LOGPFSML(md->fi, LOGL_NOTICE, "rejecting operation %d (%s) in %s v%u\n", c->opcode,
		 problem == TCAP_IP_MISTYPED_PARAMETER ? "mistyped parameter" : "not in the context",
		 map_ac_name(md->ac), md->version);
	tcap_reject(md->tdlg, true, c->invoke_id, TCAP_PROBLEM_INVOKE, problem);
}

static void rx_invoke(struct map_dialogue *md, const struct tcap_component *c)
{
	union map_arg arg;
	enum map_service svc = map_opcode_svc(c->opcode, md->ac);
	if (svc == MAP_SVC_NONE || map_svc_opcode(svc, md->ac, md->version) != c->opcode) {
		reject_invoke(md, c, TCAP_IP_UNRECOGNIZED_OPERATION);
		return;
	}
	if (map_decode_arg(&arg, svc, c->param, c->param_len) < 0) {
		reject_invoke(md, c, TCAP_IP_MISTYPED_PARAMETER);
		return;
	}
	map_ctr_inc(md->mi, MAP_CTR_INVOKE_RX);
	struct map_ind ind = { .type = MAP_IND_INVOKE, .svc = svc, .invoke_id = c->invoke_id, .arg = &arg };
	mapd_deliver(md, &ind);
}

static void rx_result(struct map_dialogue *md, const struct tcap_component *c)
{
	union map_res res;
	struct map_request_state *st = mapd_request_by_tcap_id(md, c->invoke_id);
	if (!st)
		return;
	bool more = c->type == TCAP_COMP_RESULT_NOT_LAST;
	struct map_ind ind = { .type = MAP_IND_RESULT, .svc = st->svc, .invoke_id = st->user_id, .more = more,
			       .res = &res };
	if (map_decode_res(&res, st->svc, c->op_present ? c->param : NULL, c->param_len) < 0) {
		tcap_reject(md->tdlg, true, c->invoke_id, TCAP_PROBLEM_RESULT, TCAP_RRP_MISTYPED_PARAMETER);
		map_ctr_inc(md->mi, MAP_CTR_REJECT_TX);
		ind = (struct map_ind){ .type = MAP_IND_ERROR, .svc = st->svc, .invoke_id = st->user_id,
					.err = { .kind = MAP_EK_PROVIDER, .provider = MAP_PE_INVALID_RESPONSE } };
		more = false;
	} else {
		map_ctr_inc(md->mi, MAP_CTR_RESULT_RX);
	}
	if (!more)
		mapd_request_done(md, st);
	mapd_deliver(md, &ind);
}

static void rx_error(struct map_dialogue *md, const struct tcap_component *c)
{
	struct map_request_state *st = mapd_request_by_tcap_id(md, c->invoke_id);
	if (!st)
		return;
	struct map_ind ind = { .type = MAP_IND_ERROR, .svc = st->svc, .invoke_id = st->user_id,
			       .err = { .kind = MAP_EK_USER } };
	/* an error parameter we cannot read still tells the error */
	if (map_dec_error_param(&ind.err.user, (enum map_error)c->error_code, c->param, c->param_len) < 0) {
		memset(&ind.err.user, 0, sizeof(ind.err.user));
		ind.err.user.code = (enum map_error)c->error_code;
	}
	map_ctr_inc(md->mi, MAP_CTR_ERROR_RX);
	mapd_request_done(md, st);
	mapd_deliver(md, &ind);
}

static void rx_reject(struct map_dialogue *md, const struct tcap_component *c)
{
	struct map_request_state *st = c->invoke_id_present ? mapd_request_by_tcap_id(md, c->invoke_id) : NULL;
	map_ctr_inc(md->mi, MAP_CTR_REJECT_RX);
	if (!st || c->problem_type == TCAP_PROBLEM_RESULT || c->problem_type == TCAP_PROBLEM_ERROR) {
		/* the peer rejected an answer of ours, or something it cannot name */
		struct map_ind ind = { .type = MAP_IND_NOTICE };
		map_ctr_inc(md->mi, MAP_CTR_NOTICE);
		mapd_deliver(md, &ind);
		return;
	}
	struct map_ind ind = { .type = MAP_IND_ERROR, .svc = st->svc, .invoke_id = st->user_id,
			       .err = { .kind = MAP_EK_PROVIDER, .provider = reject_error(c) } };
	mapd_request_done(md, st);
	mapd_deliver(md, &ind);
}

static void rx_components(struct map_dialogue *md, const struct tcap_ind *ind)
{
	for (unsigned int i = 0; i < ind->n_comp && !md->ended; i++) {
		const struct tcap_component *c = &ind->comp[i];
		switch (c->type) {
		case TCAP_COMP_INVOKE: rx_invoke(md, c); break;
		case TCAP_COMP_RESULT_LAST: case TCAP_COMP_RESULT_NOT_LAST: rx_result(md, c); break;
		case TCAP_COMP_ERROR: rx_error(md, c); break;
		case TCAP_COMP_REJECT: rx_reject(md, c); break;
		default: break;
		}
	}
}

/* Components, then DELIMITER (the dialogue goes on) or CLOSE */
static void rx_message(struct map_dialogue *md, const struct tcap_ind *ind)
{
	rx_components(md, ind);
	bool end = ind->type == TCAP_IND_END;
	struct map_ind d = { .type = end ? MAP_IND_CLOSE : MAP_IND_DELIMITER, .last = end };
	if (end) {
		mapd_tcap_gone(md);
		if (!md->ended)
			map_ctr_inc(md->mi, MAP_CTR_CLOSE_RX);
	}
	mapd_deliver(md, &d);
	md->ended |= end;
}

/* ------------------------------------------------------- new dialogues */

static uint8_t first_opcode_ac(const struct tcap_ind *ind)
{
	for (unsigned int i = 0; i < ind->n_comp; i++)
		if (ind->comp[i].type == TCAP_COMP_INVOKE)
			return (uint8_t)map_v1_ac_of_opcode(ind->comp[i].opcode);
	return 0;
}

/* A Begin we will not serve: refused before any MAP user sees it */
static void refuse_begin(struct map_instance *mi, struct tcap_dialogue *dlg, const struct tcap_ind *ind,
			 enum map_ac ac, uint8_t proposed)
{
	struct tcap_acn acn;
	map_ctr_inc(mi, MAP_CTR_ACN_NOT_SUPPORTED);
	LOGP(DMAP, LOGL_NOTICE, "dialogue from %s refused: %s%s, application context not supported\n",
	     ind->ud ? ind->ud->calling.gt.digits : "?", ac ? map_ac_name(ac) : "unknown context",
	     ind->acn ? "" : " (v1)");
	if (!ind->acn) {
		tcap_u_abort_bare(dlg);
		return;
	}
	if (proposed) {
		map_acn(&acn, ac, proposed);
		tcap_refuse_acn(dlg, &acn);
	} else {
		tcap_refuse_acn(dlg, NULL);
	}
}

static void rx_open(struct map_instance *mi, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	enum map_ac ac = 0;
	uint8_t v = 1;
	map_ctr_inc(mi, MAP_CTR_OPEN_RX);
	if (ind->acn ? map_acn_parse(ind->acn, &ac, &v) < 0 || ac >= MAP_AC_MAX : !(ac = first_opcode_ac(ind))) {
		refuse_begin(mi, dlg, ind, 0, 0);
		return;
	}
	const struct map_registration *reg = &mi->reg[ac];
	if (!reg->used || !map_ac_has_version(ac, v)) {
		refuse_begin(mi, dlg, ind, ac, 0);
		return;
	}
	if (v > reg->max_version || v < reg->min_version) {
		refuse_begin(mi, dlg, ind, ac, reg->max_version);
		return;
	}
	struct map_dialogue *md = mapd_new(mi, MAP_ST_OPEN_RECEIVED);
	if (!md) {
		tcap_u_abort(dlg, NULL, 0);
		return;
	}
	md->tdlg = dlg;
	tcap_dialogue_set_priv(dlg, md);
	md->ac = ac;
	md->version = v;
	md->user = reg->user;
	md->local = *tcap_dialogue_local_addr(dlg);
	md->remote = *tcap_dialogue_remote_addr(dlg);

	struct map_dialogue_pdu p;
	struct map_open_ind open = { .ac = ac, .version = v, .calling = &md->remote, .called = &md->local };
	if (ind->user_info && map_dec_dialogue_pdu(&p, ind->user_info, ind->user_info_len) == 0 &&
	    p.type == MAP_DLG_OPEN)
		open.refs = p.open;
	struct map_ind oi = { .type = MAP_IND_OPEN, .open = &open };
	md->busy++;
	mapd_deliver(md, &oi);
	if (!md->ended)
		rx_message(md, ind);
	md->busy--;
	mapd_free_if_done(md);
}

/* ------------------------------------------ answers to our open */

/* The peer refused v or answered like a v1 node: open again in `version`
 * with the same requests. False when that cannot be done. */
static bool reopen(struct map_dialogue *md, uint8_t version)
{
	if (!version || version >= md->version || !map_ac_has_version(md->ac, version))
		return false;
	LOGPFSML(md->fi, LOGL_NOTICE, "%s v%u refused by %s, opening again in v%u\n", map_ac_name(md->ac),
		 md->version, md->remote.gt.digits, version);
	map_peer_learn(md->peer, md->ac, version);
	map_ctr_inc(md->mi, MAP_CTR_VERSION_FALLBACK);
	mapd_tcap_gone(md);		/* TCAP releases the refused one */
	md->version = version;
	md->tdlg = mapd_tcap_open(md);
	if (!md->tdlg)
		return false;
	for (int i = 0; i < MAP_MAX_INVOKES; i++)
		if (md->req[i] && mapd_put_invoke(md, md->req[i]) < 0)
			return false;
	uint8_t begins = md->begins;
	mapd_send_begin(md);
	if (md->begins > begins && md->user.reopened)
		md->user.reopened(md->user.priv, md);
	return true;
}

/* U-ABORT or P-ABORT in answer to our open */
static bool rx_open_failed(struct map_dialogue *md, const struct tcap_ind *ind, struct map_ind *out)
{
	enum map_ac ac;
	uint8_t proposed = 0;
	if (ind->type == TCAP_IND_U_ABORT && ind->refused) {
		if (ind->acn_not_supported) {
			if (ind->acn && map_acn_parse(ind->acn, &ac, &proposed) == 0 && ac == md->ac && reopen(md, proposed))
				return true;
			refuse_ind(out, MAP_REFUSE_ACN_NOT_SUPPORTED, proposed);
			return false;
		}
		struct map_dialogue_pdu p;
		enum map_refuse_reason r = MAP_REFUSE_NO_REASON;
		if (ind->user_info && map_dec_dialogue_pdu(&p, ind->user_info, ind->user_info_len) == 0 &&
		    p.type == MAP_DLG_REFUSE)
			r = p.refuse_reason == 1 ? MAP_REFUSE_INVALID_DEST_REF :
			    p.refuse_reason == 2 ? MAP_REFUSE_INVALID_ORIG_REF : MAP_REFUSE_NO_REASON;
		refuse_ind(out, r, 0);
		return false;
	}
	/* a node without dialogue handling: an abort with no dialogue portion,
	 * or its TCAP's P-ABORT on our AARQ (29.002 "potential version incompatibility") */
	bool v1_answer = (ind->type == TCAP_IND_U_ABORT && !ind->user_info && !ind->acn) ||
			 (ind->type == TCAP_IND_P_ABORT && md->version >= 2 &&
			  (ind->cause == TCAP_PA_INCORRECT_TP || ind->cause == TCAP_PA_NO_COMMON_DIALOGUE));
	if (v1_answer) {
		if (md->version >= 2 && reopen(md, 1))
			return true;
		refuse_ind(out, MAP_REFUSE_VERSION_INCOMPATIBILITY, 0);
		return false;
	}
	if (ind->type == TCAP_IND_U_ABORT) {
		abort_ind(out, ind);
	} else {
		*out = (struct map_ind){ .type = MAP_IND_P_ABORT, .last = true, .err = { .kind = MAP_EK_P_ABORT } };
		out->err.p_abort = p_abort_reason(ind->cause, &out->err.p_abort_source);
	}
	return false;
}

static void count_end(struct map_dialogue *md, const struct map_ind *ind)
{
	switch (ind->type) {
	case MAP_IND_REFUSE: map_ctr_inc(md->mi, MAP_CTR_REFUSE_RX); break;
	case MAP_IND_U_ABORT: map_ctr_inc(md->mi, MAP_CTR_U_ABORT_RX); break;
	case MAP_IND_P_ABORT: map_ctr_inc(md->mi, MAP_CTR_P_ABORT); break;
	default: break;
	}
}

/* An abnormal end (abort, refusal, returned Begin): the last indication */
static void rx_abnormal(struct map_dialogue *md, const struct tcap_ind *ind)
{
	struct map_ind out;
	bool initiated = mapd_state(md) == MAP_ST_INITIATED;
	if (ind->type == TCAP_IND_NOTICE) {
		if (!initiated) {
			struct map_ind n = { .type = MAP_IND_NOTICE };
			map_ctr_inc(md->mi, MAP_CTR_NOTICE);
			mapd_deliver(md, &n);
			return;
		}
		/* the Begin came back: the dialogue never existed for the peer */
		tcap_dialogue_release(md->tdlg);
		mapd_tcap_gone(md);
		refuse_ind(&out, MAP_REFUSE_REMOTE_NODE_NOT_REACHABLE, 0);
	} else if (initiated) {
		if (rx_open_failed(md, ind, &out))
			return;
		mapd_tcap_gone(md);
	} else {
		mapd_tcap_gone(md);
		if (ind->type == TCAP_IND_U_ABORT) {
			abort_ind(&out, ind);
		} else {
			out = (struct map_ind){ .type = MAP_IND_P_ABORT, .last = true, .err = { .kind = MAP_EK_P_ABORT } };
			out.err.p_abort = p_abort_reason(ind->cause, &out.err.p_abort_source);
		}
	}
	if (!md->ended)
		count_end(md, &out);
	mapd_deliver(md, &out);
	md->ended = true;
}

void mapd_tcap_dialogue_ind(void *priv, struct tcap_dialogue *dlg, const struct tcap_ind *ind)
{
	struct map_instance *mi = priv;
	if (!dlg)
		return;		/* TC-UNI: no MAP service of ours is unidirectional */
	struct map_dialogue *md = tcap_dialogue_priv(dlg);
	if (ind->type == TCAP_IND_BEGIN) {
		if (!md)
			rx_open(mi, dlg, ind);
		return;
	}
	if (!md)
		return;		/* its MAP side is gone; TCAP cleans up */
	md->busy++;
	switch (ind->type) {
	case TCAP_IND_CONTINUE:
	case TCAP_IND_END:
		if (mapd_state(md) == MAP_ST_INITIATED) {
			struct map_ind a = { .type = MAP_IND_ACCEPT };
			/* who answered: an HLR may answer from another GT than the one called */
			md->remote = *tcap_dialogue_remote_addr(dlg);
			mapd_state_chg(md, MAP_ST_ACTIVE);
			map_ctr_inc(md->mi, MAP_CTR_ACCEPT_RX);
			mapd_deliver(md, &a);
		}
		rx_message(md, ind);
		break;
	default:
		rx_abnormal(md, ind);
		break;
	}
	md->busy--;
	mapd_free_if_done(md);
}

void mapd_tcap_l_cancel_ind(void *priv, struct tcap_dialogue *dlg, int8_t invoke_id, int32_t opcode)
{
	struct map_dialogue *md = tcap_dialogue_priv(dlg);
	if (!md) {
		tcap_dialogue_release(dlg);
		return;
	}
	struct map_request_state *st = mapd_request_by_tcap_id(md, invoke_id);
	map_ctr_inc(md->mi, MAP_CTR_TIMEOUT);
	/* nobody answered our Begin at all: the dialogue is over as well */
	bool never_answered = mapd_state(md) == MAP_ST_INITIATED;
	struct map_ind ind = { .type = MAP_IND_ERROR, .svc = st ? st->svc : MAP_SVC_NONE,
			       .invoke_id = st ? st->user_id : invoke_id, .last = never_answered,
			       .err = { .kind = MAP_EK_PROVIDER, .provider = MAP_PE_NO_RESPONSE } };
	LOGPFSML(md->fi, LOGL_INFO, "%s: no response from %s\n", map_service_name(ind.svc), md->remote.gt.digits);
	if (st)
		mapd_request_done(md, st);
	md->busy++;
	if (never_answered) {
		tcap_dialogue_release(md->tdlg);
		mapd_tcap_gone(md);
	}
	mapd_deliver(md, &ind);
	md->busy--;
	mapd_free_if_done(md);
}
