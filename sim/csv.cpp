#include "sim/csv.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace lattice::sim {

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ','))
    out.push_back(cell);
  if (!line.empty() && line.back() == ',')
    out.emplace_back();
  return out;
}

} // namespace

csv_table csv_table::read(const std::string& path) {
  csv_table t;
  std::ifstream in(path);
  if (!in) {
    t.error_ = "cannot open " + path;
    return t;
  }
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    auto cells = split(line);
    if (header) {
      for (std::size_t i = 0; i < cells.size(); ++i)
        t.columns_[cells[i]] = i;
      header = false;
    } else {
      t.rows_.push_back(std::move(cells));
    }
  }
  if (header)
    t.error_ = path + " has no header row";
  return t;
}

const std::string& csv_table::cell(std::size_t row, const std::string& column) const {
  static const std::string empty;
  auto it = columns_.find(column);
  if (it == columns_.end() || row >= rows_.size() || it->second >= rows_[row].size())
    return empty;
  return rows_[row][it->second];
}

std::optional<double> csv_table::number(std::size_t row, const std::string& column) const {
  const std::string& text = cell(row, column);
  if (text.empty())
    return std::nullopt;
  try {
    std::size_t used = 0;
    double v = std::stod(text, &used);
    if (used != text.size())
      return std::nullopt;
    return v;
  } catch (...) {
    return std::nullopt;
  }
}

} // namespace lattice::sim
