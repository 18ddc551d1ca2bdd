# ASan + UBSan for the whole build when LATTICE_SANITIZE is on; the test
# command builds the unit tests this way.
if(LATTICE_SANITIZE)
  set(lattice_sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${lattice_sanitize_flags})
  add_link_options(${lattice_sanitize_flags})
endif()
