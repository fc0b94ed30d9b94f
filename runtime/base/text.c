/*
 * text.c - making a status message valid UTF-8 (text.h).
 */
#include <stdbool.h>
#include <string.h>

#include "actor/codec.h"
#include "base/text.h"

/* The length a UTF-8 sequence starting with `lead` has (1 for bytes that
 * cannot start one: they are invalid on their own). */
static size_t utf8_sequence_length(unsigned char lead)
{
    if (lead >= 0xc2 && lead <= 0xdf)
        return 2;
    if (lead >= 0xe0 && lead <= 0xef)
        return 3;
    if (lead >= 0xf0 && lead <= 0xf4)
        return 4;
    return 1;
}

static bool is_continuation(unsigned char c)
{
    return c >= 0x80 && c <= 0xbf;
}

void actor__text_fix_utf8(char *text)
{
    size_t n = strlen(text), i = 0;

    if (actor__utf8_valid(text, n)) /* the common case, checked 8 bytes at a time */
        return;
    while (i < n) {
        size_t len = utf8_sequence_length((unsigned char)text[i]), k = 1;

        if (n - i >= len && actor__utf8_valid(text + i, len)) {
            i += len;
            continue;
        }
        while (i + k < n && k < len && is_continuation((unsigned char)text[i + k]))
            k++;
        if (i + k == n && len > 1) { /* a character cut by the end */
            text[i] = '\0';
            return;
        }
        text[i++] = '?';
    }
}
