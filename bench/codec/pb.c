/*
 * pb.c - protobuf-c on the benchmark's message: building the message from
 * the fixture (not timed), packing into a reused buffer (timed), comparing a
 * decoded message with the fixture (not timed).
 */
#include "pb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

void pb_from_sample(const bench_Sample *s, Bench__Sample *out, Bench__Point *point)
{
    bench__point__init(point);
    point->x = s->origin.x;
    point->y = s->origin.y;

    bench__sample__init(out);
    out->id = s->id;
    out->timestamp = s->timestamp;
    out->flags = s->flags;
    out->value = s->value;
    out->name = s->name;
    out->n_readings = s->n_readings;
    out->readings = s->readings;
    out->blob.data = s->blob.data;
    out->blob.len = s->blob.len;
    out->origin = point;
}

int pb_encode(const Bench__Sample *m, pb_buffer *out)
{
    size_t need = bench__sample__get_packed_size(m);
    if (need > out->cap) {
        uint8_t *grown = realloc(out->data, need);
        if (grown == NULL)
            return -1;
        out->data = grown;
        out->cap = need;
    }
    out->len = bench__sample__pack(m, out->data);
    return 0;
}

void pb_buffer_free(pb_buffer *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

bool pb_equal(const bench_Sample *want, const Bench__Sample *got, char *why, size_t why_len)
{
    /* Map the decoded protobuf-c message onto the generated struct's shape
     * (borrowing its pointers) and compare that. */
    bench_Sample view;
    memset(&view, 0, sizeof view);
    view.id = got->id;
    view.timestamp = got->timestamp;
    view.flags = got->flags;
    view.value = got->value;
    view.name = got->name;
    view.n_readings = got->n_readings;
    view.readings = got->readings;
    view.blob.data = got->blob.data;
    view.blob.len = got->blob.len;
    if (got->origin == NULL) {
        snprintf(why, why_len, "field 8 (origin) is missing");
        return false;
    }
    view.origin.x = got->origin->x;
    view.origin.y = got->origin->y;
    return sample_equal(want, &view, why, why_len);
}
