#pragma once
// TensorProto decoding: values to fp32 Tensors (data) or int64 lists (shapes, pads), raw_data or typed fields,
// and external data files resolved safely inside the model's folder.
#include "compute/core/tensor.hpp"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace deepvis::onnx_internal {

// "float32", "int64", ... for messages.
std::string data_type_name(int32_t data_type);

Dims tensor_proto_dims(const onnx::TensorProto& t);

// Any numeric element type converted to fp32. `where` prefixes errors ("model.onnx: tensor 'W'").
Tensor tensor_proto_to_float(const onnx::TensorProto& t, const std::string& where);

// Integer (or integral float) element types as int64: shapes, pads, axes.
std::vector<int64_t> tensor_proto_to_int64(const onnx::TensorProto& t, const std::string& where);

// Throws unless raw_data, when present, holds exactly the dims' count of elements of the tensor's type (types of no
// fixed size pass): libonnx's shape inference copies raw_data whole into a buffer sized by that count.
void check_raw_data_size(const onnx::TensorProto& t, const std::string& where);

// Replaces EXTERNAL data by raw_data read from `model_dir`. Refuses absolute locations and any location that
// leaves the folder (after resolving "..", and symlinks), and offset/length outside the file.
void load_external_data(onnx::TensorProto& t, const std::filesystem::path& model_dir, const std::string& source);

// Reads a serialized TensorProto file (the .pb files of ONNX test data) as fp32.
Tensor read_tensor_proto_file(const std::string& path);

}  // namespace deepvis::onnx_internal
