#include "compute/onnx/tensor_proto.hpp"

#include "compute/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace deepvis::onnx_internal {

namespace fs = std::filesystem;
using onnx::TensorProto;

std::string data_type_name(int32_t data_type) {
  switch (data_type) {
    case TensorProto::FLOAT: return "float32";
    case TensorProto::UINT8: return "uint8";
    case TensorProto::INT8: return "int8";
    case TensorProto::UINT16: return "uint16";
    case TensorProto::INT16: return "int16";
    case TensorProto::INT32: return "int32";
    case TensorProto::INT64: return "int64";
    case TensorProto::STRING: return "string";
    case TensorProto::BOOL: return "bool";
    case TensorProto::FLOAT16: return "float16";
    case TensorProto::DOUBLE: return "float64";
    case TensorProto::UINT32: return "uint32";
    case TensorProto::UINT64: return "uint64";
    case TensorProto::COMPLEX64: return "complex64";
    case TensorProto::COMPLEX128: return "complex128";
    case TensorProto::BFLOAT16: return "bfloat16";
    default: return "type " + std::to_string(data_type);
  }
}

Dims tensor_proto_dims(const TensorProto& t) {
  return Dims(t.dims().begin(), t.dims().end());
}

namespace {

// Bytes per element in raw_data; 0 for types we cannot decode.
size_t element_size(int32_t type) {
  switch (type) {
    case TensorProto::UINT8:
    case TensorProto::INT8:
    case TensorProto::BOOL: return 1;
    case TensorProto::UINT16:
    case TensorProto::INT16:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16: return 2;
    case TensorProto::FLOAT:
    case TensorProto::INT32:
    case TensorProto::UINT32: return 4;
    case TensorProto::INT64:
    case TensorProto::UINT64:
    case TensorProto::DOUBLE: return 8;
    default: return 0;
  }
}

bool is_integer_type(int32_t type) {
  return type != TensorProto::FLOAT && type != TensorProto::FLOAT16 && type != TensorProto::BFLOAT16 &&
         type != TensorProto::DOUBLE;
}

float half_to_float(uint16_t h) {
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  float v = 0.0f;
  if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    v = mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  } else {
    v = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  }
  return (h & 0x8000) ? -v : v;
}

float bfloat16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float v = 0.0f;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

template <class T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// One element as a double (floating types) or an int64 (integer types); raw_data is little-endian, as on the
// hosts we build for.
struct Element {
  bool is_int = false;
  int64_t i = 0;
  double d = 0.0;
};

Element raw_element(int32_t type, const char* p) {
  switch (type) {
    case TensorProto::FLOAT: return {false, 0, load<float>(p)};
    case TensorProto::DOUBLE: return {false, 0, load<double>(p)};
    case TensorProto::FLOAT16: return {false, 0, half_to_float(load<uint16_t>(p))};
    case TensorProto::BFLOAT16: return {false, 0, bfloat16_to_float(load<uint16_t>(p))};
    case TensorProto::UINT8: return {true, load<uint8_t>(p), 0.0};
    case TensorProto::INT8: return {true, load<int8_t>(p), 0.0};
    case TensorProto::BOOL: return {true, load<uint8_t>(p) != 0, 0.0};
    case TensorProto::UINT16: return {true, load<uint16_t>(p), 0.0};
    case TensorProto::INT16: return {true, load<int16_t>(p), 0.0};
    case TensorProto::INT32: return {true, load<int32_t>(p), 0.0};
    case TensorProto::UINT32: return {true, load<uint32_t>(p), 0.0};
    case TensorProto::INT64: return {true, load<int64_t>(p), 0.0};
    case TensorProto::UINT64: return {true, static_cast<int64_t>(load<uint64_t>(p)), 0.0};
    default: return {};
  }
}

