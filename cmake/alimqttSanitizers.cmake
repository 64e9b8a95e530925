# ALIMQTT_SANITIZE: a comma list for -fsanitize= (e.g. "address,undefined"),
# applied to every test and example target through alimqtt_sanitize(target).
set(ALIMQTT_SANITIZE "" CACHE STRING "Sanitizers for tests and examples, e.g. address,undefined")
function(alimqtt_sanitize target)
    if(ALIMQTT_SANITIZE)
        target_compile_options(${target} PRIVATE -fsanitize=${ALIMQTT_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
        target_link_options(${target} PRIVATE -fsanitize=${ALIMQTT_SANITIZE})
    endif()
endfunction()
