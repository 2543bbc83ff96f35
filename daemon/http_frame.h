/*
 * http_frame.h - where each request on a connection begins and ends, read
 * from its bytes as they arrive, before evhttp parses them.
 *
 * libevent 2.1 frames requests laxly: the first of two Content-Length
 * headers wins, a Transfer-Encoding other than "chunked" means no body,
 * a chunk extension is refused as a corrupt body, HTTP/1.1 without Host
 * is served.  A proxy in front that frames the same bytes otherwise could
 * smuggle a second request inside the first.  This reader frames every
 * request strictly (RFC 9112) and accepts only what evhttp will frame the
 * same way; anything else is refused before evhttp sees it (http.c).  It
 * also tells http.c when a request begins, when its head is complete and
 * when it has been read whole, which bounds a request's time.
 *
 * No libevent here: bytes in, events out, so the unit tests and fuzzing
 * drive it with strings alone.
 */
#ifndef PP_HTTP_FRAME_H
#define PP_HTTP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum http_frame_event {
	HTTP_FRAME_MORE,   /* every byte read; the request goes on (or none began) */
	HTTP_FRAME_START,  /* a request begins with the next byte (not yet read) */
	HTTP_FRAME_HEAD,   /* its head is complete and a body follows */
	HTTP_FRAME_DONE,   /* it has been read whole; the next byte is the next request's */
	HTTP_FRAME_REJECT, /* it cannot be framed safely: status and why say how */
};

/* The reader's state for one connection; fields are private to
 * http_frame.c except those marked. */
struct http_frame {
	int state;
	bool cr;         /* a CR was read: LF must follow */
	bool trailer;    /* the header lines read are a chunked body's trailers */
	bool ext;        /* a chunk line's ';' was read */
	uint64_t pos;    /* public: stream offset of the next byte */
	uint64_t start;  /* public: where the current request began */
	uint64_t line;   /* public: where the current line began */
	uint64_t left;   /* body or chunk bytes still to come */
	char method[16]; /* NUL-terminated when complete */
	size_t method_len, target_len;
	char version[9];
	size_t version_len;
	char name[32]; /* the header name, lower case (cut) */
	size_t name_len;
	char value[64]; /* Content-Length or Transfer-Encoding value (cut) */
	size_t value_len;
	int hosts, tes;
	bool te_chunked, has_length;
	uint64_t length;
	int digits;
	int status;      /* public: REJECT's HTTP status (400, 413 or 501) */
	const char *why; /* public: REJECT's reason, a static sentence */
};

/* Start reading a connection's first request. */
void http_frame_init(struct http_frame *f);

/* Read buf[0..len), the next bytes of the connection, until an event:
 * returns it with *used the bytes read (all of them for MORE).  A chunk
 * line's extension is made one evhttp accepts by rewriting, in buf, the
 * ';' or tab after its size into a space.  After REJECT every byte is
 * read as MORE. */
enum http_frame_event http_frame_feed(struct http_frame *f, char *buf, size_t len, size_t *used);

/* Whether a request has begun and is not yet read whole (nor rejected). */
bool http_frame_in_request(const struct http_frame *f);

#endif
