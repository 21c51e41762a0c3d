#ifndef CUTOVER_K8S_DECODE_H
#define CUTOVER_K8S_DECODE_H

/* Decoders from one Kubernetes object (json-c, one item at a time) to one model row. A field the
 * object lacks is unknown in the row, never zero. */

#include "cutover/error.h"
#include "cutover/model.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes an object of resource `res` (a full object, or a PartialObjectMetadata for secrets)
 * into a new row with one reference. Returns NULL with err set when the object is not usable
 * (no metadata.name, wrong shape), naming the object where it can. */
struct model_obj *k8s_decode_object(enum model_res res, struct json_object *obj, struct error *err);

/* Decodes one row of a Table response (rows[i] with cells and object) for pods or nodes, given
 * the table's column names, into a row as complete as the table allows. */
struct model_obj *k8s_decode_table_row(enum model_res res, const char *const *columns,
                                       size_t ncolumns, struct json_object *row, struct error *err);

/* The fast path for LIST pages: decodes one item straight from its JSON text (as json_scan hands
 * it out), without building a json-c tree (json-c costs ~130 us for an 8 KB pod, this ~10x
 * less). rv, when not NULL, receives metadata.resourceVersion ("" when absent, truncated to
 * rvlen - 1 bytes). Returns NULL with err set when the text is not JSON or not usable. Members
 * no decoder reads (managedFields; a pod's annotations, volumes, container env and probes; a
 * node's images) are skipped by bracket matching, not validated: json_scan has validated them. */
struct model_obj *k8s_decode_json(enum model_res res, const char *json, size_t len, char *rv,
                                  size_t rvlen, struct error *err);

/* The words in k8s_decode_proto's error when the bytes are not a well-formed message (a corrupt
 * body, as opposed to an object the model cannot use). */
#define K8S_DECODE_PROTO_MALFORMED "malformed protobuf object"

/* Decodes one pod or node from its bare Kubernetes protobuf message (the raw bytes of a
 * runtime.Unknown envelope, as k8s_pbscan hands them out) into the same row k8s_decode_json
 * gives for the same object. rv as for k8s_decode_json. NULL with err set when the bytes are
 * not a well-formed message or the object is not usable. Only MODEL_RES_PODS and
 * MODEL_RES_NODES are asked for as protobuf. */
struct model_obj *k8s_decode_proto(enum model_res res, const unsigned char *msg, size_t len,
                                   char *rv, size_t rvlen, struct error *err);

/* One protobuf field as read: its number, wire type and either its varint (v) or its bytes
 * (data, len: length-delimited, fixed64, fixed32). */
struct k8s_pbf {
    unsigned num, wt;
    uint64_t v;
    const unsigned char *data;
    size_t len;
};

/* Protobuf wire helpers (bounds-checked): a base-128 varint at p[*i..n) (-1 when cut or longer
 * than 10 bytes), and the field at p[*i..n) into f (-1 on a malformed or cut field). Both advance
 * *i past what they read. */
int k8s_pb_varint(const unsigned char *p, size_t n, size_t *i, uint64_t *v);
int k8s_pb_field(const unsigned char *p, size_t n, size_t *i, struct k8s_pbf *f);

/* k8s_decode_table_row from a row's JSON text (json_scan with array "rows"). */
struct model_obj *k8s_decode_table_row_json(enum model_res res, const char *const *columns,
                                            size_t ncolumns, const char *json, size_t len,
                                            struct error *err);

/* The object's metadata.resourceVersion (borrowed), or NULL. */
const char *k8s_object_resource_version(struct json_object *obj);

/* Parses an RFC 3339 time ("2025-01-01T09:23:00Z", fractional seconds allowed) to unix seconds;
 * returns 0 on failure. */
int64_t k8s_parse_time(const char *s);

#endif
