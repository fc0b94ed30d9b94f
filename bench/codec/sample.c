/*
 * sample.c - the benchmark's fixture and the comparison every decoder's
 * output goes through before anything is timed.
 */
#include "sample.h"

#include <stdio.h>
#include <string.h>

/* Exactly SAMPLE_NAME_LEN bytes, checked at compile time. */
static const char sample_name[] = "thermocouple/rack-07/bay";
_Static_assert(sizeof sample_name == SAMPLE_NAME_LEN + 1, "name must be 24 bytes");

/* Readings mix one-byte, two-byte, four-byte and negative encodings, as a
 * real series of sensor values would. */
static const int32_t sample_readings[SAMPLE_READINGS] = {
    0, 1, -1, 42, 127, 128, -33, 255, 1000, -1000, 65535, 70000, -70000,
    2147483647, -2147483647 - 1, 123456,
};

void sample_fill(bench_Sample *s, sample_storage *storage)
{
    memcpy(storage->name, sample_name, sizeof sample_name);
    memcpy(storage->readings, sample_readings, sizeof sample_readings);
    for (size_t i = 0; i < SAMPLE_BLOB_LEN; i++)
        storage->blob[i] = (uint8_t)(i * 37u + 11u);

    memset(s, 0, sizeof *s);
    s->id = 123456;
    s->timestamp = 1700000000123456789; /* nanoseconds since the epoch */
    s->flags = 0x80010003u;
    s->value = 3.141592653589793;
    s->name = storage->name;
    s->n_readings = SAMPLE_READINGS;
    s->readings = storage->readings;
    s->blob.data = storage->blob;
    s->blob.len = SAMPLE_BLOB_LEN;
    s->origin.x = -17;
    s->origin.y = 2.5;
}

static bool differ(char *why, size_t why_len, const char *field)
{
    snprintf(why, why_len, "field %s differs", field);
    return false;
}

static bool strings_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static bool memory_equal(const void *a, const void *b, size_t len)
{
    return len == 0 || (a != NULL && b != NULL && memcmp(a, b, len) == 0);
}

bool sample_equal(const bench_Sample *want, const bench_Sample *got, char *why,
                  size_t why_len)
{
    if (want->id != got->id)
        return differ(why, why_len, "1 (id)");
    if (want->timestamp != got->timestamp)
        return differ(why, why_len, "2 (timestamp)");
    if (want->flags != got->flags)
        return differ(why, why_len, "3 (flags)");
    if (want->value != got->value)
        return differ(why, why_len, "4 (value)");
    if (!strings_equal(want->name, got->name))
        return differ(why, why_len, "5 (name)");
    if (want->n_readings != got->n_readings ||
        !memory_equal(want->readings, got->readings,
                      want->n_readings * sizeof *want->readings))
        return differ(why, why_len, "6 (readings)");
    if (want->blob.len != got->blob.len ||
        !memory_equal(want->blob.data, got->blob.data, want->blob.len))
        return differ(why, why_len, "7 (blob)");
    if (want->origin.x != got->origin.x)
        return differ(why, why_len, "8.1 (origin.x)");
    if (want->origin.y != got->origin.y)
        return differ(why, why_len, "8.2 (origin.y)");
    return true;
}
