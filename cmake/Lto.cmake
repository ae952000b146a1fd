# meshsim_enable_lto(exe lib...): link-time optimisation of `exe` across the
# listed static libraries, when MESHSIM_LTO is on, the build is optimised
# (Release or RelWithDebInfo), no sanitizer is on and the compiler can do it.
# The libraries are compiled to fat LTO objects, and every program defined
# after this call but `exe` links with -fno-lto: the tests and benchmarks link
# the machine code (with the linker plugin, GCC would otherwise optimise each
# of them at link time, 5 s a test).
include(CheckIPOSupported)

function(meshsim_enable_lto exe)
  if(NOT MESHSIM_LTO OR MESHSIM_ASAN OR MESHSIM_UBSAN OR NOT CMAKE_C_COMPILER_ID STREQUAL "GNU"
     OR NOT CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo)$")
    return()
  endif()
  check_ipo_supported(RESULT ok OUTPUT why LANGUAGES C)
  if(NOT ok)
    message(STATUS "meshsim: no link-time optimisation (${why})")
    return()
  endif()
  foreach(lib IN LISTS ARGN)
    target_compile_options(${lib} PRIVATE -flto=auto -ffat-lto-objects)
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY LINK_OPTIONS -fno-lto)
  target_link_options(${exe} PRIVATE -flto=auto)
  message(STATUS "meshsim: link-time optimisation of ${exe} across ${ARGN}")
endfunction()
