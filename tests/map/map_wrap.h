/* Test helper: wraps a MAP parameter into a whole TCAP message, so tshark sees
 * it with its application context, the way it travels. */
#pragma once

#include <stdbool.h>
#include <string.h>
#include <sigway/map/map_sm.h>
#include <sigway/tcap/tcap_codec.h>

/* Begin (AARQ with acn) carrying an Invoke of op with param */
static inline int wrap_invoke(uint8_t *out, size_t cap, enum map_ac ac, uint8_t version, int op,
			      const uint8_t *param, size_t len)
{
	uint8_t comp[512];
	struct tcap_component c = { .type = TCAP_COMP_INVOKE, .invoke_id_present = true, .invoke_id = 1,
				    .op_present = true, .opcode = op, .param = param, .param_len = len };
	struct tcap_tx_msg tx = { .type = TCAP_MSG_BEGIN, .otid_present = true, .otid = 0x11223344,
				  .dialogue = { .type = TCAP_DLG_AARQ, .acn_present = true },
				  .components = comp, .components_len = tcap_encode_component(comp, sizeof(comp), &c) };
	map_acn(&tx.dialogue.acn, ac, version);
	return tcap_encode(out, cap, &tx);
}

/* End (AARE) carrying a ReturnResultLast (err < 0) or a ReturnError (err >= 0) */
static inline int wrap_answer(uint8_t *out, size_t cap, enum map_ac ac, uint8_t version, int op, int err,
			      const uint8_t *param, size_t len)
{
	uint8_t comp[512];
	struct tcap_component c = { .type = err < 0 ? TCAP_COMP_RESULT_LAST : TCAP_COMP_ERROR,
				    .invoke_id_present = true, .invoke_id = 1, .op_present = err < 0 && param,
				    .opcode = op, .error_code = err, .param = param, .param_len = len };
	struct tcap_tx_msg tx = { .type = TCAP_MSG_END, .dtid_present = true, .dtid_len = 4,
				  .dtid = { 0x11, 0x22, 0x33, 0x44 },
				  .dialogue = { .type = TCAP_DLG_AARE, .acn_present = true, .diag_source = TCAP_DIAG_SRC_USER },
				  .components = comp, .components_len = tcap_encode_component(comp, sizeof(comp), &c) };
	map_acn(&tx.dialogue.acn, ac, version);
	return tcap_encode(out, cap, &tx);
}

/* The same as a MAP v1 node sends them: no dialogue portion (ac 0) */
static inline int wrap_v1(uint8_t *out, size_t cap, bool begin, int comp_type, int op, const uint8_t *param,
			  size_t len)
{
	uint8_t comp[512];
	struct tcap_component c = { .type = comp_type, .invoke_id_present = true, .invoke_id = 1,
				    .op_present = param != NULL, .opcode = op, .param = param, .param_len = len };
	struct tcap_tx_msg tx = { .type = begin ? TCAP_MSG_BEGIN : TCAP_MSG_END,
				  .components = comp, .components_len = tcap_encode_component(comp, sizeof(comp), &c) };
	if (begin) {
		tx.otid_present = true;
		tx.otid = 0x11223344;
	} else {
		tx.dtid_present = true;
		tx.dtid_len = 4;
		memcpy(tx.dtid, "\x11\x22\x33\x44", 4);
	}
	return tcap_encode(out, cap, &tx);
}
