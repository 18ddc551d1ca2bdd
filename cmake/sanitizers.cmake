# ASan + UBSan for the whole build when LATTICE_SANITIZE is on; the test
# command builds the unit tests this way.
#
# -fno-sanitize=vptr: CAF 0.17's intrusive mailbox queues downcast their
# sentinel node (caf/intrusive/task_queue.hpp), which the vptr check reports
# from inlined CAF code on every mailbox().size(); every other UBSan check
# stays on and fatal.
if(LATTICE_SANITIZE)
  set(lattice_sanitize_flags -fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer
                             -fno-sanitize-recover=undefined)
  add_compile_options(${lattice_sanitize_flags})
  add_link_options(${lattice_sanitize_flags})
endif()
