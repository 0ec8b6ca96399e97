// bv-node: the executable every node carries (babel, babelsup). It links only the node's
// code: nothing of the daemon, the CLI, the control plane or TLS.
#include "modes/mode.hpp"
#include "modes/modes.hpp"

namespace {

int run_node_mode(bv::Mode mode, int argc, const char* const* argv) {
    switch (mode) {
        case bv::Mode::babel: return bv::run_babel_mode(argc, argv);
        case bv::Mode::babelsup: return bv::run_babelsup_mode(argc, argv);
        default: return 2;  // not a mode of this program (select_mode never picks one)
    }
}

}  // namespace

int main(int argc, char** argv) { return bv::run_program(bv::node_program(), argc, argv, run_node_mode); }
