/*
 * schema.c - JSON bodies by field name to msgpack by field id, and back,
 * along an actor type's schema (schema.h). The schema itself is read with
 * json.c into a msgpack tree and walked as one.
 */
#include "schema.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define TYPE_MAX SCHEMA_TYPE_MAX

static bool is_str(const msgpack_object *o, const char *s)
{
    size_t len = strlen(s);

    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == len &&
           memcmp(o->via.str.ptr, s, len) == 0;
}

/* The value of `key` in the map `map`, or NULL. */
static const msgpack_object *get(const msgpack_object *map, const char *key)
{
    if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (is_str(&map->via.map.ptr[i].key, key))
            return &map->via.map.ptr[i].val;
    return NULL;
}

/* A string value as a C string in buf[size] ("" when absent). */
static const char *text(const msgpack_object *o, char *buf, size_t size)
{
    if (o == NULL || o->type != MSGPACK_OBJECT_STR) {
        buf[0] = '\0';
    } else {
        size_t n = o->via.str.size < size - 1 ? o->via.str.size : size - 1;
        memcpy(buf, o->via.str.ptr, n);
        buf[n] = '\0';
    }
    return buf;
}

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
    return -1;
}

int schema_load(schema *s, const char *json, char *err, size_t size)
{
    const msgpack_object *root;

    memset(s, 0, sizeof *s);
    msgpack_sbuffer_init(&s->packed);
    msgpack_unpacked_init(&s->tree);
    if (json_to_msgpack(json, &s->packed, err, size) != 0)
        return -1;
    if (msgpack_unpack_next(&s->tree, s->packed.data, s->packed.size, NULL) !=
        MSGPACK_UNPACK_SUCCESS)
        return fail(err, size, "the schema does not parse");
    root = &s->tree.data;
    s->methods = get(root, "methods");
    s->messages = get(root, "messages");
    s->enums = get(root, "enums");
    if (s->methods == NULL || s->methods->type != MSGPACK_OBJECT_ARRAY)
        return fail(err, size, "the schema lists no methods");
    return 0;
}

void schema_free(schema *s)
{
    msgpack_unpacked_destroy(&s->tree);
    msgpack_sbuffer_destroy(&s->packed);
}

bool schema_method(const schema *s, const char *method, char *param, char *result, char *err,
                   size_t size)
{
    size_t used = 0;

    err[0] = '\0';
    for (uint32_t i = 0; i < s->methods->via.array.size; i++) {
        const msgpack_object *m = &s->methods->via.array.ptr[i], *name = get(m, "name");
        if (name != NULL && is_str(name, method)) {
            text(get(m, "param"), param, SCHEMA_TYPE_MAX);
            text(get(m, "result"), result, SCHEMA_TYPE_MAX);
            return true;
        }
        if (name != NULL && name->type == MSGPACK_OBJECT_STR && used < size)
            used += (size_t)snprintf(err + used, size - used, "%s%.*s", used > 0 ? ", " : "",
                                     (int)name->via.str.size, name->via.str.ptr);
    }
    return false;
}

/* ---------------------------------------------------------- types */

/* "list<T>": T into elem; "map<K, V>": K and V. */
static bool split_list(const char *type, char *elem)
{
    size_t len = strlen(type);

    if (strncmp(type, "list<", 5) != 0 || len < 7 || len - 6 >= TYPE_MAX)
        return false;
    memcpy(elem, type + 5, len - 6);
    elem[len - 6] = '\0';
    return true;
}

static bool split_map(const char *type, char *key, char *value)
{
    size_t len = strlen(type);
    int depth = 0;

    if (strncmp(type, "map<", 4) != 0 || len < 8 || len >= TYPE_MAX)
        return false;
    for (size_t i = 4; i < len - 1; i++) {
        depth += type[i] == '<' ? 1 : type[i] == '>' ? -1 : 0;
        if (type[i] == ',' && depth == 0) {
            memcpy(key, type + 4, i - 4);
            key[i - 4] = '\0';
            size_t v = i + (type[i + 1] == ' ' ? 2 : 1);
            memcpy(value, type + v, len - 1 - v);
            value[len - 1 - v] = '\0';
            return true;
        }
    }
    return false;
}

static bool is_float(const char *type)
{
    return strcmp(type, "float32") == 0 || strcmp(type, "float64") == 0;
}

static bool is_integer(const char *type)
{
    return strncmp(type, "int", 3) == 0 || strncmp(type, "uint", 4) == 0;
}

/* The field of message `fields` (an array) named `key` (or with the id
 * its digits spell), or NULL. */
