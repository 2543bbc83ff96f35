/*
 * retention.h - purging what is older than its retention, on the event
 * loop (retention.c): finished plans with their attendance after
 * `retain-days`, audit rows after `audit-retain-days` (0: kept for ever).
 */
#ifndef PP_RETENTION_H
#define PP_RETENTION_H

struct server;
struct retention;

/* Purge now and every hour after, in srv's loop; NULL when out of memory. */
struct retention *retention_new(struct server *srv);

/* Purge now with the options of srv as they are (start, SIGHUP): warns
 * when audit rows are kept for less time than the data they record.  A
 * purge in progress goes on with the retention it started with. */
void retention_kick(struct retention *r);

/* Stop purging (shutdown): a batch in progress has committed or not. */
void retention_free(struct retention *r);

#endif
