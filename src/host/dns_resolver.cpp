#include "host/dns_resolver.hpp"

#include <ares.h>
#include <netinet/in.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "common/async.hpp"
#include "common/notifier.hpp"
#include "rpc/error.hpp"

namespace bv::host {
namespace {

using Descriptor = asio::posix::stream_descriptor;

// One lookup on its own c-ares channel. c-ares says which sockets it wants to read or write
// (the socket-state callback); each is watched with a stream_descriptor that does not own it
// (c-ares opens and closes them), and ares_process_fd runs when one is ready or when c-ares'
// next timeout passes. Handlers hold the lookup, so it outlives them; none touches the
// channel once close() has destroyed it.
class Lookup : public std::enable_shared_from_this<Lookup> {
public:
    explicit Lookup(asio::any_io_executor executor)
        : executor_(std::move(executor)), timer_(executor_) {}

    // Throws rpc::Error when c-ares cannot start (no memory, an unreadable resolv.conf).
    void start(const std::string& host, const DnsResolverOptions& options) {
        ares_options settings{};
        settings.sock_state_cb = &Lookup::on_socket_state;
        settings.sock_state_cb_data = this;
        check(ares_init_options(&channel_, &settings, ARES_OPT_SOCK_STATE_CB), host,
              "starting the resolver");
        if (!options.servers.empty()) {
            check(ares_set_servers_ports_csv(channel_, options.servers.c_str()), host,
                  "setting the name servers");
        }
        ares_addrinfo_hints hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        if (options.hosts_file_from_environment) hints.ai_flags |= ARES_AI_ENVHOSTS;
        ares_getaddrinfo(channel_, host.c_str(), nullptr, &hints, &Lookup::on_result, this);
        arm_timer();
    }

    asio::awaitable<void> wait() {
        while (!done_) co_await finished_.wait();
    }

    int status() const { return status_; }
    const rpc::IpAddresses& addresses() const { return addresses_; }

    // Cancels what c-ares still does (its callbacks run now, with ARES_EDESTRUCTION) and stops
    // watching its sockets and its timer.
    void close() {
        if (channel_ == nullptr) return;
        auto* channel = std::exchange(channel_, nullptr);
        ares_destroy(channel);
        for (auto& [fd, watch] : watches_) forget(*watch);
        watches_.clear();
        timer_.cancel();
    }

private:
    struct Watch {
        Descriptor descriptor;
        bool want_read = false;
        bool want_write = false;
        bool reading = false;
        bool writing = false;
        bool active = true;
    };

    static void check(int status, const std::string& host, const std::string& what) {
        if (status != ARES_SUCCESS) {
            throw rpc::Error(rpc::Code::unavailable, "cannot resolve the host name '" + host +
                                                         "': " + what + ": " +
                                                         ares_strerror(status));
        }
    }

    static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
        auto& lookup = *static_cast<Lookup*>(data);
        auto found = lookup.watches_.find(fd);
        if (!readable && !writable) {
            // c-ares closes the socket right after this.
            if (found != lookup.watches_.end()) {
                forget(*found->second);
                lookup.watches_.erase(found);
            }
            return;
        }
        if (found == lookup.watches_.end()) {
            found =
                lookup.watches_
                    .emplace(fd, std::make_shared<Watch>(Watch{Descriptor(lookup.executor_, fd)}))
                    .first;
        }
        found->second->want_read = readable != 0;
        found->second->want_write = writable != 0;
        lookup.arm(fd, found->second);
    }

    static void forget(Watch& watch) {
        watch.active = false;
        boost::system::error_code ignored;
        watch.descriptor.cancel(ignored);
        watch.descriptor.release();
    }

