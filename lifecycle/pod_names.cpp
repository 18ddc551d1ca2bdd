#include "lifecycle/pod_names.hpp"

#include "base/hash.hpp"

#include <algorithm>

namespace lattice::lifecycle {

namespace {

/// `<job[:prefix_len]>-<h8><suffix>` with dots replaced, or `<job><natural>`
/// when that fits in a DNS label and has no dot.
std::string fitted(std::string_view job, std::string_view natural, std::size_t prefix_len,
                   std::string_view short_suffix) {
  bool has_dot = job.find('.') != std::string_view::npos;
  if (!has_dot && job.size() + natural.size() <= max_dns_label)
    return std::string(job) + std::string(natural);
  std::string prefix(job.substr(0, prefix_len));
  std::replace(prefix.begin(), prefix.end(), '.', '-');
  return prefix + "-" + job_hash8(job) + std::string(short_suffix);
}

/// A Service name is a DNS-1035 label: it must start with a letter, while a
/// TrainingJob name (a DNS-1123 subdomain) may start with a digit. Such a
/// job's Service names are `j<job[:prefix_len-1]>-<h8><short suffix>`:
/// always the hashed form, so they never equal the natural name of a job
/// whose name really starts with "j" (natural names end in the long suffix).
std::string fitted_service(std::string_view job, std::string_view natural, std::size_t prefix_len,
                           std::string_view short_suffix) {
  if (!job.empty() && job.front() >= 'a' && job.front() <= 'z')
    return fitted(job, natural, prefix_len, short_suffix);
  std::string prefix = "j" + std::string(job.substr(0, prefix_len - 1));
  std::replace(prefix.begin(), prefix.end(), '.', '-');
  return prefix + "-" + job_hash8(job) + std::string(short_suffix);
}

} // namespace

std::string job_hash8(std::string_view job) {
  return base::sha256_hex(job).substr(0, 8);
}

std::string worker_pod_name(std::string_view job, std::int32_t index) {
  const std::string i = std::to_string(index);
  return fitted(job, "-worker-" + i, 40, "-w" + i);
}

std::string workers_service_name(std::string_view job) {
  return fitted_service(job, "-workers", 46, "-wrks");
}

std::string rendezvous_name(std::string_view job) {
  return fitted_service(job, "-rendezvous", 46, "-rdzv");
}

std::string job_name_label_value(std::string_view job) {
  if (job.size() <= max_dns_label)
    return std::string(job); // dots are legal in label values
  return std::string(job.substr(0, 54)) + "-" + job_hash8(job);
}

label_keys make_label_keys(std::string_view group) {
  const std::string g(group);
  return {g + "/job-name", g + "/replica-index", g + "/role", g + "/job-uid"};
}

std::string world_size_annotation(std::string_view group) {
  return std::string(group) + "/world-size";
}

std::string pinned_node_annotation(std::string_view group) {
  return std::string(group) + "/node";
}

std::map<std::string, std::string> worker_labels(std::string_view group, std::string_view job,
                                                 std::string_view job_uid, std::int32_t index) {
  const label_keys keys = make_label_keys(group);
  std::map<std::string, std::string> labels{{keys.job_name, job_name_label_value(job)},
                                            {keys.replica_index, std::to_string(index)},
                                            {keys.role, std::string(role_worker)}};
  if (!job_uid.empty())
    labels[keys.job_uid] = std::string(job_uid);
  return labels;
}

std::map<std::string, std::string> rendezvous_labels(std::string_view group, std::string_view job,
                                                     std::string_view job_uid) {
  const label_keys keys = make_label_keys(group);
  std::map<std::string, std::string> labels{{keys.job_name, job_name_label_value(job)},
                                            {keys.role, std::string(role_rendezvous)}};
  if (!job_uid.empty())
    labels[keys.job_uid] = std::string(job_uid);
  return labels;
}

namespace {

std::vector<k8s::label_pair> selector(std::string_view group, std::string_view job, std::string_view role) {
  const label_keys keys = make_label_keys(group);
  std::vector<k8s::label_pair> out{{keys.job_name, job_name_label_value(job)},
                                   {keys.role, std::string(role)}};
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

} // namespace

std::vector<k8s::label_pair> workers_selector(std::string_view group, std::string_view job) {
  return selector(group, job, role_worker);
}

std::vector<k8s::label_pair> rendezvous_selector(std::string_view group, std::string_view job) {
  return selector(group, job, role_rendezvous);
}

} // namespace lattice::lifecycle
