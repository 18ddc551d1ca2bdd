#include "k8s/codec/meta_decoder.hpp"
#include "k8s/codec/object_decoders.hpp"
#include "k8s/codec/pod_spec_decoder.hpp"
#include "k8s/codec/training_job_limits.hpp"

#include <algorithm>
#include <string>

namespace lattice::k8s::codec {

namespace {

/// Reads an integer inside `limit`. The CRD declares the same range, so only
/// an object stored before the range existed, or written around the API
/// server's validation, fails here.
template <class Int>
bool read_limited(decode_context& ctx, dom::element value, const int_limit& limit, Int& out) {
  std::int64_t wide = 0;
  if (!read_int64(ctx, value, wide))
    return false;
  if (wide < limit.minimum || wide > limit.maximum)
    return ctx.fail("must be between " + std::to_string(limit.minimum) + " and "
                    + std::to_string(limit.maximum) + " (got " + std::to_string(wide) + ")");
  out = static_cast<Int>(wide);
  return true;
}

bool decode_run_policy(decode_context& ctx, dom::element value, run_policy& out) {
  return for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "cleanPodPolicy")
      return read_string(ctx, v, out.clean_pod_policy);
    if (key == "backoffLimit")
      return read_limited(ctx, v, limits::backoff_limit, out.backoff_limit.emplace());
    if (key == "activeDeadlineSeconds")
      return read_limited(ctx, v, limits::active_deadline_seconds, out.active_deadline_seconds.emplace());
    if (key == "ttlSecondsAfterFinished")
      return read_limited(ctx, v, limits::ttl_seconds_after_finished,
                          out.ttl_seconds_after_finished.emplace());
    if (key == "suspend")
      return read_bool(ctx, v, out.suspend);
    return true;
  });
}

bool decode_template(decode_context& ctx, dom::element value, training_job_spec& spec) {
  dom::object object;
  if (!expect_object(ctx, value, object))
    return false;
  spec.template_json = simdjson::minify(value);
  pod_spec_sink sink;
  sink.requests = &spec.template_info.requests;
  sink.info = &spec.template_info;
  sink.node_name = &spec.template_info.node_name;
  return for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    return key == "spec" ? decode_pod_spec(ctx, v, sink) : true;
  });
}

bool decode_replica_specs(decode_context& ctx, dom::element value, training_job_spec& spec) {
  bool has_template = false;
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key != "template")
      return true;
    has_template = true;
    return decode_template(ctx, v, spec);
  });
  if (ok && !has_template)
    return ctx.fail_at("template", "required field missing");
  return ok;
}

bool decode_spec(decode_context& ctx, dom::element value, training_job_spec& spec) {
  bool has_replica_specs = false;
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "minSize")
      return read_limited(ctx, v, limits::min_size, spec.min_size);
    if (key == "maxSize")
      return read_limited(ctx, v, limits::max_size, spec.max_size);
    if (key == "priority")
      return read_limited(ctx, v, limits::priority, spec.priority);
    if (key == "injectLattice")
      return read_bool(ctx, v, spec.inject_lattice);
    if (key == "framework")
      return read_string(ctx, v, spec.framework);
    if (key == "runPolicy")
      return decode_run_policy(ctx, v, spec.run);
    if (key == "replicaSpecs") {
      has_replica_specs = true;
      return decode_replica_specs(ctx, v, spec);
    }
    return true;
  });
  if (ok && !has_replica_specs)
    return ctx.fail_at("replicaSpecs", "required field missing");
  return ok;
}

bool decode_condition(decode_context& ctx, dom::element value, condition& out) {
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "type")
      return read_string(ctx, v, out.type);
    if (key == "status")
      return read_condition_status(ctx, v, out.status);
    if (key == "reason")
      return read_string(ctx, v, out.reason);
    if (key == "message")
      return read_string(ctx, v, out.message);
    if (key == "lastUpdateTime")
      return read_string(ctx, v, out.last_update_time);
    if (key == "lastTransitionTime")
      return read_string(ctx, v, out.last_transition_time);
    if (key == "observedGeneration")
      return read_limited(ctx, v, limits::condition_generation, out.observed_generation);
    return true;
  });
  if (ok && out.type.empty())
    return ctx.fail_at("type", "required field missing");
  return ok;
}

