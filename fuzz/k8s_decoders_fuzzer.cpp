// libFuzzer target: every k8s decoder must turn any byte string into either
// a value or a decode error — never a crash, hang, leak or undefined
// behaviour. Decoded objects are also re-encoded and decoded again, which
// must succeed (the encoders' output is always valid for the decoders).
#include "k8s/codec/decoders.hpp"
#include "k8s/codec/encoders.hpp"
#include "k8s/quantity.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace lattice::k8s;

[[noreturn]] void invariant_failed(const char* what, const error& e) {
  std::fprintf(stderr, "fuzz invariant failed: %s: %s\n", what, e.to_string().c_str());
  std::abort();
}

template <class T>
void list_and_watch(std::string_view input) {
  (void)decode_list(input, static_cast<T*>(nullptr));
  (void)decode_watch_event(input, static_cast<T*>(nullptr));
}

void job(std::string_view input) {
  auto decoded = decode_training_job(input);
  if (!decoded)
    return;
  (void)encode_training_job_status_update(*decoded, "breezeml.ai/v1");
  (void)encode_training_job_status_patch(decoded->status, decoded->meta.resource_version);
  pod_from_template_input in;
  in.template_json = decoded->spec.template_json;
  in.name = decoded->meta.name + "-worker-0";
  in.namespace_ = decoded->meta.namespace_;
  in.env = {{"RANK", "0"}};
  in.pin_node = "node-0";
  auto body = encode_pod_from_template(in);
  if (!body)
    return; // e.g. a template without containers: a clear error, fine
  auto pod_back = decode_pod(*body);
  // The template decoded fine as part of the job, so the pod built from it must too.
  if (!pod_back)
    invariant_failed("pod built from a decodable template does not decode", pod_back.err());
}

void service_round_trip(std::string_view input) {
  auto decoded = decode_service(input);
  if (!decoded)
    return;
  auto back = decode_service(encode_service(*decoded));
  if (!back)
    invariant_failed("encoded service does not decode", back.err());
}

void lease_round_trip(std::string_view input) {
  auto decoded = decode_lease(input);
  if (!decoded)
    return;
  auto back = decode_lease(encode_lease(*decoded));
  if (!back)
    invariant_failed("encoded lease does not decode", back.err());
  if (back->holder_identity != decoded->holder_identity)
    invariant_failed("lease holder changed in a round trip", error{});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  job(input);
  (void)decode_pod(input);
  (void)decode_node(input);
  service_round_trip(input);
  lease_round_trip(input);
  list_and_watch<training_job>(input);
  list_and_watch<pod>(input);
  list_and_watch<node>(input);
  list_and_watch<service>(input);
  list_and_watch<lease>(input);
  (void)decode_status(input, 500);
  if (size <= 128) {
    (void)parse_quantity_milli(input);
    (void)parse_quantity_value(input);
  }
  pod_from_template_input raw_template;
  raw_template.template_json = std::string(input);
  raw_template.name = "fuzz";
  raw_template.env = {{"A", "1"}};
  raw_template.pin_node = "n";
  (void)encode_pod_from_template(raw_template);
  return 0;
}
