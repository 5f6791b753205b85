/* TCAP component sublayer (Q.774 section 3.2): invoke IDs, invoke timers,
 * checking received components and answering bad ones with a Reject. */

#include <errno.h>
#include <string.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <sigway/common/logging.h>
#include "tcap_internal.h"

/* ----------------------------------------------------- queued components */

int tcap_queue_component(struct tcap_dialogue *dlg, const struct tcap_component *c)
{
	size_t need = dlg->comp_len + 16 + c->param_len;
	if (need > TCAP_MSG_MAX - 64)
		return -EMSGSIZE;
	if (need > dlg->comp_cap) {
		size_t cap = dlg->comp_cap ? dlg->comp_cap * 2 : 256;
		while (cap < need)
			cap *= 2;
		uint8_t *b = talloc_realloc_size(dlg, dlg->comp_buf, cap);
		if (!b)
			return -ENOMEM;
		dlg->comp_buf = b;
		dlg->comp_cap = cap;
	}
	int n = tcap_encode_component(dlg->comp_buf + dlg->comp_len, dlg->comp_cap - dlg->comp_len, c);
	if (n < 0)
		return -EINVAL;
	dlg->comp_len += n;
	return 0;
}

static void queue_reject(struct tcap_dialogue *dlg, bool has_id, int8_t id,
			 enum tcap_problem_type type, uint8_t problem)
{
	struct tcap_component r = {
		.type = TCAP_COMP_REJECT, .invoke_id_present = has_id, .invoke_id = id,
		.problem_type = type, .problem = problem,
	};
	tcap_ctr_inc(dlg->inst, TCAP_CTR_TX_REJECT);
	LOGP(DTCAP, LOGL_NOTICE, "TID 0x%08x: rejecting component (invoke %d, problem %d/%d)\n",
	     dlg->local_tid, has_id ? id : -1, type, problem);
	tcap_queue_component(dlg, &r);
}

/* ------------------------------------------------------- peer's invokes */

static bool peer_invoke_active(const struct tcap_dialogue *dlg, int8_t id)
{
	uint8_t b = (uint8_t)id;
	return dlg->peer_invokes[b / 8] & (1u << (b % 8));
}

static void peer_invoke_set(struct tcap_dialogue *dlg, int8_t id, bool on)
{
	uint8_t b = (uint8_t)id;
	if (on)
		dlg->peer_invokes[b / 8] |= (uint8_t)(1u << (b % 8));
	else
		dlg->peer_invokes[b / 8] &= (uint8_t)~(1u << (b % 8));
}

/* The user answered an invoke of the peer: its ID may be used again */
void tcap_peer_invoke_done(struct tcap_dialogue *dlg, int8_t id)
{
	peer_invoke_set(dlg, id, false);
}

/* --------------------------------------------------------- our invokes */

static struct tcap_invoke_state *invoke_find(struct tcap_dialogue *dlg, int8_t id)
{
	for (int i = 0; i < TCAP_MAX_INVOKES; i++)
		if (dlg->invokes[i].used && dlg->invokes[i].id == id)
			return &dlg->invokes[i];
	return NULL;
}

static void invoke_free(struct tcap_invoke_state *iv)
{
	osmo_timer_del(&iv->timer);
	iv->used = false;
}

static void invoke_timeout(void *data)
{
	struct tcap_invoke_state *iv = data;
	struct tcap_dialogue *dlg = iv->dlg;
	int8_t id = iv->id;
	int32_t op = iv->opcode;

	invoke_free(iv);
	tcap_ctr_inc(dlg->inst, TCAP_CTR_INVOKE_TIMEOUT);
	LOGP(DTCAP, LOGL_INFO, "TID 0x%08x: invoke %d (op %d) timed out\n", dlg->local_tid, id, op);
	if (dlg->inst->ops.l_cancel_ind) {
		dlg->busy++;
		dlg->inst->ops.l_cancel_ind(dlg->inst->priv, dlg, id, op);
		dlg->busy--;
		if (dlg->released && !dlg->busy)
			tcap_dialogue_free(dlg);
	}
}

