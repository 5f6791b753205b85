/* Numbering data: countries of the E.164 calling codes, number ranges (E.164
 * prefix -> network), networks by MCC-MNC. Loaded from a text file (the
 * default one is generated from packaged sources, doc/numbering.md) and
 * corrected by overrides from the configuration, which win over the file.
 *
 * Pointers returned by the lookups point into the tables: they stay valid
 * until the next numbering_load*() or numbering_override_*() call. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NUMBERING_E164_MAX		15	/* digits of an international number */
#define NUMBERING_NAME_MAX		64	/* bytes of a name, with its NUL */
#define NUMBERING_ISO_MAX		4	/* "DE", or "001" (non-geographic), with NUL */
#define NUMBERING_MCCMNC_MAX		7	/* "26201" / "310260", with NUL */
#define NUMBERING_NET_MCCMNC_MAX	32	/* MCC-MNCs of one network */

/* Limits of a data file (memory stays bounded whatever it holds) */
#define NUMBERING_FILE_MAX_BYTES	(32u << 20)
#define NUMBERING_LINE_MAX		1024
#define NUMBERING_MAX_COUNTRIES		1000
#define NUMBERING_MAX_NETWORKS		20000
#define NUMBERING_MAX_MCCMNCS		10000
#define NUMBERING_MAX_RANGES		200000	/* range and cprefix lines together */
#define NUMBERING_MAX_TRIE_NODES	1000000	/* 48 bytes each */
#define NUMBERING_MAX_OVERRIDES		10000

struct numbering_country {
	char iso[NUMBERING_ISO_MAX];	/* ISO 3166-1 alpha-2, "001": non-geographic */
	char cc[4];			/* its calling code, digits */
	bool main;			/* the one numbers of a shared code default to */
	char name[NUMBERING_NAME_MAX];
};

struct numbering_network {
	char name[NUMBERING_NAME_MAX];
	char iso[NUMBERING_ISO_MAX];	/* "": the country of the number */
	uint8_t n_mccmnc;		/* 0: no MCC-MNC known */
	char mccmnc[NUMBERING_NET_MCCMNC_MAX][NUMBERING_MCCMNC_MAX];
};

/* what an MCC-MNC is: the network's name and country */
struct numbering_mccmnc {
	char mccmnc[NUMBERING_MCCMNC_MAX];
	char iso[NUMBERING_ISO_MAX];	/* "": listed for several countries */
	char name[NUMBERING_NAME_MAX];
	bool from_config;
};

/* what the data says of one international number */
struct numbering_info {
	char cc[4];					/* its calling code */
	const struct numbering_country *country;	/* finest known: range, prefix, code */
	const struct numbering_network *network;	/* the range's owner; NULL: none known */
	uint8_t range_len;				/* digits of the range prefix matched */
	bool from_config;				/* the range is an override */
};

struct numbering;

struct numbering *numbering_alloc(void *ctx);

/* The data file used when none is configured: the installed one, or the one of
 * the source tree when not installed (tests, the demo). */
const char *numbering_default_path(void);

/* Load a data file (NULL: numbering_default_path()). On error the tables in use
 * stay as they were and err says which line and why. */
int numbering_load(struct numbering *nb, const char *path, char *err, size_t errlen);
/* the same from memory (the fuzzer, the tests) */
int numbering_load_buf(struct numbering *nb, const char *buf, size_t len, char *err, size_t errlen);

/* The configured data file (NULL: the default path) and loading it: call
 * numbering_load_configured() once the configuration is read. */
int numbering_set_data_file(struct numbering *nb, const char *path);
const char *numbering_data_file(const struct numbering *nb);
int numbering_load_configured(struct numbering *nb, char *err, size_t errlen);

/* The gateway's default normaliser settings (the "numbering" node): a default
 * country code (NULL: none), the trunk prefix (NULL: "0", "": none) and the
 * international prefixes ("00,011"; NULL: "00"). The returned configuration
 * checks calling codes against nb. */
