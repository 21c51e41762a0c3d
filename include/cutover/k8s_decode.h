#ifndef CUTOVER_K8S_DECODE_H
#define CUTOVER_K8S_DECODE_H

/* Decoders from one Kubernetes object (json-c, one item at a time) to one model row. A field the
 * object lacks is unknown in the row, never zero. */

#include "cutover/error.h"
#include "cutover/model.h"

#include <json-c/json.h>

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
