// svg.hpp: reading the SVG files the tool writes, with a real XML parser
// (expat), so a test fails on anything that is not well-formed XML.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tmi::testing {

struct XmlElement {
	std::string name;
	std::map<std::string, std::string> attrs;
	std::string text; // character data directly inside (e.g. a <title>)
	int parent = -1;  // index into the document's elements, -1 for the root
};

// Every element in document order; throws std::runtime_error (with expat's
// message and line) when `xml` is not well-formed.
std::vector<XmlElement> parse_xml(const std::string &xml);

// "#rrggbb" -> relative luminance in [0, 1] (sRGB, WCAG formula); throws on
// any other spelling.
double luminance(const std::string &hex_colour);

} // namespace tmi::testing
