/* smpp_responder PORT: the least an SMSC can do. Accepts any bind and
 * answers every submit_sm at once with a counter as message_id, nothing
 * stored, nothing delivered. The SMPP benchmark runs the same client against
 * it and against sigwayd: the ratio is what accepting and durably storing
 * costs. One thread, poll(), our own PDU codec. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sigway/smpp/smpp_pdu.h>

#define MAX_CONN 64

struct conn {
	int fd;
	uint8_t rx[SMPP_PDU_MAX];
	size_t rx_len;
	uint8_t tx[1 << 16];
	size_t tx_len;
};

static unsigned long long next_id;

static void answer(struct conn *c, const struct smpp_pdu *p)
{
	struct smpp_pdu r = { .command_id = p->command_id | SMPP_RESP, .sequence_number = p->sequence_number };
	switch (p->command_id) {
	case SMPP_BIND_TRANSCEIVER: case SMPP_BIND_TRANSMITTER: case SMPP_BIND_RECEIVER:
		snprintf(r.system_id, sizeof(r.system_id), "responder");
		break;
	case SMPP_SUBMIT_SM:
		snprintf(r.message_id, sizeof(r.message_id), "%llu", ++next_id);
		break;
	case SMPP_ENQUIRE_LINK: case SMPP_UNBIND:
		break;
	default:
		return;
	}
	if (sizeof(c->tx) - c->tx_len < 128)
		return;
	int len = smpp_encode(c->tx + c->tx_len, sizeof(c->tx) - c->tx_len, &r);
	if (len > 0)
		c->tx_len += (size_t)len;
}

/* false: close */
static int on_readable(struct conn *c)
{
	ssize_t n = read(c->fd, c->rx + c->rx_len, sizeof(c->rx) - c->rx_len);
	if (n == 0 || (n < 0 && errno != EAGAIN))
		return 0;
	if (n > 0)
		c->rx_len += (size_t)n;
	size_t off = 0;
	int len;
	while ((len = smpp_frame_len(c->rx + off, c->rx_len - off)) > 0) {
		struct smpp_pdu p;
		if (smpp_decode(&p, c->rx + off, (size_t)len, NULL) == 0)
			answer(c, &p);
		off += (size_t)len;
	}
	if (len < 0)
		return 0;
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
	if (c->tx_len) {
		ssize_t w = write(c->fd, c->tx, c->tx_len);
		if (w > 0) {
			memmove(c->tx, c->tx + w, c->tx_len - (size_t)w);
			c->tx_len -= (size_t)w;
		}
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: smpp_responder PORT\n");
		return 2;
	}
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (bind(ls, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(ls, 16) < 0) {
		perror("smpp_responder");
		return 1;
	}
	static struct conn conns[MAX_CONN];
	struct pollfd pfd[MAX_CONN + 1];
	int n = 0;
	for (;;) {
		pfd[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
		for (int i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){ .fd = conns[i].fd,
						      .events = POLLIN | (conns[i].tx_len ? POLLOUT : 0) };
		if (poll(pfd, (nfds_t)n + 1, -1) < 0)
			continue;
		for (int i = n - 1; i >= 0; i--) {
			if (!(pfd[i + 1].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)))
				continue;
			if (!on_readable(&conns[i])) {
				close(conns[i].fd);
				conns[i] = conns[--n];
			}
		}
		if ((pfd[0].revents & POLLIN) && n < MAX_CONN) {
			int fd = accept(ls, NULL, NULL);
			if (fd >= 0) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				fcntl(fd, F_SETFL, O_NONBLOCK);
				conns[n].fd = fd;
				conns[n].rx_len = conns[n].tx_len = 0;
				n++;
			}
		}
	}
}
