// Temporary: commands not yet written.
#include "command.hpp"
namespace tmi {
std::unique_ptr<Command> make_audit_command() { return nullptr; }
}
