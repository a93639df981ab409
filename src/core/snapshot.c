// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <sys/socket.h>

#include "core/classify.h"
#include "core/snapshot.h"

void snapshot_protocol_bytes(struct snapshot *s, const char *name, uint64_t tx, uint64_t rx,
			     bool take_back)
{
	size_t k;

	for (k = 0; k < s->nprotocols && s->protocols[k].name != name; k++)
		;
	if (k == s->nprotocols) {
		/* Every name fits (the assertion beside the array); this guards the bound only. */
		if (take_back || k == SNAPSHOT_PROTOCOLS_MAX)
			return;
		s->protocols[s->nprotocols++] = (struct protocol_bytes){ .name = name };
	}
	if (take_back) {
		s->protocols[k].tx_bytes -= tx;
		s->protocols[k].rx_bytes -= rx;
	} else {
		s->protocols[k].tx_bytes += tx;
		s->protocols[k].rx_bytes += rx;
	}
}

const char *snapshot_connection_protocol(const struct connection_stats *c)
{
	return classify_connection_name(c->app, c->family == AF_INET6 ? 6 : 4, (uint8_t)c->protocol);
}

void snapshot_count_connection(struct snapshot *s, const struct connection_stats *c)
{
	if (c->bytes.tx_bytes || c->bytes.rx_bytes)
		snapshot_protocol_bytes(s, snapshot_connection_protocol(c), c->bytes.tx_bytes,
					c->bytes.rx_bytes, false);
}

void snapshot_sum_protocols(struct snapshot *s)
{
	s->nprotocols = 0;
	for (size_t i = 0; i < s->nconns; i++)
		snapshot_count_connection(s, &s->conns[i]);
}
