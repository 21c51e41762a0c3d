#ifndef CUTOVER_K8S_PROTO_H
#define CUTOVER_K8S_PROTO_H

/* Kubernetes protobuf (application/vnd.kubernetes.protobuf), as kube-apiserver serves it for
 * built-in types: a schema-driven JSON -> protobuf transcoder for Pod, Node, their lists, Status
 * and WatchEvent (and every message reachable from them), byte for byte what the apiserver's
 * gogo-generated marshallers write (fields in ascending order, value fields always written, map
 * entries sorted by key), plus the "k8s\0" + runtime.Unknown envelope and a few wire helpers.
 * Schema transcribed from kubernetes/api@10b39a39 and kubernetes/apimachinery (see the table in
 * core/k8s_proto.c). */

#include "cutover/error.h"

#include <stddef.h>
#include <stdint.h>

#define K8S_PROTO_CONTENT_TYPE "application/vnd.kubernetes.protobuf"
/* The Content-Type of a protobuf watch stream (4-byte big-endian length frames). */
#define K8S_PROTO_WATCH_CONTENT_TYPE "application/vnd.kubernetes.protobuf;stream=watch"
/* The 4 bytes before every enveloped protobuf object. */
#define K8S_PROTO_MAGIC "k8s\0"
#define K8S_PROTO_MAGIC_LEN 4

/* A growable byte buffer. */
struct k8s_pbuf {
    unsigned char *p;
    size_t len, cap;
}; /* xrealloc-grown; free(p) */

/* Appends the bare protobuf message of `kind` ("Pod", "Node", "PodList", "NodeList", "Status",
 * "WatchEvent", or any message of the schema by its Go name: "ObjectMeta", "ListMeta", ...)
 * transcoded from one JSON object. A top-level "kind"/"apiVersion" goes to the envelope, not the
 * message. -1 + err (naming the JSON path) on a field the schema lacks a type for or a value of
 * the wrong shape; out is then left as it was. */
int k8s_proto_from_json(const char *kind, const char *json, size_t len, struct k8s_pbuf *out,
                        struct error *err);
/* Appends "k8s\0" + runtime.Unknown{typeMeta{apiVersion, kind}, raw} (as kube-apiserver
 * frames a protobuf body; contentEncoding and contentType are empty). */
void k8s_proto_envelope(struct k8s_pbuf *out, const char *api_version, const char *kind,
                        const unsigned char *raw, size_t rawlen);

/* Appends the envelope's head for a raw message of rawlen bytes: "k8s\0", typeMeta and the
 * tag and length of raw; the message, then K8S_PROTO_ENVELOPE_TAIL, complete it (for bodies
 * streamed without holding the message). */
void k8s_proto_envelope_head(struct k8s_pbuf *out, const char *api_version, const char *kind,
                             size_t rawlen);
/* The envelope's end after raw: empty contentEncoding and contentType. */
#define K8S_PROTO_ENVELOPE_TAIL "\x1a\x00\x22\x00"
#define K8S_PROTO_ENVELOPE_TAIL_LEN 4

/* Makes room for n more bytes. */
void k8s_pbuf_reserve(struct k8s_pbuf *b, size_t n);
/* Appends n bytes. */
void k8s_pbuf_add(struct k8s_pbuf *b, const void *data, size_t n);
/* Appends a base-128 varint. */
void k8s_pbuf_varint(struct k8s_pbuf *b, uint64_t v);
/* Appends a length-delimited field: tag (field, wire type 2), varint length, bytes. */
void k8s_pbuf_bytes_field(struct k8s_pbuf *b, unsigned field, const void *data, size_t n);
/* Appends a varint field: tag (field, wire type 0), value. */
void k8s_pbuf_varint_field(struct k8s_pbuf *b, unsigned field, uint64_t v);
/* Frees the bytes and empties the buffer. */
void k8s_pbuf_fini(struct k8s_pbuf *b);
/* How many bytes the varint encoding of v takes (1-10). */
size_t k8s_proto_varint_len(uint64_t v);
/* Reads a varint at p[0..n): its length in bytes, or 0 when p holds no complete varint. */
size_t k8s_proto_varint_read(const unsigned char *p, size_t n, uint64_t *v);

#endif