    static void on_result(void* data, int status, int, ares_addrinfo* result) {
        auto& lookup = *static_cast<Lookup*>(data);
        if (status == ARES_EDESTRUCTION) return;  // close(): nobody waits any more
        lookup.status_ = status;
        if (result != nullptr) {
            for (auto* node = result->nodes; node != nullptr; node = node->ai_next) {
                if (node->ai_family == AF_INET) {
                    const auto* address = reinterpret_cast<const sockaddr_in*>(node->ai_addr);
                    asio::ip::address_v4::bytes_type bytes;
                    std::memcpy(bytes.data(), &address->sin_addr, bytes.size());
                    lookup.addresses_.push_back(asio::ip::address_v4(bytes));
                } else if (node->ai_family == AF_INET6) {
                    const auto* address = reinterpret_cast<const sockaddr_in6*>(node->ai_addr);
                    asio::ip::address_v6::bytes_type bytes;
                    std::memcpy(bytes.data(), &address->sin6_addr, bytes.size());
                    lookup.addresses_.push_back(
                        asio::ip::address_v6(bytes, address->sin6_scope_id));
                }
            }
            ares_freeaddrinfo(result);
        }
        lookup.done_ = true;
        lookup.finished_.notify_all();
    }

    void arm(ares_socket_t fd, const std::shared_ptr<Watch>& watch) {
        if (watch->want_read) wait_for(Descriptor::wait_read, fd, watch, watch->reading);
        if (watch->want_write) wait_for(Descriptor::wait_write, fd, watch, watch->writing);
    }

    // One wait at a time per direction: `pending` says whether it is on.
    void wait_for(Descriptor::wait_type direction, ares_socket_t fd, const std::shared_ptr<Watch>& watch,
                  bool& pending) {
        if (pending) return;
        pending = true;
        watch->descriptor.async_wait(direction, [self = shared_from_this(), watch, fd, direction, &pending](auto ec) {
            pending = false;  // a member of *watch, which the handler holds
            if (ec || !watch->active) return;
            const bool readable = direction == Descriptor::wait_read;
            self->process(readable ? fd : ARES_SOCKET_BAD, readable ? ARES_SOCKET_BAD : fd);
        });
    }

    void process(ares_socket_t read_fd, ares_socket_t write_fd) {
        if (channel_ == nullptr) return;
        ares_process_fd(channel_, read_fd, write_fd);
        // What c-ares wants of each socket may have changed; a socket just served is watched again.
        for (auto& [fd, watch] : watches_) arm(fd, watch);
        arm_timer();
    }

    void arm_timer() {
        if (channel_ == nullptr) return;
        timeval next{};
        if (ares_timeout(channel_, nullptr, &next) == nullptr) {
            timer_.cancel();
            return;
        }
        timer_.expires_after(std::chrono::seconds(next.tv_sec) +
                             std::chrono::microseconds(next.tv_usec));
        timer_.async_wait([self = shared_from_this()](auto ec) {
            if (!ec) self->process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        });
    }

    asio::any_io_executor executor_;
    asio::steady_timer timer_;
    ares_channel channel_ = nullptr;
    std::map<ares_socket_t, std::shared_ptr<Watch>> watches_;
    bool done_ = false;
    int status_ = ARES_SUCCESS;
    rpc::IpAddresses addresses_;
    Notifier finished_;
};

asio::awaitable<rpc::IpAddresses> resolve(std::string host, DnsResolverOptions options) {
    static std::once_flag initialised;
    std::call_once(initialised, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    auto lookup = std::make_shared<Lookup>(co_await asio::this_coro::executor);
    // Whether the lookup ends, fails, times out or its caller is cancelled.
    struct Closer {
        Lookup& lookup;
        ~Closer() { lookup.close(); }
    } closer{*lookup};
    lookup->start(host, options);
    const bool answered = co_await with_timeout(lookup->wait(), options.timeout);
    const auto where = options.servers.empty()
                           ? std::string("/etc/hosts, then the name servers of /etc/resolv.conf")
                           : "the name servers " + options.servers;
    if (!answered) {
        throw rpc::Error(rpc::Code::unavailable,
                         "cannot resolve the host name '" + host + "': no answer from " + where +
                             " within " + std::to_string(options.timeout.count()) + " ms");
    }
    if (lookup->status() != ARES_SUCCESS || lookup->addresses().empty()) {
        throw rpc::Error(rpc::Code::unavailable, "cannot resolve the host name '" + host +
                                                     "' (looked up in " + where +
                                                     "): " + ares_strerror(lookup->status()));
    }
    co_return lookup->addresses();
}

}  // namespace

rpc::NameResolver make_dns_resolver(DnsResolverOptions options) {
    return [options](std::string host) { return resolve(std::move(host), options); };
}

}  // namespace bv::host
