/*
 * hand.c - bench_Sample through msgpack-c by hand: what a competent user
 * writes without a code generator. The encoder packs with msgpack_packer;
 * the decoder unpacks the whole body into msgpack-c's object tree and walks
 * it, checking every type and range the generated decoder checks (positive
 * integer keys, no duplicate ids, integer ranges, UTF-8 strings, int or
 * float for a float field), copying strings, lists and bytes into the heap.
 */
#include "hand.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    POINT_X = 1,
    POINT_Y = 2,
    POINT_FIELDS = 2,
    SAMPLE_ID = 1,
    SAMPLE_TIMESTAMP = 2,
    SAMPLE_FLAGS = 3,
    SAMPLE_VALUE = 4,
    SAMPLE_NAME = 5,
    SAMPLE_READINGS = 6,
    SAMPLE_BLOB = 7,
    SAMPLE_ORIGIN = 8,
    SAMPLE_FIELDS = 8,
    MAX_FIELD_ID = 65535,
};

/* ---- encoder ---- */

static int pack_point(msgpack_packer *pk, const bench_Point *p)
{
    int rc = msgpack_pack_map(pk, POINT_FIELDS);
    rc |= msgpack_pack_uint16(pk, POINT_X);
    rc |= msgpack_pack_int32(pk, p->x);
    rc |= msgpack_pack_uint16(pk, POINT_Y);
    rc |= msgpack_pack_double(pk, p->y);
    return rc;
}

int hand_encode(msgpack_packer *pk, const bench_Sample *s)
{
    size_t name_len = s->name != NULL ? strlen(s->name) : 0;
    int rc = msgpack_pack_map(pk, SAMPLE_FIELDS);
    rc |= msgpack_pack_uint16(pk, SAMPLE_ID);
    rc |= msgpack_pack_int32(pk, s->id);
    rc |= msgpack_pack_uint16(pk, SAMPLE_TIMESTAMP);
    rc |= msgpack_pack_int64(pk, s->timestamp);
    rc |= msgpack_pack_uint16(pk, SAMPLE_FLAGS);
    rc |= msgpack_pack_uint32(pk, s->flags);
    rc |= msgpack_pack_uint16(pk, SAMPLE_VALUE);
    rc |= msgpack_pack_double(pk, s->value);
    rc |= msgpack_pack_uint16(pk, SAMPLE_NAME);
    rc |= msgpack_pack_str_with_body(pk, s->name != NULL ? s->name : "", name_len);
    rc |= msgpack_pack_uint16(pk, SAMPLE_READINGS);
    rc |= msgpack_pack_array(pk, s->n_readings);
    for (size_t i = 0; i < s->n_readings; i++)
        rc |= msgpack_pack_int32(pk, s->readings[i]);
    rc |= msgpack_pack_uint16(pk, SAMPLE_BLOB);
    rc |= msgpack_pack_bin_with_body(pk, s->blob.data, s->blob.len);
    rc |= msgpack_pack_uint16(pk, SAMPLE_ORIGIN);
    rc |= pack_point(pk, &s->origin);
    return rc != 0 ? -1 : 0;
}

/* ---- decoder: typed reads of one msgpack_object ---- */

static int read_int(const msgpack_object *o, int64_t min, int64_t max, int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > (uint64_t)max)
            return -1;
        *out = (int64_t)o->via.u64;
        return 0;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        if (o->via.i64 < min)
            return -1;
        *out = o->via.i64;
        return 0;
    }
    return -1;
}

static int read_int32(const msgpack_object *o, int32_t *out)
{
    int64_t v;
    if (read_int(o, INT32_MIN, INT32_MAX, &v) != 0)
        return -1;
    *out = (int32_t)v;
    return 0;
}

static int read_int64(const msgpack_object *o, int64_t *out)
{
    return read_int(o, INT64_MIN, INT64_MAX, out);
}

static int read_uint32(const msgpack_object *o, uint32_t *out)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > UINT32_MAX)
        return -1;
    *out = (uint32_t)o->via.u64;
    return 0;
}

static int read_double(const msgpack_object *o, double *out)
{
    switch (o->type) {
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        *out = o->via.f64;
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        *out = (double)o->via.u64;
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = (double)o->via.i64;
        return 0;
    default:
        return -1;
    }
}

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF). */
static bool valid_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1fu, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0fu, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07u, min = 0x10000;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* Copies a str object into a new NUL-terminated heap string owned by *out. */
static int copy_string(const msgpack_object *o, char **out)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return -1;
    const char *src = o->via.str.ptr;
    size_t len = o->via.str.size;
    if (!valid_utf8((const unsigned char *)src, len))
        return -1;
    char *dst = malloc(len + 1);
    if (dst == NULL)
        return -1;
    memcpy(dst, src, len);
    dst[len] = '\0';
    *out = dst;
    return 0;
}

