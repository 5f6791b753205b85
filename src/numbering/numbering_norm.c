/* The number normaliser (numbering_norm.h, rules in doc/numbering.md): one
 * pass collects the digits and checks the characters around them, then the
 * digits are read as international or national. */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sigway/numbering/numbering.h>
#include <sigway/numbering/numbering_norm.h>

#define DIGITS_MAX	32	/* more than any prefix + 15 digits: the rest is "too long" */

static const char *const reasons[] = {
	[0] = "ok",
	[-NUMBERING_NORM_EMPTY] = "empty: no digits",
	[-NUMBERING_NORM_LETTER] = "letters are not allowed (vanity numbers are not converted)",
	[-NUMBERING_NORM_BAD_CHAR] = "a character that has no place in a phone number",
	[-NUMBERING_NORM_BAD_PLUS] = "'+' is allowed only at the start",
	[-NUMBERING_NORM_BAD_PARENS] = "unbalanced or nested parentheses",
	[-NUMBERING_NORM_TOO_SHORT] = "too short: too few digits after the country code",
	[-NUMBERING_NORM_TOO_LONG] = "too long: more than 15 digits (E.164) or 64 characters",
	[-NUMBERING_NORM_LEADING_ZERO] = "no country code starts with 0",
	[-NUMBERING_NORM_UNKNOWN_CC] = "unknown country code",
	[-NUMBERING_NORM_NO_COUNTRY] = "a national number, and no default country code is configured",
	[-NUMBERING_NORM_BAD_TON] = "the type of number is not a phone number (TON 0, 1 or 2)",
	[-NUMBERING_NORM_BAD_NPI] = "the numbering plan is not E.164 (NPI 0 or 1)",
	[-NUMBERING_NORM_NO_SPACE] = "the output buffer is too small",
	[-NUMBERING_NORM_BAD_CFG] = "the normaliser configuration is not valid",
};

const char *numbering_norm_strerror(int result)
{
	if (result > 0 || -result >= (int)(sizeof(reasons) / sizeof(reasons[0])))
		return "unknown error";
	return reasons[-result];
}

static int result(int rc, const char **why)
{
	if (why)
		*why = numbering_norm_strerror(rc);
	return rc;
}

/* how the digits were written */
struct scanned {
	char digits[DIGITS_MAX + 1];
	size_t n;
	bool plus;		/* a leading '+' */
	size_t trunk_at;	/* "(0)" after some digits: the 0 is at digits[trunk_at]; SIZE_MAX: none */
};

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/';
}

/* bytes of a UTF-8 space or dash at p (pasted numbers have them), 0: none.
 * U+00A0 no-break space, U+2000-U+200A spaces, U+2010-U+2015 dashes, U+202F. */
static size_t unicode_sep(const char *p, size_t left)
{
	const unsigned char *u = (const unsigned char *)p;
	if (left >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (left >= 3 && u[0] == 0xe2 && u[1] == 0x80 &&
	    ((u[2] >= 0x80 && u[2] <= 0x8a) || (u[2] >= 0x90 && u[2] <= 0x95) || u[2] == 0xaf))
		return 3;
	return 0;
}

static int scan(const char *in, struct scanned *s)
{
	size_t len = strnlen(in, NUMBERING_NORM_INPUT_MAX + 1);
	size_t paren_at = 0;
	bool in_paren = false;

	memset(s, 0, sizeof(*s));
	s->trunk_at = SIZE_MAX;
	if (len > NUMBERING_NORM_INPUT_MAX)
		return NUMBERING_NORM_TOO_LONG;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		size_t u;
		if (c >= '0' && c <= '9') {
			if (s->n == DIGITS_MAX)
				return NUMBERING_NORM_TOO_LONG;
			s->digits[s->n++] = c;
		} else if (c == '+') {
			/* only before the first digit, once, outside parentheses */
			if (s->n || s->plus || in_paren)
				return NUMBERING_NORM_BAD_PLUS;
			s->plus = true;
		} else if (c == '(') {
			if (in_paren)
				return NUMBERING_NORM_BAD_PARENS;
			in_paren = true;
			paren_at = s->n;
		} else if (c == ')') {
			if (!in_paren)
				return NUMBERING_NORM_BAD_PARENS;
			in_paren = false;
			/* "+49 (0)170": the trunk prefix shown beside the country code */
			if (s->n == paren_at + 1 && s->digits[paren_at] == '0' && paren_at > 0)
				s->trunk_at = paren_at;
		} else if (is_sep(c)) {
			continue;
		} else if ((u = unicode_sep(in + i, len - i))) {
			i += u - 1;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return NUMBERING_NORM_LETTER;
		} else {
			return NUMBERING_NORM_BAD_CHAR;
		}
	}
	if (in_paren)
		return NUMBERING_NORM_BAD_PARENS;
	if (!s->n)
		return NUMBERING_NORM_EMPTY;
	s->digits[s->n] = '\0';
	return 0;
}

/* the international prefix digits start with (longest first), 0: none */
static size_t intl_prefix_len(const char *digits, const char *list)
{
	size_t best = 0;
	const char *p = list ? list : "00";
	while (*p) {
		size_t l = strcspn(p, ",");
		if (l > best && !strncmp(digits, p, l))
			best = l;
		p += l;
		if (*p == ',')
			p++;
	}
	return best;
}

