/* sigway-lookup: number lookups for people, through sigwayd's HTTP API.
 *
 *   sigway-lookup +49 171 0000001                 one number, readable
 *   sigway-lookup -f numbers.txt -o results.csv   a file (or '-' for stdin), N in flight
 *
 * What people type is normalised here first (src/numbering): inputs it
 * cannot understand are named on stderr and never sent. Results go out as
 * they come (readable, --csv or --json). A bulk run keeps a state file:
 * after Ctrl-C (which lets the lookups in flight finish) --resume goes on
 * without looking any number up twice. Exit status: 0 every number
 * reachable, 1 some not reachable, 2 some undetermined, 3 errors, 130
 * interrupted. See doc/lookup.md. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <curl/curl.h>
#include <jansson.h>
#include <talloc.h>
#include <sigway/numbering/numbering.h>
#include <sigway/numbering/numbering_norm.h>
#include "lookup_cli.h"

#define DEFAULT_URL		"http://127.0.0.1:4280"
#define MAX_JOBS		256
#define MAX_ANSWER		(256 * 1024)
#define MAX_RETRIES		30	/* 429/503 answers for one number */
#define LINE_MAX_BYTES		4096

struct opts {
	char url[512];
	char key[256];
	char country[8];
	const char *config, *file, *output, *state;
	enum cli_format format;
	unsigned int jobs, timeout_s;
	bool resume, quiet;
	int progress;		/* -1 auto (a terminal), 0 off, 1 on */
};

/* one number on its way */
struct req {
	struct req *next;	/* the retry list */
	struct run *run;
	CURL *easy;
	struct curl_slist *hdrs;
	char e164[NUMBERING_E164_MAX + 1];
	char *input;
	unsigned long line;
	char *body;
	size_t len;
	unsigned int attempts;
	double not_before;
};

struct run {
	struct opts o;
	CURLM *multi;
	/* input: a file, or the command line's numbers */
	FILE *in;
	char **argv;
	int argc, argi;
	unsigned long line;
	bool eof;
	FILE *out;
	bool detailed;
	struct numbering *nb;
	struct numbering_norm_cfg norm;
	struct cli_state state;
	struct cli_set before;		/* done by the run resumed */
	struct cli_set seen;		/* started in this run */
	struct req *retry;
	struct req *flight[MAX_JOBS];	/* requests in curl's hands */
	unsigned int in_flight;
	bool stopping, fatal;
	int worst;
	struct cli_progress prog;
	unsigned long inputs, looked_up, bad_inputs, duplicates, resumed_skips, errors;
	bool any_answer;
};

static volatile sig_atomic_t g_interrupts;

static void on_sigint(int sig)
{
	g_interrupts++;
}

static void worst(struct run *r, int code)
{
	if (code > r->worst)
		r->worst = code;
}

/* ------------------------------------------------------------ options */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sigway-lookup [OPTIONS] NUMBER...\n"
		"       sigway-lookup [OPTIONS] -f FILE|- [-o OUTPUT] [--resume]\n"
		"Looks numbers up through sigwayd's lookup API (HLR: reachable, network, ported, roaming).\n\n"
		"  -u, --url URL        the API (default %s; env SIGWAY_LOOKUP_URL; config url)\n"
		"  -k, --key KEY        the API key (env SIGWAY_API_KEY; config key)\n"
		"      --config FILE    key = value lines: url, key, country, jobs (default\n"
		"                       $SIGWAY_LOOKUP_CONFIG or ~/.config/sigway/lookup.conf)\n"
		"  -C, --country CC     calling code for national numbers, e.g. 49 (config country)\n"
		"      --csv            CSV with a header line\n"
		"      --json           one JSON object a line (the API's answer, with input and line)\n"
		"  -f, --file FILE      numbers one a line; '-': standard input\n"
		"  -o, --output FILE    results to FILE (appended to with --resume)\n"
		"  -j, --jobs N         lookups in flight (default 8, at most %d)\n"
		"      --state FILE     the run's state for --resume (default OUTPUT.state)\n"
		"      --resume         continue an interrupted run: numbers done are not looked up again\n"
		"      --progress, --no-progress  the progress line on stderr (default: on a terminal)\n"
		"      --timeout S      seconds per request (default 60)\n"
		"  -q, --quiet          no summary on stderr\n"
		"Exit status: 0 every number reachable, 1 some not reachable, 2 some undetermined,\n"
		"3 errors (usage, API, connection, inputs not understood), 130 interrupted.\n",
		DEFAULT_URL, MAX_JOBS);
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	size_t lead = strspn(s, " \t");
	memmove(s, s + lead, n - lead + 1);
}

