#pragma once
// The process-wide oneDNN CPU engine and stream. oneDNN primitives are created once per kernel (per node and
// dims) and executed on this stream; memory objects are re-pointed with set_data_handle, never re-created.
#include "compute/core/tensor.hpp"

#include <dnnl.hpp>

#include <unordered_map>
#include <vector>

namespace deepvis::cpu {

dnnl::engine& dnnl_engine();
dnnl::stream& dnnl_stream();

// A plain (nchw / nc / x ...) fp32 memory descriptor for dims.
dnnl::memory::desc plain_desc(const Dims& dims);

// A memory object over `data` (nullptr allowed: bind later with set_data_handle).
dnnl::memory plain_memory(const Dims& dims, float* data = nullptr);

// The same for a blob in one of the Net's layouts (Plain, or nChw8c / nChw16c for the blocked ones).
dnnl::memory::desc layout_desc(const Dims& dims, Layout layout);
dnnl::memory layout_memory(const Dims& dims, Layout layout, float* data = nullptr);

}  // namespace deepvis::cpu

namespace deepvis::cpu {

// Runs a primitive on dnnl_stream() and waits. oneDNN's C++ execute() copies the argument map into a fresh
// vector on every call; this reuses one per thread and goes through the C API, so steady-state calls allocate
// nothing on our side.
void execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args);

}  // namespace deepvis::cpu
