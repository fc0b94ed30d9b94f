/*
 * frames.c - the synthetic audio, transcripts and notes (frames.h).
 */
#include "frames.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORDS_PER_FRAME 3
#define SILENCE 128u

static const char *const vocabulary[] = {
    "alpha",   "bravo", "charlie", "delta",  "echo",     "foxtrot", "golf",   "hotel",  "india",
    "juliett", "kilo",  "lima",    "mike",   "november", "oscar",   "papa",   "quebec", "romeo",
    "sierra",  "tango", "uniform", "victor", "whiskey",  "xray",    "yankee", "zulu",
};
#define VOCABULARY_SIZE (sizeof vocabulary / sizeof *vocabulary)

/* splitmix64: a well-mixed sequence from any seed. */
static uint64_t next_random(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void frames_fill_samples(uint64_t seq, uint8_t out[FRAME_SAMPLES])
{
    uint64_t state = seq;

    for (size_t i = 0; i < FRAME_SAMPLES; i++)
        out[i] = (uint8_t)next_random(&state);
}

uint32_t frames_level(const uint8_t *samples, size_t n)
{
    uint64_t sum = 0;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        sum += samples[i] >= SILENCE ? samples[i] - SILENCE : SILENCE - samples[i];
    return (uint32_t)(sum / n);
}

/* A new string, printf-formatted; NULL when out of memory. */
__attribute__((format(printf, 1, 2))) static char *format_string(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return NULL;
    s = malloc((size_t)len + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *frames_transcribe(uint64_t seq, const uint8_t *samples, size_t n, uint32_t level)
{
    const char *words[WORDS_PER_FRAME];

    for (size_t i = 0; i < WORDS_PER_FRAME; i++)
        words[i] = i < n ? vocabulary[samples[i] % VOCABULARY_SIZE] : "silence";
    return format_string("frame %" PRIu64 ": %s %s %s (level %" PRIu32 ")", seq, words[0], words[1],
                         words[2], level);
}

char *frames_annotate(const char *text)
{
    const char *colon = strchr(text, ':');
    char initials[WORDS_PER_FRAME + 1];
    size_t n = 0;
    bool word_starts = true;

    /* The words come after "frame N:" and before "(level L)". */
    for (const char *p = colon != NULL ? colon + 1 : text; *p != '\0' && *p != '('; p++) {
        if (*p == ' ') {
            word_starts = true;
            continue;
        }
        if (word_starts && n < WORDS_PER_FRAME && isalpha((unsigned char)*p))
            initials[n++] = (char)toupper((unsigned char)*p);
        word_starts = false;
    }
    initials[n] = '\0';
    return format_string("%s, %zu words", initials, n);
}

char *frames_expected_transcript(uint64_t seq)
{
    uint8_t samples[FRAME_SAMPLES];

    frames_fill_samples(seq, samples);
    return frames_transcribe(seq, samples, FRAME_SAMPLES, frames_level(samples, FRAME_SAMPLES));
}
