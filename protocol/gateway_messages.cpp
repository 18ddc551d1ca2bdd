#include "protocol/gateway_messages.hpp"

namespace lattice::protocol {

const char* to_string(api_verb verb) {
  switch (verb) {
  case api_verb::create_pod:
    return "create_pod";
  case api_verb::delete_pod:
    return "delete_pod";
  case api_verb::create_service:
    return "create_service";
  case api_verb::patch_job_status:
    return "patch_job_status";
  case api_verb::patch_job:
    return "patch_job";
  case api_verb::delete_job:
    return "delete_job";
  case api_verb::create_event:
    return "create_event";
  }
  return "unknown";
}

} // namespace lattice::protocol
