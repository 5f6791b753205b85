/* The subscriber side of USSD in the simulated network:
 *
 * - dialling (mobile-initiated): the MSC opens processUnstructuredSS-Request
 *   towards a USSD gateway (MAP-OpenInfo: the IMSI as destination reference,
 *   the MSISDN as origination reference, the MSISDN in the USSD-Arg too) and
 *   answers the prompts from a script: texts (GSM 7-bit, or UCS2 when a
 *   character needs it), "!abort" (the subscriber cancels: U-ABORT),
 *   "!release" (hangs up: TC-END without an answer), "!silent" (never
 *   answers: the menu times out). Each dial is a record ("show ussd session
 *   N" prints it as one JSON line);
 * - dialling from a phase 1 handset ("ussd-dial-v1"): processUnstructuredSS-
 *   Data (MAP v1: no dialogue portion, an IA5 string, no MSISDN), one request
 *   and the gateway's answer in its result;
 * - network-initiated USSD at the handset (push), reached through the HLR
 *   (netsim_hlr.c relays) or the VLR on the MSC's GT, SSN 7 (after an
 *   SRI-for-SM): the handset answers as its mode says: normal (script),
 *   busy (ussd-Busy), silent, abort, release;
 * - a load generator ("ussd-bench") for contrib/bench/ussd_bench.py.
 * Everything through the MAP dialogue layer. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <sigway/common/logging.h>
#include <sigway/map/map_dialogue.h>
#include <sigway/sccp/sccp_codec.h>
#include <sigway/ussd/ussd_string.h>
#include "netsim.h"

#define SCRIPT_MAX	16
#define WORD_MAX	400
#define RECORDS_KEEP	512
#define USSD_LOG_KEEP	64

static void *ussd_ctx;
static struct map_instance *dial_map;	/* the MSC's instance (SSN 8): dialling */
static struct map_instance *vlr_map;	/* the VLR (SSN 7): push after an SRI */

/* ------------------------------------------------------------ texts */

/* GSM 7-bit when every character has a septet, else UCS2 */
static int handset_text(struct map_ussd *u, uint8_t *buf, size_t cap, const char *utf8)
{
	uint8_t dcs = USSD_DCS_GSM7_UNSPEC;
	int n = ussd_string_encode(buf, cap, dcs, NULL, utf8, strlen(utf8));
	if (n == -EINVAL) {
		dcs = USSD_DCS_UCS2;
		n = ussd_string_encode(buf, cap, dcs, NULL, utf8, strlen(utf8));
	}
	if (n <= 0)
		return -EINVAL;
	*u = (struct map_ussd){ .dcs = dcs, .string = buf, .string_len = (size_t)n };
	return 0;
}

