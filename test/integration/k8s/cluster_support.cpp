#include "test/integration/k8s/cluster_support.hpp"

#include "k8s/auth/kubeconfig.hpp"
#include "k8s/client/make_client.hpp"
#include "k8s/client/resource.hpp"
#include "k8s/codec/encoders.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace lattice::k8s::it {

namespace {

std::string env_or_throw(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value)
    throw std::runtime_error(std::string(name) + " is not set (run through ctest, which sets it)");
  return value;
}

} // namespace

int run(const std::string& command, std::string* out) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe)
    return -1;
  std::string text;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    text.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (out)
    *out = std::move(text);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string run_ok(const std::string& command) {
  std::string out;
  if (run(command, &out) != 0)
    throw std::runtime_error("command failed: " + command + "\n" + out);
  return out;
}

std::string kubectl(const std::string& args) {
  return run_ok("kubectl " + args);
}

std::string cluster_script(const std::string& args) {
  return run_ok(env_or_throw("LATTICE_SOURCE_DIR") + "/scripts/cluster " + args);
}

auth::cluster_config admin_cluster() {
  auto cfg = auth::load_kubeconfig(env_or_throw("KUBECONFIG"));
  if (!cfg)
    throw std::runtime_error(cfg.err().to_string());
  return std::move(cfg.value());
}

std::shared_ptr<client::rest_client> make_client(auth::cluster_config cluster) {
  config::api_client_config api;
  api.qps = 0; // tests measure the server, not the limiter
  api.request_timeout = std::chrono::seconds(20);
  auto client = client::make_rest_client(api, std::move(cluster));
  if (!client)
    throw std::runtime_error(client.err().to_string());
  return client.value();
}

std::shared_ptr<client::rest_client> admin_client() {
  return make_client(admin_cluster());
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

test_namespace::test_namespace(const std::string& prefix)
    : name_(prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand() % 100000)) {
  kubectl("create namespace " + name_);
  // The controller-manager creates the default ServiceAccount, which pod
  // admission requires. Its informers can take minutes to come back after a
  // test restarted the API server; past 20 s the test makes the account
  // itself (an existing one is all the controller would have made).
  const auto has_account = [&] { return run("kubectl get serviceaccount default -n " + name_) == 0; };
  if (eventually(has_account, std::chrono::seconds(20)))
    return;
  std::cout << "namespace " << name_ << ": no default ServiceAccount from the controller-manager after 20 s; "
            << "creating it\n";
  run("kubectl create serviceaccount default -n " + name_);
  if (!eventually(has_account, std::chrono::seconds(10))) {
    run("kubectl delete namespace " + name_ + " --wait=false");
    throw std::runtime_error("no default ServiceAccount in " + name_);
  }
}

test_namespace::~test_namespace() {
  run("kubectl delete namespace " + name_ + " --wait=false");
}

std::string server_version() {
  auto body = admin_client()->call("GET", "/version");
  if (!body)
    throw std::runtime_error(body.err().to_string());
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body.value(), ec);
  const auto* version = !ec && doc.is_object() ? doc.get_object().if_contains("gitVersion") : nullptr;
  if (!version || !version->is_string())
    throw std::runtime_error("no gitVersion in /version: " + body.value());
  return std::string(version->get_string());
}

