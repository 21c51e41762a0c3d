/* Kubernetes resource quantities: see include/cutover/quantity.h for the grammar. */
#include "cutover/quantity.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

__extension__ typedef unsigned __int128 qty_u128;

/* Enough significant digits to be exact for anything that fits int64 after scaling; more are
 * folded into a "something non-zero was dropped" bit (which only ever rounds up). */
#define QTY_MAX_DIGITS 36
#define QTY_MAX_EXP 400

struct qty_num {
    qty_u128 mant; /* the significant digits kept */
    bool sticky;   /* a non-zero digit past the kept ones */
    int exp10;     /* value = (mant + sticky fraction) * 10^exp10 * 2^exp2 */
    int exp2;
    bool negative;
};

static int qty_fail(struct error *err, const char *s, size_t len, const char *why)
{
    int n = len > 64 ? 64 : (int)len;
    error_set(err, "invalid quantity \"%.*s%s\": %s", n, s, len > 64 ? "..." : "", why);
    return -1;
}

static int qty_suffix(const char *s, size_t len, size_t p, struct qty_num *q, struct error *err)
{
    size_t rest = len - p;
    const char *x = s + p;
    if (rest == 0)
        return 0;
    static const char dec[] = "numkMGTPE";
    static const int dec_exp[] = {-9, -6, -3, 3, 6, 9, 12, 15, 18};
    if (rest == 1) {
        const char *c = memchr(dec, x[0], sizeof dec - 1);
        if (c == NULL)
            return qty_fail(err, s, len, "unknown suffix");
        q->exp10 += dec_exp[c - dec];
        return 0;
    }
    if (rest == 2 && x[1] == 'i') {
        static const char bin[] = "KMGTPE";
        const char *c = memchr(bin, x[0], sizeof bin - 1);
        if (c == NULL)
            return qty_fail(err, s, len, "unknown suffix");
        q->exp2 = 10 * (int)(c - bin + 1);
        return 0;
    }
    if (x[0] != 'e' && x[0] != 'E')
        return qty_fail(err, s, len, "unknown suffix");
    size_t i = 1;
    bool neg = false;
    if (x[i] == '+' || x[i] == '-')
        neg = x[i++] == '-';
    if (i == rest)
        return qty_fail(err, s, len, "exponent without digits");
    int e = 0;
    for (; i < rest; i++) {
        if (x[i] < '0' || x[i] > '9')
            return qty_fail(err, s, len, "unknown suffix");
        if (e < QTY_MAX_EXP * 10)
            e = e * 10 + (x[i] - '0');
    }
    if (e > QTY_MAX_EXP)
        return qty_fail(err, s, len, "exponent out of range");
    q->exp10 += neg ? -e : e;
    return 0;
}

static int qty_scan(const char *s, size_t len, struct qty_num *q, struct error *err)
{
    memset(q, 0, sizeof *q);
    if (s == NULL || len == 0)
        return qty_fail(err, "", 0, "empty");
    size_t p = 0;
    if (s[p] == '+' || s[p] == '-')
        q->negative = s[p++] == '-';
    int kept = 0, digits = 0;
    bool point = false;
    int trailing_zeros = 0; /* zeros seen after the last kept non-zero digit, not yet in mant */
    for (; p < len; p++) {
        char c = s[p];
        if (c == '.') {
            if (point)
                return qty_fail(err, s, len, "two decimal points");
            point = true;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        digits++;
        int d = c - '0';
        if (point)
            q->exp10--; /* every fractional digit divides by ten */
        if (d == 0 && kept == 0)
            continue; /* a leading zero */
        if (d == 0) {
            trailing_zeros++;
            continue;
        }
        /* a non-zero digit: the zeros before it become significant */
        for (; trailing_zeros > 0; trailing_zeros--) {
            if (kept < QTY_MAX_DIGITS) {
                q->mant *= 10;
                kept++;
            } else {
                q->exp10++;
            }
        }
        if (kept < QTY_MAX_DIGITS) {
            q->mant = q->mant * 10 + (qty_u128)d;
            kept++;
        } else {
            q->exp10++;
            q->sticky = true;
        }
    }
    if (digits == 0)
        return qty_fail(err, s, len, "no digits");
    q->exp10 += trailing_zeros; /* trailing zeros are kept as a power of ten */
    if (q->exp10 > 10 * QTY_MAX_EXP || q->exp10 < -10 * QTY_MAX_EXP)
        return qty_fail(err, s, len, "too many digits");
    return qty_suffix(s, len, p, q, err);
}

int quantity_parse(const char *s, size_t len, int scale10, int64_t *out, struct error *err)
{
    struct qty_num q;
    if (qty_scan(s, len, &q, err) < 0)
        return -1;
    q.exp10 += scale10;
    const qty_u128 limit = (qty_u128)INT64_MAX + (q.negative ? 1 : 0);
    qty_u128 v = q.mant;
    bool inexact = q.sticky;
    if (v != 0) {
        for (int i = 0; i < q.exp2; i++) {
            if (v > limit)
                return qty_fail(err, s, len, "out of range");
            v <<= 1;
        }
        for (; q.exp10 > 0; q.exp10--) {
            if (v > limit)
                return qty_fail(err, s, len, "out of range");
            v *= 10;
        }
        for (; q.exp10 < 0 && v != 0; q.exp10++) {
            if (v % 10 != 0)
                inexact = true;
            v /= 10;
        }
    } else if (q.sticky) {
        inexact = true;
    }
    /* round toward +infinity: up for a positive value, down (toward zero) for a negative one */
    if (inexact && !q.negative)
        v++;
    if (v > limit)
        return qty_fail(err, s, len, "out of range");
    if (q.negative)
        *out = v == (qty_u128)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return 0;
}

int quantity_milli(const char *s, int64_t *out, struct error *err)
{
    return quantity_parse(s, s ? strlen(s) : 0, 3, out, err);
}

int quantity_value(const char *s, int64_t *out, struct error *err)
{
    return quantity_parse(s, s ? strlen(s) : 0, 0, out, err);
}

const char *quantity_format_milli(int64_t milli, char *buf, size_t len)
{
    if (milli < 0)
        snprintf(buf, len, "-");
    else if (milli % 1000 == 0)
        snprintf(buf, len, "%" PRId64, milli / 1000);
    else
        snprintf(buf, len, "%" PRId64 "m", milli);
    return buf;
}

const char *quantity_format_bytes(int64_t bytes, char *buf, size_t len)
{
    static const char *const suffix[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    if (bytes < 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    int k = 0;
    while (bytes != 0 && k < 6 && bytes % 1024 == 0) {
        bytes /= 1024;
        k++;
    }
    snprintf(buf, len, "%" PRId64 "%s", bytes, suffix[k]);
    return buf;
}
