/* SCCP management message codec (ITU-T Q.713 5.1): format identifier,
 * affected SSN, affected point code (2 octets, 14 bits, least significant
 * octet first), subsystem multiplicity indicator, and for SSC the
 * congestion level. */

#include <sigway/sccp/sccp_codec.h>
#include <sigway/sccp/sccp_scmg.h>

static size_t scmg_len(enum sccp_scmg_type type)
{
	return type == SCCP_SCMG_SSC ? SCCP_SCMG_SSC_LEN : SCCP_SCMG_LEN;
}

static bool type_known(unsigned int type)
{
	return type >= SCCP_SCMG_SSA && type <= SCCP_SCMG_SSC;
}

int sccp_scmg_encode(uint8_t *buf, size_t buflen, const struct sccp_scmg_msg *m)
{
	if (!type_known(m->type) || m->affected_pc > 0x3fff || m->smi > 3 ||
	    (m->type == SCCP_SCMG_SSC && m->congestion_level > 0x0f))
		return -SCCP_ERR_BAD_VALUE;
	size_t len = scmg_len(m->type);
	if (buflen < len)
		return -SCCP_ERR_NO_SPACE;
	buf[0] = (uint8_t)m->type;
	buf[1] = m->affected_ssn;
	buf[2] = m->affected_pc & 0xff;
	buf[3] = (m->affected_pc >> 8) & 0x3f;
	buf[4] = m->smi;
	if (m->type == SCCP_SCMG_SSC)
		buf[5] = m->congestion_level;
	return (int)len;
}

int sccp_scmg_decode(struct sccp_scmg_msg *m, const uint8_t *buf, size_t len)
{
	if (len < 1)
		return -SCCP_ERR_TRUNCATED;
	if (!type_known(buf[0]))
		return -SCCP_ERR_UNKNOWN_TYPE;
	enum sccp_scmg_type type = buf[0];
	if (len != scmg_len(type))
		return -SCCP_ERR_TRUNCATED;
	*m = (struct sccp_scmg_msg){
		.type = type,
		.affected_ssn = buf[1],
		/* the two spare bits above the 14-bit point code are ignored */
		.affected_pc = (uint16_t)(buf[2] | (buf[3] & 0x3f) << 8),
		.smi = buf[4] & 0x03,
		.congestion_level = type == SCCP_SCMG_SSC ? buf[5] & 0x0f : 0,
	};
	return 0;
}

const char *sccp_scmg_type_name(enum sccp_scmg_type type)
{
	switch (type) {
	case SCCP_SCMG_SSA: return "SSA";
	case SCCP_SCMG_SSP: return "SSP";
	case SCCP_SCMG_SST: return "SST";
	case SCCP_SCMG_SOR: return "SOR";
	case SCCP_SCMG_SOG: return "SOG";
	case SCCP_SCMG_SSC: return "SSC";
	}
	return "SCMG?";
}
