/* Inside the numbering data: one table layout for the loaded file and for the
 * overrides of the configuration. */
#pragma once

#include <sigway/numbering/numbering.h>
#include <sigway/numbering/numbering_norm.h>

/* A decimal digit trie: lookups cost one step per digit of the number. */
struct nb_node {
	uint32_t child[10];	/* 0: none (the root is never a child) */
	int32_t net;		/* range owner: index into networks, -1: none */
	int16_t country;	/* country prefix: index into countries, -1: none */
};

#define NB_ISO_SLOTS (26 * 26 + 1)	/* "AA".."ZZ", and "001" */

struct nb_table {
	struct numbering_country *countries;
	unsigned n_countries;
	int16_t cc_main[3][1000];	/* [digits - 1][code]: main country, -1: unknown code */
	int16_t iso_idx[NB_ISO_SLOTS];	/* first country of an ISO code, -1: none */

	struct numbering_mccmnc *mccmncs;	/* sorted by key */
	uint32_t *mccmnc_keys;
	unsigned n_mccmncs;
	uint8_t mnc_len_seen[1000];	/* per MCC: bit 0 two-digit MNCs seen, bit 1 three-digit */

	struct numbering_network *networks;
	unsigned n_networks;

	struct nb_node *nodes;
	unsigned n_nodes, cap_nodes;
	unsigned n_ranges, n_cprefixes;

	char path[256];			/* what it was loaded from */
};

struct numbering {
	struct nb_table *data;		/* the file */
	struct nb_table *ovr;		/* the overrides, built from the list below */
	struct numbering_override *ovr_list;
	unsigned n_ovr;
	char data_file[256];		/* "": the default path */
	/* the default normaliser settings, and the configuration pointing to them */
	char country_code[4], trunk_prefix[4], intl_prefixes[24];
	bool trunk_set, intl_set;
	struct numbering_norm_cfg norm;
};

struct nb_table *nb_table_alloc(void *ctx);
int nb_table_add_country(struct nb_table *t, const char *iso, const char *cc, const char *name, bool main);
int nb_table_add_mccmnc(struct nb_table *t, const char *mccmnc, const char *iso, const char *name);
void nb_table_sort_mccmncs(struct nb_table *t);
int nb_table_add_network(struct nb_table *t, const char *name, const char *iso);
int nb_network_add_mccmnc(struct numbering_network *net, const char *mccmnc);
/* the trie node of a prefix, created when missing; -1: the node limit is reached */
int32_t nb_table_node(struct nb_table *t, const char *digits);
/* the deepest node of digits that has a range (network) and the deepest with a country */
void nb_table_trim(struct nb_table *t);
void nb_table_walk(const struct nb_table *t, const char *digits, int32_t *net, unsigned *net_len, int16_t *country);
int nb_table_cc_len(const struct nb_table *t, const char *digits);
const struct numbering_country *nb_table_country_iso(const struct nb_table *t, const char *iso);
const struct numbering_mccmnc *nb_table_mccmnc(const struct nb_table *t, const char *mccmnc);
int nb_iso_slot(const char *iso);
uint32_t nb_mccmnc_key(const char *mccmnc);

int nb_parse(struct nb_table *t, const char *buf, size_t len, char *err, size_t errlen);
