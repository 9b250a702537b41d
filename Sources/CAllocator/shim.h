#ifndef METAPROMPT_CALLOCATOR_SHIM_H
#define METAPROMPT_CALLOCATOR_SHIM_H
// glibc's allocator tuning (mallopt, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD), which Swift's
// Glibc module does not export.
#include <malloc.h>
#endif
