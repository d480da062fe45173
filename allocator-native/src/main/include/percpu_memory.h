/*
 * percpu_memory.h - word fills and compares over slot memory, for the
 * allocator's debug mode (poison on free, check on allocate).
 *
 * Both work on 8-byte words at 8-byte aligned addresses: slots are 16-byte
 * aligned and their sizes multiples of 16, and the Java side
 * (MemoryCalls.fillWords / findWordNot) checks that the length is a multiple
 * of 8 before the call.
 */
#ifndef PERCPU_MEMORY_H
#define PERCPU_MEMORY_H

#include <stdint.h>

/* Stores pattern into words[0 .. nwords). */
void percpu_fill_words(uint64_t *words, uint64_t nwords, uint64_t pattern);

/* Index of the first word in words[0 .. nwords) that is not pattern, or -1. */
int64_t percpu_find_word_not(const uint64_t *words, uint64_t nwords, uint64_t pattern);

#endif
