// The decoder enforces exactly the ranges of k8s/codec/training_job_limits.hpp,
// the file the CRD generator copies into the CRD (test/chart checks that side):
// for every limit, its two ends decode to that value and one past either end
// fails at the field's path.
#include "k8s/codec/decoders.hpp"
#include "k8s/codec/training_job_limits.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace lattice::k8s {
namespace codec {
/// gtest prints a limit by its field and range, not its bytes.
void PrintTo(const int_limit& limit, std::ostream* out) {
  *out << limit.field << " [" << limit.minimum << ", " << limit.maximum << "]";
}
} // namespace codec

namespace {

namespace json = boost::json;
using codec::int_limit;

json::object valid_job() {
  return json::parse(R"({"metadata":{"name":"j","namespace":"ns"},"spec":{"replicaSpecs":)"
                     R"({"template":{"spec":{"containers":[{"name":"c"}]}}}}})")
      .as_object();
}

/// Sets `value` at a limit's path ("a.b", "a[].b": one list item, "a{}.b":
/// the map value "Worker"), creating what is missing. A list item gets the
/// `type` a condition needs.
void set_at(json::object& root, std::string_view path, std::int64_t value) {
  json::object* at = &root;
  while (true) {
    auto dot = path.find('.');
    std::string_view part = path.substr(0, dot);
    if (dot == std::string_view::npos) {
      (*at)[part] = value;
      return;
    }
    path.remove_prefix(dot + 1);
    if (part.size() > 2 && part.substr(part.size() - 2) == "[]") {
      auto& list = (*at)[part.substr(0, part.size() - 2)].emplace_array();
      list.push_back(json::object{{"type", "Running"}, {"status", "True"}});
      at = &list.back().as_object();
    } else if (part.size() > 2 && part.substr(part.size() - 2) == "{}") {
      auto& map = (*at)[part.substr(0, part.size() - 2)].emplace_object();
      at = &map["Worker"].emplace_object();
    } else {
      auto& next = (*at)[part];
      if (!next.is_object())
        next.emplace_object();
      at = &next.as_object();
    }
  }
}

/// What the decoder made of each field, to see the value arrive unchanged.
const std::map<std::string_view, std::function<std::int64_t(const training_job&)>>& readers() {
  static const std::map<std::string_view, std::function<std::int64_t(const training_job&)>> map{
      {codec::limits::min_size.field, [](const training_job& j) { return j.spec.min_size; }},
      {codec::limits::max_size.field, [](const training_job& j) { return j.spec.max_size; }},
      {codec::limits::priority.field, [](const training_job& j) { return j.spec.priority; }},
      {codec::limits::backoff_limit.field, [](const training_job& j) { return *j.spec.run.backoff_limit; }},
      {codec::limits::active_deadline_seconds.field,
       [](const training_job& j) { return *j.spec.run.active_deadline_seconds; }},
      {codec::limits::ttl_seconds_after_finished.field,
       [](const training_job& j) { return *j.spec.run.ttl_seconds_after_finished; }},
      {codec::limits::current_size.field, [](const training_job& j) { return j.status.current_size; }},
      {codec::limits::replicas_active.field,
       [](const training_job& j) { return j.status.exec.replica_statuses.at(0).active; }},
      {codec::limits::replicas_succeeded.field,
       [](const training_job& j) { return j.status.exec.replica_statuses.at(0).succeeded; }},
      {codec::limits::replicas_failed.field,
       [](const training_job& j) { return j.status.exec.replica_statuses.at(0).failed; }},
      {codec::limits::condition_generation.field,
       [](const training_job& j) { return j.status.exec.conditions.at(0).observed_generation; }},
      {codec::limits::gpus_held.field, [](const training_job& j) { return *j.status.gpus_held; }},
      {codec::limits::gpus_wanted.field, [](const training_job& j) { return *j.status.gpus_wanted; }},
      {codec::limits::queue_position.field, [](const training_job& j) { return *j.status.queue_position; }},
  };
  return map;
}

std::string decode_with(const int_limit& limit, std::int64_t value, std::int64_t* decoded) {
  auto job = valid_job();
  set_at(job, limit.field, value);
  auto result = decode_training_job(json::serialize(job));
  if (!result.ok())
    return result.err().field + ": " + result.err().message;
  *decoded = readers().at(limit.field)(*result);
  return "";
}

class limit_test : public ::testing::TestWithParam<int_limit> {};

TEST_P(limit_test, both_ends_decode_unchanged) {
  const auto& limit = GetParam();
  ASSERT_EQ(readers().count(limit.field), 1u) << "add a reader for " << limit.field;
  for (auto value : {limit.minimum, limit.maximum}) {
    std::int64_t decoded = 0;
    EXPECT_EQ(decode_with(limit, value, &decoded), "") << value;
    EXPECT_EQ(decoded, value);
  }
}

TEST_P(limit_test, one_past_either_end_fails_at_the_field) {
  const auto& limit = GetParam();
  std::string path(limit.field);
  for (auto part : {std::string("[]"), std::string("{}")})
    for (auto at = path.find(part); at != std::string::npos; at = path.find(part))
      path.replace(at, 2, part == "[]" ? "[0]" : ".Worker");
  const std::string range =
      "must be between " + std::to_string(limit.minimum) + " and " + std::to_string(limit.maximum);
  std::vector<std::int64_t> outside;
  if (limit.minimum > std::numeric_limits<std::int64_t>::min())
    outside.push_back(limit.minimum - 1);
  // Past int64's end no integer exists ("out of 64-bit range" is decoder_malformed_test's).
  if (limit.maximum < std::numeric_limits<std::int64_t>::max())
    outside.push_back(limit.maximum + 1);
  for (auto value : outside) {
    std::int64_t decoded = 0;
    EXPECT_EQ(decode_with(limit, value, &decoded),
              path + ": " + range + " (got " + std::to_string(value) + ")");
  }
}

std::string limit_name(const ::testing::TestParamInfo<int_limit>& info) {
  std::string name;
  for (char c : info.param.field)
    name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(training_job_limits, limit_test, ::testing::ValuesIn(codec::limits::all),
                         limit_name);

} // namespace
} // namespace lattice::k8s
