#include "lifecycle/job_inspect.hpp"
#include "lifecycle/job_throughput.hpp"
#include "lifecycle/snapshot_conversion.hpp"
#include "transition_fixture.hpp"

namespace lattice::lifecycle {
namespace {

double unix_seconds(base::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

class job_throughput : public transition_steps {
protected:
  /// An injected job admitted at `nodes.size()` workers, each Running on its node with an IP.
  void run_on(const std::vector<std::string>& nodes) {
    seen(test::make_job().inject());
    placements where;
    for (std::size_t i = 0; i < nodes.size(); ++i)
      where.push_back({static_cast<std::int32_t>(i), nodes[i]});
    decide(where);
    for (std::size_t i = 0; i < nodes.size(); ++i)
      pod(make_worker(static_cast<std::int32_t>(i), pod_phase::running, nodes[i],
                      static_cast<std::int32_t>(nodes.size()))
              .edit([i](k8s::pod& p) { p.pod_ip = "10.0.0." + std::to_string(i + 1); }));
    timer(timer_kind::status_flush, job.timers.status_flush);
  }

  effects answer(double rate, int workers, base::time_point measured_at,
                 std::string pod = "resnet-worker-0") {
    throughput_answer a;
    a.pod = std::move(pod);
    a.ok = true;
    a.body = R"({"generation":1,"workers":)" + std::to_string(workers)
             + R"(,"report":{"generation":1,"workers":)" + std::to_string(workers) + R"(,"processes":)"
             + std::to_string(workers) + R"(,"samplesPerSecond":)" + std::to_string(rate)
             + R"(,"windowSeconds":60,"measuredAt":)" + std::to_string(unix_seconds(measured_at)) + "}}";
    return answered(on_throughput_answer(job, a, config, now));
  }
};

TEST_F(job_throughput, the_lowest_index_running_worker_is_asked) {
  run_on({"node-a", "node-b"});
  auto target = throughput_probe_target_of(job, config);
  ASSERT_TRUE(target);
  EXPECT_EQ(target->pod, "resnet-worker-0");
  EXPECT_EQ(target->ip, "10.0.0.1");
}

TEST_F(job_throughput, the_agent_is_asked_on_the_port_the_job_gives_it) {
  run_on({"node-a"});
  EXPECT_EQ(throughput_probe_target_of(job, config)->port, agent_default_status_port)
      << "nothing set: the agent's default";
  config.agent_status_port = 29411;
  EXPECT_EQ(throughput_probe_target_of(job, config)->port, 29411) << "the operator's --agent-status-port";

  job_model own_port{"lattice", "resnet", 30s};
  std::swap(job, own_port);
  seen(test::make_job().inject().env("LATTICE_AGENT_STATUS_PORT", "31000"));
  decide({{0, "node-a"}});
  pod(make_worker(0, pod_phase::running, "node-a", 1).edit([](k8s::pod& p) { p.pod_ip = "10.0.0.1"; }));
  EXPECT_EQ(throughput_probe_target_of(job, config)->port, 31000)
      << "the template's value, which injection keeps";

  job_model no_rate{"lattice", "resnet", 30s};
  std::swap(job, no_rate);
  seen(test::make_job().inject().env("LATTICE_AGENT_STATUS_PORT", "0"));
  decide({{0, "node-a"}});
  pod(make_worker(0, pod_phase::running, "node-a", 1).edit([](k8s::pod& p) { p.pod_ip = "10.0.0.1"; }));
  EXPECT_FALSE(throughput_probe_target_of(job, config)) << "0: the agents serve no rate";
}

TEST(agent_status_port, only_whole_numbers_up_to_65535_are_ports) {
  EXPECT_EQ(parse_agent_status_port("0"), 0);
  EXPECT_EQ(parse_agent_status_port("29410"), 29410);
  EXPECT_EQ(parse_agent_status_port("65535"), 65535);
  for (const char* bad : {"", "65536", "-1", "+5", " 80", "80 ", "8o", "http"})
    EXPECT_FALSE(parse_agent_status_port(bad)) << '"' << bad << '"';
}

TEST_F(job_throughput, nobody_is_asked_while_the_placement_is_incomplete_or_the_job_not_injected) {
  seen(test::make_job().inject());
  decide({{0, "node-a"}, {1, "node-b"}});
  pod(make_worker(0, pod_phase::running, "node-a", 2).edit([](k8s::pod& p) { p.pod_ip = "10.0.0.1"; }));
  EXPECT_FALSE(throughput_probe_target_of(job, config)) << "worker 1 is not running yet";
  pod(make_worker(1, pod_phase::running, "node-b", 2));
  EXPECT_FALSE(throughput_probe_target_of(job, config)) << "worker 1 has no IP yet";

  job_model plain{"lattice", "resnet", 30s};
  std::swap(job, plain);
  seen(test::make_job());
  decide({{0, "node-a"}});
  pod(make_worker(0, pod_phase::running, "node-a", 1).edit([](k8s::pod& p) { p.pod_ip = "10.0.0.1"; }));
  EXPECT_FALSE(throughput_probe_target_of(job, config)) << "without the agent there is nobody to ask";
}

TEST_F(job_throughput, a_sound_report_shows_in_the_status_and_reaches_the_planner) {
  run_on({"node-a", "node-a", "node-b"});
  elapse(2min);
  auto e = answer(300, 3, now.wall - 5s);
  ASSERT_TRUE(e.report && e.report->info) << "the autoscaler hears the job's reports";
  ASSERT_EQ(e.report->info->throughput.size(), 1u);
  EXPECT_EQ(e.report->info->throughput[0].workers, 3);
  EXPECT_EQ(e.report->info->throughput[0].nodes, 2);
  EXPECT_DOUBLE_EQ(e.report->info->throughput[0].samples_per_second, 300);
  ASSERT_TRUE(job.status.throughput);
  EXPECT_EQ(*job.status.throughput, (k8s::throughput_status{300, 3, 2, base::format_rfc3339(now.wall - 5s)}));
  ASSERT_EQ(e.writes.size(), 1u) << "status.throughput appearing is written at once";
  EXPECT_NE(e.writes[0].body.find(R"("throughput":{"samplesPerSecond":300,"workers":3,"nodes":2)"),
            std::string::npos)
      << e.writes[0].body;
  EXPECT_EQ(to_job_info(job)->throughput, job.throughput);
}

TEST_F(job_throughput, a_steady_rate_is_not_resent_every_poll) {
  run_on({"node-a", "node-b"});
  elapse(2min);
  answer(300, 2, now.wall - 5s);
  elapse(30s);
  auto e = answer(300.2, 2, now.wall - 5s);
  EXPECT_FALSE(e.report) << "the same rate, a moment later: the planner knows it";
  EXPECT_TRUE(e.writes.empty()) << "only a change of rate: written later with the next status";
  elapse(30s);
  e = answer(150, 2, now.wall - 5s);
  EXPECT_TRUE(e.report) << "the rate halved";
}

TEST_F(job_throughput, reports_that_fail_the_checks_are_ignored_with_a_note) {
  run_on({"node-a", "node-b"});
  elapse(2min);
  auto e = answer(300, 3, now.wall - 5s);
  EXPECT_FALSE(e.report);
  EXPECT_FALSE(job.status.throughput);
  EXPECT_EQ(job.throughput_note, "measured at 3 workers, the job runs 2");
  EXPECT_NE(inspect_json(job, true, 0).find(R"("throughputNote":"measured at 3 workers, the job runs 2")"),
            std::string::npos)
      << "inspection shows why";
  ASSERT_EQ(e.logs.size(), 1u);
  answer(-1, 2, now.wall - 5s);
  EXPECT_EQ(job.throughput_note, "the rate is not a positive number");
  answer(300, 2, now.wall - 3min);
  EXPECT_EQ(job.throughput_note, "measured before the current placement");
  config.throughput_max_age = 60s;
  answer(300, 2, now.wall - 90s);
  EXPECT_EQ(job.throughput_note, "older than the maximum age");
  EXPECT_TRUE(job.throughput.empty());

  throughput_answer failed;
  failed.pod = "resnet-worker-0";
  failed.error = "connection refused";
  on_throughput_answer(job, failed, config, now);
  EXPECT_EQ(job.throughput_note, "no answer from resnet-worker-0: connection refused");
  failed.ok = true;
  failed.body = "<html>";
  on_throughput_answer(job, failed, config, now);
  EXPECT_EQ(job.throughput_note, "the answer of resnet-worker-0 is not a report: not a JSON object");
}

TEST_F(job_throughput, a_resize_clears_the_shown_rate_but_keeps_the_samples) {
  run_on({"node-a", "node-b"});
  elapse(2min);
  answer(300, 2, now.wall - 5s);
  ASSERT_TRUE(job.status.throughput);
  elapse(5min);
  decide({{0, "node-a"}, {1, "node-b"}, {2, "node-c"}});
  pod(make_worker(2, pod_phase::running, "node-c", 3).edit([](k8s::pod& p) { p.pod_ip = "10.0.0.3"; }));
  elapse(2min);
  throughput_answer warming;
  warming.pod = "resnet-worker-0";
  warming.ok = true;
  warming.body = R"({"generation":2,"workers":3,"report":null})";
  answered(on_throughput_answer(job, warming, config, now));
  EXPECT_FALSE(job.status.throughput) << "no report at 3 workers yet";
  EXPECT_EQ(job.throughput.size(), 1u) << "the 2-worker sample still informs the fit";
  auto e = answer(420, 3, now.wall - 5s);
  ASSERT_TRUE(e.report && e.report->info);
  EXPECT_EQ(e.report->info->throughput.size(), 2u);
  EXPECT_EQ(job.status.throughput->workers, 3);
}

TEST_F(job_throughput, a_new_leader_keeps_the_rate_the_status_shows_until_the_next_report) {
  run_on({"node-a", "node-b"});
  elapse(2min);
  answer(300, 2, now.wall - 5s);
  // What a new leader reads: the stored object with the status this one wrote.
  k8s::training_job stored = *job.object;
  stored.status.stage = "Running";
  stored.status.current_size = 2;
  stored.status.last_exec_time = base::format_rfc3339(now.wall - 2min);
  stored.status.throughput = job.status.throughput;
  const std::vector<k8s::pod> workers = {make_worker(0, pod_phase::running, "node-a", 2)
                                             .edit([](k8s::pod& p) { p.pod_ip = "10.0.0.1"; })
                                             .build(),
                                         make_worker(1, pod_phase::running, "node-b", 2)
                                             .edit([](k8s::pod& p) { p.pod_ip = "10.0.0.2"; })
                                             .build()};
  job_model fresh{"lattice", "resnet", 30s};
  std::swap(job, fresh);
  elapse(10s);
  seen(stored);
  for (const auto& w : workers)
    pod(w);
  ASSERT_EQ(job.throughput.size(), 1u) << "the shown sample is kept again";
  EXPECT_EQ(to_job_info(job)->throughput, job.throughput) << "the planner fits from it";

  throughput_answer refused;
  refused.pod = "resnet-worker-0";
  refused.error = "connection refused";
  answered(on_throughput_answer(job, refused, config, now));
  ASSERT_TRUE(job.status.throughput) << "an agent not answering yet does not clear the rate";
  EXPECT_DOUBLE_EQ(job.status.throughput->samples_per_second, 300);

  // A stored rate that is not a sound sample is not kept.
  stored.status.throughput->nodes = 3;
  job_model other{"lattice", "resnet", 30s};
  std::swap(job, other);
  seen(stored);
  EXPECT_TRUE(job.throughput.empty()) << "3 nodes for 2 workers";
}

TEST_F(job_throughput, a_job_back_in_the_queue_shows_no_rate) {
  run_on({"node-a", "node-b"});
  elapse(2min);
  answer(300, 2, now.wall - 5s);
  ASSERT_TRUE(job.status.throughput);
  EXPECT_TRUE(answered(on_throughput_idle(job, config, now)).writes.empty()) << "running: nothing to clear";
  preempt("lattice/bert");
  EXPECT_FALSE(throughput_probe_target_of(job, config));
  auto e = answered(on_throughput_idle(job, config, now));
  EXPECT_FALSE(job.status.throughput);
  ASSERT_EQ(e.writes.size(), 1u) << "status.throughput going is written at once";
  EXPECT_NE(e.writes[0].body.find(R"("throughput":null)"), std::string::npos) << e.writes[0].body;
}

} // namespace
} // namespace lattice::lifecycle
