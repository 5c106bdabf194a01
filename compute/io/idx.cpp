#include "compute/io/idx.hpp"

#include "compute/core/error.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace deepvis {

namespace {

constexpr unsigned char kUnsignedByte = 0x08;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// zlib reads plain files through the same calls, so one path serves both .gz and uncompressed files.
GzFile open_file(const std::string& path) {
  if (!std::filesystem::exists(path)) throw Error("cannot read IDX file '" + path + "': file not found");
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) throw Error("cannot read IDX file '" + path + "': unreadable");
  gzbuffer(f.get(), 1 << 17);
  return f;
}

// Reads up to `want` bytes; fewer only at the end of the data. Corrupt gzip data is an error, a cut-off gzip
// stream counts as the end (the caller reports it as truncated).
std::vector<uint8_t> read_bytes(gzFile_s* f, size_t want, const std::string& path) {
  std::vector<uint8_t> out;
  // Grow as data arrives rather than trusting the header's size: a corrupt header must not allocate gigabytes.
  constexpr size_t kChunk = size_t{1} << 20;
  while (out.size() < want) {
    const size_t n = std::min(kChunk, want - out.size());
    const size_t old = out.size();
    out.resize(old + n);
    const int got = gzread(f, out.data() + old, static_cast<unsigned>(n));
    if (got < 0) {
      int code = Z_OK;
      const char* message = gzerror(f, &code);
      throw Error("'" + path + "': corrupt gzip data (" + message + ")");
    }
    out.resize(old + static_cast<size_t>(got));
    if (static_cast<size_t>(got) < n) break;
  }
  return out;
}

uint32_t big_endian(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// The header's dims, after checking the magic (0x0000 08 <ndim>) against the expected number of dims.
std::vector<uint32_t> read_header(gzFile_s* f, int ndim, const char* what, const std::string& path) {
  const std::vector<uint8_t> magic = read_bytes(f, 4, path);
  const uint32_t expected = (uint32_t{kUnsignedByte} << 8) | static_cast<uint32_t>(ndim);
  if (magic.size() < 4 || big_endian(magic.data()) != expected) {
    const std::string found = magic.size() < 4 ? "a file of " + std::to_string(magic.size()) + " bytes"
                                               : "magic " + hex(big_endian(magic.data()));
    throw Error("'" + path + "' is not an IDX " + what + " file: expected magic " + hex(expected) + ", found " + found);
  }
  const std::vector<uint8_t> raw = read_bytes(f, 4 * static_cast<size_t>(ndim), path);
  if (raw.size() < 4 * static_cast<size_t>(ndim)) throw Error("'" + path + "': truncated IDX header");
  std::vector<uint32_t> dims;
  for (int i = 0; i < ndim; ++i) dims.push_back(big_endian(raw.data() + 4 * i));
  return dims;
}

std::vector<uint8_t> read_body(gzFile_s* f, const std::vector<uint32_t>& dims, const std::string& path) {
  size_t want = 1;
  for (uint32_t d : dims) want *= d;
  std::vector<uint8_t> body = read_bytes(f, want, path);
  if (body.size() < want) {
    throw Error("'" + path + "': truncated IDX file: the header declares " + std::to_string(want) +
                " bytes of data, found " + std::to_string(body.size()));
  }
  return body;
}

int to_int(uint32_t v, const std::string& path) {
  if (v > 0x7fffffffu) throw Error("'" + path + "': IDX dimension " + std::to_string(v) + " is too large");
  return static_cast<int>(v);
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
  const GzFile f = open_file(path);
  const std::vector<uint32_t> dims = read_header(f.get(), 3, "image (idx3-ubyte)", path);
  IdxImages images;
  images.count = to_int(dims[0], path);
  images.rows = to_int(dims[1], path);
  images.cols = to_int(dims[2], path);
  images.pixels = read_body(f.get(), dims, path);
  return images;
}

std::vector<uint8_t> read_idx_labels(const std::string& path) {
  const GzFile f = open_file(path);
  const std::vector<uint32_t> dims = read_header(f.get(), 1, "label (idx1-ubyte)", path);
  return read_body(f.get(), dims, path);
}

}  // namespace deepvis
