# Warnings are errors for our own code. Third-party headers come from system
# include directories, which the compiler exempts from warnings.
add_library(lattice_warnings INTERFACE)
target_compile_options(lattice_warnings INTERFACE -Wall -Wextra -Werror -Wno-error=deprecated-declarations)
