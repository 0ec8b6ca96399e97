#include "rpc/socket_deadline.hpp"

#include <boost/asio/steady_timer.hpp>

namespace bv::rpc {

using Clock = std::chrono::steady_clock;

struct SocketDeadline::State : std::enable_shared_from_this<State> {
    explicit State(StreamSocket& s) : timer(s.get_executor()), socket(s) {}

    asio::steady_timer timer;
    StreamSocket& socket;
    Clock::time_point deadline = Clock::time_point::max();
    OnExpiry on_expiry = OnExpiry::end_connection;
    bool expired = false;
    bool waiting = false;  // a wait for timer.expiry() is pending

    void wait_until(Clock::time_point when) {
        timer.expires_at(when);  // a wait pending before ends with operation_aborted
        waiting = true;
        // Weak: the state goes with its socket; a wait ended then finds nothing to do.
        timer.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
            if (error) return;
            if (const auto state = weak.lock()) state->on_timer();
        });
    }

    void on_timer() {
        waiting = false;
        if (deadline == Clock::time_point::max()) return;
        if (Clock::now() < deadline) {
            wait_until(deadline);  // moved later since: wait for the rest
            return;
        }
        expired = true;
        boost::system::error_code ignored;
        socket.cancel(ignored);
        if (on_expiry == OnExpiry::end_connection) socket.shutdown(asio::socket_base::shutdown_both, ignored);
    }
};

SocketDeadline::SocketDeadline(StreamSocket& socket) : state_(std::make_shared<State>(socket)) {}
SocketDeadline::~SocketDeadline() = default;

void SocketDeadline::expires_at(Clock::time_point deadline, OnExpiry on_expiry) {
    auto& state = *state_;
    state.deadline = deadline;
    state.on_expiry = on_expiry;
    state.expired = false;
    if (deadline == Clock::time_point::max()) return;
    if (!state.waiting || state.timer.expiry() > deadline) state.wait_until(deadline);
}

void SocketDeadline::expires_never() { expires_at(Clock::time_point::max()); }

void SocketDeadline::stop() {
    expires_never();
    if (!state_->waiting) return;
    state_->timer.cancel();
    state_->waiting = false;
}

bool SocketDeadline::expired() const { return state_->expired; }

}  // namespace bv::rpc
