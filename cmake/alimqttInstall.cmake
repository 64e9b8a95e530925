# Install the headers and an exported CMake package so that
# find_package(alimqtt 0.1 CONFIG) works for consumers.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS alimqtt EXPORT alimqttTargets)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/alimqtt
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT alimqttTargets
        NAMESPACE alimqtt::
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/alimqtt)

configure_package_config_file(
    ${PROJECT_SOURCE_DIR}/cmake/alimqttConfig.cmake.in
    ${PROJECT_BINARY_DIR}/alimqttConfig.cmake
    INSTALL_DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/alimqtt)
# Header-only: the package fits any architecture (the Pico and the host).
write_basic_package_version_file(
    ${PROJECT_BINARY_DIR}/alimqttConfigVersion.cmake
    COMPATIBILITY SameMinorVersion
    ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/alimqttConfig.cmake
              ${PROJECT_BINARY_DIR}/alimqttConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/alimqtt)
