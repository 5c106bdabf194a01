#include "compute/cuda/cuda_graph.hpp"

#include "compute/cuda/cuda_check.hpp"
#include "compute/cuda/cuda_context.hpp"

#include <exception>

namespace deepvis::cuda {

namespace {
constexpr const char* kWhere = "CUDA graph";
}

CapturedWork::~CapturedWork() {
  release();
}

void CapturedWork::release() {
  if (exec_) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec_));
  if (graph_) cudaGraphDestroy(static_cast<cudaGraph_t>(graph_));
  exec_ = nullptr;
  graph_ = nullptr;
}

void CapturedWork::capture(std::function<void()> work, bool use_graph) {
  release();
  work_ = std::move(work);
  if (!use_graph) {
    note_ = "kernel by kernel (CUDA graphs off)";
    return;
  }
  const cudaStream_t stream = CudaContext::instance().stream();
  cudaGraph_t graph = nullptr;
  DEEPVIS_CUDA_CALL(kWhere, cudaStreamBeginCapture, stream, cudaStreamCaptureModeThreadLocal);
  std::string failed;
  try {
    work_();
  } catch (const std::exception& e) {
    failed = e.what();
  }
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  if (failed.empty() && ended != cudaSuccess)
    failed = std::string("cudaStreamEndCapture: ") + cudaGetErrorString(ended);
  cudaGraphExec_t exec = nullptr;
  if (failed.empty()) {
    const cudaError_t made = cudaGraphInstantiate(&exec, graph, 0);
    if (made != cudaSuccess) failed = std::string("cudaGraphInstantiate: ") + cudaGetErrorString(made);
  }
  if (!failed.empty()) {
    (void)cudaGetLastError();  // a failed capture leaves its error behind; the eager path must not see it
    if (graph) cudaGraphDestroy(graph);
    note_ = "kernel by kernel (capturing a CUDA graph failed: " + failed + ")";
    return;
  }
  graph_ = graph;
  exec_ = exec;
  note_ = "CUDA graph";
}

void CapturedWork::launch() {
  if (exec_) {
    DEEPVIS_CUDA_CALL(kWhere, cudaGraphLaunch, static_cast<cudaGraphExec_t>(exec_), CudaContext::instance().stream());
  } else if (work_) {
    work_();
  }
}

}  // namespace deepvis::cuda
