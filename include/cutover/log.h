#ifndef CUTOVER_LOG_H
#define CUTOVER_LOG_H

/* Logging. Before the screen is up it goes to stderr; once log_open() names a file, only there.
 * Every line passes through log_redact(): bearer tokens, AWS keys and the like never reach a file.
 */

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Opens (creating 0600) the log file; path NULL means $XDG_STATE_HOME/cutover/cutover.log
 * (default ~/.local/state/cutover/cutover.log). Returns 0 or -errno. */
int log_open(const char *path);
/* Closes the log file; later messages go to stderr again. */
void log_close(void);
/* Sets the lowest level written (default LOG_INFO, LOG_DEBUG when CUTOVER_DEBUG is set). */
void log_set_level(enum log_level level);
/* Writes one line, thread-safe. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The path of the open log file, or NULL. */
const char *log_path(void);
/* Masks credentials in s in place: "Bearer xyz" -> "Bearer <redacted>" (also Basic and
 * k8s-aws-v1. tokens), the value of any credential key (token, password, secret,
 * SecretAccessKey, SessionToken, accessToken, aws_secret_access_key, client-key-data,
 * X-Amz-Signature, ...) written as JSON, YAML, INI, a header or a query string, and URL
 * user-info passwords. A value shorter than "<redacted>" becomes stars. */
void log_redact(char *s);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
