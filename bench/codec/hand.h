/*
 * hand.h - the anchor of the codec benchmark: bench_Sample encoded and
 * decoded by hand with msgpack-c's public API, in the same wire format as
 * the generated code (a map from field id to value, DESIGN.md section 3).
 */
#ifndef BENCH_CODEC_HAND_H
#define BENCH_CODEC_HAND_H

#include <stddef.h>

#include <msgpack.h>

#include "bench.h"

/* Appends *s to whatever pk writes to. Returns 0, or -1 when a write failed. */
int hand_encode(msgpack_packer *pk, const bench_Sample *s);

/* Decodes exactly one bench_Sample from buf[0..len) with msgpack_unpack_next
 * (a fresh msgpack_unpacked per call, the documented idiom) and a walk of
 * the object tree. Returns 0 with *s owning its heap parts (release them
 * with hand_free), or -1 with *s zeroed and owning nothing. */
int hand_decode(const char *buf, size_t len, bench_Sample *s);

/* As hand_decode, but unpacks into a zone the caller keeps between calls
 * (msgpack_unpack + msgpack_zone_clear): the tuned variant of the anchor.
 * zone is borrowed. */
int hand_decode_zone(const char *buf, size_t len, bench_Sample *s, msgpack_zone *zone);

/* Frees the heap parts a hand decoder gave *s, then zeroes *s. */
void hand_free(bench_Sample *s);

#endif /* BENCH_CODEC_HAND_H */
