# cmake -DSTEP=<install|consume|too_new|subdir> -DSOURCE=<repo> -DWORK=<dir>
#       -DCXX=<compiler> -DGENERATOR=<generator> -P consumer.cmake
# install: configure the repo alone (no tests/examples), install it into WORK/prefix.
# consume: build and run tests/consumer/project against WORK/prefix.
# too_new: find_package(alimqtt 9.0) and (0.2) against WORK/prefix must fail.
# subdir:  a parent project add_subdirectory()s the repo and builds.
cmake_minimum_required(VERSION 3.25)

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
        list(JOIN ARGN " " cmd)
        message(FATAL_ERROR "failed (${rc}): ${cmd}")
    endif()
endfunction()

set(common -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release)
set(prefix ${WORK}/prefix)

if(STEP STREQUAL "install")
    file(REMOVE_RECURSE ${WORK})
    run(${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK}/build ${common}
        -DALIMQTT_BUILD_TESTS=OFF -DALIMQTT_BUILD_EXAMPLES=OFF)
    run(${CMAKE_COMMAND} --install ${WORK}/build --prefix ${prefix})
    foreach(f include/alimqtt/alimqtt.hpp share/cmake/alimqtt/alimqttConfig.cmake
              share/cmake/alimqtt/alimqttConfigVersion.cmake share/cmake/alimqtt/alimqttTargets.cmake)
        if(NOT EXISTS ${prefix}/${f})
            message(FATAL_ERROR "install tree lacks ${f}")
        endif()
    endforeach()
elseif(STEP STREQUAL "consume")
    file(REMOVE_RECURSE ${WORK}/consumer)
    run(${CMAKE_COMMAND} -S ${SOURCE}/tests/consumer/project -B ${WORK}/consumer ${common}
        -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
    run(${CMAKE_COMMAND} --build ${WORK}/consumer)
    run(${WORK}/consumer/consumer)
elseif(STEP STREQUAL "too_new")
    foreach(wanted 9.0 0.2)
        file(REMOVE_RECURSE ${WORK}/too_new)
        run(${CMAKE_COMMAND} -S ${SOURCE}/tests/consumer/too_new -B ${WORK}/too_new ${common}
            -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DWANTED_VERSION=${wanted})
    endforeach()
elseif(STEP STREQUAL "subdir")
    file(REMOVE_RECURSE ${WORK}/subdir)
    run(${CMAKE_COMMAND} -S ${SOURCE}/tests/consumer/subdir -B ${WORK}/subdir ${common}
        -DALIMQTT_SOURCE_DIR=${SOURCE})
    run(${CMAKE_COMMAND} --build ${WORK}/subdir)
    run(${WORK}/subdir/parent)
else()
    message(FATAL_ERROR "unknown STEP '${STEP}'")
endif()
