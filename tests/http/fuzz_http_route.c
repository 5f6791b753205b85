/* libFuzzer harness: what the HTTP server parses itself. The input is
 * "pattern\npath\nquery-value": the pattern is compiled, the path split
 * and matched, the value percent-decoded. Properties: a match never
 * yields an empty parameter or more than HTTP_PARAMS_MAX; a path built
 * from a compiled pattern always matches it. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sigway/http/http_route.h>

static char *next_line(char **s)
{
	static char empty[1];
	char *line = *s, *nl;
	if (!line) {
		empty[0] = '\0';
		return empty;
	}
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*s = nl + 1;
	} else {
		*s = NULL;
	}
	return line;
}

/* "/a/{x}" + "/" "*" gives "/a/v/r/s": every segment of the pattern gets a value */
static void path_for(const struct http_pattern *pat, char *out, size_t len)
{
	size_t n = 0;
	out[0] = '\0';
	for (unsigned int i = 0; i < pat->n_seg && n < len; i++) {
		const char *v = pat->seg[i].kind == HTTP_SEG_LITERAL ? pat->seg[i].text :
				pat->seg[i].kind == HTTP_SEG_PARAM ? "v" : "r/s";
		n += snprintf(out + n, len - n, "/%s", v);
	}
}

static void check_match(const struct http_pattern *pat, const struct http_path *path)
{
	struct http_match m;
	long score = http_pattern_match(pat, path, &m);
	if (score < 0)
		return;
	if (m.n_params > HTTP_PARAMS_MAX)
		__builtin_trap();
	for (unsigned int i = 0; i < m.n_params; i++)
		if (!m.param[i].value[0] || http_match_param(&m, m.param[i].name) == NULL)
			__builtin_trap();
	if ((m.rest != NULL) != (pat->seg[pat->n_seg - 1].kind == HTTP_SEG_REST))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[8192], built[HTTP_PATH_LEN_MAX * 2];
	static struct http_pattern pat;
	static struct http_path path;
	char *s = buf, *p, *u, *q;
	bool have_pat;

	if (size >= sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = next_line(&s);
	u = next_line(&s);
	q = next_line(&s);

	have_pat = http_pattern_compile(&pat, p) == 0;
	if (http_path_split(&path, u) == 0 && have_pat)
		check_match(&pat, &path);
	if (have_pat) {
		path_for(&pat, built, sizeof(built));
		if (strlen(built) <= HTTP_PATH_LEN_MAX && http_path_split(&path, built) == 0 &&
		    http_pattern_match(&pat, &path, NULL) < 0)
			__builtin_trap();
	}
	int n = http_pct_decode(q, true);
	if (n >= 0 && (size_t)n != strlen(q))
		__builtin_trap();	/* a decoded NUL would cut the value */
	return 0;
}
