# The POSIX adapters as interface targets: alimqtt_posix (TCP, header-only) and
# alimqtt_posix_tls (adds OpenSSL). Included by examples/ and tests/posix/.
# Threads: TcpTransport resolves host names on a worker thread (deadline-bounded).
if(NOT TARGET alimqtt_posix)
    find_package(Threads REQUIRED)
    add_library(alimqtt_posix INTERFACE)
    target_include_directories(alimqtt_posix INTERFACE ${CMAKE_CURRENT_LIST_DIR})
    target_link_libraries(alimqtt_posix INTERFACE alimqtt::alimqtt Threads::Threads)
    find_package(OpenSSL 1.1.1 COMPONENTS SSL Crypto)
    if(OpenSSL_FOUND)
        add_library(alimqtt_posix_tls INTERFACE)
        target_link_libraries(alimqtt_posix_tls INTERFACE alimqtt_posix OpenSSL::SSL OpenSSL::Crypto)
    else()
        message(STATUS "alimqtt: OpenSSL not found (apt-get install libssl-dev): TLS adapter not built")
    endif()
endif()
