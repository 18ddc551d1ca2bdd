#pragma once

#include <string>
#include <string_view>

namespace lattice::base {

/// Appends `text` as the inside of a JSON string (RFC 8259): `"` and `\`
/// escaped, control characters (and DEL) as \n, \t, ... or \u00XX, valid
/// UTF-8 copied as is, and each byte of an invalid UTF-8 sequence (stray
/// continuation bytes, overlong forms, surrogates, code points past
/// U+10FFFF, truncated sequences) replaced by U+FFFD. Whatever the input,
/// the output is valid JSON text.
void append_json_escaped(std::string& out, std::string_view text);

/// `text` as a quoted JSON string: "\"" + escaped + "\"".
std::string json_quoted(std::string_view text);

} // namespace lattice::base
