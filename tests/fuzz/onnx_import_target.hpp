#pragma once
// What loading an untrusted .onnx file does, as one function of its bytes: import_onnx_bytes (parse, checker,
// shape inference, simplification, conversion), then, for a graph small enough to run in a few milliseconds, a Net
// on the reference backend, one forward and one backward from the first output. The fuzzer
// (onnx_import_fuzzer.cpp) and the regression cases (tests/onnx/onnx_fuzz_regressions_test.cpp) both run this, so a
// saved crash replays exactly.
#include <string>

namespace deepvis::test {

enum class FuzzOutcome { Refused, Imported, Ran };

struct FuzzResult {
  FuzzOutcome outcome = FuzzOutcome::Refused;
  std::string error;  // the deepvis::Error's message: the import's when Refused, the Net's when Imported
};

// Only a deepvis::Error counts as a refusal; anything else escapes (the fuzzer reports it as a crash). External
// data is looked up beside `source_name`.
FuzzResult import_untrusted(const std::string& bytes, const std::string& source_name);

// A graph runs when its forward is estimated at no more than this many multiply-adds (every blob element counts
// as one too, so it also bounds memory): a few milliseconds on the reference backend under the sanitizers. The
// import itself has no limits beyond the importer's own.
inline constexpr double kFuzzMaxWork = 1e6;

}  // namespace deepvis::test