/* Allocates an invoke ID not in use on this dialogue and starts its timer */
int tcap_invoke_start(struct tcap_dialogue *dlg, int32_t opcode, uint32_t timeout_ms, int8_t *id_out)
{
	struct tcap_invoke_state *slot = NULL;
	for (int i = 0; i < TCAP_MAX_INVOKES && !slot; i++)
		if (!dlg->invokes[i].used)
			slot = &dlg->invokes[i];
	if (!slot)
		return -ENOSPC;
	int8_t id;
	do {
		id = dlg->next_invoke_id;
		dlg->next_invoke_id = (int8_t)(id == 127 ? 1 : id + 1);
	} while (invoke_find(dlg, id));
	*slot = (struct tcap_invoke_state){ .used = true, .id = id, .opcode = opcode, .dlg = dlg };
	osmo_timer_setup(&slot->timer, invoke_timeout, slot);
	if (timeout_ms)
		osmo_timer_schedule(&slot->timer, timeout_ms / 1000, (timeout_ms % 1000) * 1000);
	*id_out = id;
	return 0;
}

void tcap_invoke_abandon(struct tcap_dialogue *dlg, int8_t id)
{
	struct tcap_invoke_state *iv = invoke_find(dlg, id);
	if (iv)
		invoke_free(iv);
}

void tcap_invokes_cancel_all(struct tcap_dialogue *dlg)
{
	for (int i = 0; i < TCAP_MAX_INVOKES; i++)
		if (dlg->invokes[i].used)
			invoke_free(&dlg->invokes[i]);
}

/* ------------------------------------------------------------- receive */

/* A result or error must answer one of our outstanding invokes */
static bool answer_matches(struct tcap_dialogue *dlg, const struct tcap_component *c, bool final)
{
	struct tcap_invoke_state *iv = invoke_find(dlg, c->invoke_id);
	if (!iv) {
		enum tcap_problem_type t = c->type == TCAP_COMP_ERROR ? TCAP_PROBLEM_ERROR : TCAP_PROBLEM_RESULT;
		queue_reject(dlg, true, c->invoke_id, t, TCAP_RRP_UNRECOGNIZED_INVOKE_ID);
		return false;
	}
	if (final)
		invoke_free(iv);
	return true;
}

unsigned int tcap_components_rx(struct tcap_dialogue *dlg, const struct tcap_msg *m,
				struct tcap_component *out)
{
	unsigned int n = 0;
	for (unsigned int i = 0; i < m->n_comp; i++) {
		const struct tcap_component *c = &m->comp[i];
		switch (c->type) {
		case TCAP_COMP_INVOKE:
			if (peer_invoke_active(dlg, c->invoke_id)) {
				queue_reject(dlg, true, c->invoke_id, TCAP_PROBLEM_INVOKE, TCAP_IP_DUPLICATE_INVOKE_ID);
				continue;
			}
			peer_invoke_set(dlg, c->invoke_id, true);
			break;
		case TCAP_COMP_RESULT_LAST:
		case TCAP_COMP_ERROR:
			if (!answer_matches(dlg, c, true))
				continue;
			break;
		case TCAP_COMP_RESULT_NOT_LAST:
			if (!answer_matches(dlg, c, false))
				continue;
			break;
		case TCAP_COMP_REJECT:
			tcap_ctr_inc(dlg->inst, TCAP_CTR_RX_REJECT);
			if (c->invoke_id_present)
				tcap_invoke_abandon(dlg, c->invoke_id);
			break;
		case TCAP_COMP_BAD:
		default:
			queue_reject(dlg, c->invoke_id_present, c->invoke_id, c->problem_type, c->problem);
			continue;
		}
		out[n++] = *c;
	}
	return n;
}
