/*
 * frames.h - the pipeline's synthetic content: what the microphone
 * "hears" for frame N, what transcribe makes of it and what annotate
 * notes. Every function depends only on its arguments, so overlay can
 * work out from a frame's number alone what it must receive.
 */
#ifndef PIPELINE_FRAMES_H
#define PIPELINE_FRAMES_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of synthetic audio per chunk. */
#define FRAME_SAMPLES 64

/* Fills out[0..FRAME_SAMPLES) with frame `seq`'s samples. */
void frames_fill_samples(uint64_t seq, uint8_t out[FRAME_SAMPLES]);

/* The loudness of `n` samples, 0..128 (mean distance from silence, 128). */
uint32_t frames_level(const uint8_t *samples, size_t n);

/* What transcribe hears in a frame: "frame SEQ: WORD WORD WORD (level L)",
 * the words picked by the samples. Returns a string the caller frees,
 * NULL when out of memory. */
char *frames_transcribe(uint64_t seq, const uint8_t *samples, size_t n, uint32_t level);

/* Annotate's note on a transcript: the initials of its words and their
 * count, "BKT, 3 words". Returns a string the caller frees, NULL when out
 * of memory. */
char *frames_annotate(const char *text);

/* Frame `seq`'s transcript, from scratch (what overlay expects). Returns
 * a string the caller frees, NULL when out of memory. */
char *frames_expected_transcript(uint64_t seq);

#endif /* PIPELINE_FRAMES_H */
