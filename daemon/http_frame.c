/*
 * http_frame.c - strict request framing ahead of evhttp (http_frame.h).
 *
 * A byte-at-a-time state machine over the request line, the header lines,
 * and the body: Content-Length bytes, or chunks and their trailer lines.
 * It keeps no line, only what framing needs: the method (which methods
 * evhttp reads a body for), the version, the Content-Length values, the
 * Transfer-Encoding value and the count of Host headers.  Refused, each
 * with the reason sent back:
 *
 *   - a malformed request line, header name or line; a CR without LF;
 *     control bytes in a line; a folded header line (obs-fold);
 *   - two Content-Length headers that differ, one that is not digits;
 *   - a Transfer-Encoding other than exactly "chunked" (501), more than
 *     one, one with Content-Length, one in HTTP/1.0;
 *   - a body on a method evhttp reads none for (HEAD, TRACE, unknown);
 *   - HTTP/1.1 without Host, more than one Host;
 *   - a malformed chunk line, chunk data not ended by CRLF.
 *
 * What is accepted, evhttp frames the same way: it reads Content-Length
 * bytes (the one value), or chunks whose size line it parses with
 * strtoll() and accepts when a space or nothing follows the digits -- so
 * an extension's ';' (or a tab before it) is rewritten into a space, and
 * evhttp ignores the rest of the line as it should.  Lines may end in LF
 * alone, as evhttp allows.
 */
#include "http_frame.h"

#include <string.h>
#include <strings.h>

enum {
	FR_IDLE,     /* between requests */
	FR_METHOD,   /* the request line */
	FR_TARGET,   /* */
	FR_VERSION,  /* */
	FR_LINE,     /* a header (or trailer) line's first byte */
	FR_NAME,     /* a header name */
	FR_VALUE,    /* a header value */
	FR_BODY,     /* Content-Length bytes */
	FR_SIZE,     /* a chunk line's size */
	FR_EXT,      /* the rest of a chunk line */
	FR_DATA,     /* chunk data */
	FR_DATA_END, /* the CRLF after chunk data */
	FR_REJECTED,
};

/* Header names framing looks at. */
enum { HDR_OTHER, HDR_LENGTH, HDR_TE, HDR_HOST };

void http_frame_init(struct http_frame *f)
{
	memset(f, 0, sizeof *f);
	f->state = FR_IDLE;
}

bool http_frame_in_request(const struct http_frame *f)
{
	return f->state != FR_IDLE && f->state != FR_REJECTED;
}

static enum http_frame_event frame_reject(struct http_frame *f, int status, const char *why)
{
	f->state = FR_REJECTED;
	f->status = status;
	f->why = why;
	return HTTP_FRAME_REJECT;
}

/* RFC 9110's tchar: the bytes of a method or a header name. */
static bool frame_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A byte no line may hold: controls other than tab, and DEL. */
static bool frame_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7F;
}

