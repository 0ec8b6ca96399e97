#include "common/process_identity.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace bv {

std::optional<std::uint64_t> process_start_time(pid_t pid) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(file, stat)) return std::nullopt;
    // The command name (field 2) is in parentheses and may hold spaces: fields after it are
    // counted from its closing parenthesis.
    const auto name_end = stat.rfind(')');
    if (name_end == std::string::npos) return std::nullopt;
    std::istringstream fields(stat.substr(name_end + 2));
    std::string field;
    fields >> field;  // field 3: state
    if (field == "Z" || field == "X") return std::nullopt;
    for (int index = 4; index < 22; ++index) fields >> field;
    std::uint64_t start_time = 0;
    if (!(fields >> start_time)) return std::nullopt;
    return start_time;
}

int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace bv
