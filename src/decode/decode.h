/* sigway-decode's decoding: one JSON line per SCCP message on stdout */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern bool decode_ansi;		/* MTP3 routing labels are ANSI (7 octets) */
extern unsigned long decode_frame_no;	/* printed as "frame" */

/* One captured frame of a pcap link type (1 Ethernet, 101/228 raw IP, 113/276
 * Linux cooked v1/v2, 141 MTP3; any other prints nothing) */
void decode_link_frame(uint32_t linktype, const uint8_t *pkt, size_t len);
void decode_sccp(const uint8_t *buf, size_t len, long opc, long dpc);
void decode_tcap(const uint8_t *buf, size_t len);
