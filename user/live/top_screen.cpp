// top_screen.cpp: see top_screen.hpp.
#include "live/top_screen.hpp"

#include <curses.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "base/error.hpp"

namespace tmi {

TopScreen::TopScreen(const LiveEngine &engine, TopSort sort) : engine_(engine), sort_(sort)
{
	// newterm, not initscr: initscr exits the process on an unknown TERM.
	screen_ = newterm(nullptr, stdout, stdin);
	if (!screen_) {
		const char *term = std::getenv("TERM");
		throw Error(fmt::format("can't start the full-screen view: unknown terminal type '{}'",
					term ? term : ""));
	}
	cbreak(); // Ctrl-C still raises SIGINT, which stops the loop
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
}

TopScreen::~TopScreen()
{
	endwin();
	delscreen(static_cast<SCREEN *>(screen_));
}

bool TopScreen::handle_keys()
{
	bool changed = false;
	int ch;
	size_t rows = engine_.map_ids().size();
	while ((ch = getch()) != ERR) {
		changed = true;
		switch (ch) {
		case 'q':
		case 'Q':
			return false;
		case KEY_UP:
			if (detail_)
				detail_scroll_ -= detail_scroll_ > 0;
			else if (selected_ > 0)
				selected_--;
			break;
		case KEY_DOWN:
			if (detail_)
				detail_scroll_++;
			else if (selected_ + 1 < rows)
				selected_++;
			break;
		case KEY_PPAGE:
			if (detail_)
				detail_scroll_ -= std::min(detail_scroll_, size_t(std::max(LINES - 3, 1)));
			else
				selected_ = selected_ > size_t(LINES) ? selected_ - LINES : 0;
			break;
		case KEY_NPAGE:
			if (detail_)
				detail_scroll_ += size_t(std::max(LINES - 3, 1)); // draw() bounds it
			else
				selected_ = std::min(selected_ + LINES, rows ? rows - 1 : 0);
			break;
		case KEY_HOME:
			selected_ = 0;
			break;
		case KEY_END:
			selected_ = rows ? rows - 1 : 0;
			break;
		case 'c':
			sort_ = TopSort::Calls;
			break;
		case 'w':
			sort_ = TopSort::Walks;
			break;
		case 'p':
			sort_ = TopSort::P99;
			break;
		case 'l':
			sort_ = TopSort::Lost;
			break;
		case 'r':
			sort_ = TopSort::Restarts;
			break;
		case '\n':
		case '\r':
		case KEY_ENTER:
			detail_ = !detail_;
			detail_scroll_ = 0;
			break;
		case 27: // Esc
		case KEY_BACKSPACE:
		case 127:
			detail_ = false;
			break;
		default:
			changed = ch == KEY_RESIZE;
		}
	}
	if (changed)
		draw();
	return true;
}

void TopScreen::draw()
{
	auto maps = engine_.snapshot();
	auto rows = top_rows(maps, sort_);
	size_t width = size_t(std::max(COLS, 1)), height = size_t(std::max(LINES, 3));
	if (!rows.empty())
		selected_ = std::min(selected_, rows.size() - 1);
	erase();
	std::time_t now = std::time(nullptr);
	char ts[16];
	std::strftime(ts, sizeof(ts), "%H:%M:%S", std::localtime(&now));
	std::string title = fmt::format("trace-map-iter top - {} - {} maps - sort: {} "
					"(c w p l r) - Enter: detail - q: quit",
					ts, rows.size(), top_sort_name(sort_));
	mvaddnstr(0, 0, title.c_str(), int(width));

	if (detail_ && !rows.empty()) {
		selected_id_ = rows[selected_].id;
		auto it = std::find_if(maps.begin(), maps.end(),
				       [&](auto &m) { return m.label.id == selected_id_; });
		if (it != maps.end()) {
			auto lines = top_detail(*it, width);
			size_t visible = height - 2;
			detail_scroll_ = std::min(detail_scroll_,
						  lines.size() > visible ? lines.size() - visible : 0);
			// A short terminal: the last row says there is more, and how to see it.
			bool more = lines.size() - detail_scroll_ > visible;
			size_t shown = more ? visible - 1 : visible;
			for (size_t i = detail_scroll_, y = 2; i < lines.size() && y < 2 + shown; i++, y++)
				mvaddnstr(int(y), 0, lines[i].c_str(), int(width));
			if (more) {
				attron(A_REVERSE);
				std::string hint = fmt::format("-- {} more lines: Down scrolls --",
							       lines.size() - detail_scroll_ - shown);
				mvaddnstr(int(height - 1), 0, hint.c_str(), int(width));
				attroff(A_REVERSE);
			}
			refresh();
			return;
		}
	}
	attron(A_REVERSE);
	std::string header = top_header(width);
	header.resize(width, ' ');
	mvaddnstr(1, 0, header.c_str(), int(width));
	attroff(A_REVERSE);
	size_t visible = height - 2;
	if (selected_ < first_)
		first_ = selected_;
	if (selected_ >= first_ + visible)
		first_ = selected_ - visible + 1;
	for (size_t i = first_, y = 2; i < rows.size() && y < height; i++, y++) {
		if (i == selected_)
			attron(A_BOLD | A_UNDERLINE);
		mvaddnstr(int(y), 0, top_line(rows[i], width).c_str(), int(width));
		if (i == selected_)
			attroff(A_BOLD | A_UNDERLINE);
	}
	refresh();
}

} // namespace tmi
