#include "compute/cpu/dnnl_context.hpp"

#include "compute/core/error.hpp"

namespace deepvis::cpu {

dnnl::engine& dnnl_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& dnnl_stream() {
  // One per thread: a oneDNN stream is not thread-safe, and the engine thread, the live optimizer and the per-unit
  // cache each run a Net of their own at the same time.
  thread_local dnnl::stream stream(dnnl_engine());
  return stream;
}

dnnl::memory::desc plain_desc(const Dims& dims) {
  using tag = dnnl::memory::format_tag;
  tag t = tag::undef;
  switch (dims.size()) {
    case 1: t = tag::a; break;
    case 2: t = tag::ab; break;
    case 3: t = tag::abc; break;
    case 4: t = tag::abcd; break;
    case 5: t = tag::abcde; break;
    default: throw Error("oneDNN memory of rank " + std::to_string(dims.size()) + " is not supported");
  }
  return dnnl::memory::desc(dnnl::memory::dims(dims.begin(), dims.end()), dnnl::memory::data_type::f32, t);
}

dnnl::memory plain_memory(const Dims& dims, float* data) {
  return dnnl::memory(plain_desc(dims), dnnl_engine(), data ? static_cast<void*>(data) : DNNL_MEMORY_NONE);
}

dnnl::memory::desc layout_desc(const Dims& dims, Layout layout) {
  using tag = dnnl::memory::format_tag;
  switch (layout) {
    case Layout::Plain: return plain_desc(dims);
    case Layout::Blocked8:
      return dnnl::memory::desc(dnnl::memory::dims(dims.begin(), dims.end()), dnnl::memory::data_type::f32,
                                tag::nChw8c);
    case Layout::Blocked16:
      return dnnl::memory::desc(dnnl::memory::dims(dims.begin(), dims.end()), dnnl::memory::data_type::f32,
                                tag::nChw16c);
  }
  throw Error("unknown memory layout");
}

dnnl::memory layout_memory(const Dims& dims, Layout layout, float* data) {
  return dnnl::memory(layout_desc(dims, layout), dnnl_engine(), data ? static_cast<void*>(data) : DNNL_MEMORY_NONE);
}

}  // namespace deepvis::cpu

namespace deepvis::cpu {

void execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args) {
  thread_local std::vector<dnnl_exec_arg_t> list;
  list.clear();
  for (const auto& [which, memory] : args) list.push_back({which, memory.get()});
  const dnnl_status_t status =
      dnnl_primitive_execute(primitive.get(), dnnl_stream().get(), static_cast<int>(list.size()), list.data());
  if (status != dnnl_success) throw Error("oneDNN primitive failed (status " + std::to_string(status) + ")");
  dnnl_stream().wait();
}

}  // namespace deepvis::cpu