namespace {

/// `kubectl wait --for condition=established` fails at once instead of
/// waiting when it reads a CRD whose status has no conditions yet
/// (".status.conditions accessor error: <nil>"), just after the apply: poll.
void wait_until_established(const std::string& crd) {
  const std::string get =
      "kubectl get crd/" + crd + " -o jsonpath='{.status.conditions[?(@.type==\"Established\")].status}'";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string out;
  while (run(get, &out) != 0 || out.find("True") == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("CRD " + crd + " not Established within 60 s: " + out);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

/// The chart's CRD has the short name `tj`; a second CRD with it makes
/// `kubectl get tj` ambiguous (kubectl warns and picks one), so the test CRD
/// has none.
void drop_short_names(const std::string& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string short_names = "    shortNames:\n      - tj\n";
  const auto at = text.find(short_names);
  if (at == std::string::npos)
    throw std::runtime_error("no `shortNames: [tj]` block in the rendered CRD " + file);
  text.erase(at, short_names.size());
  std::ofstream(file, std::ios::trunc) << text;
}

/// Deletes the test CRD (and so every TrainingJob of the test group) after
/// the last test of the binary, so the tests leave no CRD behind.
class training_job_crd_cleanup : public ::testing::Environment {
public:
  void TearDown() override {
    std::string out;
    if (run("kubectl delete crd " + training_jobs_kubectl() + " --ignore-not-found --wait=true --timeout=60s",
            &out)
        != 0)
      ADD_FAILURE() << "could not delete the test CRD " << training_jobs_kubectl() << ": " << out;
  }
};

[[maybe_unused]] auto* const crd_cleanup = ::testing::AddGlobalTestEnvironment(new training_job_crd_cleanup);

} // namespace

std::string ensure_training_job_crd() {
  const std::string crd = std::string("trainingjobs.") + test_group;
  const std::string file = "/tmp/lattice-it-crd-" + std::to_string(::getpid()) + ".yaml";
  const auto source = env_or_throw("LATTICE_SOURCE_DIR");
  std::string used;
  std::string helm_error;
  // helm renders for a default Kubernetes version unless told the real one.
  if (run("{ helm template lattice " + source + "/helm/lattice-operator --set group=" + test_group
              + " --kube-version " + server_version() + " --show-only templates/crd-trainingjobs.yaml > "
              + file + "; }",
          &helm_error)
      == 0) {
    drop_short_names(file);
    used = "helm/lattice-operator's CRD (helm template) without its short name";
  } else {
    std::ofstream(file, std::ios::trunc)
        << "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        << "metadata: {name: " << crd << "}\n"
        << "spec:\n  group: " << test_group << "\n"
        << "  names: {kind: TrainingJob, listKind: TrainingJobList, plural: trainingjobs, singular: "
           "trainingjob}\n"
        << "  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n"
        << "    subresources: {status: {}}\n"
        << "    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n";
    used = "a minimal test CRD (helm template failed: " + helm_error.substr(0, 300) + ")";
  }
  run_ok("kubectl apply --server-side --force-conflicts -f " + file);
  wait_until_established(crd);
  std::remove(file.c_str());
  return used;
}

std::string gated_pod_body(const std::string& ns, const std::string& name, const std::string& label_value) {
  pod_from_template_input input;
  input.template_json = R"({"metadata":{"labels":{"lattice.test/app":"it"}},"spec":{)"
                        R"("schedulingGates":[{"name":"lattice.test/hold"}],)"
                        R"("containers":[{"name":"c","image":"registry.invalid/none:1",)"
                        R"("resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}})";
  input.name = name;
  input.namespace_ = ns;
  input.labels = {{"lattice.test/set", label_value}};
  auto body = encode_pod_from_template(input);
  if (!body)
    throw std::runtime_error(body.err().to_string());
  return body.value();
}

std::string training_job_body(const std::string& ns, const std::string& name) {
  return std::string(R"({"apiVersion":")") + test_group + R"(/v1","kind":"TrainingJob","metadata":{"name":")"
         + name + R"(","namespace":")" + ns + R"("},"spec":{"minSize":1,"maxSize":2,"priority":3,)"
         + R"("replicaSpecs":{"template":{"spec":{"containers":[{"name":"trainer","image":"registry.invalid/t:1",)"
         + R"("command":["python","train.py"],"resources":{"limits":{"nvidia.com/gpu":"1"}}}]}}}}})";
}

result<std::string> pod_writer::create(const std::string& ns, std::string body) {
  return rest_->call("POST", client::pods_resource().collection_path(ns), {}, std::move(body),
                     "application/json");
}

result<std::string> pod_writer::remove(const std::string& ns, const std::string& name,
                                       const delete_options& options) {
  return rest_->call("DELETE", client::pods_resource().object_path(ns, name), {},
                     encode_delete_options(options), "application/json");
}

result<std::string> pod_writer::merge_patch(const std::string& ns, const std::string& name,
                                            std::string patch) {
  return rest_->call("PATCH", client::pods_resource().object_path(ns, name), {}, std::move(patch),
                     "application/merge-patch+json");
}

} // namespace lattice::k8s::it