static const msgpack_object *field_by_key(const msgpack_object *fields,
                                          const msgpack_object *key)
{
    for (uint32_t i = 0; i < fields->via.array.size; i++) {
        const msgpack_object *f = &fields->via.array.ptr[i];
        const msgpack_object *name = get(f, "name"), *id = get(f, "id");
        if (key->type == MSGPACK_OBJECT_STR && name != NULL && name->type == MSGPACK_OBJECT_STR &&
            name->via.str.size == key->via.str.size &&
            memcmp(name->via.str.ptr, key->via.str.ptr, key->via.str.size) == 0)
            return f;
        if (key->type == MSGPACK_OBJECT_POSITIVE_INTEGER && id != NULL &&
            id->type == MSGPACK_OBJECT_POSITIVE_INTEGER && id->via.u64 == key->via.u64)
            return f;
    }
    return NULL;
}

static const msgpack_object *field_by_id(const msgpack_object *fields, uint64_t wanted)
{
    for (uint32_t i = 0; i < fields->via.array.size; i++) {
        const msgpack_object *id = get(&fields->via.array.ptr[i], "id");
        if (id != NULL && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER && id->via.u64 == wanted)
            return &fields->via.array.ptr[i];
    }
    return NULL;
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Packs base64 text as bin; -1 when it is not base64. */
static int pack_base64(msgpack_packer *pk, const char *s, size_t len)
{
    unsigned char *out = malloc(len / 4 * 3 + 3);
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;

    if (out == NULL)
        return -1;
    for (size_t i = 0; i < len && s[i] != '='; i++) {
        int v = base64_value(s[i]);
        if (v < 0) {
            free(out);
            return -1;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    msgpack_pack_bin(pk, n);
    msgpack_pack_bin_body(pk, out, n);
    free(out);
    return 0;
}

static int pack_message(const schema *s, const char *type, const msgpack_object *fields,
                        const msgpack_object *value, msgpack_packer *pk, char *err, size_t size)
{
    char ftype[TYPE_MAX];

    if (value->type != MSGPACK_OBJECT_MAP)
        return fail(err, size, "%s: expected an object", type);
    msgpack_pack_map(pk, value->via.map.size);
    for (uint32_t i = 0; i < value->via.map.size; i++) {
        const msgpack_object *key = &value->via.map.ptr[i].key;
        const msgpack_object *f = field_by_key(fields, key);
        if (f == NULL)
            return key->type == MSGPACK_OBJECT_STR
                       ? fail(err, size, "%s has no field '%.*s'", type, (int)key->via.str.size,
                              key->via.str.ptr)
                       : fail(err, size, "%s has no field %" PRIu64, type, key->via.u64);
        msgpack_pack_uint64(pk, get(f, "id")->via.u64);
        if (schema_pack(s, text(get(f, "type"), ftype, sizeof ftype), &value->via.map.ptr[i].val,
                        pk, err, size) != 0)
            return -1;
    }
    return 0;
}

int schema_pack(const schema *s, const char *type, const msgpack_object *value,
                msgpack_packer *pk, char *err, size_t size)
{
    char a[TYPE_MAX], b[TYPE_MAX];
    const msgpack_object *fields = get(s->messages, type), *members = get(s->enums, type);

    if (type[0] == '\0') /* () */
        return value->type == MSGPACK_OBJECT_MAP && value->via.map.size == 0
                   ? msgpack_pack_map(pk, 0)
                   : fail(err, size, "the method takes no parameter: give {}");
    if (fields != NULL)
        return pack_message(s, type, fields, value, pk, err, size);
    if (members != NULL && value->type == MSGPACK_OBJECT_STR) {
        for (uint32_t i = 0; i < members->via.map.size; i++)
            if (members->via.map.ptr[i].key.via.str.size == value->via.str.size &&
                memcmp(members->via.map.ptr[i].key.via.str.ptr, value->via.str.ptr,
                       value->via.str.size) == 0)
                return msgpack_pack_object(pk, members->via.map.ptr[i].val);
        return fail(err, size, "%s has no member '%.*s'", type, (int)value->via.str.size,
                    value->via.str.ptr);
    }
    if (split_list(type, a)) {
        if (value->type != MSGPACK_OBJECT_ARRAY)
            return fail(err, size, "%s: expected an array", type);
        msgpack_pack_array(pk, value->via.array.size);
        for (uint32_t i = 0; i < value->via.array.size; i++)
            if (schema_pack(s, a, &value->via.array.ptr[i], pk, err, size) != 0)
                return -1;
        return 0;
    }
    if (split_map(type, a, b)) {
        if (value->type != MSGPACK_OBJECT_MAP)
            return fail(err, size, "%s: expected an object", type);
        msgpack_pack_map(pk, value->via.map.size);
        for (uint32_t i = 0; i < value->via.map.size; i++) {
            const msgpack_object *k = &value->via.map.ptr[i].key;
            if (is_integer(a) && k->type == MSGPACK_OBJECT_STR) { /* "-3": JSON keys are text */
                char num[32];
                msgpack_pack_int64(pk, strtoll(text(k, num, sizeof num), NULL, 10));
            } else if (!is_integer(a) && k->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
                char num[32];
                int n = snprintf(num, sizeof num, "%" PRIu64, k->via.u64);
                msgpack_pack_str(pk, (size_t)n);
                msgpack_pack_str_body(pk, num, (size_t)n);
            } else {
                msgpack_pack_object(pk, *k);
            }
            if (schema_pack(s, b, &value->via.map.ptr[i].val, pk, err, size) != 0)
                return -1;
        }
        return 0;
    }
    if (strcmp(type, "bytes") == 0 && value->type == MSGPACK_OBJECT_STR)
        return pack_base64(pk, value->via.str.ptr, value->via.str.size) == 0
                   ? 0
                   : fail(err, size, "bytes are given as base64 text");
    if (is_float(type) && (value->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
                           value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER))
        return msgpack_pack_double(pk, value->type == MSGPACK_OBJECT_POSITIVE_INTEGER
                                           ? (double)value->via.u64
                                           : (double)value->via.i64);
    return msgpack_pack_object(pk, *value); /* a scalar as it is */
}

/* ---------------------------------------------------------- writing */

static void write_enum(FILE *f, const msgpack_object *members, const msgpack_object *value)
{
    for (uint32_t i = 0; i < members->via.map.size; i++) {
        const msgpack_object *n = &members->via.map.ptr[i].val;
        if ((value->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
             n->type == MSGPACK_OBJECT_POSITIVE_INTEGER && n->via.u64 == value->via.u64) ||
            (value->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
             n->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && n->via.i64 == value->via.i64)) {
            const msgpack_object *k = &members->via.map.ptr[i].key;
            json_write_string(f, k->via.str.ptr, k->via.str.size);
            return;
        }
    }
    json_write_object(f, value); /* a member newer than the schema */
}

static void write_message(FILE *f, const schema *s, const msgpack_object *fields,
                          const msgpack_object *value)
{
    char name[TYPE_MAX], ftype[TYPE_MAX];

    fputc('{', f);
    for (uint32_t i = 0; i < value->via.map.size; i++) {
        const msgpack_object *k = &value->via.map.ptr[i].key;
        const msgpack_object *field =
            k->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? field_by_id(fields, k->via.u64) : NULL;
        if (i > 0)
            fputs(", ", f);
        if (field != NULL) {
            text(get(field, "name"), name, sizeof name);
            json_write_string(f, name, strlen(name));
            fputs(": ", f);
            schema_write(f, s, text(get(field, "type"), ftype, sizeof ftype),
                         &value->via.map.ptr[i].val);
        } else { /* a field newer than the schema: by id */
            fputc('"', f);
            json_write_object(f, k);
            fputs("\": ", f);
            json_write_object(f, &value->via.map.ptr[i].val);
        }
    }
    fputc('}', f);
}

void schema_write(FILE *f, const schema *s, const char *type, const msgpack_object *value)
{
    char a[TYPE_MAX], b[TYPE_MAX];
    const msgpack_object *fields = get(s->messages, type), *members = get(s->enums, type);

    if (fields != NULL && value->type == MSGPACK_OBJECT_MAP) {
        write_message(f, s, fields, value);
    } else if (members != NULL) {
        write_enum(f, members, value);
    } else if (split_list(type, a) && value->type == MSGPACK_OBJECT_ARRAY) {
        fputc('[', f);
        for (uint32_t i = 0; i < value->via.array.size; i++) {
            if (i > 0)
                fputs(", ", f);
            schema_write(f, s, a, &value->via.array.ptr[i]);
        }
        fputc(']', f);
    } else if (split_map(type, a, b) && value->type == MSGPACK_OBJECT_MAP) {
        fputc('{', f);
        for (uint32_t i = 0; i < value->via.map.size; i++) {
            const msgpack_object *k = &value->via.map.ptr[i].key;
            if (i > 0)
                fputs(", ", f);
            if (k->type == MSGPACK_OBJECT_STR) {
                json_write_string(f, k->via.str.ptr, k->via.str.size);
            } else {
                fputc('"', f);
                json_write_object(f, k);
                fputc('"', f);
            }
            fputs(": ", f);
            schema_write(f, s, b, &value->via.map.ptr[i].val);
        }
        fputc('}', f);
    } else {
        json_write_object(f, value);
    }
}
