// top_screen.hpp: the full-screen view of `top` (ncurses).
//
// Keys: q quits; Up/Down (and PgUp/PgDn, Home/End) move the selection and
// scroll; c, w, p, l, r sort by calls/s, walks/s, p99, lost, restarts;
// Enter opens the selected map's detail pane (for hash maps the bucket
// strip and the slowest calls; the latency histogram, callers), Up/Down
// and PgUp/PgDn scroll it, Enter/Esc/Backspace closes it. Redraws on every interval and
// on resize; usable on 80x24 (columns past the width are cut; a pane
// taller than the screen ends in a "more lines" row).
// Contract: the constructor takes over the terminal (newterm; throws
// tmi::Error on an unknown terminal type) and the
// destructor gives it back (endwin), so the terminal is sane however the
// view ends. Single-threaded: call from the drain loop's thread only.
#pragma once

#include <cstdint>

#include "live/engine.hpp"
#include "live/top_table.hpp"

namespace tmi {

class TopScreen {
public:
	TopScreen(const LiveEngine &engine, TopSort sort);
	~TopScreen();
	TopScreen(const TopScreen &) = delete;
	TopScreen &operator=(const TopScreen &) = delete;

	// Reads pending keys without waiting; redraws when something changed.
	// Returns false once q was pressed.
	bool handle_keys();
	void draw();

private:
	void *screen_ = nullptr; // ncurses' SCREEN, kept out of this header
	const LiveEngine &engine_;
	TopSort sort_;
	size_t selected_ = 0, first_ = 0;
	uint32_t selected_id_ = 0;
	bool detail_ = false;
	size_t detail_scroll_ = 0;
};

} // namespace tmi
