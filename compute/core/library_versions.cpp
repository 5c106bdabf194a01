#include "compute/core/library_versions.hpp"

#include <google/protobuf/stubs/common.h>
#include <onnx/common/version.h>

#include <dnnl.hpp>
#include <opencv2/core/version.hpp>

namespace deepvis {

std::vector<std::pair<std::string, std::string>> compute_library_versions() {
  const dnnl_version_t* dnnl = dnnl::version();
  std::string dnnl_version =
      std::to_string(dnnl->major) + "." + std::to_string(dnnl->minor) + "." + std::to_string(dnnl->patch);
  return {
      {"oneDNN", dnnl_version},
      {"ONNX", ONNX_NAMESPACE::LAST_RELEASE_VERSION},
      {"protobuf", google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION)},
      {"OpenCV", CV_VERSION},
  };
}

}  // namespace deepvis
