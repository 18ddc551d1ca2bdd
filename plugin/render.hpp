#pragma once

#include "scheduling/time.hpp"

#include <boost/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace lattice::plugin {

/// An aligned text table as kubectl prints one: upper-case header, columns
/// three spaces apart, no trailing blanks.
struct table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

/// Wraps a padded cell (column index, padded text) in colour codes; the
/// identity when colours are off.
using cell_decorator = std::function<std::string(std::size_t column, const std::string& padded)>;

std::string format_table(const table& t, const cell_decorator& decorate = {});

/// ANSI colours used for stages and reasons.
enum class colour { none, green, yellow, red, dim };

/// `text` in `c` when `enabled` (stdout is a terminal and NO_COLOR unset).
std::string paint(const std::string& text, colour c, bool enabled);

/// The colour of a stage or planned stage.
colour stage_colour(const std::string& stage);

/// A duration as kubectl's AGE column shows it: 45s, 12m, 3h4m, 2d5h.
std::string format_age(scheduling::time_point since, scheduling::time_point now);

/// `v` as block-style YAML (strings double-quoted, so nothing is retyped on
/// reading it back); ends with a newline.
std::string to_yaml(const boost::json::value& v);

} // namespace lattice::plugin
