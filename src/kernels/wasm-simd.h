/*
 * wasm-simd.h — the wasm_* SIMD128 intrinsics, in wasm or natively.
 *
 * Under wasm (-msimd128) they are the compiler's own; natively, simde
 * implements the same names on SSE/NEON/scalar so the kernels can be tested
 * under gcc and sanitizers. Kernel sources include only this header.
 */
#ifndef ELMO_KERNELS_WASM_SIMD_H
#define ELMO_KERNELS_WASM_SIMD_H

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(ELMO_NATIVE_SIMD)
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#else
#error "wasm-simd.h needs -msimd128 (wasm) or ELMO_NATIVE_SIMD with simde (native)"
#endif

#endif /* ELMO_KERNELS_WASM_SIMD_H */
