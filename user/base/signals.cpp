// signals.cpp: see signals.hpp. The flag is the one piece of global state:
// a signal handler can reach nothing else.
#include "base/signals.hpp"

#include <csignal>

namespace tmi {

static volatile std::sig_atomic_t g_stop = 0;

static void on_signal(int) { g_stop = 1; }

void install_stop_handlers()
{
	struct sigaction sa {};
	sa.sa_handler = on_signal;
	// SA_RESTART: a write blocked on a full pipe (a slow reader of -j)
	// resumes after the signal; interrupted, stdio lost the record it was
	// writing and the run ended "can't write standard output". The loops
	// still wake: epoll_wait and poll are never restarted.
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	// A closed terminal or `kill -HUP` ends the run like SIGTERM: the
	// summary is printed (the default action would lose it).
	sigaction(SIGHUP, &sa, nullptr);
}

bool stop_requested() { return g_stop != 0; }

} // namespace tmi
