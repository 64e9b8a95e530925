# alimqtt_warnings(target): the warning set every target of ours builds with.
option(ALIMQTT_WERROR "Treat warnings as errors" OFF)
function(alimqtt_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
    if(ALIMQTT_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
