// Hot per-packet work of `siptool diagnose` that Swift cannot express: arithmetic that uses AVX2
// where the CPU has it (chosen at run time, so the program stays baseline x86-64).
#ifndef SIPTOOL_KERNELS_H
#define SIPTOOL_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Whether `siptool_g711_sum_of_squares_wide` runs vector code on this CPU (x86-64 with AVX2
/// enabled by the operating system). Cheap after the first call.
int siptool_g711_wide_available(void);

/// The exact sum of the squared 16-bit linear values (ITU-T G.711 decision-interval midpoints) of
/// `count` G.711 codes: μ-law when `mu_law` is non-zero, A-law otherwise. Call only when
/// `siptool_g711_wide_available()` is non-zero.
uint64_t siptool_g711_sum_of_squares_wide(const uint8_t *codes, size_t count, int mu_law);

#endif
