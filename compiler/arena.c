/*
 * arena.c - block arena for every AST node and string of a run.
 *
 * Memory comes from a chain of large blocks; nothing is freed until
 * arena_destroy() releases all of it at once. Out of memory aborts with a
 * message: the compiler cannot do anything useful without memory.
 */
#include <stdlib.h>
#include <string.h>

#include "actorc.h"

enum { ARENA_BLOCK_SIZE = 64 * 1024, ARENA_ALIGN = 16 };

typedef struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t size;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block;

struct arena {
    arena_block *head; /* the block being filled; older ones follow */
};

static void *arena_oom(size_t size)
{
    fprintf(stderr, "actorc: out of memory (allocating %zu bytes)\n", size);
    abort();
}

static void *checked_malloc(size_t size)
{
    void *p = malloc(size);
    return p ? p : arena_oom(size);
}

arena *arena_new(void)
{
    arena *a = checked_malloc(sizeof *a);
    a->head = NULL;
    return a;
}

void arena_destroy(arena **a)
{
    if (!a || !*a)
        return;
    arena_block *b = (*a)->head;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(*a);
    *a = NULL;
}

static arena_block *arena_grow(arena *a, size_t need)
{
    size_t size = need > ARENA_BLOCK_SIZE ? need : ARENA_BLOCK_SIZE;
    if (size > SIZE_MAX - sizeof(arena_block))
        arena_oom(need);
    arena_block *b = checked_malloc(sizeof *b + size);
    b->size = size;
    b->used = 0;
    b->next = a->head;
    a->head = b;
    return b;
}

void *arena_alloc(arena *a, size_t size)
{
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded < size)
        arena_oom(size);
    arena_block *b = a->head;
    if (!b || b->size - b->used < rounded) {
        /* A large request gets its own block behind the current one so
         * the rest of the current block is not wasted. */
        if (b && rounded > ARENA_BLOCK_SIZE / 4) {
            arena_block *big = arena_grow(a, rounded);
            a->head = b;
            big->next = b->next;
            b->next = big;
            big->used = rounded;
            memset(big->data, 0, rounded);
            return big->data;
        }
        b = arena_grow(a, rounded);
    }
    void *p = b->data + b->used;
    b->used += rounded;
    memset(p, 0, rounded);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        arena_oom(0);
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void ptr_vec_push(arena *a, ptr_vec *v, void *item)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void **items = arena_alloc(a, cap * sizeof *items);
        if (v->len)
            memcpy(items, v->items, v->len * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = item;
}