// The element count, after checking that the stored data holds exactly that many values; before any
// allocation, so a corrupt file cannot ask for a huge tensor.
size_t checked_count(const TensorProto& t, const std::string& where) {
  const int32_t type = t.data_type();
  if (t.data_location() == TensorProto::EXTERNAL) {
    throw Error(where + ": external data was not loaded");  // load_model resolves it before any decoding
  }
  if (t.has_segment()) throw Error(where + ": segmented tensors are not supported");
  const size_t esize = element_size(type);
  if (esize == 0) throw Error(where + ": element type " + data_type_name(type) + " is not supported");
  size_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) throw Error(where + ": negative dimension " + std::to_string(d));
    if (d > kMaxTensorElements || (d > 0 && n > std::numeric_limits<size_t>::max() / 16 / static_cast<size_t>(d))) {
      throw Error(where + ": dims " + to_string(tensor_proto_dims(t)) + " are too large");
    }
    n *= static_cast<size_t>(d);
  }
  if (t.has_raw_data()) {
    if (t.raw_data().size() != n * esize) {
      throw Error(where + ": raw_data holds " + std::to_string(t.raw_data().size()) + " bytes, " + std::to_string(n) +
                  " " + data_type_name(type) + " values need " + std::to_string(n * esize));
    }
    return n;
  }
  int stored = t.int32_data_size();  // the 8- and 16-bit types, bool and int32 (float16 as its bit pattern)
  const char* field = "int32_data";
  if (type == TensorProto::FLOAT) {
    stored = t.float_data_size();
    field = "float_data";
  } else if (type == TensorProto::DOUBLE) {
    stored = t.double_data_size();
    field = "double_data";
  } else if (type == TensorProto::INT64) {
    stored = t.int64_data_size();
    field = "int64_data";
  } else if (type == TensorProto::UINT32 || type == TensorProto::UINT64) {
    stored = t.uint64_data_size();
    field = "uint64_data";
  }
  if (static_cast<size_t>(stored) != n) {
    throw Error(where + ": " + field + " holds " + std::to_string(stored) + " values, the dims " +
                to_string(tensor_proto_dims(t)) + " need " + std::to_string(n));
  }
  return n;
}

// Calls `sink(index, element)` for every element, from raw_data or the typed field the type is stored in.
template <class Sink>
void for_each_element(const TensorProto& t, const std::string& where, Sink&& sink) {
  const int32_t type = t.data_type();
  const size_t n = checked_count(t, where);
  if (t.has_raw_data()) {
    const size_t esize = element_size(type);
    for (size_t i = 0; i < n; ++i) sink(i, raw_element(type, t.raw_data().data() + i * esize));
    return;
  }
  switch (type) {
    case TensorProto::FLOAT:
      for (size_t i = 0; i < n; ++i) sink(i, Element{false, 0, t.float_data(static_cast<int>(i))});
      return;
    case TensorProto::DOUBLE:
      for (size_t i = 0; i < n; ++i) sink(i, Element{false, 0, t.double_data(static_cast<int>(i))});
      return;
    case TensorProto::INT64:
      for (size_t i = 0; i < n; ++i) sink(i, Element{true, t.int64_data(static_cast<int>(i)), 0.0});
      return;
    case TensorProto::UINT32:
    case TensorProto::UINT64:
      for (size_t i = 0; i < n; ++i) {
        sink(i, Element{true, static_cast<int64_t>(t.uint64_data(static_cast<int>(i))), 0.0});
      }
      return;
    default:  // int32_data
      for (size_t i = 0; i < n; ++i) {
        const int32_t v = t.int32_data(static_cast<int>(i));
        if (type == TensorProto::FLOAT16) {
          sink(i, Element{false, 0, half_to_float(static_cast<uint16_t>(v))});
        } else if (type == TensorProto::BFLOAT16) {
          sink(i, Element{false, 0, bfloat16_to_float(static_cast<uint16_t>(v))});
        } else {
          sink(i, Element{true, type == TensorProto::BOOL ? (v != 0) : v, 0.0});
        }
      }
      return;
  }
}

}  // namespace

void check_raw_data_size(const TensorProto& t, const std::string& where) {
  if (!t.has_raw_data() || t.data_location() == TensorProto::EXTERNAL || element_size(t.data_type()) == 0) return;
  checked_count(t, where);
}