/* A script word: %XX escapes (%20 a space, %0A a line end), UTF-8 */
static void word_decode(char *out, size_t len, const char *in)
{
	size_t o = 0;
	for (; *in && o + 1 < len; in++) {
		unsigned int v;
		if (in[0] == '%' && in[1] && in[2] && sscanf(in + 1, "%2x", &v) == 1 && v) {
			out[o++] = (char)v;
			in += 2;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

/* A JSON string of a text (UTF-8 passed through) */
static char *json_str(void *ctx, const char *s)
{
	char *o = talloc_strdup(ctx, "\"");
	for (; o && *s; s++) {
		if (*s == '"' || *s == '\\')
			o = talloc_asprintf_append(o, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			o = talloc_asprintf_append(o, "\\u%04x", (unsigned char)*s);
		else
			o = talloc_asprintf_append(o, "%c", *s);
	}
	return o ? talloc_strdup_append(o, "\"") : NULL;
}

/* ------------------------------------------------------------ log */

static char ussd_log[USSD_LOG_KEEP][200];
static int ussd_log_count;

void netsim_ussd_log(const char *fmt, ...)
{
	va_list ap;
	char *line = ussd_log[ussd_log_count % USSD_LOG_KEEP];
	int n = snprintf(line, sizeof(ussd_log[0]), "%d ", ussd_log_count + 1);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(ussd_log[0]) - n, fmt, ap);
	va_end(ap);
	ussd_log_count++;
	LOGP(DNETSIM, LOGL_INFO, "USSD %s\n", line);
}

void netsim_ussd_show(struct vty *vty)
{
	for (int i = ussd_log_count > USSD_LOG_KEEP ? ussd_log_count - USSD_LOG_KEEP : 0; i < ussd_log_count; i++)
		vty_out(vty, "%s%s", ussd_log[i % USSD_LOG_KEEP], VTY_NEWLINE);
}

const char *netsim_ussd_answer(void)
{
	static int next;
	if (!netsim_cfg.n_ussd_answers)
		return "1";
	return netsim_cfg.ussd_answers[next++ % netsim_cfg.n_ussd_answers];
}

/* ------------------------------------------------------------ handsets (push) */

enum handset_mode { HS_NORMAL, HS_BUSY, HS_SILENT, HS_ABORT, HS_RELEASE };
static const char *const mode_names[] = { "normal", "busy", "silent", "abort", "release" };

struct handset {
	struct llist_head list;
	char msisdn[SCCP_GT_DIGITS_MAX + 1];
	enum handset_mode mode;
	char answers[SCRIPT_MAX][WORD_MAX];
	int n, next;
};

static LLIST_HEAD(handsets);

static struct handset *handset_get(const char *msisdn, bool create)
{
	struct handset *h;
	llist_for_each_entry(h, &handsets, list)
		if (!strcmp(h->msisdn, msisdn))
			return h;
	if (!create || !(h = talloc_zero(ussd_ctx, struct handset)))
		return NULL;
	OSMO_STRLCPY_ARRAY(h->msisdn, msisdn);
	llist_add_tail(&h->list, &handsets);
	return h;
}

static const char *handset_answer(struct handset *h)
{
	if (h && h->next < h->n)
		return h->answers[h->next++];
	return netsim_ussd_answer();
}

bool netsim_handset_busy(const char *msisdn)
{
	struct handset *h = handset_get(msisdn, false);
	return h && h->mode == HS_BUSY;
}

/* The handset got unstructuredSS-Request / -Notify from the network (via
 * the HLR or the VLR): it answers as its mode says */
void netsim_handset_ussd(struct map_dialogue *md, const struct map_ind *ind, const char *msisdn)
{
	struct handset *h = handset_get(msisdn, false);
	enum handset_mode mode = h ? h->mode : HS_NORMAL;
	char text[WORD_MAX];
	uint8_t buf[USSD_MAX_OCTETS];
	union map_res r;
	map_ussd_text(&ind->arg->ussd, text, sizeof(text));
	switch (mode) {
	case HS_BUSY:
		netsim_ussd_log("%s busy: '%s' refused (ussd-Busy)", msisdn, text);
		map_response_error(md, ind->invoke_id, &(struct map_error_param){ .code = MAP_ERR_USSD_BUSY });
		map_close(md, false);
		return;
	case HS_SILENT:
		netsim_ussd_log("%s shown '%s', does not answer", msisdn, text);
		return;
	case HS_ABORT:
		netsim_ussd_log("%s shown '%s', cancels", msisdn, text);
		map_u_abort(md, MAP_UA_USER_SPECIFIC, 0);
		return;
	case HS_RELEASE:
		netsim_ussd_log("%s shown '%s', hangs up", msisdn, text);
		map_close(md, false);
		return;
	default:
		break;
	}
	if (ind->svc == MAP_SVC_USSN) {
		netsim_ussd_log("%s: network notifies '%s'", msisdn, text);
		map_response(md, ind->invoke_id, MAP_SVC_USSN, NULL);
	} else {
		char answer[WORD_MAX];
		const char *w = handset_answer(h);
		word_decode(answer, sizeof(answer), w);
		if (!strcmp(answer, "!silent")) {
			netsim_ussd_log("%s: network asks '%s', handset does not answer", msisdn, text);
			return;
		}
		if (!strcmp(answer, "!abort")) {
			netsim_ussd_log("%s: network asks '%s', handset cancels", msisdn, text);
			map_u_abort(md, MAP_UA_USER_SPECIFIC, 0);
			return;
		}
		netsim_ussd_log("%s: network asks '%s', handset answers '%s'", msisdn, text, answer);
		if (handset_text(&r.ussd, buf, sizeof(buf), answer) < 0)
			return;
		map_response(md, ind->invoke_id, MAP_SVC_USSR, &r);
	}
	map_delimit(md);
}

/* The VLR: network-initiated USSD for a subscriber it serves */
static void vlr_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	if (ind->type != MAP_IND_INVOKE || (ind->svc != MAP_SVC_USSR && ind->svc != MAP_SVC_USSN))
		return;
	const struct map_ussd *u = &ind->arg->ussd;
	if (!u->msisdn.present) {
		map_response_error(md, ind->invoke_id, &(struct map_error_param){ .code = MAP_ERR_DATA_MISSING });
		map_close(md, false);
		return;
	}
	netsim_handset_ussd(md, ind, u->msisdn.digits);
}

static const struct map_user vlr_user = { "vlr-ussd", vlr_ind, NULL };

/* ------------------------------------------------------------ dialling */

struct dial {
	int id;
	char msisdn[SCCP_GT_DIGITS_MAX + 1];
	char script[SCRIPT_MAX][WORD_MAX];
	int n, next;
	char *events;		/* JSON array items */
	char outcome[24];
	char *final;
	bool bench;
	struct timespec t0;
};

static struct dial *records[RECORDS_KEEP];
static int n_records;

static void event(struct dial *d, const char *kind, const char *text)
{
	char *j = json_str(d, text);
	d->events = talloc_asprintf_append(d->events, "%s[\"%s\",%s]", d->events[0] ? "," : "", kind, j ? j : "null");
	talloc_free(j);
}

static void done(struct dial *d, const char *outcome, const char *final);
static void bench_done(struct dial *d, bool ok);

/* The gateway prompts (USSR), informs (USSN) or ends */
static void dial_ind(void *user_priv, struct map_dialogue *md, const struct map_ind *ind)
{
	struct dial *d = map_dialogue_priv(md);
	char text[WORD_MAX], why[96], answer[WORD_MAX];
	uint8_t buf[USSD_MAX_OCTETS];
	union map_res r;
	if (!d)
		return;
	switch (ind->type) {
	case MAP_IND_INVOKE:
		map_ussd_text(&ind->arg->ussd, text, sizeof(text));
		if (ind->svc == MAP_SVC_USSN) {
			event(d, "notify", text);
			if (!d->bench)
				netsim_ussd_log("%s notified '%s'", d->msisdn, text);
			map_response(md, ind->invoke_id, MAP_SVC_USSN, NULL);
			break;
		}
		if (ind->svc != MAP_SVC_USSR)
			break;
		event(d, "prompt", text);
		if (d->next < d->n)
			word_decode(answer, sizeof(answer), d->script[d->next++]);
		else
			OSMO_STRLCPY_ARRAY(answer, d->bench ? "1" : netsim_ussd_answer());
		if (!strcmp(answer, "!silent")) {
			event(d, "silent", "");
			break;
		}
		if (!strcmp(answer, "!abort")) {
			event(d, "abort", "");
			map_dialogue_set_priv(md, NULL);
			map_u_abort(md, MAP_UA_USER_SPECIFIC, 0);
			done(d, "aborted", NULL);
			return;
		}
		if (!strcmp(answer, "!release")) {
			event(d, "release", "");
			map_dialogue_set_priv(md, NULL);
			map_close(md, false);
			done(d, "released", NULL);
			return;
		}
		event(d, "answer", answer);
		if (!d->bench)
			netsim_ussd_log("%s prompted '%s', answers '%s'", d->msisdn, text, answer);
		if (handset_text(&r.ussd, buf, sizeof(buf), answer) == 0)
			map_response(md, ind->invoke_id, MAP_SVC_USSR, &r);
		break;
	case MAP_IND_DELIMITER:
		map_delimit(md);
		break;
	case MAP_IND_RESULT:
		if (ind->svc == MAP_SVC_PROCESS_USS_DATA)
			snprintf(text, sizeof(text), "%.*s", (int)ind->res->ss_data.len,
				 ind->res->ss_data.text ? ind->res->ss_data.text : "");
		else
			map_ussd_text(&ind->res->ussd, text, sizeof(text));
		event(d, "result", text);
		if (!d->bench)
			netsim_ussd_log("%s result '%s'", d->msisdn, text);
		d->final = talloc_strdup(d, text);
		OSMO_STRLCPY_ARRAY(d->outcome, "result");
		break;
	case MAP_IND_ERROR:
		if (ind->err.kind == MAP_EK_USER) {
			snprintf(why, sizeof(why), "%d", ind->err.user.code);
			event(d, "error", why);
			if (!d->bench)
				netsim_ussd_log("%s error %d %s", d->msisdn, ind->err.user.code,
						map_error_name(ind->err.user.code));
			OSMO_STRLCPY_ARRAY(d->outcome, "error");
		} else {
			event(d, "error", map_err_str(&ind->err, why, sizeof(why)));
			OSMO_STRLCPY_ARRAY(d->outcome, "failed");
		}
		if (!ind->last && ind->err.kind == MAP_EK_PROVIDER) {
			map_dialogue_set_priv(md, NULL);
			map_u_abort(md, MAP_UA_USER_SPECIFIC, 0);
			done(d, d->outcome, NULL);
			return;
		}
		break;
	case MAP_IND_CLOSE:
		if (!d->outcome[0] || !strcmp(d->outcome, "running"))
			OSMO_STRLCPY_ARRAY(d->outcome, "closed");
		break;
	case MAP_IND_REFUSE:
		event(d, "refused", map_err_str(&ind->err, why, sizeof(why)));
		OSMO_STRLCPY_ARRAY(d->outcome, "refused");
		break;
	case MAP_IND_U_ABORT: case MAP_IND_P_ABORT:
		event(d, ind->type == MAP_IND_U_ABORT ? "u-abort" : "p-abort", map_err_str(&ind->err, why, sizeof(why)));
		OSMO_STRLCPY_ARRAY(d->outcome, ind->type == MAP_IND_U_ABORT ? "u-abort" : "p-abort");
		break;
	default:
		break;
	}
	if (ind->last)
		done(d, d->outcome, d->final);
}

static const struct map_user dial_user = { "msc-ussd", dial_ind, NULL };

static void done(struct dial *d, const char *outcome, const char *final)
{
	if (d->bench) {
		bench_done(d, !strcmp(outcome, "result"));
		talloc_free(d);
		return;
	}
	if (outcome != d->outcome)
		OSMO_STRLCPY_ARRAY(d->outcome, outcome);
	netsim_ussd_log("%s session %d: %s%s%s%s", d->msisdn, d->id, d->outcome, final ? " '" : "", final ? final : "",
			final ? "'" : "");
	/* the record stays for "show ussd session N" */
}

static struct dial *dial_new(const char *msisdn, bool bench)
{
	struct dial *d = talloc_zero(ussd_ctx, struct dial);
	if (!d)
		return NULL;
	OSMO_STRLCPY_ARRAY(d->msisdn, msisdn);
	d->events = talloc_strdup(d, "");
	OSMO_STRLCPY_ARRAY(d->outcome, "running");
	d->bench = bench;
	clock_gettime(CLOCK_MONOTONIC, &d->t0);
	if (bench)
		return d;
	d->id = ++n_records;
	struct dial **slot = &records[d->id % RECORDS_KEEP];
	/* the oldest record goes; if it still runs, it keeps running without one */
	if (*slot && strcmp((*slot)->outcome, "running"))
		talloc_free(*slot);
	*slot = d;
	return d;
}

static int dial(struct dial *d, const char *gw_gt, const char *text)
{
	struct sccp_addr called, calling;
	struct netsim_sub *sub = netsim_sub_find_msisdn(d->msisdn);
	uint8_t buf[USSD_MAX_OCTETS];
	union map_arg a;
	char imsi[16];
	if (!dial_map || handset_text(&a.ussd, buf, sizeof(buf), text) < 0 ||
	    sccp_addr_set_e164(&called, gw_gt, netsim_cfg.ussd_gw_ssn) < 0 ||
	    sccp_addr_set_e164(&calling, sub ? sub->msc_gt : netsim_cfg.msc_gt, SCCP_SSN_MSC) < 0)
		return -EINVAL;
	/* as an HLR relays it: the MSISDN in the USSD-Arg, the IMSI and MSISDN in MAP-OpenInfo */
	a.ussd.msisdn = (struct map_address){ true, 0x91 };
	OSMO_STRLCPY_ARRAY(a.ussd.msisdn.digits, d->msisdn);
	size_t n = strlen(d->msisdn);
	snprintf(imsi, sizeof(imsi), "%s%s", netsim_cfg.imsi_prefix, d->msisdn + (n > 10 ? n - 10 : 0));
	struct map_open_info refs = { .destination_reference = { true, 0x96 }, .origination_reference = { true, 0x91 } };
	OSMO_STRLCPY_ARRAY(refs.destination_reference.digits, sub ? sub->imsi : imsi);
	OSMO_STRLCPY_ARRAY(refs.origination_reference.digits, d->msisdn);
	struct map_open_req req = { .ac = MAP_AC_NETWORK_USSD, .called = &called, .calling = &calling, .refs = &refs,
				    .user = &dial_user, .priv = d };
	struct map_dialogue *md = map_open(dial_map, &req);
	if (!md)
		return -ENOMEM;
	/* the subscriber waits long: the gateway's timers act first */
	if (map_request_timeout(md, MAP_SVC_PROCESS_USS, &a, 600000, NULL) < 0) {
		map_close(md, true);
		return -EINVAL;
	}
	event(d, "dial", text);
	return map_delimit(md);
}

/* A phase 1 handset: one processUnstructuredSS-Data in a v1 dialogue (the
 * string goes as it is typed: IA5) */
static int dial_v1(struct dial *d, const char *gw_gt, const char *text)
{
	struct sccp_addr called, calling;
	struct netsim_sub *sub = netsim_sub_find_msisdn(d->msisdn);
	union map_arg a = { .ss_data = { .text = text, .len = strlen(text) } };
	if (!dial_map || sccp_addr_set_e164(&called, gw_gt, netsim_cfg.ussd_gw_ssn) < 0 ||
	    sccp_addr_set_e164(&calling, sub ? sub->msc_gt : netsim_cfg.msc_gt, SCCP_SSN_MSC) < 0)
		return -EINVAL;
	struct map_open_req req = { .ac = MAP_AC_NETWORK_FUNCTIONAL_SS, .max_version = 1, .called = &called,
				    .calling = &calling, .user = &dial_user, .priv = d };
	struct map_dialogue *md = map_open(dial_map, &req);
	if (!md)
		return -ENOMEM;
	if (map_request_timeout(md, MAP_SVC_PROCESS_USS_DATA, &a, 600000, NULL) < 0) {
		map_close(md, true);
		return -EINVAL;	/* not IA5, or longer than 200 */
	}
	event(d, "dial-v1", text);
	return map_delimit(md);
}

int netsim_ussd_dial_v1(const char *msisdn, const char *gw_gt, const char *text)
{
	struct dial *d = dial_new(msisdn, false);
	if (!d)
		return -ENOMEM;
	if (dial_v1(d, gw_gt, text) < 0) {
		OSMO_STRLCPY_ARRAY(d->outcome, "not-sent");
		return -EINVAL;
	}
	netsim_ussd_log("%s dials %s in MAP v1 (session %d)", msisdn, text, d->id);
	return d->id;
}

int netsim_ussd_dial_script(const char *msisdn, const char *gw_gt, const char *text, int n_words,
			    const char *const *words)
{
	struct dial *d = dial_new(msisdn, false);
	if (!d)
		return -ENOMEM;
	for (int i = 0; i < n_words && i < SCRIPT_MAX; i++)
		OSMO_STRLCPY_ARRAY(d->script[d->n++], words[i]);
	if (dial(d, gw_gt, text) < 0) {
		OSMO_STRLCPY_ARRAY(d->outcome, "not-sent");
		return -EINVAL;
	}
	netsim_ussd_log("%s dials %s (session %d)", msisdn, text, d->id);
	return d->id;
}

int netsim_ussd_dial(const char *msisdn, const char *gw_gt, const char *text)
{
	return netsim_ussd_dial_script(msisdn, gw_gt, text, 0, NULL);
}

/* ------------------------------------------------------------ bench */

static struct {
	bool running;
	char base[16], gw[SCCP_GT_DIGITS_MAX + 1], code[64];
	char answers[SCRIPT_MAX][WORD_MAX];
	int n_answers;
	uint64_t count, sent, done, failed;
	unsigned int window, in_flight;
	struct timespec t0, t1;
	uint32_t *lat_ms;	/* per finished session */
	struct osmo_timer_list timer;
} bench;

static double since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void bench_fill(void)
{
	while (bench.running && bench.sent < bench.count && bench.in_flight < bench.window) {
		char msisdn[24];
		snprintf(msisdn, sizeof(msisdn), "%s%05" PRIu64, bench.base, bench.sent % 100000);
		struct dial *d = dial_new(msisdn, true);
		if (!d)
			break;
		for (int i = 0; i < bench.n_answers; i++)
			OSMO_STRLCPY_ARRAY(d->script[d->n++], bench.answers[i]);
		bench.sent++;
		bench.in_flight++;
		if (dial(d, bench.gw, bench.code) < 0) {
			bench_done(d, false);
			talloc_free(d);
		}
	}
}

static void bench_timer_cb(void *data)
{
	bench_fill();
}

static void bench_done(struct dial *d, bool ok)
{
	if (bench.in_flight)
		bench.in_flight--;
	if (ok) {
		if (bench.done < bench.count)
			bench.lat_ms[bench.done] = (uint32_t)(since(&d->t0) * 1000);
		bench.done++;
	} else {
		bench.failed++;
	}
	if (bench.done + bench.failed >= bench.count) {
		clock_gettime(CLOCK_MONOTONIC, &bench.t1);
		bench.running = false;
		LOGP(DNETSIM, LOGL_NOTICE, "ussd-bench: %" PRIu64 " sessions (%" PRIu64 " failed) in %.3f s\n",
		     bench.done, bench.failed, since(&bench.t0));
		return;
	}
	/* from the loop: not inside the MAP layer's callback */
	osmo_timer_schedule(&bench.timer, 0, 0);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------ VTY */

DEFUN(ussd_dial_script, ussd_dial_script_cmd, "ussd-dial MSISDN GW-GT STRING script .WORDS",
      "A subscriber dials a USSD string: processUnstructuredSS-Request to the USSD gateway\n"
      "The subscriber's MSISDN\n" "GT of the USSD gateway\n" "The string, e.g. *100#\n"
      "What the subscriber does at each prompt, in turn\n"
      "An answer (%XX escapes: %20 a space), or !abort (cancel), !release (hang up), !silent (no answer)\n")
{
	int id = netsim_ussd_dial_script(argv[0], argv[1], argv[2], argc - 3, (const char *const *)argv + 3);
	if (id < 0) {
		vty_out(vty, "%% cannot dial%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "ussd session %d%s", id, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(ussd_dial_v1, ussd_dial_v1_cmd, "ussd-dial-v1 MSISDN GW-GT STRING",
      "A phase 1 handset dials a USSD string: processUnstructuredSS-Data (MAP v1) to the USSD gateway\n"
      "The subscriber's MSISDN\n" "GT of the USSD gateway\n" "The string, e.g. *100# (IA5, at most 200)\n")
{
	int id = netsim_ussd_dial_v1(argv[0], argv[1], argv[2]);
	if (id < 0) {
		vty_out(vty, "%% cannot dial%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "ussd session %d%s", id, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_ussd_session, show_ussd_session_cmd, "show ussd session <1-2147483647>",
      SHOW_STR "USSD of the simulated handsets\n" "A dialled session, as one JSON object\n" "Its number\n")
{
	int id = atoi(argv[0]);
	struct dial *d = records[id % RECORDS_KEEP];
	if (!d || d->id != id) {
		vty_out(vty, "%% no session %d (the last %d are kept)%s", id, RECORDS_KEEP, VTY_NEWLINE);
		return CMD_WARNING;
	}
	char *final = d->final ? json_str(d, d->final) : NULL;
	vty_out(vty, "{\"id\":%d,\"msisdn\":\"%s\",\"outcome\":\"%s\",\"final\":%s,\"events\":[%s]}%s", d->id, d->msisdn,
		d->outcome, final ? final : "null", d->events, VTY_NEWLINE);
	talloc_free(final);
	return CMD_SUCCESS;
}

DEFUN(ussd_handset, ussd_handset_cmd, "ussd-handset MSISDN (normal|busy|silent|abort|release)",
      "How a handset takes network-initiated USSD (push)\n" "The subscriber's MSISDN\n"
      "Answers from its script (ussd-handset MSISDN answers ...) or ussd-answers\n"
      "In another USSD session: ussd-Busy\n" "Shows the text, never answers\n" "Cancels: U-ABORT\n"
      "Hangs up: TC-END without an answer\n")
{
	struct handset *h = handset_get(argv[0], true);
	if (!h)
		return CMD_WARNING;
	for (int i = 0; i < (int)ARRAY_SIZE(mode_names); i++)
		if (!strcmp(mode_names[i], argv[1]))
			h->mode = (enum handset_mode)i;
	return CMD_SUCCESS;
}

DEFUN(ussd_handset_answers, ussd_handset_answers_cmd, "ussd-handset MSISDN answers .WORDS",
      "How a handset takes network-initiated USSD (push)\n" "The subscriber's MSISDN\n"
      "Its answers to the next menus, in turn\n"
      "An answer (%XX escapes), or !abort, !silent\n")
{
	struct handset *h = handset_get(argv[0], true);
	if (!h)
		return CMD_WARNING;
	h->n = h->next = 0;
	for (int i = 1; i < argc && h->n < SCRIPT_MAX; i++)
		OSMO_STRLCPY_ARRAY(h->answers[h->n++], argv[i]);
	return CMD_SUCCESS;
}

DEFUN(ussd_bench, ussd_bench_cmd,
      "ussd-bench MSISDN-BASE GW-GT STRING count <1-10000000> window <1-100000> answers .WORDS",
      "Benchmark load: many subscribers dial, each answers the prompts\n"
      "The first digits of the subscribers' MSISDNs (5 more are added)\n" "GT of the USSD gateway\n"
      "The string\n" "Sessions\n" "How many\n" "Sessions at once\n" "How many\n"
      "The answers to the prompts, in turn\n" "Answers\n")
{
	if (bench.running) {
		vty_out(vty, "%% a benchmark runs%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (strlen(argv[0]) > 10) {
		vty_out(vty, "%% at most 10 digits%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	talloc_free(bench.lat_ms);
	uint64_t count = strtoull(argv[3], NULL, 10);
	bench.lat_ms = talloc_zero_array(ussd_ctx, uint32_t, count);
	if (!bench.lat_ms)
		return CMD_WARNING;
	OSMO_STRLCPY_ARRAY(bench.base, argv[0]);
	OSMO_STRLCPY_ARRAY(bench.gw, argv[1]);
	OSMO_STRLCPY_ARRAY(bench.code, argv[2]);
	bench.count = count;
	bench.window = atoi(argv[4]);
	bench.n_answers = 0;
	for (int i = 5; i < argc && bench.n_answers < SCRIPT_MAX; i++)
		OSMO_STRLCPY_ARRAY(bench.answers[bench.n_answers++], argv[i]);
	bench.sent = bench.done = bench.failed = 0;
	bench.in_flight = 0;
	bench.running = true;
	clock_gettime(CLOCK_MONOTONIC, &bench.t0);
	osmo_timer_setup(&bench.timer, bench_timer_cb, NULL);
	bench_fill();
	vty_out(vty, "ussd-bench started%s", VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_ussd_bench, show_ussd_bench_cmd, "show ussd-bench", SHOW_STR "The USSD benchmark's state and result\n")
{
	double secs = bench.running ? since(&bench.t0) :
		      (bench.t1.tv_sec - bench.t0.tv_sec) + (bench.t1.tv_nsec - bench.t0.tv_nsec) / 1e9;
	uint32_t p50 = 0, p99 = 0;
	if (!bench.running && bench.done) {
		uint64_t n = bench.done < bench.count ? bench.done : bench.count;
		qsort(bench.lat_ms, n, sizeof(uint32_t), cmp_u32);
		p50 = bench.lat_ms[n / 2];
		p99 = bench.lat_ms[n * 99 / 100 < n ? n * 99 / 100 : n - 1];
	}
	vty_out(vty, "ussd-bench %s sent %" PRIu64 " done %" PRIu64 " failed %" PRIu64 " seconds %.3f rate %.1f"
		" p50_ms %u p99_ms %u%s", bench.running ? "running" : "finished", bench.sent, bench.done, bench.failed,
		secs, secs > 0 ? bench.done / secs : 0.0, p50, p99, VTY_NEWLINE);
	return CMD_SUCCESS;
}

void netsim_ussd_vty_init(void)
{
	install_element(ENABLE_NODE, &ussd_dial_script_cmd);
	install_element(ENABLE_NODE, &ussd_dial_v1_cmd);
	install_element_ve(&show_ussd_session_cmd);
	install_element(ENABLE_NODE, &ussd_handset_cmd);
	install_element(ENABLE_NODE, &ussd_handset_answers_cmd);
	install_element(ENABLE_NODE, &ussd_bench_cmd);
	install_element_ve(&show_ussd_bench_cmd);
}

/* ------------------------------------------------------------ start, stop */

int netsim_ussd_start(void *ctx, struct ss7_stack *stack, struct map_instance *msc_map)
{
	ussd_ctx = talloc_named_const(ctx, 0, "netsim-ussd");
	dial_map = msc_map;
	vlr_map = map_instance_start(ctx, stack->sccp, SCCP_SSN_VLR);
	if (!vlr_map || map_register(vlr_map, MAP_AC_NETWORK_USSD, 2, 2, &vlr_user) < 0)
		return -EBUSY;
	map_vty_add_instance("vlr", vlr_map);
	return 0;
}

void netsim_ussd_stop(void)
{
	if (vlr_map)
		map_instance_free(vlr_map);
	vlr_map = NULL;
	dial_map = NULL;
}
