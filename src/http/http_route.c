/* Path patterns and request paths (see http_route.h). Everything here
 * reads untrusted input: every length is checked, nothing allocates. */

#include <errno.h>
#include <string.h>
#include <sigway/http/http_route.h>

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int http_pct_decode(char *s, bool plus_is_space)
{
	char *out = s;
	const char *in = s;

	while (*in) {
		if (*in == '%') {
			int hi = hex_val(in[1]);
			int lo = hi < 0 ? -1 : hex_val(in[2]);
			if (lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*out++ = (char)(hi << 4 | lo);
			in += 3;
		} else if (*in == '+' && plus_is_space) {
			*out++ = ' ';
			in++;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return (int)(out - s);
}

static bool is_param_name(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* one pattern segment, NUL-terminated in place */
static int compile_segment(struct http_pattern *pat, char *s, bool last, unsigned int *n_params)
{
	size_t len = strlen(s);
	unsigned int i = pat->n_seg;

	if (!strcmp(s, "*")) {
		if (!last)
			return -EINVAL;
		pat->seg[i].kind = HTTP_SEG_REST;
		pat->seg[i].text = s;
		return 0;
	}
	if (len >= 2 && s[0] == '{' && s[len - 1] == '}') {
		s[len - 1] = '\0';
		if (!is_param_name(s + 1, len - 2) || *n_params >= HTTP_PARAMS_MAX)
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++)
			if (pat->seg[j].kind == HTTP_SEG_PARAM && !strcmp(pat->seg[j].text, s + 1))
				return -EINVAL;
		pat->seg[i].kind = HTTP_SEG_PARAM;
		pat->seg[i].text = s + 1;
		(*n_params)++;
		return 0;
	}
	if (strpbrk(s, "{}*%"))
		return -EINVAL;
	pat->seg[i].kind = HTTP_SEG_LITERAL;
	pat->seg[i].text = s;
	return 0;
}

int http_pattern_compile(struct http_pattern *pat, const char *pattern)
{
	unsigned int n_params = 0;
	size_t len = strlen(pattern);
	char *s, *slash;

	memset(pat, 0, sizeof(*pat));
	if (len > HTTP_PATTERN_LEN_MAX)
		return -E2BIG;
	if (pattern[0] != '/')
		return -EINVAL;
	memcpy(pat->buf, pattern + 1, len);	/* with the NUL */
	s = pat->buf;
	for (;;) {
		if (pat->n_seg >= HTTP_SEGMENTS_MAX)
			return -E2BIG;
		slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		int rc = compile_segment(pat, s, !slash, &n_params);
		if (rc < 0)
			return rc;
		pat->n_seg++;
		if (!slash)
			return 0;
		s = slash + 1;
	}
}

int http_path_split(struct http_path *p, const char *raw)
{
	size_t len = strlen(raw);
	char *s, *slash;

	p->n_seg = 0;
	if (len > HTTP_PATH_LEN_MAX)
		return -E2BIG;
	if (raw[0] != '/')
		return -EINVAL;
	memcpy(p->raw, raw, len + 1);
	memcpy(p->buf, raw + 1, len);
	s = p->buf;
	for (;;) {
		if (p->n_seg >= HTTP_SEGMENTS_MAX)
			return -E2BIG;
		slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		p->raw_off[p->n_seg] = (unsigned int)(s - p->buf) + 1;
		p->seg[p->n_seg++] = s;
		if (http_pct_decode(s, false) < 0)
			return -EINVAL;
		if (!slash)
			return 0;
		s = slash + 1;
	}
}

/* Specificity: base-4 digits, one per position, most significant first:
 * literal 3, parameter 2, the end of an exact pattern 1, "*" and what
 * follows 0; so "/a/b" beats "/a/{x}" beats "/a" + "/" "*", and "/a" beats
 * "/a" + "/" "*" for the path "/a". 4^(HTTP_SEGMENTS_MAX + 1) fits in a long. */
long http_pattern_match(const struct http_pattern *pat, const struct http_path *path, struct http_match *m)
{
	struct http_match tmp;
	long score = 0;
	unsigned int i;

	if (!m)
		m = &tmp;
	memset(m, 0, sizeof(*m));
	for (i = 0; i < pat->n_seg; i++) {
		score *= 4;
		switch (pat->seg[i].kind) {
		case HTTP_SEG_REST:
			m->rest = i < path->n_seg ? path->raw + path->raw_off[i] : "";
			for (i++; i <= HTTP_SEGMENTS_MAX; i++)
				score *= 4;
			return score;
		case HTTP_SEG_PARAM:
			if (i >= path->n_seg || !path->seg[i][0])
				return -1;
			m->param[m->n_params].name = pat->seg[i].text;
			m->param[m->n_params++].value = path->seg[i];
			score += 2;
			break;
		case HTTP_SEG_LITERAL:
			if (i >= path->n_seg || strcmp(pat->seg[i].text, path->seg[i]))
				return -1;
			score += 3;
			break;
		}
	}
	if (i != path->n_seg)
		return -1;
	score = score * 4 + 1;
	for (i++; i <= HTTP_SEGMENTS_MAX; i++)
		score *= 4;
	return score;
}

const char *http_match_param(const struct http_match *m, const char *name)
{
	for (unsigned int i = 0; i < m->n_params; i++)
		if (!strcmp(m->param[i].name, name))
			return m->param[i].value;
	return NULL;
}
