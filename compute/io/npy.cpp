#include "compute/io/npy.hpp"

#include "compute/core/error.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

namespace deepvis {

namespace {

constexpr char kMagic[] = "\x93NUMPY";

Dims parse_shape(const std::string& header, const std::string& path) {
  const std::regex shape_re(R"('shape'\s*:\s*\(([^)]*)\))");
  std::smatch m;
  if (!std::regex_search(header, m, shape_re)) throw Error("'" + path + "': .npy header has no shape");
  Dims dims;
  const std::string list = m[1];
  const std::regex num_re(R"(\d+)");
  for (auto it = std::sregex_iterator(list.begin(), list.end(), num_re); it != std::sregex_iterator(); ++it) {
    dims.push_back(std::stoll(it->str()));
  }
  return dims;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot read '" + path + "': " + (std::filesystem::exists(path) ? "unreadable" : "file not found"));
  char magic[6] = {};
  unsigned char version[2] = {};
  in.read(magic, 6);
  in.read(reinterpret_cast<char*>(version), 2);
  if (!in || std::memcmp(magic, kMagic, 6) != 0) throw Error("'" + path + "' is not a .npy file");
  uint32_t header_len = 0;
  if (version[0] == 1) {
    unsigned char len[2] = {};
    in.read(reinterpret_cast<char*>(len), 2);
    header_len = len[0] | (static_cast<uint32_t>(len[1]) << 8);
  } else {
    unsigned char len[4] = {};
    in.read(reinterpret_cast<char*>(len), 4);
    header_len = len[0] | (static_cast<uint32_t>(len[1]) << 8) | (static_cast<uint32_t>(len[2]) << 16) |
                 (static_cast<uint32_t>(len[3]) << 24);
  }
  std::string header(header_len, '\0');
  in.read(header.data(), header_len);
  if (!in) throw Error("'" + path + "': truncated .npy header");
  if (header.find("'descr': '<f4'") == std::string::npos && header.find("'descr':'<f4'") == std::string::npos) {
    throw Error("'" + path + "': only float32 ('<f4') .npy files are supported; header: " + header);
  }
  if (header.find("True") != std::string::npos) throw Error("'" + path + "': Fortran-order .npy is not supported");
  Tensor t(parse_shape(header, path));
  in.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(t.numel() * 4));
  if (!in) throw Error("'" + path + "': truncated data, expected " + std::to_string(t.numel()) + " floats");
  return t;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  std::string shape;
  for (int64_t d : tensor.dims()) shape += std::to_string(d) + ",";
  if (tensor.rank() > 1) shape.pop_back();
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Total header size (magic 6 + version 2 + length 2 + text + newline) padded to a multiple of 64.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';

  const std::string tmp = path + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw OutputError("cannot write '" + path + "': " + std::strerror(errno));
    const auto len = static_cast<uint16_t>(header.size());
    const char prefix[10] = {
        '\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    out.write(prefix, 10);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(tensor.data()), static_cast<std::streamsize>(tensor.numel() * 4));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw OutputError("cannot write '" + path + "': write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw OutputError("cannot write '" + path + "': " + ec.message());
  }
}

}  // namespace deepvis
