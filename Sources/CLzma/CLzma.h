#ifndef CLZMA_SHIM_H
#define CLZMA_SHIM_H

#include <lzma.h>

/* LZMA_CONCATENATED is defined through UINT32_C, which Swift does not import. */
static inline uint32_t CLzma_concatenatedFlag(void) {
    return LZMA_CONCATENATED;
}

#endif
