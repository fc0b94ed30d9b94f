/*
 * store_test.c - the object store (actor/stores.h): a blob put once is got
 * whole by its reference, from this process and from a second system
 * over ipc; references are counted and the last release frees it (then
 * NO_SUCH_OBJECT); the byte bound answers FULL, and TOO_LARGE for a blob
 * that never fits; info counts objects, bytes and the peak.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/remote.h"
#include "actor/stores.h"
#include "actor/testing.h"

#define BLOB_BYTES (1u << 20)

static bool is_error(const actor_status *st, int32_t code)
{
    return st->category == ACTOR_STATUS_ERROR && st->code == code;
}

static actor_store_StoreInfo info_of(actor_client *c, actor_ref s)
{
    actor_store_StoreInfo info = {0};
    actor_status st;

    actor_store_Store_info(c, s, &info, NULL, &st);
    return info;
}

static uint32_t release(actor_client *c, actor_ref s, actor_store_ObjectRef ref, actor_status *st)
{
    actor_store_RefCount rc = {ref, 1};
    actor_store_Remaining left = {0};

    actor_store_Store_release(c, s, &rc, &left, NULL, st);
    return left.refs;
}

ACTOR_TEST(a_blob_put_once_is_got_by_reference_until_its_last_release)
{
    actor_test t;
    actor_ref s;
    actor_status st;
    uint8_t *blob = malloc(BLOB_BYTES);
    actor_store_PutObject put;
    actor_store_ObjectRef ref;
    actor_store_Blob got;
    actor_store_RefCount more;
    actor_store_Remaining left;

    ACTOR_ASSERT(blob != NULL);
    for (size_t i = 0; i < BLOB_BYTES; i++)
        blob[i] = (uint8_t)(i * 31 + 7);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_store_spawn(t.sys, 0, NULL, &s), 0);
    put = (actor_store_PutObject){{.data = blob, .len = BLOB_BYTES}, 2}; /* two holders */
    ACTOR_ASSERT_RC(actor_store_Store_put(t.client, s, &put, &ref, NULL, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(ref.size, BLOB_BYTES);
    ACTOR_ASSERT_RC(actor_store_Store_get(t.client, s, &ref, &got, NULL, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(got.data.len, BLOB_BYTES);
    ACTOR_ASSERT(memcmp(got.data.data, blob, BLOB_BYTES) == 0);
    actor_store_Blob_free(&got);
    more = (actor_store_RefCount){ref, 1};
    ACTOR_ASSERT_RC(actor_store_Store_retain(t.client, s, &more, &left, NULL, &st), 0);
    ACTOR_ASSERT_INT(left.refs, 3);
    ACTOR_ASSERT_INT(release(t.client, s, ref, &st), 2);
    ACTOR_ASSERT_INT(release(t.client, s, ref, &st), 1);
    ACTOR_ASSERT_INT(info_of(t.client, s).objects, 1);
    ACTOR_ASSERT_INT(release(t.client, s, ref, &st), 0); /* the last one: freed */
    ACTOR_ASSERT_INT(info_of(t.client, s).objects, 0);
    ACTOR_ASSERT_INT(info_of(t.client, s).size_bytes, 0);
    ACTOR_ASSERT_INT(info_of(t.client, s).peak_bytes, BLOB_BYTES);
    actor_store_Store_get(t.client, s, &ref, &got, NULL, &st);
    ACTOR_ASSERT(is_error(&st, actor_store_StoreError_NO_SUCH_OBJECT));
    release(t.client, s, ref, &st);
    ACTOR_ASSERT(is_error(&st, actor_store_StoreError_NO_SUCH_OBJECT));
    actor_test_stop(&t);
    free(blob);
}

ACTOR_TEST(the_byte_bound_answers_full_and_too_large)
{
    actor_test t;
    actor_ref s;
    actor_status st;
    uint8_t chunk[600] = {0};
    actor_store_PutObject put = {{.data = chunk, .len = sizeof chunk}, 1};
    actor_store_ObjectRef a, b;

    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_store_spawn(t.sys, 1000, NULL, &s), 0);
    ACTOR_ASSERT_RC(actor_store_Store_put(t.client, s, &put, &a, NULL, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    actor_store_Store_put(t.client, s, &put, &b, NULL, &st);
    ACTOR_ASSERT(is_error(&st, actor_store_StoreError_FULL));
    {
        uint8_t big[1200] = {0};
        actor_store_PutObject huge = {{.data = big, .len = sizeof big}, 1};
        actor_store_Store_put(t.client, s, &huge, &b, NULL, &st);
        ACTOR_ASSERT(is_error(&st, actor_store_StoreError_TOO_LARGE));
    }
    ACTOR_ASSERT_INT(release(t.client, s, a, &st), 0); /* room again */
    ACTOR_ASSERT_RC(actor_store_Store_put(t.client, s, &put, &b, NULL, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT(b.id != a.id);
    actor_test_stop(&t);
}

ACTOR_TEST(another_system_gets_the_blob_by_its_reference)
{
    actor_test t;
    actor_system *other = NULL;
    actor_client *c = NULL;
    actor_ref s, far;
    actor_status st;
    char dir[] = "/tmp/actor-store-XXXXXX", endpoint[64];
    uint8_t blob[4096];
    actor_store_PutObject put = {{.data = blob, .len = sizeof blob}, 1};
    actor_store_ObjectRef ref;
    actor_store_Blob got;

    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i ^ 0x5a);
    ACTOR_ASSERT(mkdtemp(dir) != NULL);
    snprintf(endpoint, sizeof endpoint, "ipc://%s/store", dir);
    ACTOR_ASSERT_RC(actor_test_start(&t, 2), 0);
    ACTOR_ASSERT_RC(actor_system_bind(t.sys, endpoint, NULL, NULL, 0), 0);
    ACTOR_ASSERT_RC(actor_store_spawn(t.sys, 0, NULL, &s), 0);
    ACTOR_ASSERT_RC(actor_register_name(t.sys, s, "blobs"), 0);
    ACTOR_ASSERT_RC(actor_store_Store_put(t.client, s, &put, &ref, NULL, &st), 0);
    /* only the reference travels to the other side; it gets the blob */
    ACTOR_ASSERT_RC(actor_system_new(NULL, &other), 0);
    ACTOR_ASSERT_RC(actor_client_new(other, &c), 0);
    ACTOR_ASSERT_RC(actor_connect(other, endpoint, "blobs", NULL, &far), 0);
    ACTOR_ASSERT_RC(actor_store_Store_get(c, far, &ref, &got, NULL, &st), 0);
    ACTOR_ASSERT_INT(st.category, ACTOR_STATUS_OK);
    ACTOR_ASSERT_INT(got.data.len, sizeof blob);
    ACTOR_ASSERT(memcmp(got.data.data, blob, sizeof blob) == 0);
    actor_store_Blob_free(&got);
    ACTOR_ASSERT_INT(release(c, far, ref, &st), 0);
    ACTOR_ASSERT_INT(info_of(t.client, s).objects, 0);
    actor_client_destroy(&c);
    actor_system_destroy(&other);
    actor_test_stop(&t);
    rmdir(dir);
}

int main(void)
{
    ACTOR_TEST_RUN(a_blob_put_once_is_got_by_reference_until_its_last_release);
    ACTOR_TEST_RUN(the_byte_bound_answers_full_and_too_large);
    ACTOR_TEST_RUN(another_system_gets_the_blob_by_its_reference);
    return actor_test_summary();
}