struct numbering_norm_cfg;
int numbering_set_norm(struct numbering *nb, const char *country_code, const char *trunk_prefix,
		       const char *intl_prefixes, const char **why);
const struct numbering_norm_cfg *numbering_norm_defaults(const struct numbering *nb);

/* what was loaded: counts of the file's tables, and its source comment line */
struct numbering_stats {
	unsigned countries, cprefixes, mccmncs, networks, ranges, trie_nodes;
	size_t bytes;			/* memory of the loaded tables */
	unsigned overrides;
};
void numbering_stats(const struct numbering *nb, struct numbering_stats *st);
const char *numbering_loaded_path(const struct numbering *nb);	/* NULL: nothing loaded */

/* Longest-prefix lookup of international digits (no '+'). 0 when the calling
 * code is known, -ENOENT when not, -EINVAL for anything but 1..15 digits. */
int numbering_lookup(const struct numbering *nb, const char *digits, struct numbering_info *info);

/* digits of the calling code that digits start with, 0: none known */
int numbering_cc_len(const struct numbering *nb, const char *digits);

/* the main country of a calling code ("49"), or of an ISO code ("DE") */
const struct numbering_country *numbering_country_by_cc(const struct numbering *nb, const char *cc);
const struct numbering_country *numbering_country_by_iso(const struct numbering *nb, const char *iso);

/* what the data says of an MCC-MNC ("26201", "310260") */
const struct numbering_mccmnc *numbering_lookup_mccmnc(const struct numbering *nb, const char *mccmnc);

/* MCC-MNC of an IMSI: the 3-digit MNC when the data knows it, else the 2-digit
 * one, else the MNC length the data uses for that MCC (2 when it has none).
 * Writes the digits to out and returns what the data says of them (NULL: unknown). */
const struct numbering_mccmnc *numbering_imsi_mccmnc(const struct numbering *nb, const char *imsi,
						     char *out, size_t outlen);

/* whether a network lists an MCC-MNC (ported: the IMSI's is not one of the range owner's) */
bool numbering_network_has_mccmnc(const struct numbering_network *net, const char *mccmnc);

/* Overrides from the configuration; they win over the file and stay across
 * reloads. mcc_mnc and country may be NULL or "" (country: the number's).
 * 0, or -EINVAL with why set. */
int numbering_override_range(struct numbering *nb, const char *prefix, const char *mcc_mnc, const char *name,
			     const char *country, const char **why);
int numbering_override_network(struct numbering *nb, const char *mcc_mnc, const char *name, const char *country,
			       const char **why);
int numbering_override_country(struct numbering *nb, const char *cc, const char *iso, const char *name,
			       const char **why);
/* -ENOENT when there was none */
int numbering_override_remove_range(struct numbering *nb, const char *prefix);
int numbering_override_remove_network(struct numbering *nb, const char *mcc_mnc);
int numbering_override_remove_country(struct numbering *nb, const char *cc);

/* walk the overrides in the order they were given (writing the configuration) */
enum numbering_override_kind { NUMBERING_OVR_RANGE, NUMBERING_OVR_NETWORK, NUMBERING_OVR_COUNTRY };
struct numbering_override {
	enum numbering_override_kind kind;
	char key[NUMBERING_E164_MAX + 1];	/* prefix, MCC-MNC or calling code */
	char mccmnc[NUMBERING_MCCMNC_MAX];	/* ranges only */
	char iso[NUMBERING_ISO_MAX];
	char name[NUMBERING_NAME_MAX];
};
const struct numbering_override *numbering_override_next(const struct numbering *nb,
							 const struct numbering_override *prev);

/* syntax checks the VTY and the loader share */
bool numbering_is_digits(const char *s, size_t min, size_t max);
bool numbering_is_iso(const char *s);
bool numbering_is_name(const char *s);	/* 1..63 bytes of UTF-8 without control characters or '|' */
