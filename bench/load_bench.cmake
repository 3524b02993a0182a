# The endpoint benchmarks hash with the OpenSSL MD5 backend (Challenge/Response, hidden AVPs).
target_link_libraries(${VPNWIRE_BENCH_TARGET} PRIVATE vpnwire::openssl)
