// version.hpp: the tool's version, from one place, and the one-line error
// report in text or JSON (for `--version` and `-j` errors; cli/ wires them).
// Contract: the release number comes from the VERSION file at the top of
// the tree (the Makefile generates tmi_version.h from it); when the build
// ran in a git checkout, `git describe` is appended in parentheses.  The
// functions never throw except std::bad_alloc.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace tmi {

// "0.1.0": the VERSION file, as the Debian package's upstream version.
const char *version();
// git describe of the built tree ("9960b83", "v0.1.0-3-g9960b83-dirty"),
// "" when the build did not run in a git checkout.
const char *version_git();
// "trace-map-iter 0.1.0 (git 9960b83)": what `--version` prints.
std::string version_line();
// {"version":"0.1.0","git":"9960b83"}: `--version -j`, as bpftool's
// `-j version`; "git" is absent when version_git() is empty.
std::string version_json();

// One report line for a failure, newline included: "error: <message>\n",
// or with json {"type":"error","message":S}\n (the tracer's JSON-lines
// shape; invalid UTF-8 in the message is replaced, never thrown on).
std::string error_line(std::string_view message, bool json);
// Writes error_line() to `out` (stderr for the tool) and flushes it.
void print_error(std::FILE *out, std::string_view message, bool json);

} // namespace tmi
