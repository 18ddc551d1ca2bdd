#include "plugin/render.hpp"

#include <algorithm>
#include <cctype>

namespace lattice::plugin {

std::string format_table(const table& t, const cell_decorator& decorate) {
  std::vector<std::size_t> width(t.header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  };
  measure(t.header);
  for (const auto& row : t.rows)
    measure(row);
  std::string out;
  auto emit = [&](const std::vector<std::string>& row, bool header) {
    std::string line;
    for (std::size_t c = 0; c < width.size(); ++c) {
      std::string cell = c < row.size() ? row[c] : "";
      const bool last = c + 1 == width.size();
      std::string padded = last ? cell : cell + std::string(width[c] - cell.size() + 3, ' ');
      line += (!header && decorate) ? decorate(c, padded) : padded;
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  };
  std::vector<std::string> upper;
  for (auto h : t.header) {
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return std::toupper(ch); });
    upper.push_back(std::move(h));
  }
  emit(upper, true);
  for (const auto& row : t.rows)
    emit(row, false);
  return out;
}

std::string paint(const std::string& text, colour c, bool enabled) {
  if (!enabled || c == colour::none)
    return text;
  const char* code = c == colour::green ? "32" : c == colour::yellow ? "33" : c == colour::red ? "31" : "2";
  // Colour the text, not the padding after it, so terminals show clean columns.
  auto end = text.find_last_not_of(' ');
  if (end == std::string::npos)
    return text;
  return "\x1b[" + std::string(code) + "m" + text.substr(0, end + 1) + "\x1b[0m" + text.substr(end + 1);
}

colour stage_colour(const std::string& stage) {
  if (stage == "Running" || stage == "Completed")
    return colour::green;
  if (stage == "Waiting")
    return colour::yellow;
  if (stage == "Failed" || stage == "Invalid")
    return colour::red;
  return colour::none;
}

std::string format_age(scheduling::time_point since, scheduling::time_point now) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(now - since).count();
  if (s < 0)
    s = 0;
  if (s < 120)
    return std::to_string(s) + "s";
  const auto m = s / 60;
  if (m < 60)
    return std::to_string(m) + "m";
  const auto h = m / 60;
  if (h < 48)
    return std::to_string(h) + "h" + (m % 60 ? std::to_string(m % 60) + "m" : "");
  return std::to_string(h / 24) + "d" + (h % 24 ? std::to_string(h % 24) + "h" : "");
}

namespace {

bool plain_key(const std::string& k) {
  if (k.empty())
    return false;
  return std::all_of(k.begin(), k.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/';
  });
}

std::string key_text(boost::json::string_view k) {
  std::string s(k);
  return plain_key(s) ? s : boost::json::serialize(boost::json::value(k));
}

bool is_scalar(const boost::json::value& v) {
  return !(v.is_object() && !v.as_object().empty()) && !(v.is_array() && !v.as_array().empty());
}

std::string scalar(const boost::json::value& v) {
  if (v.is_object())
    return "{}";
  if (v.is_array())
    return "[]";
  return boost::json::serialize(v);
}

void emit(const boost::json::value& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object() && !v.as_object().empty()) {
    for (const auto& [k, child] : v.as_object()) {
      out += pad + key_text(k) + ":";
      if (is_scalar(child)) {
        out += " " + scalar(child) + "\n";
      } else {
        out += "\n";
        emit(child, indent + 2, out);
      }
    }
  } else if (v.is_array() && !v.as_array().empty()) {
    for (const auto& child : v.as_array()) {
      if (is_scalar(child)) {
        out += pad + "- " + scalar(child) + "\n";
        continue;
      }
      // The first line of a nested block goes after the dash.
      std::string nested;
      emit(child, indent + 2, nested);
      out += pad + "- " + nested.substr(static_cast<std::size_t>(indent) + 2);
    }
  } else {
    out += pad + scalar(v) + "\n";
  }
}

} // namespace

std::string to_yaml(const boost::json::value& v) {
  std::string out;
  emit(v, 0, out);
  return out;
}

} // namespace lattice::plugin
