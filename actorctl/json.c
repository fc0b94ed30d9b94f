/*
 * json.c - JSON to msgpack and back, for actorctl's `call` (json.h). A
 * recursive-descent reader that packs as it reads, nested at most 64
 * deep; numbers without a fraction or exponent are integers.
 */
#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct reader {
    const char *start, *p;
    msgpack_packer pk;
    msgpack_sbuffer *out;
    char *err;
    size_t size;
} reader;

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(r->err, r->size, "at offset %zu: ", (size_t)(r->p - r->start));

    va_start(ap, fmt);
    if (n > 0 && (size_t)n < r->size)
        vsnprintf(r->err + n, r->size - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static void skip_space(reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

static int hex4(reader *r, unsigned *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->p[i];
        if (!isxdigit((unsigned char)c))
            return fail(r, "bad \\u escape");
        *out = *out * 16 + (unsigned)(isdigit((unsigned char)c) ? c - '0' : (tolower(c) - 'a' + 10));
    }
    r->p += 4;
    return 0;
}

/* Appends code point cp as UTF-8 to buf[*n]. */
static void put_utf8(char *buf, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        buf[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        buf[(*n)++] = (char)(0xC0 | (cp >> 6));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        buf[(*n)++] = (char)(0xE0 | (cp >> 12));
        buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        buf[(*n)++] = (char)(0xF0 | (cp >> 18));
        buf[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        buf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* Reads a string (r->p at its opening quote) into a new buffer *out of
 * *len bytes (the caller frees it). */
static int read_string(reader *r, char **out, size_t *len)
{
    size_t cap = strlen(r->p) + 1, n = 0; /* UTF-8 of an escape is never longer */
    char *buf = malloc(cap);

    if (buf == NULL)
        return fail(r, "out of memory");
    r->p++;
    while (*r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c == '\0' || c < 0x20) {
            free(buf);
            return fail(r, c == '\0' ? "unterminated string" : "control character in a string");
        }
        if (c != '\\') {
            buf[n++] = (char)c;
            r->p++;
            continue;
        }
        r->p++;
        switch (*r->p++) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (hex4(r, &cp) != 0) {
                free(buf);
                return -1;
            }
            if (cp >= 0xD800 && cp < 0xDC00 && r->p[0] == '\\' && r->p[1] == 'u') {
                r->p += 2;
                if (hex4(r, &lo) != 0) {
                    free(buf);
                    return -1;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(buf, &n, cp);
            break;
        }
        default:
            free(buf);
            r->p--;
            return fail(r, "bad escape \\%c", *r->p);
        }
    }
    r->p++;
    *out = buf;
    *len = n;
    return 0;
}

static bool all_digits(const char *s, size_t len)
{
    if (len == 0 || len > 10)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int read_value(reader *r, int depth);

static int read_number(reader *r)
{
    const char *s = r->p;
    bool fractional = false;
    char *end;

    if (*r->p == '-')
        r->p++;
    while (isdigit((unsigned char)*r->p) || *r->p == '.' || *r->p == 'e' || *r->p == 'E' ||
           ((*r->p == '+' || *r->p == '-') && (r->p[-1] == 'e' || r->p[-1] == 'E'))) {
        fractional |= *r->p == '.' || *r->p == 'e' || *r->p == 'E';
        r->p++;
    }
    errno = 0;
    if (!fractional && *s == '-') {
        long long v = strtoll(s, &end, 10);
        if (end == r->p && errno == 0)
            return msgpack_pack_int64(&r->pk, v);
    } else if (!fractional) {
        unsigned long long v = strtoull(s, &end, 10);
        if (end == r->p && errno == 0)
            return msgpack_pack_uint64(&r->pk, v);
    }
    double d = strtod(s, &end);
    if (end != r->p || end == s) {
        r->p = s;
        return fail(r, "not a number");
    }
    return msgpack_pack_double(&r->pk, d);
}

/* Counts the members of the array or object at r->p (its opening
 * bracket), without packing; -1 when it is malformed (read_value says
 * how, once it gets there). */
static long count_members(const char *p)
{
    int depth = 0;
    long n = 0;
    bool in_string = false, any = false;

    for (; *p != '\0'; p++) {
        if (in_string) {
            if (*p == '\\' && p[1] != '\0')
                p++;
            else if (*p == '"')
                in_string = false;
            continue;
        }
        switch (*p) {
        case '"': in_string = true; any |= depth == 1; break;
        case '[':
        case '{':
            if (depth == 1)
                any = true;
            depth++;
            break;
        case ']':
        case '}':
            if (--depth == 0)
                return any ? n + 1 : 0;
            break;
        case ',': n += depth == 1; break;
        case ' ': case '\t': case '\n': case '\r': break;
        default: any |= depth == 1; break;
        }
    }
    return -1;
}

static int read_array(reader *r, int depth)
{
    long n = count_members(r->p);

    if (n < 0)
        return fail(r, "unterminated array");
    msgpack_pack_array(&r->pk, (size_t)n);
    r->p++;
    for (long i = 0; i < n; i++) {
        if (read_value(r, depth + 1) != 0)
            return -1;
        skip_space(r);
        if (*r->p != (i + 1 < n ? ',' : ']'))
            return fail(r, "expected '%c' in an array", i + 1 < n ? ',' : ']');
        r->p++;
    }
    if (n == 0) {
        skip_space(r);
        r->p++; /* ']' */
    }
    return 0;
}

static int read_object(reader *r, int depth)
{
    long n = count_members(r->p);

    if (n < 0)
        return fail(r, "unterminated object");
    msgpack_pack_map(&r->pk, (size_t)n);
    r->p++;
    for (long i = 0; i < n; i++) {
        char *key;
        size_t len;
        skip_space(r);
        if (*r->p != '"')
            return fail(r, "expected a string key");
        if (read_string(r, &key, &len) != 0)
            return -1;
        if (all_digits(key, len)) {
            key[len] = '\0';
            msgpack_pack_uint64(&r->pk, strtoull(key, NULL, 10));
        } else {
            msgpack_pack_str(&r->pk, len);
            msgpack_pack_str_body(&r->pk, key, len);
        }
        free(key);
        skip_space(r);
        if (*r->p++ != ':')
            return r->p--, fail(r, "expected ':' after a key");
        if (read_value(r, depth + 1) != 0)
            return -1;
        skip_space(r);
        if (*r->p != (i + 1 < n ? ',' : '}'))
            return fail(r, "expected '%c' in an object", i + 1 < n ? ',' : '}');
        r->p++;
    }
    if (n == 0) {
        skip_space(r);
        r->p++; /* '}' */
    }
    return 0;
}

static int read_value(reader *r, int depth)
{
    char *s;
    size_t len;

    if (depth > MAX_DEPTH)
        return fail(r, "nested deeper than %d", MAX_DEPTH);
    skip_space(r);
    switch (*r->p) {
    case '{': return read_object(r, depth);
    case '[': return read_array(r, depth);
    case '"':
        if (read_string(r, &s, &len) != 0)
            return -1;
        msgpack_pack_str(&r->pk, len);
        msgpack_pack_str_body(&r->pk, s, len);
        free(s);
        return 0;
    case 't':
        if (strncmp(r->p, "true", 4) != 0)
            break;
        r->p += 4;
        return msgpack_pack_true(&r->pk);
    case 'f':
        if (strncmp(r->p, "false", 5) != 0)
            break;
        r->p += 5;
        return msgpack_pack_false(&r->pk);
    case 'n':
        if (strncmp(r->p, "null", 4) != 0)
            break;
        r->p += 4;
        return msgpack_pack_nil(&r->pk);
    default:
        if (*r->p == '-' || isdigit((unsigned char)*r->p))
            return read_number(r);
        break;
    }
    return fail(r, *r->p == '\0' ? "unexpected end" : "unexpected '%c'", *r->p);
}

int json_to_msgpack(const char *json, msgpack_sbuffer *out, char *err, size_t size)
{
    reader r = {json, json, {0}, out, err, size};

    msgpack_packer_init(&r.pk, out, msgpack_sbuffer_write);
    if (read_value(&r, 0) != 0)
        return -1;
    skip_space(&r);
    if (*r.p != '\0')
        return fail(&r, "text after the value");
    return 0;
}

/* ----------------------------------------------------------- writing */

void json_write_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static void write_base64(FILE *f, const unsigned char *p, size_t n)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    fputc('"', f);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        fputc(digits[v >> 18 & 63], f);
        fputc(digits[v >> 12 & 63], f);
        fputc(i + 1 < n ? digits[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? digits[v & 63] : '=', f);
    }
    fputc('"', f);
}

void json_write_object(FILE *f, const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: fputs("null", f); break;
    case MSGPACK_OBJECT_BOOLEAN: fputs(o->via.boolean ? "true" : "false", f); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: fprintf(f, "%" PRIu64, o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: fprintf(f, "%" PRId64, o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: fprintf(f, "%.17g", o->via.f64); break;
    case MSGPACK_OBJECT_STR: json_write_string(f, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_BIN:
        write_base64(f, (const unsigned char *)o->via.bin.ptr, o->via.bin.size);
        break;
    case MSGPACK_OBJECT_ARRAY:
        fputc('[', f);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i > 0)
                fputs(", ", f);
            json_write_object(f, &o->via.array.ptr[i]);
        }
        fputc(']', f);
        break;
    case MSGPACK_OBJECT_MAP:
        fputc('{', f);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
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
            json_write_object(f, &o->via.map.ptr[i].val);
        }
        fputc('}', f);
        break;
    default: fputs("null", f); break;
    }
}
