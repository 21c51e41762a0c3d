/* libFuzzer harness: any bytes as a journal file, read record by record; every good record is
 * formatted for `cutover runbook log`, and what the reader promises is checked: seqs strictly
 * increase, lines increase, a record's raw line has no newline, the human line has no control
 * character. */

#include "cutover/journal.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    uint64_t last_seq;
    int last_line;
    size_t nrec;
};

static int on_record(const struct journal_record *rec, void *ctx)
{
    struct seen *s = ctx;
    if (rec->seq <= s->last_seq || rec->line <= s->last_line || strchr(rec->raw, '\n') != NULL ||
        rec->fields == NULL || !json_object_is_type(rec->fields, json_type_object) ||
        journal_kind_from_name(journal_kind_name(rec->kind)) != (int)rec->kind)
        abort();
    s->last_seq = rec->seq;
    s->last_line = rec->line;
    s->nrec++;
    char *line = journal_format_human(rec);
    for (const char *p = line; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
    free(line);
    return 0;
}

static void on_problem(const struct error *where, void *ctx)
{
    struct seen *s = ctx;
    if (where->line <= 0 || where->msg[0] == '\0' || where->line < s->last_line)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen s = {0};
    size_t nproblems = 0;
    journal_read_text((const char *)data, size, "fuzz.jsonl", on_record, on_problem, &s,
                      &nproblems);
    return 0;
}
