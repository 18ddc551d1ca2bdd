#include "k8s/result.hpp"

namespace lattice::k8s {

std::string error::to_string() const {
  std::string out;
  switch (what) {
  case kind::transport:
    out = "transport error: ";
    break;
  case kind::http:
    out = "HTTP " + std::to_string(status) + (reason.empty() ? "" : " " + reason) + ": ";
    break;
  case kind::decode:
    out = "cannot decode " + (object.empty() ? std::string("<unknown>") : object)
          + (field.empty() ? "" : " field " + field) + ": ";
    break;
  case kind::config:
    out = "configuration error: ";
    break;
  case kind::cancelled:
    out = "cancelled: ";
    break;
  }
  return out + message;
}

} // namespace lattice::k8s
