#include "lifecycle/pod_names.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lattice::lifecycle {
namespace {

TEST(pod_names, job_hash8_is_the_start_of_the_sha256) {
  EXPECT_EQ(job_hash8("abc"), "ba7816bf");
}

TEST(pod_names, short_job_names_are_used_as_is) {
  EXPECT_EQ(worker_pod_name("lattice-simple1", 0), "lattice-simple1-worker-0");
  EXPECT_EQ(worker_pod_name("lattice-simple1", 12), "lattice-simple1-worker-12");
  EXPECT_EQ(workers_service_name("lattice-simple1"), "lattice-simple1-workers");
  EXPECT_EQ(rendezvous_name("lattice-simple1"), "lattice-simple1-rendezvous");
  EXPECT_EQ(job_name_label_value("lattice-simple1"), "lattice-simple1");
}

/// A DNS-1035 label: lowercase letters, digits and '-', starting with a
/// letter, ending with a letter or digit, at most 63 characters.
bool is_dns1035_label(const std::string& s) {
  if (s.empty() || s.size() > max_dns_label || s.front() < 'a' || s.front() > 'z' || s.back() == '-')
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  return true;
}

TEST(pod_names, service_names_of_a_job_starting_with_a_digit_start_with_a_letter) {
  const std::string job = "1job";
  const std::string h = job_hash8(job);
  EXPECT_EQ(workers_service_name(job), "j1job-" + h + "-wrks");
  EXPECT_EQ(rendezvous_name(job), "j1job-" + h + "-rdzv");
  EXPECT_EQ(worker_pod_name(job, 0), "1job-worker-0"); // pod names may start with a digit
  // Never the natural name of a job that really starts with "j".
  EXPECT_NE(workers_service_name(job), workers_service_name("j1job"));
  EXPECT_EQ(workers_service_name("j1job"), "j1job-workers");
}

TEST(pod_names, service_names_are_dns1035_labels_for_every_valid_job_name) {
  // TrainingJob names are DNS-1123 subdomains: up to 253 characters of
  // [a-z0-9.-], starting and ending with a letter or digit.
  const std::string alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (std::size_t length : {1u, 2u, 17u, 45u, 46u, 55u, 56u, 57u, 63u, 64u, 200u, 253u})
    for (char first : {'0', '9', 'a', 'z'}) {
      std::string job(1, first);
      for (std::size_t i = 1; i < length; ++i)
        job.push_back(i % 7 == 3 && i + 1 < length ? (i % 2 ? '.' : '-')
                                                   : alphabet[(i * 11) % alphabet.size()]);
      EXPECT_TRUE(is_dns1035_label(workers_service_name(job))) << job << " -> " << workers_service_name(job);
      EXPECT_TRUE(is_dns1035_label(rendezvous_name(job))) << job << " -> " << rendezvous_name(job);
    }
}

struct long_name_case {
  std::size_t job_length;
  bool rendezvous_shortened;
  bool workers_shortened;
  bool worker0_shortened;
  bool label_shortened;
};

class long_names : public ::testing::TestWithParam<long_name_case> {};

TEST_P(long_names, fit_in_a_dns_label_and_follow_the_documented_form) {
  const auto c = GetParam();
  std::string job;
  for (std::size_t i = 0; i < c.job_length; ++i)
    job.push_back(static_cast<char>('a' + i % 26));
  const std::string h = job_hash8(job);

  const std::string rdzv = rendezvous_name(job);
  EXPECT_LE(rdzv.size(), max_dns_label);
  // agent.md: "<first 46 chars of job>-<8 hex of sha256(job)>-rdzv" past 63.
  EXPECT_EQ(rdzv, c.rendezvous_shortened ? job.substr(0, 46) + "-" + h + "-rdzv" : job + "-rendezvous");

  const std::string workers = workers_service_name(job);
  EXPECT_LE(workers.size(), max_dns_label);
  EXPECT_EQ(workers, c.workers_shortened ? job.substr(0, 46) + "-" + h + "-wrks" : job + "-workers");

  const std::string w0 = worker_pod_name(job, 0);
  EXPECT_LE(w0.size(), max_dns_label);
  EXPECT_EQ(w0, c.worker0_shortened ? job.substr(0, 40) + "-" + h + "-w0" : job + "-worker-0");
  // Any int32 index fits.
  EXPECT_LE(worker_pod_name(job, 2147483647).size(), max_dns_label);

  const std::string label = job_name_label_value(job);
  EXPECT_LE(label.size(), max_dns_label);
  EXPECT_EQ(label, c.label_shortened ? job.substr(0, 54) + "-" + h : job);
}

INSTANTIATE_TEST_SUITE_P(
    boundaries, long_names,
    ::testing::Values(long_name_case{52, false, false, false, false}, // 52+11 = 63
                      long_name_case{53, true, false, false, false},
                      long_name_case{55, true, false, true, false}, // 55+9 = 64 for worker-0
                      long_name_case{56, true, true, true, false},
                      long_name_case{63, true, true, true, false}, long_name_case{64, true, true, true, true},
                      long_name_case{253, true, true, true, true}));

TEST(pod_names, long_names_are_deterministic_and_distinct_for_a_shared_prefix) {
  const std::string a = std::string(60, 'x') + "-alpha";
  const std::string b = std::string(60, 'x') + "-beta";
  EXPECT_EQ(rendezvous_name(a), rendezvous_name(a));
  EXPECT_EQ(worker_pod_name(a, 3), worker_pod_name(a, 3));
  EXPECT_NE(rendezvous_name(a), rendezvous_name(b));
  EXPECT_NE(worker_pod_name(a, 3), worker_pod_name(b, 3));
  EXPECT_NE(workers_service_name(a), workers_service_name(b));
  EXPECT_NE(worker_pod_name(a, 1), worker_pod_name(a, 11));
}

TEST(pod_names, dotted_job_names_give_dot_free_hostnames_and_services) {
  const std::string job = "team.resnet";
  for (const std::string& name : {worker_pod_name(job, 1), workers_service_name(job), rendezvous_name(job)})
    EXPECT_EQ(name.find('.'), std::string::npos) << name;
  EXPECT_EQ(worker_pod_name(job, 1), "team-resnet-" + job_hash8(job) + "-w1");
  // Dots are legal in label values: kept.
  EXPECT_EQ(job_name_label_value(job), job);
}

TEST(pod_labels, carry_the_group_prefix_role_index_and_uid) {
  const auto keys = make_label_keys("breezeml.ai");
  EXPECT_EQ(keys.job_name, "breezeml.ai/job-name");
  EXPECT_EQ(keys.replica_index, "breezeml.ai/replica-index");
  EXPECT_EQ(keys.role, "breezeml.ai/role");
  EXPECT_EQ(keys.job_uid, "breezeml.ai/job-uid");

  const std::map<std::string, std::string> worker{{"breezeml.ai/job-name", "j"},
                                                  {"breezeml.ai/replica-index", "2"},
                                                  {"breezeml.ai/role", "worker"},
                                                  {"breezeml.ai/job-uid", "u-1"}};
  EXPECT_EQ(worker_labels("breezeml.ai", "j", "u-1", 2), worker);
  const std::map<std::string, std::string> rdzv{
      {"breezeml.ai/job-name", "j"}, {"breezeml.ai/role", "rendezvous"}, {"breezeml.ai/job-uid", "u-1"}};
  EXPECT_EQ(rendezvous_labels("breezeml.ai", "j", "u-1"), rdzv);
  EXPECT_EQ(worker_labels("example.com", "j", "", 0).count("example.com/job-uid"), 0u);

  const auto sel = workers_selector("breezeml.ai", "j");
  ASSERT_EQ(sel.size(), 2u);
  EXPECT_EQ(sel[0].key, "breezeml.ai/job-name");
  EXPECT_EQ(sel[0].value, "j");
  EXPECT_EQ(sel[1].key, "breezeml.ai/role");
  EXPECT_EQ(sel[1].value, "worker");
  EXPECT_EQ(rendezvous_selector("breezeml.ai", "j")[1].value, "rendezvous");
}

} // namespace
} // namespace lattice::lifecycle
