#ifndef CUTOVER_TEST_RAW_HTTP_H
#define CUTOVER_TEST_RAW_HTTP_H

/* A plain HTTP/1.1 server on loopback for tests that need to see the exact request headers a
 * client sent, or a server that answers what a real one would not (a full SecretList to a Table
 * Accept, a "success" body under HTTP 500). One request per connection. */

#include <pthread.h>
#include <stdbool.h>

#define RAW_HTTP_MAX_REQ 64

/* What to send for a request path: *status and a body (static or kept alive by the test). */
typedef void (*raw_http_answer_fn)(void *arg, const char *path, int *status, const char **body);

struct raw_http {
    int lfd;
    int port;
    pthread_t thread;
    raw_http_answer_fn answer;
    void *arg;
    pthread_mutex_t mu;
    char *req[RAW_HTTP_MAX_REQ]; /* guarded by mu: each request's head as received */
    int nreq;                    /* guarded by mu */
};

/* Starts listening on 127.0.0.1 (an ephemeral port) and serving. */
void raw_http_start(struct raw_http *s, raw_http_answer_fn answer, void *arg);
/* Stops, joins and frees what it recorded. */
void raw_http_stop(struct raw_http *s);
/* The head of the first recorded request whose request line contains needle (borrowed, valid
 * until raw_http_stop), or NULL. */
const char *raw_http_find(struct raw_http *s, const char *needle);

#endif
