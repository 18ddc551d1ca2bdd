#include "lifecycle/pod_names.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace lattice::lifecycle {

namespace {

constexpr std::array<std::uint32_t, 64> sha256_k = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

std::uint32_t rotr(std::uint32_t x, int n) {
  return (x >> n) | (x << (32 - n));
}

void sha256_block(std::array<std::uint32_t, 8>& h, const unsigned char* block) {
  std::array<std::uint32_t, 64> w{};
  for (int i = 0; i < 16; ++i)
    w[i] = (std::uint32_t(block[4 * i]) << 24) | (std::uint32_t(block[4 * i + 1]) << 16)
           | (std::uint32_t(block[4 * i + 2]) << 8) | std::uint32_t(block[4 * i + 3]);
  for (int i = 16; i < 64; ++i) {
    std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  auto v = h;
  for (int i = 0; i < 64; ++i) {
    std::uint32_t s1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
    std::uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    std::uint32_t t1 = v[7] + s1 + ch + sha256_k[i] + w[i];
    std::uint32_t s0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
    std::uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    std::uint32_t t2 = s0 + maj;
    v = {t1 + t2, v[0], v[1], v[2], v[3] + t1, v[4], v[5], v[6]};
  }
  for (int i = 0; i < 8; ++i)
    h[i] += v[i];
}

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

} // namespace

std::string sha256_hex(std::string_view data) {
  std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string padded(data);
  const std::uint64_t bits = std::uint64_t(data.size()) * 8;
  padded.push_back(static_cast<char>(0x80));
  while (padded.size() % 64 != 56)
    padded.push_back('\0');
  for (int i = 7; i >= 0; --i)
    padded.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  for (std::size_t off = 0; off < padded.size(); off += 64)
    sha256_block(h, reinterpret_cast<const unsigned char*>(padded.data() + off));
  std::string out;
  char buf[9];
  for (auto word : h) {
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(word));
    out += buf;
  }
  return out;
}

std::string job_hash8(std::string_view job) {
  return sha256_hex(job).substr(0, 8);
}

std::string worker_pod_name(std::string_view job, std::int32_t index) {
  const std::string i = std::to_string(index);
  return fitted(job, "-worker-" + i, 40, "-w" + i);
}

std::string workers_service_name(std::string_view job) {
  return fitted(job, "-workers", 46, "-wrks");
}

std::string rendezvous_name(std::string_view job) {
  return fitted(job, "-rendezvous", 46, "-rdzv");
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
