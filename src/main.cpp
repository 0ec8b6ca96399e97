// blockvisor: the host's executable (bvd, bv, bv-installer, bv-api).
#include "host/dns_resolver.hpp"
#include "modes/mode.hpp"
#include "modes/modes.hpp"

namespace {

int run_host_mode(bv::Mode mode, int argc, const char* const* argv) {
    switch (mode) {
        case bv::Mode::daemon: return bv::run_daemon_mode(argc, argv);
        case bv::Mode::cli: return bv::run_cli_mode(argc, argv);
        case bv::Mode::installer: return bv::run_installer_mode(argc, argv);
        case bv::Mode::api: return bv::run_api_mode(argc, argv);
        default: return 2;  // not a mode of this program (select_mode never picks one)
    }
}

}  // namespace

int main(int argc, char** argv) {
    // Host names (the control plane's, an image store's) through c-ares: a static binary cannot
    // count on the NSS modules glibc's getaddrinfo would load.
    bv::rpc::set_name_resolver(bv::host::make_dns_resolver());
    return bv::run_program(bv::host_program(), argc, argv, run_host_mode);
}