bool decode_exec_status(decode_context& ctx, dom::element value, exec_status& out) {
  bool ok = for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "conditions")
      return for_each_item(ctx, v, [&](std::size_t, dom::element c) {
        out.conditions.emplace_back();
        return decode_condition(ctx, c, out.conditions.back());
      });
    if (key == "replicaStatuses")
      return for_each_field(ctx, v, [&](std::string_view type, dom::element rs) {
        replica_status status;
        status.replica_type.assign(type.data(), type.size());
        bool fields_ok = for_each_field(ctx, rs, [&](std::string_view k, dom::element n) {
          if (k == "active")
            return read_limited(ctx, n, limits::replicas_active, status.active);
          if (k == "succeeded")
            return read_limited(ctx, n, limits::replicas_succeeded, status.succeeded);
          if (k == "failed")
            return read_limited(ctx, n, limits::replicas_failed, status.failed);
          return true;
        });
        out.replica_statuses.push_back(std::move(status));
        return fields_ok;
      });
    if (key == "startTime")
      return read_string(ctx, v, out.start_time);
    if (key == "completionTime")
      return read_string(ctx, v, out.completion_time);
    if (key == "lastReconcileTime")
      return read_string(ctx, v, out.last_reconcile_time);
    return true;
  });
  std::sort(out.replica_statuses.begin(), out.replica_statuses.end(),
            [](const replica_status& a, const replica_status& b) { return a.replica_type < b.replica_type; });
  return ok;
}

bool decode_gpus(decode_context& ctx, dom::element value, training_job_status& out) {
  return for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "held")
      return read_limited(ctx, v, limits::gpus_held, out.gpus_held.emplace());
    if (key == "wanted")
      return read_limited(ctx, v, limits::gpus_wanted, out.gpus_wanted.emplace());
    return true;
  });
}

/// status.throughput, as the operator wrote it (read back so a restarted
/// operator keeps showing the last rate).
bool decode_throughput(decode_context& ctx, dom::element value, std::optional<throughput_status>& out) {
  if (value.is_null())
    return true;
  auto& t = out.emplace();
  return for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "samplesPerSecond") {
      if (v.get_double().get(t.samples_per_second) != simdjson::SUCCESS)
        return ctx.fail(std::string("expected number, got ") + type_name(v.type()));
      return true;
    }
    if (key == "workers")
      return read_int32(ctx, v, t.workers);
    if (key == "nodes")
      return read_int32(ctx, v, t.nodes);
    if (key == "measuredAt")
      return read_string(ctx, v, t.measured_at);
    return true;
  });
}

bool decode_job_status(decode_context& ctx, dom::element value, training_job_status& out) {
  return for_each_field(ctx, value, [&](std::string_view key, dom::element v) {
    if (key == "execStatus")
      return decode_exec_status(ctx, v, out.exec);
    if (key == "currentSize")
      return read_limited(ctx, v, limits::current_size, out.current_size);
    if (key == "stage")
      return read_string(ctx, v, out.stage);
    if (key == "submitTime")
      return read_string(ctx, v, out.submit_time);
    if (key == "queuedTime")
      return read_string(ctx, v, out.queued_time);
    if (key == "lastExecTime")
      return read_string(ctx, v, out.last_exec_time);
    if (key == "completionTime")
      return read_string(ctx, v, out.completion_time);
    if (key == "requeueTime")
      return read_string(ctx, v, out.requeue_time);
    if (key == "cooldownTime")
      return read_string(ctx, v, out.cooldown_time);
    if (key == "reason")
      return read_string(ctx, v, out.reason);
    if (key == "message")
      return read_string(ctx, v, out.message);
    if (key == "gpus")
      return decode_gpus(ctx, v, out);
    if (key == "queuePosition")
      return read_limited(ctx, v, limits::queue_position, out.queue_position.emplace());
    if (key == "throughput")
      return decode_throughput(ctx, v, out.throughput);
    return true;
  });
}

} // namespace

bool read_condition_status(decode_context& ctx, dom::element value, condition_status& out) {
  std::string_view s;
  if (value.get(s) != simdjson::SUCCESS)
    return ctx.fail(std::string("expected string, got ") + type_name(value.type()));
  if (s == "True")
    out = condition_status::true_;
  else if (s == "False")
    out = condition_status::false_;
  else if (s == "Unknown")
    out = condition_status::unknown;
  else
    return ctx.fail("unknown condition status \"" + std::string(s) + "\" (expected True, False or Unknown)");
  return true;
}

bool decode_object(decode_context& ctx, dom::element root, training_job& out) {
  dom::object object;
  if (!decode_object_root(ctx, root, object, out.meta))
    return false;
  bool has_spec = false;
  bool ok = for_each_field(ctx, root, [&](std::string_view key, dom::element v) {
    if (key == "spec") {
      has_spec = true;
      return decode_spec(ctx, v, out.spec);
    }
    if (key == "status")
      return decode_job_status(ctx, v, out.status);
    return true;
  });
  if (ok && !has_spec)
    return ctx.fail_at("spec", "required field missing");
  return ok;
}

bool decode_salvage(decode_context& ctx, dom::element root, training_job& out) {
  dom::object object;
  if (!decode_object_root(ctx, root, object, out.meta))
    return false;
  dom::element status;
  if (object.at_key("status").get(status) != simdjson::SUCCESS || status.is_null())
    return true;
  decode_context status_ctx;
  training_job_status decoded;
  if (decode_job_status(status_ctx, status, decoded))
    out.status = std::move(decoded);
  return true;
}

} // namespace lattice::k8s::codec
