// live_helpers.hpp: what the serve tests share: a plain HTTP GET on
// loopback, a reader for the Prometheus text format, the tool's serve
// command as a child process, and a free loopback port.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/helpers.hpp"

namespace tmi::testing {

struct HttpReply {
	int status = 0; // 0: no connection
	std::string body;
};

// GET http://127.0.0.1:port/path (HTTP/1.0: the server closes when done).
inline HttpReply http_get(int port, const std::string &path)
{
	HttpReply r;
	UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(uint16_t(port));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	timeval tv{5, 0};
	setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0)
		return r;
	std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	if (write(fd.get(), req.data(), req.size()) != ssize_t(req.size()))
		return r;
	std::string all;
	char buf[65536];
	ssize_t n;
	while ((n = read(fd.get(), buf, sizeof(buf))) > 0)
		all.append(buf, size_t(n));
	size_t sp = all.find(' '), hdr_end = all.find("\r\n\r\n");
	if (sp == std::string::npos || hdr_end == std::string::npos)
		return r;
	r.status = std::atoi(all.c_str() + sp + 1);
	r.body = all.substr(hdr_end + 4);
	return r;
}

// One sample of the text exposition format.
struct Sample {
	std::string name;
	std::map<std::string, std::string> labels;
	double value = 0;
};

inline std::vector<Sample> parse_metrics(const std::string &text)
{
	std::vector<Sample> out;
	for (auto &line : split_lines(text)) {
		if (line.empty() || line[0] == '#')
			continue;
		Sample s;
		size_t brace = line.find('{'), last_sp = line.rfind(' ');
		size_t name_end = brace != std::string::npos && brace < last_sp ? brace : last_sp;
		s.name = line.substr(0, name_end);
		if (brace != std::string::npos && brace < last_sp) {
			size_t pos = brace + 1;
			while (pos < line.size() && line[pos] != '}') {
				size_t eq = line.find('=', pos);
				size_t q1 = eq + 1, q2 = q1 + 1;
				std::string v;
				while (q2 < line.size() && line[q2] != '"') {
					if (line[q2] == '\\')
						q2++;
					v += line[q2++];
				}
				s.labels[line.substr(pos, eq - pos)] = v;
				pos = q2 + 1;
				if (pos < line.size() && line[pos] == ',')
					pos++;
			}
		}
		s.value = std::strtod(line.c_str() + last_sp + 1, nullptr);
		out.push_back(std::move(s));
	}
	return out;
}

// The samples named `name` whose labels include every pair of `want`.
inline std::vector<Sample> select(const std::vector<Sample> &all, const std::string &name,
				  const std::map<std::string, std::string> &want)
{
	std::vector<Sample> out;
	for (auto &s : all) {
		if (s.name != name)
			continue;
		bool ok = true;
		for (auto &[k, v] : want) {
			auto it = s.labels.find(k);
			ok = ok && it != s.labels.end() && it->second == v;
		}
		if (ok)
			out.push_back(s);
	}
	return out;
}

// The one sample's value, or nullopt when there is none.
inline std::optional<double> value_of(const std::vector<Sample> &all, const std::string &name,
				      const std::map<std::string, std::string> &want)
{
	auto s = select(all, name, want);
	if (s.size() != 1)
		return std::nullopt;
	return s[0].value;
}

// A loopback port nothing listens on right now.
inline int free_port()
{
	UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	if (bind(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof(a)) != 0 ||
	    getsockname(fd.get(), reinterpret_cast<sockaddr *>(&a), &len) != 0)
		return 0;
	return ntohs(a.sin_port);
}

// `trace-map-iter serve --listen 127.0.0.1:0 ARGS...`, started and serving.
class ServeRun {
public:
	explicit ServeRun(std::vector<std::string> args)
	{
		std::vector<std::string> argv{tool_path(), "serve", "--listen", "127.0.0.1:0"};
		argv.insert(argv.end(), args.begin(), args.end());
		child_ = std::make_unique<Child>(argv);
		if (!child_->wait_for_stderr_line("Serving", std::chrono::seconds(30)))
			return;
		// "Serving http://127.0.0.1:PORT/metrics ..."
		const std::string &err = child_->err();
		size_t at = err.find("Serving http://127.0.0.1:");
		if (at != std::string::npos)
			port_ = std::atoi(err.c_str() + at + 25);
	}
	bool started() const { return port_ > 0; }
	int port() const { return port_; }
	Child &child() { return *child_; }
	std::string err() const { return child_->err(); }
	std::vector<Sample> scrape(std::string *text = nullptr)
	{
		HttpReply r = http_get(port_, "/metrics");
		if (text)
			*text = r.body;
		return parse_metrics(r.body);
	}
	// Scrapes until ready(samples) or the timeout; returns the last scrape.
	template <class F>
	std::vector<Sample> scrape_until(F ready, std::chrono::seconds timeout,
					 std::string *text = nullptr)
	{
		auto deadline = std::chrono::steady_clock::now() + timeout;
		std::vector<Sample> s;
		while (true) {
			s = scrape(text);
			if (ready(s) || std::chrono::steady_clock::now() > deadline)
				return s;
			std::this_thread::sleep_for(std::chrono::milliseconds(200));
		}
	}

private:
	std::unique_ptr<Child> child_;
	int port_ = 0;
};

} // namespace tmi::testing
