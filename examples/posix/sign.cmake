# alimqtt-sign: prints a device's Aliyun connection parameters as console JSON.
# Host tool: uses fmt (never the library itself).
find_package(fmt REQUIRED)
add_executable(alimqtt-sign ${CMAKE_CURRENT_LIST_DIR}/alimqtt_sign.cpp)
target_link_libraries(alimqtt-sign PRIVATE alimqtt::alimqtt fmt::fmt)
alimqtt_warnings(alimqtt-sign)
alimqtt_sanitize(alimqtt-sign)
install(TARGETS alimqtt-sign RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
