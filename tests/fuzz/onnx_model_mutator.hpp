#pragma once
// Structure-aware mutation for the ONNX fuzzer. Byte flips mostly break the protobuf or fail the ONNX checker, and
// so rarely reach conversion; these change one field of a parsed model (an attribute, a dim, an element type, a
// tensor value, an op type, an input) to a value importers get wrong: 0, -1, huge, NaN, off by one.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <random>

namespace deepvis::test {

// One random change to `model`; false when it found nothing to change.
bool mutate_model(onnx::ModelProto& model, std::mt19937_64& rng);

// Keeps a random prefix of the nodes, the last one's output becoming the graph's: a whole network becomes one of
// its small prefixes (real layers, few weights), which runs in microseconds instead of a second. False when the
// graph has no nodes.
bool truncate_model(onnx::ModelProto& model, std::mt19937_64& rng);

}  // namespace deepvis::test
