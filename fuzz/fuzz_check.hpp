// Invariant checks for fuzz targets: a violated invariant must crash so the
// fuzzer (or the corpus replay under ctest) reports it.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                                               \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      (void)std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", __FILE__, __LINE__, #cond);                   \
      std::abort();                                                                                                    \
    }                                                                                                                  \
  } while (false)
