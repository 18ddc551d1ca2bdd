#include "k8s/write.hpp"

namespace lattice::k8s {

const char* to_string(write_verb verb) {
  switch (verb) {
  case write_verb::create_pod:
    return "create_pod";
  case write_verb::delete_pod:
    return "delete_pod";
  case write_verb::create_service:
    return "create_service";
  case write_verb::patch_job_status:
    return "patch_job_status";
  case write_verb::patch_job:
    return "patch_job";
  case write_verb::delete_job:
    return "delete_job";
  case write_verb::create_event:
    return "create_event";
  }
  return "unknown";
}

} // namespace lattice::k8s
