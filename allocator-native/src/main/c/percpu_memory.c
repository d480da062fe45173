/*
 * percpu_memory.c - word fills and compares for debug mode (see percpu_memory.h).
 */
#include "percpu_memory.h"

void percpu_fill_words(uint64_t *words, uint64_t nwords, uint64_t pattern)
{
    for (uint64_t i = 0; i < nwords; i++)
        words[i] = pattern;
}

int64_t percpu_find_word_not(const uint64_t *words, uint64_t nwords, uint64_t pattern)
{
    for (uint64_t i = 0; i < nwords; i++) {
        if (words[i] != pattern)
            return (int64_t) i;
    }
    return -1;
}
