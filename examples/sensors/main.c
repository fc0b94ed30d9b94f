/* sensors: encodes a reading with the code actorc generated from
 * sensors.actor, decodes it back, and prints both sides. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sensors.h"

static void print_reading(const char *title, const sensors_Reading *r)
{
    printf("%s: sensor %s, kind %s, at (%.4f, %.4f), %zu samples:", title, r->sensor_id,
           sensors_Kind_name(r->kind), r->where.lat, r->where.lon, r->n_samples);
    for (size_t i = 0; i < r->n_samples; i++)
        printf(" %.1f", (double)r->samples[i]);
    printf("\n  labels:");
    for (size_t i = 0; i < r->n_labels; i++)
        printf(" %s=%s", r->labels[i].key, r->labels[i].value);
    printf("\n  note: %s, raw: %zu bytes, taken at %" PRIu64 " ms\n",
           r->note ? r->note : "(none)", r->raw.len, r->taken_at_ms);
}

int main(void)
{
    float samples[] = {21.5f, 21.7f, 22.0f};
    char site[] = "site", north[] = "north-field", unit[] = "unit", celsius[] = "celsius";
    sensors_Reading_labels_entry labels[] = {{site, north}, {unit, celsius}};
    char sensor_id[] = "t-042";
    uint8_t raw[] = {0xde, 0xad, 0xbe, 0xef};

    /* Fields point at this function's storage: never pass `sent` to _free. */
    sensors_Reading sent;
    sensors_Reading_init(&sent);
    sent.sensor_id = sensor_id;
    sent.where.lat = 52.5200;
    sent.where.lon = 13.4050;
    sent.n_samples = sizeof samples / sizeof samples[0];
    sent.samples = samples;
    sent.n_labels = sizeof labels / sizeof labels[0];
    sent.labels = labels;
    sent.raw.data = raw;
    sent.raw.len = sizeof raw;
    sent.taken_at_ms = 1795000000000u;

    msgpack_sbuffer wire;
    msgpack_sbuffer_init(&wire);
    int rc = sensors_Reading_encode(&sent, &wire);
    if (rc != 0) {
        fprintf(stderr, "encode: %s\n", actor_strerror(rc));
        return 1;
    }
    print_reading("sent", &sent);
    printf("  -> %zu bytes of msgpack on the wire\n", wire.size);

    sensors_Reading received; /* filled and owned by _decode; released by _free */
    actor_decode_error err;
    rc = sensors_Reading_decode_ex(wire.data, wire.size, &received, NULL, &err);
    msgpack_sbuffer_destroy(&wire);
    if (rc != 0) {
        fprintf(stderr, "decode: %s\n", err.message);
        return 1;
    }
    print_reading("received", &received);
    sensors_Reading_free(&received);

    /* Hostile input is an error with a message, never a crash. */
    const char truncated[] = "\x88\x01\xa5t-0";
    rc = sensors_Reading_decode_ex(truncated, sizeof truncated - 1, &received, NULL, &err);
    printf("a truncated message: %s (%s)\n", actor_strerror(rc), err.message);
    return rc == ACTOR_ETRUNCATED ? 0 : 1;
}
