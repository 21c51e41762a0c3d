#ifndef CUTOVER_QUANTITY_H
#define CUTOVER_QUANTITY_H

/* Kubernetes resource quantities (resource.Quantity), parsed exactly:
 *
 *   quantity  ::= [+-] number suffix
 *   number    ::= digits | digits "." | digits "." digits | "." digits
 *   suffix    ::= "" | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"   (decimal SI)
 *               | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"            (binary SI)
 *               | ("e" | "E") [+-] digits                            (decimal exponent)
 *
 * A value is scaled to an integer unit and rounded up (toward +infinity), as Quantity's
 * MilliValue and Value do: "0.5" is 500 millicores, "1n" is 1 millicore, "1Ki" is 1024 bytes.
 * No whitespace, no empty string; a result beyond int64 is an error, never a wrap. */

#include "cutover/error.h"

#include <stddef.h>
#include <stdint.h>

/* Parses s[0..len) scaled by 10^scale10 (3 for millicores, 0 for bytes) into *out. */
int quantity_parse(const char *s, size_t len, int scale10, int64_t *out, struct error *err);

/* Parses a NUL-terminated quantity into millicores (CPU). */
int quantity_milli(const char *s, int64_t *out, struct error *err);

/* Parses a NUL-terminated quantity into whole units, rounded up (memory: bytes). */
int quantity_value(const char *s, int64_t *out, struct error *err);

/* Formats millicores as kubectl does: "250m", "2", "1500m"; "-" when negative (none). */
const char *quantity_format_milli(int64_t milli, char *buf, size_t len);

/* Formats bytes with the largest binary suffix that divides them exactly ("512Mi", "1536Ki",
 * "100"); "-" when negative (none). */
const char *quantity_format_bytes(int64_t bytes, char *buf, size_t len);

#endif
