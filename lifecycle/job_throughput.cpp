#include "lifecycle/job_throughput.hpp"

#include "lifecycle/job_pass.hpp"
#include "lifecycle/throughput_report.hpp"

#include <charconv>
#include <set>
#include <system_error>
#include <variant>

namespace lattice::lifecycle {
namespace {

/// The live Running workers, if they are the whole current size.
std::optional<std::vector<const pod_record*>> workers_in_force(const job_model& job) {
  if (!job.object || !job.object->spec.inject_lattice || job.status.stage != stage::running
      || job.status.current_size < 1)
    return std::nullopt;
  std::vector<const pod_record*> out;
  for (const auto& [name, pod] : job.pods)
    if (pod.is_worker() && pod.live() && pod.phase == k8s::pod_phase::running && !pod.pod_ip.empty())
      out.push_back(&pod);
  if (static_cast<std::int32_t>(out.size()) != job.status.current_size)
    return std::nullopt;
  return out;
}

/// The note for inspection; a log line when it changes (not every poll).
void note(detail::pass& p, const std::string& text) {
  if (text == p.job.throughput_note)
    return;
  if (!text.empty())
    p.log(log_level::info, "throughput report ignored: " + text);
  p.job.throughput_note = text;
}

/// status.throughput from the kept sample of the size and nodes in force.
void show(detail::pass& p, std::int32_t workers, std::int32_t nodes) {
  auto& job = p.job;
  std::optional<k8s::throughput_status> shown;
  for (const auto& s : job.throughput)
    if (s.workers == workers && s.nodes == nodes)
      shown = k8s::throughput_status{s.samples_per_second, s.workers, s.nodes,
                                     base::format_rfc3339(s.measured_at)};
  if (shown == job.status.throughput)
    return;
  job.status.throughput = std::move(shown);
  detail::write_status(p);
}

} // namespace

std::optional<std::uint16_t> parse_agent_status_port(std::string_view text) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || value > 65535)
    return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::uint16_t agent_status_port_of(const k8s::training_job_spec& spec, const job_config& config) {
  const auto& containers = spec.template_info.containers;
  if (!containers.empty() && containers.front().agent_status_port)
    return parse_agent_status_port(*containers.front().agent_status_port).value_or(0);
  if (config.agent_status_port > 0)
    return static_cast<std::uint16_t>(config.agent_status_port);
  return agent_default_status_port;
}

std::optional<throughput_probe_target> throughput_probe_target_of(const job_model& job,
                                                                  const job_config& config) {
  auto workers = workers_in_force(job);
  if (!workers)
    return std::nullopt;
  const auto port = agent_status_port_of(job.object->spec, config);
  if (port == 0)
    return std::nullopt;
  const pod_record* first = nullptr;
  for (const auto* pod : *workers)
    if (!first || *pod->index < *first->index)
      first = pod;
  return throughput_probe_target{first->name, first->pod_ip, port};
}

effects on_throughput_answer(job_model& job, const throughput_answer& answer, const job_config& config,
                             instant now) {
  detail::pass p{job, config, now, true, {}};
  auto workers = workers_in_force(job);
  if (!workers)
    return std::move(p.out); // stopped running or resizing meanwhile: the report is of no use
  std::set<std::string> nodes;
  for (const auto* pod : *workers)
    nodes.insert(pod->node);
  const auto size = static_cast<std::int32_t>(workers->size());
  const auto node_count = static_cast<std::int32_t>(nodes.size());
  auto finish = [&](const std::string& why) {
    note(p, why);
    show(p, size, node_count);
    return std::move(p.out);
  };
  if (!answer.ok)
    return finish("no answer from " + answer.pod + ": " + answer.error);
  auto decoded = decode_agent_report(answer.body);
  if (const auto* error = std::get_if<std::string>(&decoded))
    return finish("the answer of " + answer.pod + " is not a report: " + *error);
  const auto& report = std::get<std::optional<agent_report>>(decoded);
  if (!report)
    return finish(""); // the agent is still warming up: nothing to say
  report_context context;
  context.now = now.wall;
  context.max_age = config.throughput_max_age;
  context.workers = size;
  context.nodes = node_count;
  context.placed_since = job.persisted.last_resize_time;
  auto accepted = accept_report(*report, context);
  if (const auto* why = std::get_if<std::string>(&accepted))
    return finish(*why);
  if (keep_sample(job.throughput, std::get<scheduling::throughput_sample>(accepted), now.wall,
                  config.throughput_max_age))
    detail::report(p);
  return finish("");
}

effects on_throughput_idle(job_model& job, const job_config& config, instant now) {
  detail::pass p{job, config, now, true, {}};
  if (job.status.throughput && job.status.stage == stage::waiting) {
    job.status.throughput.reset();
    detail::write_status(p);
  }
  return std::move(p.out);
}

} // namespace lattice::lifecycle
