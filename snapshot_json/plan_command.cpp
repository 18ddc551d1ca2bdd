#include "snapshot_json/plan_command.hpp"

#include "scheduling/planner.hpp"
#include "snapshot_json/json_time.hpp"
#include "snapshot_json/snapshot_json.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace lattice::snapshot_json {

namespace {

std::string usage(std::string_view program) {
  std::string p(program);
  return "usage: " + p
         + " plan --snapshot FILE|- [--now TIME] [--output json|text]\n"
           "       "
         + p
         + " plan --stream [--now TIME] [--output json|text]\n"
           "Prints the plan the autoscaler makes for a snapshot (docs/reference/snapshot-format.md).\n"
           "TIME is RFC 3339 (2026-11-28T10:00:00Z) or seconds since the Unix epoch.\n";
}

std::optional<scheduling::time_point> parse_now(const std::string& text) {
  if (auto t = detail::parse_rfc3339(text))
    return t;
  try {
    std::size_t used = 0;
    double secs = std::stod(text, &used);
    if (used == text.size() && std::isfinite(secs))
      return scheduling::time_point{scheduling::milliseconds{std::llround(secs * 1000)}};
  } catch (...) {
  }
  return std::nullopt;
}

/// One line per job: key, stage, size, reason.
std::string as_text(const scheduling::plan& p, const scheduling::snapshot& snap) {
  std::ostringstream out;
  for (std::size_t i : p.queue) {
    const auto& d = p.jobs[i];
    out << snap.jobs[i].key() << "\t" << (d.stage == scheduling::job_stage::running ? "Running" : "Waiting")
        << "\t" << d.size;
    if (!d.added.empty() || !d.removed.empty())
      out << "\t+" << d.added.size() << "/-" << d.removed.size();
    out << "\t" << d.reason << "\n";
  }
  for (const auto& w : p.warnings)
    out << "warning: " << w << "\n";
  return out.str();
}

/// Plans one document; false (and a message on `err`) when it is bad.
/// In a stream a bad document still gets its line (an error object), so the
/// reader stays in step.
bool plan_one(std::string_view text, const std::optional<scheduling::time_point>& now_flag, bool as_json,
              bool stream, std::ostream& out, std::ostream& err) {
  auto decoded = decode_input(text);
  if (!decoded.input) {
    err << "snapshot: " << decoded.error << "\n";
    if (stream && as_json) {
      boost::json::object o{{"error", decoded.error}};
      out << boost::json::serialize(o) << "\n";
      out.flush();
    }
    return false;
  }
  const auto& in = *decoded.input;
  auto now = now_flag ? *now_flag : in.now ? *in.now : std::chrono::system_clock::now();
  auto p = scheduling::make_plan(in.snapshot, in.config, now);
  out << (as_json ? encode_plan(p, in.snapshot) + "\n" : as_text(p, in.snapshot));
  out.flush();
  return true;
}

} // namespace

int run_plan_command(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                     std::ostream& err, std::string_view program) {
  std::optional<std::string> file;
  std::optional<scheduling::time_point> now;
  bool stream = false;
  bool as_json = true;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& v) {
      if (i + 1 >= args.size())
        return false;
      v = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      out << usage(program);
      return 0;
    }
    if (a == "--snapshot" && value(v)) {
      file = v;
    } else if (a == "--now" && value(v)) {
      now = parse_now(v);
      if (!now) {
        err << program << " plan: --now: expected RFC 3339 or Unix seconds, got \"" << v << "\"\n";
        return 2;
      }
    } else if (a == "--output" && value(v) && (v == "json" || v == "text")) {
      as_json = v == "json";
    } else if (a == "--stream") {
      stream = true;
    } else {
      err << program << " plan: unexpected argument \"" << a << "\"\n" << usage(program);
      return 2;
    }
  }
  if (stream == file.has_value()) {
    err << usage(program);
    return 2;
  }
  if (stream) {
    std::string line;
    bool ok = true;
    while (std::getline(in, line))
      if (!line.empty())
        ok = plan_one(line, now, as_json, true, out, err) && ok;
    return ok ? 0 : 1;
  }
  std::string text;
  if (*file == "-") {
    std::ostringstream all;
    all << in.rdbuf();
    text = all.str();
  } else {
    std::ifstream f(*file, std::ios::binary);
    if (!f) {
      err << program << " plan: cannot read " << *file << "\n";
      return 1;
    }
    std::ostringstream all;
    all << f.rdbuf();
    text = all.str();
  }
  return plan_one(text, now, as_json, false, out, err) ? 0 : 1;
}

} // namespace lattice::snapshot_json
