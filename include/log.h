/* log.h: syslog (facility mail) for the MDA, stderr for everything else. */
#ifndef CONFIDANT_LOG_H
#define CONFIDANT_LOG_H

void log_open_syslog(void);

/* One line; strings from mail must be sanitised by the caller. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