int numbering_norm_cfg_check(const struct numbering_norm_cfg *cfg, const char **why)
{
	if (!cfg)
		return result(NUMBERING_NORM_BAD_CFG, why);
	if (cfg->country_code && cfg->country_code[0] &&
	    (!numbering_is_digits(cfg->country_code, 1, 3) || cfg->country_code[0] == '0'))
		return result(NUMBERING_NORM_BAD_CFG, why);
	if (cfg->trunk_prefix && !numbering_is_digits(cfg->trunk_prefix, 0, 3))
		return result(NUMBERING_NORM_BAD_CFG, why);
	if (cfg->intl_prefixes) {
		const char *p = cfg->intl_prefixes;
		unsigned n = 0;
		while (*p) {
			size_t l = strcspn(p, ",");
			if (l < 1 || l > 4 || strspn(p, "0123456789") < l || ++n > NUMBERING_NORM_PREFIXES_MAX)
				return result(NUMBERING_NORM_BAD_CFG, why);
			p += l;
			if (*p == ',' && !*++p)
				return result(NUMBERING_NORM_BAD_CFG, why);
		}
		if (!n)
			return result(NUMBERING_NORM_BAD_CFG, why);
	}
	if (cfg->min_nsn > 14)
		return result(NUMBERING_NORM_BAD_CFG, why);
	return 0;
}

/* check international digits and write them out */
static int finish(const char *digits, const struct numbering_norm_cfg *cfg, char *out, size_t outlen,
		  const char **why)
{
	size_t n = strlen(digits);
	unsigned min_nsn = cfg->min_nsn ? cfg->min_nsn : 4;
	size_t cc_len = 1;

	if (!n)
		return result(NUMBERING_NORM_TOO_SHORT, why);
	if (digits[0] == '0')
		return result(NUMBERING_NORM_LEADING_ZERO, why);
	if (n > NUMBERING_E164_MAX)
		return result(NUMBERING_NORM_TOO_LONG, why);
	if (cfg->nb) {
		cc_len = (size_t)numbering_cc_len(cfg->nb, digits);
		if (!cc_len)
			return result(NUMBERING_NORM_UNKNOWN_CC, why);
	}
	if (n < cc_len + min_nsn)
		return result(NUMBERING_NORM_TOO_SHORT, why);
	if (outlen < n + 1)
		return result(NUMBERING_NORM_NO_SPACE, why);
	memcpy(out, digits, n + 1);
	return result(NUMBERING_NORM_OK, why);
}

enum form { FORM_ANY, FORM_INTERNATIONAL, FORM_NATIONAL };

static int normalise(const char *input, enum form form, const struct numbering_norm_cfg *cfg, char *out,
		     size_t outlen, const char **why)
{
	struct scanned s;
	char intl[DIGITS_MAX + 4];
	int rc;

	if (outlen)
		out[0] = '\0';
	if ((rc = numbering_norm_cfg_check(cfg, why)) < 0)
		return rc;
	const char *cc = cfg->country_code && cfg->country_code[0] ? cfg->country_code : NULL;
	const char *trunk = cfg->trunk_prefix ? cfg->trunk_prefix : "0";
	if (!input)
		return result(NUMBERING_NORM_EMPTY, why);
	if ((rc = scan(input, &s)) < 0)
		return result(rc, why);

	size_t ip = s.plus ? 0 : intl_prefix_len(s.digits, cfg->intl_prefixes);
	if (s.plus || ip) {
		/* international; drop a "(0)" written after the country code */
		size_t o = 0;
		for (size_t i = ip; i < s.n; i++)
			if (i != s.trunk_at)
				intl[o++] = s.digits[i];
		intl[o] = '\0';
		return finish(intl, cfg, out, outlen, why);
	}
	size_t tl = strlen(trunk);
	bool national = form == FORM_NATIONAL || (form == FORM_ANY && tl && !strncmp(s.digits, trunk, tl));
	if (!national)
		return finish(s.digits, cfg, out, outlen, why);
	if (!cc)
		return result(NUMBERING_NORM_NO_COUNTRY, why);
	if (tl && !strncmp(s.digits, trunk, tl))
		memmove(s.digits, s.digits + tl, s.n - tl + 1);
	if (!s.digits[0])
		return result(NUMBERING_NORM_TOO_SHORT, why);
	snprintf(intl, sizeof(intl), "%s%s", cc, s.digits);
	return finish(intl, cfg, out, outlen, why);
}

int numbering_normalise(const char *input, const struct numbering_norm_cfg *cfg, char *out_e164, size_t outlen,
			const char **why)
{
	return normalise(input, FORM_ANY, cfg, out_e164, outlen, why);
}

int numbering_normalise_smpp(uint8_t ton, uint8_t npi, const char *addr, const struct numbering_norm_cfg *cfg,
			     char *out_e164, size_t outlen, const char **why)
{
	if (outlen)
		out_e164[0] = '\0';
	if (npi > 1)
		return result(NUMBERING_NORM_BAD_NPI, why);
	switch (ton) {
	case 0:
		return normalise(addr, FORM_ANY, cfg, out_e164, outlen, why);
	case 1:
		return normalise(addr, FORM_INTERNATIONAL, cfg, out_e164, outlen, why);
	case 2:
		return normalise(addr, FORM_NATIONAL, cfg, out_e164, outlen, why);
	default:
		return result(NUMBERING_NORM_BAD_TON, why);
	}
}
