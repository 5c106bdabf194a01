#include "app/capture/file_list_source.hpp"
#include "app/capture/frame_source.hpp"
#include "app/capture/video_source.hpp"

#include "compute/core/error.hpp"

#include <filesystem>
#include <system_error>
#include <utility>

namespace deepvis::app {

namespace {

class StillSource : public FrameSource {
 public:
  StillSource(cv::Mat rgb, std::string name) : rgb_(std::move(rgb)), name_(std::move(name)) {}
  SourceKind kind() const override { return SourceKind::Still; }
  std::string describe() const override { return name_; }
  cv::Mat read(std::string& name) override {
    name = name_;
    return rgb_;  // never written, so sharing it is safe
  }

 private:
  cv::Mat rgb_;
  std::string name_;
};

}  // namespace

std::unique_ptr<FrameSource> open_source(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error("'" + path + "' does not exist");
  if (!std::filesystem::is_directory(path, ec) && has_video_extension(path)) {
    return std::make_unique<VideoFileSource>(path);
  }
  return std::make_unique<FileListSource>(path);
}

std::unique_ptr<FrameSource> make_still_source(cv::Mat rgb, std::string name) {
  return std::make_unique<StillSource>(std::move(rgb), std::move(name));
}

std::unique_ptr<FrameSource> open_camera(int index, cv::Size requested) {
  return std::make_unique<CameraSource>(index, requested);
}

}  // namespace deepvis::app
