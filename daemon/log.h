/*
 * log.h - levelled logging to stderr for peerpland.
 *
 * One global level (an atomic, so worker threads may log while the loop
 * thread changes it on SIGHUP).  Lines carry a UTC timestamp and the level;
 * journald adds the rest when the daemon runs under systemd.
 */
#ifndef PP_LOG_H
#define PP_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Set the level by name ("error", "warn", "info", "debug"); -1 if unknown. */
int log_set_level_name(const char *name);

/* Write one line at level if the current level lets it through. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
