#include "plugin/cluster_reader.hpp"

#include "k8s/auth/kubeconfig.hpp"
#include "k8s/client/kinds.hpp"
#include "k8s/client/resource.hpp"
#include "k8s/codec/decoders.hpp"
#include "k8s/http/tls_transport.hpp"
#include "plugin/json_path.hpp"

#include <boost/json.hpp>

#include <cstdlib>

namespace lattice::plugin {
namespace {

/// Every object of a kind in `ns` ("" = all namespaces), page by page.
template <class T>
k8s::result<std::vector<T>> list_all(k8s::client::rest_client& rest, const k8s::client::resource& kind,
                                     const std::string& ns) {
  std::vector<T> all;
  std::string continue_token;
  do {
    k8s::client::query_params query{{"limit", "500"}};
    if (!continue_token.empty())
      query.emplace_back("continue", continue_token);
    auto body = rest.call("GET", kind.collection_path(ns), query);
    if (!body)
      return body.err();
    auto page = k8s::decode_list(std::string_view(*body), static_cast<T*>(nullptr));
    if (!page)
      return page.err();
    for (auto& item : page->items)
      all.push_back(std::move(item));
    continue_token = page->continue_token;
  } while (!continue_token.empty());
  return all;
}

constexpr const char* default_group = "breezeml.ai";

std::string kubeconfig_path(const std::string& given) {
  if (!given.empty())
    return given;
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::string list = env;
    return list.substr(0, list.find(':'));
  }
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.kube/config";
}

/// The body as JSON; null when it is not JSON (every caller then finds
/// nothing in it instead of throwing).
boost::json::value parse_body(const std::string& body) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value(nullptr) : v;
}

} // namespace

