# The `docs` target: doxygen over include/ and README.md into <build>/docs/html.
# Any doxygen warning (undocumented public API, broken reference) fails the target.
find_package(Doxygen QUIET)
if(NOT DOXYGEN_EXECUTABLE)
    add_custom_target(docs
        COMMAND ${CMAKE_COMMAND} -E echo "doxygen not found: apt-get install doxygen"
        COMMAND ${CMAKE_COMMAND} -E false)
    return()
endif()

set(ALIMQTT_DOCS_DIR ${PROJECT_BINARY_DIR}/docs)
# README.md is written for GitHub; doxygen_md_filter.py gives its headings
# GitHub's anchors and turns links to repository files into text for doxygen.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(Python3_Interpreter_FOUND)
    set(ALIMQTT_DOCS_MD_FILTER "*.md=\"${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/doxygen_md_filter.py\"")
else()
    set(ALIMQTT_DOCS_MD_FILTER "")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/Doxyfile.in ${ALIMQTT_DOCS_DIR}/Doxyfile @ONLY)
add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E rm -f ${ALIMQTT_DOCS_DIR}/warnings.log
    COMMAND ${DOXYGEN_EXECUTABLE} ${ALIMQTT_DOCS_DIR}/Doxyfile
    COMMAND ${CMAKE_COMMAND} -DLOG=${ALIMQTT_DOCS_DIR}/warnings.log
            -P ${CMAKE_CURRENT_LIST_DIR}/alimqttFailOnLog.cmake
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "doxygen: API reference in ${ALIMQTT_DOCS_DIR}/html"
    VERBATIM)
