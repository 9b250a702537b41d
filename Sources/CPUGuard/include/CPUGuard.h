#ifndef METAPROMPT_CPU_GUARD_H
#define METAPROMPT_CPU_GUARD_H
// The instruction set metaprompt's Swift code was compiled for: "haswell (AVX2, FMA)" or
// "x86-64 (SSE2)". A binary built for haswell checks the CPU in a constructor, before main.
const char *metaprompt_instruction_set(void);
#endif
