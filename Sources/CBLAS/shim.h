#ifndef METAPROMPT_CBLAS_SHIM_H
#define METAPROMPT_CBLAS_SHIM_H
// OpenBLAS's CBLAS interface (cblas_sgemm, ...) and its thread controls
// (openblas_set_num_threads), from Debian's libopenblas-dev.
#include <cblas.h>
#endif
