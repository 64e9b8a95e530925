#!/usr/bin/env bash
# Links a Cortex-M0+ program that uses the library (arm_link_main.cpp, which
# includes the umbrella alimqtt.hpp) against newlib-nano, then proves from the
# symbol table that nothing pulled in the heap, exceptions or RTTI.
# Usage: arm_link.sh <include-dir> <source> <work-dir>; exit 77 when no arm toolchain.
set -uo pipefail
include_dir=$1 source=$2 work=$3
cxx=arm-none-eabi-g++
if ! command -v "$cxx" >/dev/null 2>&1 || ! command -v arm-none-eabi-nm >/dev/null 2>&1; then
    echo "SKIPPED: $cxx is not installed"
    exit 77
fi
mkdir -p "$work"
elf=$work/arm_link.elf
"$cxx" -mcpu=cortex-m0plus -mthumb -Os -std=c++20 -fno-exceptions -fno-rtti \
    -Wall -Wextra -Wpedantic -Werror -ffunction-sections -fdata-sections \
    -I"$include_dir" "$source" --specs=nano.specs --specs=nosys.specs \
    -Wl,--gc-sections -Wl,-Map="$work/arm_link.map" -o "$elf" || exit 1
# Heap: malloc & co, operator new/delete (_Znw*/_Zna*/_Zdl*/_Zda*), sbrk.
# Exceptions: __cxa_* throw/catch, the unwinder, the personality routine.
# RTTI: typeinfo objects (_ZTI*) and __dynamic_cast.
forbidden='^(_?malloc|_?calloc|_?realloc|_?free|_malloc_r|_free_r|_sbrk(_r)?|_Znw.*|_Zna.*|_Zdl.*|_Zda.*|__cxa_(allocate_exception|throw|begin_catch|end_catch|rethrow)|_Unwind_.*|__gxx_personality_v0|__aeabi_unwind_cpp_pr[0-9]|_ZTI.*|__dynamic_cast)$'
found=$(arm-none-eabi-nm "$elf" | awk '{print $NF}' | grep -E "$forbidden" || true)
arm-none-eabi-size "$elf"
if [[ -n $found ]]; then
    echo "the Cortex-M0+ image pulls in heap/exception/RTTI symbols:" >&2
    echo "$found" >&2
    echo "(see $work/arm_link.map for who references them)" >&2
    exit 1
fi
echo "OK: linked with newlib-nano; no heap, exception or RTTI symbol in the image"
