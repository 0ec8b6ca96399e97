#include "common/worker_pool.hpp"

namespace bv {

boost::asio::thread_pool& worker_pool(Work work) {
    static boost::asio::thread_pool quick(2);
    static boost::asio::thread_pool bulk(2);
    return work == Work::quick ? quick : bulk;
}

}  // namespace bv
