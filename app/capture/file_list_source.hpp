#pragma once
// Image files: a single image (stepping with e / w then walks its folder) or a folder's images, sorted by name.
#include "app/capture/frame_source.hpp"

#include <string>
#include <vector>

namespace deepvis::app {

class FileListSource : public FrameSource {
 public:
  // `path` is an image file or a folder. Throws deepvis::Error when it does not exist, or a folder has no images.
  explicit FileListSource(const std::string& path);

  SourceKind kind() const override { return SourceKind::Files; }
  std::string describe() const override;
  cv::Mat read(std::string& name) override;
  bool step_file(int delta) override;

  const std::vector<std::string>& files() const { return files_; }
  size_t index() const { return index_; }

 private:
  void list_folder(const std::string& folder, const std::string& current);
  std::string folder_;              // "" for a single image not yet stepped from
  std::vector<std::string> files_;  // full paths
  size_t index_ = 0;
};

// Whether the file name has an image extension deepvis reads (png, jpg, jpeg, bmp, tif, tiff, webp, pgm, ppm, pnm).
bool has_image_extension(const std::string& path);
// Whether it has a video extension (avi, mp4, m4v, mkv, mov, webm, mpg, mpeg, wmv, flv, ogv).
bool has_video_extension(const std::string& path);

}  // namespace deepvis::app
