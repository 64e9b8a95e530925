# ctest fixture: installs npm's mqtt-packet (the differential oracle) into the
# build tree. Prints SKIPPED (matched by SKIP_REGULAR_EXPRESSION) when npm is
# missing or the install fails, so the dependent test is skipped, not passed.
# Usage: cmake -DNPM=<npm> -DPREFIX=<dir> -DPACKAGE=<name@version> -P npm_install.cmake
if(EXISTS "${PREFIX}/node_modules/mqtt-packet/package.json")
    message(STATUS "mqtt-packet already installed in ${PREFIX}")
    return()
endif()
if(NOT NPM OR NOT EXISTS "${NPM}")
    message(STATUS "SKIPPED: npm not found (apt-get install npm)")
    return()
endif()
execute_process(COMMAND "${NPM}" install --no-audit --no-fund --prefix "${PREFIX}" "${PACKAGE}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(STATUS "SKIPPED: npm install ${PACKAGE} failed (${rc}): ${err}")
    return()
endif()
message(STATUS "installed ${PACKAGE} into ${PREFIX}")
