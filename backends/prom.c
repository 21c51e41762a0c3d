/* The observed split: Prometheus's instant query API (GET BASE/api/v1/query?query=PROMQL) through
 * libcurl, the answer's vector (or scalar) summed. Read-only by nature: only GET is ever sent. */

#include "cutover/traffic_provider.h"

#include "cutover/log.h"
#include "cutover/text.h"
#include "cutover/xalloc.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_BODY_MAX (16u << 20)
#define PROM_DEFAULT_TIMEOUT_MS 5000

static pthread_once_t prom_once = PTHREAD_ONCE_INIT;

static void prom_global_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        fatal("curl_global_init failed");
}

struct prom_body {
    char *data;
    size_t len, cap;
    bool too_big;
};

static size_t prom_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct prom_body *b = arg;
    size_t n = size * nmemb;
    if (b->len + n + 1 > PROM_BODY_MAX) {
        b->too_big = true;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

static json_object *prom_get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (o == NULL || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

/* A sample [time, "value"]: the value as a double. Prometheus writes "NaN", "+Inf", "-Inf". */
static int prom_sample_value(json_object *sample, double *out)
{
    if (sample == NULL || !json_object_is_type(sample, json_type_array) ||
        json_object_array_length(sample) != 2)
        return -1;
    json_object *v = json_object_array_get_idx(sample, 1);
    if (v == NULL || !json_object_is_type(v, json_type_string))
        return -1;
    const char *s = json_object_get_string(v);
    char *end = NULL;
    double d = strtod(s, &end);
    if (end == s || *end != '\0')
        return -1;
    *out = d;
    return 0;
}

/* The sum of a parsed answer; -1 with err for an error answer or a shape we do not know. */
static int prom_sum(json_object *root, double *out, struct error *err)
{
    const char *status = json_object_get_string(prom_get(root, "status"));
    if (status == NULL || strcmp(status, "success") != 0) {
        const char *etype = json_object_get_string(prom_get(root, "errorType"));
        const char *emsg = json_object_get_string(prom_get(root, "error"));
        error_set(err, "%s%s%s", etype ? etype : "error", emsg ? ": " : "", emsg ? emsg : "");
        return -1;
    }
    json_object *data = prom_get(root, "data");
    const char *type = json_object_get_string(prom_get(data, "resultType"));
    json_object *result = prom_get(data, "result");
    if (type == NULL || result == NULL) {
        error_set(err, "answer without data.resultType/result");
        return -1;
    }
    double sum = 0;
    if (strcmp(type, "scalar") == 0) {
        if (prom_sample_value(result, &sum) < 0) {
            error_set(err, "bad scalar in the answer");
            return -1;
        }
    } else if (strcmp(type, "vector") == 0) {
        if (!json_object_is_type(result, json_type_array)) {
            error_set(err, "vector result is not an array");
            return -1;
        }
        size_t n = json_object_array_length(result);
        for (size_t i = 0; i < n; i++) {
            double v;
            if (prom_sample_value(prom_get(json_object_array_get_idx(result, i), "value"), &v) <
                0) {
                error_set(err, "bad sample %zu in the vector", i);
                return -1;
            }
            sum += v;
        }
    } else {
        error_set(err, "result type %s: want an instant vector or a scalar", type);
        return -1;
    }
    if (!isfinite(sum)) {
        error_set(err, "the query gives %s, not a number of requests", isnan(sum) ? "NaN" : "Inf");
        return -1;
    }
    *out = sum;
    return 0;
}

/* The URL as messages show it: sanitized, without user:password@ (credentials stay out of the
 * log and the screen). */
static void url_for_messages(const char *url, char *buf, size_t len)
{
    const char *scheme_end = strstr(url, "://");
    const char *host = scheme_end ? scheme_end + 3 : url;
    size_t auth_len = strcspn(host, "/?#");
    const char *at = memchr(host, '@', auth_len);
    char *shown = at ? xasprintf("%.*s%s", (int)(host - url), url, at + 1) : xstrdup(url);
    text_sanitize_buf(shown, buf, len);
    free(shown);
}

int prom_query_sum(const char *base_url, const char *promql, int timeout_ms, double *out,
                   struct error *err)
{
    *out = -1;
    if (base_url == NULL || *base_url == '\0' || promql == NULL || *promql == '\0') {
        error_set(err, "prometheus: no URL or no query");
        return -1;
    }
    pthread_once(&prom_once, prom_global_init);
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        fatal("curl_easy_init failed");
    char *q = curl_easy_escape(curl, promql, 0);
    if (q == NULL)
        fatal("curl_easy_escape failed");
    size_t blen = strlen(base_url);
    while (blen > 0 && base_url[blen - 1] == '/')
        blen--;
    char *url = xasprintf("%.*s/api/v1/query?query=%s", (int)blen, base_url, q);
    curl_free(q);
    char ubuf[256];
    url_for_messages(base_url, ubuf, sizeof ubuf);

    struct prom_body b = {0};
    char errbuf[CURL_ERROR_SIZE] = "";
    long ms = timeout_ms > 0 ? timeout_ms : PROM_DEFAULT_TIMEOUT_MS;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, prom_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "cutover/" CUTOVER_VERSION);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    /* a loopback Prometheus never goes through a proxy from the environment */
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    CURLcode cc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    free(url);

    int rc = -1;
    if (cc != CURLE_OK) {
        if (b.too_big)
            error_set(err, "prometheus %s: answer over %u bytes", ubuf, PROM_BODY_MAX);
        else
            error_set(err, "prometheus %s: %s", ubuf, errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    /* Prometheus answers errors (400 bad_data, 422 execution, 503 timeout) with a JSON body too. */
    json_object *root = NULL;
    if (b.data != NULL) {
        json_tokener *tok = json_tokener_new();
        root = json_tokener_parse_ex(tok, b.data, (int)b.len);
        if (json_tokener_get_error(tok) != json_tokener_success) {
            json_object_put(root);
            root = NULL;
        }
        json_tokener_free(tok);
    }
    if (root == NULL || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        error_set(err, "prometheus %s: HTTP %ld, not a query API answer", ubuf, status);
        goto out;
    }
    struct error e2;
    error_clear(&e2);
    int sum = prom_sum(root, out, &e2);
    if (sum == 0 && (status < 200 || status > 299)) {
        /* "status":"success" under a non-2xx (a proxy's cached page, say) is not data */
        *out = -1;
        error_set(err, "prometheus %s: HTTP %ld: not a successful answer", ubuf, status);
    } else if (sum == 0) {
        rc = 0;
    } else {
        *out = -1;
        error_set(err, "prometheus %s: HTTP %ld: %s", ubuf, status, e2.msg);
    }
    json_object_put(root);
out:
    free(b.data);
    if (rc < 0)
        error_sanitize(err);
    return rc;
}
