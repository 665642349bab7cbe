/*
 * isa.h — whether this build has the wasm SIMD128 kernels: under wasm with
 * -msimd128, or natively with ELMO_NATIVE_SIMD (simde). Headers declare the
 * *__wasmsimd kernels, and dispatch.c picks them, only when it is 1.
 */
#ifndef ELMO_KERNELS_ISA_H
#define ELMO_KERNELS_ISA_H

#if defined(__wasm_simd128__) || defined(ELMO_NATIVE_SIMD)
#define ELMO_HAVE_WASMSIMD 1
#else
#define ELMO_HAVE_WASMSIMD 0
#endif

#endif /* ELMO_KERNELS_ISA_H */
