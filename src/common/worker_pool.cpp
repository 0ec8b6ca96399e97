#include "common/worker_pool.hpp"

namespace bv {

boost::asio::thread_pool& worker_pool() {
    static boost::asio::thread_pool pool(2);
    return pool;
}

}  // namespace bv
