#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lattice::sim {

/// A CSV file with a header row: rows of cells addressed by column name.
/// Plain comma-separated values (no quoting), as the trace files use.
class csv_table {
public:
  /// Reads `path`; on failure `error()` says why and the table is empty.
  static csv_table read(const std::string& path);

  const std::string& error() const { return error_; }
  std::size_t size() const { return rows_.size(); }
  bool has(const std::string& column) const { return columns_.count(column) != 0; }
  /// The cell, or an empty string when the column or row is missing.
  const std::string& cell(std::size_t row, const std::string& column) const;
  /// The cell as a number; nullopt when it is not one.
  std::optional<double> number(std::size_t row, const std::string& column) const;

private:
  std::map<std::string, std::size_t> columns_;
  std::vector<std::vector<std::string>> rows_;
  std::string error_;
};

} // namespace lattice::sim
