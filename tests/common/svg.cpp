// svg.cpp: see svg.hpp.
#include "common/svg.hpp"

#include <expat.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace tmi::testing {

namespace {

struct State {
	std::vector<XmlElement> elements;
	std::vector<int> open;
};

void on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
	auto *s = static_cast<State *>(data);
	XmlElement e;
	e.name = name;
	for (int i = 0; attrs[i]; i += 2)
		e.attrs[attrs[i]] = attrs[i + 1];
	e.parent = s->open.empty() ? -1 : s->open.back();
	s->elements.push_back(std::move(e));
	s->open.push_back(int(s->elements.size()) - 1);
}

void on_end(void *data, const XML_Char *)
{
	static_cast<State *>(data)->open.pop_back();
}

void on_text(void *data, const XML_Char *s, int len)
{
	auto *st = static_cast<State *>(data);
	if (!st->open.empty())
		st->elements[st->open.back()].text.append(s, len);
}

double channel(int v)
{
	double c = v / 255.0;
	return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

} // namespace

std::vector<XmlElement> parse_xml(const std::string &xml)
{
	std::unique_ptr<XML_ParserStruct, void (*)(XML_Parser)> p(XML_ParserCreate("UTF-8"),
								   &XML_ParserFree);
	if (!p)
		throw std::runtime_error("XML_ParserCreate failed");
	State s;
	XML_SetUserData(p.get(), &s);
	XML_SetElementHandler(p.get(), on_start, on_end);
	XML_SetCharacterDataHandler(p.get(), on_text);
	if (XML_Parse(p.get(), xml.data(), int(xml.size()), 1) == XML_STATUS_ERROR)
		throw std::runtime_error(std::string("not well-formed XML: ") +
					 XML_ErrorString(XML_GetErrorCode(p.get())) + " at line " +
					 std::to_string(XML_GetCurrentLineNumber(p.get())));
	return std::move(s.elements);
}

double luminance(const std::string &hex)
{
	unsigned r, g, b;
	if (hex.size() != 7 || hex[0] != '#' || std::sscanf(hex.c_str() + 1, "%2x%2x%2x", &r, &g, &b) != 3)
		throw std::runtime_error("not a #rrggbb colour: " + hex);
	return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

} // namespace tmi::testing