/* key = value lines; options and the environment win over them */
static int read_config(struct opts *o, const char *path, bool must_exist)
{
	char line[600];
	FILE *f = fopen(path, "r");
	if (!f) {
		if (!must_exist)
			return 0;
		fprintf(stderr, "sigway-lookup: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (unsigned int n = 1; fgets(line, sizeof(line), f); n++) {
		char *eq = strchr(line, '=');
		trim(line);
		if (!line[0] || line[0] == '#')
			continue;
		if (!eq) {
			fprintf(stderr, "sigway-lookup: %s line %u: not 'key = value'\n", path, n);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		char *k = line, *v = eq + 1;
		trim(k);
		trim(v);
		if (!strcmp(k, "url") && !o->url[0])
			snprintf(o->url, sizeof(o->url), "%s", v);
		else if (!strcmp(k, "key") && !o->key[0])
			snprintf(o->key, sizeof(o->key), "%s", v);
		else if (!strcmp(k, "country") && !o->country[0])
			snprintf(o->country, sizeof(o->country), "%s", v);
		else if (!strcmp(k, "jobs") && !o->jobs)
			o->jobs = (unsigned int)atoi(v);
	}
	fclose(f);
	return 0;
}

enum { OPT_CSV = 256, OPT_JSON, OPT_STATE, OPT_RESUME, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_TIMEOUT, OPT_CONFIG };

static int parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "url", required_argument, NULL, 'u' }, { "key", required_argument, NULL, 'k' },
		{ "country", required_argument, NULL, 'C' }, { "csv", no_argument, NULL, OPT_CSV },
		{ "json", no_argument, NULL, OPT_JSON }, { "file", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' }, { "jobs", required_argument, NULL, 'j' },
		{ "state", required_argument, NULL, OPT_STATE }, { "resume", no_argument, NULL, OPT_RESUME },
		{ "progress", no_argument, NULL, OPT_PROGRESS }, { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT }, { "config", required_argument, NULL, OPT_CONFIG },
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;
	o->progress = -1;
	while ((c = getopt_long(argc, argv, "u:k:C:f:o:j:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'u': snprintf(o->url, sizeof(o->url), "%s", optarg); break;
		case 'k': snprintf(o->key, sizeof(o->key), "%s", optarg); break;
		case 'C': snprintf(o->country, sizeof(o->country), "%s", optarg[0] == '+' ? optarg + 1 : optarg); break;
		case OPT_CSV: o->format = CLI_CSV; break;
		case OPT_JSON: o->format = CLI_JSON; break;
		case 'f': o->file = optarg; break;
		case 'o': o->output = optarg; break;
		case 'j': o->jobs = (unsigned int)atoi(optarg); if (!o->jobs) return -1; break;
		case OPT_STATE: o->state = optarg; break;
		case OPT_RESUME: o->resume = true; break;
		case OPT_PROGRESS: o->progress = 1; break;
		case OPT_NO_PROGRESS: o->progress = 0; break;
		case OPT_TIMEOUT: o->timeout_s = (unsigned int)atoi(optarg); if (!o->timeout_s) return -1; break;
		case OPT_CONFIG: o->config = optarg; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	return 0;
}

/* options, then the environment, then the config file, then the defaults */
static int settle_opts(struct opts *o)
{
	char path[512];
	const char *env;
	if (!o->url[0] && (env = getenv("SIGWAY_LOOKUP_URL")))
		snprintf(o->url, sizeof(o->url), "%s", env);
	if (!o->key[0] && (env = getenv("SIGWAY_API_KEY")))
		snprintf(o->key, sizeof(o->key), "%s", env);
	const char *cfg = o->config ? o->config : getenv("SIGWAY_LOOKUP_CONFIG");
	if (!cfg && (env = getenv("HOME"))) {
		snprintf(path, sizeof(path), "%s/.config/sigway/lookup.conf", env);
		cfg = path;
	}
	if (cfg && read_config(o, cfg, o->config != NULL) < 0)
		return -1;
	if (!o->url[0])
		snprintf(o->url, sizeof(o->url), "%s", DEFAULT_URL);
	size_t n = strlen(o->url);
	while (n && o->url[n - 1] == '/')
		o->url[--n] = '\0';
	if (!o->jobs)
		o->jobs = 8;
	if (o->jobs > MAX_JOBS)
		o->jobs = MAX_JOBS;
	if (!o->timeout_s)
		o->timeout_s = 60;
	if (!o->key[0]) {
		fprintf(stderr, "sigway-lookup: no API key: --key, SIGWAY_API_KEY or 'key = ...' in the config file\n");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ input */

/* the length of the UTF-8 sequence at s (at most n bytes), 0: not one */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xf5 ? 0 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (!len || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* what stderr shows of an input: at most 64 bytes, UTF-8 as it is, control
 * characters and other bytes as '?' */
static const char *shown(const char *input)
{
	static char buf[80];
	const unsigned char *in = (const unsigned char *)input;
	size_t n = strlen(input), i = 0, o = 0;
	while (i < n && i < 64) {
		size_t l = utf8_len(in + i, n - i);
		if (l > 1 && i + l <= 64) {
			memcpy(buf + o, in + i, l);
			o += l;
			i += l;
			continue;
		}
		buf[o++] = l == 1 && in[i] >= 0x20 && in[i] != 0x7f ? in[i] : '?';
		i += l ? l : 1;
	}
	snprintf(buf + o, sizeof(buf) - o, "%s", n > 64 ? "..." : "");
	return buf;
}

/* One line of the file into buf (at most len - 1 bytes kept, the rest of a
 * longer line read and dropped; a NUL byte kept as a control character, so
 * that it is refused, not a cut). false at the end of the file. */
static bool read_line(FILE *in, char *buf, size_t len)
{
	size_t n = 0;
	int ch;
	bool any = false;
	while ((ch = getc(in)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		if (n < len - 1)
			buf[n++] = ch ? (char)ch : '\x01';
	}
	buf[n] = '\0';
	return any;
}

/* The next input: a line of the file (blank ones skipped) or an argument.
 * NULL at the end. */
static char *next_input(struct run *r, unsigned long *line)
{
	static char buf[LINE_MAX_BYTES];
	if (!r->in) {
		if (r->argi >= r->argc)
			return NULL;
		*line = 0;
		return strdup(r->argv[r->argi++]);
	}
	while (read_line(r->in, buf, sizeof(buf))) {
		r->line++;
		buf[strcspn(buf, "\r")] = '\0';
		trim(buf);
		if (!buf[0])
			continue;
		*line = r->line;
		return strdup(buf);
	}
	return NULL;
}

static unsigned long count_lines(const char *path)
{
	char buf[65536];
	unsigned long n = 0;
	bool content = false;
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t got;
	/* lines with something on them (blank ones are skipped by the run too) */
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t i = 0; i < got; i++) {
			if (buf[i] == '\n') {
				n += content;
				content = false;
			} else if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r') {
				content = true;
			}
		}
	}
	n += content;
	fclose(f);
	return n;
}

/* ------------------------------------------------------------ requests */

static size_t on_body(char *data, size_t size, size_t nmemb, void *priv)
{
	struct req *q = priv;
	size_t n = size * nmemb;
	if (q->len + n > MAX_ANSWER)
		return 0;
	char *b = realloc(q->body, q->len + n + 1);
	if (!b)
		return 0;
	memcpy(b + q->len, data, n);
	q->body = b;
	q->len += n;
	q->body[q->len] = '\0';
	return n;
}

static void flight_put(struct run *r, struct req *q, bool in)
{
	for (unsigned int i = 0; i < MAX_JOBS; i++) {
		if (r->flight[i] == (in ? NULL : q)) {
			r->flight[i] = in ? q : NULL;
			return;
		}
	}
}

static void req_free(struct req *q)
{
	flight_put(q->run, q, false);
	if (q->easy) {
		curl_multi_remove_handle(q->run->multi, q->easy);
		curl_easy_cleanup(q->easy);
	}
	curl_slist_free_all(q->hdrs);
	free(q->body);
	free(q->input);
	free(q);
}

static int req_send(struct run *r, struct req *q)
{
	char url[600], hdr[300];
	snprintf(url, sizeof(url), "%s/v1/lookup/%s", r->o.url, q->e164);
	snprintf(hdr, sizeof(hdr), "X-API-Key: %s", r->o.key);
	free(q->body);
	q->body = NULL;
	q->len = 0;
	q->easy = curl_easy_init();
	if (!q->easy)
		return -ENOMEM;
	if (!q->hdrs) {
		q->hdrs = curl_slist_append(NULL, hdr);
		q->hdrs = curl_slist_append(q->hdrs, "Accept: application/json");
	}
	curl_easy_setopt(q->easy, CURLOPT_URL, url);
	curl_easy_setopt(q->easy, CURLOPT_HTTPHEADER, q->hdrs);
	curl_easy_setopt(q->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(q->easy, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(q->easy, CURLOPT_PRIVATE, q);
	curl_easy_setopt(q->easy, CURLOPT_TIMEOUT, (long)r->o.timeout_s);
	curl_easy_setopt(q->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(q->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (curl_multi_add_handle(r->multi, q->easy) != CURLM_OK)
		return -EIO;
	flight_put(r, q, true);
	q->attempts++;
	r->in_flight++;
	return 0;
}

/* Takes the next input: normalised, skipped when done or seen, sent */
static bool start_next(struct run *r)
{
	unsigned long line;
	const char *why;
	char *input = next_input(r, &line);
	if (!input) {
		r->eof = true;
		return false;
	}
	struct req *q = calloc(1, sizeof(*q));
	if (!q) {
		free(input);
		return false;
	}
	q->run = r;
	q->input = input;
	q->line = line;
	r->inputs++;
	if (numbering_normalise(input, &r->norm, q->e164, sizeof(q->e164), &why) != NUMBERING_NORM_OK) {
		if (line)
			fprintf(stderr, "%sline %lu: '%s': %s\n", r->prog.tty ? "\r\033[K" : "", line, shown(input), why);
		else
			fprintf(stderr, "'%s': %s%s\n", shown(input), why,
				!r->o.country[0] && strstr(why, "national") ? " (give one with --country)" : "");
		r->bad_inputs++;
		r->prog.errors++;
		r->prog.done++;
		worst(r, CLI_EXIT_ERROR);
		req_free(q);
		return true;
	}
	if (cli_set_has(&r->before, q->e164) || cli_set_has(&r->seen, q->e164)) {
		/* done in the run resumed, or twice in the input: once is enough */
		if (cli_set_has(&r->before, q->e164))
			r->resumed_skips++;
		else
			r->duplicates++;
		r->prog.done++;
		req_free(q);
		return true;
	}
	cli_set_add(&r->seen, q->e164);
	if (req_send(r, q) < 0) {
		fprintf(stderr, "sigway-lookup: out of resources\n");
		r->fatal = true;
		req_free(q);
		return false;
	}
	return true;
}

static void retry_later(struct run *r, struct req *q, unsigned int after_s)
{
	flight_put(r, q, false);
	curl_multi_remove_handle(r->multi, q->easy);
	curl_easy_cleanup(q->easy);
	q->easy = NULL;
	q->not_before = cli_now() + after_s;
	q->next = r->retry;
	r->retry = q;
}

static void start_due_retries(struct run *r)
{
	struct req **pp = &r->retry;
	double now = cli_now();
	while (*pp && r->in_flight < r->o.jobs) {
		struct req *q = *pp;
		if (q->not_before > now) {
			pp = &q->next;
			continue;
		}
		*pp = q->next;
		q->next = NULL;
		if (req_send(r, q) < 0) {
			r->fatal = true;
			req_free(q);
		}
	}
}

/* the API's error message, when the body is one of ours */
static void api_message(const struct req *q, char *out, size_t len)
{
	json_t *j = q->body ? json_loads(q->body, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	snprintf(out, len, "%s", m ? m : "");
	json_decref(j);
}

static void got_result(struct run *r, struct req *q)
{
	json_t *res = json_loads(q->body ? q->body : "", 0, NULL);
	if (!json_is_object(res)) {
		fprintf(stderr, "sigway-lookup: '%s': the API's answer is not JSON\n", q->input);
		r->errors++;
		r->prog.errors++;
		worst(r, CLI_EXIT_ERROR);
		json_decref(res);
		return;
	}
	if (r->prog.tty && r->out == stdout)
		fputs("\r\033[K", stderr);
	cli_print_result(r->out, r->o.format, r->detailed, q->line, q->input, res);
	fflush(r->out);
	cli_state_done(&r->state, q->e164);
	r->looked_up++;
	r->prog.looked++;
	worst(r, cli_result_exit(res));
	json_decref(res);
}

static unsigned int retry_after(struct req *q)
{
	curl_off_t ra = 0;
	curl_easy_getinfo(q->easy, CURLINFO_RETRY_AFTER, &ra);
	return ra > 0 && ra < 3600 ? (unsigned int)ra : 1;
}

/* one request finished: a result, a retry, or an error */
static void finished(struct run *r, struct req *q, CURLcode rc)
{
	long status = 0;
	char msg[300];
	r->in_flight--;
	curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		fprintf(stderr, "%s'%s': %s (%s)\n", r->prog.tty ? "\r\033[K" : "", shown(q->input), curl_easy_strerror(rc),
			r->o.url);
		if (!r->any_answer && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST))
			r->fatal = true;
		r->errors++;
		r->prog.errors++;
		r->prog.done++;
		worst(r, CLI_EXIT_ERROR);
		req_free(q);
		return;
	}
	r->any_answer = true;
	if ((status == 429 || status == 503) && r->stopping) {
		/* not looked up: --resume takes it */
		req_free(q);
		return;
	}
	if ((status == 429 || status == 503) && q->attempts < MAX_RETRIES) {
		/* nothing was looked up: the same number again later */
		retry_later(r, q, retry_after(q));
		return;
	}
	r->prog.done++;
	if (status == 200) {
		got_result(r, q);
	} else {
		api_message(q, msg, sizeof(msg));
		fprintf(stderr, "%s%s%lu%s'%s': HTTP %ld: %s\n", r->prog.tty ? "\r\033[K" : "", q->line ? "line " : "",
			q->line, q->line ? ": " : "", shown(q->input), status, msg[0] ? msg : "(no message)");
		if (status == 401 || status == 403)
			r->fatal = true;	/* the key: every other request would fail the same way */
		r->errors++;
		r->prog.errors++;
		worst(r, CLI_EXIT_ERROR);
	}
	req_free(q);
}

static void collect(struct run *r)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(r->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct req *q;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
		finished(r, q, m->data.result);
	}
}

/* ------------------------------------------------------------ the run */

static void abandon_all(struct run *r)
{
	/* the requests still in curl's hands: their lookups may have happened */
	for (unsigned int i = 0; i < MAX_JOBS; i++)
		if (r->flight[i])
			req_free(r->flight[i]);
	r->in_flight = 0;
	while (r->retry) {
		struct req *q = r->retry;
		r->retry = q->next;
		req_free(q);
	}
}

static void loop(struct run *r)
{
	bool abandoned = false;
	while (!r->fatal) {
		if (g_interrupts && !r->stopping) {
			r->stopping = true;
			fprintf(stderr, "%sstopping: waiting for the %u lookups in flight (Ctrl-C again to abandon them:"
				" they may then be looked up again on --resume)\n", r->prog.tty ? "\r\033[K" : "", r->in_flight);
		}
		if (g_interrupts > 1) {
			abandoned = true;
			break;
		}
		if (!r->stopping) {
			start_due_retries(r);
			while (r->in_flight < r->o.jobs && !r->eof && !r->fatal && start_next(r))
				;
		}
		if (!r->in_flight && (r->stopping || (r->eof && !r->retry)))
			break;
		int running;
		curl_multi_perform(r->multi, &running);
		collect(r);
		curl_multi_poll(r->multi, NULL, 0, r->in_flight ? 100 : 20, NULL);
		if (r->o.progress)
			cli_progress_draw(&r->prog, false, false);
	}
	if (r->fatal || abandoned)
		abandon_all(r);
	if (r->stopping && r->retry)
		abandon_all(r);
}

static int setup_output(struct run *r)
{
	r->out = stdout;
	if (r->o.output) {
		bool fresh = !r->o.resume || access(r->o.output, F_OK) != 0;
		r->out = fopen(r->o.output, r->o.resume ? "a" : "w");
		if (!r->out) {
			fprintf(stderr, "sigway-lookup: cannot write %s: %s\n", r->o.output, strerror(errno));
			return -1;
		}
		if (fresh)
			cli_print_header(r->out, r->o.format);
	} else if (!r->o.resume) {
		cli_print_header(r->out, r->o.format);
	}
	return 0;
}

static int setup_state(struct run *r)
{
	char path[600], why[700];
	const char *p = r->o.state;
	if (!p && r->o.output) {
		snprintf(path, sizeof(path), "%s.state", r->o.output);
		p = path;
	}
	if (!p) {
		if (r->o.resume) {
			fprintf(stderr, "sigway-lookup: --resume needs the state of the run: --state FILE, or -o OUTPUT\n");
			return -1;
		}
		return 0;
	}
	if (cli_state_open(&r->state, p, r->o.resume, &r->before, why, sizeof(why)) < 0) {
		fprintf(stderr, "sigway-lookup: %s\n", why);
		return -1;
	}
	if (r->o.resume && r->state.complete && !r->o.quiet)
		fprintf(stderr, "sigway-lookup: the run of %s had finished already\n", p);
	return 0;
}

static int setup_numbering(struct run *r)
{
	char err[200];
	const char *why;
	r->nb = numbering_alloc(NULL);
	if (!r->nb || numbering_load(r->nb, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "sigway-lookup: numbering data: %s\n", r->nb ? err : "out of memory");
		return -1;
	}
	r->norm = (struct numbering_norm_cfg){ .country_code = r->o.country[0] ? r->o.country : NULL, .nb = r->nb };
	if (numbering_norm_cfg_check(&r->norm, &why) < 0) {
		fprintf(stderr, "sigway-lookup: --country %s: %s\n", r->o.country, why);
		return -1;
	}
	return 0;
}

static void summary(struct run *r, bool interrupted)
{
	if (r->o.quiet)
		return;
	fprintf(stderr, "sigway-lookup: %lu looked up", r->looked_up);
	if (r->resumed_skips)
		fprintf(stderr, ", %lu done before (resumed)", r->resumed_skips);
	if (r->duplicates)
		fprintf(stderr, ", %lu repeated inputs looked up once", r->duplicates);
	if (r->bad_inputs)
		fprintf(stderr, ", %lu inputs not understood", r->bad_inputs);
	if (r->errors)
		fprintf(stderr, ", %lu errors", r->errors);
	fprintf(stderr, "\n");
	if (interrupted)
		fprintf(stderr, "sigway-lookup: interrupted; continue with the same command and --resume\n");
}

int main(int argc, char **argv)
{
	struct run r = { .worst = CLI_EXIT_REACHABLE };
	if (parse_args(&r.o, argc, argv) < 0 || settle_opts(&r.o) < 0) {
		usage(stderr);
		return CLI_EXIT_ERROR;
	}
	if (!r.o.file == (optind >= argc) || (r.o.file && optind < argc)) {
		usage(stderr);
		return CLI_EXIT_ERROR;
	}
	if (r.o.file) {
		r.in = strcmp(r.o.file, "-") ? fopen(r.o.file, "r") : stdin;
		if (!r.in) {
			fprintf(stderr, "sigway-lookup: cannot read %s: %s\n", r.o.file, strerror(errno));
			return CLI_EXIT_ERROR;
		}
		r.prog.total = strcmp(r.o.file, "-") ? count_lines(r.o.file) : 0;
	} else {
		r.argv = argv + optind;
		r.argc = argc - optind;
		r.detailed = true;
		r.prog.total = r.argc;
	}
	r.prog.tty = isatty(STDERR_FILENO);
	if (r.o.progress < 0)
		r.o.progress = r.o.file && r.prog.tty;
	if (setup_numbering(&r) < 0 || setup_state(&r) < 0 || setup_output(&r) < 0)
		return CLI_EXIT_ERROR;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(r.multi = curl_multi_init()))
		return CLI_EXIT_ERROR;
	/* one keep-alive connection per request in flight */
	curl_multi_setopt(r.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)r.o.jobs);
	curl_multi_setopt(r.multi, CURLMOPT_MAXCONNECTS, (long)r.o.jobs);
	struct sigaction sa = { .sa_handler = on_sigint };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r.prog.t0 = cli_now();
	loop(&r);
	bool interrupted = g_interrupts > 0;
	if (!r.inputs && !interrupted && !r.fatal) {
		fprintf(stderr, "sigway-lookup: no numbers in %s\n", r.o.file && strcmp(r.o.file, "-") ? r.o.file :
			"the input");
		r.worst = CLI_EXIT_ERROR;
	}
	if (r.o.progress)
		cli_progress_draw(&r.prog, true, true);
	cli_state_close(&r.state, !interrupted && !r.fatal && r.eof && !r.errors);
	summary(&r, interrupted);
	if (r.out != stdout)
		fclose(r.out);
	if (r.in && r.in != stdin)
		fclose(r.in);
	curl_multi_cleanup(r.multi);
	curl_global_cleanup();
	cli_set_free(&r.seen);
	cli_set_free(&r.before);
	talloc_free(r.nb);
	if (interrupted)
		return CLI_EXIT_INTERRUPTED;
	return r.fatal ? CLI_EXIT_ERROR : r.worst;
}
