/*
 * payload.c - job payloads and their checksums: what the orchestrator sends
 * and what it expects back.
 */
#include <string.h>

#include "orchestrator_example.h"

#define FNV_OFFSET_BASIS 0xcbf29ce484222325u
#define FNV_PRIME 0x100000001b3u
#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15u

/* The next word of a splitmix64 stream (Steele, Lea and Flood). */
static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += SPLITMIX_GAMMA);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void payload_fill(uint64_t id, uint8_t *out, size_t len)
{
    uint64_t s = id, word;
    size_t i = 0;

    for (; i + sizeof word <= len; i += sizeof word) {
        word = splitmix64(&s);
        memcpy(out + i, &word, sizeof word);
    }
    word = splitmix64(&s);
    memcpy(out + i, &word, len - i);
}

uint64_t payload_checksum(const uint8_t *data, size_t len)
{
    uint64_t h = FNV_OFFSET_BASIS, word;
    size_t i = 0;

    for (; i + sizeof word <= len; i += sizeof word) {
        memcpy(&word, data + i, sizeof word);
        h = (h ^ word) * FNV_PRIME;
    }
    for (; i < len; i++)
        h = (h ^ data[i]) * FNV_PRIME;
    return h;
}
