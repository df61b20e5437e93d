/* live/protocol: every message gets a sensible reply; bad ones an error, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "live/protocol.h"

static const char *handle(struct buf *out, const char *msg)
{
    live_protocol_handle(msg, strlen(msg), out);
    return out->data;
}

static void replies(void **state)
{
    struct buf out = {0};
    assert_string_equal(handle(&out, "{\"type\":\"ping\"}"), "{\"type\":\"pong\"}");
    assert_non_null(strstr(handle(&out, "{\"type\":\"hello\"}"), "\"protocol\":\"confide.v1\""));
    assert_non_null(strstr(handle(&out, "{\"type\":\"teleport\"}"), "\"code\":\"unknown_type\""));
    assert_non_null(strstr(handle(&out, "not json"), "\"code\":\"malformed_message\""));
    assert_non_null(strstr(handle(&out, "[1,2]"), "\"code\":\"malformed_message\""));
    assert_non_null(strstr(handle(&out, "{\"type\":7}"), "\"code\":\"malformed_message\""));
    assert_non_null(strstr(handle(&out, "{\"type\":\"ping\",\"type\":\"x\"}"),
                           "\"code\":\"malformed_message\""));
    assert_non_null(strstr(handle(&out, ""), "\"type\":\"error\""));
    live_protocol_too_large(&out);
    assert_non_null(strstr(out.data, "\"code\":\"message_too_large\""));
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(replies)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
