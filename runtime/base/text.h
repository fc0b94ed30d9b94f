/*
 * text.h - text helpers every layer uses.
 */
#ifndef ACTOR_BASE_TEXT_H
#define ACTOR_BASE_TEXT_H

/* Makes text (NUL-terminated) valid UTF-8 in place, as a status message
 * must be (encoders refuse anything else): a sequence cut short by the end
 * (a message truncated to its buffer) is cut off whole, any other invalid
 * byte becomes '?'. */
void actor__text_fix_utf8(char *text);

#endif /* ACTOR_BASE_TEXT_H */
