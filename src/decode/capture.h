/* Capture files read by sigway-decode: classic pcap and pcapng, one frame at
 * a time, from a FILE (memory bounded by the largest block) or from a buffer
 * in memory (no copy). See capture.c for what is read and checked. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The largest pcap record or pcapng block read; a larger one is an error */
#define CAPTURE_BLOCK_MAX (16u << 20)
/* Interfaces one pcapng section may describe */
#define CAPTURE_INTERFACES_MAX 65536u

struct capture;

struct capture_frame {
	unsigned long number;	/* 1, 2, ... over the whole file, as tshark numbers frames */
	uint32_t linktype;	/* LINKTYPE_* of the frame's interface (1 Ethernet, 141 MTP3, ...) */
	unsigned section;	/* pcapng: the section, from 0; pcap: 0 */
	uint32_t interface;	/* pcapng: the interface id within its section; pcap: 0 */
	const uint8_t *data;	/* the captured octets; valid until the next capture_next() */
	size_t len;		/* octets captured */
	uint32_t orig_len;	/* octets the frame had on the wire */
};

/* A reader of f (which the caller opened and closes), allocated under ctx
 * (talloc_free() it when done) */
struct capture *capture_open_file(void *ctx, FILE *f);
/* A reader of buf[0..len), which must outlive it; frames point into buf */
struct capture *capture_open_mem(void *ctx, const uint8_t *buf, size_t len);

/* The next frame in *fr: 1; the end of the file: 0; an error: -1, and every
 * call after it returns -1 again (capture_error() says what is wrong) */
int capture_next(struct capture *c, struct capture_frame *fr);

/* After -1: where and what, e.g. "offset 1508, after frame 12: truncated
 * Enhanced Packet Block (300 octets long, 60 in the file)" */
const char *capture_error(const struct capture *c);

/* "pcap" or "pcapng" once the first capture_next() has read the file's header, else NULL */
const char *capture_format(const struct capture *c);
