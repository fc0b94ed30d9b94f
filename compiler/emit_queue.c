/*
 * emit_queue.c - for each message marked @queue: its descriptor and
 * typed wrappers of the queue and channel calls (actor/queues.h,
 * actor/channel.h), in the header and the source.
 *
 *   pkg_Job_desc             how the runtime encodes and decodes a pkg_Job
 *   pkg_Job_TYPE             "pkg.Job", the name a queue of them is typed by
 *   pkg_Job_queue_put/_get   n items into or out of a queue
 *   pkg_Job_send/_try_send   one item into a channel
 *   pkg_Job_recv/_try_recv   one item out of a channel
 */
#include "emit.h"

bool emit_has_queue_items(const ast_module *m)
{
    for (size_t i = 0; i < m->decls.len; i++) {
        const ast_decl *d = m->decls.items[i];
        if (d->kind == DECL_MESSAGE && d->queue_items)
            return true;
    }
    return false;
}

void emit_queue_decls(emitter *e)
{
    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        const char *n;
        if (d->kind != DECL_MESSAGE || !d->queue_items)
            continue;
        n = emit_cname(e, d);
        emit_line(e, "/* %s as the items of queues and channels (@queue; actor/queues.h,",
                  emit_idl_name(e, d));
        emit_line(e, " * actor/channel.h): the name a queue of them is typed by, how the");
        emit_line(e, " * runtime encodes and decodes one, and the typed calls. */");
        emit_line(e, "#define %s_TYPE \"%s\"", n, emit_idl_name(e, d));
        emit_line(e, "extern const actor_message_desc %s_desc;", n);
        emit_line(e, "/* actor_queue_put and actor_queue_get of n items. */");
        emit_line(e, "int %s_queue_put(actor_client *c, actor_ref queue, const %s *items,", n, n);
        emit_line(e, "    size_t n, actor_queue_Wait wait, actor_status *st);");
        emit_line(e, "int %s_queue_get(actor_client *c, actor_ref queue, %s *out, size_t n,", n,
                  n);
        emit_line(e, "    actor_queue_Wait wait, actor_status *st);");
        emit_line(e, "/* A channel's sender and receiver of them (actor_sender_open,");
        emit_line(e, " * actor_receiver_of), and actor_send, actor_try_send, actor_recv and");
        emit_line(e, " * actor_try_recv of one. */");
        emit_line(e, "int %s_sender_open(actor_client *c, actor_ref queue, actor_sender *out,",
                  n);
        emit_line(e, "    actor_status *st);");
        emit_line(e, "actor_receiver %s_receiver(actor_ref queue);", n);
        emit_line(e, "int %s_send(actor_client *c, const actor_sender *s, const %s *item,", n, n);
        emit_line(e, "    uint32_t timeout_ms, actor_status *st);");
        emit_line(e, "int %s_try_send(actor_client *c, const actor_sender *s, const %s *item,", n,
                  n);
        emit_line(e, "    actor_status *st);");
        emit_line(e, "int %s_recv(actor_client *c, const actor_receiver *r, %s *out,", n, n);
        emit_line(e, "    uint32_t timeout_ms, actor_status *st);");
        emit_line(e, "int %s_try_recv(actor_client *c, const actor_receiver *r, %s *out,", n, n);
        emit_line(e, "    actor_status *st);");
        emit_blank(e);
    }
}

/* The public descriptor, over actor/stub.h's ACTOR_MESSAGE_DESC_FUNCS; the
 * stubs of this file's actors use it too (emit_actor.c). */
static void emit_desc(emitter *e, const char *n)
{
    emit_line(e, "ACTOR_MESSAGE_DESC_FUNCS(%s)", n);
    emit_line(e, "const actor_message_desc %s_desc = {", n);
    emit_line(e, "    sizeof(%s), %s__init_any, %s__free_any, %s__encode_any, %s__decode_any,", n,
              n, n, n, n);
    emit_line(e, "};");
    emit_blank(e);
}

static void emit_wrappers(emitter *e, const char *n)
{
    emit_line(e, "int %s_queue_put(actor_client *c, actor_ref queue, const %s *items,", n, n);
    emit_line(e, "    size_t n, actor_queue_Wait wait, actor_status *st)");
    emit_open(e, "{");
    emit_line(e, "return actor_queue_put(c, queue, &%s_desc, %s_TYPE, items, n, wait, st);", n,
              n);
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "int %s_queue_get(actor_client *c, actor_ref queue, %s *out, size_t n,", n, n);
    emit_line(e, "    actor_queue_Wait wait, actor_status *st)");
    emit_open(e, "{");
    emit_line(e, "return actor_queue_get(c, queue, &%s_desc, %s_TYPE, out, n, wait, st);", n, n);
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "int %s_sender_open(actor_client *c, actor_ref queue, actor_sender *out,", n);
    emit_line(e, "    actor_status *st)");
    emit_open(e, "{");
    emit_line(e, "return actor_sender_open(c, queue, &%s_desc, %s_TYPE, out, st);", n, n);
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "actor_receiver %s_receiver(actor_ref queue)", n);
    emit_open(e, "{");
    emit_line(e, "return actor_receiver_of(queue, &%s_desc, %s_TYPE);", n, n);
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "int %s_send(actor_client *c, const actor_sender *s, const %s *item,", n, n);
    emit_line(e, "    uint32_t timeout_ms, actor_status *st)");
    emit_open(e, "{");
    emit_line(e, "return actor_send(c, s, item, timeout_ms, st);");
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "int %s_try_send(actor_client *c, const actor_sender *s, const %s *item,", n, n);
    emit_line(e, "    actor_status *st)");
    emit_open(e, "{");
    emit_line(e, "return actor_try_send(c, s, item, st);");
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "int %s_recv(actor_client *c, const actor_receiver *r, %s *out,", n, n);
    emit_line(e, "    uint32_t timeout_ms, actor_status *st)");
    emit_open(e, "{");
    emit_line(e, "return actor_recv(c, r, out, timeout_ms, st);");
    emit_close(e, "}");
    emit_blank(e);
    emit_line(e, "int %s_try_recv(actor_client *c, const actor_receiver *r, %s *out,", n, n);
    emit_line(e, "    actor_status *st)");
    emit_open(e, "{");
    emit_line(e, "return actor_try_recv(c, r, out, st);");
    emit_close(e, "}");
    emit_blank(e);
}

void emit_queue_defs(emitter *e)
{
    for (size_t i = 0; i < e->m->decls.len; i++) {
        const ast_decl *d = e->m->decls.items[i];
        if (d->kind != DECL_MESSAGE || !d->queue_items)
            continue;
        emit_desc(e, emit_cname(e, d));
        emit_wrappers(e, emit_cname(e, d));
    }
}
