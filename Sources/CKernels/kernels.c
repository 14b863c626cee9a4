#include "kernels.h"

// Magnitudes of G.711 codes (sign dropped: only squares are summed). μ-law: ITU-T G.711 Table 2a,
// scaled by 4 (bias 0x84); A-law: Table 1a, scaled by 8. Both match RTP's Swift decoder.
static inline uint32_t mu_law_magnitude(uint8_t code) {
    uint32_t u = (uint8_t)~code & 0x7F;
    return ((((u & 0x0F) << 3) + 0x84) << (u >> 4)) - 0x84;
}

static inline uint32_t a_law_magnitude(uint8_t code) {
    uint32_t u = (code ^ 0x55) & 0x7F;
    uint32_t e = u >> 4, m = u & 0x0F;
    return e == 0 ? (m << 4) + 8 : ((m << 4) + 0x108) << (e - 1);
}

static uint64_t scalar_tail(const uint8_t *codes, size_t count, int mu_law) {
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t m = mu_law ? mu_law_magnitude(codes[i]) : a_law_magnitude(codes[i]);
        total += m * m;
    }
    return total;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

// Sixteen codes per step in 16-bit lanes: the magnitude is base * 2^segment (the power of two
// from a byte shuffle), at most 32256, so it fits a signed 16-bit lane, and one multiply-add
// (vpmaddwd) squares it and adds neighbouring lanes into 32 bits: at most 2 * 32256^2 < 2^31.
// Two such sums (four squares, < 2^32) are added before they are widened into 64-bit totals.
__attribute__((target("avx2"))) static uint64_t sum_avx2(const uint8_t *codes, size_t count, int mu_law) {
    const __m256i low7 = _mm256_set1_epi16(0x7F), low4 = _mm256_set1_epi16(0x0F), zero = _mm256_setzero_si256();
    // The shuffle index's high byte gets bit 7 set, so the shuffle writes 0 there.
    const __m256i high_zero = _mm256_set1_epi16((short)0x8000);
    const __m256i mu_bias = _mm256_set1_epi16(0x84), a_flip = _mm256_set1_epi16(0x55);
    const __m256i eight = _mm256_set1_epi16(8), segment_bit = _mm256_set1_epi16(0x100);
    // μ-law: 2^e; A-law: 2^(e-1) for e >= 1 and 1 for e = 0 (segment 0 and 1 share a step).
    const __m256i mu_powers = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, (char)128, 0, 0, 0, 0, 0, 0, 0, 0,
                                               1, 2, 4, 8, 16, 32, 64, (char)128, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i a_powers = _mm256_setr_epi8(1, 1, 2, 4, 8, 16, 32, 64, 0, 0, 0, 0, 0, 0, 0, 0,
                                              1, 1, 2, 4, 8, 16, 32, 64, 0, 0, 0, 0, 0, 0, 0, 0);
    __m256i totals = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= count; i += 32) {
        __m256i sums = _mm256_setzero_si256();
        for (int k = 0; k < 2; k++) {
            __m256i c = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(codes + i + 16 * k)));
            __m256i magnitude;
            if (mu_law) {
                __m256i u = _mm256_andnot_si256(c, low7);
                __m256i e = _mm256_or_si256(_mm256_srli_epi16(u, 4), high_zero);
                __m256i base = _mm256_add_epi16(_mm256_slli_epi16(_mm256_and_si256(u, low4), 3), mu_bias);
                magnitude = _mm256_sub_epi16(_mm256_mullo_epi16(base, _mm256_shuffle_epi8(mu_powers, e)), mu_bias);
            } else {
                __m256i u = _mm256_and_si256(_mm256_xor_si256(c, a_flip), low7);
                __m256i e = _mm256_srli_epi16(u, 4);
                __m256i base = _mm256_add_epi16(_mm256_slli_epi16(_mm256_and_si256(u, low4), 4), eight);
                base = _mm256_add_epi16(base, _mm256_and_si256(_mm256_cmpgt_epi16(e, zero), segment_bit));
                magnitude = _mm256_mullo_epi16(base, _mm256_shuffle_epi8(a_powers, _mm256_or_si256(e, high_zero)));
            }
            sums = _mm256_add_epi32(sums, _mm256_madd_epi16(magnitude, magnitude));
        }
        totals = _mm256_add_epi64(totals, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(sums)));
        totals = _mm256_add_epi64(totals, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(sums, 1)));
    }
    uint64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, totals);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + scalar_tail(codes + i, count - i, mu_law);
}

// AVX2 needs the CPU feature (CPUID leaf 7) and the OS saving the YMM registers (XCR0 bits 1-2).
static int detect_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 6) != 6) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & bit_AVX2) != 0;
}

int siptool_g711_wide_available(void) {
    // 0 unknown, 1 no, 2 yes. Racing first calls compute the same answer.
    static int state = 0;
    int known = __atomic_load_n(&state, __ATOMIC_RELAXED);
    if (known == 0) {
        known = detect_avx2() ? 2 : 1;
        __atomic_store_n(&state, known, __ATOMIC_RELAXED);
    }
    return known == 2;
}

uint64_t siptool_g711_sum_of_squares_wide(const uint8_t *codes, size_t count, int mu_law) {
    return sum_avx2(codes, count, mu_law);
}

#else

int siptool_g711_wide_available(void) { return 0; }

uint64_t siptool_g711_sum_of_squares_wide(const uint8_t *codes, size_t count, int mu_law) {
    return scalar_tail(codes, count, mu_law);
}

#endif
