#pragma once
// Internal to calib's CUDA code: the values the device fills its tensors with, computed
// bit for bit alike on the host (C++) and on the device (CUDA), so that the host can check
// a GPU layer's output against a reference without copying its weights back. bf16 tensors are
// held as their 16-bit patterns.
#include <cstdint>
#include <cstring>

#ifdef __CUDACC__
#define MOESIM_HOST_DEVICE __host__ __device__
#else
#define MOESIM_HOST_DEVICE
#endif

namespace moesim::calib::cuda {

MOESIM_HOST_DEVICE inline std::uint32_t float_bits(float f) {
#ifdef __CUDA_ARCH__
  return __float_as_uint(f);
#else
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}

MOESIM_HOST_DEVICE inline float bits_float(std::uint32_t u) {
#ifdef __CUDA_ARCH__
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

// fp32 -> bf16, rounding to nearest even (as __float2bfloat16_rn does); NaN stays NaN.
MOESIM_HOST_DEVICE inline std::uint16_t to_bf16(float f) {
  const std::uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;
  return static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

MOESIM_HOST_DEVICE inline float from_bf16(std::uint16_t b) { return bits_float(static_cast<std::uint32_t>(b) << 16); }

// SplitMix64's output function (Steele, Lea & Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014): a well-mixed 64-bit hash of element i of tensor `seed`.
MOESIM_HOST_DEVICE inline std::uint64_t mix(std::uint32_t seed, std::uint64_t i) {
  std::uint64_t z = i + 0x9e3779b97f4a7c15ull * (static_cast<std::uint64_t>(seed) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Element i of tensor `seed`, uniform in [-scale, scale). Every step is exact in fp32 but the
// last product, so host and device agree bit for bit.
MOESIM_HOST_DEVICE inline float init_value(std::uint32_t seed, std::uint64_t i, float scale) {
  const float unit = static_cast<float>(mix(seed, i) >> 40) * (1.0f / 8388608.0f) - 1.0f;  // 24 bits -> [-1, 1)
  return unit * scale;
}

// The bf16 value a tensor filled by fill_bf16 holds at element i.
MOESIM_HOST_DEVICE inline float init_bf16(std::uint32_t seed, std::uint64_t i, float scale) {
  return from_bf16(to_bf16(init_value(seed, i, scale)));
}

}  // namespace moesim::calib::cuda
