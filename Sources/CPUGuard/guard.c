// A binary whose Swift code is compiled for haswell (Package.swift, METAPROMPT_TARGET_CPU)
// executes AVX2 and FMA instructions from its first Swift function on. On a CPU without them
// it would die of SIGILL with no word of why: this constructor runs before main, in C compiled
// for the baseline, and stops with a message naming the missing features and the fix.
#include "CPUGuard.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(METAPROMPT_TARGET_HASWELL)
// The features LLVM's haswell CPU lets the compiler emit without intrinsics.
static const char *const required[] = {
    "avx", "avx2", "fma", "bmi", "bmi2", "f16c", "movbe", "lzcnt", "popcnt", "sse4.2",
};

static int supports(const char *feature) {
    // __builtin_cpu_supports takes literals only.
    if (!strcmp(feature, "avx")) return __builtin_cpu_supports("avx");
    if (!strcmp(feature, "avx2")) return __builtin_cpu_supports("avx2");
    if (!strcmp(feature, "fma")) return __builtin_cpu_supports("fma");
    if (!strcmp(feature, "bmi")) return __builtin_cpu_supports("bmi");
    if (!strcmp(feature, "bmi2")) return __builtin_cpu_supports("bmi2");
    if (!strcmp(feature, "f16c")) return __builtin_cpu_supports("f16c");
    if (!strcmp(feature, "movbe")) return __builtin_cpu_supports("movbe");
    if (!strcmp(feature, "lzcnt")) return __builtin_cpu_supports("lzcnt");
    if (!strcmp(feature, "popcnt")) return __builtin_cpu_supports("popcnt");
    if (!strcmp(feature, "sse4.2")) return __builtin_cpu_supports("sse4.2");
    return 0;
}

__attribute__((constructor)) static void metaprompt_check_cpu(void) {
    __builtin_cpu_init();
    char missing[128] = "";
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if (supports(required[i])) continue;
        if (missing[0]) strncat(missing, " ", sizeof missing - strlen(missing) - 1);
        strncat(missing, required[i], sizeof missing - strlen(missing) - 1);
    }
    if (!missing[0]) return;
    fprintf(stderr,
            "metaprompt: this binary was built for haswell (AVX2, FMA) and this CPU lacks: %s.\n"
            "Rebuild for any x86-64 CPU with METAPROMPT_TARGET_CPU=x86-64 swift build -c release\n",
            missing);
    _exit(1);
}

const char *metaprompt_instruction_set(void) { return "haswell (AVX2, FMA)"; }
#else
const char *metaprompt_instruction_set(void) { return "x86-64 (SSE2)"; }
#endif
