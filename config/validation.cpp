#include "config/validation.hpp"

#include "config/duration.hpp"

namespace lattice::config {

std::optional<std::string> validate(const operator_config& cfg) {
  const auto& as = cfg.autoscaler;
  if (as.cooldown_max < as.cooldown_base)
    return "invalid value \"" + format_duration(as.cooldown_max)
           + "\" for --cooldown-max: expected a duration at least --cooldown-base ("
           + format_duration(as.cooldown_base) + ")";
  const auto& le = cfg.leader_election;
  if (le.renew_deadline >= le.lease_duration)
    return "invalid value \"" + format_duration(le.renew_deadline)
           + "\" for --renew-deadline: expected a duration less than --lease-duration ("
           + format_duration(le.lease_duration) + ")";
  if (le.retry_period >= le.renew_deadline)
    return "invalid value \"" + format_duration(le.retry_period)
           + "\" for --retry-period: expected a duration less than --renew-deadline ("
           + format_duration(le.renew_deadline) + ")";
  const auto& srv = cfg.server;
  if (srv.metrics_port == srv.probe_port)
    return "invalid value \"" + std::to_string(srv.probe_port)
           + "\" for --probe-port: expected a port different from --metrics-port";
  if (srv.debug_port == srv.metrics_port || srv.debug_port == srv.probe_port)
    return "invalid value \"" + std::to_string(srv.debug_port)
           + "\" for --debug-port: expected a port different from --metrics-port and --probe-port";
  if (!srv.metrics_cert_dir.empty() && !srv.metrics_tls)
    return "invalid value \"" + srv.metrics_cert_dir
           + "\" for --metrics-cert-dir: expected only with --metrics-tls (the certificate would go unused)";
  return std::nullopt;
}

} // namespace lattice::config