/* Copies a bin object into heap memory owned by *out (NULL when empty). */
static int copy_bytes(const msgpack_object *o, actor_bytes *out)
{
    if (o->type != MSGPACK_OBJECT_BIN)
        return -1;
    size_t len = o->via.bin.size;
    if (len == 0)
        return 0;
    uint8_t *dst = malloc(len);
    if (dst == NULL)
        return -1;
    memcpy(dst, o->via.bin.ptr, len);
    out->data = dst;
    out->len = len;
    return 0;
}

/* Copies an array of int32 into a heap array owned by *items. */
static int copy_int32_list(const msgpack_object *o, size_t *n_items, int32_t **items)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return -1;
    size_t n = o->via.array.size;
    if (n == 0)
        return 0;
    int32_t *dst = malloc(n * sizeof *dst);
    if (dst == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (read_int32(&o->via.array.ptr[i], &dst[i]) != 0) {
            free(dst);
            return -1;
        }
    }
    *n_items = n;
    *items = dst;
    return 0;
}

/* Reads a map key as a field id and rejects one already seen (ids below 64
 * are tracked in *seen; higher ids only occur as unknown fields here). */
static int read_field_id(const msgpack_object *key, uint64_t *seen, uint32_t *id)
{
    if (key->type != MSGPACK_OBJECT_POSITIVE_INTEGER || key->via.u64 == 0 ||
        key->via.u64 > MAX_FIELD_ID)
        return -1;
    *id = (uint32_t)key->via.u64;
    if (*id < 64) {
        uint64_t bit = UINT64_C(1) << *id;
        if (*seen & bit)
            return -1;
        *seen |= bit;
    }
    return 0;
}

/* ---- decoder: the walk ---- */

static int walk_point(const msgpack_object *o, bench_Point *p)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return -1;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        uint32_t id;
        if (read_field_id(&kv->key, &seen, &id) != 0)
            return -1;
        int rc = 0;
        switch (id) {
        case POINT_X:
            rc = read_int32(&kv->val, &p->x);
            break;
        case POINT_Y:
            rc = read_double(&kv->val, &p->y);
            break;
        default: /* an unknown field from a newer schema: skip it */
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int walk_sample(const msgpack_object *o, bench_Sample *s)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return -1;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        uint32_t id;
        if (read_field_id(&kv->key, &seen, &id) != 0)
            return -1;
        int rc = 0;
        switch (id) {
        case SAMPLE_ID:
            rc = read_int32(&kv->val, &s->id);
            break;
        case SAMPLE_TIMESTAMP:
            rc = read_int64(&kv->val, &s->timestamp);
            break;
        case SAMPLE_FLAGS:
            rc = read_uint32(&kv->val, &s->flags);
            break;
        case SAMPLE_VALUE:
            rc = read_double(&kv->val, &s->value);
            break;
        case SAMPLE_NAME:
            rc = copy_string(&kv->val, &s->name);
            break;
        case SAMPLE_READINGS:
            rc = copy_int32_list(&kv->val, &s->n_readings, &s->readings);
            break;
        case SAMPLE_BLOB:
            rc = copy_bytes(&kv->val, &s->blob);
            break;
        case SAMPLE_ORIGIN:
            rc = walk_point(&kv->val, &s->origin);
            break;
        default: /* an unknown field from a newer schema: skip it */
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Walks a fully unpacked body into *s; on failure frees what was copied. */
static int finish_decode(const msgpack_object *root, bench_Sample *s)
{
    if (walk_sample(root, s) != 0) {
        hand_free(s);
        return -1;
    }
    return 0;
}

int hand_decode(const char *buf, size_t len, bench_Sample *s)
{
    memset(s, 0, sizeof *s);
    msgpack_unpacked result;
    msgpack_unpacked_init(&result);
    size_t off = 0;
    int rc = -1;
    if (msgpack_unpack_next(&result, buf, len, &off) == MSGPACK_UNPACK_SUCCESS &&
        off == len)
        rc = finish_decode(&result.data, s);
    msgpack_unpacked_destroy(&result);
    return rc;
}

int hand_decode_zone(const char *buf, size_t len, bench_Sample *s, msgpack_zone *zone)
{
    memset(s, 0, sizeof *s);
    msgpack_object root;
    size_t off = 0;
    int rc = -1;
    if (msgpack_unpack(buf, len, &off, zone, &root) == MSGPACK_UNPACK_SUCCESS)
        rc = finish_decode(&root, s);
    msgpack_zone_clear(zone);
    return rc;
}

void hand_free(bench_Sample *s)
{
    free(s->name);
    free(s->readings);
    free(s->blob.data);
    memset(s, 0, sizeof *s);
}
