# Finds meshsim's Debian-packaged dependencies and names the package when one is missing.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' (or run scripts/install-deps)")
endif()

function(meshsim_require_pc target module debpkg)
  pkg_check_modules(${target} IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package '${debpkg}' (or run scripts/install-deps)")
  endif()
endfunction()

meshsim_require_pc(GSL gsl libgsl-dev)
meshsim_require_pc(YAML yaml-0.1 libyaml-dev)
meshsim_require_pc(SQLITE3 sqlite3 libsqlite3-dev)
meshsim_require_pc(JANSSON jansson libjansson-dev)

# libcsv ships no pkg-config file.
find_path(CSV_INCLUDE_DIR csv.h)
find_library(CSV_LIBRARY csv)
if(NOT CSV_INCLUDE_DIR OR NOT CSV_LIBRARY)
  message(FATAL_ERROR "libcsv not found: install the Debian package 'libcsv-dev' (or run scripts/install-deps)")
endif()

if(MESHSIM_TESTS)
  meshsim_require_pc(CMOCKA cmocka libcmocka-dev)
endif()
