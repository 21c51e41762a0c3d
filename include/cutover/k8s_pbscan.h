#ifndef CUTOVER_K8S_PBSCAN_H
#define CUTOVER_K8S_PBSCAN_H

/* Incremental reader of Kubernetes protobuf bodies (application/vnd.kubernetes.protobuf), the
 * counterpart of json_scan: a list body ("k8s\0" + runtime.Unknown{typeMeta, raw = PodList or
 * NodeList{metadata ListMeta, items...}}) goes in as curl delivers it and each item's bare message
 * comes out on its own, so that a page is never held; a Status reply is reported in the meta.
 * Watch streams (";stream=watch") are 4-byte big-endian length frames, each a bare WatchEvent
 * {type 1, object 2 RawExtension{raw 1 = an enveloped object}}. */

#include "cutover/error.h"
#include "cutover/json_scan.h"

#include <stdbool.h>
#include <stddef.h>

/* Whether a Content-Type names Kubernetes protobuf (any parameters). */
bool k8s_pb_content_type(const char *ctype);

/* Called with one complete element (a list item's bare message, or a watch frame). Return 0 to
 * go on, non-zero to stop (the feed then returns that value). */
typedef int (*k8s_pb_item_fn)(void *arg, const unsigned char *msg, size_t len);

struct k8s_pbscan;
/* A list reader handing each item to fn; an element (an item, the list's metadata) larger than
 * max_item bytes is an error, not an allocation (0: 16 MiB). */
struct k8s_pbscan *k8s_pbscan_new(size_t max_item, k8s_pb_item_fn fn, void *arg);
/* Frees the reader; NULL does nothing. */
void k8s_pbscan_free(struct k8s_pbscan *s);
/* Feeds the next bytes: 0, the callback's non-zero value, or -1 on a malformed body (err says
 * what and at which byte). */
int k8s_pbscan_feed(struct k8s_pbscan *s, const void *buf, size_t len, struct error *err);
/* Ends the body: -1 when it was cut (an item, the list or the envelope incomplete). */
int k8s_pbscan_finish(struct k8s_pbscan *s, struct error *err);
/* What was learned outside the items (kind from the envelope: "PodList", "Status", ...). */
const struct json_scan_meta *k8s_pbscan_meta(const struct k8s_pbscan *s);

/* Splits an enveloped object ("k8s\0" + runtime.Unknown): its typeMeta kind (truncated to
 * kindlen - 1) and raw message. -1 when it is not one. */
int k8s_pb_envelope(const unsigned char *p, size_t n, char *kind, size_t kindlen,
                    const unsigned char **raw, size_t *rawlen);
/* Reads a bare meta/v1 Status message into meta's status_code, status_reason and
 * status_message (kind set to "Status"). -1 when malformed. */
int k8s_pb_status(const unsigned char *p, size_t n, struct json_scan_meta *meta);
/* Splits a bare WatchEvent: its type (truncated to typelen - 1) and the object's enveloped
 * bytes. -1 when malformed. */
int k8s_pb_watch_event(const unsigned char *p, size_t n, char *type, size_t typelen,
                       const unsigned char **obj, size_t *objlen);

/* The metadata name, namespace and resourceVersion of a bare Pod or Node message ("" when
 * absent; each truncated to its buffer). -1 when malformed. */
int k8s_pb_object_meta(const unsigned char *p, size_t n, char *ns, size_t nslen, char *name,
                       size_t namelen, char *rv, size_t rvlen);

struct k8s_pbframes;
/* A splitter of 4-byte big-endian length frames handing each frame to fn; a frame above
 * max_frame bytes is an error (0: 16 MiB). */
struct k8s_pbframes *k8s_pbframes_new(size_t max_frame, k8s_pb_item_fn fn, void *arg);
/* Frees the splitter; NULL does nothing. */
void k8s_pbframes_free(struct k8s_pbframes *f);
/* Feeds the next bytes: 0, the callback's value, or -1 for an oversized frame. */
int k8s_pbframes_feed(struct k8s_pbframes *f, const void *buf, size_t len, struct error *err);
/* -1 when a frame was cut. */
int k8s_pbframes_finish(struct k8s_pbframes *f, struct error *err);

#endif
