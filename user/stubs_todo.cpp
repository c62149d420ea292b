// Temporary: commands not yet written.
#include "command.hpp"
namespace tmi {
std::unique_ptr<Command> make_buckets_command() { return nullptr; }
std::unique_ptr<Command> make_audit_command() { return nullptr; }
}
