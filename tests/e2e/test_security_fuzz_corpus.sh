#!/usr/bin/env bash
# Issue #7: "every crash found becomes a regression test". A crash a fuzzer finds is saved as
# tests/fuzz/corpus/<fuzzer>/regress-<what>, the one seed dir of a harness (the name .ci/run seeds
# libFuzzer from, e.g. corpus/fuzz_drift for fuzz_drift); this test replays every file of every harness's corpus through
# that harness in the suite's own build (gcc, ASan+UBSan, TSan, whatever this build is), so a
# regression fails ctest and not only the CI fuzz step. Each harness (tests/fuzz/fuzz_*.c) is
# linked here with a small driver that calls LLVMFuzzerTestOneInput once per file, against this
# build's libraries; in a -DCUTOVER_FUZZ=ON build the libFuzzer binaries replay the files.
# A harness without any corpus file fails the test: there would be nothing to replay.
set -euo pipefail
: "${CUTOVER_SOURCE_DIR:?}" "${CUTOVER_BUILD_DIR:?}"

. "$(dirname "$0")/../lib/common.sh"
test_init
SRC=$CUTOVER_SOURCE_DIR
BLD=$CUTOVER_BUILD_DIR

cache() { sed -n "s/^$1:[A-Z]*=//p" "$BLD/CMakeCache.txt" | head -n 1; }
CC_=$(cache CMAKE_C_COMPILER)
SAN=$(cache CUTOVER_SANITIZE)
FUZZ=$(cache CUTOVER_FUZZ)
[ -n "$CC_" ] || fail "no CMAKE_C_COMPILER in $BLD/CMakeCache.txt"

cat >"$TMP/driver.c" <<'C'
/* Calls the harness once per file named on the command line, as libFuzzer does with files. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            perror(argv[i]);
            return 2;
        }
        uint8_t *buf = NULL;
        size_t n = 0, cap = 0, got;
        do {
            if (n == cap && (buf = realloc(buf, cap = cap ? 2 * cap : 4096)) == NULL)
                return 2;
            got = fread(buf + n, 1, cap - n, f);
            n += got;
        } while (got > 0);
        fclose(f);
        /* a copy of exactly n bytes, so ASan sees a read past the input */
        uint8_t *in = malloc(n ? n : 1);
        for (size_t k = 0; k < n; k++)
            in[k] = buf[k];
        printf("replay %s (%zu bytes)\n", argv[i], n);
        fflush(stdout);
        LLVMFuzzerTestOneInput(in, n);
        free(in);
        free(buf);
    }
    return 0;
}
C

flags=(-std=gnu11 -g -O1 -D_GNU_SOURCE "-DCUTOVER_VERSION=\"test\"" -I"$SRC/include")
[ -z "$SAN" ] || flags+=(-fsanitize="$SAN" -fno-omit-frame-pointer)
libs=()
for l in tui widgets backends simlib core tui backends core; do libs+=("$BLD/libcutover_$l.a"); done
# shellcheck disable=SC2207
syslibs=($(pkg-config --libs libcurl json-c yaml-0.1 ncursesw libmicrohttpd libcrypto libssl zlib) -lpthread -lm)

# every corpus dir belongs to a harness of the same name (a dir named otherwise seeds nothing in CI)
for d in "$SRC"/tests/fuzz/corpus/*/; do
    d=$(basename "$d")
    [ -e "$SRC/tests/fuzz/$d.c" ] || fail "tests/fuzz/corpus/$d is no harness's corpus (want tests/fuzz/corpus/fuzz_<name>)"
done

nharness=0
nfiles=0
nregress=0
for src in "$SRC"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    # the corpus dir: corpus/<name>, the one .ci/run seeds the fuzzer from
    dirs=("$SRC/tests/fuzz/corpus/$name")
    inputs=()
    for d in "${dirs[@]}"; do
        [ -d "$d" ] || continue
        while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$d" -type f -print0 | sort -z)
    done
    # shellcheck disable=SC2207
    inputs=($(printf '%s\n' "${inputs[@]}" | sort -u))
    if [ "${#inputs[@]}" = 0 ]; then
        missing+="$name "
        continue
    fi
    if [ "$FUZZ" = ON ] && [ -x "$BLD/$name" ]; then
        bin=$BLD/$name
    else
        bin=$TMP/$name
        "$CC_" "${flags[@]}" "$src" "$TMP/driver.c" "${libs[@]}" "${syslibs[@]}" -o "$bin" \
            2>"$TMP/$name.cc" || { cat "$TMP/$name.cc" >&2; fail "$name does not build against $BLD"; }
    fi
    if ! "$bin" "${inputs[@]}" >"$TMP/$name.out" 2>&1; then
        tail -40 "$TMP/$name.out" >&2
        fail "$name fails on its corpus (last input: $(grep -o 'replay [^ ]*' "$TMP/$name.out" | tail -n 1))"
    fi
    n=$(grep -c '^replay \|^Running: ' "$TMP/$name.out" || true)
    [ "$n" -ge "${#inputs[@]}" ] || fail "$name replayed $n of ${#inputs[@]} inputs"
    r=$(printf '%s\n' "${inputs[@]}" | grep -c '/regress-' || true)
    echo "ok: $name: ${#inputs[@]} inputs ($r regression inputs)"
    nharness=$((nharness + 1))
    nfiles=$((nfiles + ${#inputs[@]}))
    nregress=$((nregress + r))
done
[ -z "${missing:-}" ] || fail "harnesses without a corpus to replay: $missing"
[ "$nharness" -ge 12 ] || fail "only $nharness harnesses replayed"
echo "replayed $nfiles inputs ($nregress regression inputs) through $nharness harnesses"
