# Debian's per-module OpenCV packages ship no OpenCVConfig.cmake (only the libopencv-dev metapackage does, and
# it pulls in VTK), so build an imported target from the headers and the module libraries directly.
find_path(DEEPVIS_OPENCV_INCLUDE opencv2/core.hpp PATH_SUFFIXES opencv4 REQUIRED)
add_library(deepvis_opencv INTERFACE)
target_include_directories(deepvis_opencv SYSTEM INTERFACE ${DEEPVIS_OPENCV_INCLUDE})
foreach(module core imgproc imgcodecs videoio objdetect)
  find_library(DEEPVIS_OPENCV_${module} opencv_${module} REQUIRED)
  target_link_libraries(deepvis_opencv INTERFACE ${DEEPVIS_OPENCV_${module}})
endforeach()
add_library(deepvis::opencv ALIAS deepvis_opencv)

# The Haar cascades come from Debian's opencv-data.
find_path(DEEPVIS_HAAR_DIR haarcascade_frontalface_default.xml
  PATHS /usr/share/opencv4/haarcascades /usr/share/opencv/haarcascades)