static unsigned char frame_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int frame_hex(unsigned char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* Whether evhttp reads a body for this method (evhttp_method_may_have_body
 * of libevent 2.1: methods are matched case-sensitively). */
static bool frame_method_has_body(const char *m)
{
	static const char *const with[] = {"POST",   "PUT",     "PATCH",  "GET",
					   "DELETE", "OPTIONS", "CONNECT"};

	for (size_t i = 0; i < sizeof with / sizeof with[0]; i++)
		if (strcmp(m, with[i]) == 0)
			return true;
	return false;
}

/* value[0..len) without the blanks evhttp strips: leading spaces (not
 * tabs), trailing spaces and tabs. */
static const char *frame_evhttp_trim(char *value, size_t *len)
{
	char *v = value;

	while (*len > 0 && *v == ' ')
		v++, (*len)--;
	while (*len > 0 && (v[*len - 1] == ' ' || v[*len - 1] == '\t'))
		(*len)--;
	v[*len] = '\0';
	return v;
}

/* A header line has ended: take what framing needs from it. */
static enum http_frame_event frame_header_end(struct http_frame *f)
{
	size_t len = f->value_len < sizeof f->value ? f->value_len : sizeof f->value - 1;
	bool cut = f->value_len >= sizeof f->value;
	const char *v;
	int kind = f->name_len >= sizeof f->name               ? HDR_OTHER
		   : strcmp(f->name, "content-length") == 0    ? HDR_LENGTH
		   : strcmp(f->name, "transfer-encoding") == 0 ? HDR_TE
		   : strcmp(f->name, "host") == 0              ? HDR_HOST
							       : HDR_OTHER;
	uint64_t n = 0;

	f->state = FR_LINE;
	if (f->trailer || kind == HDR_OTHER)
		return HTTP_FRAME_MORE;
	if (kind == HDR_HOST) {
		f->hosts++;
		return HTTP_FRAME_MORE;
	}
	f->value[len] = '\0';
	v = frame_evhttp_trim(f->value, &len);
	if (kind == HDR_TE) {
		if (++f->tes > 1)
			return frame_reject(f, 400, "more than one Transfer-Encoding header");
		f->te_chunked = !cut && strlen(v) == 7 && strncasecmp(v, "chunked", 7) == 0;
		return HTTP_FRAME_MORE;
	}
	/* Content-Length: digits (leading tabs too, which evhttp's strtoll
	 * skips and RFC 9110 allows). */
	while (*v == '\t')
		v++;
	if (*v == '\0' || cut || strspn(v, "0123456789") != strlen(v))
		return frame_reject(f, 400, "Content-Length is not a number of bytes");
	if (strlen(v) > 18)
		return frame_reject(f, 413, "Content-Length is over any limit");
	for (; *v != '\0'; v++)
		n = n * 10 + (uint64_t)(*v - '0');
	if (f->has_length && n != f->length)
		return frame_reject(f, 400, "two Content-Length headers with different values");
	f->has_length = true;
	f->length = n;
	return HTTP_FRAME_MORE;
}

/* The head has ended: how is the body framed? */
static enum http_frame_event frame_head_end(struct http_frame *f)
{
	bool http11 = strcmp(f->version, "HTTP/1.1") == 0;

	if (f->hosts > 1)
		return frame_reject(f, 400, "more than one Host header");
	if (http11 && f->hosts == 0)
		return frame_reject(f, 400, "an HTTP/1.1 request must have a Host header");
	if (f->tes > 0) {
		if (!http11)
			return frame_reject(f, 400, "Transfer-Encoding in an HTTP/1.0 request");
		if (f->has_length)
			return frame_reject(f, 400, "both Content-Length and Transfer-Encoding");
		if (!f->te_chunked)
			return frame_reject(f, 501,
					    "Transfer-Encoding other than \"chunked\" is not "
					    "implemented");
		if (!frame_method_has_body(f->method))
			return frame_reject(f, 400, "this method takes no body");
		f->state = FR_SIZE;
		f->digits = 0;
		f->left = 0;
		return HTTP_FRAME_HEAD;
	}
	if (f->has_length && f->length > 0) {
		if (!frame_method_has_body(f->method))
			return frame_reject(f, 400, "this method takes no body");
		f->state = FR_BODY;
		f->left = f->length;
		return HTTP_FRAME_HEAD;
	}
	f->state = FR_IDLE;
	return HTTP_FRAME_DONE;
}

/* The end of a chunk line: data follows, or the trailer lines. */
static enum http_frame_event frame_chunk_line_end(struct http_frame *f)
{
	if (f->left == 0) {
		f->trailer = true;
		f->state = FR_LINE;
		f->line = f->pos + 1;
	} else {
		f->state = FR_DATA;
	}
	return HTTP_FRAME_MORE;
}

/* One byte c (at f->pos) of a line state; may rewrite *p. */
static enum http_frame_event frame_byte(struct http_frame *f, char *p)
{
	unsigned char c = (unsigned char)*p;
	int h;

	if (c == '\r' && !f->cr) {
		f->cr = true;
		return HTTP_FRAME_MORE;
	}
	if (f->cr) {
		f->cr = false;
		if (c != '\n')
			return frame_reject(f, 400, "a CR not followed by LF");
	}
	switch (f->state) {
	case FR_METHOD:
		if (c == ' ' && f->method_len > 0) {
			f->state = FR_TARGET;
			return HTTP_FRAME_MORE;
		}
		if (!frame_tchar(c) || f->method_len == sizeof f->method - 1)
			return frame_reject(f, 400, "malformed request line");
		f->method[f->method_len++] = (char)c;
		return HTTP_FRAME_MORE;
	case FR_TARGET:
		if (c == ' ' && f->target_len > 0) {
			f->state = FR_VERSION;
			return HTTP_FRAME_MORE;
		}
		if (c <= ' ' || c == 0x7F)
			return frame_reject(f, 400, "malformed request line");
		f->target_len++;
		return HTTP_FRAME_MORE;
	case FR_VERSION:
		if (c == '\n') {
			if (strcmp(f->version, "HTTP/1.1") != 0 &&
			    strcmp(f->version, "HTTP/1.0") != 0)
				return frame_reject(f, 400,
						    "only HTTP/1.1 and HTTP/1.0 are served");
			f->state = FR_LINE;
			f->line = f->pos + 1;
			return HTTP_FRAME_MORE;
		}
		if (frame_ctl(c) || c == ' ' || f->version_len == sizeof f->version - 1)
			return frame_reject(f, 400, "malformed request line");
		f->version[f->version_len++] = (char)c;
		return HTTP_FRAME_MORE;
	case FR_LINE:
		if (c == '\n') {
			if (!f->trailer)
				return frame_head_end(f);
			f->state = FR_IDLE;
			return HTTP_FRAME_DONE;
		}
		if (c == ' ' || c == '\t')
			return frame_reject(f, 400, "a folded header line (obsolete line folding)");
		if (!frame_tchar(c))
			return frame_reject(f, 400, "malformed header name");
		f->state = FR_NAME;
		f->name[0] = (char)frame_lower(c);
		f->name_len = 1;
		f->value_len = 0;
		return HTTP_FRAME_MORE;
	case FR_NAME:
		if (c == ':' && f->name_len > 0) {
			f->name[f->name_len < sizeof f->name ? f->name_len : sizeof f->name - 1] =
			    '\0';
			f->state = FR_VALUE;
			return HTTP_FRAME_MORE;
		}
		if (!frame_tchar(c))
			return frame_reject(
			    f, 400, "malformed header name (no blank may precede its colon)");
		if (f->name_len < sizeof f->name - 1)
			f->name[f->name_len] = (char)frame_lower(c);
		f->name_len++;
		return HTTP_FRAME_MORE;
	case FR_VALUE:
		if (c == '\n') {
			enum http_frame_event ev = frame_header_end(f);

			if (ev != HTTP_FRAME_REJECT) /* a refusal cuts at the line's start */
				f->line = f->pos + 1;
			return ev;
		}
		if (frame_ctl(c))
			return frame_reject(f, 400, "a control character in a header");
		if (f->value_len < sizeof f->value)
			f->value[f->value_len++] = (char)c;
		return HTTP_FRAME_MORE;
	case FR_SIZE:
		if ((h = frame_hex(c)) >= 0) {
			if (++f->digits > 15)
				return frame_reject(f, 413, "a chunk is over any limit");
			f->left = f->left * 16 + (uint64_t)h;
			return HTTP_FRAME_MORE;
		}
		if (f->digits == 0)
			return frame_reject(f, 400, "malformed chunk size");
		if (c == '\n')
			return frame_chunk_line_end(f);
		if (c != ';' && c != ' ' && c != '\t')
			return frame_reject(f, 400, "malformed chunk size");
		f->ext = c == ';';
		*p = ' '; /* evhttp takes a size followed by a space, and ignores the rest */
		f->state = FR_EXT;
		return HTTP_FRAME_MORE;
	case FR_EXT:
		if (c == '\n')
			return frame_chunk_line_end(f);
		if (frame_ctl(c) || (!f->ext && c != ' ' && c != '\t' && c != ';'))
			return frame_reject(f, 400, "malformed chunk extension");
		f->ext = f->ext || c == ';';
		return HTTP_FRAME_MORE;
	case FR_DATA_END:
		if (c != '\n')
			return frame_reject(f, 400, "chunk data not followed by CRLF");
		f->state = FR_SIZE;
		f->digits = 0;
		f->left = 0;
		f->line = f->pos + 1;
		return HTTP_FRAME_MORE;
	default:
		return HTTP_FRAME_MORE;
	}
}

/* A new request: forget the last one's. */
static void frame_begin(struct http_frame *f)
{
	uint64_t pos = f->pos;

	http_frame_init(f);
	f->pos = f->start = f->line = pos;
	f->state = FR_METHOD;
}

enum http_frame_event http_frame_feed(struct http_frame *f, char *buf, size_t len, size_t *used)
{
	enum http_frame_event ev = HTTP_FRAME_MORE;
	size_t i = 0;

	while (i < len && ev == HTTP_FRAME_MORE) {
		if (f->state == FR_REJECTED) {
			f->pos += len - i;
			i = len;
		} else if (f->state == FR_IDLE) {
			frame_begin(f); /* the byte is read next call, as the method's */
			ev = HTTP_FRAME_START;
		} else if (f->state == FR_BODY || f->state == FR_DATA) {
			uint64_t n = len - i < f->left ? len - i : f->left;

			i += n;
			f->pos += n;
			f->left -= n;
			if (f->left > 0)
				continue;
			if (f->state == FR_BODY) {
				f->state = FR_IDLE;
				ev = HTTP_FRAME_DONE;
			} else {
				f->state = FR_DATA_END;
				f->line = f->pos;
			}
		} else {
			ev = frame_byte(f, &buf[i]);
			i++;
			f->pos++;
		}
	}
	*used = i;
	return ev;
}
