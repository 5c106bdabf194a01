# DEEPVIS_CUDA=AUTO enables CUDA when nvcc and cudnn.h are both found; ON makes their absence an error.
set(DEEPVIS_HAVE_CUDA OFF)
if(NOT DEEPVIS_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  find_path(DEEPVIS_CUDNN_INCLUDE cudnn.h
    HINTS ${CUDNN_ROOT} $ENV{CUDNN_ROOT} /usr/local/cuda PATH_SUFFIXES include)
  find_library(DEEPVIS_CUDNN_LIB cudnn
    HINTS ${CUDNN_ROOT} $ENV{CUDNN_ROOT} /usr/local/cuda PATH_SUFFIXES lib64 lib)
  if(CMAKE_CUDA_COMPILER AND DEEPVIS_CUDNN_INCLUDE AND DEEPVIS_CUDNN_LIB)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # SASS for Hopper (the GPU machine) plus PTX for compute_75, which the driver JITs on any newer card.
      set(CMAKE_CUDA_ARCHITECTURES "75-virtual;90-real")
    endif()
    # One shared cudart for the whole program (CUDA::cudart below), not a second static copy.
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    add_library(deepvis_cudnn INTERFACE)
    target_include_directories(deepvis_cudnn SYSTEM INTERFACE ${DEEPVIS_CUDNN_INCLUDE})
    target_link_libraries(deepvis_cudnn INTERFACE ${DEEPVIS_CUDNN_LIB} CUDA::cudart CUDA::cublas)
    set(DEEPVIS_HAVE_CUDA ON)
  elseif(DEEPVIS_CUDA STREQUAL "ON")
    message(FATAL_ERROR "DEEPVIS_CUDA=ON but nvcc (${CMAKE_CUDA_COMPILER}) or cuDNN "
                        "(${DEEPVIS_CUDNN_INCLUDE}, ${DEEPVIS_CUDNN_LIB}) was not found")
  else()
    message(STATUS "CUDA or cuDNN not found: building the CPU engine only")
  endif()
endif()
