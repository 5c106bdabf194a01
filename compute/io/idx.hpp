#pragma once
// IDX files (the MNIST / Fashion-MNIST container), unsigned-byte data only, plain or gzipped (detected from the
// content, not the name): the embedded Fashion-MNIST model's test set is read with these.
#include <cstdint>
#include <string>
#include <vector>

namespace deepvis {

struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, image-major then row-major, 0 = background
};

// An idx3-ubyte file. Throws deepvis::Error naming the file: missing, bad magic, wrong dims, truncated.
IdxImages read_idx_images(const std::string& path);
// An idx1-ubyte file: one byte per item. Same errors.
std::vector<uint8_t> read_idx_labels(const std::string& path);

}  // namespace deepvis
