/* A plain loopback HTTP/1.1 server for tests: see raw_http.h. */
#include "raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void *raw_main(void *arg)
{
    struct raw_http *s = arg;
    for (;;) {
        int c = accept(s->lfd, NULL, NULL);
        if (c < 0)
            return NULL; /* shut down */
        char head[8192];
        size_t len = 0;
        head[0] = '\0';
        while (len < sizeof head - 1 && !strstr(head, "\r\n\r\n")) {
            ssize_t n = read(c, head + len, sizeof head - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            head[len] = '\0';
        }
        char path[2048] = "";
        sscanf(head, "%*s %2047s", path);
        pthread_mutex_lock(&s->mu);
        if (s->nreq < RAW_HTTP_MAX_REQ)
            s->req[s->nreq++] = strdup(head);
        pthread_mutex_unlock(&s->mu);
        int status = 404;
        const char *body = "{\"kind\":\"Status\",\"code\":404}";
        if (s->answer)
            s->answer(s->arg, path, &status, &body);
        char hdr[256];
        int hn = snprintf(hdr, sizeof hdr,
                          "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: "
                          "%zu\r\nConnection: close\r\n\r\n",
                          status, strlen(body));
        if (write(c, hdr, (size_t)hn) == hn) {
            size_t off = 0, bl = strlen(body);
            while (off < bl) {
                ssize_t n = write(c, body + off, bl - off);
                if (n <= 0)
                    break;
                off += (size_t)n;
            }
        }
        close(c);
    }
}

void raw_http_start(struct raw_http *s, raw_http_answer_fn answer, void *arg)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->answer = answer;
    s->arg = arg;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(s->lfd, 16) != 0) {
        perror("raw_http");
        abort();
    }
    socklen_t sl = sizeof sa;
    getsockname(s->lfd, (struct sockaddr *)&sa, &sl);
    s->port = ntohs(sa.sin_port);
    if (pthread_create(&s->thread, NULL, raw_main, s) != 0)
        abort();
}

void raw_http_stop(struct raw_http *s)
{
    shutdown(s->lfd, SHUT_RDWR);
    close(s->lfd);
    pthread_join(s->thread, NULL);
    for (int i = 0; i < s->nreq; i++)
        free(s->req[i]);
    s->nreq = 0;
    pthread_mutex_destroy(&s->mu);
}

const char *raw_http_find(struct raw_http *s, const char *needle)
{
    const char *r = NULL;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nreq && !r; i++) {
        const char *eol = strstr(s->req[i], "\r\n");
        const char *hit = strstr(s->req[i], needle);
        if (hit && eol && hit < eol)
            r = s->req[i];
    }
    pthread_mutex_unlock(&s->mu);
    return r;
}
