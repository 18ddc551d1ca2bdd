// Compiles every protocol header once, so the library has an object file
// and a header that stops compiling breaks this target, not its users.
#include "protocol/protocol.hpp"
