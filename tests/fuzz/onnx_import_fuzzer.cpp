// libFuzzer entry for the ONNX importer (scripts/fuzz builds and runs it; tests/fuzz/onnx_import_target.hpp says
// what one input goes through).
#include "tests/fuzz/onnx_import_target.hpp"
#include "tests/fuzz/onnx_model_mutator.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

// External data resolves beside the model: a folder of our own, so that what an input reads does not depend on
// where the fuzzer runs.
std::string g_source_name;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "deepvis-fuzz-model-dir";
  std::filesystem::create_directories(dir);
  g_source_name = (dir / "fuzz.onnx").string();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  deepvis::test::import_untrusted(std::string(reinterpret_cast<const char*>(data), size), g_source_name);
  return 0;
}

// Mostly structure-aware (onnx_model_mutator.hpp); a quarter of the time, and whenever the input does not parse,
// libFuzzer's byte mutations, which still find what the parser and the checker get wrong. A whole network (the
// torch exports, megabytes of weights) is only ever cut down to a prefix: a flipped weight byte teaches nothing,
// and a corpus of its copies would fill the disk and slow every run.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  constexpr size_t kWholeNetwork = size_t{256} << 10;
  std::mt19937_64 rng(seed);
  onnx::ModelProto model;
  const bool big = size > kWholeNetwork;
  if ((big || rng() % 4 != 0) && model.ParseFromArray(data, static_cast<int>(size))) {
    bool changed = big && deepvis::test::truncate_model(model, rng);
    for (uint64_t i = 0, n = big ? 0 : 1 + rng() % 3; i < n; ++i) {
      changed = deepvis::test::mutate_model(model, rng) || changed;
    }
    const std::string out = model.SerializeAsString();
    if (changed && out.size() <= max_size) {
      std::copy(out.begin(), out.end(), data);
      return out.size();
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}