Tensor tensor_proto_to_float(const TensorProto& t, const std::string& where) {
  checked_count(t, where);
  Tensor out(tensor_proto_dims(t));
  float* data = out.data();
  for_each_element(t, where, [&](size_t i, const Element& e) {
    data[i] = e.is_int ? static_cast<float>(e.i) : static_cast<float>(e.d);
  });
  return out;
}

std::vector<int64_t> tensor_proto_to_int64(const TensorProto& t, const std::string& where) {
  std::vector<int64_t> out;
  const bool integer = is_integer_type(t.data_type());
  for_each_element(t, where, [&](size_t /*i*/, const Element& e) {
    if (integer) {
      out.push_back(e.i);
      return;
    }
    if (!std::isfinite(e.d) || std::trunc(e.d) != e.d || std::fabs(e.d) > 9.0e15) {
      throw Error(where + ": expected integer values, got " + std::to_string(e.d));
    }
    out.push_back(static_cast<int64_t>(e.d));
  });
  return out;
}

namespace {

int64_t parse_size(const std::string& text, const std::string& key, const std::string& where) {
  size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || v < 0) throw Error(where + ": external data " + key + " '" + text + "' is not a size");
  return static_cast<int64_t>(v);
}

bool is_inside(const fs::path& dir, const fs::path& file) {
  auto d = dir.begin();
  auto f = file.begin();
  for (; d != dir.end(); ++d, ++f) {
    if (d->empty()) continue;  // a trailing separator
    if (f == file.end() || *d != *f) return false;
  }
  return f != file.end();
}

}  // namespace

void load_external_data(TensorProto& t, const fs::path& model_dir, const std::string& source) {
  if (t.data_location() != TensorProto::EXTERNAL) return;
  const std::string where = source + ": tensor '" + t.name() + "'";
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& entry : t.external_data()) {
    if (entry.key() == "location") location = entry.value();
    if (entry.key() == "offset") offset = parse_size(entry.value(), "offset", where);
    if (entry.key() == "length") length = parse_size(entry.value(), "length", where);
  }
  if (location.empty()) throw Error(where + ": external data has no location");
  const fs::path loc(location);
  if (loc.is_absolute() || loc.has_root_path() || location.front() == '/' || location.front() == '\\') {
    throw Error(where + ": external data path '" + location +
                "' is absolute; it must be relative to the model's folder");
  }
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(model_dir.empty() ? fs::path(".") : model_dir, ec);
  const fs::path file = ec ? fs::path() : fs::weakly_canonical(dir / loc, ec);
  if (ec) throw Error(where + ": cannot resolve external data path '" + location + "': " + ec.message());
  // Symlinks are resolved above, so a link pointing out of the folder is caught here as well.
  if (!is_inside(dir, file)) {
    throw Error(where + ": external data path '" + location + "' escapes the model's folder " + dir.string());
  }
  if (!fs::is_regular_file(file, ec)) {
    throw Error(where + ": external data file '" + location + "' not found in " + dir.string());
  }
  const auto size = static_cast<int64_t>(fs::file_size(file, ec));
  if (ec) throw Error(where + ": cannot read external data file '" + location + "': " + ec.message());
  if (length < 0) length = size - offset;
  if (offset > size || length < 0 || offset + length > size) {
    throw Error(where + ": external data range offset " + std::to_string(offset) + " length " + std::to_string(length) +
                " lies outside '" + location + "' (" + std::to_string(size) + " bytes)");
  }
  std::ifstream in(file, std::ios::binary);
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  if (!in) throw Error(where + ": reading external data file '" + location + "' failed");
  t.set_raw_data(std::move(bytes));
  t.clear_external_data();
  t.set_data_location(TensorProto::DEFAULT);
}

Tensor read_tensor_proto_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  TensorProto t;
  if (!t.ParseFromString(ss.str())) throw Error(path + ": not a serialized TensorProto (truncated or corrupt)");
  return tensor_proto_to_float(t, path);
}

}  // namespace deepvis::onnx_internal
