#pragma once
// The process-wide oneDNN CPU engine and stream. oneDNN primitives are created once per kernel (per node and
// dims) and executed on this stream; memory objects are re-pointed with set_data_handle, never re-created.
#include "compute/core/tensor.hpp"

#include <dnnl.hpp>

namespace deepvis::cpu {

dnnl::engine& dnnl_engine();
dnnl::stream& dnnl_stream();

// A plain (nchw / nc / x ...) fp32 memory descriptor for dims.
dnnl::memory::desc plain_desc(const Dims& dims);

// A memory object over `data` (nullptr allowed: bind later with set_data_handle).
dnnl::memory plain_memory(const Dims& dims, float* data = nullptr);

}  // namespace deepvis::cpu
