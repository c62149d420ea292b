// signals.hpp: SIGINT, SIGTERM and SIGHUP set one flag; loops poll it.
#pragma once

namespace tmi {

void install_stop_handlers();
bool stop_requested();

} // namespace tmi