std::variant<std::unique_ptr<cluster_reader>, plugin_error>
cluster_reader::open(const connection_options& options) {
  const auto path = kubeconfig_path(options.kubeconfig);
  k8s::auth::kubeconfig_options kopts;
  kopts.context = options.context;
  auto cluster = k8s::auth::load_kubeconfig(path, kopts);
  if (!cluster)
    return plugin_error{exit_failure, "cannot use kubeconfig " + path + ": " + cluster.err().to_string()};
  std::unique_ptr<cluster_reader> reader(new cluster_reader());
  reader->namespace_ = cluster->namespace_;
  reader->origin_ = cluster->server;
  auto transport = k8s::http::tls_transport::create(std::move(cluster.value()), 4);
  if (!transport)
    return plugin_error{exit_failure,
                        "cannot connect to " + reader->origin_ + ": " + transport.err().to_string()};
  k8s::client::rest_options ropts;
  ropts.request_timeout = std::chrono::milliseconds{15'000};
  // A command line tool reports a dead API server quickly instead of
  // retrying for a minute as the operator does.
  ropts.max_retries = 2;
  reader->rest_ = std::make_shared<k8s::client::rest_client>(
      std::move(transport.value()), std::make_shared<k8s::http::rate_limiter>(50.0, 100), ropts);
  if (auto err = reader->resolve_group(options.group))
    return *err;
  return reader;
}

plugin_error cluster_reader::failure(const k8s::error& err, const std::string& what) const {
  if (err.what == k8s::error::kind::http && err.status == 403)
    return {exit_forbidden, "forbidden: you may not " + what + " (" + err.message + ")"};
  if (err.what == k8s::error::kind::http && err.status == 401)
    return {exit_forbidden, "unauthorized at " + origin_ + ": the kubeconfig's credentials were refused"};
  if (err.what == k8s::error::kind::http && err.status == 404)
    return {exit_not_found, "not found: " + what + " (" + err.message + ")"};
  return {exit_failure, "cannot " + what + " at " + origin_ + ": " + err.to_string()};
}

std::optional<plugin_error> cluster_reader::resolve_group(const std::string& wanted) {
  auto serves_training_jobs = [&](const std::string& group) -> k8s::result<bool> {
    auto body = rest_->call("GET", "/apis/" + group + "/v1");
    if (!body) {
      if (body.err().what == k8s::error::kind::http && body.err().status == 404)
        return false;
      return body.err();
    }
    auto doc = parse_body(*body);
    if (auto* resources = field(doc, {"resources"}); resources && resources->is_array())
      for (const auto& r : resources->as_array())
        if (text(field(r, {"name"})) == "trainingjobs")
          return true;
    return false;
  };
  const std::string first = wanted.empty() ? default_group : wanted;
  auto found = serves_training_jobs(first);
  if (!found)
    return failure(found.err(), "read the API group " + first);
  if (*found) {
    group_ = first;
    return std::nullopt;
  }
  if (!wanted.empty())
    return plugin_error{exit_not_found, "the TrainingJob CRD is not installed: the API server serves no "
                                        "trainingjobs."
                                            + wanted + " (is the operator's chart installed with group "
                                            + wanted + "?)"};
  // Not the default group: look for the one group that serves TrainingJobs
  // (a chart installed with another `group`).
  auto body = rest_->call("GET", "/apis");
  if (!body)
    return failure(body.err(), "read the API groups");
  std::vector<std::string> groups;
  auto doc = parse_body(*body);
  if (auto* list = field(doc, {"groups"}); list && list->is_array())
    for (const auto& g : list->as_array()) {
      const auto name = text(field(g, {"name"}));
      auto serves = serves_training_jobs(name);
      if (serves && *serves)
        groups.push_back(name);
    }
  if (groups.size() == 1) {
    group_ = groups.front();
    return std::nullopt;
  }
  if (groups.empty())
    return plugin_error{exit_not_found,
                        std::string("the TrainingJob CRD is not installed: no API group serves "
                                    "trainingjobs (looked for ")
                            + default_group + " and every other group); install the lattice-operator chart"};
  std::string names;
  for (const auto& g : groups)
    names += (names.empty() ? "" : ", ") + g;
  return plugin_error{exit_usage,
                      "several API groups serve trainingjobs (" + names + "): pick one with --group"};
}

std::variant<cluster_objects, plugin_error> cluster_reader::read_all() {
  cluster_objects out;
  auto jobs = list_all<k8s::training_job>(*rest_, k8s::client::training_jobs_resource(group_), "");
  if (!jobs)
    return failure(jobs.err(), "list trainingjobs." + group_ + " in all namespaces");
  auto pods = list_all<k8s::pod>(*rest_, k8s::client::pods_resource(), "");
  if (!pods)
    return failure(pods.err(), "list pods in all namespaces");
  auto nodes = list_all<k8s::node>(*rest_, k8s::client::nodes_resource(), "");
  if (!nodes)
    return failure(nodes.err(), "list nodes");
  out.jobs = std::move(*jobs);
  out.pods = std::move(*pods);
  out.nodes = std::move(*nodes);
  return out;
}

std::variant<k8s::training_job, plugin_error> cluster_reader::get_job(const std::string& ns,
                                                                      const std::string& name) {
  auto body = rest_->call("GET", k8s::client::training_jobs_resource(group_).object_path(ns, name));
  auto job = body ? k8s::decode_training_job(*body) : k8s::result<k8s::training_job>(body.err());
  if (!job) {
    if (job.err().what == k8s::error::kind::http && job.err().status == 404)
      return plugin_error{exit_not_found, "TrainingJob " + ns + "/" + name + " not found in API group "
                                              + group_ + " (another group: --group)"};
    return failure(job.err(), "get trainingjobs." + group_ + " " + ns + "/" + name);
  }
  return std::move(job.value());
}

std::variant<std::vector<history_input>, plugin_error>
cluster_reader::job_events(const k8s::training_job& job) {
  k8s::client::query_params query{
      {"fieldSelector", "involvedObject.name=" + job.meta.name + ",involvedObject.kind=TrainingJob"}};
  auto body = rest_->call("GET", k8s::client::events_resource().collection_path(job.meta.namespace_), query);
  if (!body)
    return failure(body.err(), "list events in namespace " + job.meta.namespace_);
  std::vector<history_input> out;
  auto doc = parse_body(*body);
  auto* items = field(doc, {"items"});
  if (!items || !items->is_array())
    return out;
  for (const auto& e : items->as_array()) {
    const auto uid = text(field(e, {"involvedObject", "uid"}));
    if (!uid.empty() && !job.meta.uid.empty() && uid != job.meta.uid)
      continue; // an earlier job of the same name
    history_input h;
    h.source = "event";
    h.time = text(field(e, {"lastTimestamp"}));
    if (h.time.empty())
      h.time = text(field(e, {"eventTime"}));
    if (h.time.empty())
      h.time = text(field(e, {"firstTimestamp"}));
    h.what = text(field(e, {"reason"}));
    h.message = text(field(e, {"message"}));
    h.type = text(field(e, {"type"}));
    if (auto* count = field(e, {"count"}); count && count->is_int64())
      h.count = static_cast<int32_t>(count->as_int64());
    out.push_back(std::move(h));
  }
  return out;
}

operator_settings cluster_reader::operator_planner_settings() {
  operator_settings out;
  auto body = rest_->call("GET", "/apis/apps/v1/deployments",
                          {{"labelSelector", "app.kubernetes.io/part-of=lattice"}});
  if (!body) {
    out.source = "defaults (the operator's Deployment is not readable with this kubeconfig: "
                 + (body.err().status ? std::to_string(body.err().status) + " " : "") + body.err().reason
                 + ")";
    return out;
  }
  if (auto found = settings_from_deployments(parse_body(*body), group_))
    return *found;
  out.source = "defaults (no operator Deployment for group " + group_ + " found)";
  return out;
}

} // namespace lattice::plugin
